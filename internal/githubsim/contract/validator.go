package contract

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

//go:embed testdata/api.github.com.json
var trimmedSpec []byte

// Validator checks requests and responses against the trimmed description.
// It is safe for concurrent use.
type Validator struct {
	doc       *openapi3.T
	routes    []*route
	prefix    string
	options   *openapi3filter.Options
	errSchema *openapi3.Schema
}

var (
	loadOnce   sync.Once
	loaded     *Validator
	errLoading error
)

// Load returns the validator for the embedded description. The description
// is parsed once per process; every call returns the same validator.
func Load() (*Validator, error) {
	loadOnce.Do(func() { loaded, errLoading = load(trimmedSpec, Operations) })
	return loaded, errLoading
}

// load parses data and compiles a route for each of ops. Examples are never
// validated: the trim strips them, and GitHub's own are partly invalid.
func load(data []byte, ops []Operation) (*Validator, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("load GitHub description: %w", err)
	}
	v := &Validator{doc: doc, options: &openapi3filter.Options{
		// Authentication is the simulator's job, not the description's.
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		// GitHub ignores a body where an operation takes none, so sending one
		// is a client mistake worth catching.
		RejectWhenRequestBodyNotSpecified: true,
		MultiError:                        true,
		SkipSettingDefaults:               true,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{
			openapi3.DisableSchemaErrorDetails(),
		},
	}}
	if ref := doc.Components.Schemas["basic-error"]; ref != nil && ref.Value != nil {
		// GitHub's error bodies always carry a message, though the schema
		// leaves every field optional.
		s := *ref.Value
		s.Required = append([]string{"message"}, s.Required...)
		v.errSchema = &s
	}
	for _, op := range ops {
		r, err := newRoute(doc, op)
		if err != nil {
			return nil, fmt.Errorf("load GitHub description: %w", err)
		}
		v.routes = append(v.routes, r)
	}
	relaxOneOf(v.routes)
	addProseBodies(v.routes)
	return v, nil
}

// WithPrefix returns a validator for a server that serves the API under
// prefix, as GitHub Enterprise serves it under "/api/v3". It shares the
// parsed description with v.
func (v *Validator) WithPrefix(prefix string) *Validator {
	c := *v
	c.prefix = strings.TrimSuffix(prefix, "/")
	return &c
}

// Validate checks one exchange: req with its body reqBody, answered with
// status, respHeader and respBody. It returns nil when both sides follow the
// description, and otherwise every violation as *Error values, joined.
func (v *Validator) Validate(req *http.Request, reqBody []byte, status int, respHeader http.Header, respBody []byte) error {
	r, params, err := v.route(req)
	if err != nil {
		return errors.Join(err)
	}
	if bytes.Equal(bytes.TrimSpace(reqBody), []byte("null")) {
		// GitHub reads a JSON null as no body; ghinstallation sends one
		// when asking for an installation token without options.
		reqBody = nil
	}
	ctx := req.Context()
	in := &openapi3filter.RequestValidationInput{
		Request:    requestCopy(ctx, req, reqBody),
		PathParams: params,
		Route:      r.kin,
		Options:    v.options,
	}
	var errs []error
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		errs = append(errs, convert(r, req, PartRequest, err)...)
	}
	errs = append(errs, v.validateResponse(ctx, r, req, in, status, respHeader, respBody)...)
	sortErrors(errs)
	return errors.Join(errs...)
}

// route finds the operation req is for.
func (v *Validator) route(req *http.Request) (*route, map[string]string, error) {
	path := req.URL.EscapedPath()
	fail := func(reason string) error {
		return &Error{Method: req.Method, URL: path, Part: PartRoute, Reason: reason, Err: ErrNotInContract}
	}
	rest, ok := strings.CutPrefix(path, v.prefix)
	if !ok || !strings.HasPrefix(rest, "/") {
		return nil, nil, fail(fmt.Sprintf("path is not under the API prefix %q", v.prefix))
	}
	pieces, err := splitPath(rest)
	if err != nil {
		return nil, nil, fail(err.Error())
	}
	method := req.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	r, params, allowed := find(v.routes, method, pieces)
	if r == nil {
		if len(allowed) > 0 {
			return nil, nil, fail(fmt.Sprintf("method %s not in contract for this path (contract has %s)", req.Method, strings.Join(allowed, ", ")))
		}
		return nil, nil, fail("operation not in contract")
	}
	return r, params, nil
}

// validateResponse checks the response side, including what kin-openapi
// lets pass: bodies on 204 and 304, undocumented success codes, and the
// shape of undocumented errors, which GitHub always answers as basic-error.
func (v *Validator) validateResponse(ctx context.Context, r *route, req *http.Request, in *openapi3filter.RequestValidationInput,
	status int, header http.Header, body []byte) []error {
	fail := func(reason string) []error {
		return []error{&Error{Method: req.Method, URL: req.URL.EscapedPath(), Operation: r.op.ID, Part: PartResponse, Where: "status " + strconv.Itoa(status), Reason: reason}}
	}
	if (status == http.StatusNoContent || status == http.StatusNotModified) && len(body) > 0 {
		return fail("must not have a body")
	}
	if status == http.StatusNotModified {
		// Any conditional GET may be answered 304, documented or not.
		return nil
	}
	if req.Method == http.MethodHead {
		return nil
	}
	header = header.Clone()
	if header == nil {
		header = http.Header{}
	}
	if header.Get("Content-Type") == "" && len(body) > 0 {
		header.Set("Content-Type", "application/json")
	}
	custom, reason := customBody(r.op.ID, req, header)
	if reason != "" {
		return []error{&Error{Method: req.Method, URL: req.URL.EscapedPath(), Operation: r.op.ID, Part: PartResponse,
			Where: "header Content-Type", Reason: reason}}
	}
	responses := r.kin.Operation.Responses
	if responses.Status(status) == nil && responses.Default() == nil {
		if status < 400 {
			return fail("status not documented for this operation")
		}
		return v.validateError(r, req, status, header, body)
	}
	if custom {
		return nil // raw bytes, a diff or a patch: no schema to check
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                v.options,
	}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return convert(r, req, PartResponse, err)
	}
	return nil
}

// validateError checks an error status the operation does not document
// (401, 403 for rate limits, 5xx): GitHub still answers with basic-error.
func (v *Validator) validateError(r *route, req *http.Request, status int, header http.Header, body []byte) []error {
	if v.errSchema == nil || status >= 500 && len(body) == 0 {
		return nil
	}
	where := "status " + strconv.Itoa(status)
	value, err := decodeJSON(header, body)
	if err == nil {
		err = v.errSchema.VisitJSON(value, openapi3.MultiErrors(), openapi3.VisitAsResponse(), openapi3.DisableSchemaErrorDetails())
	}
	if err == nil {
		return nil
	}
	return convert(r, req, PartResponse, &bodyError{where: where + " body (basic-error)", err: err})
}

// requestCopy gives kin-openapi its own request with the buffered body.
// GitHub accepts JSON without a Content-Type, so a body without one is JSON.
func requestCopy(ctx context.Context, req *http.Request, body []byte) *http.Request {
	c := req.Clone(ctx)
	c.Body = io.NopCloser(bytes.NewReader(body))
	c.ContentLength = int64(len(body))
	if len(body) > 0 && c.Header.Get("Content-Type") == "" {
		c.Header.Set("Content-Type", "application/json")
	}
	return c
}
