package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// Span is a stretch of time [From, To).
type Span struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// OverdueIntervals returns the times within [from, to) at which the organisation had an
// invoice past its due date and unpaid: the SLA's "open invoices" read as overdue ones
// (cp.sla.exclusions.8, A03). An invoice is overdue from the start of the day after its
// due date (Amsterdam) until the start of the day it was settled, or until to while it
// is still open. Settling is known by the day only, so the day of payment counts as
// paid: the reading that favours the customer. Spans may overlap (several invoices); the
// SLA calculator merges them. Credit notes are not invoices the customer owes.
func OverdueIntervals(ctx context.Context, q store.Querier, orgID int64, from, to time.Time) ([]Span, error) {
	if !to.After(from) {
		return nil, nil
	}
	// due_date and settled_on are YYYY-MM-DD text on both engines, so comparing them
	// with the day of to as text is a date comparison.
	lastDue := terms.DateIn(to, clock.Amsterdam).String()
	rows, err := q.QueryContext(ctx, `SELECT i.id, i.due_date, s.settled_on FROM invoices i JOIN invoice_state s ON s.invoice_id = i.id
		WHERE i.org_id = $1 AND i.doc_type = 'invoice' AND i.due_date < $2 ORDER BY i.due_date, i.id`, orgID, lastDue)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Span
	for rows.Next() {
		var id int64
		var dueS string
		var settledS *string
		if err := rows.Scan(&id, &dueS, &settledS); err != nil {
			return nil, err
		}
		due, err := terms.ParseDate(dueS)
		if err != nil {
			return nil, &store.CorruptError{Record: fmt.Sprintf("invoice %d", id), Field: "due_date", Err: err}
		}
		sp := Span{From: due.AddDays(1).Time(clock.Amsterdam).UTC(), To: to}
		if settledS != nil && *settledS != "" {
			settled, err := terms.ParseDate(*settledS)
			if err != nil {
				return nil, &store.CorruptError{Record: fmt.Sprintf("invoice %d", id), Field: "settled_on", Err: err}
			}
			sp.To = settled.Time(clock.Amsterdam).UTC()
		}
		if sp.From.Before(from) {
			sp.From = from
		}
		if sp.To.After(to) {
			sp.To = to
		}
		if sp.To.After(sp.From) {
			out = append(out, sp)
		}
	}
	return out, rows.Err()
}

// OverdueIntervals is the package function for callers holding the service (the SLA's
// BillingSource).
func (s *Service) OverdueIntervals(ctx context.Context, q store.Querier, orgID int64, from, to time.Time) ([]Span, error) {
	return OverdueIntervals(ctx, q, orgID, from, to)
}
