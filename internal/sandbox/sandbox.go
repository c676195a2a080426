// Package sandbox runs Stagehand the way it runs in production — its real
// server, queue and bot behind an HTTP listener — against a simulated GitHub
// (githubsim) and an in-process CNCF Distribution registry, all on loopback
// and wired together with signed webhooks: githubsim signs its webhooks with
// the App's webhook secret, and the registry's notifications carry the
// distribution source's token.
//
// `stagehand demo` plays a promotion story on a sandbox (Play); tests use it
// as the end-to-end test of the whole system.
package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/stagehand-gitops/stagehand/internal/board"
	"github.com/stagehand-gitops/stagehand/internal/bot"
	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/githubsim"
	"github.com/stagehand-gitops/stagehand/internal/helmrender"
	"github.com/stagehand-gitops/stagehand/internal/queue"
	"github.com/stagehand-gitops/stagehand/internal/registry"
	"github.com/stagehand-gitops/stagehand/internal/server"
)

// DefaultRepo is the config repository a sandbox seeds when none is named.
const DefaultRepo = "acme/gitops-config"

// Users are the simulated people of a sandbox and their permission on the
// config repository: an administrator, a developer, the SRE who promotes to
// production, and someone who can only read.
var Users = []struct {
	Login      string
	Permission githubsim.Permission
}{
	{"admin", githubsim.PermAdmin},
	{"dev", githubsim.PermWrite},
	{"sre", githubsim.PermMaintain},
	{"reader", githubsim.PermRead},
}

// Options configures a sandbox.
type Options struct {
	// Seed is the content of the config repository. Required.
	Seed fs.FS
	// Repo is the config repository, owner/name (default DefaultRepo).
	Repo string
	// Listen is Stagehand's address (default 127.0.0.1:0).
	Listen string
	// RegistryHost is the registry name the in-process registry reports
	// in its notifications; default: the host most images of the seeded
	// policy live on.
	RegistryHost string
	// Logger receives Stagehand's logs (default: none).
	Logger *zap.Logger
	// NoContract turns off githubsim's check of every call against
	// GitHub's OpenAPI description (benchmarks measure Stagehand, not it).
	NoContract bool
	// RateLimit is githubsim's primary rate limit per token per hour
	// (default GitHub's 5,000).
	RateLimit int
	// BoardRefresh is how long the board reuses a repository's facts and
	// how often its page asks whether they changed (default the board's:
	// 5 s and 3 s). The browser test shortens it to see every step.
	BoardRefresh time.Duration
}

// Sandbox is a running sandbox. Close stops it.
type Sandbox struct {
	repo      forge.Repo
	sim       *githubsim.Sim
	reg       *localRegistry
	bot       *bot.Bot
	queue     *queue.Queue
	jobs      *jobCounter
	forge     *forge.Forge
	http      *http.Server
	addr      string
	secret    string
	tokens    map[string]string // registry source → webhook token
	decisions *decisionLog
	hooks     *hookLog
}

// Start starts a sandbox: githubsim with the seeded, installed config
// repository and the simulated users, the registry, and Stagehand, whose
// routing index is built before Start returns.
func Start(ctx context.Context, o Options) (_ *Sandbox, err error) {
	if o.Seed == nil {
		return nil, errors.New("sandbox: no seed")
	}
	if o.Repo == "" {
		o.Repo = DefaultRepo
	}
	owner, name, ok := strings.Cut(o.Repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return nil, fmt.Errorf("sandbox: repository %q is not owner/name", o.Repo)
	}
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	if o.RegistryHost == "" {
		if o.RegistryHost, err = policyHost(o.Seed); err != nil {
			return nil, err
		}
	}
	s := &Sandbox{repo: forge.Repo{Owner: owner, Name: name}, secret: randomHex(16),
		tokens: map[string]string{"distribution": randomHex(16), "generic": randomHex(16)}, hooks: &hookLog{}}
	defer func() {
		if err != nil {
			s.Close(context.Background())
		}
	}()
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return nil, fmt.Errorf("sandbox: listen %s: %w", o.Listen, err)
	}
	s.addr = ln.Addr().String()
	s.http = &http.Server{ReadHeaderTimeout: 10 * time.Second}
	if err := s.startGitHub(o); err != nil {
		_ = ln.Close()
		return nil, err
	}
	if s.reg, err = startRegistry(o.RegistryHost, s.URL()+"/webhooks/registry/distribution", s.tokens["distribution"]); err != nil {
		_ = ln.Close()
		return nil, err
	}
	if err := s.startStagehand(o.Logger, o.BoardRefresh); err != nil {
		_ = ln.Close()
		return nil, err
	}
	go func() { _ = s.http.Serve(ln) }()
	if err := s.bot.Start(ctx); err != nil {
		return nil, fmt.Errorf("sandbox: build Stagehand's routing index: %w", err)
	}
	return s, nil
}

// startGitHub starts githubsim and seeds the installed config repository.
func (s *Sandbox) startGitHub(o Options) error {
	sim, err := githubsim.New(githubsim.Options{WebhookURL: s.URL() + "/webhooks/github", WebhookSecret: s.secret,
		NoContract: o.NoContract, RateLimit: o.RateLimit})
	if err != nil {
		return fmt.Errorf("sandbox: start githubsim: %w", err)
	}
	s.sim = sim
	collaborators := map[string]githubsim.Permission{}
	for _, u := range Users {
		collaborators[u.Login] = u.Permission
	}
	if err := sim.CreateRepo(githubsim.RepoOptions{Owner: s.repo.Owner, Name: s.repo.Name, Collaborators: collaborators}); err != nil {
		return fmt.Errorf("sandbox: create %s: %w", s.repo, err)
	}
	if _, err := sim.SeedFS(s.repo.String(), "main", o.Seed, "Initial commit\n"); err != nil {
		return fmt.Errorf("sandbox: seed %s: %w", s.repo, err)
	}
	return nil
}

// startStagehand wires Stagehand as serve does: one transport, one object
// cache, the App's forges, the queue, the bot and the server. The bot
// confirms registry events against the in-process registry, and lists its
// tags and reads its images' labels there.
func (s *Sandbox) startStagehand(log *zap.Logger, boardRefresh time.Duration) error {
	s.decisions = &decisionLog{}
	if log == nil {
		log = zap.NewNop()
	}
	log = zap.New(teeCore(log.Core(), s.decisions))
	reg := prometheus.NewRegistry()
	rt, err := forge.NewTransport(forge.TransportOptions{Registerer: reg})
	if err != nil {
		return fmt.Errorf("sandbox: GitHub client: %w", err)
	}
	app, err := forge.NewApp(s.sim.AppID(), s.sim.AppKey(), s.sim.APIURL(), rt)
	if err != nil {
		return fmt.Errorf("sandbox: GitHub App: %w", err)
	}
	if s.queue, err = queue.New(queue.Options{Logger: log, Registerer: reg}); err != nil {
		return fmt.Errorf("sandbox: start queue: %w", err)
	}
	s.jobs = &jobCounter{next: s.queue}
	forges := &bot.AppForges{App: app, Options: forge.Options{Objects: forge.NewObjectCache(64 << 20)}}
	s.forge = forges.Forge(s.sim.InstallationID())
	resolver := registry.NewResolver(registry.WithInsecure(), registry.WithTransport(s.reg.transport()))
	s.bot, err = bot.New(bot.Config{Forges: forges, Installations: forges.Installations, Queue: s.jobs,
		Resolver: resolver, Tags: resolver, Labels: resolver, Digests: resolver, Verifier: s.checker(), Logger: log, Registerer: reg, Charts: helmrender.Render})
	if err != nil {
		return fmt.Errorf("sandbox: start bot: %w", err)
	}
	var specs []string
	for src, tok := range s.tokens {
		specs = append(specs, src+"="+tok)
	}
	creds, err := registry.NewCredentials(specs, nil)
	if err != nil {
		return fmt.Errorf("sandbox: registry tokens: %w", err)
	}
	// The board signs in through githubsim's OAuth flow; its cookies go
	// without Secure, since the sandbox serves plain http on loopback.
	brd, err := board.New(board.Config{Source: s.bot, ClientID: githubsim.OAuthClientID, ClientSecret: githubsim.OAuthClientSecret,
		Key: []byte(randomHex(32)), WebURL: s.sim.URL(), APIURL: s.sim.APIURL(), InsecureCookies: true,
		FactsTTL: boardRefresh, PollInterval: boardRefresh})
	if err != nil {
		return fmt.Errorf("sandbox: start the board: %w", err)
	}
	srv, err := server.New(server.Config{Secrets: [][]byte{[]byte(s.secret)}, Queue: s.jobs, Handler: s.bot,
		Logger: log, Registry: reg, RegistryAuth: creds, Routes: s.bot.Index(), Board: brd})
	if err != nil {
		return fmt.Errorf("sandbox: start server: %w", err)
	}
	s.http.Handler = s.hooks.wrap(srv)
	return nil
}

// Close stops taking webhooks, drains Stagehand's queue, then stops the
// registry and githubsim.
func (s *Sandbox) Close(ctx context.Context) {
	if s.http != nil {
		_ = s.http.Shutdown(ctx)
	}
	if s.queue != nil {
		_ = s.queue.Shutdown(ctx)
	}
	if s.reg != nil {
		s.reg.close()
	}
	if s.sim != nil {
		s.sim.Close()
	}
}

// BoardURL is the promotion board of the config repository.
func (s *Sandbox) BoardURL() string { return s.URL() + "/board/" + s.repo.String() }

// URL is Stagehand's base URL.
func (s *Sandbox) URL() string { return "http://" + s.addr }

// Repo is the config repository, owner/name.
func (s *Sandbox) Repo() string { return s.repo.String() }

// Sim is the simulated GitHub.
func (s *Sandbox) Sim() *githubsim.Sim { return s.sim }

// Bot is Stagehand's bot, for operations a command will trigger later.
func (s *Sandbox) Bot() *bot.Bot { return s.bot }

// Forge acts as the App's installation, as Stagehand does.
func (s *Sandbox) Forge() *forge.Forge { return s.forge }

// RegistryHost is the name the in-process registry reports for itself.
func (s *Sandbox) RegistryHost() string { return s.reg.host }

// RegistryAddr is the in-process registry's loopback address (host:port).
func (s *Sandbox) RegistryAddr() string { return s.reg.addr }

// Decisions returns Stagehand's decision log so far, oldest first.
func (s *Sandbox) Decisions() []Decision { return s.decisions.all() }

// RegistryWebhooks returns the registry webhooks Stagehand has answered.
func (s *Sandbox) RegistryWebhooks() []Webhook { return s.hooks.all() }

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("sandbox: read random bytes: %v", err))
	}
	return hex.EncodeToString(b)
}
