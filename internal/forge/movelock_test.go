package forge

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
)

// TestSupersedeTakesTurns: a forced move of a promotion branch has no
// precondition in GitHub's REST API, so a second writer that moves the
// branch between this writer's last read and its forced update would be
// overwritten. Writers take the move lock instead: the second one is told
// to come back (ErrLocked, a retry), and its retry moves the branch on top.
func TestSupersedeTakesTurns(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{})
	if _, err := e.forge.Propose(ctx, testRepo, promotion("v1.1.0")); err != nil {
		t.Fatal(err)
	}
	other := e.coldForge(t)
	var started atomic.Bool
	var mu sync.Mutex // the hook runs on the simulator's goroutine
	var theirErr error
	e.sim.OnRequest(func(op string, r *http.Request) {
		if op == "git/update-ref" && strings.Contains(r.URL.Path, "/heads/stagehand/dev/web") && started.CompareAndSwap(false, true) {
			_, err := other.Propose(ctx, testRepo, promotion("v1.3.0"))
			mu.Lock()
			theirErr = err
			mu.Unlock()
		}
	})
	ours, err := e.forge.Propose(ctx, testRepo, promotion("v1.2.0"))
	e.sim.OnRequest(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !ours.Written || !started.Load() {
		t.Fatalf("ours wrote %v, the other writer ran %v; the test needs both", ours.Written, started.Load())
	}
	mu.Lock()
	err = theirErr
	mu.Unlock()
	if err == nil {
		t.Fatal("the other writer moved the branch during our forced move and was told it succeeded; ours then overwrote its move")
	}
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("the other writer's move during ours: %v; want ErrLocked", err)
	}
	theirs, err := other.Propose(ctx, testRepo, promotion("v1.3.0"))
	if err != nil || !theirs.Written {
		t.Fatalf("the retry: written %v, %v", theirs.Written, err)
	}
	head, err := e.forge.Head(ctx, testRepo, "stagehand/dev/web")
	if err != nil {
		t.Fatal(err)
	}
	if head != theirs.Commit {
		t.Fatalf("head %s; want the retry's %s", head, theirs.Commit)
	}
	if _, _, err := e.forge.gh.Git.GetRef(ctx, testRepo.Owner, testRepo.Name, "stagehand/locks/branches/stagehand/dev/web"); !isNotFound(err) {
		t.Fatalf("the move lock is still there: %v", err)
	}
}

// TestMoveLockExpires: a writer that died holding the move lock holds up
// the others for moveLockTTL, by GitHub's dates, and no longer.
func TestMoveLockExpires(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{})
	first, err := e.forge.Propose(ctx, testRepo, promotion("v1.1.0"))
	if err != nil {
		t.Fatal(err)
	}
	// The dead writer's lock points at the commit it was about to move.
	lock := &github.Reference{Ref: github.String(lockPrefix + "branches/stagehand/dev/web"), Object: &github.GitObject{SHA: github.String(first.Commit)}}
	if _, _, err := e.forge.gh.Git.CreateRef(ctx, testRepo.Owner, testRepo.Name, lock); err != nil {
		t.Fatal(err)
	}
	if _, err := e.coldForge(t).Propose(ctx, testRepo, promotion("v1.2.0")); !errors.Is(err, ErrLocked) {
		t.Fatalf("a move under a fresh lock: %v; want ErrLocked", err)
	}
	if err := e.clock.Sleep(ctx, moveLockTTL+time.Second); err != nil {
		t.Fatal(err)
	}
	res, err := e.coldForge(t).Propose(ctx, testRepo, promotion("v1.2.0"))
	if err != nil || !res.Written {
		t.Fatalf("a move under an expired lock: written %v, %v", res.Written, err)
	}
	if head, err := e.forge.Head(ctx, testRepo, "stagehand/dev/web"); err != nil || head != res.Commit {
		t.Fatalf("head %s, %v; want %s", head, err, res.Commit)
	}
}

// TestLockBreakIsCompareAndSwap: of two writers that find one lock
// expired, only the first takes it over; the second, judging from the same
// read, is refused instead of deleting the first one's fresh lock.
func TestLockBreakIsCompareAndSwap(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{})
	t0 := e.clock.Now()
	if _, err := e.forge.Lock(ctx, testRepo, "holds", "main", t0, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := e.forge.Lock(ctx, testRepo, "holds", "main", t0.Add(30*time.Second), time.Minute); !errors.Is(err, ErrLocked) {
		t.Fatalf("a held lock: %v; want ErrLocked", err)
	}
	stale, err := e.forge.readLock(ctx, testRepo, lockPrefix+"holds")
	if err != nil || stale.sha == "" {
		t.Fatalf("read lock: %+v, %v", stale, err)
	}
	if _, err := e.forge.Lock(ctx, testRepo, "holds", "main", t0.Add(2*time.Minute), time.Minute); err != nil {
		t.Fatalf("an expired lock: %v", err)
	}
	if err := e.forge.breakLock(ctx, testRepo, lockPrefix+"holds", stale, "late"); !errors.Is(err, ErrLocked) {
		t.Fatalf("a second break of the same expired lock: %v; want ErrLocked", err)
	}
}
