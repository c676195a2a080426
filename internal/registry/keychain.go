package registry

import (
	"context"
	"fmt"
	"os"

	"github.com/docker/cli/cli/config"
	"github.com/docker/cli/cli/config/types"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

// FileKeychain resolves registry credentials from one Docker config.json
// (--registry-config), the format docker login, podman, crane and every CI
// tool write: "auths" entries with "auth" (base64 user:password), username and
// password, identitytoken or registrytoken, and "credHelpers"/"credsStore".
// The file is read on every lookup, so a rotated secret takes effect without
// a restart.
type FileKeychain struct {
	Path string
}

var (
	_ authn.Keychain        = FileKeychain{}
	_ authn.ContextKeychain = FileKeychain{}
)

// Resolve implements authn.Keychain.
func (k FileKeychain) Resolve(target authn.Resource) (authn.Authenticator, error) {
	return k.ResolveContext(context.Background(), target)
}

// ResolveContext implements authn.ContextKeychain. A registry without an
// entry is accessed anonymously.
func (k FileKeychain) ResolveContext(_ context.Context, target authn.Resource) (authn.Authenticator, error) {
	f, err := os.Open(k.Path)
	if err != nil {
		return nil, fmt.Errorf("read registry config: %w", err)
	}
	defer f.Close()
	cf, err := config.LoadFromReader(f)
	if err != nil {
		return nil, fmt.Errorf("parse registry config %s: %w", k.Path, err)
	}
	var empty types.AuthConfig
	for _, key := range []string{target.String(), target.RegistryStr()} {
		if key == name.DefaultRegistry {
			key = authn.DefaultAuthKey
		}
		cfg, err := cf.GetAuthConfig(key)
		if err != nil {
			return nil, fmt.Errorf("credentials for %s from %s: %w", key, k.Path, err)
		}
		cfg.ServerAddress = ""
		if cfg != empty {
			return authn.FromConfig(authn.AuthConfig{
				Username: cfg.Username, Password: cfg.Password, Auth: cfg.Auth,
				IdentityToken: cfg.IdentityToken, RegistryToken: cfg.RegistryToken,
			}), nil
		}
	}
	return authn.Anonymous, nil
}

// NewFileKeychain checks that path is a readable Docker config.json and
// returns a keychain over it, so that a wrong --registry-config fails at start.
func NewFileKeychain(path string) (FileKeychain, error) {
	f, err := os.Open(path)
	if err != nil {
		return FileKeychain{}, fmt.Errorf("registry config: %w", err)
	}
	defer f.Close()
	if _, err := config.LoadFromReader(f); err != nil {
		return FileKeychain{}, fmt.Errorf("registry config %s: %w", path, err)
	}
	return FileKeychain{Path: path}, nil
}
