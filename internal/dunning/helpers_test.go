package dunning

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

var _ Suspender = (*contracts.Service)(nil)

// fakeInvoices stands in for billing.
type fakeInvoices struct {
	mu      sync.Mutex
	clk     clock.Clock
	invs    map[int64]*OpenInvoice
	pays    map[int64][]Payment
	charges []issuedCharge
	nextID  int64
}

type issuedCharge struct {
	ID     int64
	OrgID  int64
	Lines  []ChargeLine
	Reason string
}

func newFakeInvoices(clk clock.Clock) *fakeInvoices {
	return &fakeInvoices{clk: clk, invs: map[int64]*OpenInvoice{}, pays: map[int64][]Payment{}, nextID: 5000}
}

func (f *fakeInvoices) add(inv OpenInvoice) OpenInvoice {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	inv.ID = f.nextID
	if inv.Number == "" {
		inv.Number = fmt.Sprintf("F2026-%05d", inv.ID)
	}
	if inv.Total == 0 {
		inv.Total = inv.Open
	}
	f.invs[inv.ID] = &inv
	return inv
}

func (f *fakeInvoices) pay(id int64, on terms.Date, amount terms.Money) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.invs[id].Open -= amount
	f.pays[id] = append(f.pays[id], Payment{On: on, Amount: amount})
}

func (f *fakeInvoices) OpenInvoices(_ context.Context, asOf terms.Date) ([]OpenInvoice, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []OpenInvoice
	for _, inv := range f.invs {
		if inv.Open > 0 && !inv.InvoiceDate.After(asOf) {
			out = append(out, *inv)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (f *fakeInvoices) Invoice(_ context.Context, id int64) (OpenInvoice, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	inv, ok := f.invs[id]
	if !ok {
		return OpenInvoice{}, ErrNotFound
	}
	return *inv, nil
}

func (f *fakeInvoices) Payments(_ context.Context, id int64) ([]Payment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Payment(nil), f.pays[id]...), nil
}

func (f *fakeInvoices) IssueCharge(ctx context.Context, q store.Querier, orgID int64, lines []ChargeLine, reason string) (int64, error) {
	// The charge must be issued in the step's transaction.
	var one int
	if err := q.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return 0, err
	}
	f.mu.Lock()
	var orig *OpenInvoice
	for _, inv := range f.invs {
		if inv.OrgID == orgID {
			orig = inv
			break
		}
	}
	f.mu.Unlock()
	var total terms.Money
	for _, l := range lines {
		total += l.Amount
	}
	inv := f.add(OpenInvoice{OrgID: orgID, CustomerKind: orig.CustomerKind, Email: orig.Email, Lang: orig.Lang,
		InvoiceDate: terms.DateIn(f.clk.Now(), clock.Amsterdam), Open: total})
	f.mu.Lock()
	f.charges = append(f.charges, issuedCharge{ID: inv.ID, OrgID: orgID, Lines: lines, Reason: reason})
	f.mu.Unlock()
	return inv.ID, nil
}

func (f *fakeInvoices) chargesFor(orgID int64) []issuedCharge {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []issuedCharge
	for _, c := range f.charges {
		if c.OrgID == orgID {
			out = append(out, c)
		}
	}
	return out
}

// fakeCustomers stands in for accounts.
type fakeCustomers struct {
	mu   sync.Mutex
	orgs map[int64]accounts.Organisation
}

func (f *fakeCustomers) GetOrganisation(_ context.Context, _ accounts.Principal, id int64) (accounts.Organisation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.orgs[id]
	if !ok {
		return accounts.Organisation{}, accounts.ErrNotFound
	}
	return o, nil
}

// hooks records the provisioning hooks, including suspension.
type hooks struct {
	mu     sync.Mutex
	counts map[string]int // "suspend:12"
}

func (h *hooks) inc(what string, id int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.counts[fmt.Sprintf("%s:%d", what, id)]++
}

func (h *hooks) count(what string, id int64) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.counts[fmt.Sprintf("%s:%d", what, id)]
}

func (h *hooks) Provision(_ context.Context, s contracts.Subscription) error {
	h.inc("provision", s.ID)
	return nil
}
func (h *hooks) Deprovision(_ context.Context, s contracts.Subscription) error {
	h.inc("deprovision", s.ID)
	return nil
}
func (h *hooks) Suspend(_ context.Context, s contracts.Subscription) error {
	h.inc("suspend", s.ID)
	return nil
}
func (h *hooks) Resume(_ context.Context, s contracts.Subscription) error {
	h.inc("resume", s.ID)
	return nil
}

type env struct {
	t       *testing.T
	ctx     context.Context
	db      *store.DB
	clk     *clock.Fake
	inv     *fakeInvoices
	custs   *fakeCustomers
	hooks   *hooks
	cat     *catalog.Service
	packs   map[string]*terms.Pack
	con     map[string]*contracts.Service
	dun     map[string]*Service
	nextOrg int64
}

var start = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

func each(t *testing.T, fn func(t *testing.T, e *env)) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := clock.NewFake(start)
		e := &env{t: t, ctx: ctx, db: db, clk: clk, inv: newFakeInvoices(clk), custs: &fakeCustomers{orgs: map[int64]accounts.Organisation{}},
			hooks: &hooks{counts: map[string]int{}}, cat: catalog.New(db, clk), packs: map[string]*terms.Pack{},
			con: map[string]*contracts.Service{}, dun: map[string]*Service{}, nextOrg: 100}
		for _, name := range []string{"cloudprovider", "5online"} {
			if err := catalog.SeedDemo(ctx, e.cat, name); err != nil {
				t.Fatal(err)
			}
			pk, err := terms.LoadPack(name)
			if err != nil {
				t.Fatal(err)
			}
			e.packs[name] = pk
			e.con[name] = contracts.New(db, clk, contracts.Deps{Pack: pk, Plans: e.cat, Customers: e.custs, Provisioner: e.hooks})
			e.dun[name] = New(db, clk, Deps{Pack: pk, Invoices: e.inv, Suspender: e.con[name]})
		}
		fn(t, e)
		if _, problems, err := audit.Verify(ctx, db); err != nil || len(problems) > 0 {
			t.Fatalf("audit trail: %v %v", err, problems)
		}
	}, audit.Schema, notify.Schema, catalog.Schema, contracts.Schema, Schema)
}

// customer creates an organisation with one active service under pack and returns the
// organisation and the subscription.
func (e *env) customer(pack string, kind accounts.OrgKind, lang string) (accounts.Organisation, contracts.Subscription) {
	e.t.Helper()
	e.nextOrg++
	o := accounts.Organisation{ID: e.nextOrg, Kind: kind, LegalName: fmt.Sprintf("Customer %d", e.nextOrg),
		Email: fmt.Sprintf("c%d@customer.test", e.nextOrg), Language: lang,
		PostalAddress: accounts.Address{Street: "Straat 1", PostalCode: "1234 AB", City: "Amsterdam", Country: "NL"}}
	e.custs.mu.Lock()
	e.custs.orgs[o.ID] = o
	e.custs.mu.Unlock()
	by := accounts.Principal{User: accounts.User{ID: 1000 + o.ID, OrgID: o.ID, OrgAdmin: true, Email: o.Email}, Org: &o}
	svc := e.con[pack]
	plan := map[string][3]string{"cloudprovider": {"cloudprovider", "webhosting", "start"}, "5online": {"5online", "hosting", "basic"}}[pack]
	p, err := e.cat.PlanByCode(e.ctx, plan[0], plan[1], plan[2])
	if err != nil {
		e.t.Fatal(err)
	}
	v, err := svc.CurrentTermsVersion(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	c, err := svc.PlaceOrder(e.ctx, by, contracts.OrderInput{OrgID: o.ID, Lines: []contracts.OrderLine{{PlanID: p.ID, Quantity: 1}},
		TermsVersion: v, AcceptTerms: true, ExpressStart: true, IdempotencyKey: fmt.Sprintf("order-key-%08d", o.ID), IP: "192.0.2.1", UserAgent: "test"})
	if err != nil {
		e.t.Fatalf("order: %v", err)
	}
	if err := svc.ProvisionPending(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	sub, err := svc.GetSubscription(e.ctx, by, c.Subscriptions[0].ID)
	if err != nil {
		e.t.Fatal(err)
	}
	if sub.Status != contracts.SubActive {
		e.t.Fatalf("subscription %d is %s, want active", sub.ID, sub.Status)
	}
	return o, sub
}

func (e *env) invoice(o accounts.Organisation, date terms.Date, open terms.Money) OpenInvoice {
	kind := terms.Business
	if o.Kind == accounts.Consumer {
		kind = terms.Consumer
	}
	return e.inv.add(OpenInvoice{OrgID: o.ID, CustomerKind: kind, Email: o.Email, Lang: o.Language, InvoiceDate: date, Open: open})
}

// setDay moves the clock to 10:00 Amsterdam time on d.
func (e *env) setDay(d terms.Date) {
	e.clk.Set(time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, time.UTC))
}

func (e *env) today() terms.Date { return terms.DateIn(e.clk.Now(), clock.Amsterdam) }

// runThrough runs the dunning job of pack on every day from the clock's day up to and
// including to.
func (e *env) runThrough(pack string, to terms.Date) {
	e.t.Helper()
	for d := e.today(); !d.After(to); d = d.AddDays(1) {
		e.setDay(d)
		if err := e.dun[pack].RunDue(e.ctx, e.clk.Now()); err != nil {
			e.t.Fatalf("RunDue on %s: %v", d, err)
		}
	}
}

func (e *env) steps(id int64) map[string]Step {
	e.t.Helper()
	list, err := e.dun["cloudprovider"].steps(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]Step{}
	for _, s := range list {
		out[s.Step] = s
	}
	return out
}

func (e *env) stepNames(id int64) string {
	e.t.Helper()
	list, err := e.dun["cloudprovider"].steps(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	var names []string
	for _, s := range list {
		names = append(names, s.Step)
	}
	return strings.Join(names, ",")
}

type sentMail struct {
	Key, Lang, To, Subject, Text string
}

// dunningMails returns the dunning mails of an organisation, oldest first.
func (e *env) dunningMails(orgID int64) []sentMail {
	e.t.Helper()
	rows, err := e.db.QueryContext(e.ctx, `SELECT dedupe_key, lang, to_addr, subject, body_text FROM mail_outbox
		WHERE org_id = $1 AND dedupe_key LIKE 'dunning:%' ORDER BY id`, orgID)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []sentMail
	for rows.Next() {
		var m sentMail
		if err := rows.Scan(&m.Key, &m.Lang, &m.To, &m.Subject, &m.Text); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func mailKeys(ms []sentMail) string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Key[strings.LastIndex(m.Key, ":")+1:])
	}
	return strings.Join(out, ",")
}

func (e *env) suspended(subID int64) bool {
	e.t.Helper()
	s, err := e.con["cloudprovider"].IsSuspended(e.ctx, subID)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func (e *env) count(table, where string, args ...any) int {
	e.t.Helper()
	var n int
	q := `SELECT COUNT(*) FROM ` + table
	if where != "" {
		q += ` WHERE ` + where
	}
	if err := e.db.QueryRowContext(e.ctx, q, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func d(s string) terms.Date {
	v, err := terms.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

func eur(s string) terms.Money {
	m, err := terms.ParseMoney(s)
	if err != nil {
		panic(err)
	}
	return m
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}
