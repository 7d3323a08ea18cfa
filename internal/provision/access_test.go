package provision

import (
	"errors"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/provision/driver"
)

// TestTenantIsolation: another organisation's service answers not found, to read, to
// reveal, to reset and to open its panel; a read-only user may look but not reveal;
// staff never see a customer's secret.
func TestTenantIsolation(t *testing.T) {
	each(t, Settings{}, func(t *testing.T, e *env) {
		e.server("web1", 10)
		acme := e.org("Acme BV")
		other := e.org("Other BV")
		sub := e.order(acme, "webhosting", "start")
		e.run()
		id := e.of(sub).ID
		if _, err := e.svc.Service(e.ctx, other, id); !errors.Is(err, accounts.ErrNotFound) {
			t.Errorf("another organisation reads the service: %v", err)
		}
		if _, err := e.svc.RevealCredentials(e.ctx, other, id); !errors.Is(err, accounts.ErrNotFound) {
			t.Errorf("another organisation reveals the secret: %v", err)
		}
		if err := e.svc.ResetCredentials(e.ctx, other, id); !errors.Is(err, accounts.ErrNotFound) {
			t.Errorf("another organisation resets the secret: %v", err)
		}
		if _, err := e.svc.LoginURL(e.ctx, other, id); !errors.Is(err, accounts.ErrNotFound) {
			t.Errorf("another organisation opens the panel: %v", err)
		}
		if list, err := e.svc.Services(e.ctx, other, acme.User.OrgID); !errors.Is(err, accounts.ErrNotFound) || len(list) != 0 {
			t.Errorf("another organisation lists the services: %v %v", list, err)
		}
		if list, err := e.svc.Services(e.ctx, other, other.User.OrgID); err != nil || len(list) != 0 {
			t.Errorf("own empty list: %v %v", list, err)
		}
		if list, err := e.svc.ServiceStates(e.ctx, other, acme.User.OrgID); !errors.Is(err, accounts.ErrNotFound) || len(list) != 0 {
			t.Errorf("another organisation lists the services' states: %v %v", list, err)
		}
		if list, err := e.svc.ServiceStates(e.ctx, acme, acme.User.OrgID); err != nil || len(list) != 1 ||
			list[0] != (ServiceState{ID: id, SubscriptionID: sub.ID, State: e.of(sub).State}) {
			t.Errorf("own services' states: %+v %v, want service %d of subscription %d", list, err, id, sub.ID)
		}
		reader := accounts.Principal{User: accounts.User{ID: acme.User.ID + 1, OrgID: acme.User.OrgID, Email: "ro@acme.test",
			Permissions: []accounts.Permission{accounts.PermReadOnly}}, Org: acme.Org}
		if _, err := e.svc.Service(e.ctx, reader, id); err != nil {
			t.Errorf("read-only user: %v", err)
		}
		if _, err := e.svc.RevealCredentials(e.ctx, reader, id); !errors.Is(err, accounts.ErrForbidden) {
			t.Errorf("read-only user reveals: %v", err)
		}
		if _, err := e.svc.RevealCredentials(e.ctx, support, id); !errors.Is(err, accounts.ErrForbidden) {
			t.Errorf("staff reveal: %v", err)
		}
		// Staff-only functions refuse customers and staff without the role.
		if _, err := e.svc.Queue(e.ctx, acme, QueueFilter{}); err == nil {
			t.Error("a customer reads the queue")
		}
		if err := e.svc.SuspendByStaff(e.ctx, salesP, id, "x"); !errors.Is(err, accounts.ErrForbidden) {
			t.Errorf("sales suspends: %v", err)
		}
		if _, err := e.svc.Servers(e.ctx, abuseP); err != nil {
			t.Errorf("abuse reads servers: %v", err)
		}
		// The secret is still there for its owner, once.
		if cr, err := e.svc.RevealCredentials(e.ctx, acme, id); err != nil || cr.Secret == "" {
			t.Fatalf("owner reveal: %v", err)
		}
	})
}

// TestResetAndLogin: a reset gives the server a new secret, shown once after it is
// done; the panel link comes from the driver.
func TestResetAndLogin(t *testing.T) {
	each(t, Settings{}, func(t *testing.T, e *env) {
		sv := e.server("web1", 10)
		acme := e.org("Acme BV")
		sub := e.order(acme, "webhosting", "start")
		e.run()
		id := e.of(sub).ID
		first, err := e.svc.RevealCredentials(e.ctx, acme, id)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.ResetCredentials(e.ctx, acme, id); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.ResetCredentials(e.ctx, acme, id); !errors.Is(err, ErrResetUnderway) {
			t.Fatalf("second reset while the first waits: %v", err)
		}
		if _, err := e.svc.RevealCredentials(e.ctx, acme, id); !errors.Is(err, ErrNothingToShow) {
			t.Fatalf("reveal before the server took the reset: %v", err)
		}
		e.run()
		cr, err := e.svc.RevealCredentials(e.ctx, acme, id)
		acc, _ := e.kit.Get(sv.Endpoint, Ref(sub.ID))
		if err != nil || cr.Secret == first.Secret || cr.Secret != acc.Secret || cr.Details["username"] != Ref(sub.ID) {
			t.Fatalf("after the reset: %+v %v (server %q)", cr, err, acc.Secret)
		}
		if use, err := e.svc.Usage(e.ctx, acme, id); err != nil || use.DiskBytes != e.plan("webhosting", "start").StorageMB<<20 {
			t.Fatalf("usage: %+v %v", use, err)
		}
		u, err := e.svc.LoginURL(e.ctx, acme, id)
		if err != nil || !strings.HasPrefix(u, "https://web1.provider.test/login/") {
			t.Fatalf("login: %q %v", u, err)
		}
	})
}

// TestVPNSensitiveShownOnce: a driver's sensitive details (a VPN configuration with its
// private key) are sealed and shown once with the secret.
func TestVPNSensitiveShownOnce(t *testing.T) {
	each(t, Settings{}, func(t *testing.T, e *env) {
		e.server("vpn1", 10)
		acme := e.org("Acme BV")
		sub := e.order(acme, "vpn", "standard")
		e.run()
		v := e.of(sub)
		if v.Kind != driver.KindVPN || v.State != StateActive {
			t.Fatalf("%+v", v)
		}
		if e.count("provision_services", "id = $1 AND sensitive LIKE '%PrivateKey%'", v.ID) != 0 {
			t.Fatal("sensitive details stored unsealed")
		}
		cr, err := e.svc.RevealCredentials(e.ctx, acme, v.ID)
		if err != nil || !strings.Contains(cr.Sensitive["config"], "PrivateKey") {
			t.Fatalf("%+v %v", cr, err)
		}
	})
}

// TestServersKeepCredentialsSealed: credentials are sealed at rest and never returned;
// an update without them keeps them; validation names the fields.
func TestServersKeepCredentialsSealed(t *testing.T) {
	each(t, Settings{}, func(t *testing.T, e *env) {
		sv := e.server("web1", 10)
		if !sv.CredentialsSet || len(sv.CredentialNames) != 1 || sv.Kinds[0] != driver.KindWebhosting {
			t.Fatalf("%+v", sv)
		}
		if e.count("provision_servers", "credentials LIKE '%tok-web1%'") != 0 {
			t.Fatal("the token is stored unsealed")
		}
		in := ServerInput{Name: "web1", Endpoint: sv.Endpoint, Capacity: 20, Settings: map[string]string{"note": "rack 4"}}
		if _, err := e.svc.UpdateServer(e.ctx, support, sv.ID, in); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.TestServer(e.ctx, support, sv.ID); err != nil {
			t.Fatalf("the driver lost its token: %v", err)
		}
		_, err := e.svc.RegisterServer(e.ctx, support, ServerInput{Name: "web1", Type: "nope", Endpoint: "a b", Capacity: 0,
			Settings: map[string]string{"x": "y"}})
		var fe accounts.FieldErrors
		if !errors.As(err, &fe) || fe["type"].IsZero() || fe["endpoint"].IsZero() || fe["capacity"].IsZero() {
			t.Fatalf("validation: %v", err)
		}
		_, err = e.svc.RegisterServer(e.ctx, support, ServerInput{Name: "web2", Type: "test", Endpoint: "web2.test", Capacity: 1})
		if !errors.As(err, &fe) || fe["credentials.token"].IsZero() {
			t.Fatalf("missing token: %v", err)
		}
		_, err = e.svc.RegisterServer(e.ctx, support, ServerInput{Name: "web1", Type: "test", Endpoint: "web9.test", Capacity: 1,
			Credentials: map[string]string{"token": "t"}})
		if !errors.As(err, &fe) || fe["name"].IsZero() {
			t.Fatalf("name taken: %v", err)
		}
		if _, err := e.svc.RegisterServer(e.ctx, acmeLike(), ServerInput{}); !errors.Is(err, accounts.ErrForbidden) {
			t.Fatalf("customer registers: %v", err)
		}
	})
}

func acmeLike() accounts.Principal {
	return accounts.Principal{User: accounts.User{ID: 5000, OrgID: 77, OrgAdmin: true, Email: "x@y.test"}, Org: &accounts.Organisation{ID: 77}}
}

// TestSyncReport: orphans on the server and services missing from it are reported per
// server.
func TestSyncReport(t *testing.T) {
	each(t, Settings{}, func(t *testing.T, e *env) {
		sv := e.server("web1", 10)
		acme := e.org("Acme BV")
		a := e.order(acme, "webhosting", "start")
		b := e.order(acme, "webhosting", "start")
		e.run()
		e.kit.Put(sv.Endpoint, driver.Account{Ref: "stray1", Kind: driver.KindWebhosting})
		e.kit.Remove(sv.Endpoint, Ref(b.ID))
		if err := e.svc.Sync(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		r, err := e.svc.SyncReport(e.ctx, support, sv.ID)
		if err != nil || r.Listed != 2 || len(r.Orphans) != 1 || r.Orphans[0].Ref != "stray1" || len(r.Missing) != 1 || r.Missing[0] != Ref(b.ID) {
			t.Fatalf("report: %+v %v", r, err)
		}
		// Suspended on the server behind hostpact's back.
		d, err := e.kit.Type("test").New(driver.Server{Endpoint: sv.Endpoint, Credentials: map[string]string{"token": "x"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Suspend(e.ctx, Ref(a.ID), driver.SuspendStaff); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Sync(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		if r, _ = e.svc.SyncReport(e.ctx, support, sv.ID); len(r.Differ) != 1 || r.Differ[0] != Ref(a.ID) {
			t.Fatalf("differ: %+v", r)
		}
		e.kit.FailNext("list", 1)
		if err := e.svc.Sync(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		if r, _ = e.svc.SyncReport(e.ctx, support, sv.ID); r.Error == "" {
			t.Fatalf("unreachable server: %+v", r)
		}
	})
}

// TestMove: a service moves to another server with new credentials, suspended there
// for its reasons, and is terminated on the old one.
func TestMove(t *testing.T) {
	each(t, Settings{}, func(t *testing.T, e *env) {
		a := e.server("web1", 10)
		acme := e.org("Acme BV")
		sub := e.order(acme, "webhosting", "start")
		e.run()
		b := e.server("web2", 10)
		v := e.of(sub)
		if err := e.svc.Move(e.ctx, support, v.ID, a.ID); err == nil {
			t.Fatal("moved to the server it is on")
		}
		if err := e.svc.Block(e.ctx, support, v.ID, "notice 12"); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Move(e.ctx, support, v.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		e.run()
		v = e.of(sub)
		ref := Ref(sub.ID)
		onB, okB := e.kit.Get(b.Endpoint, ref)
		onA, _ := e.kit.Get(a.Endpoint, ref)
		if v.ServerID != b.ID || v.State != StateSuspended || !okB || !onB.Suspended || !onA.Terminated || !v.CredentialsReady {
			t.Fatalf("after the move: %+v; on b %+v; on a %+v", v, onB, onA)
		}
	})
}

// TestCustomerDoesNotSeeServerWords: a refusal's text is for staff; the customer sees
// that the step waits, not the server's message.
func TestCustomerDoesNotSeeServerWords(t *testing.T) {
	each(t, Settings{}, func(t *testing.T, e *env) {
		e.server("web1", 10)
		acme := e.org("Acme BV")
		sub := e.order(acme, "webhosting", "start")
		e.kit.Refuse("create", "internal: /dev/sdb3 full on host 10.0.0.7")
		e.run()
		staff := e.of(sub)
		cust, err := e.svc.Service(e.ctx, acme, staff.ID)
		if err != nil {
			t.Fatal(err)
		}
		if staff.ProblemText == "" || cust.ProblemText != "" || cust.Task == nil || cust.Task.Message != "" || cust.Problem != "provision.problem.refused" {
			t.Fatalf("staff %+v; customer %+v %+v", staff, cust, cust.Task)
		}
		list, err := e.svc.Services(e.ctx, acme, acme.User.OrgID)
		if err != nil || len(list) != 1 || list[0].ProblemText != "" {
			t.Fatalf("%+v %v", list, err)
		}
	})
}
