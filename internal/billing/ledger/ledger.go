// Package ledger adapts billing to payments.Ledger: the one place that turns
// billing's invoices and refunds into what the payments service needs, used by the
// application and by the web and API tests alike (docs/architecture.md, "Packages talk
// through service functions and small interfaces").
package ledger

import (
	"context"
	"errors"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/payments"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// Ledger is billing as payments.Ledger. OnPaid, when set, is told of every invoice a
// payment was applied to (the application lets dunning settle it after commit).
type Ledger struct {
	B      *billing.Service
	OnPaid func(invoiceID int64)
}

var _ payments.Ledger = Ledger{}

// New returns billing as payments.Ledger.
func New(b *billing.Service, onPaid func(invoiceID int64)) Ledger {
	return Ledger{B: b, OnPaid: onPaid}
}

// OpenItem is the payments view of a billing invoice; ok is false when nothing is
// left to pay on it (paid, credited, or a credit note).
func OpenItem(inv billing.OpenInvoice) (payments.OpenItem, bool) {
	if inv.Open <= 0 {
		return payments.OpenItem{}, false
	}
	return payments.OpenItem{InvoiceID: inv.ID, OrgID: inv.OrgID, Number: inv.Number, Open: inv.Open, Reference: inv.Reference,
		IssueDate: inv.IssueDate, Name: inv.Name, Email: inv.Email, Lang: inv.Lang}, true
}

func openItem(inv billing.OpenInvoice, err error) (payments.OpenItem, error) {
	if err != nil {
		return payments.OpenItem{}, err
	}
	it, ok := OpenItem(inv)
	if !ok {
		return payments.OpenItem{}, accounts.ErrNotFound
	}
	return it, nil
}

// Invoice reads any invoice (as billing's system principal: payments checks its own
// caller against the invoice's organisation).
func (l Ledger) Invoice(ctx context.Context, id int64) (payments.OpenItem, error) {
	inv, err := l.B.GetInvoice(ctx, billing.SystemPrincipal, id)
	if err != nil {
		return payments.OpenItem{}, err
	}
	if inv.DocType != billing.DocInvoice {
		return payments.OpenItem{}, accounts.ErrNotFound
	}
	return payments.OpenItem{InvoiceID: inv.ID, OrgID: inv.OrgID, Number: inv.Number, Open: max(inv.State.Open, 0), Reference: inv.Reference,
		IssueDate: inv.IssueDate, Name: inv.Customer.Name, Email: inv.Customer.Email, Lang: inv.Lang,
		CollectionPending: inv.State.Status == billing.StatusCollectionPending}, nil
}

func (l Ledger) FindByPaymentReference(ctx context.Context, ref string) (payments.OpenItem, error) {
	return openItem(l.B.FindByPaymentReference(ctx, ref))
}

func (l Ledger) FindByInvoiceNumber(ctx context.Context, number string) (payments.OpenItem, error) {
	return openItem(l.B.FindByInvoiceNumber(ctx, number))
}

func (l Ledger) ApplyPayment(ctx context.Context, q store.Querier, invoiceID int64, amount terms.Money, on terms.Date, source, sourceRef string) (terms.Money, terms.Money, error) {
	applied, excess, err := l.B.ApplyPayment(ctx, q, invoiceID, amount, on, source, sourceRef)
	if err == nil && applied > 0 && l.OnPaid != nil {
		l.OnPaid(invoiceID)
	}
	return applied, excess, err
}

func (l Ledger) ReversePayment(ctx context.Context, q store.Querier, source, sourceRef string) error {
	return l.B.ReversePayment(ctx, q, source, sourceRef)
}

func (l Ledger) MarkCollectionPending(ctx context.Context, q store.Querier, invoiceID int64, ref string, on terms.Date) error {
	return l.B.MarkCollectionPending(ctx, q, invoiceID, ref, on)
}

func (l Ledger) EndCollectionPending(ctx context.Context, q store.Querier, invoiceID int64, ref, why string) error {
	return l.B.EndCollectionPending(ctx, q, invoiceID, ref, why)
}

func (l Ledger) OpenRefunds(ctx context.Context) ([]payments.Refund, error) {
	list, err := l.B.OpenRefunds(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]payments.Refund, 0, len(list))
	for _, r := range list {
		out = append(out, refund(r))
	}
	return out, nil
}

func refund(r billing.Refund) payments.Refund {
	return payments.Refund{ID: r.ID, OrgID: r.OrgID, Amount: r.Amount, DueBy: r.DueBy, Status: r.Status, Source: r.Source}
}

func (l Ledger) RefundForPayout(ctx context.Context, q store.Querier, id int64) (payments.Refund, error) {
	r, err := l.B.RefundForPayout(ctx, q, id)
	if errors.Is(err, billing.ErrNotFound) {
		return payments.Refund{}, payments.ErrNotFound
	}
	if err != nil {
		return payments.Refund{}, err
	}
	out := refund(r.Refund)
	out.CustomerName, out.Lang = r.CustomerName, r.Lang
	for _, o := range r.Origins {
		out.Origins = append(out.Origins, payments.RefundOrigin{Source: o.Source, SourceRef: o.SourceRef, Amount: o.Amount, On: o.On})
	}
	return out, nil
}

func (l Ledger) MarkRefundSent(ctx context.Context, q store.Querier, id int64, ref string) error {
	return l.B.MarkRefundSent(ctx, q, id, ref)
}

func (l Ledger) MarkRefundPaid(ctx context.Context, q store.Querier, id int64, on terms.Date, ref string) error {
	return l.B.MarkRefundPaid(ctx, q, id, on, ref)
}
