package bot

import (
	"context"
	"math/rand/v2"
	"strconv"
	"time"

	"go.uber.org/zap"
)

// ResyncLoop queues a resync of every indexed repository every Interval,
// jittered so that replicas and restarts do not resync in step. It holds
// no state but its round number: what each resync does is derived from
// GitHub and the registries.
type ResyncLoop struct {
	// Interval between passes; 0 or less disables the loop.
	Interval time.Duration
	// Jitter is the fraction by which each wait varies around Interval
	// (default 0.1: ±10%).
	Jitter float64
	// Rand returns a number in [0, 1) for the jitter (default math/rand/v2).
	Rand func() float64
	// After waits (default time.After); tests hand out the ticks.
	After func(time.Duration) <-chan time.Time
	// Pass, when set, runs after each pass is queued (serve redelivers
	// failed webhook deliveries there).
	Pass func(ctx context.Context)
	// Logger gets a line per pass (default: none).
	Logger *zap.Logger
}

// Wait returns how long the loop waits before its next pass: Interval,
// moved by up to ±Jitter of it.
func (l ResyncLoop) Wait() time.Duration {
	jitter, rnd := l.Jitter, l.Rand
	if jitter == 0 {
		jitter = 0.1
	}
	if rnd == nil {
		rnd = rand.Float64
	}
	return time.Duration(float64(l.Interval) * (1 + jitter*(2*rnd()-1)))
}

// Run queues passes until ctx ends. The first pass comes one wait after
// the start: Start has just read every repository.
func (l ResyncLoop) Run(ctx context.Context, b *Bot) {
	if l.Interval <= 0 {
		return
	}
	after, log := l.After, l.Logger
	if after == nil {
		after = time.After
	}
	if log == nil {
		log = zap.NewNop()
	}
	for round := 1; ; round++ {
		select {
		case <-ctx.Done():
			return
		case <-after(l.Wait()):
		}
		if err := b.EnqueueResync(strconv.Itoa(round)); err != nil {
			// The next pass tries again; a full queue is the usual cause.
			log.Warn("resync not queued for every repository", zap.Int("round", round), zap.Error(err))
		} else {
			log.Info("resync queued", zap.Int("round", round), zap.Int("repositories", len(b.Index().Repos())))
		}
		if l.Pass != nil {
			l.Pass(ctx)
		}
	}
}
