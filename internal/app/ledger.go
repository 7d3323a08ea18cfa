package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/dunning"
	"github.com/hostpact/hostpact/internal/payments"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// The adapter between billing and dunning's small interface (docs/architecture.md,
// "Packages talk through service functions and small interfaces"): dunning.Invoices.
// billing as payments.Ledger is package billing/ledger.

// paidQueue holds the invoices a payment was applied to, for dunning.OnPaid. OnPaid
// opens a transaction of its own, so it cannot run inside the payment's (on SQLite it
// would wait for that very transaction); the "dunning.paid" job drains the queue
// after commit. The queue lives in this process: when another instance runs the jobs,
// or this one stops first, dunning's hourly RunDue settles the invoice instead, as it
// does for every invoice it follows that is no longer open.
type paidQueue struct {
	clk clock.Clock
	mu  sync.Mutex
	ids map[int64]time.Time // invoice → when first queued
}

// paidRetry is how long an invoice stays queued while dunning still sees it open (the
// payment's transaction had not committed yet when the job ran).
const paidRetry = 10 * time.Minute

// paidQueueMax bounds the queue; beyond it RunDue does the work.
const paidQueueMax = 10000

func newPaidQueue(clk clock.Clock) *paidQueue {
	return &paidQueue{clk: clk, ids: map[int64]time.Time{}}
}

func (p *paidQueue) add(id int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.ids[id]; !ok && len(p.ids) < paidQueueMax {
		p.ids[id] = p.clk.Now()
	}
}

func (p *paidQueue) take() map[int64]time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.ids
	p.ids = map[int64]time.Time{}
	return out
}

func (p *paidQueue) putBack(id int64, since time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.ids[id]; !ok {
		p.ids[id] = since
	}
}

// settlePaid lets dunning settle the invoices payments were applied to since the last
// call (dunning.OnPaid: lift a suspension, charge interest and collection costs, close
// dunning). An invoice paid on time leaves no trace; one still partly open is dropped
// (a later payment queues it again).
func settlePaid(ctx context.Context, d *dunning.Service, p *paidQueue, log *slog.Logger) error {
	var errs []error
	for id, since := range p.take() {
		err := d.OnPaid(ctx, id)
		switch {
		case err == nil:
		case errors.Is(err, dunning.ErrStillOpen):
			if p.clk.Now().Sub(since) < paidRetry {
				p.putBack(id, since)
			}
		default:
			// RunDue retries it within the hour.
			log.Warn("dunning: settling a paid invoice failed", "invoice_id", id, "err", err)
			errs = append(errs, fmt.Errorf("invoice %d: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

// contractsLedger is billing as contracts.Ledger: what was invoiced and paid for a
// subscription, which a withdrawal refunds.
type contractsLedger struct{ b *billing.Service }

var _ contracts.Ledger = contractsLedger{}

func (l contractsLedger) SubscriptionAccount(ctx context.Context, q store.Querier, subID int64) (contracts.Account, error) {
	acc, err := l.b.AccountOf(ctx, q, subID)
	if err != nil {
		return contracts.Account{}, err
	}
	return contracts.Account{Invoiced: acc.Invoiced, Paid: acc.Paid, VATRate: acc.VATRate}, nil
}

// dunningClaims is dunning as billing.Claims: the interest and collection costs
// charged on an invoice, which a payment on it pays first (art. 6:44 BW). It reads
// the app's dunning service at call time, as billing is built before it.
type dunningClaims struct{ a *App }

var _ billing.Claims = dunningClaims{}

func (c dunningClaims) ChargedOn(ctx context.Context, q store.Querier, invoiceID int64) (billing.ChargedClaim, bool, error) {
	if c.a.Dunning == nil {
		return billing.ChargedClaim{}, false, nil
	}
	cl, ok, err := c.a.Dunning.ChargedOn(ctx, q, invoiceID)
	return billing.ChargedClaim{ChargeInvoiceID: cl.ChargeInvoiceID, Costs: cl.Costs, Interest: cl.Interest}, ok, err
}

// dunningInvoices is billing as dunning.Invoices.
type dunningInvoices struct{ b *billing.Service }

var _ dunning.Invoices = dunningInvoices{}

func toDunning(o billing.OpenInvoice) dunning.OpenInvoice {
	return dunning.OpenInvoice{ID: o.ID, OrgID: o.OrgID, Number: o.Number, CustomerKind: o.CustomerKind, Email: o.Email, Lang: o.Lang,
		InvoiceDate: o.IssueDate, DueDate: o.DueDate, Open: max(o.Open, 0), Total: o.TotalIncl, PackVersion: o.TermsVersion}
}

func (d dunningInvoices) OpenInvoices(ctx context.Context, asOf terms.Date) ([]dunning.OpenInvoice, error) {
	list, err := d.b.OpenInvoices(ctx, asOf)
	if err != nil {
		return nil, err
	}
	out := make([]dunning.OpenInvoice, 0, len(list))
	for _, o := range list {
		out = append(out, toDunning(o))
	}
	return out, nil
}

func (d dunningInvoices) Invoice(ctx context.Context, id int64) (dunning.OpenInvoice, error) {
	o, err := d.b.OpenInvoiceByID(ctx, id)
	if errors.Is(err, billing.ErrNotFound) {
		return dunning.OpenInvoice{}, fmt.Errorf("%w: %w", dunning.ErrNotFound, err)
	}
	if err != nil {
		return dunning.OpenInvoice{}, err
	}
	return toDunning(o), nil
}

func (d dunningInvoices) Payments(ctx context.Context, invoiceID int64) ([]dunning.Payment, error) {
	list, err := d.b.InvoicePayments(ctx, invoiceID)
	if err != nil {
		return nil, err
	}
	out := make([]dunning.Payment, 0, len(list))
	for _, p := range list {
		out = append(out, dunning.Payment{On: p.On, Amount: p.Amount})
	}
	return out, nil
}

// IssueCharge issues the interest and collection costs inside q, the dunning step's
// transaction, keyed by the step (dunning.StepKey), so a step retried after a crash
// finds the invoice it issued instead of billing again. Neither amount carries VAT
// (cp.av.14.4: interest is outside the scope of VAT, collection costs are charged
// without VAT on top).
func (d dunningInvoices) IssueCharge(ctx context.Context, q store.Querier, orgID int64, lines []dunning.ChargeLine, reason string) (int64, error) {
	key := dunning.StepKey(ctx)
	if key == "" {
		h := sha256.Sum256(fmt.Appendf(nil, "%d\x00%s", orgID, reason))
		key = "dunning:" + hex.EncodeToString(h[:16])
	}
	bl := make([]billing.ChargeLine, 0, len(lines))
	for _, l := range lines {
		bl = append(bl, billing.ChargeLine{Description: l.Description, Amount: l.Amount, VATCategory: billing.VATNone})
	}
	inv, err := d.b.IssueChargeIn(ctx, q, orgID, bl, reason, key)
	if err != nil {
		return 0, err
	}
	return inv.ID, nil
}

// billingStaff lists the staff with the billing role (admins hold every role) who are
// not disabled, for the payments' warnings before refund deadlines.
func billingStaff(ctx context.Context, acc *accounts.Service) ([]payments.StaffContact, error) {
	users, err := acc.ListUsers(ctx, billing.SystemPrincipal, 0)
	if err != nil {
		return nil, err
	}
	var out []payments.StaffContact
	for _, u := range users {
		if !u.Disabled && u.HasRole(accounts.RoleBilling) {
			out = append(out, payments.StaffContact{ID: u.ID, Name: u.Name, Email: u.Email, Lang: u.Language})
		}
	}
	return out, nil
}
