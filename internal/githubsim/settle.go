package githubsim

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"sync"
	"time"
)

// activity remembers when the simulator last served a call or delivered a webhook.
type activity struct {
	mu   sync.Mutex
	last time.Time
}

func (a *activity) touch() {
	a.mu.Lock()
	a.last = time.Now()
	a.mu.Unlock()
}

func (a *activity) since() time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	return time.Since(a.last)
}

// Settle waits until no webhook is pending and neither an API call nor a delivery has
// happened for quiet: the system under test has finished reacting. It returns ctx's
// error if that never happens.
func (s *Sim) Settle(ctx context.Context, quiet time.Duration) error {
	tick := time.NewTicker(quiet / 4)
	defer tick.Stop()
	for {
		s.Flush()
		if s.active.since() >= quiet && s.hooks.idle() {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("githubsim did not settle: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

func (q *hookQueue) idle() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.pending) == 0 && !q.busy
}

// AppKeyPEM returns the App's private key in PEM (PKCS#1), as GitHub hands it out.
func (s *Sim) AppKeyPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(s.appKey)})
}
