package main

import (
	"testing"
)

// TestStatusNotes checks the exact table for a discovered layout with the
// cases status notes instead of failing on: an overlay without an images
// entry, a missing overlay, and an app with no images anywhere.
func TestStatusNotes(t *testing.T) {
	dir := writeTree(t, map[string]string{
		".stagehand.yaml": "version: 1\nenvironments:\n  - {name: dev, dir: development}\n  - {name: prod, dir: production}\n",
		"apps/orders/overlays/development/kustomization.yaml": "images:\n- name: registry.company.com/orders\n  newTag: v1.2.4-dev\n",
		"apps/orders/overlays/production/kustomization.yaml":  "resources: [../../base]\n",
		"apps/ledger/overlays/development/kustomization.yaml": "images:\n- name: registry.company.com/ledger\n  newTag: v2.0.0\n  digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
		"apps/static/overlays/production/kustomization.yaml":  "resources: [../../base]\n",
	})
	code, stdout, stderr := runCLI(t, "", "status", "--dir", dir)
	want := `APP                  IMAGE                        DEV                                                                             PROD
ledger (discovered)  registry.company.com/ledger  v2.0.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef  - *
orders (discovered)  registry.company.com/orders  v1.2.4-dev                                                                      - *
static (discovered)  -                            - *                                                                             - *
* ledger in prod: no overlay
* orders in prod: overlay has no images entry
* static in dev: no overlay
* static in prod: overlay has no images entry
`
	if code != 0 || stdout != want {
		t.Errorf("exit %d, stdout:\n%s\nwant:\n%s\nstderr: %s", code, stdout, want, stderr)
	}
}
