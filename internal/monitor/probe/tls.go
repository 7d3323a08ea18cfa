package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
)

// DefaultExpiryWarning is how long before a certificate expires a check warns. A provider
// setting (issue 10), not a term: the terms promise availability, and an expired
// certificate is already an outage; the warning is there so that it never becomes one.
const DefaultExpiryWarning = 14 * 24 * time.Hour

// TLSPolicy is what a TLS connection must satisfy: TLS 1.2 or newer, a chain to one of
// RootCAs that is valid now, and a certificate for ServerName.
type TLSPolicy struct {
	// RootCAs are the trusted roots; nil means the system's.
	RootCAs *x509.CertPool
	// ServerName is the host name the certificate must carry; empty means the target's
	// host.
	ServerName string
	// ExpiryWarning: warn when the certificate expires within this time. Zero means
	// DefaultExpiryWarning, negative means never.
	ExpiryWarning time.Duration
	// Clock decides what "now" is for validity and the warning; nil is the real clock.
	Clock clock.Clock
}

func (p TLSPolicy) now() time.Time {
	if p.Clock == nil {
		return time.Now()
	}
	return p.Clock.Now()
}

// config returns the client configuration for host. It accepts TLS 1.0 and 1.1 in the
// handshake only so that check can name the version: a server that offers nothing newer
// is reported as probe.tls.version rather than as a failed handshake.
func (p TLSPolicy) config(host string) *tls.Config {
	name := p.ServerName
	if name == "" {
		name = host
	}
	return &tls.Config{
		ServerName: name,
		RootCAs:    p.RootCAs,
		MinVersion: tls.VersionTLS10,
		Time:       p.now,
	}
}

// handshake runs the TLS client handshake over conn and applies the policy.
func (p TLSPolicy) handshake(ctx context.Context, conn net.Conn, host string, r *Result) (*tls.Conn, *Reason) {
	cfg := p.config(host)
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, p.handshakeReason(ctx, cfg.ServerName, err)
	}
	if rs := p.check(tc.ConnectionState(), r); rs != nil {
		return nil, rs
	}
	return tc, nil
}

// check applies the version rule and the expiry warning to an established connection
// and records the certificate in the details.
func (p TLSPolicy) check(st tls.ConnectionState, r *Result) *Reason {
	r.Details.TLSVersion = tls.VersionName(st.Version)
	if len(st.PeerCertificates) > 0 {
		leaf := st.PeerCertificates[0]
		r.Details.CertSubject = leaf.Subject.String()
		r.Details.CertNotAfter = leaf.NotAfter.UTC()
		warn := p.ExpiryWarning
		if warn == 0 {
			warn = DefaultExpiryWarning
		}
		if left := leaf.NotAfter.Sub(p.now()); warn > 0 && left < warn {
			r.Warnings = append(r.Warnings, *reason("probe.tls.expires_soon", nil,
				"not_after", leaf.NotAfter.UTC().Format(time.RFC3339), "days_left", int(left/(24*time.Hour))))
		}
	}
	if st.Version < tls.VersionTLS12 {
		return reason("probe.tls.version", nil, "got", tls.VersionName(st.Version))
	}
	return nil
}

// handshakeReason names why a handshake failed: an expired, untrusted or wrong-host
// certificate, an old protocol version, or the network.
func (p TLSPolicy) handshakeReason(ctx context.Context, host string, err error) *Reason {
	var (
		inv     x509.CertificateInvalidError
		hostErr x509.HostnameError
		unknown x509.UnknownAuthorityError
		alert   tls.AlertError
		rec     tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &inv) && inv.Reason == x509.Expired && inv.Cert != nil:
		if p.now().Before(inv.Cert.NotBefore) {
			return reason("probe.tls.not_yet_valid", err, "not_before", inv.Cert.NotBefore.UTC().Format(time.RFC3339))
		}
		return reason("probe.tls.expired", err, "not_after", inv.Cert.NotAfter.UTC().Format(time.RFC3339))
	case errors.As(err, &hostErr):
		names := ""
		if hostErr.Certificate != nil {
			names = strings.Join(hostErr.Certificate.DNSNames, ", ")
		}
		return reason("probe.tls.hostname", err, "host", host, "names", names)
	case errors.As(err, &unknown):
		issuer := ""
		if unknown.Cert != nil {
			issuer = unknown.Cert.Issuer.String()
		}
		return reason("probe.tls.untrusted", err, "issuer", issuer)
	case errors.As(err, &inv):
		return reason("probe.tls.invalid", err, "problem", inv.Error())
	case errors.As(err, &alert) && tls.AlertError(alert) == 70, strings.Contains(err.Error(), "protocol version"):
		// Alert 70 is protocol_version (RFC 8446 §6.2).
		return reason("probe.tls.version", err, "got", "none in common")
	case errors.As(err, &rec):
		return reason("probe.tls.not_tls", err)
	}
	if rs := netReason(ctx, "tls", host, err); rs.Key != "probe.io" {
		return rs
	}
	return reason("probe.tls.handshake", err, "error", err.Error())
}
