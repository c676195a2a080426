//go:build !nosandbox

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
	"github.com/stagehand-gitops/stagehand/internal/sandbox"
)

// githubsimConfig is the configuration of the githubsim command.
type githubsimConfig struct {
	listen        string
	seed          string
	repo          string
	webhookURL    string
	webhookSecret string
	infoFile      string
}

func newGithubsimCmd() *cobra.Command {
	var cfg githubsimConfig
	cmd := &cobra.Command{
		Use:   "githubsim",
		Short: "Run the simulated GitHub as a server, for `stagehand serve` to run against",
		Long: `Run the simulated GitHub on its own, so that ` + "`stagehand serve`" + ` can be tested the
way it runs in production: as a separate process talking HTTP to a GitHub.

It seeds one repository from --seed with the App installed on it, generates
the App's key pair and writes the private key next to --info-file, and sends
the App's webhooks, signed with --webhook-secret, to --webhook-url. The info
file (JSON) holds api_url, app_id, private_key_file, installation_id, repo
and tokens (a personal token for each of the users admin, dev, sre and
reader). Then:

  stagehand serve --github-url <api_url> --app-id <app_id> \
    --private-key-file <private_key_file> --webhook-secret <secret>`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runGithubsim(ctx, cfg, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.listen, "listen", "127.0.0.1:8081", "address to serve the simulated GitHub on")
	f.StringVar(&cfg.seed, "seed", "", "directory whose files become the repository's first commit; required")
	f.StringVar(&cfg.repo, "repo", sandbox.DefaultRepo, "the repository, owner/name")
	f.StringVar(&cfg.webhookURL, "webhook-url", "", "where the App's webhooks go (Stagehand's /webhooks/github); empty: nowhere")
	f.StringVar(&cfg.webhookSecret, "webhook-secret", "", "secret the webhooks are signed with; required with --webhook-url")
	f.StringVar(&cfg.infoFile, "info-file", "", "where to write the connection facts as JSON; required")
	return cmd
}

func (c githubsimConfig) check() error {
	switch {
	case c.seed == "":
		return userErrorf("no --seed: name the directory to seed the repository from")
	case c.infoFile == "":
		return userErrorf("no --info-file: name the file the connection facts go to")
	case c.webhookURL != "" && c.webhookSecret == "":
		return userErrorf("--webhook-url needs --webhook-secret (unsigned webhooks are never sent)")
	}
	if st, err := os.Stat(c.seed); err != nil || !st.IsDir() {
		return userErrorf("--seed %s: not a directory", c.seed)
	}
	if owner, name, ok := strings.Cut(c.repo, "/"); !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return userErrorf("--repo %q: want owner/name", c.repo)
	}
	return nil
}

func runGithubsim(ctx context.Context, cfg githubsimConfig, stdout io.Writer) error {
	if err := cfg.check(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return userErrorf("--listen %s: %v", cfg.listen, err)
	}
	defer ln.Close()
	sim, info, err := startGithubsim(cfg, "http://"+ln.Addr().String())
	if err != nil {
		return err
	}
	defer sim.Close()
	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "githubsim: serving %s on %s (API %s); connection facts in %s\n", info.Repo, sim.URL(), info.APIURL, cfg.infoFile)
	select {
	case err := <-served:
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// startGithubsim builds the simulator behind baseURL, seeds the installed
// repository and the users, and writes the key and the info file.
func startGithubsim(cfg githubsimConfig, baseURL string) (*githubsim.Sim, githubsim.Info, error) {
	sim, err := githubsim.NewHandler(githubsim.Options{BaseURL: baseURL, WebhookURL: cfg.webhookURL, WebhookSecret: cfg.webhookSecret})
	if err != nil {
		return nil, githubsim.Info{}, fmt.Errorf("start githubsim: %w", err)
	}
	owner, name, _ := strings.Cut(cfg.repo, "/")
	collaborators := map[string]githubsim.Permission{}
	logins := make([]string, 0, len(sandbox.Users))
	for _, u := range sandbox.Users {
		collaborators[u.Login] = u.Permission
		logins = append(logins, u.Login)
	}
	if err := sim.CreateRepo(githubsim.RepoOptions{Owner: owner, Name: name, Collaborators: collaborators}); err != nil {
		sim.Close()
		return nil, githubsim.Info{}, fmt.Errorf("create %s: %w", cfg.repo, err)
	}
	if _, err := sim.SeedFS(cfg.repo, "main", os.DirFS(cfg.seed), "Initial commit\n"); err != nil {
		sim.Close()
		return nil, githubsim.Info{}, userErrorf("--seed %s: %v", cfg.seed, err)
	}
	info := sim.Info(cfg.repo, logins...)
	keyFile, err := filepath.Abs(strings.TrimSuffix(cfg.infoFile, filepath.Ext(cfg.infoFile)) + "-app-key.pem")
	if err == nil {
		err = sandbox.WriteFile(keyFile, sim.AppKeyPEM())
	}
	if err == nil {
		info.PrivateKeyFile = keyFile
		err = sandbox.WriteJSON(cfg.infoFile, info)
	}
	if err != nil {
		sim.Close()
		return nil, githubsim.Info{}, userErrorf("--info-file: %v", err)
	}
	return sim, info, nil
}
