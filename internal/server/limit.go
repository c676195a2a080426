package server

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/labstack/echo/v4"
	"go.uber.org/zap"
	"golang.org/x/time/rate"
)

// The default budget of rejected requests per source: a misconfigured
// sender still sees its 401s for a while, a flood is cut to one answer a
// second after its burst.
const (
	defaultRejectRate    = rate.Limit(1)
	defaultRejectBurst   = 20
	defaultRejectSources = 10_000
)

// rejectLimiter is a token bucket per source address, spent only by
// requests that are refused before their sender is verified. A verified
// delivery never touches it, so a flood of bad signatures from one address
// cannot slow or block GitHub's own deliveries. The map is an LRU: a flood
// from many addresses evicts the oldest buckets instead of growing memory.
type rejectLimiter struct {
	rate    rate.Limit
	burst   int
	buckets *lru.Cache[netip.Prefix, *rate.Limiter]
}

func newRejectLimiter(r rate.Limit, burst, sources int) (*rejectLimiter, error) {
	buckets, err := lru.New[netip.Prefix, *rate.Limiter](sources)
	if err != nil {
		return nil, err
	}
	return &rejectLimiter{rate: r, burst: burst, buckets: buckets}, nil
}

// allow spends one token of the source's bucket and reports whether there
// was one.
func (l *rejectLimiter) allow(src netip.Prefix) bool {
	b, ok := l.buckets.Get(src)
	if !ok {
		fresh := rate.NewLimiter(l.rate, l.burst)
		if prev, found, _ := l.buckets.PeekOrAdd(src, fresh); found {
			b = prev
		} else {
			b = fresh
		}
	}
	return b.Allow()
}

// sourceOf is the address a request came from: the TCP peer, never a
// header. X-Forwarded-For and X-Real-IP are written by the sender, so a
// flood could pick a fresh "source" per request, or spend the budget of
// someone else's address. An IPv6 peer is keyed by its /64, which one host
// usually owns whole.
func sourceOf(r *http.Request) netip.Prefix {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Prefix{} // all unparsable peers share one bucket
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p
	}
	return netip.PrefixFrom(addr, 32)
}

// refuse answers a request refused before its sender was verified (a bad
// signature or token, an unknown source, an unreadable or oversized body).
// Past the source's budget the answer is 429 and is logged at debug level
// only, so that a flood costs neither a log line nor more than the
// signature check per request.
func (s *Server) refuse(c echo.Context, label, result string, code int, reason string) error {
	src := sourceOf(c.Request())
	if s.rejects.allow(src) {
		return s.reject(c, label, result, code, reason)
	}
	s.log.Debug("webhook rejected, source over its budget", zap.Int("status", code),
		zap.String("reason", reason), zap.String("remote", src.String()))
	c.Response().Header().Set("Retry-After", strconv.Itoa(retryAfter(s.rejects.rate)))
	return s.answer(c, label, resultRateLimited, http.StatusTooManyRequests,
		rejection{"too many rejected requests from this address"})
}

// retryAfter is the whole seconds until one token is back.
func retryAfter(r rate.Limit) int {
	if r <= 0 {
		return 60
	}
	secs := int(1/float64(r) + 0.999)
	return max(secs, 1)
}

// remoteAddr is the peer's address for log lines, for the same reason
// sourceOf ignores forwarding headers.
func remoteAddr(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}
