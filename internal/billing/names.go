package billing

import (
	"context"
	"fmt"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
)

// DocumentNumbers returns the numbers of those of ids that are invoices or credit notes
// of organisation orgID, keyed by id, in one query: the activity feed names documents
// by the number the customer knows ("factuur 2026-000004"), not by the row id. An id
// of another organisation, or one that no longer exists, is absent from the map.
func (s *Service) DocumentNumbers(ctx context.Context, by accounts.Principal, orgID int64, ids []int64) (map[int64]string, error) {
	if err := by.Check(accounts.InvoiceRead, accounts.OrgID(orgID)); err != nil {
		return nil, err
	}
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{orgID}
	marks := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		marks[i] = fmt.Sprintf("$%d", i+2)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, number FROM invoices WHERE org_id = $1 AND id IN (`+strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var number string
		if err := rows.Scan(&id, &number); err != nil {
			return nil, err
		}
		if number != "" {
			out[id] = number
		}
	}
	return out, rows.Err()
}
