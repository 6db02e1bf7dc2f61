# pd2chat — run `make help` for the targets.
SHELL := /bin/bash
GO    ?= go
BUILD ?= build
# Lambda functions: one bootstrap each under $(BUILD)/<name>/.
FUNCTIONS := webhook

# Local development defaults: `make run` signs nothing by itself, `make send`
# signs with the same secret, so the pair works with no configuration.
DEV_SECRET ?= pd2chat-local-dev-secret
DEV_TOKEN  ?= pd2chat-local-v2-token
PORT       ?= 8080
SAMPLES    ?= testdata/pagerduty/v3/incident.triggered.json \
              testdata/pagerduty/v3/incident.acknowledged.json \
              testdata/pagerduty/v3/incident.annotated.json \
              testdata/pagerduty/v3/incident.resolved.json \
              testdata/pagerduty/v2/trigger.json
FUZZTIME   ?= 5m

.PHONY: help run send test bench fuzz build lint clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

run: ## serve the webhook locally on $PORT (rotation from testdata/sheet, chat to the console)
	PAGERDUTY_WEBHOOK_SECRETS="$${PAGERDUTY_WEBHOOK_SECRETS-$(DEV_SECRET)}" \
	PAGERDUTY_V2_TOKEN="$${PAGERDUTY_V2_TOKEN-$(DEV_TOKEN)}" \
	PORT=$(PORT) $(GO) run ./functions/webhook

send: ## sign the sample deliveries and POST them to `make run`
	PAGERDUTY_WEBHOOK_SECRETS="$${PAGERDUTY_WEBHOOK_SECRETS-$(DEV_SECRET)}" \
	PAGERDUTY_V2_TOKEN="$${PAGERDUTY_V2_TOKEN-$(DEV_TOKEN)}" \
	$(GO) run ./shared/cmd/pdsend -url http://localhost:$(PORT)/pagerduty $(SAMPLES)

test: ## vet and test everything (installs what it needs)
	$(GO) mod download
	$(GO) vet ./...
	$(GO) test -count=1 ./...

bench: ## relay overhead and the other benchmarks, with allocations
	$(GO) test -run='^$$' -bench=. -benchmem ./shared/...

fuzz: ## fuzz the delivery decoder for $FUZZTIME (default 5m)
	$(GO) test -run='^$$' -fuzz=FuzzDecode -fuzztime=$(FUZZTIME) ./shared/pagerduty/

build: ## Lambda binaries: $(BUILD)/<function>/bootstrap for linux/arm64
	@for f in $(FUNCTIONS); do \
	  echo "build $(BUILD)/$$f/bootstrap"; \
	  CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w' \
	    -o $(BUILD)/$$f/bootstrap ./functions/$$f || exit 1; \
	done

lint: ## gofmt and go vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...

clean:
	rm -rf $(BUILD)
