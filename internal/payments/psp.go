package payments

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// Status of an online payment, as Mollie's v2 API names them.
const (
	PSPOpen       = "open"
	PSPPending    = "pending"
	PSPAuthorized = "authorized"
	PSPPaid       = "paid"
	PSPFailed     = "failed"
	PSPExpired    = "expired"
	PSPCanceled   = "canceled"
	pspCreating   = "creating"      // our row exists, the provider was not asked yet
	pspCreateFail = "create_failed" // the provider refused or did not answer
)

// PaymentRequest is what a provider needs to create a payment.
type PaymentRequest struct {
	Amount      terms.Money // in EUR
	Description string
	Reference   string // our reference, kept in the provider's metadata
	RedirectURL string // where the customer returns after paying
	WebhookURL  string // where the provider reports a change
}

// Checkout is a created payment: the provider's id and the page the customer pays on.
type Checkout struct {
	ID  string
	URL string
}

// PaymentStatus is what a provider reports about a payment.
type PaymentStatus struct {
	ID       string
	Status   string // open, pending, authorized, paid, failed, expired, canceled
	Amount   terms.Money
	Currency string
	PaidAt   time.Time // zero unless paid
}

// Provider is an online payment service provider.
type Provider interface {
	CreatePayment(ctx context.Context, req PaymentRequest) (Checkout, error)
	// VerifyWebhook checks that r comes from the provider (a signature, or by design
	// nothing to trust but an id whose status is then fetched) and returns the payment id.
	VerifyWebhook(ctx context.Context, r *http.Request) (string, error)
	GetStatus(ctx context.Context, id string) (PaymentStatus, error)
	// Refund pays (part of) a payment back to where it came from. A second call with
	// the same Key returns the first refund instead of refunding again.
	Refund(ctx context.Context, req RefundRequest) (RefundStatus, error)
	// GetRefund reports a refund's status.
	GetRefund(ctx context.Context, paymentID, refundID string) (RefundStatus, error)
}

// RefundRequest asks a provider to refund (part of) one of its payments.
type RefundRequest struct {
	PaymentID   string // the provider's payment id
	Amount      terms.Money
	Description string
	Reference   string // ours, kept in the provider's metadata
	Key         string // idempotency key
}

// RefundStatus is what a provider reports about a refund.
type RefundStatus struct {
	ID        string
	PaymentID string
	Status    string // queued, pending, processing, refunded, failed, canceled
	Amount    terms.Money
}

// Status of a refund at the provider, as Mollie's v2 API names them.
const (
	RefundQueued     = "queued"
	RefundPending    = "pending"
	RefundProcessing = "processing"
	RefundRefunded   = "refunded"
	RefundFailed     = "failed"
	RefundCanceled   = "canceled"
)

// OnlinePayment is a payment started through a provider.
type OnlinePayment struct {
	ID            int64
	Provider      string
	ProviderID    string
	InvoiceID     int64
	InvoiceNumber string
	OrgID         int64
	Amount        terms.Money
	CheckoutURL   string
	Status        string
	Applied       terms.Money
	Excess        terms.Money
	CreatedAt     time.Time
}

// reuseOpenFor: a customer who clicks "pay" again within this time gets the same
// checkout page instead of a second payment.
const reuseOpenFor = 10 * time.Minute

func (s *Service) onlineProvider() (string, Provider, error) {
	name := s.cfg.OnlineProvider
	if name == "" && len(s.cfg.Providers) == 1 {
		for n := range s.cfg.Providers {
			name = n
		}
	}
	p, ok := s.cfg.Providers[name]
	if !ok || p == nil {
		return "", nil, errors.New("payments: no online payment provider is configured")
	}
	return name, p, nil
}

// invoiceFor reads an invoice from the ledger and checks that by may see it: the
// organisation comes from the invoice, never from the caller, so another
// organisation's invoice is not found.
func (s *Service) invoiceFor(ctx context.Context, by accounts.Principal, invoiceID int64) (OpenItem, error) {
	if err := by.Ready(); err != nil {
		return OpenItem{}, err
	}
	if invoiceID <= 0 {
		return OpenItem{}, ErrNotFound
	}
	it, err := s.ledger.Invoice(ctx, invoiceID)
	if err != nil {
		return OpenItem{}, err
	}
	if err := by.Check(accounts.InvoiceRead, accounts.OrgID(it.OrgID)); err != nil {
		return OpenItem{}, err
	}
	return it, nil
}

// StartOnlinePayment creates a payment of the invoice's open amount with the online
// provider and returns the checkout URL to send the customer to. It reads the invoice
// itself: a customer's user with the billing permission may pay its own
// organisation's invoices only (another organisation's invoice is not found); billing
// staff may start one for any customer. redirect is where the provider sends the
// customer back (an absolute http(s) URL, or a path on the portal).
func (s *Service) StartOnlinePayment(ctx context.Context, by accounts.Principal, invoiceID int64, redirect string) (string, error) {
	invoice, err := s.invoiceFor(ctx, by, invoiceID)
	if err != nil {
		return "", err
	}
	if err := by.Check(accounts.InvoicePay, accounts.OrgID(invoice.OrgID)); err != nil {
		return "", err
	}
	ctx = actorFor(ctx, by)
	if invoice.CollectionPending {
		return "", FieldErrors{"invoice": i18n.T("payments.invoice_s_being_collected", invoice.Number)}
	}
	if invoice.Open <= 0 {
		return "", FieldErrors{"invoice": i18n.T("payments.invoice_s_has_nothing2", invoice.Number)}
	}
	redirect, err = s.absURL(redirect)
	if err != nil {
		return "", FieldErrors{"redirect": i18n.From(err)}
	}
	name, p, err := s.onlineProvider()
	if err != nil {
		return "", err
	}
	// An open payment of the same amount, just created, is offered again.
	var reuse string
	err = s.db.QueryRowContext(ctx, `SELECT checkout_url FROM psp_payments WHERE invoice_id = $1 AND provider = $2 AND status = $3 AND amount = $4
		AND created_at > $5 AND checkout_url <> '' ORDER BY id DESC LIMIT 1`,
		invoice.InvoiceID, name, PSPOpen, int64(invoice.Open), s.now().Add(-reuseOpenFor)).Scan(&reuse)
	if err == nil {
		return reuse, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	var id int64
	now := s.now()
	if err := s.db.QueryRowContext(ctx, `INSERT INTO psp_payments (provider, invoice_id, invoice_number, org_id, amount, reference, status, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
		name, invoice.InvoiceID, invoice.Number, invoice.OrgID, int64(invoice.Open), invoice.Reference, pspCreating, by.User.ID, now).Scan(&id); err != nil {
		return "", err
	}
	desc := "Factuur " + invoice.Number
	co, perr := p.CreatePayment(ctx, PaymentRequest{Amount: invoice.Open, Description: desc, Reference: invoice.Reference,
		RedirectURL: redirect, WebhookURL: s.cfg.BaseURL + WebhookPath(name)})
	err = s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		if perr != nil {
			if _, err := q.ExecContext(ctx, `UPDATE psp_payments SET status = $1, updated_at = $2 WHERE id = $3`, pspCreateFail, now, id); err != nil {
				return err
			}
			return record(ctx, q, now, invoice.OrgID, "payment.online_failed_to_start", "psp_payment", id, fmt.Sprintf(
				"online payment of %s for invoice %s could not be created at %s: %s", invoice.Open, invoice.Number, name, clipLen(perr.Error(), 200)))
		}
		if _, err := q.ExecContext(ctx, `UPDATE psp_payments SET provider_id = $1, checkout_url = $2, status = $3, updated_at = $4 WHERE id = $5`,
			co.ID, co.URL, PSPOpen, now, id); err != nil {
			return err
		}
		return record(ctx, q, now, invoice.OrgID, "payment.online_start", "psp_payment", id, fmt.Sprintf(
			"online payment %s of %s for invoice %s started at %s", co.ID, invoice.Open, invoice.Number, name))
	})
	if err != nil {
		return "", err
	}
	if perr != nil {
		return "", fmt.Errorf("%w: %v", ErrProvider, perr)
	}
	return co.URL, nil
}

// absURL accepts an absolute http(s) URL, or a path that is made absolute on BaseURL.
func (s *Service) absURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if raw == "" || err != nil {
		return "", errors.New("a return address is required")
	}
	if u.IsAbs() {
		if u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
			return "", errors.New("the return address must be an http(s) URL")
		}
		return u.String(), nil
	}
	if !strings.HasPrefix(raw, "/") || strings.HasPrefix(raw, "//") {
		return "", errors.New("the return address must be an absolute URL or a path starting with /")
	}
	return s.cfg.BaseURL + raw, nil
}

// HandleWebhook processes a provider's webhook: it verifies the request, fetches the
// payment's status from the provider, and books a paid payment in the ledger exactly
// once (the status change to paid and the ledger call happen in one transaction, on
// a conditional update, and the ledger is idempotent by the provider's id as well). A
// webhook for a payment that is not ours answers ErrNotFound; a forged or unreadable
// one ErrWebhook.
func (s *Service) HandleWebhook(ctx context.Context, providerName string, r *http.Request) error {
	p, ok := s.cfg.Providers[providerName]
	if !ok || p == nil {
		return ErrNotFound
	}
	id, err := p.VerifyWebhook(ctx, r)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrWebhook, err)
	}
	st, err := p.GetStatus(ctx, id)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrProvider, err)
	}
	if st.ID != id {
		return fmt.Errorf("%w: asked for %s, got %s", ErrProvider, id, st.ID)
	}
	return s.applyStatus(ctx, providerName, st)
}

func (s *Service) applyStatus(ctx context.Context, name string, st PaymentStatus) error {
	ctx = jobCtx(ctx, "payments.webhook."+name)
	return s.db.InTx(ctx, func(q store.Querier) error {
		var rowID, invoiceID, orgID, amount int64
		var status, number string
		err := q.QueryRowContext(ctx, `SELECT id, invoice_id, invoice_number, org_id, amount, status FROM psp_payments WHERE provider = $1 AND provider_id = $2`,
			name, st.ID).Scan(&rowID, &invoiceID, &number, &orgID, &amount, &status)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		now := s.now()
		switch st.Status {
		case PSPPaid:
			if st.Currency != "EUR" || st.Amount <= 0 {
				return fmt.Errorf("%w: payment %s paid %s %s", ErrProvider, st.ID, st.Amount, st.Currency)
			}
			paidAt := st.PaidAt
			if paidAt.IsZero() {
				paidAt = now
			}
			res, err := q.ExecContext(ctx, `UPDATE psp_payments SET status = $1, paid_at = $2, updated_at = $3 WHERE id = $4 AND status <> $1`,
				PSPPaid, store.Now(paidAt), now, rowID)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				return nil // booked by an earlier webhook
			}
			on := terms.DateIn(paidAt, clock.Amsterdam)
			applied, excess, err := s.ledger.ApplyPayment(ctx, q, invoiceID, st.Amount, on, SourcePSPPrefix+name, st.ID)
			if err != nil {
				return fmt.Errorf("payments: apply online payment %s: %w", st.ID, err)
			}
			if _, err := q.ExecContext(ctx, `UPDATE psp_payments SET applied = $1, excess = $2 WHERE id = $3`, int64(applied), int64(excess), rowID); err != nil {
				return err
			}
			note := ""
			if st.Amount != terms.Money(amount) {
				note = fmt.Sprintf(" (requested %s)", terms.Money(amount))
			}
			return record(ctx, q, now, orgID, "payment.online_paid", "psp_payment", rowID, fmt.Sprintf(
				"online payment %s of %s%s for invoice %s paid on %s: %s applied, %s excess", st.ID, st.Amount, note, number, on, applied, excess))
		case PSPFailed, PSPExpired, PSPCanceled, PSPOpen, PSPPending, PSPAuthorized:
			if status == PSPPaid || status == st.Status {
				return nil
			}
			if _, err := q.ExecContext(ctx, `UPDATE psp_payments SET status = $1, updated_at = $2 WHERE id = $3`, st.Status, now, rowID); err != nil {
				return err
			}
			return record(ctx, q, now, orgID, "payment.online_status", "psp_payment", rowID, fmt.Sprintf(
				"online payment %s for invoice %s is %s", st.ID, number, st.Status))
		}
		return fmt.Errorf("%w: payment %s has unknown status %q", ErrProvider, st.ID, clip(st.Status))
	})
}

// OnlinePayments lists an invoice's online payments, newest first, to whoever may see
// the invoice.
func (s *Service) OnlinePayments(ctx context.Context, by accounts.Principal, invoiceID int64) ([]OnlinePayment, error) {
	invoice, err := s.invoiceFor(ctx, by, invoiceID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, provider, COALESCE(provider_id, ''), invoice_id, invoice_number, org_id, amount, checkout_url, status, applied, excess, created_at
		FROM psp_payments WHERE invoice_id = $1 AND org_id = $2 ORDER BY id DESC`, invoice.InvoiceID, invoice.OrgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OnlinePayment
	for rows.Next() {
		var o OnlinePayment
		var amount, applied, excess int64
		if err := rows.Scan(&o.ID, &o.Provider, &o.ProviderID, &o.InvoiceID, &o.InvoiceNumber, &o.OrgID, &amount, &o.CheckoutURL, &o.Status, &applied, &excess, &o.CreatedAt); err != nil {
			return nil, err
		}
		o.Amount, o.Applied, o.Excess, o.CreatedAt = terms.Money(amount), terms.Money(applied), terms.Money(excess), o.CreatedAt.UTC()
		out = append(out, o)
	}
	return out, rows.Err()
}

// ProviderNames lists the configured providers.
func (s *Service) ProviderNames() []string {
	var out []string
	for n := range s.cfg.Providers {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
