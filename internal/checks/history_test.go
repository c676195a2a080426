package checks

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/promote"
)

// TestSoakCompletes follows one staging pull request through time: in
// progress while dev's soak runs, with the time left and the due time,
// then success once the clock passes the soak.
func TestSoakCompletes(t *testing.T) {
	base := artifactBase()
	head := clone(base)
	setTag(head, "staging", "v1.3.0")
	in := Input{Base: base, Head: head, History: artifactHistory()}
	for _, tt := range []struct {
		at    time.Duration
		state string
		due   time.Time
	}{
		{0, "stagehand/staging=in_progress", now.Add(30 * time.Minute)},
		{29 * time.Minute, "stagehand/staging=in_progress", now.Add(30 * time.Minute)},
		{30 * time.Minute, "stagehand/staging=success", time.Time{}},
		{2 * time.Hour, "stagehand/staging=success", time.Time{}},
	} {
		in.Now = now.Add(tt.at)
		rep, err := Evaluate(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := states(rep); !slices.Equal(got, []string{tt.state}) {
			t.Errorf("at +%s: checks = %v, want %s", tt.at, got, tt.state)
		}
		if got := rep.Verdicts[0].Due; !got.Equal(tt.due) {
			t.Errorf("at +%s: due = %s, want %s", tt.at, got, tt.due)
		}
		if rep.Pending() != (tt.state == "stagehand/staging=in_progress") {
			t.Errorf("at +%s: Pending() = %t", tt.at, rep.Pending())
		}
	}
}

func TestQueries(t *testing.T) {
	channelBase := repo(channelPolicy, map[string]string{"development": "v1.2.5-dev", "staging": "v1.2.4-rc2", "production": "v1.2.3"})
	tests := []struct {
		name string
		base fstest.MapFS
		tags map[string]string
		want []Query
	}{
		{"artifact", artifactBase(), map[string]string{"production": "v1.2.0", "staging": "v1.3.0"}, []Query{
			{App: "web", Image: image, Env: "dev", Version: promote.Version{Tag: "v1.3.0"}},
			{App: "web", Image: image, Env: "staging", Version: promote.Version{Tag: "v1.2.0"}},
		}},
		{"first environment asks nothing", artifactBase(), map[string]string{"dev": "v1.4.0"}, nil},
		{"channel asks by version", channelBase, map[string]string{"production": "v1.2.4"}, []Query{
			{App: "web", Image: image, Env: "staging", Release: "1.2.4"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head := clone(tt.base)
			for dir, tag := range tt.tags {
				setTag(head, dir, tag)
			}
			got, err := Queries(Input{Base: tt.base, Head: head, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Queries = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestEntered(t *testing.T) {
	at := func(h int) time.Time { return now.Add(-time.Duration(h) * time.Hour) }
	rev := func(h int, policy string, dir, tag string) Revision {
		m := repo(policy, map[string]string{dir: tag})
		return Revision{SHA: fmt.Sprintf("c%d", h), When: at(h), Tree: m}
	}
	base := artifactBase()
	// Newest first: staging ran v1.2.0 from 5h ago, v1.1.9 before, and
	// v1.2.0 once before that.
	revs := []Revision{
		rev(1, artifactPolicy, "staging", "v1.2.0"),
		rev(5, artifactPolicy, "staging", "v1.2.0"),
		rev(8, artifactPolicy, "staging", "v1.1.9"),
		rev(9, artifactPolicy, "staging", "v1.2.0"),
	}
	channelBase := repo(channelPolicy, map[string]string{"staging": "v1.2.4-rc2"})
	channelRevs := []Revision{
		rev(1, channelPolicy, "staging", "v1.2.4-rc2"),
		rev(3, channelPolicy, "staging", "v1.2.4-rc1"),
		rev(6, channelPolicy, "staging", "v1.2.3-rc1"),
	}
	tests := []struct {
		name string
		base fstest.MapFS
		revs []Revision
		q    Query
		want time.Time
	}{
		{"latest stretch", base, revs, Query{App: "web", Image: image, Env: "staging", Version: promote.Version{Tag: "v1.2.0"}}, at(5)},
		{"ran before", base, revs, Query{App: "web", Image: image, Env: "staging", Version: promote.Version{Tag: "v1.1.9"}}, at(8)},
		{"never ran", base, revs, Query{App: "web", Image: image, Env: "staging", Version: promote.Version{Tag: "v1.3.0"}}, time.Time{}},
		{"other digest", base, revs, Query{App: "web", Image: image, Env: "staging", Version: promote.Version{Tag: "v1.2.0", Digest: "sha256:00"}}, at(5)},
		{"version across candidates", channelBase, channelRevs, Query{App: "web", Image: image, Env: "staging", Release: "1.2.4"}, at(3)},
		{"old version", channelBase, channelRevs, Query{App: "web", Image: image, Env: "staging", Release: "1.2.3"}, at(6)},
		{"no history", base, nil, Query{App: "web", Image: image, Env: "staging", Version: promote.Version{Tag: "v1.2.0"}}, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ran, err := Entered(tt.base, tt.q, tt.revs)
			if err != nil {
				t.Fatal(err)
			}
			if ran != !tt.want.IsZero() || !got.When.Equal(tt.want) {
				t.Errorf("Entered = %s (ran %v), want %s", got.When, ran, tt.want)
			}
		})
	}
}

func TestPaths(t *testing.T) {
	got, err := Paths(artifactBase(), Query{App: "web", Image: image, Env: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"apps/web/overlays/production"}; !slices.Equal(got, want) {
		t.Errorf("Paths = %v, want %v", got, want)
	}
}

// TestMergeBase: a branch that is behind its base is judged on what it
// changes since it branched, not on what the base changed since.
func TestMergeBase(t *testing.T) {
	mergeBase := artifactBase()
	base := clone(mergeBase)
	setTag(base, "staging", "v1.3.0") // merged after the branch was cut
	head := clone(mergeBase)
	setTag(head, "production", "v1.2.0")
	in := Input{Base: base, Head: head, Now: now, History: artifactHistory()}
	rep, err := Evaluate(in)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := states(rep), []string{"stagehand/staging=failure", "stagehand/prod=success"}; !slices.Equal(got, want) {
		t.Errorf("without the merge base: checks = %v, want %v (the base's change reads as a downgrade)", got, want)
	}
	in.MergeBase = mergeBase
	rep, err = Evaluate(in)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := states(rep), []string{"stagehand/prod=success"}; !slices.Equal(got, want) {
		t.Errorf("with the merge base: checks = %v, want %v", got, want)
	}
}

// TestChangedGiven: the list of changed files the forge gives is used as
// it is, and agrees with comparing the trees.
func TestChangedGiven(t *testing.T) {
	base := artifactBase()
	head := clone(base)
	setTag(head, "production", "v1.2.0")
	head["README.md"] = &fstest.MapFile{Data: []byte("changed\n")}
	got, err := ChangedFiles(base, head)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"README.md", overlayFile("production")}
	if !slices.Equal(got, want) {
		t.Fatalf("ChangedFiles = %v, want %v", got, want)
	}
	in := Input{Base: base, Head: head, Now: now, History: artifactHistory()}
	compared, err := Evaluate(in)
	if err != nil {
		t.Fatal(err)
	}
	in.Changed = []string{overlayFile("production"), "README.md"}
	given, err := Evaluate(in)
	if err != nil {
		t.Fatal(err)
	}
	if dump(compared) != dump(given) {
		t.Errorf("verdicts differ:\n%s\n---\n%s", dump(compared), dump(given))
	}
	in.Changed = []string{"README.md"}
	if rep, _ := Evaluate(in); !slices.Equal(states(rep), []string{"stagehand=neutral"}) {
		t.Errorf("with only README.md changed: %v", states(rep))
	}
}

func TestSameArtifact(t *testing.T) {
	const d1, d2 = "sha256:1111", "sha256:2222"
	v := func(tag, digest string) promote.Version { return promote.Version{Tag: tag, Digest: digest} }
	tests := []struct {
		a, b promote.Version
		want bool
	}{
		{v("v1", ""), v("v1", ""), true},
		{v("v1", d1), v("v1", ""), true},
		{v("v1", ""), v("v1", d1), true},
		{v("v1", d1), v("v1", d1), true},
		{v("v1", d1), v("v1", d2), false},
		{v("v1", ""), v("v2", ""), false},
		{v("", d1), v("v1", d1), true},
		{v("", d1), v("", d2), false},
		{v("", d1), v("v1", ""), false},
		{v("", ""), v("", ""), false},
	}
	for _, tt := range tests {
		if got := sameArtifact(tt.a, tt.b); got != tt.want {
			t.Errorf("sameArtifact(%s, %s) = %t, want %t", tt.a, tt.b, got, tt.want)
		}
	}
}

// readLog is a file system that records which files were read.
type readLog struct {
	fstest.MapFS
	read map[string]bool
}

func (r readLog) Open(name string) (fs.File, error) {
	r.read[name] = true
	return r.MapFS.Open(name)
}

func (r readLog) ReadFile(name string) ([]byte, error) {
	r.read[name] = true
	return r.MapFS.ReadFile(name)
}

// TestReadsOnlyWhatItBuilds: with the changed files given (as the forge
// lists them), a check reads the overlays it builds and what they
// reference, never the rest of the repository — on a snapshot of a large
// repository every file read is an API call.
func TestReadsOnlyWhatItBuilds(t *testing.T) {
	base := artifactBase()
	for i := range 20 {
		base[fmt.Sprintf("infrastructure/monitoring/rule%02d.yaml", i)] = &fstest.MapFile{Data: []byte("kind: ConfigMap\n")}
	}
	head := clone(base)
	setTag(head, "production", "v1.2.0")
	log := readLog{MapFS: head, read: map[string]bool{}}
	rep, err := Evaluate(Input{Base: base, Head: log, Now: now, History: artifactHistory(), Changed: []string{overlayFile("production")}})
	if err != nil {
		t.Fatal(err)
	}
	if got := states(rep); !slices.Equal(got, []string{"stagehand/prod=success"}) {
		t.Fatalf("checks = %v", got)
	}
	for name := range log.read {
		if strings.HasPrefix(name, "infrastructure/") {
			t.Errorf("read %s, which no overlay references", name)
		}
	}
	if !log.read[baseDir+"/deployment.yaml"] {
		t.Errorf("the base the overlay builds on was not read: %v", log.read)
	}
}

// TestGather: the shell is asked for the previous environment's overlay
// paths, its revisions say which commit began the stretch, and the
// arrival it reports for that commit (GitHub's merge time) is the answer,
// whatever date the commit itself carries.
func TestGather(t *testing.T) {
	base := artifactBase()
	head := clone(base)
	setTag(head, "production", "v1.2.0")
	var asked [][]string
	var arrivals []string
	forged := now.Add(-30 * 24 * time.Hour) // a committer date set a month back
	h, err := Gather(Input{Base: base, Head: head, Now: now}, func(paths []string) ([]Revision, error) {
		asked = append(asked, paths)
		return []Revision{
			{SHA: "b2", When: forged, Tree: repo(artifactPolicy, map[string]string{"staging": "v1.2.0"})},
			{SHA: "a1", When: forged.Add(-time.Hour), Tree: repo(artifactPolicy, map[string]string{"staging": "v1.1.0"})},
		}, nil
	}, func(rev Revision, health bool) (Entry, error) {
		arrivals = append(arrivals, fmt.Sprintf("%s health=%v", rev.SHA, health))
		return Entry{Commit: "m3", Since: now.Add(-time.Hour)}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(asked) != 1 || !slices.Equal(asked[0], []string{"apps/web/overlays/staging"}) {
		t.Errorf("asked for %v, want the staging overlay once", asked)
	}
	if !slices.Equal(arrivals, []string{"b2 health=false"}) {
		t.Errorf("arrivals asked %v, want b2's without health", arrivals)
	}
	q := Query{App: "web", Image: image, Env: "staging", Version: promote.Version{Tag: "v1.2.0"}}
	if got := h[q]; got != (Entry{Commit: "m3", Since: now.Add(-time.Hour)}) || len(h) != 1 {
		t.Errorf("History = %v, want %s entered an hour ago by m3", h, q.Version)
	}
	// The forged date does not meet prod's 2h soak: an hour has passed.
	rep, err := Evaluate(Input{Base: base, Head: head, Now: now, History: h})
	if err != nil {
		t.Fatal(err)
	}
	if got := states(rep); !slices.Equal(got, []string{"stagehand/prod=in_progress"}) {
		t.Errorf("checks = %v, want prod waiting for its soak", got)
	}
}

// TestUntouched: every environment the pull request leaves alone gets a
// neutral check, so a required stagehand/prod never waits on a dev change.
func TestUntouched(t *testing.T) {
	base := artifactBase()
	head := clone(base)
	setTag(head, "dev", "v1.4.0")
	rep, err := Evaluate(Input{Base: base, Head: head, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range rep.Untouched {
		got = append(got, v.Name+"="+string(v.Status)+"/"+string(v.Conclusion))
	}
	if want := []string{"stagehand/staging=completed/neutral", "stagehand/prod=completed/neutral"}; !slices.Equal(got, want) {
		t.Errorf("Untouched = %v, want %v", got, want)
	}
	if s := rep.Untouched[1].Summary; s != "**stagehand/prod**: No change to prod\n\nThis pull request changes none of prod's overlays.\n" {
		t.Errorf("summary = %q", s)
	}
	if got := states(rep); !slices.Equal(got, []string{"stagehand/dev=success"}) {
		t.Errorf("checks = %v", got)
	}
}
