// Command webhook is pd2chat's webhook function. In AWS Lambda (when
// AWS_LAMBDA_RUNTIME_API is set) it serves API Gateway HTTP API (payload
// v2.0) events; anywhere else it serves HTTP on $PORT. Either way, POST
// /pagerduty is the same relay.Handler. This file only reads the settings
// and wires the pieces.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
	_ "time/tzdata" // Asia/Tokyo on provided.al2023, which has no zoneinfo

	"github.com/akrylysov/algnhsa"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/config"
	"github.com/pd2chat/pd2chat/shared/relay"
	"github.com/pd2chat/pd2chat/shared/wiring"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	inLambda := os.Getenv("AWS_LAMBDA_RUNTIME_API") != ""
	getenv, err := wiring.Env(context.Background(), os.Getenv)
	var h *relay.Handler
	var cfg config.Config
	if err == nil {
		h, cfg, err = setup(getenv, inLambda, os.Stdout, log)
	}
	if err != nil {
		log.Error("webhook: cannot start", "error", err.Error())
		if !inLambda {
			fmt.Fprintln(os.Stderr, err)
		}
		os.Exit(1)
	}
	mux := routes(h)
	if inLambda {
		algnhsa.ListenAndServe(mux, &algnhsa.Options{RequestType: algnhsa.RequestTypeAPIGatewayV2})
		return
	}
	if err := serve(cfg.Port, mux, log); err != nil {
		log.Error("webhook: server stopped", "error", err.Error())
		os.Exit(1)
	}
}

// routes is the HTTP surface: POST /pagerduty (any other method gets 405
// from the relay) and GET /healthz.
func routes(h http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/pagerduty", h)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	return mux
}

// setup reads the settings and wires the relay.
func setup(getenv func(string) string, inLambda bool, stdout io.Writer, log *slog.Logger) (*relay.Handler, config.Config, error) {
	cfg, err := config.Load(getenv, inLambda)
	if err = errors.Join(err, cfg.CheckWebhook()); err != nil {
		return nil, cfg, err
	}
	src, err := wiring.Rotation(cfg, log)
	if err != nil {
		return nil, cfg, err
	}
	store, err := wiring.State(context.Background(), cfg)
	if err != nil {
		return nil, cfg, err
	}
	var secrets []string
	for _, s := range cfg.WebhookSecrets {
		secrets = append(secrets, s.Reveal())
	}
	if len(secrets) == 0 {
		log.Warn("PAGERDUTY_WEBHOOK_SECRETS is not set: deliveries are NOT authenticated (local use only)")
	}
	h := relay.New(relay.Config{
		Secrets:      secrets,
		V2Token:      cfg.V2Token.Reveal(),
		Calendar:     wiring.Calendar(cfg),
		Rotation:     src,
		Destinations: wiring.Destinations(cfg, cfg.AlertDestinations, wiring.HTTPClient(), stdout),
		Log:          log,
		Retry:        chat.DefaultRetry,
		State:        store,
	})
	log.Info("webhook ready", "lambda", inLambda, "rotation", cfg.Rotation.String(),
		"destinations", fmt.Sprint(cfg.AlertDestinations), "timezone", cfg.Location.String(),
		"business_hours", cfg.Hours.String(), "holidays", cfg.Holidays, "v2", cfg.V2Token != "", "state", cfg.State.String())
	return h, cfg, nil
}

// serve runs the local HTTP server until SIGINT or SIGTERM.
func serve(port int, h http.Handler, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv := &http.Server{
		Addr:              net.JoinHostPort("", strconv.Itoa(port)),
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("listening", "addr", "http://localhost:"+strconv.Itoa(port)+"/pagerduty")
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
