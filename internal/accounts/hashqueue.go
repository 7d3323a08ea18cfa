package accounts

import (
	"context"
	"runtime"
	"sync/atomic"

	"golang.org/x/sync/semaphore"
)

// hashBudgetKiB bounds the memory that argon2id may hold at once by default, whatever
// the number of cores (issue 16): each computation holds its Memory for its duration,
// and a burst of sign-ins or a script trying passwords must not take the server's
// memory with it.
const hashBudgetKiB = 128*1024 - 1

// defaultHashWorkers is how many computations at cost memKiB fit in hashBudgetKiB,
// at least one and no more than the cores (more would only wait for a core).
func defaultHashWorkers(memKiB uint32, cpus int) int {
	return max(1, min(cpus, int(hashBudgetKiB/max(memKiB, 1))))
}

// hashQueue runs argon2id computations through a bounded, first-come-first-served
// queue. Its capacity is in KiB (workers × the configured cost); a computation weighs
// its own Memory, so a stored hash made with a higher cost than today's takes more of
// the capacity (all of it at most, and then runs alone).
type hashQueue struct {
	sem      *semaphore.Weighted
	capacity int64 // KiB
	waiting  atomic.Int64
	running  atomic.Int64
	// during, when set (tests), is called while a computation holds its place.
	during func()
}

func newHashQueue(workers int, memKiB uint32) *hashQueue {
	capacity := int64(max(workers, 1)) * int64(max(memKiB, 1))
	return &hashQueue{sem: semaphore.NewWeighted(capacity), capacity: capacity}
}

// do runs fn once a place for memKiB is free, or returns ctx's error if ctx ends first.
func (q *hashQueue) do(ctx context.Context, memKiB uint32, fn func()) error {
	w := min(int64(max(memKiB, 1)), q.capacity)
	q.waiting.Add(1)
	err := q.sem.Acquire(ctx, w)
	q.waiting.Add(-1)
	if err != nil {
		return err
	}
	defer q.sem.Release(w)
	q.running.Add(1)
	defer q.running.Add(-1)
	if q.during != nil {
		q.during()
	}
	fn()
	return nil
}

func hashWorkers(cfg Config, p Argon2Params) int {
	if cfg.HashWorkers > 0 {
		return cfg.HashWorkers
	}
	return defaultHashWorkers(p.Memory, runtime.NumCPU())
}
