package pki_test

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/agent/pki"
)

func parse(t *testing.T, p []byte) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(p)
	if block == nil {
		t.Fatal("no PEM")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestIssue(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	ca, err := pki.NewCA("web1", now)
	if err != nil {
		t.Fatal(err)
	}
	server, err := ca.IssueServer([]string{"web1.example.nl", "127.0.0.1", "[::1]"}, now)
	if err != nil {
		t.Fatal(err)
	}
	client, err := ca.IssueClient("hostpact", now)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pki.Pool(ca.CertPEM)
	if err != nil {
		t.Fatal(err)
	}
	at := now.Add(24 * time.Hour)
	s := parse(t, server.CertPEM)
	if _, err := s.Verify(x509.VerifyOptions{Roots: pool, DNSName: "web1.example.nl", CurrentTime: at}); err != nil {
		t.Errorf("server certificate: %v", err)
	}
	for _, h := range []string{"127.0.0.1", "::1"} {
		if err := s.VerifyHostname(h); err != nil {
			t.Errorf("server certificate for %s: %v", h, err)
		}
	}
	c := parse(t, client.CertPEM)
	if _, err := c.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("client certificate: %v", err)
	}
	if _, err := s.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err == nil {
		t.Error("the server certificate also authenticates clients")
	}
	// Long but finite, and never beyond the CA.
	if got := s.NotAfter.Sub(now); got != pki.LeafValidity {
		t.Errorf("server certificate valid for %s", got)
	}
	if !s.NotAfter.Before(ca.Cert.NotAfter) || ca.Cert.NotAfter.Sub(now) != pki.CAValidity {
		t.Errorf("validity: leaf until %s, CA until %s", s.NotAfter, ca.Cert.NotAfter)
	}
	if _, err := s.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: now.Add(pki.LeafValidity + time.Hour)}); err == nil {
		t.Error("the server certificate is valid after its lifetime")
	}

	other, err := pki.NewCA("web2", now)
	if err != nil {
		t.Fatal(err)
	}
	otherPool, _ := pki.Pool(other.CertPEM)
	if _, err := c.Verify(x509.VerifyOptions{Roots: otherPool, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err == nil {
		t.Error("another server's CA trusts this client certificate")
	}
	if _, err := ca.IssueServer(nil, now); err == nil {
		t.Error("a server certificate without names")
	}
}

func TestBundle(t *testing.T) {
	t.Parallel()
	now := time.Now()
	ca, _ := pki.NewCA("web1", now)
	server, _ := ca.IssueServer([]string{"127.0.0.1"}, now)
	b := pki.Bundle{Server: server, CAPEM: ca.CertPEM}
	got, err := pki.ParseBundle(b.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Server.CertPEM, server.CertPEM) || !bytes.Equal(got.Server.KeyPEM, server.KeyPEM) || !bytes.Equal(got.CAPEM, ca.CertPEM) {
		t.Error("round trip changed the bundle")
	}
	// Order does not matter: the CA is the certificate that is a CA.
	reordered := append(append(append([]byte{}, ca.CertPEM...), server.KeyPEM...), server.CertPEM...)
	if got, err := pki.ParseBundle(reordered); err != nil || !bytes.Equal(got.CAPEM, ca.CertPEM) {
		t.Errorf("reordered bundle: %v", err)
	}
	for name, bad := range map[string][]byte{
		"empty":      nil,
		"no key":     append(append([]byte{}, server.CertPEM...), ca.CertPEM...),
		"two CAs":    append(b.Encode(), ca.CertPEM...),
		"other type": append(b.Encode(), pem.EncodeToMemory(&pem.Block{Type: "X", Bytes: []byte("x")})...),
	} {
		if _, err := pki.ParseBundle(bad); err == nil {
			t.Errorf("%s bundle accepted", name)
		}
	}
}

func FuzzParseBundle(f *testing.F) {
	now := time.Now()
	ca, _ := pki.NewCA("web1", now)
	server, _ := ca.IssueServer([]string{"127.0.0.1"}, now)
	f.Add(pki.Bundle{Server: server, CAPEM: ca.CertPEM}.Encode())
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := pki.ParseBundle(data)
		if err != nil {
			return
		}
		if len(b.Server.CertPEM) == 0 || len(b.Server.KeyPEM) == 0 || len(b.CAPEM) == 0 {
			t.Fatal("a bundle without its parts parsed")
		}
	})
}
