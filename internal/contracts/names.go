package contracts

import (
	"context"
	"fmt"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
)

// Names are what people call an organisation's contracts, subscriptions and quotes,
// keyed by id: a subscription by its service (and domain), a contract by its services,
// a quote by its title. The activity feed uses them to say "abonnement Webhosting Pro"
// where the audit trail holds a row id. An id of another organisation, one that no
// longer exists, or (for a customer) a draft quote is absent.
type Names struct {
	Contracts     map[int64]string
	Subscriptions map[int64]string
	Quotes        map[int64]string
}

// ObjectNames looks the names up with one query per kind.
func (s *Service) ObjectNames(ctx context.Context, by accounts.Principal, orgID int64, contractIDs, subscriptionIDs, quoteIDs []int64) (Names, error) {
	n := Names{Contracts: map[int64]string{}, Subscriptions: map[int64]string{}, Quotes: map[int64]string{}}
	if err := by.Check(accounts.ContractRead, accounts.OrgID(orgID)); err != nil {
		return n, err
	}
	// The services of a contract, in order: "Webhosting Pro example.nl, Mail".
	if err := s.names(ctx, `SELECT contract_id, name, domain FROM subscriptions WHERE org_id = $1 AND contract_id IN (%s) ORDER BY contract_id, position`,
		orgID, contractIDs, func(id int64, name, domain string) {
			if n.Contracts[id] != "" {
				n.Contracts[id] += ", "
			}
			n.Contracts[id] += serviceName(Subscription{Name: name, Domain: domain})
		}); err != nil {
		return n, err
	}
	if err := s.names(ctx, `SELECT id, name, domain FROM subscriptions WHERE org_id = $1 AND id IN (%s)`,
		orgID, subscriptionIDs, func(id int64, name, domain string) {
			n.Subscriptions[id] = serviceName(Subscription{Name: name, Domain: domain})
		}); err != nil {
		return n, err
	}
	q := `SELECT id, title, '' FROM quotes WHERE org_id = $1 AND id IN (%s)`
	if !by.IsStaff() {
		q = `SELECT id, title, '' FROM quotes WHERE org_id = $1 AND status <> 'draft' AND id IN (%s)`
	}
	err := s.names(ctx, q, orgID, quoteIDs, func(id int64, title, _ string) { n.Quotes[id] = title })
	return n, err
}

// names runs query (its IN list left as %s) for ids of orgID and hands each row to add.
func (s *Service) names(ctx context.Context, query string, orgID int64, ids []int64, add func(id int64, a, b string)) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{orgID}
	marks := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		marks[i] = fmt.Sprintf("$%d", i+2)
	}
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(query, strings.Join(marks, ", ")), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var a, b string
		if err := rows.Scan(&id, &a, &b); err != nil {
			return err
		}
		if a != "" {
			add(id, a, b)
		}
	}
	return rows.Err()
}
