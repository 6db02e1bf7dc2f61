// Command deliver is pd2chat's deliver function: it takes messages off the
// delivery queue and posts each to its chat once (package deliver). In AWS
// Lambda (AWS_LAMBDA_RUNTIME_API set) it handles the SQS event source
// mapping's batches, reporting the messages to try again; anywhere else it
// long-polls DELIVERY_QUEUE (an SQS FIFO queue) until SIGINT or SIGTERM.
//
//	deliver                  poll and deliver
//	deliver --create NAME    create NAME.fifo, its dead-letter queue NAME-dlq.fifo and the STATE_STORE table if missing, print the queue URL, exit (local servers)
//	deliver --dead-letters   list the dead-letter queue's messages and their reasons, exit
//	deliver --redrive        move the dead-letter queue's messages back to the queue (after the fix), exit
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // Asia/Tokyo on provided.al2023, which has no zoneinfo

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/pd2chat/pd2chat/shared/config"
	"github.com/pd2chat/pd2chat/shared/deliver"
	"github.com/pd2chat/pd2chat/shared/queue"
	"github.com/pd2chat/pd2chat/shared/wiring"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	inLambda := os.Getenv("AWS_LAMBDA_RUNTIME_API") != ""
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], inLambda, os.Getenv, os.Stdout, log); err != nil {
		log.Error("deliver: stopped", "error", err.Error())
		if !inLambda {
			fmt.Fprintln(os.Stderr, err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, inLambda bool, env func(string) string, stdout io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("deliver", flag.ContinueOnError)
	create := fs.String("create", "", "create the FIFO queue NAME.fifo and NAME-dlq.fifo at SQS_ENDPOINT if missing, print the queue URL, exit")
	redrive := fs.Bool("redrive", false, "move the dead-letter queue's messages back to DELIVERY_QUEUE, exit")
	list := fs.Bool("dead-letters", false, "list the dead-letter queue's messages and their reasons, exit")
	visibility := fs.Duration("visibility", 0, "when polling, hide a received message this long (0: the queue's setting)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	getenv, err := wiring.Env(ctx, env)
	if err != nil {
		return err
	}
	cfg, err := config.Load(getenv, inLambda)
	if err != nil {
		return err
	}
	if *create != "" {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		client, err := wiring.SQSClient(ctx, cfg)
		if err != nil {
			return err
		}
		url, err := queue.Create(ctx, client, *create, queue.CreateOptions{})
		if err != nil {
			return err
		}
		if err := wiring.CreateTable(ctx, cfg); err != nil {
			return err
		}
		fmt.Fprintln(stdout, url)
		return nil
	}
	if cfg.Queue.Kind != "sqs" {
		return errors.New("DELIVERY_QUEUE must be sqs:QUEUE_URL for the deliver function (with memory, the webhook delivers in-process)")
	}
	q, err := wiring.Queue(ctx, cfg)
	if err != nil {
		return err
	}
	sq := q.(*queue.SQS)
	sq.Visibility = *visibility
	switch {
	case *redrive:
		n, err := q.Redrive(ctx)
		if n > 0 || err == nil {
			fmt.Fprintf(stdout, "moved %d message(s) back to %s\n", n, cfg.Queue.URL)
		}
		return err
	case *list:
		msgs, reasons, err := sq.DeadLettered(ctx)
		if err != nil {
			return err
		}
		for i, m := range msgs {
			fmt.Fprintf(stdout, "%s\t%s\t%s\n", m.SentAt.UTC().Format(time.RFC3339), m.Group, reasons[i])
		}
		n, err := sq.DeadLetterCount(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d message(s) in the dead-letter queue; above, the first waiting of each incident and chat (FIFO shows no more at once)\n", n)
		return nil
	}
	store, err := wiring.State(ctx, cfg)
	if err != nil {
		return err
	}
	h, err := wiring.Deliver(ctx, cfg, store, q, stdout, log)
	if err != nil {
		return err
	}
	log.Info("deliver ready", "lambda", inLambda, "queue", cfg.Queue.String(), "state", cfg.State.String(),
		"rotation", cfg.Rotation.String(), "retry_for", cfg.DeliveryRetryFor.String())
	if inLambda {
		lambda.StartWithOptions(func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
			return deliver.HandleSQSEvent(ctx, q, h, ev), nil
		}, lambda.WithContext(ctx))
		return nil
	}
	return deliver.Poll(ctx, q, h, 20*time.Second)
}
