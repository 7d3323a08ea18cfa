package support

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hostpact/hostpact/internal/files"
	"github.com/hostpact/hostpact/internal/store"
)

// FileOwner is the files owner of a ticket's attachments.
func FileOwner(ticketID int64) string { return "ticket:" + strconv.FormatInt(ticketID, 10) }

// ResolvedTicketsQuery selects the tickets whose question is resolved (status resolved
// or closed, and no complaint still waiting for its answer in substance, cp.av.17.1) and
// last changed before $1: id as text, org_id, updated_at. The retention rule for
// contact records counts from the last change, which is never earlier than the
// resolution (a reply reopens a ticket). notDone is the retention job's condition
// excluding tickets already handled, over t.id.
func ResolvedTicketsQuery(notDone string) string {
	return `SELECT CAST(t.id AS TEXT), t.org_id, t.updated_at FROM tickets t
		WHERE t.status IN ('` + string(StatusResolved) + `', '` + string(StatusClosed) + `') AND t.updated_at < $1
		AND NOT (t.complaint_received_at IS NOT NULL AND t.complaint_answered_at IS NULL)
		AND ` + notDone + ` ORDER BY t.id`
}

// AnonymiseTicket removes the person from a resolved ticket once its retention has
// passed: the requester, the subject, the form fields, every message's author and body
// and the attachments with their bytes. The skeleton stays — organisation, category,
// channel, status, dates and the response and complaint clocks — as the record of how
// fast the desk answered (cp.sla.support.2, cp.av.17.1), which holds nothing personal.
// replacement is the text that stands where a name or a body was.
func AnonymiseTicket(ctx context.Context, q store.Querier, id int64, replacement string) error {
	if _, err := q.ExecContext(ctx, `UPDATE tickets SET requester_name = $2, subject = $2, fields = '{}',
		requester_email = 'anonymised-ticket-' || CAST(id AS TEXT) || '@anonymised.invalid' WHERE id = $1`, id, replacement); err != nil {
		return fmt.Errorf("support: anonymise ticket %d: %w", id, err)
	}
	if _, err := q.ExecContext(ctx, `UPDATE ticket_messages SET author_name = $2, body = $2, note = '',
		author_email = 'anonymised-message-' || CAST(id AS TEXT) || '@anonymised.invalid' WHERE ticket_id = $1`, id, replacement); err != nil {
		return fmt.Errorf("support: anonymise messages of ticket %d: %w", id, err)
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM ticket_files WHERE message_id IN (SELECT id FROM ticket_messages WHERE ticket_id = $1)`, id); err != nil {
		return fmt.Errorf("support: remove attachments of ticket %d: %w", id, err)
	}
	_, err := files.DeleteOwner(ctx, q, FileOwner(id))
	return err
}
