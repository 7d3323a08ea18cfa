package terms

import (
	"fmt"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
)

// SLAClaim is until when a credit for an outage may be claimed.
type SLAClaim struct {
	// LastDay is the last calendar day (Europe/Amsterdam) on which a claim is in time.
	LastDay Date `json:"last_day"`
	// Until is the first moment a claim is late: midnight after LastDay.
	Until time.Time `json:"until"`
}

// InTime reports whether a claim received at t is in time.
func (c SLAClaim) InTime(t time.Time) bool { return t.Before(c.Until) }

// SLAClaimDeadline is until when the customer may claim the credit for an outage that
// ended at outageEnded (cp.sla.compensation.4): within the pack's claim window, counted
// in calendar days from the day the outage ended (A02). The window's last day counts
// whole, the reading that favours the customer.
func (p *Policy) SLAClaimDeadline(outageEnded time.Time) (SLAClaim, Explanation, error) {
	s := p.Terms.SLA
	if !s.Enabled {
		return SLAClaim{}, nil, notInTerms("%s gives no availability guarantee (%s)", p.PackName(), joinIDs(s.Clauses))
	}
	if outageEnded.IsZero() {
		return SLAClaim{}, nil, inputErr("outage_ended", "the end of the outage is required")
	}
	ended := DateIn(outageEnded, clock.Amsterdam)
	last := s.ClaimWindow.AddTo(ended, p.Calendar())
	c := SLAClaim{LastDay: last, Until: last.AddDays(1).Time(clock.Amsterdam).UTC()}
	var ex Explanation
	ex.add(s.Clauses, fmt.Sprintf("A credit is claimed within %s after the outage ended (counted from %s); a claim received on %s is still in time.", s.ClaimWindow.Words(), s.ClaimFrom, last),
		"A02. "+s.Reading, inputs("outage_ended", outageEnded.In(clock.Amsterdam).Format("2006-01-02 15:04 MST"), "claim_window", s.ClaimWindow), last)
	ex.key("sla.claim_window", kv{"window": s.ClaimWindow, "ended": outageEnded, "last": last})
	return c, ex, nil
}
