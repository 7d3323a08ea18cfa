package accounts

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/store"
)

// Throttling slows guessing without ever locking an account for good. Each bucket (an
// account, an address, a user's MFA step) counts its recent failures in a sliding
// window in the database, so every instance sees the same count. Up to Free failures
// cost nothing; after that each attempt must wait Base·2^(failures−Free) after the last
// failure, at most Max. Once an attacker stops, every further wait is at most Max, and
// after Window the failures have aged out and the account is as open as before.
type throttlePolicy struct {
	Window    time.Duration
	Free      int
	Base, Max time.Duration
}

var (
	// An hour's memory with a 15-minute cap holds a patient guesser to about eight
	// tries an hour per account, while the owner waits at most 15 minutes.
	loginAccountPolicy = throttlePolicy{Window: time.Hour, Free: 5, Base: 30 * time.Second, Max: 15 * time.Minute}
	// Many people can share one address (an office behind NAT), so an address gets
	// more room than an account before it is slowed down.
	loginIPPolicy = throttlePolicy{Window: 15 * time.Minute, Free: 20, Base: 30 * time.Second, Max: 15 * time.Minute}
	// A reset mail costs the recipient attention; a few per hour is plenty.
	resetEmailPolicy = throttlePolicy{Window: time.Hour, Free: 3, Base: time.Hour, Max: time.Hour}
	resetIPPolicy    = throttlePolicy{Window: time.Hour, Free: 20, Base: time.Hour, Max: time.Hour}
	// knownNetFor is how long a successful sign-in makes an address "known" for an
	// account (see accountBucket).
	knownNetFor = 90 * 24 * time.Hour
)

type bucket struct {
	name   string
	policy throttlePolicy
}

// delay returns how long a bucket with n failures, the last at last, still has to wait.
func (p throttlePolicy) delay(n int, last, now time.Time) time.Duration {
	if n < p.Free {
		return 0
	}
	d := p.Max
	if shift := n - p.Free; shift < 20 {
		d = min(p.Base<<shift, p.Max)
	}
	return max(0, last.Add(d).Sub(now))
}

// reserve checks buckets and, when none asks to wait, counts this attempt as a failure
// in each before the caller checks the secret: parallel guesses then see each other
// even when the check itself is slow. The caller forgives a successful attempt with
// forgive. Rows of the buckets are locked first (in name order, so two requests never
// deadlock): on PostgreSQL concurrent attempts on one bucket queue up instead of all
// reading the same old count.
func (s *Service) reserve(ctx context.Context, now time.Time, buckets ...bucket) (ids []int64, err error) {
	slices.SortFunc(buckets, func(a, b bucket) int { return strings.Compare(a.name, b.name) })
	err = s.db.InTx(ctx, func(q store.Querier) error {
		ids = ids[:0]
		var wait time.Duration
		for _, b := range buckets {
			if _, err := q.ExecContext(ctx, `INSERT INTO throttle_buckets (bucket, touched_at) VALUES ($1, $2)
				ON CONFLICT (bucket) DO UPDATE SET touched_at = excluded.touched_at`, b.name, now); err != nil {
				return err
			}
			n, last, err := countFailures(ctx, q, b, now)
			if err != nil {
				return err
			}
			wait = max(wait, b.policy.delay(n, last, now))
		}
		if wait > 0 {
			return &ThrottledError{RetryAfter: wait}
		}
		for _, b := range buckets {
			var id int64
			if err := q.QueryRowContext(ctx, `INSERT INTO throttle_events (bucket, at) VALUES ($1, $2) RETURNING id`, b.name, now).Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return pruneThrottle(ctx, q, now)
	})
	return ids, err
}

func countFailures(ctx context.Context, q store.Querier, b bucket, now time.Time) (int, time.Time, error) {
	// MAX(at) would come back from SQLite as text (an aggregate has no column type), so
	// the latest failure is read as a row of its own.
	since := now.Add(-b.policy.Window)
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM throttle_events WHERE bucket = $1 AND at > $2`, b.name, since).Scan(&n); err != nil || n == 0 {
		return n, time.Time{}, err
	}
	var last time.Time
	err := q.QueryRowContext(ctx, `SELECT at FROM throttle_events WHERE bucket = $1 AND at > $2 ORDER BY at DESC LIMIT 1`, b.name, since).Scan(&last)
	return n, last, err
}

// forgive removes the attempts reserved for a request that turned out fine and, for
// resetBuckets, every earlier failure too (a correct password resets its account).
func forgive(ctx context.Context, q store.Querier, ids []int64, resetBuckets ...string) error {
	for _, id := range ids {
		if _, err := q.ExecContext(ctx, `DELETE FROM throttle_events WHERE id = $1`, id); err != nil {
			return err
		}
	}
	for _, b := range resetBuckets {
		if _, err := q.ExecContext(ctx, `DELETE FROM throttle_events WHERE bucket = $1`, b); err != nil {
			return err
		}
	}
	return nil
}

// pruneThrottle drops what no window can count any more. The longest window is an hour.
func pruneThrottle(ctx context.Context, q store.Querier, now time.Time) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM throttle_events WHERE at < $1`, now.Add(-2*time.Hour)); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `DELETE FROM throttle_buckets WHERE touched_at < $1`, now.Add(-24*time.Hour))
	return err
}

// netKey groups addresses the way one client holds them: an IPv4 address, or the /64 an
// IPv6 host picks its (privacy) addresses from.
func netKey(ip string) string {
	a, ok := parseIP(ip)
	if !ok {
		return "unknown"
	}
	if a.Is4() {
		return a.String()
	}
	return netip.PrefixFrom(a, 64).Masked().String()
}

// accountBucket is the bucket a sign-in for email from ip counts in. Attempts from an
// address the account recently signed in from successfully have a bucket of their own:
// an attacker guessing from elsewhere slows down the shared bucket but cannot keep the
// owner out at their usual address.
func accountBucket(email, knownNet string) bucket {
	name := "login:email:" + email
	if knownNet != "" {
		name += "|net:" + knownNet
	}
	return bucket{name: name, policy: loginAccountPolicy}
}

func ipBucket(ip string) bucket {
	return bucket{name: "login:ip:" + netKey(ip), policy: loginIPPolicy}
}

// userBucket throttles second-factor codes and current-password checks of one user.
func userBucket(kind string, userID int64) bucket {
	return bucket{name: kind + ":user:" + itoa(userID), policy: loginAccountPolicy}
}
