package sidnfake_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"testing"

	"github.com/hostpact/hostpact/internal/domains/epp"
	"github.com/hostpact/hostpact/internal/domains/epp/sidnfake"
	"github.com/hostpact/hostpact/internal/domains/registry"
)

func raw(t *testing.T, addr string, ca []byte, frames ...[]byte) []*epp.EPP {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var out []*epp.EPP
	read := func() {
		b, err := epp.ReadFrame(c)
		if err != nil {
			t.Fatal(err)
		}
		e, err := epp.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	read() // greeting
	for _, f := range frames {
		if err := epp.WriteFrame(c, f); err != nil {
			t.Fatal(err)
		}
		read()
	}
	return out
}

func TestFakeSessionRules(t *testing.T) {
	t.Parallel()
	_, addr, ca := sidnfake.StartTB(t, sidnfake.Options{})
	m := func(e *epp.EPP) []byte { b, _ := epp.Marshal(e); return b }
	got := raw(t, addr, ca,
		m(epp.DomainCheckCmd("t1", "a.nl")),
		[]byte("<epp><nonsense"),
		m(epp.LoginCmd(sidnfake.Us, "wrong", epp.SIDN, "t2")),
		m(epp.HelloCmd()),
		m(epp.LoginCmd(sidnfake.Us, sidnfake.UsPassword, epp.SIDN, "t3")),
		m(epp.DomainCheckCmd("t4", "a.nl")),
		m(epp.PollReqCmd("t5")),
	)
	if got[0].Greeting == nil || len(got[0].Greeting.SvcMenu.ExtURI) == 0 {
		t.Fatalf("greeting %+v", got[0].Greeting)
	}
	codes := []int{2002, 2001, 2200, 0, 1000, 1000, 1300}
	for i, want := range codes {
		e := got[i+1]
		if want == 0 {
			if e.Greeting == nil {
				t.Errorf("frame %d: hello got no greeting", i)
			}
			continue
		}
		if e.Response == nil || e.Response.Results[0].Code != want {
			t.Errorf("frame %d: want %d, got %+v", i, want, e.Response)
		}
	}
	if got[6].Response.TrID.ClTRID != "t4" {
		t.Errorf("clTRID not echoed: %+v", got[6].Response.TrID)
	}
}

func TestFakeAsksForClientCertificate(t *testing.T) {
	t.Parallel()
	fake, addr, ca := sidnfake.StartTB(t, sidnfake.Options{RequireClientCert: true})
	cfg := epp.Config{Address: addr, CAPEM: ca, Username: sidnfake.Us, Password: sidnfake.UsPassword, Profile: epp.SIDN}
	r, _ := epp.NewRegistry(cfg)
	defer r.Close()
	if _, err := r.Check(context.Background(), "a.nl"); !errors.Is(err, registry.ErrUnavailable) {
		t.Fatalf("without client certificate: %v", err)
	}
	cfg.CertPEM, cfg.KeyPEM = fake.ClientCertPEM(), fake.ClientKeyPEM()
	r2, _ := epp.NewRegistry(cfg)
	defer r2.Close()
	if _, err := r2.Check(context.Background(), "a.nl"); err != nil {
		t.Fatalf("with client certificate: %v", err)
	}
}
