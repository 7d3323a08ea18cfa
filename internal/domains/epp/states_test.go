package epp_test

import (
	"errors"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/domains/epp"
	"github.com/hostpact/hostpact/internal/domains/epp/sidnfake"
	"github.com/hostpact/hostpact/internal/domains/registry"
)

const day = 24 * time.Hour

// rival is the other registrar's session on the same fake.
func rival(t *testing.T, e *env) *epp.Registry {
	t.Helper()
	p := e.reg.Profile()
	r, err := epp.NewRegistry(epp.Config{Address: e.fake.Addr(), CAPEM: e.fake.CACertPEM(), Username: sidnfake.Rival,
		Password: sidnfake.RivalPasswd, Profile: p, Clock: e.fake.Clock()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestScheduledDeleteAtEndOfPeriodThenWithdrawn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sidnfake.Options{})
	d := e.create(t, "opheffen.nl", e.registrant(t))
	got, err := e.reg.ScheduleDelete(e.ctx, d.Name, registry.DeleteAt{EndOfPeriod: true})
	if err != nil {
		t.Fatal(err)
	}
	if got.State != registry.StateScheduledDelete || !got.DeleteDate.Equal(d.Expires) {
		t.Fatalf("after schedule: %+v (expires %v)", got, d.Expires)
	}
	// Asking again changes nothing at the registry.
	if _, err := e.reg.ScheduleDelete(e.ctx, d.Name, registry.DeleteAt{EndOfPeriod: true}); err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Applied("domain:update"); n != 1 {
		t.Fatalf("domain:update applied %d times", n)
	}
	got, err = e.reg.CancelDelete(e.ctx, d.Name)
	if err != nil || got.State != registry.StateActive || !got.DeleteDate.IsZero() {
		t.Fatalf("after cancel: %+v %v", got, err)
	}
}

func TestScheduledDeleteOnDateGoesToQuarantineThenReleased(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sidnfake.Options{})
	d := e.create(t, "quarantaine.nl", e.registrant(t))
	at := e.fake.Clock().Now().Add(10 * day)
	if _, err := e.reg.ScheduleDelete(e.ctx, d.Name, registry.DeleteAt{Date: at}); err != nil {
		t.Fatal(err)
	}
	e.fake.Advance(11 * day)
	got, err := e.reg.Info(e.ctx, d.Name)
	if err != nil || got.State != registry.StateQuarantine {
		t.Fatalf("after the date: %+v %v", got, err)
	}
	wantEnd := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 40)
	if !got.DeleteDate.Equal(wantEnd) {
		t.Fatalf("quarantine ends %v, want %v (SIDN: 40 days)", got.DeleteDate, wantEnd)
	}
	if av, _ := e.reg.Check(e.ctx, d.Name); av[0].Available {
		t.Fatal("a name in quarantine is not free for others")
	}
	msg, err := e.reg.Poll(e.ctx)
	if err != nil || msg == nil || msg.Kind != "quarantine" || msg.Domain != d.Name {
		t.Fatalf("poll: %+v %v", msg, err)
	}
	if err := e.reg.Ack(e.ctx, msg.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.reg.Ack(e.ctx, msg.ID); err != nil {
		t.Fatalf("second ack of the same message: %v", err)
	}
	e.fake.Advance(40 * day)
	if _, err := e.reg.Info(e.ctx, d.Name); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("after quarantine: %v", err)
	}
	if av, _ := e.reg.Check(e.ctx, d.Name); !av[0].Available {
		t.Fatal("released name not free")
	}
	msg, _ = e.reg.Poll(e.ctx)
	if msg == nil || msg.Kind != "delete" {
		t.Fatalf("release message: %+v", msg)
	}
}

func TestRestoreFromQuarantineOnlyByLastRegistrantsRegistrar(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sidnfake.Options{})
	d := e.create(t, "terug.nl", e.registrant(t))
	if _, err := e.reg.ScheduleDelete(e.ctx, d.Name, registry.DeleteAt{Date: e.fake.Clock().Now()}); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.reg.Info(e.ctx, d.Name); got.State != registry.StateQuarantine {
		t.Fatalf("delete today: %s", got.State)
	}
	if _, err := rival(t, e).Restore(e.ctx, d.Name); !errors.Is(err, registry.ErrNotAllowed) && !errors.Is(err, registry.ErrAuthorization) {
		t.Fatalf("another registrar restored: %v", err)
	}
	e.fake.Advance(39 * day)
	got, err := e.reg.Restore(e.ctx, d.Name)
	if err != nil || got.State != registry.StateActive || got.Registrant != d.Registrant {
		t.Fatalf("restore: %+v %v", got, err)
	}
	if _, err := e.reg.Restore(e.ctx, d.Name); err != nil {
		t.Fatalf("restore again is done already: %v", err)
	}
	if n := e.fake.Applied("domain:cancelDelete"); n != 1 {
		t.Fatalf("restore applied %d times", n)
	}
}

func TestTransferInWithWrongThenRightTokenRotatesToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sidnfake.Options{})
	token := e.fake.Seed("verhuis.nl", "OLDREG")
	if _, err := e.reg.RequestTransfer(e.ctx, "verhuis.nl", "wrong-token"); !errors.Is(err, registry.ErrAuthorization) {
		t.Fatalf("wrong token: %v", err)
	}
	tr, err := e.reg.RequestTransfer(e.ctx, "verhuis.nl", token)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Status != "serverApproved" || tr.NewToken == "" || tr.NewToken == token {
		t.Fatalf("transfer: %+v", tr)
	}
	got, _ := e.reg.Info(e.ctx, "verhuis.nl")
	if got.State != registry.StateActive {
		t.Fatalf("after transfer: %+v", got)
	}
	tok, err := e.reg.TransferToken(e.ctx, "verhuis.nl")
	if err != nil || tok != tr.NewToken {
		t.Fatalf("token for the registrant: %q %v, want %q", tok, err, tr.NewToken)
	}
	// The old token is spent: the other registrar cannot take the name back with it.
	if _, err := rival(t, e).RequestTransfer(e.ctx, "verhuis.nl", token); !errors.Is(err, registry.ErrAuthorization) {
		t.Fatalf("old token: %v", err)
	}
	msg, _ := e.reg.Poll(e.ctx)
	if msg == nil || msg.Kind != "transfer" || msg.Domain != "verhuis.nl" {
		t.Fatalf("poll: %+v", msg)
	}
}

func TestPendingTransferApprovedAndRejected(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sidnfake.Options{})
	reg := e.registrant(t)
	e.create(t, "weg.nl", reg)
	e.create(t, "blijft.nl", reg)
	other := rival(t, e)
	for _, n := range []string{"weg.nl", "blijft.nl"} {
		tr, err := other.RequestTransfer(e.ctx, n, "")
		if err != nil || tr.Status != "pending" {
			t.Fatalf("%s: %+v %v", n, tr, err)
		}
	}
	if d, _ := e.reg.Info(e.ctx, "weg.nl"); d.State != registry.StatePendingTransfer {
		t.Fatalf("state %s", d.State)
	}
	if tr, err := e.reg.QueryTransfer(e.ctx, "weg.nl"); err != nil || tr.Status != "pending" {
		t.Fatalf("query: %+v %v", tr, err)
	}
	if tr, err := e.reg.ApproveTransfer(e.ctx, "weg.nl"); err != nil || tr.Status != "clientApproved" {
		t.Fatalf("approve: %+v %v", tr, err)
	}
	if tr, err := e.reg.ApproveTransfer(e.ctx, "weg.nl"); err != nil || tr.Status != "clientApproved" {
		t.Fatalf("approve again: %+v %v", tr, err)
	}
	if tr, err := e.reg.RejectTransfer(e.ctx, "blijft.nl"); err != nil || tr.Status != "clientRejected" {
		t.Fatalf("reject: %+v %v", tr, err)
	}
	if d, _ := e.fake.Domain("weg.nl"); d.Sponsor != sidnfake.Rival {
		t.Fatalf("weg.nl sponsor %s", d.Sponsor)
	}
	if d, _ := e.fake.Domain("blijft.nl"); d.Sponsor != sidnfake.Us {
		t.Fatalf("blijft.nl sponsor %s", d.Sponsor)
	}
}

func TestNameserversContactsAndAutoRenew(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sidnfake.Options{})
	reg := e.registrant(t)
	d := e.create(t, "ns.nl", reg)
	if err := e.reg.UpdateNameservers(e.ctx, d.Name, []string{"ns2.hostpact.example", "ns3.hostpact.example."}); err != nil {
		t.Fatal(err)
	}
	got, _ := e.reg.Info(e.ctx, d.Name)
	if len(got.Nameservers) != 2 || got.Nameservers[0] != "ns2.hostpact.example" || got.Nameservers[1] != "ns3.hostpact.example" {
		t.Fatalf("ns %v", got.Nameservers)
	}
	if err := e.reg.UpdateContact(e.ctx, registry.Contact{Handle: reg, Name: "Jan de Vries", City: "Utrecht", CountryCode: "NL", Email: "jan@example.org"}); err != nil {
		t.Fatal(err)
	}
	// SIDN renews by itself: renewal with the contract sends nothing and reports the
	// expiry the subscription reaches.
	exp, err := e.reg.Renew(e.ctx, d.Name, d.Expires, 1)
	if err != nil || !exp.Equal(d.Expires.AddDate(1, 0, 0)) {
		t.Fatalf("renew: %v %v", exp, err)
	}
	e.fake.Advance(366 * day)
	got, _ = e.reg.Info(e.ctx, d.Name)
	if !got.Expires.Equal(d.Expires.AddDate(1, 0, 0)) {
		t.Fatalf("after a year: expires %v", got.Expires)
	}
	if n := e.fake.Applied("domain:renew"); n != 0 {
		t.Fatalf("sent %d renew commands to SIDN", n)
	}
}

func TestGenericRenewAndRGPRestore(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sidnfake.Options{Generic: true})
	reg := e.registrant(t)
	d := e.create(t, "example.eu", reg)
	exp, err := e.reg.Renew(e.ctx, d.Name, d.Expires, 2)
	if err != nil || !exp.Equal(d.Expires.AddDate(2, 0, 0)) {
		t.Fatalf("renew: %v %v", exp, err)
	}
	if exp2, err := e.reg.Renew(e.ctx, d.Name, d.Expires, 2); err != nil || !exp2.Equal(exp) {
		t.Fatalf("renew again: %v %v", exp2, err)
	}
	if n := e.fake.Applied("domain:renew"); n != 1 {
		t.Fatalf("renew applied %d times", n)
	}
	if _, err := e.reg.ScheduleDelete(e.ctx, d.Name, registry.DeleteAt{EndOfPeriod: true}); !errors.Is(err, registry.ErrNotAllowed) {
		t.Fatalf("generic scheduled delete: %v", err)
	}
	if _, err := e.reg.ScheduleDelete(e.ctx, d.Name, registry.DeleteAt{Date: e.fake.Clock().Now()}); err != nil {
		t.Fatal(err)
	}
	got, err := e.reg.Restore(e.ctx, d.Name)
	if err != nil || got.State != registry.StateActive {
		t.Fatalf("rgp restore: %+v %v", got, err)
	}
	if tok, err := e.reg.TransferToken(e.ctx, d.Name); err != nil || tok == "" {
		t.Fatalf("token %q %v", tok, err)
	}
}
