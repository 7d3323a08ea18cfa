package probe

import (
	"context"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
)

// TCP checks that a port accepts connections: the network and platform of a VPS or
// container host (cp.sla.availability.2), where nothing is known of the protocol the
// customer runs on it. The connection is closed at once.
type TCP struct {
	Address string // host:port
	Timeout time.Duration
	Clock   clock.Clock
}

// Kind is tcp.
func (TCP) Kind() Kind { return KindTCP }

// Target is the address.
func (t TCP) Target() string { return t.Address }

// Run performs the check.
func (t TCP) Run(ctx context.Context) Result {
	return run(ctx, t.Clock, KindTCP, t.Address, t.Timeout, func(ctx context.Context, _ *Result) *Reason {
		conn, rs := dial(ctx, t.Address)
		if rs != nil {
			return rs
		}
		_ = conn.Close()
		return nil
	})
}
