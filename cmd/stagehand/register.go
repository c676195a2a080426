//go:build !noserver

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/spf13/cobra"

	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/register"
)

// defaultAppURL is an example root; the manifest is meant to be edited or
// the URL given.
const defaultAppURL = "https://stagehand.example.com"

func newAppManifestCmd() *cobra.Command {
	var name, base string
	cmd := &cobra.Command{
		Use:   "app-manifest",
		Short: "Print the GitHub App manifest: the least permissions Stagehand needs and the events it handles",
		Long: `Print the JSON manifest of GitHub's App-manifest flow: Stagehand's name,
its webhook URL (--url followed by /webhooks/github), the permissions it needs
and the events it subscribes to. 'stagehand register' posts it to GitHub for you.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := register.NewManifest(name, base)
			if err != nil {
				return asUserError(err)
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(m)
		},
	}
	cmd.Flags().StringVar(&name, "name", "stagehand", "the App's name on GitHub (unique across GitHub)")
	cmd.Flags().StringVar(&base, "url", defaultAppURL, "the public root URL Stagehand is served at")
	return cmd
}

// registerConfig is what register is given.
type registerConfig struct {
	name, base, org, dir, listen, githubURL string
	// onListen, when set, learns the address the page is served on.
	onListen func(net.Addr)
}

func newRegisterCmd() *cobra.Command { return newRegisterCmdWith(nil) }

func newRegisterCmdWith(onListen func(net.Addr)) *cobra.Command {
	c := registerConfig{onListen: onListen}
	cmd := &cobra.Command{
		Use:   "register",
		Short: "Register Stagehand as a GitHub App in one click and write its credentials",
		Long: `Serve a page on --listen with one button that sends the App manifest to
GitHub (for --org, to the organization). After you confirm on GitHub, it sends
you back here; register trades the one-time code for the App's credentials and
writes them to --dir, mode 0600: app-id, private-key.pem and webhook-secret,
the files 'serve' (--app-id, --private-key-file, --webhook-secret-file) and
the Helm chart's Secret read. The credentials are never printed or logged.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runRegister(ctx, c, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.name, "name", "stagehand", "the App's name on GitHub (unique across GitHub)")
	f.StringVar(&c.base, "url", "", "the public root URL Stagehand will be served at; webhooks go to URL/webhooks/github (required)")
	f.StringVar(&c.org, "org", "", "register the App for this organization instead of your account")
	f.StringVar(&c.dir, "dir", "stagehand-app", "directory the credentials are written to")
	f.StringVar(&c.listen, "listen", "127.0.0.1:3000", "address of the registration page; GitHub sends your browser back to it")
	f.StringVar(&c.githubURL, "github-url", "https://api.github.com/", "GitHub REST API URL; for GitHub Enterprise Server https://HOST/api/v3/")
	return cmd
}

// runRegister serves the flow until one App is registered or ctx ends.
func runRegister(ctx context.Context, c registerConfig, out io.Writer) error {
	if c.base == "" {
		return userErrorf("--url is required: the public URL Stagehand will be served at")
	}
	m, err := register.NewManifest(c.name, c.base)
	if err != nil {
		return asUserError(err)
	}
	api, err := forge.APIURL(c.githubURL)
	if err != nil {
		return userErrorf("--github-url: %v", err)
	}
	client, err := github.NewClient(&http.Client{Timeout: 30 * time.Second}).WithEnterpriseURLs(api.String(), api.String())
	if err != nil {
		return userErrorf("--github-url: %v", err)
	}
	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return userErrorf("--listen %s: %v", c.listen, err)
	}
	page := "http://" + ln.Addr().String()
	flow, err := register.NewFlow(register.FlowOptions{
		Manifest: m, WebURL: register.WebURL(api), Org: c.org, Client: client,
		CallbackURL: page + "/callback", Dir: c.dir,
	})
	if err != nil {
		_ = ln.Close()
		return err
	}
	hs := &http.Server{Handler: flow, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	// Shutdown, not Close: the page saying the App is registered is still
	// being sent when the flow reports it is done.
	defer func() {
		stopping, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(stopping)
	}()
	if c.onListen != nil {
		c.onListen(ln.Addr())
	}
	fmt.Fprintf(out, "Open %s/ in a browser on this machine and press the button; GitHub asks you to confirm, then sends you back here.\n", page)
	select {
	case <-ctx.Done():
		return userErrorf("register: stopped before an App was registered")
	case res := <-flow.Done():
		fmt.Fprintf(out, "Registered %s (App ID %d). Wrote %v, mode 0600.\nNext: install the App from %s, then\n  kubectl create secret generic stagehand-github --from-file=%s --from-file=%s\n  helm install stagehand charts/stagehand --set github.appID=%d --set secret.existingSecret=stagehand-github\n",
			res.Slug, res.AppID, res.Files, res.HTMLURL, res.Files[1], res.Files[2], res.AppID)
		return nil
	}
}
