package disclosure

import (
	"context"
	"fmt"
	"strings"

	"github.com/hostpact/hostpact/internal/store"
)

// ClosedReportsQuery selects the closed reports (State.Closed) last changed before $1:
// id as text, organisation 0 (a reporter is nobody's customer) and updated_at, never
// earlier than the closing. notDone is the retention job's condition excluding reports
// already handled, over r.id.
func ClosedReportsQuery(notDone string) string {
	var closed []string
	for _, st := range States {
		if st.Closed() {
			closed = append(closed, "'"+string(st)+"'")
		}
	}
	return `SELECT CAST(r.id AS TEXT), 0, r.updated_at FROM disclosure_reports r
		WHERE r.state IN (` + strings.Join(closed, ", ") + `) AND r.updated_at < $1 AND ` + notDone + ` ORDER BY r.id`
}

// reporterEvents are the kinds of report events whose body the reporter wrote or that
// were written to them; the assessment, fix, publication and reward events are the
// provider's own record and stay.
var reporterEvents = []string{"reporter_mail", "mail", "asked", "progress", "call"}

// AnonymiseReport removes the reporter from a closed report once its retention has
// passed: name, address, telephone, the credit name unless the credit was agreed and
// published (cp.rd.expect.3), and the messages exchanged. The vulnerability itself
// stays — title, what was affected, the description, the assessment, the dates and the
// reward — because a later report of the same problem is judged against it (a reward
// only for a problem not yet known, cp.rd.expect.8) and it is the provider's own
// security record, not the reporter's.
func AnonymiseReport(ctx context.Context, q store.Querier, id int64, replacement string) error {
	if _, err := q.ExecContext(ctx, `UPDATE disclosure_reports SET reporter_name = $2, reporter_phone = '',
		reporter_email = 'anonymised-report-' || CAST(id AS TEXT) || '@anonymised.invalid',
		credit_name = CASE WHEN credit_agreed THEN credit_name ELSE '' END WHERE id = $1`, id, replacement); err != nil {
		return fmt.Errorf("disclosure: anonymise report %d: %w", id, err)
	}
	for _, kind := range reporterEvents {
		if _, err := q.ExecContext(ctx, `UPDATE disclosure_events SET body = $3, actor = CASE WHEN actor LIKE 'mail:%' THEN 'mail' ELSE actor END
			WHERE report_id = $1 AND kind = $2`, id, kind, replacement); err != nil {
			return fmt.Errorf("disclosure: anonymise events of report %d: %w", id, err)
		}
	}
	return nil
}
