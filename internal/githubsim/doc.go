// Package githubsim is a simulated GitHub for tests and the sandbox demo.
//
// It serves GitHub's REST paths with GitHub's payload shapes and status codes, so
// go-github and ghinstallation work against it unchanged. Every exchange is checked
// against GitHub's published OpenAPI description (package contract); a violation fails
// the test given in Options.T and is kept in Violations.
//
// # Base URL
//
// The API is served both at the server root and under /api/v3/. Use either
//
//	github.NewClient(nil).WithAuthToken(tok).WithEnterpriseURLs(sim.URL(), sim.URL())
//
// (go-github appends /api/v3/; APIURL returns that form) or a client whose BaseURL is
// sim.URL()+"/". For ghinstallation set Transport.BaseURL to sim.URL()+"/api/v3".
//
// # State
//
// Repositories hold real git objects: blobs, trees and commits are hashed exactly as git
// hashes them, a repository can be seeded from an fs.FS (SeedFS) or a git repository
// (SeedGit), and exported as a bare repository that passes git fsck --strict (Export).
// Users get personal tokens (AddUser, Token) and per-repository permissions
// (RepoOptions.Collaborators, SetPermission); the App has a key (AppKey), JWTs are
// verified (RS256, iss, iat, exp) and installation tokens minted. Branch protection
// (Protect) requires status checks, optionally from the App, and approving reviews.
//
// # Webhooks
//
// Every state change sends the App's webhook (push, pull_request, issue_comment,
// pull_request_review, check_suite, check_run, status, deployment, deployment_status,
// installation, issues, registry_package), signed with X-Hub-Signature-256, from one
// goroutine in order. Flush waits for queued deliveries; Settle waits until the system
// under test has stopped reacting. The delivery log (Deliveries, and the
// /app/hook/deliveries API) keeps failed attempts; redelivery works.
//
// # Registering an App
//
// The App-manifest flow works as on GitHub: a form posting a manifest to
// /settings/apps/new (or /organizations/ORG/settings/apps/new) gets a confirmation
// page; confirming redirects to the manifest's redirect_url with a one-time code and
// the state; POST /app-manifests/{code}/conversions answers, once, with the simulated
// App's ID and key and the webhook secret.
//
// # People
//
// Person-actions (Push, OpenPR, Comment, Review, Merge, AddLabel, SetStatus,
// CreateDeployment, SetDeploymentStatus, RerequestCheckRun, PublishContainer, ...) go
// through the same state machine as the API and send the same webhooks.
//
// # Measuring and breaking it
//
// Calls counts calls by GitHub operationId and by read or write, with an ordered log.
// SetFaults injects latency, 5xx, secondary and primary rate limits, replication lag,
// ref conflicts and races, and failed or dropped webhook deliveries. GETs carry ETag and
// Last-Modified; If-None-Match answers 304, which does not count against the rate limit.
package githubsim
