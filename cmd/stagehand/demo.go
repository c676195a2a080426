//go:build !nosandbox

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/stagehand-gitops/stagehand/internal/sandbox"
)

// demoConfig is the configuration of demo.
type demoConfig struct {
	repoDir  string
	repo     string
	app      string
	serve    bool
	infoFile string
	listen   string
	verbose  bool
	timeout  time.Duration
	train    bool
}

func newDemoCmd() *cobra.Command {
	var cfg demoConfig
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Play the promotion story in a sandbox: simulated GitHub, a real registry and Stagehand",
		Long: `Start a sandbox on loopback: a simulated GitHub holding a config repository
(seeded from --repo), a CNCF Distribution registry in this process, and
Stagehand itself — its real server, queue and bot — wired to both with signed
webhooks, as in production. Then play the story: push a new image, watch the
dev pull request open and merge itself, the staging one open after its soak
and be merged by a reviewer, and the prod one opened for the SRE; print the
versions per environment. Then, with --train (the default), the release
train: the policy groups every app for the last environment, each reaches
the one before with a release of its own, and one /promote of the group
opens one pull request that moves them all in one commit; print the
versions again. Last, the backstop: the registry's notifications of one more
tag are lost on purpose, Stagehand hears nothing, and one resync pass (run at
once, not after --resync-interval) finds the tag in the registry and opens
its pull request; then exit.

With --serve the sandbox keeps running instead, writes how to reach it (API
URL, users' tokens, registry, webhook URLs and tokens) to --info-file, and
stops on Ctrl-C.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runDemo(ctx, cfg, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.repoDir, "repo", "testdata/demo-repo", "config repository to seed the simulated GitHub with")
	f.StringVar(&cfg.repo, "repo-name", sandbox.DefaultRepo, "owner/name of the config repository in the simulated GitHub")
	f.StringVar(&cfg.app, "app", "", "app the story promotes (default order-service, else the first app)")
	f.BoolVar(&cfg.serve, "serve", false, "keep the sandbox running instead of playing the story")
	f.StringVar(&cfg.infoFile, "info-file", "", "with --serve: write the sandbox's addresses and tokens here as JSON")
	f.StringVar(&cfg.listen, "listen", "127.0.0.1:0", "Stagehand's address")
	f.BoolVar(&cfg.verbose, "verbose", false, "also print Stagehand's log to stderr")
	f.DurationVar(&cfg.timeout, "timeout", 2*time.Minute, "give up on the story after this long")
	f.BoolVar(&cfg.train, "train", true, "after the story, play the release train of every app into the last environment")
	return cmd
}

func runDemo(ctx context.Context, cfg demoConfig, stdout, stderr io.Writer) error {
	if st, err := os.Stat(cfg.repoDir); err != nil || !st.IsDir() {
		return userErrorf("--repo %s: not a directory (run from the root of a Stagehand checkout, or pass --repo)", cfg.repoDir)
	}
	if cfg.infoFile != "" && !cfg.serve {
		return userErrorf("--info-file goes with --serve")
	}
	log := zap.NewNop()
	if cfg.verbose {
		enc := zap.NewDevelopmentEncoderConfig()
		log = zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.Lock(zapcore.AddSync(stderr)), zapcore.InfoLevel))
	}
	sb, err := sandbox.Start(ctx, sandbox.Options{Seed: os.DirFS(cfg.repoDir), Repo: cfg.repo, Listen: cfg.listen, Logger: log})
	if err != nil {
		return asUserError(err)
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		sb.Close(closeCtx)
	}()
	if cfg.serve {
		return serveSandbox(ctx, sb, cfg.infoFile, stdout)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	res, err := sb.Play(ctx, stdout, sandbox.PlayOptions{App: cfg.app})
	var se *sandbox.StepError
	if errors.As(err, &se) {
		return userErrorf("the story stopped: %v", se)
	}
	if err != nil {
		return fmt.Errorf("the story stopped: %w", err)
	}
	if cfg.train {
		fmt.Fprintln(stdout)
		if _, err := sb.PlayTrain(ctx, stdout, 0); err != nil {
			return userErrorf("the release train stopped: %v", err)
		}
	}
	fmt.Fprintln(stdout)
	if _, err := sb.PlayBackstop(ctx, stdout, res, 0); err != nil {
		return userErrorf("the backstop stopped: %v", err)
	}
	return nil
}

// serveSandbox writes the info file, says how to use the sandbox and
// waits for ctx to end.
func serveSandbox(ctx context.Context, sb *sandbox.Sandbox, infoFile string, w io.Writer) error {
	info := sb.Info()
	if infoFile != "" {
		if err := sandbox.WriteJSON(infoFile, info); err != nil {
			return asUserError(err)
		}
	}
	fmt.Fprintf(w, "Sandbox running. Stop with Ctrl-C.\n\n")
	fmt.Fprintf(w, "  simulated GitHub   %s (API %s)\n", info.WebURL+"/"+info.Repo, info.APIURL)
	users := make([]string, 0, len(info.Tokens))
	for u := range info.Tokens {
		users = append(users, u)
	}
	sort.Strings(users)
	for _, u := range users {
		fmt.Fprintf(w, "    token %-8s %s\n", u, info.Tokens[u])
	}
	fmt.Fprintf(w, "  registry           %s (reports itself as %s)\n", info.Registry, info.RegistryHost)
	fmt.Fprintf(w, "  Stagehand          %s\n", info.Stagehand)
	fmt.Fprintf(w, "  promotion board    %s (sign in as any user above)\n", info.Board)
	srcs := make([]string, 0, len(info.RegistryWebhooks))
	for s := range info.RegistryWebhooks {
		srcs = append(srcs, s)
	}
	sort.Strings(srcs)
	for _, s := range srcs {
		h := info.RegistryWebhooks[s]
		fmt.Fprintf(w, "    webhook %-12s %s (token %s)\n", s, h.URL, h.Token)
	}
	if infoFile != "" {
		fmt.Fprintf(w, "\nThe same, as JSON: %s\n", infoFile)
	}
	fmt.Fprintf(w, "\nPush an image to %s/<repository>:<tag> with any OCI client; Stagehand acts on the registry's notification.\n", info.Registry)
	<-ctx.Done()
	return nil
}
