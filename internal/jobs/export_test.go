package jobs

import "time"

// SetTicker replaces the heartbeat ticker of r, so that a test decides when the lease is
// renewed instead of waiting for real time to pass.
func SetTicker(r *Runner, f func(time.Duration) (<-chan time.Time, func())) { r.newTicker = f }
