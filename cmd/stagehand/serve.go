//go:build !noserver

package main

import (
	"net"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.uber.org/zap/zapcore"

	"github.com/stagehand-gitops/stagehand/internal/board"
	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/registry"
	"github.com/stagehand-gitops/stagehand/internal/verify"
)

// serveConfig is the resolved configuration of serve.
type serveConfig struct {
	listen       string
	appID        int64
	keyFile      string
	secret       string // comma-separated
	secretFile   string
	githubURL    string
	logLevel     string
	logFormat    string
	workers      int
	queueSize    int
	drainTimeout time.Duration
	// resyncInterval spaces the level-triggered resyncs (0: none);
	// redeliverWindow bounds how far back failed deliveries are sought.
	resyncInterval  time.Duration
	redeliverWindow time.Duration
	// registryTokens and registryHMAC are SOURCE=SECRET specs for the
	// registry webhooks; registryConfig is a Docker config.json whose
	// credentials come before Docker's own, and with which registry events
	// are confirmed.
	registryTokens []string
	registryHMAC   []string
	registryConfig string
	// trustedRoot is a Sigstore trusted_root.json for keyless verify:.
	trustedRoot string
	// sigstoreHelper is the stagehand-sigstore program ("" looks next
	// to stagehand, then on PATH).
	sigstoreHelper string
	// helmRenderer is the stagehand-render program the checks render
	// in-repository charts with; empty: beside this one, then on PATH.
	helmRenderer string
	// boardClientID, boardClientSecret(File) and boardKey(File) turn on
	// the promotion board: the App's OAuth credentials and the key its
	// session cookies are signed with.
	boardClientID         string
	boardClientSecret     string
	boardClientSecretFile string
	boardKeyFile          string
	boardWebURL           string
}

// serveEnv maps flags to the environment variables that set them when the
// flag is not given.
var serveEnv = []struct{ flag, env string }{
	{"listen", "STAGEHAND_LISTEN"},
	{"app-id", "STAGEHAND_APP_ID"},
	{"private-key-file", "STAGEHAND_PRIVATE_KEY_FILE"},
	{"webhook-secret", "STAGEHAND_WEBHOOK_SECRET"},
	{"webhook-secret-file", "STAGEHAND_WEBHOOK_SECRET_FILE"},
	{"github-url", "STAGEHAND_GITHUB_URL"},
	{"registry-token", "STAGEHAND_REGISTRY_TOKENS"},
	{"registry-hmac", "STAGEHAND_REGISTRY_HMAC"},
	{"registry-config", "STAGEHAND_REGISTRY_CONFIG"},
	{"resync-interval", "STAGEHAND_RESYNC_INTERVAL"},
	{"redeliver-window", "STAGEHAND_REDELIVER_WINDOW"},
	{"trusted-root", "STAGEHAND_TRUSTED_ROOT"},
	{"sigstore-helper", "STAGEHAND_SIGSTORE_HELPER"},
	{"helm-renderer", "STAGEHAND_HELM_RENDERER"},
	{"board-client-id", "STAGEHAND_BOARD_CLIENT_ID"},
	{"board-client-secret", "STAGEHAND_BOARD_CLIENT_SECRET"},
	{"board-client-secret-file", "STAGEHAND_BOARD_CLIENT_SECRET_FILE"},
	{"board-cookie-key-file", "STAGEHAND_BOARD_COOKIE_KEY_FILE"},
	{"board-github-web-url", "STAGEHAND_BOARD_GITHUB_WEB_URL"},
}

func newServeCmd() *cobra.Command { return newServeCmdWith(nil) }

// newServeCmdWith builds serve; onListen, when set, learns the address the
// server bound (tests listen on port 0).
func newServeCmdWith(onListen func(net.Addr)) *cobra.Command {
	var cfg serveConfig
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the GitHub App: promote images through the environments of config repositories",
		Long: `Run Stagehand as a GitHub App. It verifies each webhook (GitHub's, and
registry webhooks at /webhooks/registry/{source}), queues it per repository
and answers at once; queued deliveries are handled in the background: a new
image tag opens the first environment's pull request, a merge opens the
next environment's once its gates hold. Every flag with an environment
variable can be set through it; the flag wins when both are given.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := applyEnv(cmd.Flags()); err != nil {
				return err
			}
			opts, err := cfg.resolve()
			if err != nil {
				return err
			}
			opts.onListen = onListen
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runServe(ctx, opts, cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.listen, "listen", ":8080", "address to serve HTTP on (env STAGEHAND_LISTEN)")
	f.Int64Var(&cfg.appID, "app-id", 0, "GitHub App ID (env STAGEHAND_APP_ID); required")
	f.StringVar(&cfg.keyFile, "private-key-file", "", "GitHub App private key, PEM, PKCS#1 or PKCS#8 (env STAGEHAND_PRIVATE_KEY_FILE); required")
	f.StringVar(&cfg.secret, "webhook-secret", "", "webhook secrets, comma-separated for rotation (env STAGEHAND_WEBHOOK_SECRET)")
	f.StringVar(&cfg.secretFile, "webhook-secret-file", "", "file holding webhook secrets, one per line or comma-separated (env STAGEHAND_WEBHOOK_SECRET_FILE)")
	f.StringVar(&cfg.githubURL, "github-url", "https://api.github.com/", "GitHub REST API URL; for GitHub Enterprise Server https://HOST/api/v3/ (env STAGEHAND_GITHUB_URL)")
	f.StringVar(&cfg.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	f.StringVar(&cfg.logFormat, "log-format", "json", "log format: json or console")
	f.IntVar(&cfg.workers, "workers", 4, "deliveries handled at once (one at a time per repository)")
	f.IntVar(&cfg.queueSize, "queue-size", 1000, "deliveries that may wait; beyond it webhooks get 503")
	f.DurationVar(&cfg.drainTimeout, "drain-timeout", 30*time.Second, "on SIGTERM, how long queued deliveries may take to finish")
	f.DurationVar(&cfg.resyncInterval, "resync-interval", 5*time.Minute, "how often every repository is resynced: registry tags polled (each image at most once per its policy poll), gates re-evaluated, stale pull requests closed, branches left behind deleted, failed webhook deliveries redelivered; ±10% jitter; 0 disables (env STAGEHAND_RESYNC_INTERVAL)")
	f.DurationVar(&cfg.redeliverWindow, "redeliver-window", 24*time.Hour, "how far back failed webhook deliveries are redelivered, at start and after each resync pass; at most 72h, what GitHub keeps; 0 disables (env STAGEHAND_REDELIVER_WINDOW)")
	f.StringArrayVar(&cfg.registryTokens, "registry-token", nil, "registry webhook token as SOURCE=TOKEN, repeatable; accepted as Authorization: Bearer TOKEN or ?token=TOKEN (env STAGEHAND_REGISTRY_TOKENS, SOURCE=TOKEN,...)")
	f.StringArrayVar(&cfg.registryHMAC, "registry-hmac", nil, "registry webhook HMAC-SHA256 secret as SOURCE=SECRET, repeatable (env STAGEHAND_REGISTRY_HMAC)")
	f.StringVar(&cfg.registryConfig, "registry-config", "", "Docker config.json with registry credentials, used before Docker's own ($DOCKER_CONFIG/config.json, ~/.docker/config.json); registry events are then confirmed with a manifest HEAD (env STAGEHAND_REGISTRY_CONFIG)")
	f.StringVar(&cfg.trustedRoot, "trusted-root", "", "Sigstore trusted_root.json (Fulcio CAs) that keyless verify: blocks are checked against, the public-good one or a private deployment's; without it keyless signatures never verify (env STAGEHAND_TRUSTED_ROOT)")
	f.StringVar(&cfg.sigstoreHelper, "sigstore-helper", "", "the stagehand-sigstore program that verifies Sigstore bundles and keyless signatures with their transparency-log entry; by default the one next to stagehand, then on PATH (env STAGEHAND_SIGSTORE_HELPER)")
	f.StringVar(&cfg.helmRenderer, "helm-renderer", "", helmRendererUsage+" (env STAGEHAND_HELM_RENDERER)")
	f.StringVar(&cfg.boardClientID, "board-client-id", "", "the GitHub App's OAuth client ID; with it, the promotion board is served at /board/ and /api/v1/ (env STAGEHAND_BOARD_CLIENT_ID)")
	f.StringVar(&cfg.boardClientSecret, "board-client-secret", "", "the GitHub App's OAuth client secret (env STAGEHAND_BOARD_CLIENT_SECRET)")
	f.StringVar(&cfg.boardClientSecretFile, "board-client-secret-file", "", "file holding the OAuth client secret (env STAGEHAND_BOARD_CLIENT_SECRET_FILE)")
	f.StringVar(&cfg.boardKeyFile, "board-cookie-key-file", "", "file holding the key the board's session cookies are signed with, at least 32 bytes; required with --board-client-id (env STAGEHAND_BOARD_COOKIE_KEY_FILE)")
	f.StringVar(&cfg.boardWebURL, "board-github-web-url", "https://github.com", "GitHub's web address, where people sign in to the board; for GitHub Enterprise Server https://HOST (env STAGEHAND_BOARD_GITHUB_WEB_URL)")
	return cmd
}

// applyEnv sets each flag not given on the command line from its
// environment variable.
func applyEnv(flags *pflag.FlagSet) error {
	for _, m := range serveEnv {
		v, ok := os.LookupEnv(m.env)
		if !ok || flags.Changed(m.flag) {
			continue
		}
		if err := flags.Set(m.flag, v); err != nil {
			return userErrorf("%s: %v", m.env, err)
		}
	}
	return nil
}

// serveOptions is what runServe needs: the configuration, checked and loaded.
type serveOptions struct {
	serveConfig
	secrets  [][]byte
	keyPEM   []byte
	level    zapcore.Level
	onListen func(net.Addr)
	// registryAuth verifies registry webhooks; keychain holds the
	// credentials registries are read with (Docker's config and
	// --registry-config; anonymous for the others).
	registryAuth *registry.Credentials
	keychain     authn.Keychain
	// trustedRoot is --trusted-root, parsed; nil without it.
	trustedRoot root.TrustedMaterial
	// sigstoreHelper is --sigstore-helper, checked to be a file.
	sigstoreHelper string
	// boardSecret and boardKey are loaded when the board is on.
	boardSecret string
	boardKey    []byte
}

// resolve checks the configuration and loads the secrets and the key. Each
// error names the setting to fix, on one line.
func (c serveConfig) resolve() (serveOptions, error) {
	o := serveOptions{serveConfig: c}
	secrets, err := c.loadSecrets()
	if err != nil {
		return o, err
	}
	if len(secrets) == 0 {
		return o, userErrorf("no webhook secret: set --webhook-secret, STAGEHAND_WEBHOOK_SECRET or --webhook-secret-file (unsigned webhooks are never accepted)")
	}
	o.secrets = secrets
	if c.appID <= 0 {
		return o, userErrorf("no app id: set --app-id or STAGEHAND_APP_ID to the GitHub App's ID")
	}
	if c.keyFile == "" {
		return o, userErrorf("no private key: set --private-key-file or STAGEHAND_PRIVATE_KEY_FILE to the GitHub App's PEM key")
	}
	if o.keyPEM, err = os.ReadFile(c.keyFile); err != nil {
		return o, userErrorf("--private-key-file: %v", err)
	}
	if _, err := forge.ParsePrivateKey(o.keyPEM); err != nil {
		return o, userErrorf("--private-key-file %s: %v", c.keyFile, err)
	}
	if _, err := forge.APIURL(c.githubURL); err != nil {
		return o, userErrorf("--github-url: %v", err)
	}
	if o.level, err = zapcore.ParseLevel(c.logLevel); err != nil {
		return o, userErrorf("--log-level: %v", err)
	}
	if c.logFormat != "json" && c.logFormat != "console" {
		return o, userErrorf("--log-format: %q is neither json nor console", c.logFormat)
	}
	if c.workers < 1 || c.queueSize < 1 || c.drainTimeout <= 0 {
		return o, userErrorf("--workers, --queue-size and --drain-timeout must be positive")
	}
	if c.resyncInterval < 0 {
		return o, userErrorf("--resync-interval: %v is negative; use 0 to turn the resync off", c.resyncInterval)
	}
	if c.redeliverWindow < 0 || c.redeliverWindow > 72*time.Hour {
		return o, userErrorf("--redeliver-window: %v is outside 0 (off) to 72h, the three days of deliveries GitHub keeps", c.redeliverWindow)
	}
	if o.registryAuth, err = registry.NewCredentials(c.registryTokens, c.registryHMAC); err != nil {
		return o, userErrorf("--registry-token/--registry-hmac: %v", err)
	}
	if o.keychain, err = registry.Keychain(c.registryConfig); err != nil {
		return o, userErrorf("--registry-config: %v", err)
	}
	if c.trustedRoot != "" {
		if o.trustedRoot, err = verify.LoadTrustedRoot(c.trustedRoot); err != nil {
			return o, userErrorf("--trusted-root: %v", err)
		}
	}
	if c.sigstoreHelper != "" {
		if err := checkHelper(c.sigstoreHelper); err != nil {
			return o, userErrorf("--sigstore-helper: %v", err)
		}
		o.sigstoreHelper = c.sigstoreHelper
	}
	if o.boardSecret, o.boardKey, err = c.loadBoard(); err != nil {
		return o, err
	}
	return o, nil
}

// loadBoard checks the board's settings and loads its secret and key;
// without --board-client-id the board is off and none may be set.
func (c serveConfig) loadBoard() (string, []byte, error) {
	if c.boardClientID == "" {
		if c.boardClientSecret != "" || c.boardClientSecretFile != "" || c.boardKeyFile != "" {
			return "", nil, userErrorf("--board-client-secret and --board-cookie-key-file go with --board-client-id (STAGEHAND_BOARD_CLIENT_ID)")
		}
		return "", nil, nil
	}
	secret := c.boardClientSecret
	if c.boardClientSecretFile != "" {
		data, err := os.ReadFile(c.boardClientSecretFile)
		if err != nil {
			return "", nil, userErrorf("--board-client-secret-file: %v", err)
		}
		secret = strings.TrimSpace(string(data))
	}
	if secret == "" {
		return "", nil, userErrorf("the board has no OAuth client secret: set --board-client-secret, STAGEHAND_BOARD_CLIENT_SECRET or --board-client-secret-file")
	}
	if c.boardKeyFile == "" {
		return "", nil, userErrorf("the board has no cookie key: set --board-cookie-key-file or STAGEHAND_BOARD_COOKIE_KEY_FILE to a file of at least %d random bytes (openssl rand -hex 32)", board.MinKeyLen)
	}
	key, err := os.ReadFile(c.boardKeyFile)
	if err != nil {
		return "", nil, userErrorf("--board-cookie-key-file: %v", err)
	}
	if key = []byte(strings.TrimSpace(string(key))); len(key) < board.MinKeyLen {
		return "", nil, userErrorf("--board-cookie-key-file %s: %d bytes, want at least %d (openssl rand -hex 32)", c.boardKeyFile, len(key), board.MinKeyLen)
	}
	if u, err := url.Parse(c.boardWebURL); err != nil || u.Scheme != "https" || u.Host == "" {
		return "", nil, userErrorf("--board-github-web-url %q: want https://HOST", c.boardWebURL)
	}
	return secret, key, nil
}

// loadSecrets gathers the webhook secrets from the flag (or its variable)
// and the file.
func (c serveConfig) loadSecrets() ([][]byte, error) {
	list := c.secret
	if c.secretFile != "" {
		data, err := os.ReadFile(c.secretFile)
		if err != nil {
			return nil, userErrorf("--webhook-secret-file: %v", err)
		}
		list += "," + strings.ReplaceAll(string(data), "\n", ",")
	}
	var secrets [][]byte
	for s := range strings.SplitSeq(list, ",") {
		if s = strings.TrimSpace(s); s != "" {
			secrets = append(secrets, []byte(s))
		}
	}
	return secrets, nil
}
