package web

import (
	"context"
	"net/http"
	"runtime"
	"sync/atomic"
	"time"
)

// admission lets a bounded number of requests work at once and queues the others in
// the order they came. Without it every request in flight shares the processors and
// the database pool: 50 portal pages at once on two cores each waited for the pool's
// connections in random order (database/sql hands a freed connection to a random
// waiter) and for the scheduler, some twenty times per page, and the slowest percent
// took twice the median. Admitted in arrival order, a page waits once and then runs
// with few others: at 50 connections the portal home's p99 went from 47–48 to 39–43 ms
// at the same throughput (issue 16).
//
// A request that waited maxWait runs anyway, beside the admitted ones: slots held by
// slow work (a long CSV export, a registry or DNS server taking its time) then cost
// the others at most that wait, never their answer.
type admission struct {
	slots   chan struct{}
	maxWait time.Duration
	waiting atomic.Int64 // requests in the queue now
}

// admissionSlots is how many requests work at once: four per processor, so that one
// waiting on the disk or on PostgreSQL leaves work for the processor, and at least 8.
func admissionSlots() int { return max(8, 4*runtime.GOMAXPROCS(0)) }

// admissionMaxWait bounds the queue (see admission).
const admissionMaxWait = 250 * time.Millisecond

func newAdmission(slots int, maxWait time.Duration) *admission {
	return &admission{slots: make(chan struct{}, slots), maxWait: maxWait}
}

// enter waits for a slot in arrival order (a channel's blocked senders go first in,
// first out), for at most maxWait, or until ctx ends (ok false: the client left). The
// returned func gives the slot back; it does nothing for a request let through after
// maxWait.
func (a *admission) enter(ctx context.Context) (leave func(), ok bool) {
	leave = func() { <-a.slots }
	select {
	case a.slots <- struct{}{}:
		return leave, true
	default:
	}
	t := time.NewTimer(a.maxWait)
	a.waiting.Add(1)
	defer a.waiting.Add(-1)
	defer t.Stop()
	select {
	case a.slots <- struct{}{}:
		return leave, true
	case <-t.C:
		return func() {}, true
	case <-ctx.Done():
		return nil, false
	}
}

// unqueued lists path prefixes that never wait: assets, and the health and metrics
// endpoints a monitor polls to see whether the server answers.
var unqueued = []string{"/static/", "/healthz", "/metrics"}

func (s *server) admit(next http.Handler) http.Handler {
	if s.admission == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hasAnyPrefix(r.URL.Path, unqueued) {
			next.ServeHTTP(w, r)
			return
		}
		leave, ok := s.admission.enter(r.Context())
		if !ok {
			// The client is gone; nobody reads an answer.
			return
		}
		defer leave()
		next.ServeHTTP(w, r)
	})
}
