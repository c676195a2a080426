package bot

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/stagehand-gitops/stagehand/internal/chatops"
	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
	"github.com/stagehand-gitops/stagehand/internal/registry"
	"github.com/stagehand-gitops/stagehand/internal/tags"
	"github.com/stagehand-gitops/stagehand/internal/verify"
	"github.com/stagehand-gitops/stagehand/internal/verify/verifytest"
)

// TestStatusListsRefusedTags: dev requires images signed with the team's
// key. An unsigned tag pushed to a real registry is refused, and /status
// lists it with explain's reason; a signed tag is promoted, and the
// refused one stays listed. /status of another app lists nothing.
func TestStatusListsRefusedTags(t *testing.T) {
	res := registry.NewResolver()
	w := newWorld(t, worldOptions{resolver: res, labels: res, verifier: &verify.Checker{}})
	w.protect()
	host := startDistribution(t, w.srv.URL+"/webhooks/registry/distribution")
	image := host + "/acme/web"
	key, err := verifytest.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	pol := strings.ReplaceAll(testPolicy, "ghcr.io/acme/web", image)
	pol = strings.Replace(pol, "    autoMerge: true\n", "    autoMerge: true\n    verify: {key: keys/cosign.pub}\n", 1)
	pol += "  api:\n    image: ghcr.io/acme/api\n"
	files := movedTo(image, pol)
	files["keys/cosign.pub"] = string(key.PublicPEM())
	if _, err := w.sim.Push("alice", configRepo, "main", "Require signed images in dev\n", files); err != nil {
		t.Fatal(err)
	}
	w.settle()

	unsigned := pushImage(t, image, "v1.1.0", nil, "")
	w.waitDecision(t, "web/dev: skipped")
	_, reply := w.say("alice", w.issue(), "/status web")
	want := "- `web` → `dev`: `v1.1.0`: not signed with keys/cosign.pub: no cosign signature for " + unsigned + " [unverified]"
	if !strings.Contains(reply, "**Refused images**\n\n"+want+"\n") {
		t.Fatalf("/status lacks %q:\n%s", want, reply)
	}

	// The signature is written first (cosign's tag), then the image's tag.
	img, err := random.Image(128, 1)
	if err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.NewDigest(image + "@" + d.String())
	if err != nil {
		t.Fatal(err)
	}
	if err := key.Sign(ref, verifytest.Tag); err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref.Context().Tag("v1.2.0"), img); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for w.open()["stagehand/dev/web"].Number == 0 && !w.merged("v1.2.0") {
		if time.Now().After(deadline) {
			t.Fatalf("the signed v1.2.0 was not promoted; decisions %q", w.decisions())
		}
		time.Sleep(10 * time.Millisecond)
		w.settle()
	}
	_, reply = w.say("alice", w.issue(), "/status")
	if !strings.Contains(reply, want) || strings.Contains(reply, "`v1.2.0`: not signed") {
		t.Errorf("/status after the signed push, want only v1.1.0 refused:\n%s", reply)
	}
	if _, reply = w.say("alice", w.issue(), "/status api"); strings.Contains(reply, "Refused images") {
		t.Errorf("/status api lists web's refused tags:\n%s", reply)
	}
}

// waitDecision waits until a decision starts with prefix.
func (w *world) waitDecision(t *testing.T, prefix string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !slices.ContainsFunc(w.decisions(), func(d string) bool { return strings.HasPrefix(d, prefix) }) {
		if time.Now().After(deadline) {
			t.Fatalf("no decision %q; decisions %q", prefix, w.decisions())
		}
		time.Sleep(10 * time.Millisecond)
		w.settle()
	}
}

// merged reports whether the dev overlay on main has tag.
func (w *world) merged(tag string) bool {
	return strings.Contains(w.file("main", devOverlay), "newTag: "+tag)
}

// TestSetRefused: the refused tags of one app and environment are the
// most recent maxRefused; a tag (or digest) that verifies later is
// forgotten, and so is the pair once none is left.
func TestSetRefused(t *testing.T) {
	b := &Bot{}
	st := &repoState{repo: forge.Repo{Owner: "acme", Name: "config"}}
	p := pair{"web", "ghcr.io/acme/web", "dev"}
	v := policy.Verify{Key: "keys/cosign.pub"}
	no := promote.Trust{Detail: "no cosign signature"}
	for i := range maxRefused + 2 {
		b.setRefused(st, p, tags.Candidate{Tag: fmt.Sprintf("v1.%d.0", i), Digest: fmt.Sprintf("sha256:%d", i)}, v, no)
	}
	got := b.refusedTags(configRepo, "")
	if len(got) != maxRefused || got[0].Tag != fmt.Sprintf("v1.%d.0", maxRefused+1) {
		t.Fatalf("refused = %+v, want the %d most recent, newest first", got, maxRefused)
	}
	if want := (chatops.RefusedTag{App: "web", Env: "dev", Tag: got[0].Tag, Detail: "not signed with keys/cosign.pub: no cosign signature"}); got[0] != want {
		t.Errorf("refused[0] = %+v, want %+v", got[0], want)
	}
	b.setRefused(st, p, tags.Candidate{Tag: "v1.6.0", Digest: "sha256:6"}, v, promote.Trust{Verified: true})
	if got := b.refusedTags(configRepo, "web"); len(got) != maxRefused-1 || slices.ContainsFunc(got, func(r chatops.RefusedTag) bool { return r.Tag == "v1.6.0" }) {
		t.Errorf("after v1.6.0 verified: %+v", got)
	}
	if got := b.refusedTags(configRepo, "api"); len(got) != 0 {
		t.Errorf("refused tags of api: %+v", got)
	}
	for i := range maxRefused + 2 {
		b.setRefused(st, p, tags.Candidate{Tag: fmt.Sprintf("v1.%d.0", i)}, v, promote.Trust{Verified: true})
	}
	if len(b.refused) != 0 {
		t.Errorf("refused = %+v after every tag verified, want empty", b.refused)
	}
}
