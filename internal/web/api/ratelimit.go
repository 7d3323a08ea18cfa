package api

import (
	"math"
	"net/netip"
	"sync"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
)

// limits are the rates of the API's token buckets.
type limits struct {
	// PerToken applies to every authenticated request, per API token: a runaway script
	// slows down without affecting other customers.
	PerToken rate
	// AuthFailPerIP applies to failed authentications, per client network: guessing
	// tokens from one place is slowed to a crawl. It is checked before a token is
	// looked up, so a blocked address costs no database work.
	AuthFailPerIP rate
}

// rate is a token bucket: Burst requests at once, refilled at PerSecond.
type rate struct {
	PerSecond float64
	Burst     float64
}

var defaultLimits = limits{
	PerToken:      rate{PerSecond: 10, Burst: 100},
	AuthFailPerIP: rate{PerSecond: 0.1, Burst: 10},
}

// maxBuckets bounds the limiter's memory. Idle buckets are full and hold no
// information, so they are dropped first; only a flood of distinct keys within one
// refill period reaches the bound, and then the limiter starts over rather than grow.
const maxBuckets = 100_000

// limiter is a set of token buckets keyed by token id or client network. It reads the
// injected clock, so tests (and the simulate command) control refill.
type limiter struct {
	mu      sync.Mutex
	clock   clock.Clock
	rate    rate
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(c clock.Clock, r rate) *limiter {
	return &limiter{clock: c, rate: r, buckets: map[string]*bucket{}}
}

// refill brings b up to now and returns it; callers hold mu.
func (l *limiter) refill(key string, now time.Time) *bucket {
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			l.sweep(now)
		}
		b = &bucket{tokens: l.rate.Burst, at: now}
		l.buckets[key] = b
		return b
	}
	if elapsed := now.Sub(b.at).Seconds(); elapsed > 0 {
		b.tokens = math.Min(l.rate.Burst, b.tokens+elapsed*l.rate.PerSecond)
		b.at = now
	}
	return b
}

func (l *limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate.PerSecond >= l.rate.Burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= maxBuckets {
		clear(l.buckets)
	}
}

// take spends one request from key's bucket. When the bucket is empty it spends
// nothing and says how long until a request is allowed again.
func (l *limiter) take(key string) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.refill(key, l.clock.Now())
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, l.wait(b)
}

// check reports, without spending, whether key's bucket has a request left.
func (l *limiter) check(key string) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.refill(key, l.clock.Now())
	if b.tokens >= 1 {
		return true, 0
	}
	return false, l.wait(b)
}

func (l *limiter) wait(b *bucket) time.Duration {
	if l.rate.PerSecond <= 0 {
		return time.Hour
	}
	return time.Duration((1 - b.tokens) / l.rate.PerSecond * float64(time.Second))
}

// networkKey groups a client address for rate limiting: an IPv4 address on its own,
// an IPv6 address by its /64, since one subscriber usually holds a whole /64 and could
// otherwise rotate through it.
func networkKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "ip:" + ip
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return "ip:" + p.String()
	}
	return "ip:" + a.String()
}
