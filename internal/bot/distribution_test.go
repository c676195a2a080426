package bot

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
	"github.com/stagehand-gitops/stagehand/internal/registry"
	"github.com/stagehand-gitops/stagehand/internal/registry/registrytest"
)

// startDistribution runs a CNCF Distribution registry in this process, with
// in-memory storage, notifying notify with the distribution source's token.
func startDistribution(t *testing.T, notify string) string {
	t.Helper()
	return registrytest.Start(t, registrytest.Options{NotifyURL: notify, NotifyToken: registryToken("distribution")})
}

// TestDistributionRegistry: an image pushed with go-containerregistry to a
// real registry; its notification reaches /webhooks/registry/distribution,
// the tag is confirmed with a manifest HEAD and the dev pull request pins
// the registry's digest. A webhook claiming a tag the registry does not
// have changes nothing.
func TestDistributionRegistry(t *testing.T) {
	res := registry.NewResolver()
	w := newWorld(t, worldOptions{resolver: res, labels: res})
	w.protect()
	host := startDistribution(t, w.srv.URL+"/webhooks/registry/distribution")
	image := host + "/acme/web"
	// A person points the policy and the overlays at the new registry.
	files := movedTo(image, strings.ReplaceAll(testPolicy, "ghcr.io/acme/web", image)+"defaults:\n  pinDigest: true\n")
	if _, err := w.sim.Push("alice", configRepo, "main", "Move to our registry\n", files); err != nil {
		t.Fatal(err)
	}
	w.settle()

	source := map[string]string{registry.LabelSource: "https://github.com/acme/web"}
	pushImage(t, image, "v1.0.0", source, "1111111111111111")
	digest := pushImage(t, image, "v1.1.0", source, "2222222222222222")
	// The notification leaves the registry on its own schedule.
	deadline := time.Now().Add(20 * time.Second)
	for len(w.open()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no dev pull request; decisions %q", w.decisions())
		}
		time.Sleep(10 * time.Millisecond)
		w.settle()
	}
	pr := w.open()["stagehand/dev/web"]
	got := w.file(pr.HeadSHA, devOverlay)
	if !strings.Contains(got, "newTag: v1.1.0") || !strings.Contains(got, digest) {
		t.Fatalf("dev overlay does not pin the registry's digest %s:\n%s", digest, got)
	}
	if link := "https://github.com/acme/web/compare/1111111111111111...2222222222222222"; !strings.Contains(pr.Body, link) {
		t.Errorf("body lacks the source compare %s:\n%s", link, pr.Body)
	}

	// A claim the registry cannot confirm is ignored.
	code := w.postRegistry("generic", nil, []byte(`{"image": "`+image+`", "tag": "v9.9.9", "digest": "sha256:`+strings.Repeat("b", 64)+`"}`))
	w.settle()
	if code != http.StatusAccepted || w.open()["stagehand/dev/web"].Title != "Promote web to dev: v1.0.0 → v1.1.0" {
		t.Fatalf("an unconfirmed tag changed the pull request (%d): %+v", code, w.open())
	}
	found := false
	for _, d := range w.decisions() {
		found = found || strings.Contains(d, "does not resolve")
	}
	if !found {
		t.Fatalf("decisions %q", w.decisions())
	}
}

// movedTo is the commit that points web's overlays at image and sets
// the policy pol.
func movedTo(image, pol string) map[string]string {
	files := map[string]string{".stagehand.yaml": pol}
	for p, c := range seedFiles(testPolicy) {
		if strings.Contains(p, "/overlays/") {
			files[p] = strings.ReplaceAll(c, "ghcr.io/acme/web", image)
		}
	}
	return files
}

// pushImage writes a random image to image:tag, labelled with labels and
// the revision when given, and returns its digest.
func pushImage(t *testing.T, image, tag string, labels map[string]string, revision string) string {
	t.Helper()
	img, err := random.Image(128, 1)
	if err != nil {
		t.Fatal(err)
	}
	if labels != nil {
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		cfg := cf.Config
		cfg.Labels = map[string]string{registry.LabelRevision: revision}
		for k, v := range labels {
			cfg.Labels[k] = v
		}
		if img, err = mutate.Config(img, cfg); err != nil {
			t.Fatal(err)
		}
	}
	ref, err := name.ParseReference(image + ":" + tag)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// eventually settles until cond holds: a registry's notifications leave it
// on their own schedule.
func (w *world) eventually(what string, cond func() bool) {
	w.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for w.settle(); !cond(); w.settle() {
		if time.Now().After(deadline) {
			w.t.Fatalf("timed out waiting for %s; decisions %q", what, w.decisions())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// channelPolicy: dev takes -dev builds and auto-merges; staging carries the
// version through its -rc channel.
func channelPolicy(image string) string {
	return `version: 1
environments:
  - name: dev
    autoMerge: true
    prerelease: true
    allowTags: '^v\d+\.\d+\.\d+-dev$'
  - name: staging
    carry: version
    prerelease: true
    allowTags: '^v\d+\.\d+\.\d+-rc\d+$'
apps:
  web:
    image: ` + image + "\n"
}

// useChannels points the config repository at image with channelPolicy.
func (w *world) useChannels(image string) {
	w.t.Helper()
	ov := func(tag string) string { return "images:\n- name: " + image + "\n  newTag: " + tag + "\n" }
	if _, err := w.sim.Push("alice", configRepo, "main", "Channels\n", map[string]string{
		".stagehand.yaml": channelPolicy(image), devOverlay: ov("v1.2.3-dev"), stagingOverlay: ov("v1.2.3-rc1"),
		"apps/web/overlays/prod/kustomization.yaml": githubsim.DeleteFile,
	}); err != nil {
		w.t.Fatal(err)
	}
	w.settle()
}

// TestCarryVersion: staging carries the version through its own channel.
// Tags pushed before: the merge into dev lists the registry's tags and
// opens staging's pull request with the rc of the version dev runs. Tags
// pushed after: the rc's own event opens it.
func TestCarryVersion(t *testing.T) {
	t.Run("rc pushed before the dev merge", func(t *testing.T) {
		res := registry.NewResolver()
		w := newWorld(t, worldOptions{resolver: res, tags: res})
		image := startDistribution(t, w.srv.URL+"/webhooks/registry/distribution") + "/acme/web"
		w.useChannels(image)
		pushImage(t, image, "v1.2.4-rc1", nil, "")
		pushImage(t, image, "v1.2.5-rc1", nil, "")
		pushImage(t, image, "v1.2.4-dev", nil, "")
		w.eventually("staging pull request", func() bool { _, ok := w.open()["stagehand/staging/web"]; return ok })
		if got := w.open()["stagehand/staging/web"].Title; got != "Promote web to staging: v1.2.3-rc1 → v1.2.4-rc1" {
			t.Fatalf("staging title %q", got)
		}
	})
	t.Run("rc pushed after the dev merge", func(t *testing.T) {
		res := registry.NewResolver()
		w := newWorld(t, worldOptions{resolver: res, tags: res})
		image := startDistribution(t, w.srv.URL+"/webhooks/registry/distribution") + "/acme/web"
		w.useChannels(image)
		pushImage(t, image, "v1.2.4-dev", nil, "")
		w.eventually("dev merged", func() bool { prs := w.pulls(); return len(prs) == 1 && prs[0].Merged })
		if len(w.open()) != 0 {
			t.Fatalf("staging opened without an rc: %+v", w.open())
		}
		pushImage(t, image, "v1.2.4-rc1", nil, "")
		w.eventually("staging pull request", func() bool { _, ok := w.open()["stagehand/staging/web"]; return ok })
		if got := w.open()["stagehand/staging/web"].Title; got != "Promote web to staging: v1.2.3-rc1 → v1.2.4-rc1" {
			t.Fatalf("staging title %q", got)
		}
	})
}

// flakyTags is a tag lister whose registry refuses until it is fixed.
type flakyTags struct {
	mu   sync.Mutex
	err  error
	tags []string
}

func (f *flakyTags) ListTags(context.Context, string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tags, f.err
}

func (f *flakyTags) set(tags []string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tags, f.err = tags, err
}

// TestUnlistableRegistryWaits: the merge into dev needs staging's channel
// tags; a registry that cannot be listed leaves staging waiting, the log
// and /status say why, and a timer tries again: once the registry answers,
// staging's pull request opens without another event.
func TestUnlistableRegistryWaits(t *testing.T) {
	lister := &flakyTags{err: errors.New("GET https://ghcr.io/v2/acme/web/tags/list: 401 Unauthorized")}
	w := newWorld(t, worldOptions{tags: lister})
	w.useChannels("ghcr.io/acme/web")
	w.publish("v1.2.4-dev")
	if prs := w.pulls(); len(prs) != 1 || !prs[0].Merged {
		t.Fatalf("dev not merged: %+v; decisions %q", prs, w.decisions())
	}
	if !slices.Contains(w.decisions(), "web/staging: waiting: tags not listed") {
		t.Fatalf("decisions %q", w.decisions())
	}
	if len(w.open()) != 0 {
		t.Fatalf("opened without the registry's tags: %+v", w.open())
	}
	_, reply := w.say("alice", w.issue(), "/status")
	if want := "web waits in staging: the registry could not be listed: list the tags of ghcr.io/acme/web: GET https://ghcr.io/v2/acme/web/tags/list: 401 Unauthorized"; !strings.Contains(reply, want) {
		t.Fatalf("/status lacks %q:\n%s", want, reply)
	}
	if run := w.checkRun("main", "stagehand/staging"); run.Conclusion != "neutral" || !strings.Contains(run.Title, "web waits: the registry could not be listed") || !strings.Contains(run.Summary, "401 Unauthorized") {
		t.Fatalf("stagehand/staging on main = %+v, want the waiting reason", run)
	}
	if times := w.sched.times(); len(times) != 1 || !times[0].Equal(w.clock.Now().Add(listRetry)) {
		t.Fatalf("recheck timers %v, want one a minute from %v", times, w.clock.Now())
	}
	lister.set([]string{"v1.2.4-dev", "v1.2.4-rc1"}, nil)
	w.sched.advance(listRetry)
	w.settle()
	if got := w.open()["stagehand/staging/web"].Title; got != "Promote web to staging: v1.2.3-rc1 → v1.2.4-rc1" {
		t.Fatalf("staging title %q; decisions %q", got, w.decisions())
	}
	if _, reply := w.say("alice", w.issue(), "/status"); strings.Contains(reply, "could not be listed") {
		t.Fatalf("/status still says the registry could not be listed:\n%s", reply)
	}
}

// TestCarryVersionSupersede: a newer rc of the version dev runs updates the
// open staging pull request in place; once it is merged, the next rc opens
// a new one.
func TestCarryVersionSupersede(t *testing.T) {
	res := registry.NewResolver()
	w := newWorld(t, worldOptions{resolver: res, tags: res})
	image := startDistribution(t, w.srv.URL+"/webhooks/registry/distribution") + "/acme/web"
	w.useChannels(image)
	pushImage(t, image, "v1.2.4-dev", nil, "")
	pushImage(t, image, "v1.2.4-rc1", nil, "")
	w.eventually("staging pull request for rc1", func() bool {
		return w.open()["stagehand/staging/web"].Title == "Promote web to staging: v1.2.3-rc1 → v1.2.4-rc1"
	})
	first := w.open()["stagehand/staging/web"]
	pushImage(t, image, "v1.2.4-rc2", nil, "")
	w.eventually("staging pull request for rc2", func() bool {
		return w.open()["stagehand/staging/web"].Title == "Promote web to staging: v1.2.3-rc1 → v1.2.4-rc2"
	})
	if pr := w.open()["stagehand/staging/web"]; pr.Number != first.Number || !strings.Contains(w.file(pr.HeadSHA, stagingOverlay), "newTag: v1.2.4-rc2") {
		t.Fatalf("rc2 did not update #%d in place: %+v", first.Number, pr)
	}
	if _, err := w.sim.Merge("alice", configRepo, first.Number, "merge"); err != nil {
		t.Fatal(err)
	}
	w.settle()
	pushImage(t, image, "v1.2.4-rc3", nil, "")
	w.eventually("a new staging pull request for rc3", func() bool {
		return w.open()["stagehand/staging/web"].Title == "Promote web to staging: v1.2.4-rc2 → v1.2.4-rc3"
	})
	if pr := w.open()["stagehand/staging/web"]; pr.Number == first.Number {
		t.Fatalf("rc3 reused the merged pull request #%d", pr.Number)
	}
}
