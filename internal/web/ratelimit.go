package web

import (
	"net/netip"
	"sync"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
)

// limiter is an in-memory token bucket per key. It is per instance: behind a load
// balancer each instance limits on its own, which still bounds guessing to a small
// multiple; the accounts service's throttling is the shared, durable limit.
type limiter struct {
	mu      sync.Mutex
	clock   clock.Clock
	burst   float64
	every   time.Duration // one token is added per every
	buckets map[string]*bucket
	maxKeys int
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(c clock.Clock, burst int, every time.Duration) *limiter {
	return &limiter{clock: c, burst: float64(burst), every: every, buckets: map[string]*bucket{}, maxKeys: 10000}
}

// allow takes a token for key, or reports how long until one is available.
func (l *limiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.maxKeys {
			l.prune(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	l.refill(b, now)
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) * float64(l.every))
	return false, wait
}

func (l *limiter) refill(b *bucket, now time.Time) {
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens += float64(elapsed) / float64(l.every)
		if b.tokens > l.burst {
			b.tokens = l.burst
		}
	}
	b.last = now
}

// prune forgets full buckets, which behave exactly like absent ones. Should a flood of
// distinct addresses leave none full, it forgets half of them at random rather than
// grow without bound: the service-side throttling still applies to them.
func (l *limiter) prune(now time.Time) {
	for k, b := range l.buckets {
		l.refill(b, now)
		if b.tokens >= l.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) < l.maxKeys {
		return
	}
	n := 0
	for k := range l.buckets {
		if n%2 == 0 {
			delete(l.buckets, k)
		}
		n++
	}
}

// limitKey groups IPv6 clients by /64, the block a single subscriber usually holds, so
// that rotating through one's own addresses does not buy more attempts.
func limitKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Is4() {
		return ip
	}
	p, _ := a.Prefix(64)
	return p.String()
}
