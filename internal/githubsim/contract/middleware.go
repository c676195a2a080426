package contract

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
)

// Middleware validates every exchange that passes through it against v and
// hands each violation to report; it never changes what the client gets.
// The request body is buffered for the handler, and the response is
// copied as it is written.
func Middleware(v *Validator, report func(error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var body []byte
			if r.Body != nil {
				var err error
				body, err = io.ReadAll(r.Body)
				_ = r.Body.Close()
				if err != nil {
					report(fmt.Errorf("contract: read request body of %s %s: %w", r.Method, r.URL.Path, err))
				}
				r.Body = io.NopCloser(bytes.NewReader(body))
			}
			// The handler may rewrite r's body or context; validate the
			// request as it arrived.
			arrived := r.Clone(r.Context())
			rec := &recorder{ResponseWriter: w}
			next.ServeHTTP(rec, r)
			if rec.status == 0 {
				rec.status = http.StatusOK
				rec.header = w.Header().Clone()
			}
			if err := v.Validate(arrived, body, rec.status, rec.header, rec.body.Bytes()); err != nil {
				report(err)
			}
		})
	}
}

// recorder passes a response through while keeping a copy of it.
type recorder struct {
	http.ResponseWriter
	status int
	header http.Header
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
		r.header = r.ResponseWriter.Header().Clone()
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	r.body.Write(p)
	// The error goes back unchanged: callers compare it to http's sentinels.
	return r.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
