//go:build !nosandbox

package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/stagehand-gitops/stagehand/internal/registry/registrytest"
	"github.com/stagehand-gitops/stagehand/internal/verify/verifytest"
)

// TestCheckSignatures runs stagehand check on a repository whose prod
// requires images signed with keys/cosign.pub, against a real registry:
// a change bringing a signed digest passes, an unsigned one fails with
// the reason.
func TestCheckSignatures(t *testing.T) {
	host := registrytest.Start(t, registrytest.Options{})
	key, err := verifytest.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	image := host + "/acme/web"
	digests := map[string]string{}
	for _, tag := range []string{"v1.2.0", "v1.3.0"} {
		img, err := random.Image(128, 1)
		if err != nil {
			t.Fatal(err)
		}
		digests[tag] = registrytest.Push(t, image+":"+tag, img).String()
	}
	signed, err := name.NewDigest(image + "@" + digests["v1.2.0"])
	if err != nil {
		t.Fatal(err)
	}
	if err := key.Sign(signed, verifytest.Referrer); err != nil {
		t.Fatal(err)
	}
	policy := "version: 1\nenvironments:\n  - name: staging\n  - name: prod\n    verify: {key: keys/cosign.pub}\napps:\n  web:\n    images:\n      - name: " + image + "\n"
	dir, gitAt, write, _ := gitRepo(t)
	g := func(args ...string) { t.Helper(); gitAt(t0, args...) }
	overlay := func(env, tag string) {
		write("apps/web/overlays/"+env+"/kustomization.yaml", "resources:\n  - ../../base\nimages:\n  - name: "+image+"\n    newTag: "+tag+"\n    digest: "+digests[tag]+"\n")
	}
	g("init", "-q", "-b", "main")
	write(".stagehand.yaml", policy)
	write("keys/cosign.pub", string(key.PublicPEM()))
	write("apps/web/base/kustomization.yaml", "resources:\n  - pod.yaml\n")
	write("apps/web/base/pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: web, image: "+image+"}]\n")
	overlay("staging", "v1.3.0")
	digests["v1.0.0"] = "sha256:" + strings.Repeat("0", 64)
	overlay("prod", "v1.0.0")
	g("add", "-A")
	g("commit", "-q", "-m", "initial")
	for _, b := range []struct{ branch, tag string }{{"signed", "v1.2.0"}, {"unsigned", "v1.3.0"}} {
		g("checkout", "-q", "-b", b.branch, "main")
		overlay("prod", b.tag)
		g("add", "-A")
		g("commit", "-q", "-m", "prod "+b.tag)
	}
	now := time.Now().Add(time.Hour).Format(time.RFC3339)
	code, stdout, stderr := runCLI(t, "", "check", "--dir", dir, "--base", "main", "--head", "signed", "--now", now)
	if !strings.Contains(stdout, "signature verified: signed by the key in keys/cosign.pub") {
		t.Errorf("signed: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, "", "check", "--dir", dir, "--base", "main", "--head", "unsigned", "--now", now)
	if code != 1 || !strings.Contains(stdout, "`v1.3.0`: not signed with keys/cosign.pub: no cosign signature for "+digests["v1.3.0"]) {
		t.Errorf("unsigned: exit %d, want 1 and the reason\n%s\n%s", code, stdout, stderr)
	}

	// As users run it: bin/stagehand, which links no registry client,
	// hands the check over to stagehand-server beside it, and says so
	// when there is none.
	bin := buildStagehand(t)
	out, _ := exec.Command(bin, "check", "--dir", dir, "--base", "main", "--head", "signed", "--now", now).CombinedOutput()
	if !strings.Contains(string(out), "signature verified: signed by the key in keys/cosign.pub") {
		t.Errorf("signed, as a process:\n%s", out)
	}
	alone := t.TempDir()
	if err := os.Link(bin, filepath.Join(alone, "stagehand")); err != nil {
		t.Fatal(err)
	}
	check := exec.Command(filepath.Join(alone, "stagehand"), "check", "--dir", dir, "--base", "main", "--head", "signed", "--now", now)
	git, err := exec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	check.Env = []string{"PATH=" + alone + string(os.PathListSeparator) + filepath.Dir(git)}
	out, err = check.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), "stagehand-server") {
		t.Errorf("without stagehand-server: %v\n%s\nwant exit 1 naming stagehand-server", err, out)
	}
}
