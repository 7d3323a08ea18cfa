package agentdriver_test

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/agent"
	"github.com/hostpact/hostpact/internal/agent/agenttest"
	"github.com/hostpact/hostpact/internal/agent/pki"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/provision/driver/drivertest"
	"github.com/hostpact/hostpact/internal/provision/drivers/agentdriver"
)

// TestConformanceOverTheWire runs the driver contract through the client, mutual TLS
// and the agent's routes to an in-memory module: what the protocol must carry, apart
// from any real module.
func TestConformanceOverTheWire(t *testing.T) {
	t.Parallel()
	web := &agenttest.Memory{Kind: driver.KindWebhosting}
	mail := &agenttest.Memory{Kind: driver.KindEmail}
	a := agenttest.Start(t, agent.Modules{driver.KindWebhosting: web, driver.KindEmail: mail})
	acct := driver.Account{Ref: "hp42", Kind: driver.KindEmail, Domain: "example.nl", Secret: "s3cret",
		Package: driver.Package{Name: "mail-s", Mailboxes: 5, Extra: map[string]string{"x": "y"}}}
	other := driver.Package{Name: "mail-l", Mailboxes: 50}
	drivertest.Run(t, a.Driver, acct, other, drivertest.Checks{
		Works: func(t *testing.T, ac driver.Account, c driver.Created, secret string) {
			got, ok := mail.Get(ac.Ref)
			if !ok || got.Secret != secret || got.Suspended {
				t.Fatalf("module holds %+v", got)
			}
			if c.Details["username"] != ac.Ref {
				t.Errorf("details %v", c.Details)
			}
		},
		Suspended: func(t *testing.T, ac driver.Account) {
			if got, _ := mail.Get(ac.Ref); !got.Suspended || got.Reason != driver.SuspendNonPayment {
				t.Errorf("module holds %+v", got)
			}
		},
		Package: func(t *testing.T, ac driver.Account, p driver.Package) {
			if got, _ := mail.Get(ac.Ref); got.Package.Name != p.Name || got.Package.Mailboxes != p.Mailboxes {
				t.Errorf("package %+v, want %+v", got.Package, p)
			}
		},
		Terminated: func(t *testing.T, ac driver.Account) {
			if got, ok := mail.Get(ac.Ref); !ok || !got.Terminated {
				t.Errorf("module holds %+v", got)
			}
		},
		Gone: func(t *testing.T, ac driver.Account) {
			if _, ok := mail.Get(ac.Ref); ok {
				t.Error("still in the module")
			}
		},
	})
	if _, ok := web.Get(acct.Ref); ok {
		t.Error("the account reached the webhosting module")
	}
}

func TestErrorsKeepTheirMeaning(t *testing.T) {
	t.Parallel()
	a := agenttest.Start(t, agent.Modules{driver.KindWebhosting: &agenttest.Memory{Kind: driver.KindWebhosting}})
	ctx := t.Context()
	_, err := a.Driver.Create(ctx, driver.Account{Ref: "hp1", Kind: driver.KindWebhosting, Domain: "refuse.example.nl", Secret: "s"})
	var r *driver.Refusal
	if !errors.As(err, &r) || r.Op != "create" || !strings.Contains(r.Message, "refuse.example.nl") {
		t.Errorf("refusal arrived as %v", err)
	}
	_, err = a.Driver.Create(ctx, driver.Account{Ref: "hp1", Kind: driver.KindWebhosting, Domain: "x;y", Secret: "s"})
	if !driver.IsRefusal(err) {
		t.Errorf("a request the agent rejects arrived as %v, want a refusal (no retry helps)", err)
	}
	if err := a.Driver.Suspend(ctx, "hp9", driver.SuspendStaff); !errors.Is(err, driver.ErrNotFound) {
		t.Errorf("Suspend of an unknown ref: %v", err)
	}
	if _, err := a.Driver.Usage(ctx, "hp9"); !errors.Is(err, driver.ErrNotFound) {
		t.Errorf("Usage of an unknown ref: %v", err)
	}
	if err := a.Driver.DeleteData(ctx, "hp9"); err != nil {
		t.Errorf("DeleteData of an unknown ref must succeed: %v", err)
	}
	if err := a.Driver.Terminate(ctx, "hp9"); err != nil {
		t.Errorf("Terminate of an unknown ref must succeed: %v", err)
	}
	_, err = a.Driver.Create(ctx, driver.Account{Ref: "hp2", Kind: driver.KindVPN, Secret: "s"})
	if !driver.IsRefusal(err) {
		t.Errorf("a kind the agent does not run: %v", err)
	}

	// A pinned driver tests for its kind.
	d, err := agentdriver.New(driver.Server{Endpoint: a.Endpoint, Credentials: a.Credentials, Settings: map[string]string{"kind": "email"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Test(ctx); !driver.IsRefusal(err) {
		t.Errorf("Test of a driver pinned to a kind the agent lacks: %v", err)
	}
}

func TestUnreachableIsNotARefusal(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "https://" + l.Addr().String()
	l.Close()
	creds, _, err := agentdriver.Enroller{}.Enroll("gone", endpoint)
	if err != nil {
		t.Fatal(err)
	}
	d, err := agentdriver.New(driver.Server{Endpoint: endpoint, Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Suspend(t.Context(), "hp1", driver.SuspendStaff); err == nil || driver.IsRefusal(err) || errors.Is(err, driver.ErrNotFound) {
		t.Errorf("an agent that does not answer: %v, want an error to retry", err)
	}
}

func TestNewChecksTheServer(t *testing.T) {
	t.Parallel()
	creds, _, err := agentdriver.Enroller{}.Enroll("web1", "https://web1.example.nl:7443")
	if err != nil {
		t.Fatal(err)
	}
	for _, endpoint := range []string{"http://web1.example.nl:7443", "web1.example.nl:7443", "https://u:p@web1.example.nl:7443", "https://web1.example.nl:7443/v1"} {
		if _, err := agentdriver.New(driver.Server{Endpoint: endpoint, Credentials: creds}); err == nil {
			t.Errorf("endpoint %q accepted", endpoint)
		}
	}
	delete(creds, agentdriver.CredClientKey)
	if _, err := agentdriver.New(driver.Server{Endpoint: "https://web1.example.nl:7443", Credentials: creds}); err == nil {
		t.Error("credentials without the client key accepted")
	}
}

func TestEnrollment(t *testing.T) {
	t.Parallel()
	typ := agentdriver.Type()
	if typ.Name != "agent" || typ.Enroll == nil || len(typ.Kinds) != 4 {
		t.Fatalf("type %+v", typ)
	}
	creds, bundle, err := typ.Enroll.Enroll("web1", "https://Web1.Example.NL:7443")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range typ.CredentialFields {
		if creds[k] == "" {
			t.Errorf("credential %s missing", k)
		}
	}
	b, err := pki.ParseBundle(bundle)
	if err != nil {
		t.Fatal(err)
	}
	if string(b.CAPEM) != creds[agentdriver.CredCACert] {
		t.Error("the bundle's CA is not the one hostpact keeps")
	}
	if strings.Contains(string(bundle), creds[agentdriver.CredClientKey]) {
		t.Error("the bundle holds hostpact's client key")
	}
	block, _ := pem.Decode(b.Server.CertPEM)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if err := cert.VerifyHostname("web1.example.nl"); err != nil {
		t.Errorf("server certificate: %v", err)
	}
	for _, bad := range []string{"http://web1:7443", "not a url", "https://:7443"} {
		if _, _, err := typ.Enroll.Enroll("x", bad); err == nil {
			t.Errorf("endpoint %q enrolled", bad)
		}
	}
}
