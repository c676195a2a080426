package registry

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Mode is how a registry source proves that a webhook comes from it.
type Mode string

// Authentication modes.
const (
	// ModeToken: a shared token, accepted as "Authorization: Bearer TOKEN",
	// as the bare Authorization value, as the password of HTTP basic auth
	// (credentials in the webhook URL), as "?token=TOKEN", or as the last
	// path segment after the source name.
	ModeToken Mode = "token"
	// ModeHMAC: SignatureHeader carries "sha256=" and the hex HMAC-SHA256 of
	// the body under a shared secret.
	ModeHMAC Mode = "hmac"
)

// SignatureHeader carries the HMAC signature in ModeHMAC, in GitHub's format.
const SignatureHeader = "X-Hub-Signature-256"

var (
	// ErrUnauthenticated: the request proved nothing; the server answers 401.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrUnknownSource: no such source; the server answers 404.
	ErrUnknownSource = errors.New("unknown registry source")
)

// Auth holds the secrets one source is verified with. With neither tokens
// nor HMAC secrets it refuses every request: a missing secret never means
// "accept everything".
type Auth struct {
	Source      string
	Tokens      []string
	HMACSecrets []string
}

// Verify checks the request against the source's secrets in constant time.
// body is the raw request body, needed for signatures.
func (a Auth) Verify(r *http.Request, body []byte) error {
	if len(a.Tokens) == 0 && len(a.HMACSecrets) == 0 {
		return fmt.Errorf("%w: no token or HMAC secret is configured for source %q", ErrUnauthenticated, a.Source)
	}
	if sig := r.Header.Get(SignatureHeader); sig != "" && len(a.HMACSecrets) > 0 {
		if a.validSignature(sig, body) {
			return nil
		}
		return fmt.Errorf("%w: %s does not match the body", ErrUnauthenticated, SignatureHeader)
	}
	for _, presented := range presentedTokens(r, a.Source) {
		if a.validToken(presented) {
			return nil
		}
	}
	return fmt.Errorf("%w: no valid token or signature for source %q", ErrUnauthenticated, a.Source)
}

func (a Auth) validSignature(sig string, body []byte) bool {
	hexSum, ok := strings.CutPrefix(strings.TrimSpace(sig), "sha256=")
	got, err := hex.DecodeString(hexSum)
	if !ok || err != nil {
		return false
	}
	valid := 0
	for _, secret := range a.HMACSecrets {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		valid |= subtle.ConstantTimeCompare(mac.Sum(nil), got)
	}
	return valid == 1
}

// validToken compares hashes, so that neither the content nor the length of
// a configured token leaks through timing.
func (a Auth) validToken(presented string) bool {
	p := sha256.Sum256([]byte(presented))
	valid := 0
	for _, token := range a.Tokens {
		t := sha256.Sum256([]byte(token))
		valid |= subtle.ConstantTimeCompare(p[:], t[:])
	}
	return valid == 1
}

// presentedTokens lists every place a token may travel in.
func presentedTokens(r *http.Request, source string) []string {
	var out []string
	if h := strings.TrimSpace(r.Header.Get("Authorization")); h != "" {
		scheme, rest, _ := strings.Cut(h, " ")
		switch {
		case strings.EqualFold(scheme, "Bearer"):
			out = append(out, strings.TrimSpace(rest))
		case strings.EqualFold(scheme, "Basic"):
			if _, password, ok := r.BasicAuth(); ok {
				out = append(out, password)
			}
		default:
			out = append(out, h) // Harbor's "Auth Header" may hold the bare token
		}
	}
	if r.URL != nil {
		if t := r.URL.Query().Get("token"); t != "" {
			out = append(out, t)
		}
		segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		if n := len(segs); n >= 2 && segs[n-2] == source && segs[n-1] != "" {
			out = append(out, segs[n-1])
		}
	}
	return out
}

// Credentials holds the Auth of every source that has secrets configured.
type Credentials struct {
	auths map[string]Auth
}

// NewCredentials builds Credentials from token specs (--registry-token,
// STAGEHAND_REGISTRY_TOKENS) and HMAC secret specs (--registry-hmac), each
// "SOURCE=SECRET" or a comma-separated list of them. A source may have
// several secrets, to rotate them.
func NewCredentials(tokenSpecs, hmacSpecs []string) (*Credentials, error) {
	tokens, err := ParseSecretSpecs("registry token", tokenSpecs)
	if err != nil {
		return nil, err
	}
	hmacs, err := ParseSecretSpecs("registry HMAC secret", hmacSpecs)
	if err != nil {
		return nil, err
	}
	c := &Credentials{auths: map[string]Auth{}}
	for _, name := range SourceNames() {
		if len(tokens[name]) > 0 || len(hmacs[name]) > 0 {
			c.auths[name] = Auth{Source: name, Tokens: tokens[name], HMACSecrets: hmacs[name]}
		}
	}
	return c, nil
}

// ParseSecretSpecs parses "SOURCE=SECRET" specs; each spec may hold several,
// separated by commas. Errors name the spec by position and never echo a secret.
func ParseSecretSpecs(what string, specs []string) (map[string][]string, error) {
	out := map[string][]string{}
	n := 0
	for _, spec := range specs {
		for _, item := range strings.Split(spec, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			n++
			source, secret, ok := strings.Cut(item, "=")
			source, secret = strings.TrimSpace(source), strings.TrimSpace(secret)
			switch {
			case !ok:
				return nil, fmt.Errorf("%s #%d: expected SOURCE=SECRET, found no '='", what, n)
			case source == "":
				return nil, fmt.Errorf("%s #%d: the source name before '=' is empty", what, n)
			case secret == "":
				return nil, fmt.Errorf("%s #%d for %s: the secret after '=' is empty", what, n, source)
			case strings.ContainsAny(secret, " \t\r\n"):
				return nil, fmt.Errorf("%s #%d for %s: the secret contains whitespace", what, n, source)
			}
			if _, known := LookupSource(source); !known {
				return nil, fmt.Errorf("%s #%d: unknown source %q (known: %s)", what, n, source, strings.Join(SourceNames(), ", "))
			}
			if !slices.Contains(out[source], secret) {
				out[source] = append(out[source], secret)
			}
		}
	}
	return out, nil
}

// Verify authenticates a request for /webhooks/registry/{source}: an unknown
// source yields ErrUnknownSource, a source without secrets or a request
// without a valid token or signature ErrUnauthenticated.
func (c *Credentials) Verify(source string, r *http.Request, body []byte) error {
	if _, ok := LookupSource(source); !ok {
		return fmt.Errorf("%w %q", ErrUnknownSource, source)
	}
	a := Auth{Source: source}
	if c != nil {
		if configured, ok := c.auths[source]; ok {
			a = configured
		}
	}
	return a.Verify(r, body)
}

// Configured returns the names of the sources that have secrets, sorted.
func (c *Credentials) Configured() []string {
	if c == nil {
		return nil
	}
	var names []string
	for name := range c.auths {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
