# pd2chat — run `make help` for the targets.
SHELL := /bin/bash
GO    ?= go
BUILD ?= build
# Lambda functions: one bootstrap each under $(BUILD)/<name>/.
FUNCTIONS := webhook deliver remind

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

.PHONY: help run run-stack send ping test chaos bench fuzz build lint race clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}' | \
	  sed -e 's|\$$PORT|$(PORT)|g' -e 's|\$$FUZZTIME|$(FUZZTIME)|g' -e 's|build/<function>|$(BUILD)/<function>|g'

run: ## serve the webhook locally on $PORT (rotation from testdata/sheet, chat to the console)
	PAGERDUTY_WEBHOOK_SECRETS="$${PAGERDUTY_WEBHOOK_SECRETS-$(DEV_SECRET)}" \
	PAGERDUTY_V2_TOKEN="$${PAGERDUTY_V2_TOKEN-$(DEV_TOKEN)}" \
	PORT=$(PORT) $(GO) run ./functions/webhook

# run-stack: the production topology on this machine, on loopback: an
# SQS-compatible server (fauxqs) and a DynamoDB-compatible one (dynalite)
# from testdata/servers, the webhook on $PORT and the deliver poller.
# STACK_SQS_PORT and STACK_DDB_PORT move the servers.
STACK_SQS_PORT    ?= 9324
STACK_DDB_PORT    ?= 8000
STACK_ENV = AWS_REGION=ap-northeast-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local \
	SQS_ENDPOINT=http://127.0.0.1:$(STACK_SQS_PORT) DYNAMODB_ENDPOINT=http://127.0.0.1:$(STACK_DDB_PORT) \
	STATE_STORE=dynamodb:pd2chat-local
# open PORT: whether something listens on 127.0.0.1:PORT.
STACK_OPEN = (exec 3<>/dev/tcp/127.0.0.1/$$1) 2>/dev/null

run-stack: ## webhook + deliver + local SQS and DynamoDB servers (STACK_SQS_PORT, STACK_DDB_PORT; Ctrl-C stops all)
	@test -d testdata/servers/node_modules/fauxqs || (cd testdata/servers && npm ci --no-audit --no-fund --loglevel=error)
	@mkdir -p $(BUILD)/local
	$(GO) build -o $(BUILD)/local/webhook ./functions/webhook
	$(GO) build -o $(BUILD)/local/deliver ./functions/deliver
	@open() { $(STACK_OPEN); }; \
	for p in $(STACK_SQS_PORT) $(STACK_DDB_PORT) $(PORT); do \
	  if open $$p; then echo "run-stack: port $$p is in use (set STACK_SQS_PORT, STACK_DDB_PORT or PORT)" >&2; exit 1; fi; \
	done; \
	trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	(cd testdata/servers && sleep infinity | exec node fauxqs.mjs --port $(STACK_SQS_PORT)) & \
	(cd testdata/servers && sleep infinity | exec node dynalite.js --host 127.0.0.1 --port $(STACK_DDB_PORT)) & \
	for p in $(STACK_SQS_PORT) $(STACK_DDB_PORT); do \
	  for i in $$(seq 100); do open $$p && break; sleep 0.1; done; \
	  open $$p || { echo "run-stack: no server on port $$p after 10 s" >&2; exit 1; }; \
	done; \
	url=$$($(STACK_ENV) $(BUILD)/local/deliver --create pd2chat-local) || exit 1; \
	printf '\nLocal stack up. For the deliver and remind commands in another terminal:\n  export %s DELIVERY_QUEUE=sqs:%s\n\n' "$$(echo $(STACK_ENV))" "$$url"; \
	export $(STACK_ENV) DELIVERY_QUEUE=sqs:$$url \
	  PAGERDUTY_WEBHOOK_SECRETS="$${PAGERDUTY_WEBHOOK_SECRETS-$(DEV_SECRET)}" \
	  PAGERDUTY_V2_TOKEN="$${PAGERDUTY_V2_TOKEN-$(DEV_TOKEN)}" PORT=$(PORT); \
	$(BUILD)/local/deliver & \
	$(BUILD)/local/webhook

send: ## sign the sample deliveries and POST them to `make run`
	PAGERDUTY_WEBHOOK_SECRETS="$${PAGERDUTY_WEBHOOK_SECRETS-$(DEV_SECRET)}" \
	PAGERDUTY_V2_TOKEN="$${PAGERDUTY_V2_TOKEN-$(DEV_TOKEN)}" \
	$(GO) tool pdsend -url http://localhost:$(PORT)/pagerduty $(SAMPLES)

ping: ## send a signed test event (pagey.ping) to `make run` or `make run-stack`: every chat says it arrived
	PAGERDUTY_WEBHOOK_SECRETS="$${PAGERDUTY_WEBHOOK_SECRETS-$(DEV_SECRET)}" \
	$(GO) tool pdsend -url http://localhost:$(PORT)/pagerduty testdata/pagerduty/v3/pagey.ping.json

# oncall runs the built command rather than `go run`, so that its exit
# status (0 clean, 1 a problem, 2 a usage error) is make's to report as is.
.PHONY: oncall
oncall: ## check the sheet: on call today, next working day, the week ahead, problems; exit 1 on any (AT=YYYY-MM-DD or RFC3339, DAYS=N passes --days)
	@mkdir -p $(BUILD)/local
	@$(GO) build -o $(BUILD)/local/remind ./functions/remind
	$(BUILD)/local/remind --check $(if $(AT),--at $(AT)) $(if $(DAYS),--days $(DAYS))

test: ## vet and test everything (installs what it needs)
	$(GO) mod download
	$(GO) vet ./...
	$(GO) test -count=1 ./...
	@$(MAKE) --no-print-directory infra-test

chaos: ## the delivery contract under faults (crashes, redeliveries, chat and store outages); PD2CHAT_CHAOS_EVENTS=300
	PD2CHAT_CHAOS=1 $(GO) test -count=1 -run TestChaos -v -timeout 20m ./functions/deliver/

bench: ## relay overhead and the other benchmarks, with allocations
	$(GO) test -run='^$$' -bench=. -benchmem ./shared/...

fuzz: ## fuzz the delivery decoder and the sheet parser, $FUZZTIME each (FUZZTIME=5m)
	$(GO) test -run='^$$' -fuzz=FuzzDecode -fuzztime=$(FUZZTIME) ./shared/internal/pagerduty/
	$(GO) test -run='^$$' -fuzz=FuzzParseTabs -fuzztime=$(FUZZTIME) ./shared/rotation/

build: ## Lambda binaries: build/<function>/bootstrap for linux/arm64
	@echo "build: modules (the first time downloads them: a minute or more)"; $(GO) mod download
	@for f in $(FUNCTIONS); do \
	  echo "build $(BUILD)/$$f/bootstrap (linux/arm64)"; \
	  CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w' \
	    -o $(BUILD)/$$f/bootstrap ./functions/$$f || exit 1; \
	done

lint: ## gofmt, go mod tidy, go vet, staticcheck, and actionlint on .github/workflows
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) mod tidy -diff
	$(GO) vet ./...
	@test -x $(STATICCHECK) || $(MAKE) --no-print-directory $(STATICCHECK)
	$(STATICCHECK) ./...
	@test -x $(ACTIONLINT) || $(MAKE) --no-print-directory $(ACTIONLINT)
	$(ACTIONLINT)

race: ## the core packages' tests under the race detector (delivery, queue, state, rotation, chats)
	$(GO) test -race -count=1 ./shared/deliver/... ./shared/queue/... ./shared/state/... ./shared/relay/... \
	  ./shared/rotation/... ./shared/fanout/... ./shared/chat/... ./shared/followup/... ./shared/reminder/... \
	  ./shared/message/... ./shared/slackapp/... ./shared/writeback/... ./shared/digest/... ./functions/remind/...

# infra/ is its own Go module (CDK and jsii never reach the functions'
# binaries). The CDK CLI is pinned in infra/package-lock.json and installed
# under infra/.tools: a node_modules inside a Go module breaks go test ./...
.PHONY: infra-test synth deploy bootstrap
INFRA_TOOLS        := infra/.tools
CDK                := $(INFRA_TOOLS)/node_modules/.bin/cdk
ACTIONLINT_VERSION := v1.7.12
ACTIONLINT         := $(INFRA_TOOLS)/actionlint-$(ACTIONLINT_VERSION)/actionlint
STATICCHECK_VERSION := v0.8.2
STATICCHECK         := $(INFRA_TOOLS)/staticcheck-$(STATICCHECK_VERSION)/staticcheck
# jsii copies the environment when the Go program starts node: set it here.
INFRA_ENV := JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1
# The CLI stays offline unless it deploys: no notices, no telemetry.
CDK_RUN   := cd infra && $(INFRA_ENV) CDK_DISABLE_CLI_TELEMETRY=true ../$(CDK)
CDK_FLAGS ?=

infra-test: ## the CDK stack's tests: assertions and cdk-nag (CDK_VALIDATION off: 3x faster)
	cd infra && $(GO) mod download
	cd infra && $(INFRA_ENV) CDK_VALIDATION=false $(GO) vet ./...
	cd infra && $(INFRA_ENV) CDK_VALIDATION=false $(GO) test -count=1 ./...

# The jsii runtime under `go run` prints "Runtime process exited abnormally:
# waitid: no child processes" when the app exits, after a synth that
# succeeded (the Go process reaped node first): harmless, and filtered out.
JSII_NOISE := s/Runtime process exited abnormally: waitid: no child processes//

synth: build $(CDK) ## CloudFormation template into infra/cdk.out (offline; settings in infra/cdk.json)
	set -o pipefail; $(CDK_RUN) synth --no-notices --quiet $(CDK_FLAGS) 2>&1 | sed -u '$(JSII_NOISE)'
	@echo "template: infra/cdk.out/$$(cd infra/cdk.out && ls *.template.json)"

deploy: build $(CDK) ## cdk deploy with your AWS credentials (CDK_FLAGS="--require-approval never" in CI)
	$(CDK_RUN) deploy --no-notices $(CDK_FLAGS)

bootstrap: build $(CDK) ## cdk bootstrap: once per AWS account and region
	$(CDK_RUN) bootstrap --no-notices $(CDK_FLAGS)

$(CDK): infra/package.json infra/package-lock.json
	@mkdir -p $(INFRA_TOOLS)
	cp infra/package.json infra/package-lock.json $(INFRA_TOOLS)/
	cd $(INFRA_TOOLS) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(ACTIONLINT):
	GOBIN="$(abspath $(dir $(ACTIONLINT)))" $(GO) install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)

$(STATICCHECK):
	GOBIN="$(abspath $(dir $(STATICCHECK)))" $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

clean: ## remove the built binaries
	rm -rf $(BUILD)
