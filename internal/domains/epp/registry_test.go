package epp_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/domains/epp"
	"github.com/hostpact/hostpact/internal/domains/epp/sidnfake"
	"github.com/hostpact/hostpact/internal/domains/registry"
)

type env struct {
	fake *sidnfake.Registry
	reg  *epp.Registry
	ctx  context.Context
}

func newEnv(t *testing.T, opts sidnfake.Options) *env {
	t.Helper()
	fake, addr, ca := sidnfake.StartTB(t, opts)
	p := epp.SIDN
	if opts.Generic {
		p = epp.Generic
	}
	cfg := epp.Config{Address: addr, CAPEM: ca, Username: sidnfake.Us, Password: sidnfake.UsPassword, Profile: p, Clock: fake.Clock()}
	if opts.RequireClientCert {
		cfg.CertPEM, cfg.KeyPEM = fake.ClientCertPEM(), fake.ClientKeyPEM()
	}
	reg, err := epp.NewRegistry(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	return &env{fake: fake, reg: reg, ctx: context.Background()}
}

func (e *env) registrant(t *testing.T) string {
	t.Helper()
	h, err := e.reg.CreateContact(e.ctx, registry.Contact{
		Name: "Jan de Vries", Street: []string{"Keizersgracht 1"}, City: "Amsterdam", PostalCode: "1015 AA",
		CountryCode: "NL", Email: "jan@example.nl", Phone: "+31.201234567",
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (e *env) create(t *testing.T, name, registrant string) registry.Domain {
	t.Helper()
	d, err := e.reg.Create(e.ctx, registry.Registration{Name: name, Period: 1, Registrant: registrant, Nameservers: []string{"ns1.hostpact.example", "ns2.hostpact.example"}})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestRegisterAvailableNameAndRefuseTaken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sidnfake.Options{RequireClientCert: true})
	e.fake.Seed("google.nl", "GOOGLE1")
	av, err := e.reg.Check(e.ctx, "vrij.nl", "google.nl")
	if err != nil {
		t.Fatal(err)
	}
	if !av[0].Available || av[1].Available || av[1].Reason == "" {
		t.Fatalf("check = %+v", av)
	}
	reg := e.registrant(t)
	d := e.create(t, "vrij.nl", reg)
	if d.State != registry.StateActive || d.Registrant != reg || len(d.Nameservers) != 2 {
		t.Fatalf("created = %+v", d)
	}
	_, err = e.reg.Create(e.ctx, registry.Registration{Name: "google.nl", Period: 1, Registrant: reg})
	if !errors.Is(err, registry.ErrNotAvailable) {
		t.Fatalf("create taken: %v", err)
	}
	if got := e.fake.Applied("domain:create"); got != 1 {
		t.Fatalf("domain:create applied %d times", got)
	}
}

func TestDroppedCreateFinishesOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sidnfake.Options{})
	reg := e.registrant(t)
	e.fake.DropAfterApply("domain:create", 1)
	d := e.create(t, "eenmaal.nl", reg)
	if d.State != registry.StateActive {
		t.Fatalf("state %s", d.State)
	}
	if got := e.fake.Applied("domain:create"); got != 1 {
		t.Fatalf("domain:create applied %d times", got)
	}
	_ = time.Second
}
