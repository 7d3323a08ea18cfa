package payments

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
)

// fakeMollie serves the recorded responses in testdata/mollie.
type fakeMollie struct {
	mu      sync.Mutex
	status  string // the fixture GET returns: payment_<status>.json
	created []map[string]any
	gets    int
	// refunds: the fixture GET of the refund returns refund_<refundStatus>.json; the
	// refunds made, by Idempotency-Key (Mollie answers a repeated key with the first
	// refund).
	refundStatus string
	refundKeys   map[string]int
	refundBodies []map[string]any
}

func (f *fakeMollie) handler(t *testing.T) http.Handler {
	serve := func(w http.ResponseWriter, code int, name string) {
		b, err := os.ReadFile(filepath.Join("testdata", "mollie", name))
		if err != nil {
			t.Error(err)
		}
		w.Header().Set("Content-Type", "application/hal+json")
		w.WriteHeader(code)
		w.Write(b)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM" {
			serve(w, 401, "error_401.json")
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v2/payments":
			var body map[string]any
			json.NewDecoder(r.Body).Decode(&body)
			if amt, _ := body["amount"].(map[string]any); amt["value"] == "0.50" {
				serve(w, 422, "error_422.json")
				return
			}
			f.created = append(f.created, body)
			serve(w, 201, "payment_created.json")
		case r.Method == http.MethodGet && r.URL.Path == "/v2/payments/tr_WDqYK6vllg":
			f.gets++
			serve(w, 200, "payment_"+f.status+".json")
		case r.Method == http.MethodPost && r.URL.Path == "/v2/payments/tr_WDqYK6vllg/refunds":
			var body map[string]any
			json.NewDecoder(r.Body).Decode(&body)
			if amt, _ := body["amount"].(map[string]any); amt["value"] == "500.00" {
				serve(w, 422, "refund_error_422.json")
				return
			}
			if f.refundKeys == nil {
				f.refundKeys = map[string]int{}
			}
			key := r.Header.Get("Idempotency-Key")
			if f.refundKeys[key] == 0 || key == "" {
				f.refundBodies = append(f.refundBodies, body)
			}
			f.refundKeys[key]++
			serve(w, 201, "refund_pending.json")
		case r.Method == http.MethodGet && r.URL.Path == "/v2/payments/tr_WDqYK6vllg/refunds/re_4qqhO89gsT":
			serve(w, 200, "refund_"+f.refundStatus+".json")
		case r.Method == http.MethodGet:
			serve(w, 404, "error_404.json")
		default:
			w.WriteHeader(405)
		}
	})
}

func (f *fakeMollie) set(status string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status = status
}

func mollieWebhook(id string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, WebhookPath("mollie"), strings.NewReader(url.Values{"id": {id}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func TestMollieClient(t *testing.T) {
	fm := &fakeMollie{status: "paid"}
	srv := httptest.NewServer(fm.handler(t))
	defer srv.Close()
	m := &Mollie{APIKey: "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM", BaseURL: srv.URL, HTTP: srv.Client()}
	ctx := context.Background()
	co, err := m.CreatePayment(ctx, PaymentRequest{Amount: 12100, Description: "Factuur F2026-0001", Reference: "3000000000000421",
		RedirectURL: "https://portal.example/invoices/1", WebhookURL: "https://portal.example/webhooks/payments/mollie"})
	if err != nil || co.ID != "tr_WDqYK6vllg" || co.URL != "https://www.mollie.com/checkout/select-method/WDqYK6vllg" {
		t.Fatalf("create: %+v %v", co, err)
	}
	body := fm.created[0]
	if amt := body["amount"].(map[string]any); amt["value"] != "121.00" || amt["currency"] != "EUR" || body["webhookUrl"] != "https://portal.example/webhooks/payments/mollie" {
		t.Fatalf("request body %v", body)
	}
	st, err := m.GetStatus(ctx, "tr_WDqYK6vllg")
	if err != nil || st.Status != PSPPaid || st.Amount != 12100 || st.Currency != "EUR" || st.PaidAt.IsZero() {
		t.Fatalf("status %+v %v", st, err)
	}
	for _, s := range []string{"open", "failed", "expired", "canceled"} {
		fm.set(s)
		if st, err := m.GetStatus(ctx, "tr_WDqYK6vllg"); err != nil || st.Status != s {
			t.Fatalf("%s: %+v %v", s, st, err)
		}
	}
	_, err = m.CreatePayment(ctx, PaymentRequest{Amount: 50})
	if err == nil || !strings.Contains(err.Error(), "422 Unprocessable Entity: The amount is lower than the minimum (field amount)") {
		t.Fatalf("422: %v", err)
	}
	if _, err := m.GetStatus(ctx, "tr_unknown1"); err == nil || !strings.Contains(err.Error(), "404 Not Found") {
		t.Fatalf("404: %v", err)
	}
	if _, err := m.GetStatus(ctx, "../v2/refunds"); err == nil {
		t.Fatal("path injection accepted")
	}
	bad := &Mollie{APIKey: "wrong", BaseURL: srv.URL, HTTP: srv.Client()}
	if _, err := bad.GetStatus(ctx, "tr_WDqYK6vllg"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("401: %v", err)
	}
	// Webhooks: an id only; with a secret also the signature.
	if id, err := m.VerifyWebhook(ctx, mollieWebhook("tr_WDqYK6vllg")); err != nil || id != "tr_WDqYK6vllg" {
		t.Fatalf("webhook %q %v", id, err)
	}
	if _, err := m.VerifyWebhook(ctx, mollieWebhook("x' OR 1=1")); err == nil {
		t.Fatal("bad id accepted")
	}
	signed := &Mollie{APIKey: m.APIKey, BaseURL: srv.URL, WebhookSecret: "whsec_1"}
	if _, err := signed.VerifyWebhook(ctx, mollieWebhook("tr_WDqYK6vllg")); err == nil {
		t.Fatal("unsigned webhook accepted")
	}
	r := mollieWebhook("tr_WDqYK6vllg")
	r.Header.Set("X-Mollie-Signature", SignWebhook("whsec_1", []byte("id=tr_WDqYK6vllg")))
	if _, err := signed.VerifyWebhook(ctx, r); err != nil {
		t.Fatalf("signed webhook: %v", err)
	}
}

func TestOnlinePaymentWebhookTwiceBooksOnce(t *testing.T) {
	fm := &fakeMollie{status: "open"}
	srv := httptest.NewServer(fm.handler(t))
	defer srv.Close()
	m := &Mollie{APIKey: "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM", BaseURL: srv.URL, HTTP: srv.Client()}
	each(t, Config{Providers: map[string]Provider{"mollie": m}}, func(t *testing.T, e *env) {
		fm.mu.Lock()
		fm.created, fm.status = nil, "open"
		fm.mu.Unlock()
		inv := e.ledger.add(1, 101, "F2026-0001", "3000000000000421", 12100)
		// Tenant checks: another organisation's invoice is not found; read-only may not pay.
		_, err := e.s.StartOnlinePayment(e.ctx, customer(102), inv.InvoiceID, "/invoices/1")
		wantErr(t, err, accounts.ErrNotFound)
		_, err = e.s.StartOnlinePayment(e.ctx, customer(101, accounts.PermReadOnly), inv.InvoiceID, "/invoices/1")
		wantErr(t, err, accounts.ErrForbidden)
		_, err = e.s.StartOnlinePayment(e.ctx, customer(101), inv.InvoiceID, "javascript:alert(1)")
		wantFields(t, err, "redirect")
		// The service reads the invoice: an id that is no invoice is not found, for
		// staff too, and a customer sees no other organisation's payments.
		_, err = e.s.StartOnlinePayment(e.ctx, e.billing, 999, "/invoices/999")
		wantErr(t, err, accounts.ErrNotFound)
		_, err = e.s.OnlinePayments(e.ctx, customer(102), inv.InvoiceID)
		wantErr(t, err, accounts.ErrNotFound)
		u, err := e.s.StartOnlinePayment(e.ctx, customer(101, accounts.PermBilling), inv.InvoiceID, "/invoices/1?paid=1")
		if err != nil || u != "https://www.mollie.com/checkout/select-method/WDqYK6vllg" {
			t.Fatalf("start: %q %v", u, err)
		}
		if fm.created[0]["redirectUrl"] != "https://portal.example/invoices/1?paid=1" || fm.created[0]["webhookUrl"] != "https://portal.example/webhooks/payments/mollie" {
			t.Fatalf("request %v", fm.created[0])
		}
		// A second click within minutes reuses the open payment.
		if u2, err := e.s.StartOnlinePayment(e.ctx, customer(101), inv.InvoiceID, "/invoices/1"); err != nil || u2 != u || len(fm.created) != 1 {
			t.Fatalf("reuse: %q %v %d", u2, err, len(fm.created))
		}
		// Open: nothing booked.
		if err := e.s.HandleWebhook(e.ctx, "mollie", mollieWebhook("tr_WDqYK6vllg")); err != nil {
			t.Fatal(err)
		}
		if e.ledger.totalCalls() != 0 {
			t.Fatal("open payment booked")
		}
		// Paid, and the webhook arrives twice (and twice more at once).
		fm.set("paid")
		for range 2 {
			if err := e.s.HandleWebhook(e.ctx, "mollie", mollieWebhook("tr_WDqYK6vllg")); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		for range 2 {
			wg.Go(func() { errs <- e.s.HandleWebhook(e.ctx, "mollie", mollieWebhook("tr_WDqYK6vllg")) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := e.ledger.callCount("psp:mollie|tr_WDqYK6vllg"); n != 1 {
			t.Fatalf("ApplyPayment called %d times", n)
		}
		if e.ledger.item(1).Open != 0 || e.auditCount("payment.online_paid") != 1 {
			t.Fatal("not booked once")
		}
		ps, err := e.s.OnlinePayments(e.ctx, customer(101), inv.InvoiceID)
		if err != nil || len(ps) != 1 || ps[0].Status != PSPPaid || ps[0].Applied != 12100 {
			t.Fatalf("payments %+v %v", ps, err)
		}
		// A later "failed" report does not undo a paid payment; unknown ids are not found.
		fm.set("failed")
		if err := e.s.HandleWebhook(e.ctx, "mollie", mollieWebhook("tr_WDqYK6vllg")); err != nil {
			t.Fatal(err)
		}
		if err := e.s.HandleWebhook(e.ctx, "mollie", mollieWebhook("tr_unknown1")); !errors.Is(err, ErrProvider) {
			t.Fatalf("unknown id: %v", err)
		}
		if err := e.s.HandleWebhook(e.ctx, "nope", mollieWebhook("tr_WDqYK6vllg")); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown provider: %v", err)
		}
	})
}

func TestDemoProvider(t *testing.T) {
	each(t, Config{}, func(t *testing.T, e *env) {
		demo := NewDemoProvider("demo-secret", e.clk)
		e.s = New(e.db, e.clk, e.ledger, Config{Creditor: testCreditor, BaseURL: "http://localhost:8080", Providers: map[string]Provider{"demo": demo}})
		inv := e.ledger.add(2, 102, "F2026-0002", "3000000000000439", 10000)
		u, err := e.s.StartOnlinePayment(e.ctx, customer(102), inv.InvoiceID, "/invoices/2")
		if err != nil || u != "/demo-psp/demo_000001" {
			t.Fatalf("start %q %v", u, err)
		}
		p, ok := demo.Payment("demo_000001")
		if !ok || p.Amount != 10000 || p.WebhookURL != "http://localhost:8080/webhooks/payments/demo" {
			t.Fatalf("demo payment %+v", p)
		}
		hook, back, err := demo.Complete("demo_000001", true)
		if err != nil || back != "http://localhost:8080/invoices/2" {
			t.Fatalf("complete %q %v", back, err)
		}
		body, _ := io.ReadAll(hook.Body)
		for range 2 {
			r := httptest.NewRequest(http.MethodPost, hook.URL.Path, strings.NewReader(string(body)))
			r.Header = hook.Header.Clone()
			if err := e.s.HandleWebhook(e.ctx, "demo", r); err != nil {
				t.Fatal(err)
			}
		}
		if e.ledger.callCount("psp:demo|demo_000001") != 1 || e.ledger.item(2).Open != 0 {
			t.Fatal("demo payment not booked exactly once")
		}
		// A forged webhook is rejected.
		forged := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("id=demo_000001"))
		forged.Header.Set(DemoSignatureHeader, SignWebhook("guess", []byte("id=demo_000001")))
		if err := e.s.HandleWebhook(e.ctx, "demo", forged); !errors.Is(err, ErrWebhook) {
			t.Fatalf("forged: %v", err)
		}
		// A failed one changes the status only.
		inv3 := e.ledger.add(3, 102, "F2026-0003", "3000000000000447", 500)
		if _, err := e.s.StartOnlinePayment(e.ctx, customer(102), inv3.InvoiceID, "/invoices/3"); err != nil {
			t.Fatal(err)
		}
		hook, _, _ = demo.Complete("demo_000002", false)
		if err := e.s.HandleWebhook(e.ctx, "demo", hook); err != nil {
			t.Fatal(err)
		}
		if ps, _ := e.s.OnlinePayments(e.ctx, e.billing, inv3.InvoiceID); len(ps) != 1 || ps[0].Status != PSPFailed || e.ledger.item(3).Open != 500 {
			t.Fatalf("failed payment %+v", ps)
		}
	})
}
