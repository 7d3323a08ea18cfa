package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// CreditLine credits (part of) one line of an invoice.
type CreditLine struct {
	Position int         `json:"position"`
	Amount   terms.Money `json:"amount"` // excl. VAT; 0 = the whole line
}

// CreditInput says what a credit note credits.
type CreditInput struct {
	Lines  []CreditLine `json:"lines"` // empty: the whole invoice
	Reason string       `json:"reason"`
}

// excessRule says where a credit note's amount goes beyond what is still open.
type excessRule struct {
	refund bool       // always refund (a withdrawal), due by dueBy
	dueBy  terms.Date //
	// exact: refund exactly amount (what the consumer paid beyond the deduction);
	// the rest of the credit note clears what is open, and a cent that VAT rounding
	// adds goes where any excess goes.
	exact  bool
	amount terms.Money
}

// CreditInvoice issues a credit note for an invoice, in full or for some lines — the
// only way an issued invoice is corrected (DESIGN.md principle 8). The credit note has
// its own number series, the parties and VAT treatment of the invoice, and reduces
// what is open on it; what the customer had already paid becomes account credit, or a
// refund when all its services have ended (cp.av.13.5). Staff with the billing role.
func (s *Service) CreditInvoice(ctx context.Context, by accounts.Principal, invoiceID int64, in CreditInput) (Invoice, error) {
	if err := by.Check(accounts.InvoiceManage, accounts.Provider); err != nil {
		return Invoice{}, err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Reason == "" || len(in.Reason) > 500 {
		return Invoice{}, invalid("reason", "billing.give_reason_credit_note")
	}
	ctx = actorFor(ctx, by)
	var cn Invoice
	err := s.inTx(ctx, func(q store.Querier) error {
		orig, err := getInvoice(ctx, q, invoiceID)
		if err != nil {
			return err
		}
		if orig.DocType != DocInvoice {
			return invalid("invoice_id", "billing.only_invoice_can_credited")
		}
		var lines []Line
		if len(in.Lines) == 0 {
			for _, l := range orig.Lines {
				lines = append(lines, creditOf(l, l.Amount, orig.Lang))
			}
		} else {
			seen := map[int]bool{}
			for i, cl := range in.Lines {
				if cl.Position < 1 || cl.Position > len(orig.Lines) || seen[cl.Position] {
					return invalid(fmt.Sprintf("lines.%d.position", i), "billing.no_such_line_on", orig.Number)
				}
				seen[cl.Position] = true
				l := orig.Lines[cl.Position-1]
				amt := cl.Amount
				if amt == 0 {
					amt = l.Amount
				}
				if amt < 0 || amt > l.Amount {
					return invalid(fmt.Sprintf("lines.%d.amount", i), "billing.most_lines_amount_s", l.Amount)
				}
				lines = append(lines, creditOf(l, amt, orig.Lang))
			}
		}
		cn, err = s.creditNote(ctx, q, s.now(), orig, lines, in.Reason, excessRule{})
		return err
	})
	return cn, err
}

// creditOf turns an invoice line into a credit note line for amount (excl. VAT).
func creditOf(l Line, amount terms.Money, lang string) Line {
	c := l
	c.Source, c.SourceID = SourceCredit, l.SourceID
	if amount != l.Amount {
		c.Quantity, c.UnitPrice = 1, amount
		c.Unit = "C62"
	}
	return c
}

// creditNote issues a credit note for orig in q's transaction and applies it.
func (s *Service) creditNote(ctx context.Context, q store.Querier, now time.Time, orig Invoice, lines []Line, reason string, rule excessRule) (Invoice, error) {
	_, _, st, err := lockState(ctx, q, orig.ID, now)
	if err != nil {
		return Invoice{}, err
	}
	today := s.today()
	pol, err := s.pack.At(today)
	if err != nil {
		return Invoice{}, err
	}
	d := draft{docType: DocCreditNote, orgID: orig.OrgID, customer: orig.Customer, kind: orig.CustomerKind, lang: orig.Lang, pol: pol,
		vat: vatDecision{scheme: orig.VATScheme, country: orig.VATCountry, ex: terms.Explanation{{Clause: "",
			Says:   "A credit note keeps the parties and the VAT treatment of the invoice it credits.",
			Inputs: []terms.Input{{Name: "invoice", Value: orig.Number}}, Value: orig.VATScheme,
			Key: "billing.credit_note_vat", Args: terms.StepArgs(map[string]any{"invoice": orig.Number})}}},
		issueDate: today, lines: lines, reason: reason, credits: &orig}
	cn, err := s.issue(ctx, q, now, d)
	if err != nil {
		return Invoice{}, err
	}
	if st.Credited+cn.TotalIncl > orig.TotalIncl {
		return Invoice{}, invalid("lines", "billing.invoice_s_already_credited", orig.Number, st.Credited, orig.TotalIncl)
	}
	apply := min(max(st.Open, 0), cn.TotalIncl)
	if rule.exact {
		apply = min(max(st.Open, 0), max(cn.TotalIncl-rule.amount, 0))
	}
	st.Open -= apply
	st.Credited += cn.TotalIncl
	if st.Open == 0 && (st.Status == StatusOpen || st.Status == StatusCollectionPending) {
		st.Status, st.SettledOn = StatusCredited, today
		if st.Paid > 0 {
			st.Status = StatusPaid
		}
	}
	if err := saveState(ctx, q, orig.ID, st, now); err != nil {
		return Invoice{}, err
	}
	if rest := cn.TotalIncl - apply; rest > 0 {
		what := fmt.Sprintf("credit note %s on invoice %s, already paid", cn.Number, orig.Number)
		if rule.exact && rest > rule.amount {
			if err := s.placeExcess(ctx, q, now, orig.OrgID, rest-rule.amount, today, "credit_note_rounding", cn.Number, what+" (VAT rounding)"); err != nil {
				return Invoice{}, err
			}
			rest = rule.amount
		}
		if rule.refund {
			if rest == 0 {
				return cn, nil
			}
			if _, err := q.ExecContext(ctx, `INSERT INTO refunds (org_id, amount, due_by, source, source_ref, status, explanation, created_at)
				VALUES ($1, $2, $3, 'credit_note', $4, 'open', $5, $6) ON CONFLICT (source, source_ref) DO NOTHING`,
				orig.OrgID, rest, rule.dueBy.String(), cn.Number, exJSON(terms.Explanation{{Says: what, Key: "billing.credit_note_refund",
					Args: terms.StepArgs(map[string]any{"credit_note": cn.Number, "invoice": orig.Number})}}), now); err != nil {
				return Invoice{}, err
			}
		} else if err := s.placeExcess(ctx, q, now, orig.OrgID, rest, today, "credit_note", cn.Number, what); err != nil {
			return Invoice{}, err
		}
	}
	return cn, nil
}

// ChargeLine is one line of a charge (IssueCharge).
type ChargeLine struct {
	Description string      `json:"description"`
	Amount      terms.Money `json:"amount"` // excl. VAT
	// VATCategory: standard, reduced, zero, or VATNone for amounts outside the scope of
	// VAT (late-payment interest, extrajudicial collection costs: cp.av.14.4, no VAT on
	// top).
	VATCategory string `json:"vat_category"`
}

// IssueCharge invoices amounts outside the billing run — late-payment interest and
// collection costs for dunning, or anything staff charge — as one invoice, at once.
// key makes it idempotent ("" for none): a second call with the same key returns
// ErrAlreadyBilled. Lines outside the scope of VAT cannot share an invoice with taxed
// lines (EN 16931 BR-O-11). Staff with the billing role, or SystemPrincipal.
func (s *Service) IssueCharge(ctx context.Context, by accounts.Principal, orgID int64, lines []ChargeLine, reason, key string) (Invoice, error) {
	if err := by.Check(accounts.InvoiceManage, accounts.Provider); err != nil {
		return Invoice{}, err
	}
	d, err := s.chargeDraft(ctx, by, orgID, lines, reason, key)
	if err != nil {
		return Invoice{}, err
	}
	ctx = actorFor(ctx, by)
	var inv Invoice
	err = s.inTx(ctx, func(q store.Querier) error {
		var err error
		inv, err = s.issue(ctx, q, s.now(), d)
		return err
	})
	return inv, err
}

// IssueChargeIn is IssueCharge inside the caller's transaction q, for another
// package's service that decides the charge in a transaction of its own (dunning: the
// step that charges interest and collection costs is taken in the same transaction as
// its invoice). It is a system call: the caller checks its own caller. key is
// required and makes it idempotent: when an invoice was issued under key before, that
// invoice is returned and nothing is issued.
func (s *Service) IssueChargeIn(ctx context.Context, q store.Querier, orgID int64, lines []ChargeLine, reason, key string) (Invoice, error) {
	if strings.TrimSpace(key) == "" {
		return Invoice{}, invalid("key", "billing.charge_issued_inside_another")
	}
	var prev int64
	err := q.QueryRowContext(ctx, `SELECT invoice_id FROM billed_items WHERE source = $1 AND source_id = 0 AND period_start = $2`, SourceCharge, key).Scan(&prev)
	switch {
	case err == nil:
		return getInvoice(ctx, q, prev)
	case !errors.Is(err, sql.ErrNoRows):
		return Invoice{}, err
	}
	d, err := s.chargeDraft(ctx, s.job, orgID, lines, reason, key)
	if err != nil {
		return Invoice{}, err
	}
	return s.issue(jobCtx(ctx, "billing.charge"), q, s.now(), d)
}

// chargeDraft validates a charge and drafts its invoice (reading the customer as by).
func (s *Service) chargeDraft(ctx context.Context, by accounts.Principal, orgID int64, lines []ChargeLine, reason, key string) (draft, error) {
	if len(lines) == 0 || len(lines) > 100 {
		return draft{}, invalid("lines", "billing.charge_needs_1_100")
	}
	none := 0
	for i, l := range lines {
		if strings.TrimSpace(l.Description) == "" || len(l.Description) > 300 {
			return draft{}, invalid(fmt.Sprintf("lines.%d.description", i), "billing.describe_line_most_300")
		}
		if l.Amount <= 0 {
			return draft{}, invalid(fmt.Sprintf("lines.%d.amount", i), "billing.must_more_than_0")
		}
		switch l.VATCategory {
		case VATNone:
			none++
		case terms.VATStandard, terms.VATReduced, terms.VATZero:
		default:
			return draft{}, invalid(fmt.Sprintf("lines.%d.vat_category", i), "billing.must_standard_reduced_zero")
		}
	}
	if none > 0 && none < len(lines) {
		return draft{}, invalid("lines", "billing.amounts_outside_scope_vat")
	}
	if len(key) > 200 {
		return draft{}, invalid("key", "billing.most_200_characters")
	}
	org, err := s.customers.GetOrganisation(ctx, by, orgID)
	if err != nil {
		return draft{}, err
	}
	today := s.today()
	pol, err := s.pack.At(today)
	if err != nil {
		return draft{}, err
	}
	party, kind, lang := customerParty(org)
	dec := decideVAT(pol, party, kind)
	d := draft{docType: DocInvoice, orgID: orgID, customer: party, kind: kind, lang: lang, pol: pol, vat: dec, issueDate: today,
		reason: strings.TrimSpace(reason)}
	for _, l := range lines {
		r, err := dec.rate(pol, l.VATCategory, today)
		if err != nil {
			return draft{}, err
		}
		d.lines = append(d.lines, Line{Source: SourceCharge, Description: strings.TrimSpace(l.Description), Quantity: 1, Unit: "C62",
			UnitPrice: l.Amount, VATCategory: l.VATCategory, VATRate: r})
	}
	if key != "" {
		d.keys = []billedKey{{SourceCharge, 0, key}}
	}
	return d, nil
}

// Project invoice stages (fo.av.16.1).
const (
	StageDeposit = "deposit" // when the provider announces that the work starts
	StageBalance = "balance" // on acceptance of the work
)

// IssueProjectInvoice invoices a fixed-price project (a one-off subscription) in the
// two parts of fo.av.16.1: the deposit (terms.Policy.Deposit: 50% for 5online) when
// the provider announces that the work will start, the rest on acceptance. Each stage
// is billed once (a second call is ErrAlreadyBilled). Under terms without a deposit
// the balance is the whole price. Staff with the billing role.
func (s *Service) IssueProjectInvoice(ctx context.Context, by accounts.Principal, subscriptionID int64, stage string) (Invoice, error) {
	if err := by.Check(accounts.InvoiceManage, accounts.Provider); err != nil {
		return Invoice{}, err
	}
	sub, err := contracts.SubscriptionForBilling(ctx, s.db, subscriptionID)
	if err != nil {
		return Invoice{}, err
	}
	if sub.Billing != catalog.OneOff {
		return Invoice{}, invalid("subscription_id", "billing.only_one_off_project")
	}
	today := s.today()
	pol, err := s.pack.At(today)
	if err != nil {
		return Invoice{}, err
	}
	total := sub.Price.Mul(int64(max(sub.Quantity, 1))) + sub.SetupFee
	dep, ex, err := pol.Deposit(total)
	if err != nil {
		return Invoice{}, err
	}
	org, err := s.customers.GetOrganisation(ctx, by, sub.OrgID)
	if err != nil {
		return Invoice{}, err
	}
	party, kind, lang := customerParty(org)
	dec := decideVAT(pol, party, kind)
	cat := sub.VATCategory
	if cat == "" {
		cat = terms.VATStandard
	}
	rate, err := dec.rate(pol, cat, today)
	if err != nil {
		return Invoice{}, err
	}
	pct := pol.Terms.Payment.DepositPercent
	var line Line
	switch stage {
	case StageDeposit:
		if dep.Deposit == 0 {
			return Invoice{}, invalid("stage", "billing.terms_provide_no_deposit")
		}
		line = Line{Source: SourceDeposit, SourceID: sub.ID, Description: fmt.Sprintf(pick(lang, "Aanbetaling %s%%: %s", "Deposit %s%%: %s"), pct, describe(sub)),
			UnitPrice: dep.Deposit}
	case StageBalance:
		amount := total
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM billed_items WHERE source = 'deposit' AND source_id = $1`, sub.ID).Scan(&n); err != nil {
			return Invoice{}, err
		}
		if n > 0 {
			amount = dep.Balance
		}
		line = Line{Source: SourceBalance, SourceID: sub.ID, Description: fmt.Sprintf(pick(lang, "Restant na oplevering: %s", "Balance on acceptance: %s"), describe(sub)),
			UnitPrice: amount}
	default:
		return Invoice{}, invalid("stage", "billing.must_deposit_balance")
	}
	line.Quantity, line.Unit, line.VATCategory, line.VATRate = 1, "C62", cat, rate
	d := draft{docType: DocInvoice, orgID: sub.OrgID, customer: party, kind: kind, lang: lang, pol: pol, vat: dec, issueDate: today,
		lines: []Line{line}, keys: []billedKey{{stage, sub.ID, ""}}, applyCredit: true, ex: ex}
	ctx = actorFor(ctx, by)
	var inv Invoice
	err = s.inTx(ctx, func(q store.Querier) error {
		var err error
		inv, err = s.issue(ctx, q, s.now(), d)
		return err
	})
	return inv, err
}

func pick(lang, nl, en string) string {
	if lang == "en" {
		return en
	}
	return nl
}

// FindByInvoiceNumber returns the invoice with this number (payments match transfers
// that name it).
func (s *Service) FindByInvoiceNumber(ctx context.Context, number string) (OpenInvoice, error) {
	return scanOpen(s.db.QueryRowContext(ctx, `SELECT `+openCols+invFrom+` WHERE i.number = $1 AND i.doc_type = 'invoice'`,
		strings.ToUpper(strings.TrimSpace(number))))
}

// ProcessOverpaymentChecks credits what a customer was invoiced for time after a
// service ended (cp.av.13.5): the unused days of the billed periods, by day, on a
// credit note per invoice. What was already paid of it is refunded within the pack's
// "overpayment-refund" deadline (30 days) once all the customer's services have
// ended, and is account credit otherwise.
func (s *Service) ProcessOverpaymentChecks(ctx context.Context, now time.Time) error {
	ctx = jobCtx(ctx, "billing.overpayment")
	var after int64
	for {
		list, err := contracts.OpenOverpaymentChecks(ctx, s.db, after, 200)
		if err != nil {
			return err
		}
		for _, c := range list {
			after = c.ID
			if err := s.inTx(ctx, func(q store.Querier) error { return s.overpaymentCheck(ctx, q, now, c) }); err != nil {
				return fmt.Errorf("billing: overpayment check %d: %w", c.ID, err)
			}
		}
		if len(list) < 200 {
			return nil
		}
	}
}

func (s *Service) overpaymentCheck(ctx context.Context, q store.Querier, now time.Time, c contracts.OverpaymentCheck) error {
	rows, err := q.QueryContext(ctx, `SELECT l.invoice_id, l.position FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
		WHERE i.doc_type = 'invoice' AND l.source = 'period' AND l.source_id = $1 AND l.period_end >= $2 ORDER BY l.invoice_id, l.position`,
		c.SubscriptionID, c.EndedOn.String())
	if err != nil {
		return err
	}
	type ref struct {
		inv int64
		pos int
	}
	var refs []ref
	for rows.Next() {
		var r ref
		if err := rows.Scan(&r.inv, &r.pos); err != nil {
			rows.Close()
			return err
		}
		refs = append(refs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	byInv := map[int64][]int{}
	var order []int64
	for _, r := range refs {
		if _, ok := byInv[r.inv]; !ok {
			order = append(order, r.inv)
		}
		byInv[r.inv] = append(byInv[r.inv], r.pos)
	}
	pol, err := s.pack.At(c.EndedOn)
	if err != nil {
		return err
	}
	for _, id := range order {
		orig, err := getInvoice(ctx, q, id)
		if err != nil {
			return err
		}
		var lines []Line
		for _, pos := range byInv[id] {
			l := orig.Lines[pos-1]
			from := terms.MaxDate(l.PeriodStart, c.EndedOn)
			pr, _, err := pol.Prorate(terms.ProrationInput{Amount: l.Amount, PeriodStart: l.PeriodStart, PeriodEnd: l.PeriodEnd.AddDays(1),
				From: from, Until: l.PeriodEnd.AddDays(1)})
			if err != nil {
				return fmt.Errorf("invoice %d line %d: %w", id, pos, err)
			}
			amt := pr.Amount
			if amt <= 0 {
				continue
			}
			cl := creditOf(l, amt, orig.Lang)
			cl.Description = fmt.Sprintf(pick(orig.Lang, "Niet gebruikt na einde dienst (%s t/m %s): %s", "Not used after the service ended (%s to %s): %s"),
				from, l.PeriodEnd, l.Description)
			cl.PeriodStart = from
			lines = append(lines, cl)
		}
		if len(lines) == 0 {
			continue
		}
		if _, err := s.creditNote(ctx, q, now, orig, lines, "service ended ("+s.overpaymentClauses(c.EndedOn)+")", excessRule{}); err != nil {
			if errors.Is(err, ErrAlreadyBilled) {
				continue
			}
			return err
		}
	}
	if err := contracts.MarkOverpaymentChecked(ctx, q, c.ID); err != nil {
		return err
	}
	return record(ctx, q, now, c.OrgID, "billing.overpayment.check", "subscription", c.SubscriptionID,
		fmt.Sprintf("overpayment check after the end on %s: %d invoices credited", c.EndedOn, len(order)))
}

// overpaymentClauses cites the pack's clauses for overpayment after a service ended
// (cp.av.13.5 for Cloud Provider), for the credit note's reason.
func (s *Service) overpaymentClauses(on terms.Date) string {
	pol, err := s.pack.At(on)
	if err != nil {
		return ""
	}
	if dl, ok := pol.Terms.Deadlines["overpayment-refund"]; ok && len(dl.Clauses) > 0 {
		return terms.ClauseRef(dl.Clauses)
	}
	return terms.ClauseRef(pol.Terms.Payment.Clauses)
}
