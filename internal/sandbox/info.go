package sandbox

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Info tells a person or a script how to reach a running sandbox: the
// simulated GitHub and its users' tokens, the registry to push images
// to, and Stagehand with its registry webhooks.
type Info struct {
	// APIURL is the simulated GitHub's REST base URL; WebURL its pages'.
	APIURL string `json:"api_url"`
	WebURL string `json:"web_url"`
	// Repo is the config repository, owner/name.
	Repo string `json:"repo"`
	// Tokens maps each simulated user to a personal access token.
	Tokens map[string]string `json:"tokens"`
	// Registry is the in-process registry's address (push images to
	// Registry/acme/order-service:TAG); RegistryHost is the name it
	// reports for itself, the one the policy's images carry.
	Registry     string `json:"registry"`
	RegistryHost string `json:"registry_host"`
	// Stagehand is Stagehand's base URL.
	Stagehand string `json:"stagehand_url"`
	// Board is the promotion board of the config repository.
	Board string `json:"board_url"`
	// RegistryWebhooks are Stagehand's registry webhook routes by source.
	RegistryWebhooks map[string]RegistryWebhook `json:"registry_webhooks"`
}

// RegistryWebhook is one registry webhook route and the token it takes
// (as Authorization: Bearer TOKEN or ?token=TOKEN).
type RegistryWebhook struct {
	URL   string `json:"url"`
	Token string `json:"token"`
}

// Info describes the sandbox.
func (s *Sandbox) Info() Info {
	logins := make([]string, len(Users))
	for i, u := range Users {
		logins[i] = u.Login
	}
	gi := s.sim.Info(s.repo.String(), logins...)
	hooks := map[string]RegistryWebhook{}
	for src, tok := range s.tokens {
		hooks[src] = RegistryWebhook{URL: s.URL() + "/webhooks/registry/" + src, Token: tok}
	}
	return Info{APIURL: gi.APIURL, WebURL: s.sim.URL(), Repo: gi.Repo, Tokens: gi.Tokens,
		Registry: s.reg.addr, RegistryHost: s.reg.host, Stagehand: s.URL(), Board: s.BoardURL(), RegistryWebhooks: hooks}
}

// WriteJSON writes v as indented JSON to path, readable by its owner only
// (it holds tokens). The file appears whole: a script polling for it never
// reads half of it.
func WriteJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", filepath.Base(path), err)
	}
	return WriteFile(path, append(data, '\n'))
}

// WriteFile writes data to path with mode 0600 through a temporary file
// renamed into place.
func WriteFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
