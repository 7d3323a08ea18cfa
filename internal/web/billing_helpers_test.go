package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/billing/ledger"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/dunning"
	"github.com/hostpact/hostpact/internal/payments"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// The web tests run the real billing, payments and dunning services on the test
// database, wired as internal/app wires them (which the web package cannot import:
// app imports web): billing as payments.Ledger is package billing/ledger, and the
// adapter below is internal/app's dunningInvoices.

var testCreditor = payments.Creditor{Name: "Cloud Provider B.V.", IBAN: "NL20INGB0001234567", BIC: "INGBNL2A", CreditorID: "NL79ZZZ999999990000"}

func billingServices(db *store.DB, clk clock.Clock, pack *terms.Pack, acc *accounts.Service, con *contracts.Service, log *slog.Logger) (
	*billing.Service, *payments.Service, *dunning.Service, *payments.DemoProvider) {
	bill := billing.New(db, clk, billing.Deps{Pack: pack, Customers: acc, Logger: log, Config: billing.Config{
		Provider: terms.Provider{VATID: "NL001234567B01"}, IBAN: "NL91ABNA0417164300", BIC: "ABNANL2A"}})
	psp := payments.NewDemoProvider("demo-webhook-secret", clk)
	pay := payments.New(db, clk, ledger.New(bill, nil), payments.Config{Creditor: testCreditor,
		Providers: map[string]payments.Provider{"demo": psp}, OnlineProvider: "demo", BaseURL: "https://portal.example", Pack: pack, Logger: log})
	dun := dunning.New(db, clk, dunning.Deps{Pack: pack, Invoices: testDunningInvoices{bill}, Suspender: con, Logger: log})
	return bill, pay, dun, psp
}

type testDunningInvoices struct{ b *billing.Service }

func toDunning(o billing.OpenInvoice) dunning.OpenInvoice {
	return dunning.OpenInvoice{ID: o.ID, OrgID: o.OrgID, Number: o.Number, CustomerKind: o.CustomerKind, Email: o.Email, Lang: o.Lang,
		InvoiceDate: o.IssueDate, DueDate: o.DueDate, Open: max(o.Open, 0), Total: o.TotalIncl, PackVersion: o.TermsVersion}
}

func (d testDunningInvoices) OpenInvoices(ctx context.Context, asOf terms.Date) ([]dunning.OpenInvoice, error) {
	list, err := d.b.OpenInvoices(ctx, asOf)
	out := make([]dunning.OpenInvoice, 0, len(list))
	for _, o := range list {
		out = append(out, toDunning(o))
	}
	return out, err
}

func (d testDunningInvoices) Invoice(ctx context.Context, id int64) (dunning.OpenInvoice, error) {
	o, err := d.b.OpenInvoiceByID(ctx, id)
	if errors.Is(err, billing.ErrNotFound) {
		return dunning.OpenInvoice{}, fmt.Errorf("%w: %w", dunning.ErrNotFound, err)
	}
	return toDunning(o), err
}

func (d testDunningInvoices) Payments(ctx context.Context, invoiceID int64) ([]dunning.Payment, error) {
	list, err := d.b.InvoicePayments(ctx, invoiceID)
	out := make([]dunning.Payment, 0, len(list))
	for _, p := range list {
		out = append(out, dunning.Payment{On: p.On, Amount: p.Amount})
	}
	return out, err
}

func (d testDunningInvoices) IssueCharge(ctx context.Context, q store.Querier, orgID int64, lines []dunning.ChargeLine, reason string) (int64, error) {
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
	return inv.ID, err
}

// invoiced orders a plan for the customer and runs billing: the customer then has one
// open invoice, which is returned.
func (e *env) invoiced(by accounts.Principal, product, code string) billing.Invoice {
	e.t.Helper()
	e.order(by, product, code, "")
	if _, err := e.bill.RunBilling(e.ctx, e.clk.Now()); err != nil {
		e.t.Fatalf("billing run: %v", err)
	}
	list, _, err := e.bill.ListInvoices(e.ctx, by, billing.InvoiceFilter{Status: billing.StatusOpen}, billing.Page{})
	if err != nil || len(list) == 0 {
		e.t.Fatalf("no open invoice after the billing run: %v %v", list, err)
	}
	inv, err := e.bill.GetInvoice(e.ctx, by, list[0].ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return inv
}

func (e *env) invoice(id int64) billing.Invoice {
	e.t.Helper()
	inv, err := e.bill.GetInvoice(e.ctx, e.admin(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return inv
}

// upload posts a multipart form with one file, as a browser does.
func (c *client) upload(path, field, filename string, content []byte, values map[string]string) resp {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range values {
		_ = mw.WriteField(k, v)
	}
	fw, err := mw.CreateFormFile(field, filename)
	if err != nil {
		c.t.Fatal(err)
	}
	_, _ = io.Copy(fw, bytes.NewReader(content))
	_ = mw.Close()
	req := httptest.NewRequest(http.MethodPost, path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}
