package githubsim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v4"
)

type principalKind int

const (
	kindAnonymous principalKind = iota
	kindUser
	kindInstallation
	kindApp
)

// principal is who a request acts as.
type principal struct {
	kind  principalKind
	user  *user // for kindUser
	token string
}

func (p principal) rateKey() string {
	switch p.kind {
	case kindUser:
		return "user:" + p.user.login
	case kindInstallation:
		return "installation"
	case kindApp:
		return "app"
	}
	return ""
}

// installationToken is an access token minted for the installation.
type installationToken struct {
	expires time.Time
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	for _, prefix := range []string{"token ", "Bearer ", "bearer "} {
		if t, ok := strings.CutPrefix(h, prefix); ok {
			return strings.TrimSpace(t)
		}
	}
	return ""
}

func looksLikeJWT(tok string) bool {
	return strings.Count(tok, ".") == 2 && strings.HasPrefix(tok, "eyJ")
}

func unauthorized(msg string) reply { return apiError(http.StatusUnauthorized, msg) }

// authenticate maps the request's credentials to a principal allowed on this route.
func (s *Sim) authenticate(r *http.Request, kind authKind) (principal, reply, bool) {
	tok := bearer(r)
	var who principal
	switch {
	case tok == "":
		who = principal{kind: kindAnonymous}
	case looksLikeJWT(tok):
		if err := s.verifyAppJWT(tok); err != nil {
			return who, unauthorized(err.Error()), true
		}
		who = principal{kind: kindApp, token: tok}
	default:
		p, ok := s.tokens[tok]
		if !ok {
			return who, unauthorized("Bad credentials"), true
		}
		if p.kind == kindInstallation {
			if exp, ok := s.instTokens[tok]; ok && wallNow().After(exp.expires) {
				return who, unauthorized("Bad credentials"), true
			}
		}
		who = p
	}
	switch kind {
	case authApp:
		if who.kind != kindApp {
			return who, unauthorized("A JSON web token could not be decoded"), true
		}
	case authInstallation:
		if who.kind != kindInstallation {
			return who, apiError(http.StatusForbidden, "You must authenticate with an installation access token in order to list repositories for an installation."), true
		}
	case authRepo, authAny:
		if who.kind == kindApp {
			return who, unauthorized("A JSON web token could not be used to access this resource; use an installation access token."), true
		}
		if kind == authAny && who.kind == kindAnonymous {
			return who, unauthorized("Requires authentication"), true
		}
	}
	return who, reply{}, false
}

// verifyAppJWT checks an App JWT as GitHub does: RS256 signed by the App's key, iss the
// App id, iat not in the future (60 s skew) and exp at most 10 minutes ahead.
func (s *Sim) verifyAppJWT(tok string) error {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(tok, claims, func(t *jwt.Token) (any, error) {
		if t.Method.Alg() != jwt.SigningMethodRS256.Alg() {
			return nil, fmt.Errorf("unexpected alg %s", t.Method.Alg())
		}
		return &s.appKey.PublicKey, nil
	}, jwt.WithoutClaimsValidation())
	if err != nil {
		return fmt.Errorf("A JSON web token could not be decoded")
	}
	now := wallNow()
	iat, okIat := claims["iat"].(float64)
	exp, okExp := claims["exp"].(float64)
	if !okIat || !okExp {
		return fmt.Errorf("'Issued at' claim ('iat') and 'Expiration time' claim ('exp') must be numeric values.")
	}
	if time.Unix(int64(iat), 0).After(now.Add(60 * time.Second)) {
		return fmt.Errorf("'Issued at' claim ('iat') must be an Integer representing a time in the past.")
	}
	if !time.Unix(int64(exp), 0).After(now) {
		return fmt.Errorf("'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires.")
	}
	if time.Unix(int64(exp), 0).Sub(time.Unix(int64(iat), 0)) > 10*time.Minute+time.Second {
		return fmt.Errorf("'Expiration time' claim ('exp') is too far in the future")
	}
	if iss := fmt.Sprint(claims["iss"]); iss != strconv.FormatInt(s.opts.AppID, 10) {
		return fmt.Errorf("Integration not found")
	}
	return nil
}

// mintInstallationToken creates an installation access token valid for one hour.
func (s *Sim) mintInstallationToken() (string, time.Time) {
	tok := "ghs_" + randomHex(18)
	exp := wallNow().Truncate(time.Second).Add(time.Hour)
	s.tokens[tok] = principal{kind: kindInstallation, token: tok}
	s.instTokens[tok] = installationToken{expires: exp}
	return tok, exp
}

// InstallationToken mints an installation token directly, for tests that skip the JWT step.
func (s *Sim) InstallationToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok, _ := s.mintInstallationToken()
	return tok
}

// AppJWT signs a JWT for the App, valid for nine minutes, as ghinstallation does.
func (s *Sim) AppJWT() (string, error) {
	now := wallNow()
	claims := jwt.RegisteredClaims{
		IssuedAt:  jwt.NewNumericDate(now.Add(-30 * time.Second)),
		ExpiresAt: jwt.NewNumericDate(now.Add(9 * time.Minute)),
		Issuer:    strconv.FormatInt(s.opts.AppID, 10),
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(s.appKey)
	if err != nil {
		return "", fmt.Errorf("sign app jwt: %w", err)
	}
	return tok, nil
}

// actor returns the account a principal acts as, for payloads ("sender", "user").
func (s *Sim) actor(p principal) *user {
	switch p.kind {
	case kindUser:
		return p.user
	case kindInstallation, kindApp:
		return s.users[strings.ToLower(s.botLogin())]
	}
	return &user{login: "ghost", id: 10137, typ: "User"}
}
