package billing

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// The maintained totals of the dashboard and the reports (issue 16): receivable_days
// and revenue_days change only in the transaction that changes what they add up, so a
// crash leaves both or neither (migration 0018).

// openPart is what an invoice in state (status, open) adds to receivable_days: the
// open invoices with something left to pay, as openWhere selects them.
func openPart(status string, open terms.Money) (terms.Money, int64) {
	if status == StatusOpen && open > 0 {
		return open, 1
	}
	return 0, 0
}

// receivableDelta is a change of receivable_days, per due day.
type receivableDelta map[string]*[3]int64 // open_amount, open_count, debtors

func (d receivableDelta) add(day string, amount terms.Money, n, debtors int64) {
	if amount == 0 && n == 0 && debtors == 0 {
		return
	}
	v := d[day]
	if v == nil {
		v = new([3]int64)
		d[day] = v
	}
	v[0] += int64(amount)
	v[1] += n
	v[2] += debtors
}

// moveDebtors moves the customers whose oldest open invoice is due on another day now
// (before → after; "" is nothing open).
func (d receivableDelta) moveDebtors(before, after map[int64]string) {
	for org, b := range before {
		if a := after[org]; a != b {
			d.add(b, 0, 0, -1)
		}
	}
	for org, a := range after {
		if b := before[org]; a != b && a != "" {
			d.add(a, 0, 0, 1)
		}
	}
}

// firstDueChunk bounds the customers of one firstDue query (SQLite's parameters).
const firstDueChunk = 500

// firstDue is the due date of each customer's oldest open invoice, for the customers
// in orgs that have one: a walk of invoice_state_open_org per customer.
func firstDue(ctx context.Context, q store.Querier, orgs []int64) (map[int64]string, error) {
	out := map[int64]string{}
	for i := 0; i < len(orgs); i += firstDueChunk {
		part := orgs[i:min(i+firstDueChunk, len(orgs))]
		ph := make([]string, len(part))
		args := make([]any, len(part))
		for j, o := range part {
			ph[j] = fmt.Sprintf("(CAST($%d AS BIGINT))", j+1)
			args[j] = o
		}
		// One lookup per customer through the open-invoice index: a join of the whole
		// list made PostgreSQL hash the invoices table for every batch of a billing run,
		// which doubled the run (bench billing: 9.5 s to 19.1 s for 100,000).
		rows, err := q.QueryContext(ctx, `SELECT o.column1, (SELECT MIN(i.due_date) FROM invoice_state s JOIN invoices i ON i.id = s.invoice_id
			WHERE s.status = 'open' AND s.org_id = o.column1 AND s.open_amount > 0) FROM (VALUES `+strings.Join(ph, ", ")+`) o`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var org int64
			var day sql.NullString
			if err := rows.Scan(&org, &day); err != nil {
				rows.Close()
				return nil, err
			}
			if day.Valid {
				out[org] = day.String
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// apply adds the delta to receivable_days in q's transaction, the days in order (two
// transactions lock their rows in the same order), and deletes the days left empty.
func (d receivableDelta) apply(ctx context.Context, q store.Querier) error {
	days := make([]string, 0, len(d))
	for day, v := range d {
		if *v != [3]int64{} {
			days = append(days, day)
		}
	}
	if len(days) == 0 {
		return nil
	}
	slices.Sort(days)
	var sb strings.Builder
	sb.WriteString(`INSERT INTO receivable_days (due_on, open_amount, open_count, debtors) VALUES `)
	values(&sb, len(days), 4)
	sb.WriteString(` ON CONFLICT (due_on) DO UPDATE SET open_amount = receivable_days.open_amount + excluded.open_amount,
		open_count = receivable_days.open_count + excluded.open_count, debtors = receivable_days.debtors + excluded.debtors`)
	args := make([]any, 0, 4*len(days))
	for _, day := range days {
		v := d[day]
		args = append(args, day, v[0], v[1], v[2])
	}
	if _, err := q.ExecContext(ctx, sb.String(), args...); err != nil {
		return fmt.Errorf("billing: receivable days: %w", err)
	}
	ph := make([]string, len(days))
	dargs := make([]any, len(days))
	for i, day := range days {
		ph[i] = fmt.Sprintf("$%d", i+1)
		dargs[i] = day
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM receivable_days WHERE due_on IN (`+strings.Join(ph, ", ")+`) AND open_count = 0 AND debtors = 0`, dargs...); err != nil {
		return fmt.Errorf("billing: receivable days: %w", err)
	}
	return nil
}

// openOrgs is the customers of invs that issuing them leaves something open for.
func openOrgs(invs []Invoice) []int64 {
	var orgs []int64
	for i := range invs {
		if _, n := openPart(invs[i].State.Status, invs[i].State.Open); n > 0 {
			orgs = append(orgs, invs[i].OrgID)
		}
	}
	slices.Sort(orgs)
	return slices.Compact(orgs)
}

// revenueDay is a row of revenue_days.
type revenueDay struct{ date, docType string }

// addRevenueDays adds the documents to revenue_days in the issuing transaction, in key
// order, as addVATDays does.
func addRevenueDays(ctx context.Context, q store.Querier, invs []Invoice) error {
	sums := map[revenueDay]*[4]int64{}
	for i := range invs {
		k := revenueDay{invs[i].IssueDate.String(), string(invs[i].DocType)}
		v := sums[k]
		if v == nil {
			v = new([4]int64)
			sums[k] = v
		}
		v[0]++
		v[1] += int64(invs[i].TotalExcl)
		v[2] += int64(invs[i].VAT)
		v[3] += int64(invs[i].TotalIncl)
	}
	if len(sums) == 0 {
		return nil
	}
	keys := make([]revenueDay, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b revenueDay) int {
		return cmp.Or(cmp.Compare(a.date, b.date), cmp.Compare(a.docType, b.docType))
	})
	var sb strings.Builder
	sb.WriteString(`INSERT INTO revenue_days (issue_date, doc_type, documents, total_excl, vat, total_incl) VALUES `)
	values(&sb, len(keys), 6)
	sb.WriteString(` ON CONFLICT (issue_date, doc_type) DO UPDATE SET documents = revenue_days.documents + excluded.documents,
		total_excl = revenue_days.total_excl + excluded.total_excl, vat = revenue_days.vat + excluded.vat,
		total_incl = revenue_days.total_incl + excluded.total_incl`)
	args := make([]any, 0, 6*len(keys))
	for _, k := range keys {
		v := sums[k]
		args = append(args, k.date, k.docType, v[0], v[1], v[2], v[3])
	}
	if _, err := q.ExecContext(ctx, sb.String(), args...); err != nil {
		return fmt.Errorf("billing: revenue days: %w", err)
	}
	return nil
}

// RebuildTotals fills receivable_days and revenue_days again from the invoices with
// migration 0018's backfill, in one transaction: a repair after invoices were written
// around the service (a restore of part of the tables, a test's copies).
func RebuildTotals(ctx context.Context, db *store.DB) error {
	text, err := migrations.ReadFile("migrations/0018_receivable_days.sql")
	if err != nil {
		return err
	}
	return db.InTx(ctx, func(tx store.Querier) error {
		for _, table := range []string{"receivable_days", "revenue_days"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table); err != nil {
				return err
			}
		}
		for _, stmt := range strings.Split(db.Dialect.Render(string(text)), ";") {
			if i := strings.Index(stmt, "INSERT INTO"); i >= 0 {
				if _, err := tx.ExecContext(ctx, stmt[i:]); err != nil {
					return fmt.Errorf("billing: rebuild totals: %w", err)
				}
			}
		}
		return nil
	})
}
