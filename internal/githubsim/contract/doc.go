// Package contract holds the simulated GitHub to GitHub's published REST API
// description, npm SpecPackage.
//
// Operations lists what the simulator serves. testdata/api.github.com.json is
// the description trimmed to those operations and the components they use
// (examples and vendor extensions stripped), so it loads in well under a
// second, where the full description takes seconds and hundreds of MB. The
// gen command writes it, and `make openapi` runs gen on the pinned package;
// TestDescriptionMatchesOperations fails when the two drift apart.
//
// Load parses the embedded file once per process. Validator.Validate checks
// one request and its response and returns every violation as an *Error
// naming the operation, the side, the place (body and JSON pointer, a
// parameter, a header, the status) and the reason. Middleware does the same
// for every exchange through an http.Handler.
//
// Routing is done here rather than by kin-openapi's routers, because GitHub
// marks parameters such as {ref}, {path}, {basehead} and {branch}
// x-multi-segment: "git/ref/heads/feature/x" and "contents/a/b.yaml" arrive
// unescaped.
//
// Where GitHub and its description disagree, GitHub's documented behaviour
// wins, each case with a test: overlapping oneOf alternatives are checked as
// anyOf; custom media types (raw, diff, patch) asked for in Accept carry no
// schema; label bodies the prose allows; a JSON null body counts as none;
// 304 may answer any GET; undocumented errors must still be basic-error
// with a message.
package contract
