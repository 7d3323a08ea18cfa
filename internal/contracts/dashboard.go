package contracts

import (
	"context"
	"math/big"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// Recurring is the monthly recurring revenue: every running subscription's price per
// month excluding VAT (one-off lines are no recurring revenue), and how many
// subscriptions make it up.
type Recurring struct {
	MRR      terms.Money `json:"mrr"`
	Services int         `json:"services"`
}

// mrrQuery reads the running subscriptions of running contracts summed per billing
// period from recurring_totals (migration 0009), which triggers keep exact on every
// write: a handful of rows, whatever the number of subscriptions. Quantity 0 counts as
// 1, as on the contract.
const mrrQuery = `SELECT period, services, amount FROM recurring_totals WHERE services <> 0`

// Recurring reports the monthly recurring revenue of every customer. Staff only.
func (s *Service) Recurring(ctx context.Context, by accounts.Principal) (Recurring, error) {
	var out Recurring
	if err := by.Check(accounts.ContractRead, accounts.Provider); err != nil {
		return out, err
	}
	rows, err := s.db.QueryContext(ctx, mrrQuery)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	mrr := new(big.Rat)
	for rows.Next() {
		var period string
		var n int
		var sum int64
		if err := rows.Scan(&period, &n, &sum); err != nil {
			return out, err
		}
		p, err := terms.ParsePeriod(period)
		if err != nil {
			continue // no period: not recurring
		}
		months, ok := p.InMonths()
		if !ok || months <= 0 {
			continue
		}
		out.Services += n
		// One division per period, rounded once at the end: the same figure as adding
		// each subscription's share.
		mrr.Add(mrr, new(big.Rat).SetFrac64(sum, int64(months)))
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	out.MRR = terms.RoundCents(mrr)
	return out, nil
}

// ConcludedMax bounds the contracts ConcludedOn returns.
const ConcludedMax = 50

// concludedQuery reads the running contracts concluded on a day, newest first, along
// contracts_concluded. SQLite is told the index (INDEXED BY): with sqlite_stat1 only
// (store.Analyze keeps no samples), a table whose contracts were mostly concluded on
// one day (an import) makes it expect that many for any day, and it walked the
// primary key for the ORDER BY through every contract when the day asked had none
// (62 ms of the dashboard's 63 at 100,000; TestDashboardQueriesUseTheirIndex).
// PostgreSQL keeps the most common values and their frequencies and needs no hint.
func concludedQuery(d store.Dialect) string {
	from := "contracts"
	if d == store.SQLite {
		from = "contracts INDEXED BY contracts_concluded"
	}
	return `SELECT id, org_id, org_name, total_excl, vat, total_incl FROM ` + from + `
	WHERE concluded_on = $1 AND status = 'active' ORDER BY id DESC LIMIT $2`
}

// ConcludedOn lists the running contracts concluded on day, newest first, at most
// limit (≤ ConcludedMax), with their number, customer and totals only. Staff only.
func (s *Service) ConcludedOn(ctx context.Context, by accounts.Principal, day terms.Date, limit int) ([]Contract, error) {
	if err := by.Check(accounts.ContractRead, accounts.Provider); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, concludedQuery(s.db.Dialect), day.String(), min(max(limit, 1), ConcludedMax))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Contract
	for rows.Next() {
		c := Contract{Status: ContractActive, ConcludedOn: day}
		if err := rows.Scan(&c.ID, &c.OrgID, &c.OrgName, &c.TotalExcl, &c.VAT, &c.TotalIncl); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
