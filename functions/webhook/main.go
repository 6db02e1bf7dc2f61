// Command webhook is pd2chat's webhook function. In AWS Lambda (when
// AWS_LAMBDA_RUNTIME_API is set) it serves API Gateway HTTP API (payload
// v2.0) events; anywhere else it serves HTTP on $PORT. Either way, POST
// /pagerduty is the same relay.Handler: verify, decode, enqueue. With
// DELIVERY_QUEUE=memory (the default outside Lambda) the deliver code runs
// in this process too; with sqs:URL the deliver function posts. This file
// only reads the settings and wires the pieces.
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

	"github.com/pd2chat/pd2chat/shared/config"
	"github.com/pd2chat/pd2chat/shared/deliver"
	"github.com/pd2chat/pd2chat/shared/notify"
	"github.com/pd2chat/pd2chat/shared/oncallfeed"
	"github.com/pd2chat/pd2chat/shared/relay"
	"github.com/pd2chat/pd2chat/shared/slackapp"
	"github.com/pd2chat/pd2chat/shared/wiring"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	inLambda := os.Getenv("AWS_LAMBDA_RUNTIME_API") != ""
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	getenv, err := wiring.Env(ctx, os.Getenv)
	var (
		hs  handlers
		cfg config.Config
	)
	if err == nil {
		hs, cfg, err = setup(ctx, getenv, inLambda, os.Stdout, log)
	}
	if err != nil {
		log.Error("webhook: cannot start", "error", err.Error())
		if !inLambda {
			fmt.Fprintln(os.Stderr, err)
		}
		os.Exit(1)
	}
	mux := routes(hs)
	if inLambda {
		algnhsa.ListenAndServe(mux, &algnhsa.Options{RequestType: algnhsa.RequestTypeAPIGatewayV2})
		return
	}
	if err := serve(ctx, cfg.Port, mux, log); err != nil {
		log.Error("webhook: server stopped", "error", err.Error())
		os.Exit(1)
	}
}

// handlers are the webhook's HTTP handlers; those not configured are nil.
type handlers struct {
	relay  *relay.Handler      // POST /pagerduty
	app    *slackapp.Handler   // the Slack app's /slack/* (SLACK_SIGNING_SECRET)
	feed   *oncallfeed.Handler // GET /oncall.ics (ICAL_TOKEN)
	notify *notify.Handler     // POST /notify (NOTIFY_SECRET)
}

// routes is the HTTP surface: POST /pagerduty (any other method gets 405
// from the relay), GET /healthz, the Slack app's POST /slack/interactions,
// /slack/events and /slack/commands, the on-call calendar GET /oncall.ics
// and the operations job reports POST /notify when they are configured.
func routes(hs handlers) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/pagerduty", hs.relay)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	if hs.app != nil {
		hs.app.Register(mux)
	}
	if hs.feed != nil {
		hs.feed.Register(mux)
	}
	if hs.notify != nil {
		hs.notify.Register(mux)
	}
	return mux
}

// setup reads the settings and wires the relay; with the in-memory queue
// it also starts the deliver code, which runs until ctx ends.
func setup(ctx context.Context, getenv func(string) string, inLambda bool, stdout io.Writer, log *slog.Logger) (handlers, config.Config, error) {
	cfg, err := config.Load(getenv, inLambda)
	if err = errors.Join(err, cfg.CheckWebhook()); err != nil {
		return handlers{}, cfg, err
	}
	q, err := wiring.Queue(ctx, cfg)
	if err != nil {
		return handlers{}, cfg, err
	}
	app, err := wiring.SlackApp(cfg, q, log)
	if err != nil {
		return handlers{}, cfg, err
	}
	if cfg.Queue.Kind == "memory" {
		store, err := wiring.State(ctx, cfg)
		if err != nil {
			return handlers{}, cfg, err
		}
		d, err := wiring.Deliver(ctx, cfg, store, q, stdout, log)
		if err != nil {
			return handlers{}, cfg, err
		}
		log.Warn("DELIVERY_QUEUE=memory: deliveries are posted from this process and lost if it dies (use sqs:URL for durability)")
		go func() { _ = deliver.Poll(ctx, q, d, time.Second) }()
	}
	var secrets []string
	for _, s := range cfg.WebhookSecrets {
		secrets = append(secrets, s.Reveal())
	}
	if len(secrets) == 0 {
		log.Warn("PAGERDUTY_WEBHOOK_SECRETS is not set: deliveries are NOT authenticated (local use only)")
	}
	var dests []string
	for _, d := range cfg.AlertDestinations {
		dests = append(dests, d.String())
	}
	if len(cfg.Routes) > 0 {
		// Each event once, to be routed by the deliver step (by its
		// incident's rule: a note carries no service to match).
		dests = []string{deliver.RouteDestination}
	}
	if cfg.MajorChannels {
		// Every event also to the major incident channels, in its
		// incident's order (package major).
		dests = append(dests, deliver.MajorDestination)
	}
	h := relay.New(relay.Config{
		Secrets:      secrets,
		V2Token:      cfg.V2Token.Reveal(),
		Language:     cfg.Language,
		Destinations: dests,
		Queue:        q,
		Log:          log,
	})
	log.Info("webhook ready", "lambda", inLambda, "rotation", cfg.Rotation.String(),
		"destinations", fmt.Sprint(cfg.AlertDestinations), "timezone", cfg.Location.String(),
		"business_hours", cfg.Hours.String(), "holidays", cfg.Holidays, "v2", cfg.V2Token != "",
		"state", cfg.State.String(), "queue", cfg.Queue.String(), "slack_app", app != nil,
		"language", cfg.Language.String(), "calendar_feed", cfg.ICalToken != "", "notify", len(cfg.NotifySecrets) > 0)
	feed, err := wiring.Feed(cfg, log)
	if err != nil {
		return handlers{}, cfg, err
	}
	return handlers{relay: h, app: app, feed: feed, notify: wiring.Notify(cfg, q, log)}, cfg, nil
}

// serve runs the local HTTP server until ctx ends (SIGINT or SIGTERM).
func serve(ctx context.Context, port int, h http.Handler, log *slog.Logger) error {
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
