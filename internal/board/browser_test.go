package board_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/stagehand-gitops/stagehand/internal/sandbox"
)

// chromiumPath finds Debian's chromium. Without it the browser test skips,
// unless STAGEHAND_TOOLS_REQUIRED=1 (make test) says it must run.
func chromiumPath(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err == nil {
		return path
	}
	if os.Getenv("STAGEHAND_TOOLS_REQUIRED") == "1" {
		t.Fatalf("chromium is not installed (apt-get install chromium; .ci/run does): %v", err)
	}
	t.Skipf("chromium is not installed: %v", err)
	return ""
}

// screenshotDir is where the browser test saves its screenshots:
// $STAGEHAND_SCREENSHOTS, or the test's own temporary folder.
func screenshotDir(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("STAGEHAND_SCREENSHOTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

// newChromium starts a headless chromium with a fresh profile that talks
// to nothing but loopback: no background, component, sync or QUIC
// traffic, every other host name unresolvable and every other request sent
// to a proxy that does not exist.
func newChromium(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("disable-dev-shm-usage", true), // containers have a small /dev/shm
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"),
		chromedp.ProxyServer("http://127.0.0.1:9"),
		chromedp.WindowSize(1280, 720),
	}
	actx, cancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancel)
	bctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(cancel)
	return bctx
}

// offLoopback records the requests the page makes to a host other than
// loopback, and counts those to loopback (so that a listener that sees
// nothing is told apart from a page that asks for nothing else).
type offLoopback struct {
	mu       sync.Mutex
	urls     []string
	loopback int
}

func (o *offLoopback) listen(t *testing.T, ctx context.Context) {
	t.Helper()
	err := chromedp.Listen(ctx, func(ev any) {
		e, ok := ev.(*network.EventRequestWillBeSent)
		if !ok {
			return
		}
		u, err := url.Parse(e.Request.URL)
		o.mu.Lock()
		defer o.mu.Unlock()
		if err == nil && (u.Scheme == "data" || u.Scheme == "about" || isLoopback(u.Hostname())) {
			o.loopback++
			return
		}
		o.urls = append(o.urls, e.Request.URL)
	})
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
}

func (o *offLoopback) seen() ([]string, int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.urls...), o.loopback
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

// TestBrowserWatchesAPromotion drives the sandbox board in headless
// chromium as a person would: it signs in through the simulated GitHub's
// OAuth page, then watches order-service's release move from dev to prod
// while the story plays, the grid updating in place (a mark set on the
// page survives: it never reloads). Screenshots go to screenshotDir.
func TestBrowserWatchesAPromotion(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	browser := newChromium(t, ctx)
	var off offLoopback
	off.listen(t, browser)
	sb := startSandbox(t, sandbox.Options{BoardRefresh: 300 * time.Millisecond})
	dir := screenshotDir(t)
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			png, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, name), png, 0o644)
		})
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(browser, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}
	cell := func(env string) string { return `#app-order-service td[data-env="` + env + `"] code.tag` }
	if err := chromedp.Do(browser,
		chromedp.EmulateViewport(980, 400),
		chromedp.Navigate(sb.BoardURL()),
		chromedp.WaitVisible(chromedp.CSS(`#login-reader`)),
		shot("1-sign-in.png"),
		chromedp.Click(chromedp.CSS(`#login-reader`)),
		chromedp.WaitVisible(chromedp.CSS(`#board`)),
	); err != nil {
		t.Fatalf("sign in and open the board: %v", err)
	}
	if login := text(`#login`); login != "@reader" {
		t.Fatalf("signed in as %q, want @reader", login)
	}
	before := [3]string{text(cell("dev")), text(cell("staging")), text(cell("prod"))}
	if err := chromedp.Do(browser, chromedp.Evaluate[chromedp.Void](`window.stagehandNotReloaded = true, undefined`), shot("2-board.png")); err != nil {
		t.Fatal(err)
	}

	story, stop := context.WithCancel(ctx)
	played := make(chan error, 1)
	go func() {
		_, err := sb.Play(story, io.Discard, sandbox.PlayOptions{App: "order-service", NoTrusted: true})
		played <- err
	}()
	var once sync.Once
	var playErr error
	ended := func() error { once.Do(func() { stop(); playErr = <-played }); return playErr }
	t.Cleanup(func() { ended() })

	// shows waits until env's cell shows a tag (when want) or another
	// tag than tag (when not).
	shows := func(env, tag string, want bool) chromedp.Action[chromedp.Void] {
		js := fmt.Sprintf(`(() => { const c = document.querySelector(%q); return c !== null && (c.textContent.trim() === %q) === %t; })()`,
			cell(env), tag, want)
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Poll[bool](js, chromedp.WithPollingInterval(100*time.Millisecond))(ctx, tg)
			return err
		})
	}
	if err := chromedp.Do(browser, shows("dev", before[0], false), shot("3-dev.png")); err != nil {
		t.Fatalf("the board did not show the release in dev: %v", err)
	}
	release, prod := text(cell("dev")), text(cell("prod"))
	if prod != before[2] || release == before[2] {
		t.Errorf("when dev showed %s, prod showed %s (before: %s): the board should see dev move first", release, prod, before[2])
	}
	if err := chromedp.Do(browser, shows("staging", release, true), shows("prod", release, true), shot("4-prod.png")); err != nil {
		t.Fatalf("the board did not follow %s from dev to prod: %v", release, err)
	}
	if err := ended(); err != nil {
		t.Fatalf("the story: %v", err)
	}
	// CI pushes a patch release: dev takes it by itself, and once dev has
	// soaked, staging's pull request opens and waits for a review; the
	// cell lists its checks, stagehand/staging among them.
	patch := nextPatch(t, release)
	if _, err := sb.Push(ctx, "acme/order-service", patch); err != nil {
		t.Fatal(err)
	}
	pending := `#app-order-service td.moving[data-env="staging"] ul.checks li`
	wait, stopWait := context.WithTimeout(browser, 20*time.Second)
	defer stopWait()
	if err := chromedp.Do(wait, chromedp.WaitVisible(chromedp.CSS(pending)), shot("5-checks.png")); err != nil {
		_ = chromedp.Do(browser, shot("5-no-checks.png"))
		t.Fatalf("the staging pull request of the signed tag, with its checks, did not show: %v", err)
	}
	// The checks are posted one by one and the board shows each as it
	// comes: the list may hold the neutral ones before staging's.
	checks := ""
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		checks = text(`#app-order-service td.moving[data-env="staging"] ul.checks`)
		if strings.Contains(checks, "stagehand/staging") || time.Now().After(deadline) {
			break
		}
	}
	if !strings.Contains(checks, "stagehand/staging") {
		t.Errorf("the staging pull request's checks: %q, want stagehand/staging among them", checks)
	}
	notReloaded, err := chromedp.Run(browser, chromedp.Evaluate[bool](`window.stagehandNotReloaded === true`))
	if err != nil || !notReloaded {
		t.Errorf("the page reloaded to update (%v): it should swap the grid in place", err)
	}
	if urls, loopback := off.seen(); len(urls) > 0 || loopback == 0 {
		t.Errorf("the page asked for hosts other than loopback: %v (and %d requests to loopback)", urls, loopback)
	}
	t.Logf("screenshots in %s", dir)
}

// nextPatch is tag's next patch release: v1.4.0 → v1.4.1.
func nextPatch(t *testing.T, tag string) string {
	t.Helper()
	i := strings.LastIndex(tag, ".")
	n, err := strconv.Atoi(tag[i+1:])
	if i < 0 || err != nil {
		t.Fatalf("%s is not major.minor.patch", tag)
	}
	return tag[:i+1] + strconv.Itoa(n+1)
}
