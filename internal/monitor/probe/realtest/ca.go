package realtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"path/filepath"
	"testing"
	"time"
)

// CA is a test certificate authority made in Go, trusted only by the pool it returns.
type CA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
	PEM  []byte
}

// NewCA makes a CA valid from a year ago for ten years.
func NewCA(t testing.TB) *CA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "hostpact test CA"},
		NotBefore:             time.Now().AddDate(-1, 0, 0),
		NotAfter:              time.Now().AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &CA{cert: cert, key: key, pool: pool, PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// Pool is a root pool holding only this CA.
func (ca *CA) Pool() *x509.CertPool { return ca.pool }

// Leaf is a server certificate issued by a CA.
type Leaf struct {
	CertPEM, KeyPEM []byte
	NotAfter        time.Time
}

// Issue makes a server certificate for hosts (DNS names or IP addresses) valid from
// notBefore until notAfter.
func (ca *CA) Issue(t testing.TB, hosts []string, notBefore, notAfter time.Time) Leaf {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: hosts[0]},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return Leaf{
		CertPEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:   pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}),
		NotAfter: notAfter,
	}
}

// Valid issues a certificate for hosts valid from a day ago for validFor.
func (ca *CA) Valid(t testing.TB, validFor time.Duration, hosts ...string) Leaf {
	now := time.Now()
	return ca.Issue(t, hosts, now.Add(-24*time.Hour), now.Add(validFor))
}

// Expired issues a certificate for hosts that expired a day ago.
func (ca *CA) Expired(t testing.TB, hosts ...string) Leaf {
	now := time.Now()
	return ca.Issue(t, hosts, now.AddDate(0, -3, 0), now.Add(-24*time.Hour))
}

// Files writes the certificate and key into dir as name.crt and name.key (the key
// readable by the daemon's unprivileged workers) and returns their paths.
func (l Leaf) Files(t testing.TB, dir, name string) (certFile, keyFile string) {
	t.Helper()
	return WriteFile(t, dir, filepath.Join("tls", name+".crt"), string(l.CertPEM), 0o644),
		WriteFile(t, dir, filepath.Join("tls", name+".key"), string(l.KeyPEM), 0o644)
}

// TLSCertificate is the leaf for an in-process Go server.
func (l Leaf) TLSCertificate(t testing.TB) tls.Certificate {
	t.Helper()
	c, err := tls.X509KeyPair(l.CertPEM, l.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
