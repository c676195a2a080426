package sandbox

import (
	"context"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/semver"
	"github.com/stagehand-gitops/stagehand/internal/verify"
	"github.com/stagehand-gitops/stagehand/internal/verify/verifytest"
)

// keyFile is where the epilogue commits the signing key's public half.
const keyFile = "keys/cosign.pub"

// Trusted is what the trusted-images epilogue did.
type Trusted struct {
	// Unsigned is the tag Stagehand refused, and Reason why.
	Unsigned, Reason string
	// Signed is the tag it promoted, in PR.
	Signed string
	PR     githubsim.PullRequest
	// signer is the team's key, which later chapters sign with.
	signer *verifytest.Signer
}

// checker verifies signatures in the in-process registry, reached under
// the name the policy gives it.
func (s *Sandbox) checker() *verify.Checker {
	return &verify.Checker{Remote: []remote.Option{remote.WithTransport(s.reg.transport())}, Names: []name.Option{name.Insecure}}
}

// playTrusted is the story's epilogue: the platform team requires a
// cosign signature in the first environment; CI pushes an unsigned tag,
// which Stagehand refuses with the reason, then a tag signed with the
// team's key, which it promotes. It returns nil and says so when the
// release's tags do not suit (a prerelease channel).
func (s *Sandbox) playTrusted(ctx context.Context, t *timeline, sc Script, timeout time.Duration) (*Trusted, error) {
	first := sc.Steps[0]
	env := first.Env.Name
	unsigned, signed, ok := nextTags(first.Tag)
	if !ok {
		t.say("story", "trusted images: skipped, %s is not a plain release tag", first.Tag)
		return nil, nil
	}
	signer, err := verifytest.NewKey()
	if err != nil {
		return nil, err
	}
	if err := s.requireSignatures(ctx, t, env, signer.PublicPEM()); err != nil {
		return nil, err
	}
	res := &Trusted{Unsigned: unsigned, Signed: signed, signer: signer}
	seen := len(s.Decisions())
	if err := s.push(ctx, t, sc, unsigned); err != nil {
		return nil, err
	}
	d, err := poll(ctx, timeout, nil, func() (Decision, bool) {
		ds := s.Decisions()
		for _, d := range ds[min(seen, len(ds)):] {
			if d.App == sc.App && d.Env == env && strings.HasPrefix(d.What, "skipped") {
				return d, true
			}
		}
		return Decision{}, false
	})
	if err != nil {
		return nil, fmt.Errorf("Stagehand did not refuse the unsigned %s: %w", unsigned, err)
	}
	res.Reason = strings.TrimPrefix(d.What, "skipped: ")
	t.say("stagehand", "%s/%s: refused %s: %s", sc.App, env, unsigned, res.Reason)
	if err := s.pushSigned(ctx, t, sc, signed, signer); err != nil {
		return nil, err
	}
	st := Step{Env: first.Env, Push: signed, Tag: signed}
	if res.PR, err = s.waitPR(ctx, t, sc, st, len(s.Decisions()), timeout); err != nil {
		return nil, fmt.Errorf("no pull request brought the signed %s to %s: %w", signed, env, err)
	}
	t.say("github", "PR #%d opened by Stagehand: %q %s", res.PR.Number, res.PR.Title, s.prURL(res.PR.Number))
	for _, line := range strings.Split(res.PR.Body, "\n") {
		if strings.HasPrefix(line, "Signature:") {
			t.say("github", "PR #%d says: %s", res.PR.Number, line)
		}
	}
	if first.Env.AutoMerge {
		if res.PR, err = s.waitMerged(ctx, res.PR.Number, timeout); err != nil {
			return nil, err
		}
		t.say("github", "PR #%d merged by Stagehand (autoMerge: checks green)", res.PR.Number)
	}
	return res, nil
}

// nextTags are the next minor release after tag and its first patch:
// v1.4.0 → v1.5.0 and v1.5.1.
func nextTags(tag string) (string, string, bool) {
	v, err := semver.NewVersion(tag)
	if err != nil || v.Prerelease() != "" || v.Metadata() != "" {
		return "", "", false
	}
	prefix := ""
	if strings.HasPrefix(tag, "v") {
		prefix = "v"
	}
	return fmt.Sprintf("%s%d.%d.0", prefix, v.Major(), v.Minor()+1), fmt.Sprintf("%s%d.%d.1", prefix, v.Major(), v.Minor()+1), true
}

// requireSignatures commits, as the platform team, the public key and a
// verify: block on env, and waits until Stagehand has taken the push.
func (s *Sandbox) requireSignatures(ctx context.Context, t *timeline, env string, pub []byte) error {
	tree, err := s.Forge().SnapshotBranch(ctx, s.repo, "main")
	if err != nil {
		return fmt.Errorf("read %s: %w", s.repo, err)
	}
	text, err := fs.ReadFile(tree, policy.FileName)
	if err != nil {
		return fmt.Errorf("read the policy: %w", err)
	}
	re := regexp.MustCompile(`(?m)^(\s*)- name: ` + regexp.QuoteMeta(env) + `[ \t]*(#.*)?$`)
	loc := re.FindSubmatchIndex(text)
	if loc == nil {
		return fmt.Errorf("the policy has no line '- name: %s' to add verify: under", env)
	}
	indent := string(text[loc[2]:loc[3]]) + "  "
	edited := string(text[:loc[1]]) + "\n" + indent + "verify: {key: " + keyFile + "}   # only images signed with this key" + string(text[loc[1]:])
	if _, err := s.sim.Push(promoter, s.repo.String(), "main", "Require signed images in "+env,
		map[string]string{policy.FileName: edited, keyFile: string(pub)}); err != nil {
		return fmt.Errorf("commit the verify: policy: %w", err)
	}
	t.say("github", "%s committed %s and verify: {key: %s} on %s to main", promoter, keyFile, keyFile, env)
	select {
	case <-s.quiet(ctx, 500*time.Millisecond):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// pushSigned signs the image for tag before it exists under the tag, as
// a careful CI job does (cosign signs the digest; the signature is
// stored under sha256-<hex>.sig), then pushes the tag.
func (s *Sandbox) pushSigned(ctx context.Context, t *timeline, sc Script, tag string, signer *verifytest.Signer) error {
	before := len(s.RegistryWebhooks())
	if err := s.sign(ctx, t, sc, tag, signer); err != nil {
		return err
	}
	// The signature's own notification is answered (and its tag is no
	// version) before the image is pushed.
	if _, err := poll(ctx, 10*time.Second, nil, func() (struct{}, bool) { return struct{}{}, len(s.RegistryWebhooks()) > before }); err != nil {
		return fmt.Errorf("no registry notification for the signature: %w", err)
	}
	select {
	case <-s.quiet(ctx, 500*time.Millisecond):
	case <-ctx.Done():
		return ctx.Err()
	}
	return s.push(ctx, t, sc, tag)
}

// sign signs the demo image for tag with signer, by digest, before the
// tag exists.
func (s *Sandbox) sign(ctx context.Context, t *timeline, sc Script, tag string, signer *verifytest.Signer) error {
	img, err := demoImage(sc.Repository, tag)
	if err != nil {
		return err
	}
	d, err := img.Digest()
	if err != nil {
		return err
	}
	ref, err := name.NewDigest(s.reg.addr+"/"+sc.Repository+"@"+d.String(), name.Insecure)
	if err != nil {
		return err
	}
	if err := signer.Sign(ref, verifytest.Tag, remote.WithContext(ctx)); err != nil {
		return fmt.Errorf("sign %s: %w", ref, err)
	}
	t.say("registry", "signed %s@%s with the team's key (cosign's tag %s)", sc.Image, shortDigest(d.String()), strings.Replace(d.String(), ":", "-", 1)[:19]+"….sig")
	return nil
}
