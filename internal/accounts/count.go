package accounts

import (
	"context"
	"strconv"
)

// CountOrganisations counts the organisations the principal may see (as
// ListOrganisations does) up to upTo; more reports that there are more. A count that
// stops there costs the same at any number of customers, where COUNT(*) of every
// customer on each staff dashboard grew with them (issue 16).
func (s *Service) CountOrganisations(ctx context.Context, by Principal, upTo int) (n int, more bool, err error) {
	cond, args, err := orgListWhere(s.db.Dialect, by, OrgFilter{})
	if err != nil {
		return 0, false, err
	}
	upTo = max(upTo, 1)
	q := `SELECT COUNT(*) FROM (SELECT 1 AS one FROM organisations` + cond + ` LIMIT $` + strconv.Itoa(len(args)+1) + `) c`
	if err := s.db.QueryRowContext(ctx, q, append(args, upTo+1)...).Scan(&n); err != nil {
		return 0, false, err
	}
	if n > upTo {
		return upTo, true, nil
	}
	return n, false, nil
}
