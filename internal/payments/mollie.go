package payments

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/terms"
)

// Mollie is a client of Mollie's v2 Payments API (https://docs.mollie.com). Its
// classic webhooks carry only the payment id (form field id=tr_…); the status is then
// fetched with the API key, so a forged webhook can at most cause a fetch. When
// WebhookSecret is set, a request must also carry a valid X-Mollie-Signature header
// (sha256=<hex HMAC-SHA256 of the body>), as Mollie's signed webhooks do.
type Mollie struct {
	APIKey        string       // live_… or test_…
	BaseURL       string       // default https://api.mollie.com
	HTTP          *http.Client // default: a client with a 15 s timeout
	WebhookSecret string
}

var (
	mollieID       = regexp.MustCompile(`^tr_[A-Za-z0-9]{4,64}$`)
	mollieRefundID = regexp.MustCompile(`^re_[A-Za-z0-9]{4,64}$`)
)

type mollieAmount struct {
	Currency string `json:"currency"`
	Value    string `json:"value"`
}

type molliePayment struct {
	Resource string       `json:"resource"`
	ID       string       `json:"id"`
	Status   string       `json:"status"`
	Amount   mollieAmount `json:"amount"`
	PaidAt   string       `json:"paidAt"`
	Links    struct {
		Checkout *struct {
			Href string `json:"href"`
		} `json:"checkout"`
	} `json:"_links"`
}

type mollieRefund struct {
	Resource  string       `json:"resource"`
	ID        string       `json:"id"`
	Status    string       `json:"status"`
	Amount    mollieAmount `json:"amount"`
	PaymentID string       `json:"paymentId"`
}

type mollieError struct {
	Status int    `json:"status"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Field  string `json:"field"`
}

func (m *Mollie) base() string {
	if m.BaseURL == "" {
		return "https://api.mollie.com"
	}
	return strings.TrimRight(m.BaseURL, "/")
}

func (m *Mollie) client() *http.Client {
	if m.HTTP == nil {
		return &http.Client{Timeout: 15 * time.Second}
	}
	return m.HTTP
}

// call sends a request to Mollie's API and decodes the answer with the status want
// into out. key, when set, is sent as the Idempotency-Key: Mollie answers a repeated
// request with the same key with the first one's result instead of acting twice.
func (m *Mollie) call(ctx context.Context, method, path string, body any, want int, key string, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, m.base()+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+m.APIKey)
	req.Header.Set("Accept", "application/hal+json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := m.client().Do(req)
	if err != nil {
		return fmt.Errorf("mollie: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("mollie: read response: %w", err)
	}
	if resp.StatusCode != want {
		var me mollieError
		if json.Unmarshal(data, &me) == nil && me.Title != "" {
			msg := fmt.Sprintf("mollie: %d %s: %s", resp.StatusCode, me.Title, me.Detail)
			if me.Field != "" {
				msg += " (field " + me.Field + ")"
			}
			return errors.New(msg)
		}
		return fmt.Errorf("mollie: unexpected status %d", resp.StatusCode)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("mollie: unreadable response: %w", err)
	}
	return nil
}

func (m *Mollie) do(ctx context.Context, method, path string, body any, want int) (molliePayment, error) {
	var p molliePayment
	if err := m.call(ctx, method, path, body, want, "", &p); err != nil {
		return p, err
	}
	if p.Resource != "payment" || !mollieID.MatchString(p.ID) {
		return p, fmt.Errorf("mollie: response is not a payment")
	}
	return p, nil
}

// CreatePayment creates a payment (POST /v2/payments) and returns its checkout page.
func (m *Mollie) CreatePayment(ctx context.Context, req PaymentRequest) (Checkout, error) {
	body := map[string]any{
		"amount":      mollieAmount{Currency: "EUR", Value: req.Amount.String()},
		"description": clipLen(req.Description, 255),
		"redirectUrl": req.RedirectURL,
		"webhookUrl":  req.WebhookURL,
		"metadata":    map[string]string{"reference": req.Reference},
	}
	p, err := m.do(ctx, http.MethodPost, "/v2/payments", body, http.StatusCreated)
	if err != nil {
		return Checkout{}, err
	}
	if p.Links.Checkout == nil || p.Links.Checkout.Href == "" {
		return Checkout{}, fmt.Errorf("mollie: payment %s has no checkout link (status %s)", p.ID, p.Status)
	}
	if u, err := url.Parse(p.Links.Checkout.Href); err != nil || u.Scheme != "https" {
		return Checkout{}, fmt.Errorf("mollie: payment %s has a checkout link that is not https", p.ID)
	}
	return Checkout{ID: p.ID, URL: p.Links.Checkout.Href}, nil
}

// GetStatus fetches a payment (GET /v2/payments/{id}).
func (m *Mollie) GetStatus(ctx context.Context, id string) (PaymentStatus, error) {
	if !mollieID.MatchString(id) {
		return PaymentStatus{}, fmt.Errorf("mollie: %q is not a payment id", clip(id))
	}
	p, err := m.do(ctx, http.MethodGet, "/v2/payments/"+id, nil, http.StatusOK)
	if err != nil {
		return PaymentStatus{}, err
	}
	amt, err := terms.ParseMoney(p.Amount.Value)
	if err != nil {
		return PaymentStatus{}, fmt.Errorf("mollie: payment %s: %v", p.ID, err)
	}
	st := PaymentStatus{ID: p.ID, Status: p.Status, Amount: amt, Currency: p.Amount.Currency}
	if p.PaidAt != "" {
		if st.PaidAt, err = time.Parse(time.RFC3339, p.PaidAt); err != nil {
			return PaymentStatus{}, fmt.Errorf("mollie: payment %s: paidAt %q", p.ID, clip(p.PaidAt))
		}
	}
	return st, nil
}

// VerifyWebhook reads the id from a webhook (and checks the signature when a secret is
// configured).
func (m *Mollie) VerifyWebhook(_ context.Context, r *http.Request) (string, error) {
	return verifyFormWebhook(r, m.WebhookSecret, "X-Mollie-Signature", mollieID)
}

// verifyFormWebhook reads a small form body id=… and, when secret is set, checks the
// header sig = "sha256=" + hex(HMAC-SHA256(secret, body)).
func verifyFormWebhook(r *http.Request, secret, sigHeader string, idPattern *regexp.Regexp) (string, error) {
	if r.Method != http.MethodPost {
		return "", errors.New("webhook must be a POST")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 4097))
	if err != nil {
		return "", err
	}
	if len(body) > 4096 {
		return "", errors.New("webhook body too large")
	}
	if secret != "" {
		sig, ok := strings.CutPrefix(r.Header.Get(sigHeader), "sha256=")
		got, err := hex.DecodeString(sig)
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		if !ok || err != nil || !hmac.Equal(got, mac.Sum(nil)) {
			return "", errors.New("webhook signature is missing or wrong")
		}
	}
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		return "", errors.New("webhook body is not a form")
	}
	id := vals.Get("id")
	if !idPattern.MatchString(id) {
		return "", fmt.Errorf("webhook id %q is not a payment id", clip(id))
	}
	return id, nil
}

// SignWebhook returns the signature header value for body under secret.
func SignWebhook(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Refund pays (part of) a payment back (POST /v2/payments/{id}/refunds) with the
// request's key as Idempotency-Key, so a retry after a crash never refunds twice.
func (m *Mollie) Refund(ctx context.Context, req RefundRequest) (RefundStatus, error) {
	if !mollieID.MatchString(req.PaymentID) {
		return RefundStatus{}, fmt.Errorf("mollie: %q is not a payment id", clip(req.PaymentID))
	}
	body := map[string]any{
		"amount":      mollieAmount{Currency: "EUR", Value: req.Amount.String()},
		"description": clipLen(req.Description, 140),
		"metadata":    map[string]string{"reference": req.Reference},
	}
	var r mollieRefund
	if err := m.call(ctx, http.MethodPost, "/v2/payments/"+req.PaymentID+"/refunds", body, http.StatusCreated, req.Key, &r); err != nil {
		return RefundStatus{}, err
	}
	return r.status(req.PaymentID)
}

// GetRefund fetches a refund (GET /v2/payments/{paymentId}/refunds/{refundId}).
func (m *Mollie) GetRefund(ctx context.Context, paymentID, refundID string) (RefundStatus, error) {
	if !mollieID.MatchString(paymentID) || !mollieRefundID.MatchString(refundID) {
		return RefundStatus{}, fmt.Errorf("mollie: %q/%q is not a refund", clip(paymentID), clip(refundID))
	}
	var r mollieRefund
	if err := m.call(ctx, http.MethodGet, "/v2/payments/"+paymentID+"/refunds/"+refundID, nil, http.StatusOK, "", &r); err != nil {
		return RefundStatus{}, err
	}
	return r.status(paymentID)
}

func (r mollieRefund) status(paymentID string) (RefundStatus, error) {
	if r.Resource != "refund" || !mollieRefundID.MatchString(r.ID) || (r.PaymentID != "" && r.PaymentID != paymentID) {
		return RefundStatus{}, fmt.Errorf("mollie: response is not a refund of payment %s", paymentID)
	}
	amt, err := terms.ParseMoney(r.Amount.Value)
	if err != nil || r.Amount.Currency != "EUR" {
		return RefundStatus{}, fmt.Errorf("mollie: refund %s: amount %q %q", r.ID, clip(r.Amount.Value), clip(r.Amount.Currency))
	}
	return RefundStatus{ID: r.ID, PaymentID: paymentID, Status: r.Status, Amount: amt}, nil
}
