package registry

import (
	"errors"
	"fmt"
	"net/http"
)

// Receive handles one request for POST /webhooks/registry/{source}: it
// looks the source up, authenticates the request, then parses the body. The
// order matters: nothing of an unauthenticated body is read. Map its error
// to a response with StatusCode.
func (c *Credentials) Receive(source string, r *http.Request, body []byte) ([]ImagePushed, error) {
	s, ok := LookupSource(source)
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownSource, source)
	}
	if err := c.Verify(source, r, body); err != nil {
		return nil, err
	}
	return s.Parse(r.Header, body)
}

// StatusCode is the HTTP status the server answers for an error of Receive:
// 404 for an unknown source, 401 when unauthenticated, 400 for a payload
// that cannot be understood (with PayloadError.Reason as the body), 202 when
// there is no error, and 500 otherwise.
func StatusCode(err error) int {
	var pe *PayloadError
	switch {
	case err == nil:
		return http.StatusAccepted
	case errors.Is(err, ErrUnknownSource):
		return http.StatusNotFound
	case errors.Is(err, ErrUnauthenticated):
		return http.StatusUnauthorized
	case errors.As(err, &pe):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}
