package registry

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/stagehand-gitops/stagehand/internal/registry/registrytest"
)

func pushIndex(t *testing.T, ref string, idx v1.ImageIndex, opts ...remote.Option) v1.Hash {
	t.Helper()
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(tag, idx, opts...); err != nil {
		t.Fatalf("push index %s: %v", ref, err)
	}
	d, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func pull(t *testing.T, ref string, opts ...remote.Option) {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := remote.Get(r, opts...); err != nil {
		t.Fatalf("pull %s: %v", ref, err)
	}
}

// TestDistributionNotificationsEndToEnd pushes to a real Distribution
// registry and parses the notifications it really sends.
func TestDistributionNotificationsEndToEnd(t *testing.T) {
	reg := startRegistry(t, registryOptions{})
	image := reg.Host + "/team/order-service"

	img, err := random.Image(512, 2)
	if err != nil {
		t.Fatal(err)
	}
	imgDigest := registrytest.Push(t, image+":v1.4.0", img)
	pull(t, image+":v1.4.0")
	reg.receiver.waitFor(t, "pull of v1.4.0", hasEvent("pull", "v1.4.0"))

	raw, images, errs := reg.receiver.snapshot()
	if len(errs) > 0 {
		t.Fatalf("receiver errors: %v", errs)
	}
	blobPushes := 0
	for _, e := range raw {
		if e.Action == "push" && !IsManifestMediaType(e.Target.MediaType) {
			blobPushes++
		}
	}
	if blobPushes == 0 {
		t.Fatalf("expected blob push notifications among %+v", raw)
	}
	want := ImagePushed{Host: reg.Host, Repository: "team/order-service", Tag: "v1.4.0", Digest: imgDigest.String(), Source: "distribution"}
	if len(images) != 1 {
		t.Fatalf("got %d events from %d notifications, want exactly 1: %+v", len(images), len(raw), images)
	}
	got := images[0]
	if got.Host != want.Host || got.Repository != want.Repository || got.Tag != want.Tag || got.Digest != want.Digest || got.Source != want.Source {
		t.Errorf("event = %+v, want %+v", got, want)
	}
	if !IsManifestMediaType(got.MediaType) || IsIndexMediaType(got.MediaType) || got.PushedAt.IsZero() {
		t.Errorf("event media type %q, pushed at %v", got.MediaType, got.PushedAt)
	}
	// The server's next step: confirm the claim against the registry.
	confirmed, err := NewResolver().Confirm(context.Background(), got)
	if err != nil || confirmed.Digest != want.Digest || confirmed.MediaType != got.MediaType {
		t.Errorf("Confirm = %+v, %v", confirmed, err)
	}

	// A multi-platform index: its children are pushed by digest and must not
	// count; the one event carries the index digest.
	idx, err := random.Index(256, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	idxDigest := pushIndex(t, image+":v1.5.0", idx)
	pull(t, image+":v1.5.0")
	reg.receiver.waitFor(t, "pull of v1.5.0", hasEvent("pull", "v1.5.0"))
	_, images, errs = reg.receiver.snapshot()
	if len(errs) > 0 || len(images) != 2 {
		t.Fatalf("after the index push: events %+v, errors %v", images, errs)
	}
	if ev := images[1]; ev.Tag != "v1.5.0" || ev.Digest != idxDigest.String() || !IsIndexMediaType(ev.MediaType) {
		t.Errorf("index event = %+v, want tag v1.5.0 with index digest %s", ev, idxDigest)
	}

	// Deleting the tag notifies too, and is ignored as well.
	tag, _ := name.NewTag(image + ":v1.4.0")
	if err := remote.Delete(tag); err != nil {
		t.Fatalf("delete tag: %v", err)
	}
	reg.receiver.waitFor(t, "delete of v1.4.0", hasEvent("delete", "v1.4.0"))
	if _, images, _ = reg.receiver.snapshot(); len(images) != 2 {
		t.Errorf("a delete produced an event: %+v", images)
	}
}

func TestDistributionNotificationsRejectWrongToken(t *testing.T) {
	reg := startRegistry(t, registryOptions{})
	reg.receiver.setCredentials(must(NewCredentials([]string{"distribution=another-token"}, nil)))
	registrytest.Push(t, reg.Host+"/team/app:v1", must(random.Image(64, 1)))
	// Refused deliveries are retried, and block the endpoint's queue, so only
	// the first notification ever arrives: a blob push.
	reg.receiver.waitFor(t, "any notification", func(raw []rawEvent) bool { return len(raw) > 0 })
	_, images, errs := reg.receiver.snapshot()
	if len(images) != 0 || len(errs) == 0 || !errors.Is(errs[0], ErrUnauthenticated) {
		t.Fatalf("events %+v, errors %v; want nothing accepted and ErrUnauthenticated", images, errs)
	}
	// Once the token matches, the retried queue drains and the push arrives.
	reg.receiver.setCredentials(must(NewCredentials([]string{"distribution=" + notifyToken}, nil)))
	reg.receiver.waitFor(t, "push of v1", hasEvent("push", "v1"))
	if _, images, _ = reg.receiver.snapshot(); len(images) != 1 || images[0].Tag != "v1" {
		t.Fatalf("after fixing the token: %+v", images)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// labelled returns an image whose config carries the OCI source labels.
func labelled(t *testing.T, revision string) v1.Image {
	t.Helper()
	img, err := mutate.Config(must(random.Image(128, 1)), v1.Config{Labels: map[string]string{
		LabelSource: "https://github.com/acme/order-service", LabelRevision: revision,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestResolverWithDockerConfig reads a registry that requires basic auth,
// with credentials from a Docker config.json.
func TestResolverWithDockerConfig(t *testing.T) {
	const user, password = "ci", "s3cret-password"
	reg := startRegistry(t, registryOptions{user: user, password: password})
	push := remote.WithAuth(&authn.Basic{Username: user, Password: password})
	image := reg.Host + "/acme/order-service"

	imgDigest := registrytest.Push(t, image+":v1.2.4", labelled(t, "1111111111111111111111111111111111111111"), push)
	// An index as buildx writes it: an attestation manifest ("unknown/unknown") first.
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: must(random.Image(64, 1)), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "unknown", Architecture: "unknown"}}},
		mutate.IndexAddendum{Add: labelled(t, "2222222222222222222222222222222222222222"), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: labelled(t, "2222222222222222222222222222222222222222"), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}},
	)
	idx = mutate.IndexMediaType(idx, types.OCIImageIndex)
	idxDigest := pushIndex(t, image+":v1.2.5", idx, push)
	childDigests := indexChildren(t, idx)

	kc, err := NewFileKeychain(writeDockerConfig(t, reg.Host, user, password))
	if err != nil {
		t.Fatal(err)
	}
	r := NewResolver(WithKeychain(kc))
	ctx := context.Background()

	t.Run("head single image", func(t *testing.T) {
		d, err := r.Head(ctx, image, "v1.2.4")
		if err != nil || d.Digest != imgDigest.String() {
			t.Fatalf("Head = %+v, %v; want %s", d, err, imgDigest)
		}
	})
	t.Run("head index gives the index digest", func(t *testing.T) {
		d, err := r.Head(ctx, image, "v1.2.5")
		if err != nil {
			t.Fatal(err)
		}
		if d.Digest != idxDigest.String() || d.MediaType != string(types.OCIImageIndex) || slices.Contains(childDigests, d.Digest) {
			t.Fatalf("Head = %+v; want index %s, never a child of %v", d, idxDigest, childDigests)
		}
	})
	t.Run("missing tag is dropped", func(t *testing.T) {
		_, err := r.Head(ctx, image, "v9.9.9")
		if !errors.Is(err, ErrTagNotFound) {
			t.Fatalf("Head = %v, want ErrTagNotFound", err)
		}
		_, err = r.Confirm(ctx, ImagePushed{Host: reg.Host, Repository: "acme/unknown", Tag: "v1", Source: "generic"})
		if !errors.Is(err, ErrTagNotFound) {
			t.Fatalf("Confirm on a missing repository = %v, want ErrTagNotFound", err)
		}
	})
	t.Run("confirm records what the tag points at", func(t *testing.T) {
		claimed := ImagePushed{Host: reg.Host, Repository: "acme/order-service", Tag: "v1.2.5", Digest: childDigests[1], Source: "harbor"}
		ev, err := r.Confirm(ctx, claimed)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Digest != idxDigest.String() || !IsIndexMediaType(ev.MediaType) || ev.Tag != "v1.2.5" || ev.Source != "harbor" {
			t.Fatalf("Confirm = %+v, want the index digest %s", ev, idxDigest)
		}
	})
	t.Run("list tags", func(t *testing.T) {
		tags, err := r.ListTags(ctx, image)
		if err != nil || !slices.Equal(tags, []string{"v1.2.4", "v1.2.5"}) {
			t.Fatalf("ListTags = %v, %v", tags, err)
		}
	})
	t.Run("labels of an image and of an index", func(t *testing.T) {
		for ref, revision := range map[string]string{
			image + ":v1.2.4":                "1111111111111111111111111111111111111111",
			image + ":v1.2.5":                "2222222222222222222222222222222222222222",
			image + "@" + idxDigest.String(): "2222222222222222222222222222222222222222",
		} {
			labels, err := r.Labels(ctx, ref)
			if err != nil {
				t.Fatalf("Labels(%s): %v", ref, err)
			}
			if labels[LabelRevision] != revision || labels[LabelSource] != "https://github.com/acme/order-service" {
				t.Errorf("Labels(%s) = %v", ref, labels)
			}
		}
	})
	t.Run("without credentials the registry refuses, and says how to give them", func(t *testing.T) {
		_, err := NewResolver().Head(ctx, image, "v1.2.4")
		if err == nil || errors.Is(err, ErrTagNotFound) {
			t.Fatalf("anonymous Head = %v, want an authentication error", err)
		}
		_, err = NewResolver().ListTags(ctx, image)
		var denied *AccessError
		if !errors.As(err, &denied) || !errors.Is(err, ErrAccessDenied) || !denied.Anonymous || denied.Registry != reg.Host || denied.Status != 401 {
			t.Fatalf("anonymous ListTags = %v, want an anonymous *AccessError for %s", err, reg.Host)
		}
		want := "list tags of " + image + ": " + reg.Host + " refuses anonymous access (401 Unauthorized): give Stagehand credentials for it in a Docker config.json " +
			"($DOCKER_CONFIG/config.json or ~/.docker/config.json of the user it runs as, or the file --registry-config names)"
		if err.Error() != want {
			t.Errorf("error\n%s\nwant\n%s", err, want)
		}
	})
	t.Run("wrong credentials are named as such", func(t *testing.T) {
		kc, err := NewFileKeychain(writeDockerConfig(t, reg.Host, user, "wrong"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = NewResolver(WithKeychain(kc)).ListTags(ctx, image)
		var denied *AccessError
		if !errors.As(err, &denied) || denied.Anonymous || !strings.Contains(err.Error(), reg.Host+" refuses the credentials Stagehand has for it") {
			t.Fatalf("ListTags with a wrong password = %v", err)
		}
	})
}

// TestKeychain reads credentials as crane does: Docker's config.json in
// $DOCKER_CONFIG, and a --registry-config file ahead of it.
func TestKeychain(t *testing.T) {
	const user, password = "ci", "s3cret-password"
	reg := startRegistry(t, registryOptions{user: user, password: password})
	image := reg.Host + "/acme/order-service"
	registrytest.Push(t, image+":v1.2.4", must(random.Image(64, 1)), remote.WithAuth(&authn.Basic{Username: user, Password: password}))
	t.Setenv("HOME", t.TempDir()) // no ~/.docker/config.json of whoever runs the test
	docker := t.TempDir()
	t.Setenv("DOCKER_CONFIG", docker)
	list := func(configPath string) error {
		t.Helper()
		kc, err := Keychain(configPath)
		if err != nil {
			t.Fatal(err)
		}
		tags, err := NewResolver(WithKeychain(kc)).ListTags(context.Background(), image)
		if err == nil && !slices.Equal(tags, []string{"v1.2.4"}) {
			t.Fatalf("tags %v", tags)
		}
		return err
	}
	if err := list(""); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("with no Docker config: %v, want ErrAccessDenied", err)
	}
	good, bad := writeDockerConfig(t, reg.Host, user, password), writeDockerConfig(t, reg.Host, user, "wrong")
	if err := list(bad); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("--registry-config with a wrong password: %v, want ErrAccessDenied", err)
	}
	if err := list(good); err != nil {
		t.Fatalf("--registry-config: %v", err)
	}
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(docker, "config.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := list(""); err != nil {
		t.Fatalf("$DOCKER_CONFIG/config.json: %v", err)
	}
	if err := list(bad); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("--registry-config comes first: %v, want its wrong password refused", err)
	}
	if _, err := Keychain(good + ".missing"); err == nil {
		t.Error("Keychain accepted a missing --registry-config")
	}
	kc, err := Keychain("")
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckKeychain(context.Background(), kc); err != nil {
		t.Errorf("CheckKeychain with a good Docker config: %v", err)
	}
	if err := os.WriteFile(filepath.Join(docker, "config.json"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CheckKeychain(context.Background(), kc); err == nil {
		t.Error("CheckKeychain accepted a malformed Docker config")
	}
}

func indexChildren(t *testing.T, idx v1.ImageIndex) []string {
	t.Helper()
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range m.Manifests {
		out = append(out, d.Digest.String())
	}
	return out
}

func TestFileKeychain(t *testing.T) {
	path := writeDockerConfig(t, "registry.example:5000", "bot", "pw")
	kc := FileKeychain{Path: path}
	for _, tt := range []struct{ ref, user string }{
		{"registry.example:5000/team/app", "bot"},
		{"other.example/x", "x"},
		{"ghcr.io/acme/app", ""},
	} {
		repo, err := name.NewRepository(tt.ref)
		if err != nil {
			t.Fatal(err)
		}
		a, err := kc.Resolve(repo)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := a.Authorization()
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Username != tt.user {
			t.Errorf("%s: username %q, want %q", tt.ref, cfg.Username, tt.user)
		}
	}
	if _, err := NewFileKeychain(path + ".missing"); err == nil {
		t.Error("NewFileKeychain accepted a missing file")
	}
	bad := writeBytes(t, "{not json")
	if _, err := NewFileKeychain(bad); err == nil {
		t.Error("NewFileKeychain accepted a malformed file")
	}
}
