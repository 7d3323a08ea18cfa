package metrics

import "time"

// SetNow replaces the wall clock that times requests, so durations are exact in tests.
func SetNow(r *Registry, now func() time.Time) { r.now = now }
