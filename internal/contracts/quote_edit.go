package contracts

import (
	"context"
	"errors"
	"fmt"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/store"
)

// ErrNotDraft: only a draft quote can be edited; once sent its content is frozen and
// hashed (SendQuote), so what the customer accepts is what was sent.
var ErrNotDraft = errors.New("only a draft quote can be edited")

// UpdateQuote replaces a draft's title, validity and lines (in.OrgID is ignored: the
// quote stays with its customer). Staff with the sales role, as CreateQuote.
func (s *Service) UpdateQuote(ctx context.Context, by accounts.Principal, id int64, in QuoteInput) (Quote, error) {
	cur, err := s.GetQuote(ctx, by, id)
	if err != nil {
		return Quote{}, err
	}
	if err := by.Check(accounts.QuoteManage, accounts.OrgID(cur.OrgID)); err != nil {
		return Quote{}, err
	}
	if cur.Status != QuoteDraft {
		return Quote{}, ErrNotDraft
	}
	cust, err := s.customer(ctx, by, cur.OrgID)
	if err != nil {
		return Quote{}, err
	}
	today := s.today()
	pol, err := s.policy(today)
	if err != nil {
		return Quote{}, err
	}
	in.OrgID = cur.OrgID
	lines, totals, vj, err := s.draftQuote(ctx, pol, cust, &in, today)
	if err != nil {
		return Quote{}, err
	}
	ctx = actorFor(ctx, by)
	err = s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		// The status condition makes a send that won the race win: the edit then
		// changes nothing and says so.
		res, err := q.ExecContext(ctx, `UPDATE quotes SET title = $1, total_excl = $2, vat = $3, total_incl = $4, vat_json = $5,
			valid_until = $6, updated_at = $7 WHERE id = $8 AND status = 'draft'`,
			in.Title, totals.TotalExcl, totals.VATTotal, totals.TotalIncl, vj, nullDate(in.ValidUntil), now, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return ErrNotDraft
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM quote_lines WHERE quote_id = $1`, id); err != nil {
			return err
		}
		for _, l := range lines {
			if _, err := q.ExecContext(ctx, `INSERT INTO quote_lines (quote_id, position, plan_id, kind, description, domain, quantity, billing,
				period, unit_price, term_price, setup_fee, amount, vat_category, sla, retention_category)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
				id, l.Position, l.PlanID, string(l.Kind), l.Description, l.Domain, l.Quantity, string(l.Billing), periodString(l.Period),
				l.UnitPrice, l.TermPrice, l.SetupFee, l.Amount, l.VATCategory, l.SLA, l.RetentionCategory); err != nil {
				return err
			}
		}
		return record(ctx, q, now, cur.OrgID, "quote.update", "quote", id,
			fmt.Sprintf("draft quote %q edited: %d lines, %s excl. VAT", in.Title, len(lines), totals.TotalExcl))
	})
	if err != nil {
		return Quote{}, err
	}
	return getQuote(ctx, s.db, id)
}
