package support_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/files"
	"github.com/hostpact/hostpact/internal/inbound"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/support"
	"github.com/hostpact/hostpact/internal/terms"
)

var schemas = []store.Schema{audit.Schema, files.Schema, notify.Schema, support.Schema}

type users map[string]accounts.User

func (u users) FindUserByEmail(_ context.Context, email string) (accounts.User, error) {
	if x, ok := u[strings.ToLower(email)]; ok {
		return x, nil
	}
	return accounts.User{}, accounts.ErrNotFound
}

type env struct {
	t   *testing.T
	db  *store.DB
	clk *clock.Fake
	svc *support.Service
}

func ams(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, clock.Amsterdam)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

var (
	staff    = accounts.Principal{User: accounts.User{ID: 7, Name: "Sanne Support", Email: "sanne@provider.test", Roles: []accounts.Role{accounts.RoleSupport}}}
	billing  = accounts.Principal{User: accounts.User{ID: 8, Name: "Bart", Email: "bart@provider.test", Roles: []accounts.Role{accounts.RoleBilling}}}
	acme     = customer(1, "jan@acme.test", "Jan de Vries")
	globex   = customer(2, "eva@globex.test", "Eva Jansen")
	theUsers = users{"jan@acme.test": acme.User, "eva@globex.test": globex.User}
)

func customer(org int64, email, name string) accounts.Principal {
	o := accounts.Organisation{ID: org}
	return accounts.Principal{User: accounts.User{ID: 100 + org, OrgID: org, OrgAdmin: true, Email: email, Name: name, Language: "nl"}, Org: &o}
}

func newEnv(t *testing.T, db *store.DB, at time.Time) *env {
	pack, err := terms.LoadPack("cloudprovider")
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(at)
	svc := support.New(db, clk, support.Deps{Pack: pack, Users: theUsers, Address: "support@provider.test", AlertTo: "team@provider.test",
		PortalURL: "https://portal.provider.test", MaxAttachment: 1024})
	return &env{t: t, db: db, clk: clk, svc: svc}
}

// mail delivers raw to the support desk through inbound's parser and de-duplication.
func (e *env) mail(raw string) *inbound.Message {
	e.t.Helper()
	m, err := inbound.Parse([]byte(strings.ReplaceAll(raw, "\n", "\r\n")), inbound.DefaultLimits)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.svc.HandleMail(context.Background(), m); err != nil {
		e.t.Fatal(err)
	}
	return m
}

func (e *env) outbox() []notify.Mail {
	e.t.Helper()
	ms, err := notify.List(context.Background(), e.db, 0, 0, 200)
	if err != nil {
		e.t.Fatal(err)
	}
	return ms
}

func (e *env) ticket(p accounts.Principal, id int64) (support.Ticket, []support.Message) {
	e.t.Helper()
	t, ms, err := e.svc.Get(context.Background(), p, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return t, ms
}

func (e *env) only(p accounts.Principal, f support.Filter) []support.Ticket {
	e.t.Helper()
	ts, _, err := e.svc.List(context.Background(), p, f)
	if err != nil {
		e.t.Fatal(err)
	}
	return ts
}

// lastOutgoingID is the Message-ID hostpact wrote on the newest message of the ticket.
func lastOutgoingID(ms []support.Message, kind support.Kind) string {
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Kind == kind && ms[i].MessageID != "" {
			return ms[i].MessageID
		}
	}
	return ""
}
