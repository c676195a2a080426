package githubsim

import "net/http"

// table lists every operation the simulator serves, with GitHub's operationId.
func (s *Sim) table() []route {
	const (
		get, post, patch, put, del = http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete
		repo                       = "/repos/{owner}/{repo}"
	)
	read := func(pattern, op string, h func(*call) reply) route {
		return route{method: get, pattern: repo + pattern, op: op, auth: authRepo, need: PermRead, h: h}
	}
	write := func(method, pattern, op string, need Permission, h func(*call) reply) route {
		return route{method: method, pattern: repo + pattern, op: op, write: true, auth: authRepo, need: need, h: h}
	}
	return []route{
		{method: get, pattern: "/app", op: "apps/get-authenticated", auth: authApp, h: s.getApp},
		{method: get, pattern: "/app/installations", op: "apps/list-installations", auth: authApp, h: s.listInstallations},
		{method: get, pattern: "/app/installations/{installation_id}", op: "apps/get-installation", auth: authApp, h: s.getInstallation},
		{method: post, pattern: "/app/installations/{installation_id}/access_tokens", op: "apps/create-installation-access-token", write: true, auth: authApp, h: s.createAccessToken},
		{method: post, pattern: "/app-manifests/{code}/conversions", op: "apps/create-from-manifest", write: true, auth: authNone, h: s.createFromManifest},
		{method: get, pattern: "/app/hook/deliveries", op: "apps/list-webhook-deliveries", auth: authApp, h: s.listDeliveries},
		{method: get, pattern: "/app/hook/deliveries/{delivery_id}", op: "apps/get-webhook-delivery", auth: authApp, h: s.getDelivery},
		{method: post, pattern: "/app/hook/deliveries/{delivery_id}/attempts", op: "apps/redeliver-webhook-delivery", write: true, auth: authApp, h: s.redeliver},
		{method: get, pattern: "/installation/repositories", op: "apps/list-repos-accessible-to-installation", auth: authInstallation, h: s.installationRepos},
		{method: get, pattern: "/user", op: "users/get-authenticated", auth: authAny, h: s.getAuthenticatedUser},
		{method: get, pattern: "/rate_limit", op: "rate-limit/get", auth: authAny, h: s.rateLimit},
		{method: get, pattern: "/orgs/{org}/teams/{team_slug}/memberships/{username}", op: "teams/get-membership-for-user-in-org", auth: authAny, h: s.teamMembership},

		read("", "repos/get", s.getRepo),
		read("/git/ref/{ref...}", "git/get-ref", s.getRef),
		read("/git/matching-refs/{ref...}", "git/list-matching-refs", s.listMatchingRefs),
		write(post, "/git/refs", "git/create-ref", PermWrite, s.createRef),
		write(patch, "/git/refs/{ref...}", "git/update-ref", PermWrite, s.updateRef),
		write(del, "/git/refs/{ref...}", "git/delete-ref", PermWrite, s.deleteRef),
		read("/git/trees/{sha}", "git/get-tree", s.getTree),
		write(post, "/git/trees", "git/create-tree", PermWrite, s.createTree),
		read("/git/blobs/{sha}", "git/get-blob", s.getBlob),
		write(post, "/git/blobs", "git/create-blob", PermWrite, s.createBlob),
		read("/git/commits/{sha}", "git/get-commit", s.getGitCommit),
		write(post, "/git/commits", "git/create-commit", PermWrite, s.createGitCommit),
		read("/contents/{path...}", "repos/get-content", s.getContent),
		write(put, "/contents/{path...}", "repos/create-or-update-file-contents", PermWrite, s.putContent),
		read("/branches/{branch}", "repos/get-branch", s.getBranch),
		read("/branches/{branch}/protection", "repos/get-branch-protection", s.getProtection),
		read("/compare/{basehead...}", "repos/compare-commits-with-basehead", s.compare),
		read("/commits", "repos/list-commits", s.listCommits),
		read("/commits/{ref}", "repos/get-commit", s.getCommit),
		read("/commits/{commit_sha}/pulls", "repos/list-pull-requests-associated-with-commit", s.listCommitPulls),
		read("/tarball/{ref...}", "repos/download-tarball-archive", s.tarball),
		read("/collaborators/{username}/permission", "repos/get-collaborator-permission-level", s.collaboratorPermission),

		read("/pulls", "pulls/list", s.listPulls),
		write(post, "/pulls", "pulls/create", PermRead, s.createPull),
		read("/pulls/{number}", "pulls/get", s.getPull),
		write(patch, "/pulls/{number}", "pulls/update", PermWrite, s.updatePull),
		read("/pulls/{number}/files", "pulls/list-files", s.listPullFiles),
		read("/pulls/{number}/commits", "pulls/list-commits", s.listPullCommits),
		write(put, "/pulls/{number}/merge", "pulls/merge", PermWrite, s.mergePull),
		read("/pulls/{number}/reviews", "pulls/list-reviews", s.listReviews),
		write(post, "/pulls/{number}/reviews", "pulls/create-review", PermRead, s.createReview),

		read("/issues", "issues/list-for-repo", s.listIssues),
		write(post, "/issues", "issues/create", PermRead, s.createIssue),
		read("/issues/{number}", "issues/get", s.getIssue),
		write(patch, "/issues/{number}", "issues/update", PermTriage, s.updateIssue),
		write(put, "/issues/{number}/labels", "issues/set-labels", PermTriage, s.setLabels),
		read("/issues/{number}/events", "issues/list-events", s.listIssueEvents),
		read("/issues/{number}/comments", "issues/list-comments", s.listComments),
		write(post, "/issues/{number}/comments", "issues/create-comment", PermRead, s.createComment),
		read("/issues/comments/{comment_id}", "issues/get-comment", s.getComment),
		write(patch, "/issues/comments/{comment_id}", "issues/update-comment", PermRead, s.updateComment),
		read("/issues/comments/{comment_id}/reactions", "reactions/list-for-issue-comment", s.listReactions),
		write(post, "/issues/comments/{comment_id}/reactions", "reactions/create-for-issue-comment", PermRead, s.createReaction),
		read("/issues/{number}/labels", "issues/list-labels-on-issue", s.listLabelsHandler),
		write(post, "/issues/{number}/labels", "issues/add-labels", PermTriage, s.addLabelsHandler),
		write(del, "/issues/{number}/labels/{name}", "issues/remove-label", PermTriage, s.removeLabelHandler),

		write(post, "/check-runs", "checks/create", PermWrite, s.createCheckRun),
		read("/check-runs/{check_run_id}", "checks/get", s.getCheckRun),
		write(patch, "/check-runs/{check_run_id}", "checks/update", PermWrite, s.updateCheckRun),
		read("/check-runs/{check_run_id}/annotations", "checks/list-annotations", s.listAnnotations),
		write(post, "/check-runs/{check_run_id}/rerequest", "checks/rerequest-run", PermWrite, s.rerequestCheckRun),
		read("/commits/{ref}/check-runs", "checks/list-for-ref", s.listCheckRunsForRef),
		read("/commits/{ref}/check-suites", "checks/list-suites-for-ref", s.listSuitesForRef),
		write(post, "/statuses/{sha}", "repos/create-commit-status", PermWrite, s.createStatus),
		read("/commits/{ref}/status", "repos/get-combined-status-for-ref", s.combinedStatus),
		read("/commits/{ref}/statuses", "repos/list-commit-statuses-for-ref", s.listStatuses),

		read("/deployments", "repos/list-deployments", s.listDeployments),
		write(post, "/deployments", "repos/create-deployment", PermWrite, s.createDeployment),
		read("/deployments/{deployment_id}", "repos/get-deployment", s.getDeployment),
		read("/deployments/{deployment_id}/statuses", "repos/list-deployment-statuses", s.listDeploymentStatuses),
		write(post, "/deployments/{deployment_id}/statuses", "repos/create-deployment-status", PermWrite, s.createDeploymentStatus),
	}
}
