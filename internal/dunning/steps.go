package dunning

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// Step is a dunning step taken on an invoice, with the explanation that produced it.
type Step struct {
	ID              int64             `json:"id"`
	InvoiceID       int64             `json:"invoice_id"`
	OrgID           int64             `json:"org_id"`
	Step            string            `json:"step"`
	DueOn           terms.Date        `json:"due_on"`
	PerformedOn     terms.Date        `json:"performed_on"`
	OpenAmount      terms.Money       `json:"open_amount"`
	Amount          terms.Money       `json:"amount"`
	NextOn          terms.Date        `json:"next_on,omitzero"`
	ChargeInvoiceID int64             `json:"charge_invoice_id,omitempty"`
	Explanation     terms.Explanation `json:"explanation"`
	CreatedAt       time.Time         `json:"created_at"`
}

const stepCols = `id, invoice_id, org_id, step, due_on, performed_on, open_amount, amount, next_on, COALESCE(charge_invoice_id, 0), explanation, created_at`

func scanStep(r interface{ Scan(...any) error }) (Step, error) {
	var st Step
	var ex string
	if err := r.Scan(&st.ID, &st.InvoiceID, &st.OrgID, &st.Step, &st.DueOn, &st.PerformedOn, &st.OpenAmount, &st.Amount, &st.NextOn,
		&st.ChargeInvoiceID, &ex, &st.CreatedAt); err != nil {
		return st, err
	}
	st.CreatedAt = st.CreatedAt.UTC()
	err := store.DecodeJSON(fmt.Sprintf("dunning step %d (%s of invoice %d)", st.ID, st.Step, st.InvoiceID), "explanation", ex, &st.Explanation)
	return st, err
}

// Steps returns the dunning steps of an invoice the principal may see, in the order
// they were taken.
func (s *Service) Steps(ctx context.Context, by accounts.Principal, invoiceID int64) ([]Step, error) {
	inv, err := s.inv.Invoice(ctx, invoiceID)
	if err != nil {
		return nil, err
	}
	if err := by.Check(accounts.InvoiceRead, accounts.OrgID(inv.OrgID)); err != nil {
		return nil, err
	}
	return s.steps(ctx, invoiceID)
}

func (s *Service) steps(ctx context.Context, invoiceID int64) ([]Step, error) {
	return listSteps(ctx, s.db, `WHERE invoice_id = $1 ORDER BY id`, invoiceID)
}

func listSteps(ctx context.Context, q store.Querier, where string, args ...any) ([]Step, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+stepCols+` FROM dunning_steps `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Step
	for rows.Next() {
		st, err := scanStep(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

type stepSet map[string]Step

func (ss stepSet) has(step string) bool { _, ok := ss[step]; return ok }

func (s *Service) loadSteps(ctx context.Context, invoiceID int64) (stepSet, error) {
	list, err := s.steps(ctx, invoiceID)
	if err != nil {
		return nil, err
	}
	out := stepSet{}
	for _, st := range list {
		out[st.Step] = st
	}
	return out, nil
}

// isCharge reports whether an invoice is a charge dunning issued (interest and costs):
// it is dunned, but bears no collection costs or interest of its own.
func (s *Service) isCharge(ctx context.Context, invoiceID int64) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM dunning_steps WHERE charge_invoice_id = $1`, invoiceID).Scan(&n)
	return n > 0, err
}

// action is one step to take.
type action struct {
	inv     OpenInvoice
	step    string
	dueOn   terms.Date
	amount  terms.Money
	nextOn  terms.Date
	ex      terms.Explanation
	summary string
	mail    string // template name; "" sends none
	data    mailData
	// do runs in the step's transaction after the step is claimed; it returns the id
	// of a charge invoice it issued, if any.
	do func(ctx context.Context, q store.Querier) (int64, error)
}

// mailData is what a step's letter says; in writes it in the letter's language, so a
// Dutch letter reads "€ 1.234,56" and "4 december 2026" (CSV and the API keep the
// machine forms).
type mailData struct {
	Number          string
	InvoiceDate     terms.Date
	Open            terms.Money
	Due             terms.Date
	PayBy           terms.Date
	DefaultFrom     terms.Date
	InterestFrom    terms.Date
	CollectionCosts terms.Money // zero when none are due: the letter leaves them out
	SuspendOn       terms.Date
	TerminateOn     terms.Date
	Interest        terms.Money
	Charge          terms.Money
	PaidOn          terms.Date
	Explanation     string
}

// in returns the template's values in lang; a zero date or amount is "" so that
// {{if .CollectionCosts}} and friends keep working.
func (d mailData) in(lang string) map[string]any {
	date := func(x terms.Date) string {
		if x.IsZero() {
			return ""
		}
		return x.In(lang)
	}
	money := func(m terms.Money) string {
		if m == 0 {
			return ""
		}
		return m.In(lang)
	}
	return map[string]any{"Number": d.Number, "InvoiceDate": date(d.InvoiceDate), "Open": d.Open.In(lang), "Due": date(d.Due),
		"PayBy": date(d.PayBy), "DefaultFrom": date(d.DefaultFrom), "InterestFrom": date(d.InterestFrom),
		"CollectionCosts": money(d.CollectionCosts), "SuspendOn": date(d.SuspendOn), "TerminateOn": date(d.TerminateOn),
		"Interest": d.Interest.In(lang), "Charge": d.Charge.In(lang), "PaidOn": date(d.PaidOn), "Explanation": d.Explanation}
}

func baseData(inv OpenInvoice) mailData {
	return mailData{Number: inv.Number, InvoiceDate: inv.InvoiceDate, Open: inv.Open}
}

func dateStr(d terms.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// perform takes a step once: the row, the work it causes, the audit entry and the mail
// commit together. It reports whether this call took it (false: it was taken before).
func (s *Service) perform(ctx context.Context, a action) (bool, error) {
	took := false
	err := s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		today := dateOf(now)
		var id int64
		err := q.QueryRowContext(ctx, `INSERT INTO dunning_steps (invoice_id, org_id, pack, step, due_on, performed_on, open_amount, amount, next_on, explanation, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (invoice_id, step) DO NOTHING RETURNING id`,
			a.inv.ID, a.inv.OrgID, s.pack.Name, a.step, a.dueOn, today, a.inv.Open, a.amount, nullDate(a.nextOn), exJSON(a.ex), now).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if a.do != nil {
			chargeID, err := a.do(withStepKey(ctx, dedupeKey(a.inv.ID, a.step)), q)
			if err != nil {
				return err
			}
			if chargeID != 0 {
				if _, err := q.ExecContext(ctx, `UPDATE dunning_steps SET charge_invoice_id = $1 WHERE id = $2`, chargeID, id); err != nil {
					return err
				}
			}
		}
		if err := audit.Record(ctx, q, now, audit.Change{OrgID: a.inv.OrgID, Action: "dunning." + a.step, ObjectKind: "invoice",
			ObjectID: fmt.Sprint(a.inv.ID), Summary: a.summary}); err != nil {
			return err
		}
		if a.mail != "" {
			a.data.Explanation = a.ex.Plain(a.inv.Lang)
			subject, body, err := templates.Render(a.mail, a.inv.Lang, a.data.in(a.inv.Lang))
			if err != nil {
				return err
			}
			_, err = notify.Enqueue(ctx, q, now, notify.Message{DedupeKey: dedupeKey(a.inv.ID, a.step), OrgID: a.inv.OrgID,
				To: a.inv.Email, Lang: a.inv.Lang, Subject: subject, Text: body})
			if err != nil && !errors.Is(err, notify.ErrDuplicate) {
				return err
			}
		}
		took = true
		return nil
	})
	if err != nil {
		return false, fmtErr(a.inv.ID, a.step, err)
	}
	return took, nil
}

type stepKeyCtx struct{}

func withStepKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, stepKeyCtx{}, key)
}

// StepKey returns the key of the dunning step whose work runs with ctx
// ("dunning:123:charge"), or "" outside one. Invoices.IssueCharge uses it as the
// charge's idempotency key, so a step retried after a crash never bills twice.
func StepKey(ctx context.Context) string {
	k, _ := ctx.Value(stepKeyCtx{}).(string)
	return k
}
