package contract

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
)

// BenchmarkLoad parses the embedded description and compiles the routes,
// as the first Load in a process does.
// It also reports the heap the loaded validator keeps (retained-B).
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := load(trimmedSpec, Operations); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	v, err := load(trimmedSpec, Operations)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	b.ReportMetric(float64(after.HeapAlloc)-float64(before.HeapAlloc), "retained-B")
}

// BenchmarkValidate checks one pulls.get exchange with GitHub's 25 kB
// pull-request payload: routing, request and response.
func BenchmarkValidate(b *testing.B) {
	v, err := Load()
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(encode(b, validPull(b)))
	header := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	req := httptest.NewRequest("GET", "/repos/o/r/pulls/1347", nil)
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Validate(req, nil, 200, header, body); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzValidateRequestBody sends arbitrary bodies to the update-ref
// operation: validation must not panic, and every violation is an *Error.
func FuzzValidateRequestBody(f *testing.F) {
	for _, seed := range []string{
		`{"sha":"aa218f56b14c9653891f9e74264a383fa43fefbd","force":true}`, `{"force":"x"}`, `[]`, `null`, ``, `{"sha":`, `"str"`,
	} {
		f.Add(seed)
	}
	v, err := Load()
	if err != nil {
		f.Fatal(err)
	}
	ref := []byte(encode(f, fixture(f, "git-ref")))
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest("PATCH", "/repos/o/r/git/refs/heads/main", nil)
		err := v.Validate(req, []byte(body), http.StatusOK, nil, ref)
		if err == nil {
			return
		}
		for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
			if _, ok := e.(*Error); !ok {
				t.Fatalf("%T is not an *Error: %v", e, e)
			}
		}
	})
}
