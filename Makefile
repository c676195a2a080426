# Stagehand: build, test and developer tasks. `make help` lists them.
# Each target has its own section; add new ones the same way.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

GO           ?= go
PKGS         ?= ./...
TEST_TIMEOUT ?= 15m
BIN          := bin/stagehand
SERVER_BIN   := bin/stagehand-server
SANDBOX_BIN  := bin/stagehand-sandbox
SIGSTORE_BIN := bin/stagehand-sigstore
RENDER_BIN   := bin/stagehand-render
VERSION      ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT       ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS      := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)

TOOLS_BIN := $(CURDIR)/.tools/bin
KUSTOMIZE := $(TOOLS_BIN)/kustomize
HELM      := $(TOOLS_BIN)/helm
GOVULNCHECK := $(TOOLS_BIN)/govulncheck

# The Go vulnerability database, read from the Go module proxy (vuln.go.dev
# may be unreachable where the proxy is not). VULNDB=latest reads the newest.
VULNDB ?= v0.0.0-20261105234957-e22db6528018

# GitHub's example webhook payloads under testdata/webhooks come from this
# version of the npm package @octokit/webhooks-examples.
WEBHOOKS_EXAMPLES := @octokit/webhooks-examples@7.6.1

DEMO_ARGS ?=

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

# bin/stagehand is the production command line: the nosandbox and noserver
# tags leave out the simulated GitHub and the in-process registry, and the
# web server, GitHub client, metrics, comment parser and registry and
# Sigstore clients, so its offline commands (set-image, plan, explain,
# status, check), which CI runs once a step, start in a few milliseconds.
# Its serve, app-manifest and register commands hand over (exec, same
# process) to bin/stagehand-server, the same program with only the sandbox
# left out; so does check when an environment requires signatures. Its demo
# and githubsim commands hand over to bin/stagehand-sandbox, the same
# program with everything in. The checks render in-repository Helm charts
# with bin/stagehand-render, found beside them (Helm's packages would slow
# every command's start; docs/checks.md). bin/stagehand-sigstore verifies
# Sigstore bundles for them (sigstore-go's verify package, kept out of the
# server's start-up); they find it beside them.
.PHONY: build
build: ## Build bin/stagehand, bin/stagehand-server, bin/stagehand-render, bin/stagehand-sandbox and bin/stagehand-sigstore with the version stamped in
	CGO_ENABLED=0 $(GO) build -tags nosandbox,noserver -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/stagehand
	CGO_ENABLED=0 $(GO) build -tags nosandbox -trimpath -ldflags '$(LDFLAGS)' -o $(SERVER_BIN) ./cmd/stagehand
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w' -o $(RENDER_BIN) ./cmd/stagehand-render
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(SANDBOX_BIN) ./cmd/stagehand
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w' -o $(SIGSTORE_BIN) ./cmd/stagehand-sigstore

.PHONY: test
test: tools ## Run every test with the race detector
	STAGEHAND_TOOLS_REQUIRED=1 $(GO) test -race -timeout $(TEST_TIMEOUT) $(PKGS)

.PHONY: lint
lint: ## Check formatting and vet
	@unformatted=$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) vet -tags nosandbox ./cmd/stagehand
	$(GO) vet -tags nosandbox,noserver ./cmd/stagehand

# fuzz runs every fuzz target (found with `go test -list`, so a new one is
# never forgotten) for FUZZTIME each, FUZZJOBS targets side by side (each
# with one worker when more than one).
FUZZTIME ?= 10s
FUZZJOBS ?= 1

.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZTIME each (default 10s)
	FUZZTIME=$(FUZZTIME) FUZZJOBS=$(FUZZJOBS) GO=$(GO) bash .ci/fuzz $(PKGS)

# soak runs TestSoak at the issue's size (500 registry events for 50 apps,
# 100 ms of GitHub latency, faults, a killed replica; docs/operations.md#soak)
# and prints its figures. It ends by itself: the test fails past 9 minutes.
.PHONY: soak
soak: ## Run the full soak (about 5 minutes) and print its figures: 0 lost, 0 duplicate, 0 panics
	STAGEHAND_SOAK=full $(GO) test -run '^TestSoak$$' -count=1 -timeout 12m -v ./internal/bot | grep -v '^=== '

# bench prints one markdown table (cmd/benchtable; a row is one function
# there, docs/benchmarks.md lists them). BENCH_ARGS=-only=process,init runs
# some of them. wrk, the load generator of the webhook rows, is installed with
# apt-get when it is missing and that can run; otherwise the rows say they
# were skipped.
BENCH_ARGS ?=

.PHONY: vuln
vuln: $(GOVULNCHECK) ## Fail on a reachable vulnerability that a dependency upgrade fixes
	@db=$$($(GO) mod download -json golang.org/x/vulndb@$(VULNDB) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p'); \
	test -d "$$db/data/osv" || { echo "vuln: no vulnerability database at $$db" >&2; exit 1; }; \
	$(GOVULNCHECK) -db "file://$$db/data/osv" -format json $(PKGS) | $(GO) run ./.ci/vulngate

$(GOVULNCHECK):
	GOBIN=$(TOOLS_BIN) $(GO) install golang.org/x/vuln/cmd/govulncheck@v1.9.0

.PHONY: bench
bench: $(KUSTOMIZE) build ## Print the benchmark table (a few minutes)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		{ apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; } >/dev/null 2>&1; }; } || \
		echo "bench: wrk is not installed and apt-get could not install it; the wrk rows are skipped" >&2
	$(GO) run ./cmd/benchtable -stagehand $(BIN) -sandbox $(SANDBOX_BIN) -kustomize $(KUSTOMIZE) $(BENCH_ARGS)

.PHONY: bench-all
bench-all: tools ## Run every Go benchmark
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

.PHONY: tools
tools: $(KUSTOMIZE) $(HELM) ## Install the kustomize and helm CLIs the overlay and chart tests run against

$(KUSTOMIZE):
	GOBIN=$(TOOLS_BIN) $(GO) install sigs.k8s.io/kustomize/kustomize/v5@v5.8.2

# Building helm takes minutes on two cores; like kustomize it is built once.
$(HELM):
	GOBIN=$(TOOLS_BIN) $(GO) install helm.sh/helm/v3/cmd/helm@v3.22.0

.PHONY: docs
docs: ## Regenerate the flag tables of docs/configuration.md from the flag definitions
	$(GO) run ./cmd/stagehand docs

# The container engine: docker when its daemon answers, else podman.
CONTAINER_ENGINE ?= $(shell if docker info >/dev/null 2>&1; then echo docker; elif command -v podman >/dev/null 2>&1; then echo podman; fi)
IMAGE            ?= stagehand:$(VERSION)

.PHONY: image
image: ## Build the container image IMAGE (default stagehand:VERSION) with docker or podman
	@if [ -z "$(CONTAINER_ENGINE)" ]; then echo "make image: no container engine (docker with a running daemon, or podman)"; exit 1; fi
	$(CONTAINER_ENGINE) build --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) -t $(IMAGE) .

# image-offline builds the same image where no registry can be reached (the
# Dockerfile pulls golang and distroless): this machine's Go builds the
# binaries as the Dockerfile does, and a scratch image gets them with what
# distroless static:nonroot adds (CA certificates, the nonroot user, /tmp):
# stagehand, stagehand-server, stagehand-render and stagehand-sigstore, side
# by side as the Dockerfile puts them.
OFFLINE_CTX := $(CURDIR)/.tools/image-offline
.PHONY: image-offline
image-offline: ## Build IMAGE without pulling a base image: the binary, CA certificates and the nonroot user on scratch
	@if [ -z "$(CONTAINER_ENGINE)" ]; then echo "make image-offline: no container engine (docker with a running daemon, or podman)"; exit 1; fi
	rm -rf $(OFFLINE_CTX) && mkdir -p $(OFFLINE_CTX)/etc/ssl/certs $(OFFLINE_CTX)/tmp $(OFFLINE_CTX)/home/nonroot
	CGO_ENABLED=0 $(GO) build -tags nosandbox,noserver -trimpath -ldflags "$(LDFLAGS)" -o $(OFFLINE_CTX)/stagehand ./cmd/stagehand
	CGO_ENABLED=0 $(GO) build -tags nosandbox -trimpath -ldflags "$(LDFLAGS)" -o $(OFFLINE_CTX)/stagehand-server ./cmd/stagehand
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w' -o $(OFFLINE_CTX)/stagehand-render ./cmd/stagehand-render
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w' -o $(OFFLINE_CTX)/stagehand-sigstore ./cmd/stagehand-sigstore
	cp /etc/ssl/certs/ca-certificates.crt $(OFFLINE_CTX)/etc/ssl/certs/
	printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >$(OFFLINE_CTX)/etc/passwd
	printf 'root:x:0:\nnonroot:x:65532:\n' >$(OFFLINE_CTX)/etc/group
	printf '%s\n' 'FROM scratch' 'COPY etc/ /etc/' 'COPY --chown=65532:65532 home/ /home/' 'COPY tmp/ /tmp/' \
		'COPY stagehand stagehand-server stagehand-render stagehand-sigstore /' \
		'LABEL org.opencontainers.image.source="https://github.com/stagehand-gitops/stagehand" org.opencontainers.image.version="$(VERSION)" org.opencontainers.image.revision="$(COMMIT)" org.opencontainers.image.licenses="Apache-2.0"' \
		'USER 65532:65532' 'EXPOSE 8080' 'ENTRYPOINT ["/stagehand"]' 'CMD ["serve"]' >$(OFFLINE_CTX)/Containerfile
	chmod 1777 $(OFFLINE_CTX)/tmp
	$(CONTAINER_ENGINE) build -f $(OFFLINE_CTX)/Containerfile -t $(IMAGE) $(OFFLINE_CTX)

.PHONY: demo
demo: build ## Play the sandbox story: simulated GitHub, an in-process registry and Stagehand (DEMO_ARGS=--serve keeps it running)
	$(BIN) demo $(DEMO_ARGS)

.PHONY: webhooks
webhooks: ## Refresh testdata/webhooks from the pinned @octokit/webhooks-examples
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	npm pack --silent --pack-destination "$$tmp" $(WEBHOOKS_EXAMPLES) >/dev/null; \
	tar -xzf "$$tmp"/*.tgz -C "$$tmp"; \
	node testdata/webhooks/refresh.js "$$tmp/package" testdata/webhooks

.PHONY: openapi
openapi: ## Regenerate the trimmed GitHub REST description from the pinned npm package
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	pkg=$$($(GO) run ./internal/githubsim/contract/gen -package); \
	npm install --prefix "$$tmp" --no-save --ignore-scripts --no-audit --no-fund "$$pkg" >/dev/null; \
	$(GO) run ./internal/githubsim/contract/gen -spec "$$tmp/node_modules/@octokit/openapi/generated/api.github.com.json" \
		-out internal/githubsim/contract/testdata/api.github.com.json \
		-examples internal/githubsim/contract/testdata/examples
