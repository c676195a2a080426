package redact

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://user:pass@ghe.example.com/api/v3", "https://user:xxxxx@ghe.example.com/api/v3"},
		{"ftp://admin:s3cret@host", "ftp://admin:xxxxx@host"},
		{"admin:s3cret@ghe.example.com", "admin:xxxxx@ghe.example.com"},
		{"https://a:b:c@host/p@q", "https://a:xxxxx@host/p@q"},
		{"https://user@host", "https://user@host"},
		{"https://host/path:with@at", "https://host/path:with@at"},
		{"ghe.example.com", "ghe.example.com"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := URL(tt.in); got != tt.want {
			t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestURLError(t *testing.T) {
	_, err := url.Parse("https://user:s3cret@host:port/")
	if err == nil || !strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("premise: url.Parse's error repeats the URL, got %v", err)
	}
	got := URLError(err)
	if strings.Contains(got.Error(), "s3cret") {
		t.Errorf("URLError = %q", got)
	}
	if plain := errors.New("plain"); URLError(plain) != plain {
		t.Error("an error without a URL changed")
	}
}

// FuzzURL checks that a password in any URL-like string is gone from the
// redacted form, and that a string without userinfo is unchanged.
func FuzzURL(f *testing.F) {
	f.Add("https://user", "pass", "host/x")
	f.Add("", "p@ss", "host")
	f.Add("ftp://a", "b:c", "h?q")
	f.Fuzz(func(t *testing.T, user, pass, host string) {
		if len(pass) < 4 || strings.ContainsAny(pass, "/?#@:") || strings.ContainsAny(user, "/?#@") ||
			strings.Contains(user+":xxxxx@"+host, pass) {
			return // the password cannot be told from the rest
		}
		raw := user + ":" + pass + "@" + host
		if got := URL(raw); strings.Contains(got, pass) {
			t.Fatalf("URL(%q) = %q keeps the password", raw, got)
		}
	})
}
