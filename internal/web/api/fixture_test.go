package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/billing/ledger"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/dunning"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/payments"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

// testPassword satisfies the password policy (cp.security.passwords.1).
const testPassword = "Correct-Horse-9"

// fixture is a provider with one staff admin and two customers, A and B, each with an
// administrative user, a sub-user and API tokens, behind the real accounts service.
type fixture struct {
	t     *testing.T
	db    *store.DB
	clk   *clock.Fake
	acc   *accounts.Service
	cat   *catalog.Service
	con   *contracts.Service
	bil   *billing.Service
	pay   *payments.Service
	dun   *dunning.Service
	psp   *payments.DemoProvider
	pack  *terms.Pack
	h     http.Handler
	staff accounts.Principal
	// staffToken is a write token of the staff admin.
	staffToken string
	a, b       tenant
	// Set by staffObjects: a published terms version and a recorded force majeure.
	tvID, fmID int64
}

type tenant struct {
	org   accounts.Organisation
	admin accounts.User
	sub   accounts.User // a sub-user with the read permission
	// p is the admin user with a session: credentials are managed interactively.
	p         accounts.Principal
	token     string // the admin user's write token
	tokenID   int64
	readToken string // the admin user's read-only token
	// Set by fixture.sell: a contract from a web order, and a quote sent to the tenant.
	contract contracts.Contract
	quote    contracts.Quote
	// Set by fixture.invoice: the invoice the billing run issued for the contract.
	invoice billing.Invoice
	// Set by fixture.payables: a mandate, and a credit of the tenant's that waits in
	// the unmatched queue.
	mandate   payments.Mandate
	unmatched int64
}

// eachEngine runs fn against a fresh fixture on SQLite and PostgreSQL.
func eachEngine(t *testing.T, fn func(t *testing.T, f *fixture)) {
	eachEngineWith(t, defaultLimits, fn)
}

// eachEngineWith is eachEngine with the API's rate limits set to l.
func eachEngineWith(t *testing.T, l limits, fn func(t *testing.T, f *fixture)) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fn(t, newFixture(t, db, l))
	}, accounts.Schema, audit.Schema, notify.Schema, catalog.Schema, contracts.Schema, billing.Schema, payments.Schema, dunning.Schema)
}

// seedCtx is the context of the fixture's own setup: a system actor, as the command
// line would be.
func seedCtx() context.Context {
	return audit.WithActor(context.Background(), audit.System("test"))
}

func newFixture(t *testing.T, db *store.DB, l limits) *fixture {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	acc := accounts.New(db, clk, accounts.Config{
		BaseURL: "http://127.0.0.1:8080",
		// Cheap hashing: the tests are about the API, not about argon2's cost.
		Argon2: accounts.Argon2Params{Memory: 64, Time: 1, Threads: 1},
	})
	pack, err := terms.LoadPack("cloudprovider")
	must(t, err)
	cat := catalog.New(db, clk)
	must(t, catalog.SeedDemo(seedCtx(), cat, pack.Name))
	con := contracts.New(db, clk, contracts.Deps{Pack: pack, Plans: cat, Customers: acc, BaseURL: "http://127.0.0.1:8080"})
	bil := billing.New(db, clk, billing.Deps{Pack: pack, Customers: acc, Config: billing.Config{
		Provider: terms.Provider{VATID: "NL001234567B01"}, IBAN: "NL91ABNA0417164300", BIC: "ABNANL2A", Mail: true}})
	psp := payments.NewDemoProvider("demo-secret", clk)
	pay := payments.New(db, clk, ledger.New(bil, nil), payments.Config{
		Creditor:  payments.Creditor{Name: "Cloud Provider B.V.", IBAN: "NL91ABNA0417164300", BIC: "ABNANL2A", CreditorID: "NL79ZZZ999999990000"},
		Providers: map[string]payments.Provider{"demo": psp}, BaseURL: "http://127.0.0.1:8080", Pack: pack})
	dun := dunning.New(db, clk, dunning.Deps{Pack: pack, Invoices: dunningInvoices{bil}, Suspender: con})
	f := &fixture{t: t, db: db, clk: clk, acc: acc, cat: cat, con: con, bil: bil, pay: pay, dun: dun, psp: psp, pack: pack}
	f.h = newServer(Deps{DB: db, Clock: clk, Accounts: acc, Catalog: cat, Contracts: con, Pack: pack, Demo: true,
		Billing: bil, Payments: pay, Dunning: dun}, l)
	ctx := seedCtx()

	su, err := acc.CreateUserCLI(ctx, accounts.UserInput{
		Email: "root@provider.test", Name: "Root", Language: "en", Password: testPassword,
		Roles: []accounts.Role{accounts.RoleAdmin},
	})
	must(t, err)
	f.staff = accounts.Principal{User: su, Session: &accounts.Session{UserID: su.ID}}
	f.staffToken, _ = f.token(f.staff, accounts.ScopeRead, accounts.ScopeWrite)

	f.a = f.tenant("a")
	f.b = f.tenant("b")
	return f
}

func (f *fixture) tenant(name string) tenant {
	t := f.t
	t.Helper()
	ctx := seedCtx()
	org, err := f.acc.CreateOrganisation(ctx, f.staff, orgInput("Klant "+strings.ToUpper(name)), &accounts.UserInput{
		Email: "admin@" + name + ".test", Name: "Admin " + name, Language: "nl", Password: testPassword,
	})
	must(t, err)
	users, err := f.acc.ListUsers(ctx, f.staff, org.ID)
	must(t, err)
	var tn tenant
	tn.org = org
	for _, u := range users {
		if u.OrgAdmin {
			tn.admin = u
		}
	}
	if tn.admin.ID == 0 {
		t.Fatalf("organisation %s has no admin user: %+v", name, users)
	}
	tn.sub, err = f.acc.CreateUser(ctx, f.staff, accounts.UserInput{
		OrgID: org.ID, Email: "sub@" + name + ".test", Name: "Sub " + name, Language: "nl",
		Password: testPassword, Permissions: []accounts.Permission{accounts.PermReadOnly},
	})
	must(t, err)
	tn.p = accounts.Principal{User: tn.admin, Org: &tn.org, Session: &accounts.Session{UserID: tn.admin.ID}}
	tn.token, tn.tokenID = f.token(tn.p, accounts.ScopeRead, accounts.ScopeWrite)
	tn.readToken, _ = f.token(tn.p, accounts.ScopeRead)
	return tn
}

func (f *fixture) token(p accounts.Principal, scopes ...accounts.Scope) (string, int64) {
	f.t.Helper()
	tok, secret, err := f.acc.CreateAPIToken(seedCtx(), p, "test "+string(scopes[len(scopes)-1]), scopes, 0)
	must(f.t, err)
	return secret, tok.ID
}

func orgInput(name string) accounts.OrganisationInput {
	return accounts.OrganisationInput{
		Kind: accounts.Consumer, LegalName: name, ContactName: name, Email: "info@" + strings.ToLower(strings.ReplaceAll(name, " ", "-")) + ".test",
		Language:      "nl",
		PostalAddress: accounts.Address{Street: "Keizersgracht 1", PostalCode: "1015 CJ", City: "Amsterdam", Country: "NL"},
	}
}

// orgBody is a valid request body for creating or replacing an organisation.
// domainLabel makes a host name label of a legal name ("Bakkerij Jansen & Zn" →
// "bakkerij-jansen-zn"): a domain has letters, digits and hyphens only.
func domainLabel(name string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), "-")
}

func orgBody(name string) map[string]any {
	return map[string]any{
		"kind": "consumer", "legal_name": name, "email": "info@" + domainLabel(name) + ".test",
		"language":       "nl",
		"postal_address": map[string]any{"street": "Keizersgracht 1", "postal_code": "1015 CJ", "city": "Amsterdam", "country": "NL"},
	}
}

func (f *fixture) do(r request) *httptest.ResponseRecorder {
	return serve(f.h, r)
}

func (f *fixture) get(path, token string) *httptest.ResponseRecorder {
	return f.do(request{method: http.MethodGet, path: path, token: token})
}
