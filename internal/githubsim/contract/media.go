package contract

import (
	"mime"
	"net/http"
	"slices"
	"strings"
)

// customMedia lists, per operation, the non-JSON media types GitHub serves
// when a client asks for them in Accept ("application/vnd.github.raw").
// The description documents them only in prose, so they are listed here.
var customMedia = map[string][]string{
	"git/get-blob":                        {"raw"},
	"repos/get-content":                   {"raw", "html"},
	"pulls/get":                           {"diff", "patch"},
	"repos/get-commit":                    {"diff", "patch", "sha"},
	"repos/compare-commits-with-basehead": {"diff", "patch"},
}

// githubMedia names a GitHub media type: "application/vnd.github.v3.raw"
// and "application/vnd.github.raw" are both "raw", and
// "application/vnd.github.raw+json" is "raw+json".
func githubMedia(mediaType string) (string, bool) {
	rest, ok := strings.CutPrefix(strings.ToLower(mediaType), "application/vnd.github.")
	if !ok {
		return "", false
	}
	return strings.TrimPrefix(rest, "v3."), true
}

// customBody reports whether the response is one of the custom media types
// the operation serves and the request asked for; such a body is not JSON
// and has no schema. A "+json" GitHub type is JSON: header is rewritten so
// the body is checked as application/json.
func customBody(op string, req *http.Request, header http.Header) (custom bool, reason string) {
	media, _, err := mime.ParseMediaType(header.Get("Content-Type"))
	if err != nil {
		return false, ""
	}
	name, ok := githubMedia(media)
	if !ok {
		return false, ""
	}
	if strings.HasSuffix(name, "+json") || name == "json" {
		header.Set("Content-Type", "application/json")
		return false, ""
	}
	if !slices.Contains(customMedia[op], name) {
		return true, "media type " + media + " is not one GitHub serves for this operation"
	}
	for _, accept := range strings.Split(strings.Join(req.Header.Values("Accept"), ","), ",") {
		a, _, err := mime.ParseMediaType(strings.TrimSpace(accept))
		if err != nil {
			continue
		}
		if asked, ok := githubMedia(a); ok && asked == name {
			return true, ""
		}
	}
	return true, "media type " + media + " was not asked for in Accept"
}
