package abuse

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hostpact/hostpact/internal/files"
	"github.com/hostpact/hostpact/internal/store"
)

// EvidenceOwner is the files owner of a case's evidence and received notice mail.
func EvidenceOwner(caseID int64) string { return "ntd:" + strconv.FormatInt(caseID, 10) }

// ClosedCasesQuery selects the closed cases last changed before $1: id as text, org_id
// (the hosting customer, so that a legal hold on the customer stops retention too) and
// updated_at, never earlier than the closing. notDone is the retention job's condition
// excluding cases already handled, over c.id.
func ClosedCasesQuery(notDone string) string {
	return `SELECT CAST(c.id AS TEXT), c.org_id, c.updated_at FROM abuse_cases c
		WHERE c.state = '` + string(StateClosed) + `' AND c.updated_at < $1 AND ` + notDone + ` ORDER BY c.id`
}

// personalEvents are the kinds of case events whose body is what a notifier, a
// reporter or the customer wrote, or a mail that names them; the other events (the
// urgency, forwarding, decision, identification, block and closing with their reasons)
// are the provider's own decision record and stay.
var personalEvents = []string{"received", "notifier_mail", "report", "mail", "response", "asked", "note"}

// AnonymiseCase removes the people from a closed case once its retention has passed:
// the notifier's name, organisation, address and telephone, the notice text and
// urgency reasons, the customer's answer, the bodies of the messages and notes, the
// machine reports' reporter and the evidence with its bytes. The skeleton stays: the
// ground, what was asked, the targets, the dates, the outcome, the decision and the
// identification with their reasons, the block and the hotline referral — the record
// of what the provider decided and blocked (cp.ntd.2.4, cp.ntd.2.5), which the
// customer can still contest while the material stays blocked.
func AnonymiseCase(ctx context.Context, q store.Querier, id int64, replacement string) error {
	if _, err := q.ExecContext(ctx, `UPDATE abuse_cases SET notifier_name = $2, notifier_org = '', notifier_phone = '',
		notifier_email = 'anonymised-notice-' || CAST(id AS TEXT) || '@anonymised.invalid',
		description = $2, urgency_reasons = '', response = CASE WHEN response = '' THEN '' ELSE $2 END WHERE id = $1`, id, replacement); err != nil {
		return fmt.Errorf("abuse: anonymise case %d: %w", id, err)
	}
	for _, kind := range personalEvents {
		if _, err := q.ExecContext(ctx, `UPDATE abuse_events SET body = $3, actor = CASE WHEN party = 'staff' THEN actor ELSE '' END
			WHERE case_id = $1 AND kind = $2`, id, kind, replacement); err != nil {
			return fmt.Errorf("abuse: anonymise events of case %d: %w", id, err)
		}
	}
	if _, err := q.ExecContext(ctx, `UPDATE abuse_reports SET reporter = '' WHERE case_id = $1`, id); err != nil {
		return fmt.Errorf("abuse: anonymise reports of case %d: %w", id, err)
	}
	_, err := files.DeleteOwner(ctx, q, EvidenceOwner(id))
	return err
}
