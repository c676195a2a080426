package board

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"sync"
)

//go:embed templates/*.html static/*
var files embed.FS

// pages are parsed on first use, not at package init: the binary's start
// stays cheap (cmd/stagehand/startup_test.go).
var pages = sync.OnceValue(func() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, name := range []string{"index", "repo", "message", "history"} {
		out[name] = template.Must(template.New("layout.html").ParseFS(files, "templates/layout.html", "templates/"+name+".html"))
	}
	return out
})

// page is what every template gets.
type page struct {
	Title string
	Login string
	CSRF  string
	Data  any
	// PollMS is how often, in milliseconds, the page asks whether the
	// board changed.
	PollMS int64
}

func (h *Handler) render(w http.ResponseWriter, status int, name string, p page) {
	var buf bytes.Buffer
	p.PollMS = h.cfg.PollInterval.Milliseconds()
	if err := pages()[name].Execute(&buf, p); err != nil {
		http.Error(w, "the page could not be rendered: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail answers an error a person sees: a page, or JSON for the API.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if isAPI(r) {
		writeJSON(w, status, map[string]string{"message": msg})
		return
	}
	h.render(w, status, "message", page{Title: http.StatusText(status), Data: msg})
}

func isAPI(r *http.Request) bool { return len(r.URL.Path) >= 8 && r.URL.Path[:8] == "/api/v1/" }

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}

// signedIn returns the session, or answers the request: a page sends the
// browser to sign in and come back, the API answers 401.
func (h *Handler) signedIn(w http.ResponseWriter, r *http.Request) (session, bool) {
	s, ok := h.session(r)
	if ok {
		return s, true
	}
	if isAPI(r) {
		w.Header().Set("WWW-Authenticate", `Cookie realm="stagehand board"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "sign in at /board/login first"})
		return s, false
	}
	http.Redirect(w, r, "/board/login?next="+url.QueryEscape(r.URL.Path), http.StatusFound)
	return s, false
}

// signedInRepos returns the session and the repositories its user can
// read, or answers the request.
func (h *Handler) signedInRepos(w http.ResponseWriter, r *http.Request) (session, []string, bool) {
	s, ok := h.signedIn(w, r)
	if !ok {
		return s, nil, false
	}
	repos, err := h.visible(r.Context(), s)
	if err != nil {
		h.fail(w, r, http.StatusBadGateway, err.Error())
		return s, nil, false
	}
	return s, repos, true
}

func (h *Handler) index(w http.ResponseWriter, r *http.Request) {
	s, repos, ok := h.signedInRepos(w, r)
	if !ok {
		return
	}
	h.render(w, http.StatusOK, "index", page{Title: "Promotion board", Login: s.Login, CSRF: s.CSRF, Data: repos})
}

func (h *Handler) repoPage(w http.ResponseWriter, r *http.Request) {
	s, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	v, ok := h.repoView(w, r, s)
	if !ok {
		return
	}
	h.render(w, http.StatusOK, "repo", page{Title: v.Repo, Login: s.Login, CSRF: s.CSRF, Data: v})
}

// repoView reads the request's repository's view, or answers the error.
func (h *Handler) repoView(w http.ResponseWriter, r *http.Request, s session) (View, bool) {
	v, err := h.readable(r.Context(), s, r.PathValue("owner")+"/"+r.PathValue("repo"))
	switch {
	case errors.Is(err, errNoAccess):
		h.fail(w, r, http.StatusNotFound, err.Error())
		return v, false
	case err != nil:
		h.fail(w, r, http.StatusBadGateway, err.Error())
		return v, false
	}
	return v, true
}

func (h *Handler) apiRepos(w http.ResponseWriter, r *http.Request) {
	_, repos, ok := h.signedInRepos(w, r)
	if !ok {
		return
	}
	if repos == nil {
		repos = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"repositories": repos})
}

func (h *Handler) apiBoard(w http.ResponseWriter, r *http.Request) {
	s, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	if v, ok := h.repoView(w, r, s); ok {
		writeJSON(w, http.StatusOK, v)
	}
}

// static serves the board's script and style sheet.
func (h *Handler) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	data, err := files.ReadFile("static/" + name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	types := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
	for ext, typ := range types {
		if len(name) > len(ext) && name[len(name)-len(ext):] == ext {
			w.Header().Set("Content-Type", typ)
		}
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(data)
}
