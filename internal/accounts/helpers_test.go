package accounts

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/notify/notifytest"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

const (
	goodPW  = "Sterk-Wachtw00rd"
	otherPW = "Ander#Wachtw00rd"
	homeIP  = "192.0.2.10"
)

// lightArgon keeps hashing cheap in tests; production uses DefaultArgon2.
var lightArgon = Argon2Params{Memory: 64, Time: 1, Threads: 1}

type env struct {
	t     *testing.T
	db    *store.DB
	clk   *clock.Fake
	s     *Service
	ctx   context.Context
	inbox []notify.Outgoing // mail delivered so far, as its recipients got it
}

// each runs fn on SQLite and, when configured, PostgreSQL, and checks the audit chain
// afterwards.
func each(t *testing.T, fn func(t *testing.T, e *env)) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clk := clock.NewFake(t0)
		e := &env{t: t, db: db, clk: clk, ctx: context.Background(),
			s: New(db, clk, Config{BaseURL: "https://portal.example/", ProviderName: "Cloud Provider", TOTPIssuer: "Cloud Provider", Argon2: lightArgon})}
		fn(t, e)
		e.verifyAudit()
	}, audit.Schema, notify.Schema, Schema)
}

func (e *env) verifyAudit() {
	e.t.Helper()
	_, problems, err := audit.Verify(e.ctx, e.db)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(problems) > 0 {
		e.t.Fatalf("audit trail broken: %v", problems)
	}
}

func (e *env) count(table string) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// snapshot counts the rows of every table a change could touch.
func (e *env) snapshot() map[string]int {
	m := map[string]int{}
	for _, tb := range []string{"organisations", "users", "sessions", "api_tokens", "password_reset_tokens", "user_totp", "recovery_codes", "audit_entries", "mail_outbox"} {
		m[tb] = e.count(tb)
	}
	return m
}

func (e *env) sameAs(before map[string]int) {
	e.t.Helper()
	if after := e.snapshot(); fmt.Sprint(after) != fmt.Sprint(before) {
		e.t.Fatalf("rows changed: before %v, after %v", before, after)
	}
}

func (e *env) auditActions(orgID int64) []string {
	e.t.Helper()
	entries, err := audit.List(e.ctx, e.db, audit.Filter{OrgID: orgID, Limit: 500})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for i := len(entries) - 1; i >= 0; i-- {
		out = append(out, entries[i].Action)
	}
	return out
}

func (e *env) lastAudit() audit.Entry {
	e.t.Helper()
	entries, err := audit.List(e.ctx, e.db, audit.Filter{Limit: 1})
	if err != nil || len(entries) == 0 {
		e.t.Fatalf("no audit entry: %v", err)
	}
	return entries[0]
}

// signIn gives u a full session from homeIP, as Login plus MFA would.
func (e *env) signIn(u User) Principal {
	e.t.Helper()
	var ss Session
	err := e.db.InTx(e.ctx, func(q store.Querier) (err error) {
		ss, err = e.s.createSession(e.ctx, q, e.s.now(), u.ID, false, false, homeIP, "test")
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	p, err := e.s.Authenticate(e.ctx, ss.Token, homeIP)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

func (e *env) staff(email string, roles ...Role) Principal {
	e.t.Helper()
	u, err := e.s.CreateUserCLI(e.ctx, UserInput{Email: email, Name: "Staff " + email, Password: goodPW, Roles: roles})
	if err != nil {
		e.t.Fatal(err)
	}
	return e.signIn(u)
}

func business(name string) OrganisationInput {
	return OrganisationInput{Kind: Business, LegalName: name, ContactName: "Jan de Vries",
		Email: "info@" + slug(name) + ".nl", Phone: "+31 20 123 4567", Language: "nl",
		PostalAddress: Address{Street: "Keizersgracht 1", PostalCode: "1015cs", City: "Amsterdam", Country: "nl"},
		KvK:           "12345678", VATID: "NL 0044.95.445.B01"}
}

func slug(s string) string {
	return regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(toLower(s), "")
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

// customer creates an organisation by `by` with an admin user admin@<slug>.nl and
// returns it with the admin signed in.
func (e *env) customer(by Principal, in OrganisationInput) (Organisation, Principal) {
	e.t.Helper()
	org, err := e.s.CreateOrganisation(e.ctx, by, in, &UserInput{Email: "admin@" + slug(in.LegalName) + ".nl", Name: "Admin " + in.LegalName, Password: goodPW})
	if err != nil {
		e.t.Fatal(err)
	}
	admin, err := e.s.FindUserByEmail(e.ctx, "admin@"+slug(in.LegalName)+".nl")
	if err != nil {
		e.t.Fatal(err)
	}
	return org, e.signIn(admin)
}

func (e *env) subUser(by Principal, orgID int64, email string, perms ...Permission) Principal {
	e.t.Helper()
	u, err := e.s.CreateUser(e.ctx, by, UserInput{OrgID: orgID, Email: email, Name: "Sub " + email, Password: goodPW, Permissions: perms})
	if err != nil {
		e.t.Fatal(err)
	}
	return e.signIn(u)
}

func (e *env) login(email, pw, ip string) (Session, error) {
	return e.s.Login(e.ctx, LoginRequest{Email: email, Password: pw, IP: ip, UserAgent: "test"})
}

func (e *env) mails(orgID int64) []notify.Mail {
	e.t.Helper()
	m, err := notify.List(e.ctx, e.db, orgID, 0, 200)
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

var linkRE = regexp.MustCompile(`/reset\?token=([A-Za-z0-9_-]+)`)

// delivered sends the outbox and returns every mail delivered so far, newest first, as
// the recipients read them: the outbox itself holds one-time links only sealed.
func (e *env) delivered() []notify.Outgoing {
	e.t.Helper()
	e.inbox = append(e.inbox, notifytest.Deliver(e.t, e.db, e.clk, e.s.keys)...)
	out := slices.Clone(e.inbox)
	slices.Reverse(out)
	return out
}

// lastLink returns the token in the newest mail to addr that has one.
func (e *env) lastLink(addr string) string {
	e.t.Helper()
	for _, m := range e.delivered() {
		if m.To == addr {
			if sm := linkRE.FindStringSubmatch(m.Text); sm != nil {
				return sm[1]
			}
		}
	}
	e.t.Fatalf("no mail with a link to %s", addr)
	return ""
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
}

func wantFields(t *testing.T, err error, fields ...string) FieldErrors {
	t.Helper()
	var fe FieldErrors
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v, want FieldErrors on %v", err, fields)
	}
	for _, f := range fields {
		if fe[f].IsZero() {
			t.Fatalf("FieldErrors %v lack %q", fe, f)
		}
	}
	return fe
}

func wantThrottled(t *testing.T, err error) time.Duration {
	t.Helper()
	var te *ThrottledError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want ThrottledError", err)
	}
	return te.RetryAfter
}
