package registry

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// OCI annotation keys Stagehand reads from image configs, to link the source
// compare between two revisions in a pull request body.
const (
	LabelSource   = "org.opencontainers.image.source"
	LabelRevision = "org.opencontainers.image.revision"
)

// ErrTagNotFound means the registry does not know the tag (or the
// repository): the event is dropped with this reason.
var ErrTagNotFound = errors.New("tag not found in the registry")

// Resolver reads registries through the OCI distribution API. Registry
// payloads are claims; the Resolver checks them.
type Resolver struct {
	keychain  authn.Keychain
	transport http.RoundTripper
	insecure  bool
	now       func() time.Time
	sleep     func(context.Context, time.Duration) error
}

// ResolverOption configures a Resolver.
type ResolverOption func(*Resolver)

// WithKeychain sets where credentials come from (default: anonymous;
// serve uses Keychain).
func WithKeychain(k authn.Keychain) ResolverOption { return func(r *Resolver) { r.keychain = k } }

// WithTransport sets the HTTP transport (default: a clone of
// http.DefaultTransport, the resolver's own).
func WithTransport(t http.RoundTripper) ResolverOption {
	return func(r *Resolver) { r.transport = t }
}

// WithClock sets the clock the rate limiter reads Retry-After against
// and the wait it sleeps with (default: the wall clock); tests count the
// waits instead of sleeping them.
func WithClock(now func() time.Time, sleep func(context.Context, time.Duration) error) ResolverOption {
	return func(r *Resolver) { r.now, r.sleep = now, sleep }
}

// WithInsecure allows plain HTTP to any registry. Loopback and private
// addresses use plain HTTP without it, as go-containerregistry decides.
func WithInsecure() ResolverOption { return func(r *Resolver) { r.insecure = true } }

// NewResolver returns a Resolver.
func NewResolver(opts ...ResolverOption) *Resolver {
	// A transport of its own: whatever else in the process calls
	// http.DefaultTransport.CloseIdleConnections (httptest.Server.Close
	// does) breaks a registry request that is dialling on it.
	r := &Resolver{keychain: authn.NewMultiKeychain(), transport: http.DefaultTransport.(*http.Transport).Clone(), now: time.Now, sleep: sleepContext}
	for _, o := range opts {
		o(r)
	}
	// Under go-containerregistry's retry, which ignores Retry-After.
	r.transport = newRateLimiter(r.transport, r.now, r.sleep)
	return r
}

// Descriptor is what a tag points at.
type Descriptor struct {
	Digest    string
	MediaType string
}

func (r *Resolver) options(ctx context.Context) []remote.Option {
	return []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(r.keychain), remote.WithTransport(r.transport)}
}

func (r *Resolver) nameOptions() []name.Option {
	opts := []name.Option{name.StrictValidation}
	if r.insecure {
		opts = append(opts, name.Insecure)
	}
	return opts
}

// Head returns what image:tag points at, with one manifest HEAD (free of
// Docker Hub's pull rate limit). For a multi-platform image that is the
// index digest, which is platform-neutral; never one platform's manifest.
func (r *Resolver) Head(ctx context.Context, image, tag string) (Descriptor, error) {
	ref, err := name.NewTag(image+":"+tag, r.nameOptions()...)
	if err != nil {
		return Descriptor{}, fmt.Errorf("head %s:%s: %w", image, tag, err)
	}
	desc, err := remote.Head(ref, r.options(ctx)...)
	if err != nil {
		return Descriptor{}, r.remoteErr(ctx, ref.Context().Registry, "head "+ref.String(), err)
	}
	return Descriptor{Digest: desc.Digest.String(), MediaType: string(desc.MediaType)}, nil
}

// Confirm checks an event against the registry and returns it with the
// digest and media type the tag points at now. A tag that does not resolve
// yields ErrTagNotFound: drop the event with that reason. When the payload
// named another digest (the tag moved since, or the payload named a child
// manifest), the registry's answer wins.
func (r *Resolver) Confirm(ctx context.Context, ev ImagePushed) (ImagePushed, error) {
	desc, err := r.Head(ctx, ev.Image(), ev.Tag)
	if err != nil {
		return ev, fmt.Errorf("confirm %s event: %w", ev.Source, err)
	}
	ev.Digest, ev.MediaType = desc.Digest, desc.MediaType
	return ev, nil
}

// ListTags lists the tags of image ("host/repository") through the
// distribution API's tag list, following pagination.
func (r *Resolver) ListTags(ctx context.Context, image string) ([]string, error) {
	repo, err := name.NewRepository(image, r.nameOptions()...)
	if err != nil {
		return nil, fmt.Errorf("list tags of %s: %w", image, err)
	}
	tags, err := remote.List(repo, r.options(ctx)...)
	if err != nil {
		return nil, r.remoteErr(ctx, repo.Registry, "list tags of "+image, err)
	}
	return tags, nil
}

// Labels returns the labels of the image that ref ("host/repo:tag" or
// "host/repo@digest") names, from its config. For an index it reads the
// first platform image, under the index's own annotations.
func (r *Resolver) Labels(ctx context.Context, ref string) (map[string]string, error) {
	parsed, err := name.ParseReference(ref, r.nameOptions()...)
	if err != nil {
		return nil, fmt.Errorf("labels of %s: %w", ref, err)
	}
	desc, err := remote.Get(parsed, r.options(ctx)...)
	if err != nil {
		return nil, r.remoteErr(ctx, parsed.Context().Registry, "labels of "+ref, err)
	}
	labels := map[string]string{}
	img, err := imageOf(desc, labels)
	if err != nil {
		return nil, fmt.Errorf("labels of %s: %w", ref, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("labels of %s: config: %w", ref, err)
	}
	maps.Copy(labels, cf.Config.Labels)
	return labels, nil
}

// imageOf returns the image desc names, or for an index its first platform
// image, copying the index annotations into labels.
func imageOf(desc *remote.Descriptor, labels map[string]string) (v1.Image, error) {
	if !desc.MediaType.IsIndex() {
		return desc.Image()
	}
	idx, err := desc.ImageIndex()
	if err != nil {
		return nil, err
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	maps.Copy(labels, m.Annotations)
	for _, child := range m.Manifests {
		// Build attestations sit in the index as "unknown/unknown" platforms.
		if child.MediaType.IsImage() && (child.Platform == nil || child.Platform.OS != "unknown") {
			return idx.Image(child.Digest)
		}
	}
	return nil, errors.New("index holds no platform image")
}

// remoteErr wraps a registry error, as ErrTagNotFound when the registry
// does not know the tag or the repository, and as an *AccessError when it
// refuses Stagehand.
func (r *Resolver) remoteErr(ctx context.Context, reg name.Registry, what string, err error) error {
	if IsNotFound(err) {
		return fmt.Errorf("%s: %w", what, ErrTagNotFound)
	}
	if denied := r.accessError(ctx, reg, err); denied != nil {
		return fmt.Errorf("%s: %w", what, denied)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// IsNotFound reports a registry's 404 (or MANIFEST_UNKNOWN, NAME_UNKNOWN) answer.
func IsNotFound(err error) bool {
	var te *transport.Error
	if !errors.As(err, &te) {
		return false
	}
	if te.StatusCode == http.StatusNotFound {
		return true
	}
	for _, d := range te.Errors {
		if d.Code == transport.ManifestUnknownErrorCode || d.Code == transport.NameUnknownErrorCode {
			return true
		}
	}
	return false
}
