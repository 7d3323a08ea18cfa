package payments

import (
	"context"
	"fmt"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
)

// OnlinePaymentName is what the activity feed says of an online payment: the invoice
// it pays, by number, and the user who started it — the one who paid, even though the
// provider's webhook (the system) books it.
type OnlinePaymentName struct {
	InvoiceNumber string
	StartedBy     int64
}

// OnlinePaymentNames looks up those of ids that are online payments of organisation
// orgID, in one query. An id of another organisation or one that is gone is absent.
func (s *Service) OnlinePaymentNames(ctx context.Context, by accounts.Principal, orgID int64, ids []int64) (map[int64]OnlinePaymentName, error) {
	if err := by.Check(accounts.InvoiceRead, accounts.OrgID(orgID)); err != nil {
		return nil, err
	}
	out := map[int64]OnlinePaymentName{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{orgID}
	marks := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		marks[i] = fmt.Sprintf("$%d", i+2)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, invoice_number, created_by FROM psp_payments WHERE org_id = $1 AND id IN (`+strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n OnlinePaymentName
		if err := rows.Scan(&id, &n.InvoiceNumber, &n.StartedBy); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}
