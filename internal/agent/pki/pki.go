// Package pki is the certificate authority hostpact makes for each hosting server it
// drives through a hostpact agent. Enrolling a server makes a fresh CA, issues the
// agent's server certificate (for the host names and addresses of its endpoint) and
// hostpact's client certificate from it, and then forgets the CA's key: each side then
// trusts exactly one certificate of the other, nobody can issue a third, and a server
// that is re-enrolled gets a new CA, which revokes everything issued before.
//
// Lifetimes are long but finite. There is no channel yet that renews certificates on
// the server automatically, so a short lifetime would stop a server at an arbitrary
// moment; a finite one still bounds how long a stolen key works when nobody notices
// the theft, and re-enrolling (one command on the server) starts a new period.
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"time"
)

const (
	// CAValidity is how long a per-server CA is valid: ten years, longer than the
	// certificates it issues so they never outlive it.
	CAValidity = 10 * 365 * 24 * time.Hour
	// LeafValidity is how long the agent's and hostpact's certificates are valid: five
	// years, the life of a typical server.
	LeafValidity = 5 * 365 * 24 * time.Hour
	// backdate lets a server whose clock runs a little behind accept a fresh certificate.
	backdate = time.Hour
)

// CA is a per-server certificate authority with its key in memory.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
	// CertPEM is the CA certificate as PEM, what both sides trust.
	CertPEM []byte
}

// Pair is one issued certificate and its private key, as PEM.
type Pair struct {
	CertPEM, KeyPEM []byte
}

// NewCA makes a CA for the server called name, with an ECDSA P-256 key.
func NewCA(name string, now time.Time) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := serialNumber()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "hostpact agent CA " + name, Organization: []string{"hostpact"}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(CAValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, Key: key, CertPEM: pemBlock("CERTIFICATE", der)}, nil
}

// IssueServer issues the agent's certificate for hosts: each a DNS name or an IP
// address, the names hostpact dials.
func (ca *CA) IssueServer(hosts []string, now time.Time) (Pair, error) {
	if len(hosts) == 0 {
		return Pair{}, errors.New("pki: a server certificate needs at least one host name or address")
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: hosts[0], Organization: []string{"hostpact agent"}},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		h = strings.TrimSuffix(strings.Trim(h, "[]"), ".")
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	return ca.issue(tmpl, now)
}

// IssueClient issues hostpact's client certificate, named name.
func (ca *CA) IssueClient(name string, now time.Time) (Pair, error) {
	return ca.issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: name, Organization: []string{"hostpact"}},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, now)
}

func (ca *CA) issue(tmpl *x509.Certificate, now time.Time) (Pair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Pair{}, err
	}
	if tmpl.SerialNumber, err = serialNumber(); err != nil {
		return Pair{}, err
	}
	tmpl.NotBefore = now.Add(-backdate)
	tmpl.NotAfter = now.Add(LeafValidity)
	if tmpl.NotAfter.After(ca.Cert.NotAfter) {
		tmpl.NotAfter = ca.Cert.NotAfter
	}
	tmpl.BasicConstraintsValid = true
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		return Pair{}, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return Pair{}, err
	}
	return Pair{CertPEM: pemBlock("CERTIFICATE", der), KeyPEM: pemBlock("PRIVATE KEY", keyDER)}, nil
}

// Bundle is what an agent installs: its certificate, its key and the CA it trusts for
// client certificates, as one PEM file.
type Bundle struct {
	Server Pair
	CAPEM  []byte
}

// Encode writes the bundle as one PEM file: the server certificate, its key, then the
// CA certificate.
func (b Bundle) Encode() []byte {
	out := append([]byte{}, b.Server.CertPEM...)
	out = append(out, b.Server.KeyPEM...)
	return append(out, b.CAPEM...)
}

// ParseBundle reads a bundle written by Encode: the one private key, the CA (the
// certificate that is a CA) and the server certificate (the one that is not).
func ParseBundle(data []byte) (Bundle, error) {
	var b Bundle
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		switch block.Type {
		case "PRIVATE KEY", "EC PRIVATE KEY":
			if b.Server.KeyPEM != nil {
				return Bundle{}, errors.New("pki: bundle holds more than one private key")
			}
			b.Server.KeyPEM = pem.EncodeToMemory(block)
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return Bundle{}, fmt.Errorf("pki: bundle: %w", err)
			}
			slot := &b.Server.CertPEM
			if c.IsCA {
				slot = &b.CAPEM
			}
			if *slot != nil {
				return Bundle{}, errors.New("pki: bundle holds more than one server or CA certificate")
			}
			*slot = pem.EncodeToMemory(block)
		default:
			return Bundle{}, fmt.Errorf("pki: bundle holds an unexpected %q block", block.Type)
		}
	}
	if b.Server.CertPEM == nil || b.Server.KeyPEM == nil || b.CAPEM == nil {
		return Bundle{}, errors.New("pki: bundle needs a server certificate, its key and the CA certificate")
	}
	return b, nil
}

// Pool parses PEM certificates into a pool that trusts only them.
func Pool(certPEM []byte) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(certPEM) {
		return nil, errors.New("pki: no certificate in the CA PEM")
	}
	return pool, nil
}

func serialNumber() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

func pemBlock(kind string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})
}
