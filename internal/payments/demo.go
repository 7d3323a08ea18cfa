package payments

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/terms"
)

// DemoProvider is a payment provider that lives in the process, for `hostpact demo`:
// CreatePayment returns the local page /demo-psp/{id}; the web layer shows it and, on
// the customer's choice, calls Complete, which returns the webhook request to deliver
// (signed with the shared secret) and where to send the customer back.
type DemoProvider struct {
	secret string
	clock  clock.Clock
	mu     sync.Mutex
	seq    int
	pays   map[string]*DemoPayment
	// refunds by idempotency key: a key refunds once.
	refunds map[string]*RefundStatus
}

// DemoPayment is a payment held by the DemoProvider.
type DemoPayment struct {
	ID          string
	Amount      terms.Money
	Description string
	Reference   string
	RedirectURL string
	WebhookURL  string
	Status      string
	PaidAt      time.Time
}

// DemoSignatureHeader carries the demo webhook's signature.
const DemoSignatureHeader = "X-Demo-Signature"

var demoID = regexp.MustCompile(`^demo_[0-9]{6,}$`)

// NewDemoProvider returns a demo provider whose webhooks are signed with secret.
func NewDemoProvider(secret string, clk clock.Clock) *DemoProvider {
	if secret == "" {
		panic("payments: the demo provider needs a secret")
	}
	return &DemoProvider{secret: secret, clock: clk, pays: map[string]*DemoPayment{}, refunds: map[string]*RefundStatus{}}
}

// CreatePayment records an open payment.
func (d *DemoProvider) CreatePayment(_ context.Context, req PaymentRequest) (Checkout, error) {
	if req.Amount <= 0 {
		return Checkout{}, errors.New("demo: amount must be more than zero")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seq++
	id := fmt.Sprintf("demo_%06d", d.seq)
	d.pays[id] = &DemoPayment{ID: id, Amount: req.Amount, Description: req.Description, Reference: req.Reference,
		RedirectURL: req.RedirectURL, WebhookURL: req.WebhookURL, Status: PSPOpen}
	return Checkout{ID: id, URL: "/demo-psp/" + id}, nil
}

// Payment returns a payment for the demo page.
func (d *DemoProvider) Payment(id string) (DemoPayment, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, ok := d.pays[id]
	if !ok {
		return DemoPayment{}, false
	}
	return *p, true
}

// Complete marks an open payment paid (paid true) or failed, and returns the signed
// webhook request to deliver to the payment's webhook URL and the URL to send the
// customer back to. Completing a payment that is no longer open changes nothing but
// still returns a webhook (as a real provider may repeat one).
func (d *DemoProvider) Complete(id string, paid bool) (webhook *http.Request, redirect string, err error) {
	d.mu.Lock()
	p, ok := d.pays[id]
	if ok && p.Status == PSPOpen {
		if paid {
			p.Status, p.PaidAt = PSPPaid, d.clock.Now()
		} else {
			p.Status = PSPFailed
		}
	}
	var hook, back string
	if ok {
		hook, back = p.WebhookURL, p.RedirectURL
	}
	d.mu.Unlock()
	if !ok {
		return nil, "", errors.New("demo: no such payment")
	}
	req, err := d.WebhookRequest(hook, id)
	return req, back, err
}

// WebhookRequest builds the signed POST id=… to target.
func (d *DemoProvider) WebhookRequest(target, id string) (*http.Request, error) {
	body := url.Values{"id": {id}}.Encode()
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(DemoSignatureHeader, SignWebhook(d.secret, []byte(body)))
	return req, nil
}

// VerifyWebhook checks the shared-secret signature and returns the payment id.
func (d *DemoProvider) VerifyWebhook(_ context.Context, r *http.Request) (string, error) {
	return verifyFormWebhook(r, d.secret, DemoSignatureHeader, demoID)
}

// GetStatus reports a payment's status.
func (d *DemoProvider) GetStatus(_ context.Context, id string) (PaymentStatus, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, ok := d.pays[id]
	if !ok {
		return PaymentStatus{}, errors.New("demo: no such payment")
	}
	return PaymentStatus{ID: p.ID, Status: p.Status, Amount: p.Amount, Currency: "EUR", PaidAt: p.PaidAt}, nil
}

// Refund refunds a paid demo payment at once (status refunded); the same key returns
// the same refund. More than was paid, less what was refunded before, is refused.
func (d *DemoProvider) Refund(_ context.Context, req RefundRequest) (RefundStatus, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if r, ok := d.refunds[req.Key]; ok && req.Key != "" {
		return *r, nil
	}
	p, ok := d.pays[req.PaymentID]
	if !ok || p.Status != PSPPaid {
		return RefundStatus{}, errors.New("demo: no such paid payment")
	}
	var before terms.Money
	for _, r := range d.refunds {
		if r.PaymentID == req.PaymentID {
			before += r.Amount
		}
	}
	if req.Amount <= 0 || before+req.Amount > p.Amount {
		return RefundStatus{}, fmt.Errorf("demo: refund of %s exceeds what is left of payment %s (%s)", req.Amount, p.ID, p.Amount-before)
	}
	r := &RefundStatus{ID: fmt.Sprintf("re_demo%06d", len(d.refunds)+1), PaymentID: req.PaymentID, Status: RefundRefunded, Amount: req.Amount}
	d.refunds[req.Key] = r
	return *r, nil
}

// GetRefund reports a demo refund.
func (d *DemoProvider) GetRefund(_ context.Context, paymentID, refundID string) (RefundStatus, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, r := range d.refunds {
		if r.ID == refundID && r.PaymentID == paymentID {
			return *r, nil
		}
	}
	return RefundStatus{}, errors.New("demo: no such refund")
}

// RefundCount reports how many refunds the demo provider made (for tests).
func (d *DemoProvider) RefundCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.refunds)
}
