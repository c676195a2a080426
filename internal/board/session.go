package board

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
)

// The cookies the board sets.
const (
	sessionCookie = "stagehand_board"
	stateCookie   = "stagehand_board_state"
)

// sessionTTL is how long a sign-in lasts; GitHub's user tokens of Apps
// expire after eight hours too.
const sessionTTL = 8 * time.Hour

// session is what the signed cookie holds: who signed in, the user's
// token (the browser holds it, HttpOnly, so the board keeps no state), a
// token for the sign-out form, and when the session ends.
type session struct {
	Login   string `json:"l"`
	Token   string `json:"t"`
	CSRF    string `json:"c"`
	Expires int64  `json:"e"`
}

// errBadCookie is any cookie that is not one the board signed, or expired.
var errBadCookie = errors.New("cookie not signed by this board, or expired")

// signer signs and checks cookie values with HMAC-SHA256. Each value is
// signed with its cookie's name, so a value cannot be moved from one
// cookie to another.
type signer struct{ key []byte }

func (s signer) mac(name, payload string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(name))
	m.Write([]byte{0})
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// seal encodes v as the value of cookie name: payload.signature.
func (s signer) seal(name string, v any) (string, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	payload := base64.RawURLEncoding.EncodeToString(data)
	return payload + "." + s.mac(name, payload), nil
}

// open checks the signature of a value of cookie name and decodes it
// into v.
func (s signer) open(name, value string, v any) error {
	payload, sig, ok := strings.Cut(value, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.mac(name, payload))) {
		return errBadCookie
	}
	data, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return errBadCookie
	}
	if err := json.Unmarshal(data, v); err != nil {
		return errBadCookie
	}
	return nil
}

// cookie builds a cookie of the board: HttpOnly, SameSite=Lax (the OAuth
// redirect back from GitHub is a top-level GET that must carry the state
// cookie), Secure unless the board runs on plain-http loopback.
func (h *Handler) cookie(name, value string, maxAge time.Duration) *http.Cookie {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: !h.cfg.InsecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: int(maxAge / time.Second)}
	if maxAge < 0 {
		c.MaxAge = -1
	}
	return c
}

// session returns the request's valid session, or false.
func (h *Handler) session(r *http.Request) (session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return session{}, false
	}
	var s session
	if err := h.sign.open(sessionCookie, c.Value, &s); err != nil || s.Login == "" || s.Token == "" {
		return session{}, false
	}
	if h.cfg.Now().Unix() >= s.Expires {
		return session{}, false
	}
	return s, true
}

func randomToken() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return hex.EncodeToString(b)
}
