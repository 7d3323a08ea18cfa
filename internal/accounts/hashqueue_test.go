package accounts

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
)

// TestHashQueueBoundsConcurrentVerifications: N sign-ins at once never have more than
// HashWorkers argon2id computations in flight; the others wait their turn and all are
// answered.
func TestHashQueueBoundsConcurrentVerifications(t *testing.T) {
	t.Parallel()
	const workers, n = 3, 12
	s := New(nil, clock.NewFake(t0), Config{Argon2: lightArgon, HashWorkers: workers})
	ctx := context.Background()
	h, err := s.hashPassword(ctx, goodPW)
	if err != nil {
		t.Fatal(err)
	}
	gate := make(chan struct{})
	var inFlight, peak atomic.Int64
	s.hashes.during = func() {
		now := inFlight.Add(1)
		for p := peak.Load(); now > p && !peak.CompareAndSwap(p, now); p = peak.Load() {
		}
		<-gate
		inFlight.Add(-1)
	}
	var wg sync.WaitGroup
	var matched atomic.Int64
	for range n {
		wg.Go(func() {
			if ok, _, err := s.verifyPassword(ctx, h, goodPW); ok && err == nil {
				matched.Add(1)
			}
		})
	}
	// Readiness, not timing: wait until the queue is full and the rest are queued.
	deadline := time.Now().Add(30 * time.Second)
	for inFlight.Load() < workers || s.hashes.waiting.Load() < n-workers {
		if time.Now().After(deadline) {
			t.Fatalf("queue never filled: %d in flight, %d waiting", inFlight.Load(), s.hashes.waiting.Load())
		}
		time.Sleep(time.Millisecond)
	}
	if got := inFlight.Load(); got != workers {
		t.Fatalf("%d computations in flight with %d workers", got, workers)
	}
	close(gate)
	wg.Wait()
	if peak.Load() > workers {
		t.Fatalf("peak of %d computations in flight, limit %d", peak.Load(), workers)
	}
	if matched.Load() != n {
		t.Fatalf("%d of %d verifications matched", matched.Load(), n)
	}
}

// TestHashQueueWaitEndsWithContext: a sign-in that gives up while queued leaves the
// queue without taking a place.
func TestHashQueueWaitEndsWithContext(t *testing.T) {
	t.Parallel()
	s := New(nil, clock.NewFake(t0), Config{Argon2: lightArgon, HashWorkers: 1})
	gate, inside := make(chan struct{}), make(chan struct{})
	s.hashes.during = func() {
		close(inside)
		<-gate
	}
	done := make(chan error)
	go func() { _, err := s.hashPassword(context.Background(), goodPW); done <- err }()
	<-inside
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := s.verifyPassword(ctx, "", goodPW); !errors.Is(err, context.Canceled) {
		t.Fatalf("queued verification with a cancelled context: %v", err)
	}
	close(gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if s.hashes.running.Load() != 0 || s.hashes.waiting.Load() != 0 {
		t.Fatalf("queue not empty: %d running, %d waiting", s.hashes.running.Load(), s.hashes.waiting.Load())
	}
}

// TestDefaultHashWorkersStayUnder128MiB: the default queue holds less than 128 MiB of
// argon2id memory at DefaultArgon2 whatever the number of cores, and a stored hash of a
// higher cost runs alone.
func TestDefaultHashWorkersStayUnder128MiB(t *testing.T) {
	for _, cpus := range []int{1, 2, 8, 64, 256} {
		w := defaultHashWorkers(DefaultArgon2.Memory, cpus)
		if w < 1 || int64(w)*int64(DefaultArgon2.Memory) >= 128*1024 {
			t.Errorf("%d cores: %d workers of %d KiB", cpus, w, DefaultArgon2.Memory)
		}
	}
	if w := defaultHashWorkers(19*1024, 64); w != 6 {
		t.Errorf("19 MiB hashes on 64 cores: %d workers, want 6", w)
	}
	if w := defaultHashWorkers(19*1024, 2); w != 2 {
		t.Errorf("19 MiB hashes on 2 cores: %d workers, want 2", w)
	}
	q := newHashQueue(2, 64*1024)
	ran := false
	if err := q.do(context.Background(), 1<<20, func() { ran = q.running.Load() == 1 }); err != nil || !ran {
		t.Fatalf("a 1 GiB hash: ran %v, %v", ran, err)
	}
	if New(nil, nil, Config{}).hashes.capacity >= 128*1024 {
		t.Fatal("default service queue holds 128 MiB or more")
	}
}
