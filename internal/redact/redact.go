// Package redact keeps credentials out of error messages and log lines.
package redact

import (
	"errors"
	"net/url"
	"strings"
)

// URL returns raw with the password of its userinfo replaced by "xxxxx",
// as url.URL.Redacted does, also when raw does not parse as a URL (a
// "user:pass@host" typed without a scheme is the likeliest mistake, and its
// parse error would repeat it whole). A URL without a password comes back
// as it is.
func URL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		return u.Redacted()
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		scheme, rest = "", raw
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndexByte(rest[:end], '@')
	if at < 0 {
		return raw
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if !hasPass {
		return raw
	}
	out := user + ":xxxxx" + rest[at:]
	if ok {
		out = scheme + "://" + out
	}
	return out
}

// URLError is err with the URL of a *url.Error in it redacted; other
// errors come back as they are.
func URLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: URL(ue.URL), Err: ue.Err}
	}
	return err
}
