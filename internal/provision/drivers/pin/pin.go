// Package pin makes HTTPS clients that trust one server certificate by its SHA-256
// fingerprint. Control panels and hypervisors (Proxmox VE, DirectAdmin) usually run with
// a self-signed certificate made at installation; staff copy its fingerprint from the
// panel (Proxmox: Node → System → Certificates) when they register the server, and the
// driver then refuses any other certificate instead of skipping verification.
package pin

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Normalize turns "AB:CD:…", "ab cd …" or "abcd…" into lower-case hex without
// separators; it fails unless the result is a SHA-256 digest (64 hex digits).
func Normalize(fingerprint string) (string, error) {
	f := strings.ToLower(strings.NewReplacer(":", "", " ", "", "-", "").Replace(strings.TrimSpace(fingerprint)))
	if len(f) != 64 {
		return "", fmt.Errorf("pin: fingerprint %q is not a SHA-256 digest (64 hex digits)", fingerprint)
	}
	if _, err := hex.DecodeString(f); err != nil {
		return "", fmt.Errorf("pin: fingerprint %q is not hexadecimal", fingerprint)
	}
	return f, nil
}

// Of returns the SHA-256 fingerprint of a DER certificate as Proxmox shows it:
// upper-case hex pairs joined by colons.
func Of(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// ErrMismatch is returned (wrapped) when the server shows another certificate.
var ErrMismatch = errors.New("pin: server certificate does not match the pinned fingerprint")

// Client returns an HTTP client for one server. With a fingerprint it accepts exactly
// the certificate with that fingerprint (the chain and host name are not checked:
// the pin is the trust); without one it verifies the chain against the system roots.
func Client(fingerprint string, timeout time.Duration) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if fingerprint != "" {
		want, err := Normalize(fingerprint)
		if err != nil {
			return nil, err
		}
		// InsecureSkipVerify only turns off the chain check, which the pin replaces;
		// VerifyPeerCertificate still runs on every handshake.
		cfg.InsecureSkipVerify = true
		cfg.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 {
				return ErrMismatch
			}
			got, _ := Normalize(Of(raw[0]))
			if got != want {
				return fmt.Errorf("%w: it shows %s", ErrMismatch, Of(raw[0]))
			}
			return nil
		}
	}
	tr.TLSClientConfig = cfg
	return &http.Client{Transport: tr, Timeout: timeout}, nil
}
