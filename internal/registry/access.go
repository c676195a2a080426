package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// ErrAccessDenied means a registry refused Stagehand (401 or 403): it needs
// credentials for it, or other ones. errors.As gives the *AccessError.
var ErrAccessDenied = errors.New("registry refused access")

// CredentialsHelp says, in markdown, where serve finds registry
// credentials, for the texts that ask a person to provide them.
const CredentialsHelp = "a Docker `config.json` with credentials for it: `docker login` as the user Stagehand runs as " +
	"(`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`), or the file `--registry-config` names"

// AccessError is a registry's refusal: which registry, its HTTP status,
// and whether Stagehand came without credentials.
type AccessError struct {
	Registry  string
	Status    int
	Anonymous bool
}

// Error names the registry and says how to give Stagehand credentials, in
// plain text: it travels in logs and inside markdown code spans.
func (e *AccessError) Error() string {
	return fmt.Sprintf("%s refuses %s (%d %s): give Stagehand credentials for it in a Docker config.json "+
		"($DOCKER_CONFIG/config.json or ~/.docker/config.json of the user it runs as, or the file --registry-config names)",
		e.Registry, e.Refused(), e.Status, http.StatusText(e.Status))
}

// Refused says what the registry refused: anonymous access, or the
// credentials Stagehand presented.
func (e *AccessError) Refused() string {
	if e.Anonymous {
		return "anonymous access"
	}
	return "the credentials Stagehand has for it"
}

// Is makes errors.Is(err, ErrAccessDenied) hold.
func (e *AccessError) Is(target error) bool { return target == ErrAccessDenied }

// Keychain is where serve finds registry credentials, as the tools built
// on go-containerregistry (crane, ko) do: the file --registry-config names
// (configPath, optional) first, then Docker's own config
// ($DOCKER_CONFIG/config.json or ~/.docker/config.json, or podman's
// auth.json), read on each lookup; a registry found in neither is accessed
// anonymously, which is all a public registry needs.
func Keychain(configPath string) (authn.Keychain, error) {
	if configPath == "" {
		return authn.DefaultKeychain, nil
	}
	kc, err := NewFileKeychain(configPath)
	if err != nil {
		return nil, err
	}
	return authn.NewMultiKeychain(kc, authn.DefaultKeychain), nil
}

// accessError returns err as an *AccessError when the registry refused
// access, telling whether the keychain had credentials for reg; otherwise
// nil.
func (r *Resolver) accessError(ctx context.Context, reg name.Registry, err error) error {
	var te *transport.Error
	if !errors.As(err, &te) || (te.StatusCode != http.StatusUnauthorized && te.StatusCode != http.StatusForbidden) {
		return nil
	}
	auth, kerr := authn.Resolve(ctx, r.keychain, reg)
	return &AccessError{Registry: reg.RegistryStr(), Status: te.StatusCode, Anonymous: kerr == nil && auth == authn.Anonymous}
}

// CheckKeychain looks credentials up through kc once, for Docker Hub, so
// that a Docker config that cannot be used (malformed, or naming a
// credential helper that is not installed) is reported at start: every
// registry read through kc fails with it, public registries' too.
func CheckKeychain(ctx context.Context, kc authn.Keychain) error {
	if _, err := authn.Resolve(ctx, kc, name.MustParseReference("busybox").Context().Registry); err != nil {
		return fmt.Errorf("registry credentials: %w", err)
	}
	return nil
}
