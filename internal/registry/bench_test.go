package registry

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkParse measures each parser on its vendor's push payload: the
// server runs it inline before answering 202.
func BenchmarkParse(b *testing.B) {
	for _, file := range []string{
		"dockerhub/push.json", "quay/push.json", "harbor/push-default.json", "harbor/push-cloudevents.json",
		"distribution/push-tag.json", "acr/push.json", "gar/insert-tag.json", "cloudevents/ecr-push-structured.json",
		"cloudevents/ecr-push-binary.json", "generic/push.json", "github/registry-package-published.json",
	} {
		header, body := loadCase(b, file)
		parse := parserFor(b, strings.Split(file, "/")[0])
		b.Run(file, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if events, err := parse(header, body); err != nil || len(events) != 1 {
					b.Fatalf("%v %v", events, err)
				}
			}
		})
	}
}

// BenchmarkVerify measures authentication of one request, with the
// constant-time comparisons against several configured tokens.
func BenchmarkVerify(b *testing.B) {
	creds, err := NewCredentials([]string{"harbor=t1,harbor=t2,harbor=t3"}, []string{"generic=s"})
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(strings.Repeat("x", 4096))
	cases := map[string]func(r *http.Request){
		"token":     func(r *http.Request) { r.Header.Set("Authorization", "Bearer t3") },
		"signature": func(r *http.Request) { r.Header.Set(SignatureHeader, sign("s", string(body))) },
	}
	for name, set := range cases {
		source := map[string]string{"token": "harbor", "signature": "generic"}[name]
		r := httptest.NewRequest(http.MethodPost, "/webhooks/registry/"+source, nil)
		set(r)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := creds.Verify(source, r, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
