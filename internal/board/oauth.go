package board

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// stateTTL bounds how long a sign-in may take at GitHub.
const stateTTL = 10 * time.Minute

// oauthState is what the state cookie holds: the state sent to GitHub and
// the page to return to.
type oauthState struct {
	State string `json:"s"`
	Next  string `json:"n"`
}

// callbackURL is where GitHub sends the browser back; the App's callback
// URL must name it.
func (h *Handler) callbackURL(r *http.Request) string {
	scheme := "https"
	if h.cfg.InsecureCookies {
		scheme = "http"
	}
	return scheme + "://" + r.Host + "/board/callback"
}

// login starts GitHub's web flow: a fresh state, kept in a signed cookie,
// and a redirect to GitHub's authorize page.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Query().Get("next")
	if !strings.HasPrefix(next, "/board/") || strings.HasPrefix(next, "//") {
		next = "/board/"
	}
	st := oauthState{State: randomToken(), Next: next}
	v, err := h.sign.seal(stateCookie, st)
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, "sign-in could not start: "+err.Error())
		return
	}
	http.SetCookie(w, h.cookie(stateCookie, v, stateTTL))
	q := url.Values{"client_id": {h.cfg.ClientID}, "redirect_uri": {h.callbackURL(r)}, "state": {st.State}}
	if login := r.URL.Query().Get("login"); login != "" {
		q.Set("login", login) // GitHub's hint of the account to sign in with
	}
	http.Redirect(w, r, h.cfg.WebURL+"/login/oauth/authorize?"+q.Encode(), http.StatusFound)
}

// callback ends the web flow: the state must be the one of this browser's
// state cookie; the code is traded for the user's token, which names the
// user, and the session cookie is set.
func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(stateCookie)
	var st oauthState
	if err != nil || h.sign.open(stateCookie, c.Value, &st) != nil {
		h.fail(w, r, http.StatusBadRequest, "sign-in refused: no sign-in was started from this browser (or it took over 10 minutes); sign in again")
		return
	}
	http.SetCookie(w, h.cookie(stateCookie, "", -1))
	if got := r.URL.Query().Get("state"); got == "" || got != st.State {
		h.fail(w, r, http.StatusBadRequest, "sign-in refused: the OAuth state does not match the one this browser was sent with")
		return
	}
	if e := r.URL.Query().Get("error"); e != "" {
		h.fail(w, r, http.StatusForbidden, "GitHub did not sign you in: "+e+": "+r.URL.Query().Get("error_description"))
		return
	}
	token, err := h.exchange(r.Context(), r.URL.Query().Get("code"))
	if err != nil {
		h.fail(w, r, http.StatusBadGateway, "sign-in failed: "+err.Error())
		return
	}
	login, err := h.access.user(r.Context(), token)
	if err != nil {
		h.fail(w, r, http.StatusBadGateway, "sign-in failed: "+err.Error())
		return
	}
	s := session{Login: login, Token: token, CSRF: randomToken(), Expires: h.cfg.Now().Add(sessionTTL).Unix()}
	v, err := h.sign.seal(sessionCookie, s)
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, "sign-in failed: "+err.Error())
		return
	}
	http.SetCookie(w, h.cookie(sessionCookie, v, sessionTTL))
	http.Redirect(w, r, st.Next, http.StatusFound)
}

// logout ends the session; it is a POST carrying the session's CSRF
// token, so another site cannot sign a person out.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	s, ok := h.session(r)
	if !ok {
		http.Redirect(w, r, "/board/", http.StatusSeeOther)
		return
	}
	if r.PostFormValue("csrf") != s.CSRF {
		h.fail(w, r, http.StatusForbidden, "sign-out refused: the form's token does not match this session")
		return
	}
	http.SetCookie(w, h.cookie(sessionCookie, "", -1))
	http.Redirect(w, r, "/board/", http.StatusSeeOther)
}

// exchange trades a code for the user's access token at GitHub.
func (h *Handler) exchange(ctx context.Context, code string) (string, error) {
	if code == "" {
		return "", fmt.Errorf("GitHub sent no code back")
	}
	form := url.Values{"client_id": {h.cfg.ClientID}, "client_secret": {h.cfg.ClientSecret}, "code": {code}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.cfg.WebURL+"/login/oauth/access_token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := h.cfg.HTTPClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("trade the code for a token: %w", err)
	}
	defer resp.Body.Close()
	var v struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&v); err != nil {
		return "", fmt.Errorf("trade the code for a token: %s: %w", resp.Status, err)
	}
	if v.Error != "" {
		return "", fmt.Errorf("GitHub refused the code: %s: %s", v.Error, v.Description)
	}
	if v.AccessToken == "" {
		return "", fmt.Errorf("GitHub answered %s without a token", resp.Status)
	}
	return v.AccessToken, nil
}
