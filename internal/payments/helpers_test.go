package payments

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

// fakeLedger stands in for billing: invoices with an open amount, payments idempotent
// by (source, ref), and a count of every ApplyPayment call.
type fakeLedger struct {
	mu       sync.Mutex
	invoices map[int64]*fakeInvoice
	payments map[string]fakePayment // source|ref
	calls    map[string]int         // ApplyPayment calls per source|ref
	reversed map[string]int
	refunds  map[int64]*fakeRefund
}

type fakeInvoice struct {
	OpenItem
	paidOn terms.Date
}

type fakeRefund struct {
	Refund
	ref    string
	paidOn terms.Date
}

type fakePayment struct {
	invoiceID       int64
	applied, excess terms.Money
	reversed        bool
}

func newFakeLedger() *fakeLedger {
	return &fakeLedger{invoices: map[int64]*fakeInvoice{}, payments: map[string]fakePayment{}, calls: map[string]int{}, reversed: map[string]int{},
		refunds: map[int64]*fakeRefund{}}
}

func (f *fakeLedger) add(id, org int64, number, ref string, open terms.Money) OpenItem {
	f.mu.Lock()
	defer f.mu.Unlock()
	it := OpenItem{InvoiceID: id, OrgID: org, Number: number, Open: open, Reference: ref, IssueDate: terms.DateIn(start, clock.Amsterdam),
		Name: fmt.Sprintf("Org %d", org), Email: fmt.Sprintf("admin@org%d.test", org), Lang: "nl"}
	f.invoices[id] = &fakeInvoice{OpenItem: it}
	return it
}

func (f *fakeLedger) item(id int64) OpenItem {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.invoices[id].OpenItem
}

func (f *fakeLedger) get(id int64) *fakeInvoice {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.invoices[id]
}

func (f *fakeLedger) Invoice(_ context.Context, id int64) (OpenItem, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	inv, ok := f.invoices[id]
	if !ok {
		return OpenItem{}, accounts.ErrNotFound
	}
	return inv.OpenItem, nil
}

func (f *fakeLedger) MarkCollectionPending(_ context.Context, _ store.Querier, id int64, _ string, _ terms.Date) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	inv, ok := f.invoices[id]
	if !ok || inv.Open <= 0 {
		return FieldErrors{"invoice_id": i18n.T("payments.nothing_open")}
	}
	inv.CollectionPending = true
	return nil
}

func (f *fakeLedger) EndCollectionPending(_ context.Context, _ store.Querier, id int64, _, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.invoices[id].CollectionPending = false
	return nil
}

// addRefund records a refund owed, with the payments it came in with.
func (f *fakeLedger) addRefund(r Refund) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Status == "" {
		r.Status = "open"
	}
	f.refunds[r.ID] = &fakeRefund{Refund: r}
}

func (f *fakeLedger) refund(id int64) fakeRefund {
	f.mu.Lock()
	defer f.mu.Unlock()
	return *f.refunds[id]
}

func (f *fakeLedger) OpenRefunds(context.Context) ([]Refund, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Refund
	for id := int64(1); id <= int64(len(f.refunds)); id++ {
		if r, ok := f.refunds[id]; ok && (r.Status == "open" || r.Status == "sent") {
			c := r.Refund
			c.Origins = nil
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakeLedger) RefundForPayout(_ context.Context, _ store.Querier, id int64) (Refund, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.refunds[id]
	if !ok || (r.Status != "open" && r.Status != "sent") {
		return Refund{}, ErrNotFound
	}
	return r.Refund, nil
}

func (f *fakeLedger) MarkRefundSent(_ context.Context, _ store.Querier, id int64, ref string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r := f.refunds[id]; r.Status == "open" {
		r.Status, r.ref = "sent", ref
	}
	return nil
}

func (f *fakeLedger) MarkRefundPaid(_ context.Context, _ store.Querier, id int64, on terms.Date, ref string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r := f.refunds[id]; r.Status == "open" || r.Status == "sent" {
		r.Status, r.ref, r.paidOn = "paid", ref, on
	}
	return nil
}

func (f *fakeLedger) FindByPaymentReference(_ context.Context, ref string) (OpenItem, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, inv := range f.invoices {
		if inv.Reference == ref && inv.Open > 0 {
			return inv.OpenItem, nil
		}
	}
	return OpenItem{}, accounts.ErrNotFound
}

func (f *fakeLedger) FindByInvoiceNumber(_ context.Context, number string) (OpenItem, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, inv := range f.invoices {
		if strings.EqualFold(inv.Number, number) && inv.Open > 0 {
			return inv.OpenItem, nil
		}
	}
	return OpenItem{}, accounts.ErrNotFound
}

func (f *fakeLedger) ApplyPayment(_ context.Context, _ store.Querier, invoiceID int64, amount terms.Money, on terms.Date, source, ref string) (terms.Money, terms.Money, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := source + "|" + ref
	f.calls[k]++
	if p, ok := f.payments[k]; ok {
		return p.applied, p.excess, nil
	}
	inv, ok := f.invoices[invoiceID]
	if !ok {
		return 0, 0, fmt.Errorf("no invoice %d", invoiceID)
	}
	applied := min(amount, inv.Open)
	inv.Open -= applied
	if inv.Open == 0 {
		inv.CollectionPending, inv.paidOn = false, on
	}
	p := fakePayment{invoiceID: invoiceID, applied: applied, excess: amount - applied}
	f.payments[k] = p
	return p.applied, p.excess, nil
}

func (f *fakeLedger) ReversePayment(_ context.Context, _ store.Querier, source, ref string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := source + "|" + ref
	p, ok := f.payments[k]
	if !ok {
		return errors.New("no such payment")
	}
	f.reversed[k]++
	if !p.reversed {
		f.invoices[p.invoiceID].Open += p.applied
		p.reversed = true
		f.payments[k] = p
	}
	return nil
}

func (f *fakeLedger) callCount(k string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[k]
}

func (f *fakeLedger) totalCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		n += c
	}
	return n
}

type env struct {
	t       *testing.T
	ctx     context.Context
	db      *store.DB
	clk     *clock.Fake
	ledger  *fakeLedger
	s       *Service
	billing accounts.Principal
	support accounts.Principal
}

var start = time.Date(2026, 1, 28, 9, 0, 0, 0, time.UTC)

var testCreditor = Creditor{Name: "Cloud Provider B.V.", IBAN: "NL20INGB0001234567", BIC: "INGBNL2A", CreditorID: "NL79ZZZ999999990000"}

func each(t *testing.T, cfg Config, fn func(t *testing.T, e *env)) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := clock.NewFake(start)
		e := &env{t: t, ctx: ctx, db: db, clk: clk, ledger: newFakeLedger(),
			billing: accounts.Principal{User: accounts.User{ID: 1, Email: "billing@provider.test", Roles: []accounts.Role{accounts.RoleBilling}}},
			support: accounts.Principal{User: accounts.User{ID: 2, Email: "support@provider.test", Roles: []accounts.Role{accounts.RoleSupport}}}}
		if cfg.Creditor == (Creditor{}) {
			cfg.Creditor = testCreditor
		}
		if cfg.BaseURL == "" {
			cfg.BaseURL = "https://portal.example"
		}
		if cfg.Pack == nil {
			cfg.Pack = testPack(t)
		}
		e.s = New(db, clk, e.ledger, cfg)
		fn(t, e)
		if _, problems, err := audit.Verify(ctx, db); err != nil || len(problems) > 0 {
			t.Fatalf("audit trail: %v %v", err, problems)
		}
	}, audit.Schema, notify.Schema, Schema)
}

func testPack(t *testing.T) *terms.Pack {
	t.Helper()
	pk, err := terms.LoadPack("cloudprovider")
	if err != nil {
		t.Fatal(err)
	}
	return pk
}

// customer returns the admin user of organisation org (perms empty) or a sub-user with perms.
func customer(org int64, perms ...accounts.Permission) accounts.Principal {
	o := &accounts.Organisation{ID: org, Kind: accounts.Business, LegalName: fmt.Sprintf("Org %d", org)}
	u := accounts.User{ID: 1000 + org, OrgID: org, Email: fmt.Sprintf("admin@org%d.test", org), OrgAdmin: len(perms) == 0, Permissions: perms}
	return accounts.Principal{User: u, Org: o}
}

func (e *env) auditCount(action string) int {
	e.t.Helper()
	var n int
	q := `SELECT COUNT(*) FROM audit_entries`
	args := []any{}
	if action != "" {
		q += ` WHERE action = $1`
		args = append(args, action)
	}
	if err := e.db.QueryRowContext(e.ctx, q, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) count(table string) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
}

func wantFields(t *testing.T, err error, fields ...string) {
	t.Helper()
	var fe FieldErrors
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v, want FieldErrors on %v", err, fields)
	}
	for _, f := range fields {
		if _, ok := fe[f]; !ok {
			t.Fatalf("FieldErrors %v lack %q", fe, f)
		}
	}
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
