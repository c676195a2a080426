package contract

// SpecPackage is the pinned npm package the trimmed description comes from.
const SpecPackage = "@octokit/openapi@23.0.2"

// SpecFile is the description inside SpecPackage that the trim starts from.
const SpecFile = "generated/api.github.com.json"

// Operation is one REST operation by HTTP method and GitHub's path template.
// ID is GitHub's operationId; the trim checks it, so a renamed or moved
// operation in a newer description is noticed instead of silently dropped.
type Operation struct {
	Method string
	Path   string
	ID     string
}

// Operations lists every operation the simulator serves, grouped as GitHub's
// documentation groups them. The trimmed description holds exactly these.
var Operations = []Operation{
	// Apps and installations.
	{"GET", "/app", "apps/get-authenticated"},
	{"POST", "/app/installations/{installation_id}/access_tokens", "apps/create-installation-access-token"},
	{"GET", "/app/installations", "apps/list-installations"},
	{"GET", "/app/installations/{installation_id}", "apps/get-installation"},
	{"GET", "/installation/repositories", "apps/list-repos-accessible-to-installation"},
	{"GET", "/app/hook/deliveries", "apps/list-webhook-deliveries"},
	{"GET", "/app/hook/deliveries/{delivery_id}", "apps/get-webhook-delivery"},
	{"POST", "/app/hook/deliveries/{delivery_id}/attempts", "apps/redeliver-webhook-delivery"},
	{"GET", "/rate_limit", "rate-limit/get"},
	// The signed-in person of an OAuth user token (the board's sign-in).
	{"GET", "/user", "users/get-authenticated"},
	// The last step of registering an App from a manifest.
	{"POST", "/app-manifests/{code}/conversions", "apps/create-from-manifest"},

	// Repositories, branches, collaborators and teams.
	{"GET", "/repos/{owner}/{repo}", "repos/get"},
	{"GET", "/repos/{owner}/{repo}/branches/{branch}", "repos/get-branch"},
	{"GET", "/repos/{owner}/{repo}/branches/{branch}/protection", "repos/get-branch-protection"},
	{"GET", "/repos/{owner}/{repo}/collaborators/{username}/permission", "repos/get-collaborator-permission-level"},
	{"GET", "/orgs/{org}/teams/{team_slug}/memberships/{username}", "teams/get-membership-for-user-in-org"},

	// Git data.
	{"GET", "/repos/{owner}/{repo}/git/ref/{ref}", "git/get-ref"},
	{"GET", "/repos/{owner}/{repo}/git/matching-refs/{ref}", "git/list-matching-refs"},
	{"POST", "/repos/{owner}/{repo}/git/refs", "git/create-ref"},
	{"PATCH", "/repos/{owner}/{repo}/git/refs/{ref}", "git/update-ref"},
	{"DELETE", "/repos/{owner}/{repo}/git/refs/{ref}", "git/delete-ref"},
	{"GET", "/repos/{owner}/{repo}/git/trees/{tree_sha}", "git/get-tree"},
	{"POST", "/repos/{owner}/{repo}/git/trees", "git/create-tree"},
	{"GET", "/repos/{owner}/{repo}/git/blobs/{file_sha}", "git/get-blob"},
	{"POST", "/repos/{owner}/{repo}/git/blobs", "git/create-blob"},
	{"GET", "/repos/{owner}/{repo}/git/commits/{commit_sha}", "git/get-commit"},
	{"POST", "/repos/{owner}/{repo}/git/commits", "git/create-commit"},

	// Contents, commits and comparisons.
	{"GET", "/repos/{owner}/{repo}/contents/{path}", "repos/get-content"},
	{"PUT", "/repos/{owner}/{repo}/contents/{path}", "repos/create-or-update-file-contents"},
	{"GET", "/repos/{owner}/{repo}/compare/{basehead}", "repos/compare-commits-with-basehead"},
	{"GET", "/repos/{owner}/{repo}/commits", "repos/list-commits"},
	{"GET", "/repos/{owner}/{repo}/commits/{ref}", "repos/get-commit"},
	{"GET", "/repos/{owner}/{repo}/commits/{commit_sha}/pulls", "repos/list-pull-requests-associated-with-commit"},
	{"GET", "/repos/{owner}/{repo}/tarball/{ref}", "repos/download-tarball-archive"},

	// Pull requests and reviews.
	{"GET", "/repos/{owner}/{repo}/pulls", "pulls/list"},
	{"POST", "/repos/{owner}/{repo}/pulls", "pulls/create"},
	{"GET", "/repos/{owner}/{repo}/pulls/{pull_number}", "pulls/get"},
	{"PATCH", "/repos/{owner}/{repo}/pulls/{pull_number}", "pulls/update"},
	{"GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files", "pulls/list-files"},
	{"GET", "/repos/{owner}/{repo}/pulls/{pull_number}/commits", "pulls/list-commits"},
	{"PUT", "/repos/{owner}/{repo}/pulls/{pull_number}/merge", "pulls/merge"},
	{"GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", "pulls/list-reviews"},
	{"POST", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", "pulls/create-review"},

	// Issues, comments, labels and reactions.
	{"GET", "/repos/{owner}/{repo}/issues", "issues/list-for-repo"},
	{"POST", "/repos/{owner}/{repo}/issues", "issues/create"},
	{"GET", "/repos/{owner}/{repo}/issues/{issue_number}", "issues/get"},
	{"PATCH", "/repos/{owner}/{repo}/issues/{issue_number}", "issues/update"},
	{"GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments", "issues/list-comments"},
	{"POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", "issues/create-comment"},
	{"GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "issues/get-comment"},
	{"PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "issues/update-comment"},
	{"GET", "/repos/{owner}/{repo}/issues/{issue_number}/events", "issues/list-events"},
	{"GET", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "issues/list-labels-on-issue"},
	{"POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "issues/add-labels"},
	{"PUT", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "issues/set-labels"},
	{"DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}", "issues/remove-label"},
	{"GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", "reactions/list-for-issue-comment"},
	{"POST", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", "reactions/create-for-issue-comment"},

	// Checks and commit statuses.
	{"POST", "/repos/{owner}/{repo}/check-runs", "checks/create"},
	{"GET", "/repos/{owner}/{repo}/check-runs/{check_run_id}", "checks/get"},
	{"PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}", "checks/update"},
	{"GET", "/repos/{owner}/{repo}/check-runs/{check_run_id}/annotations", "checks/list-annotations"},
	{"POST", "/repos/{owner}/{repo}/check-runs/{check_run_id}/rerequest", "checks/rerequest-run"},
	{"GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs", "checks/list-for-ref"},
	{"GET", "/repos/{owner}/{repo}/commits/{ref}/check-suites", "checks/list-suites-for-ref"},
	{"POST", "/repos/{owner}/{repo}/statuses/{sha}", "repos/create-commit-status"},
	{"GET", "/repos/{owner}/{repo}/commits/{ref}/status", "repos/get-combined-status-for-ref"},
	{"GET", "/repos/{owner}/{repo}/commits/{ref}/statuses", "repos/list-commit-statuses-for-ref"},

	// Deployments.
	{"GET", "/repos/{owner}/{repo}/deployments", "repos/list-deployments"},
	{"POST", "/repos/{owner}/{repo}/deployments", "repos/create-deployment"},
	{"GET", "/repos/{owner}/{repo}/deployments/{deployment_id}", "repos/get-deployment"},
	{"GET", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses", "repos/list-deployment-statuses"},
	{"POST", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses", "repos/create-deployment-status"},
}
