package probe

import (
	"crypto/x509"
	"encoding/base64"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// MaxTimeoutSeconds bounds a configured timeout: a check runs at least once a minute
// (the pack's measurement interval), so it must end within one.
const MaxTimeoutSeconds = 60

// FieldError says which field of a Spec cannot work and why, as a message key with
// arguments (rendered like a Reason), so a staff form puts it beside the right field.
// Field is the field's JSON name.
type FieldError struct {
	Field  string
	Reason Reason
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason.Text("en") }

// Text renders the problem in lang ("nl" or "en").
func (e *FieldError) Text(lang string) string { return e.Reason.Text(lang) }

func fieldErr(field, key string, kv ...any) *FieldError {
	return &FieldError{Field: field, Reason: *reason(key, nil, kv...)}
}

// Kinds lists every kind a Spec can have, in the order a form offers them.
func Kinds() []Kind {
	return []Kind{KindHTTP, KindHTTPS, KindTCP, KindICMP, KindMySQL, KindPOP3, KindIMAP, KindSMTP, KindDNS, KindWireGuard}
}

// Validate reports the first field of s that cannot work, as a *FieldError; nil when
// Build will succeed.
func (s Spec) Validate() error {
	if fe := s.validate(); fe != nil {
		return fe
	}
	return nil
}

func (s Spec) validate() *FieldError {
	if s.TimeoutSeconds < 0 || s.TimeoutSeconds > MaxTimeoutSeconds {
		return fieldErr("timeout_seconds", "probe.spec.timeout", "max", MaxTimeoutSeconds)
	}
	switch s.Kind {
	case KindHTTP, KindHTTPS:
		if fe := s.validateURL(); fe != nil {
			return fe
		}
		if s.Address != "" {
			if fe := hostPort("address", s.Address); fe != nil {
				return fe
			}
		}
		for _, c := range s.Status {
			if c < 100 || c > 599 {
				return fieldErr("status", "probe.spec.status", "code", c)
			}
		}
		if len(s.Keyword) > 1024 {
			return fieldErr("keyword", "probe.spec.too_long", "max", 1024)
		}
		return s.validateTLS()
	case KindTCP:
		return hostPort("address", s.Address)
	case KindICMP:
		return hostOnly("address", s.Address)
	case KindMySQL:
		if fe := hostPort("address", s.Address); fe != nil {
			return fe
		}
		return s.validateAccount(true)
	case KindPOP3, KindIMAP, KindSMTP:
		if fe := hostPort("address", s.Address); fe != nil {
			return fe
		}
		sec, fe := s.security()
		if fe != nil {
			return fe
		}
		if s.Kind != KindSMTP {
			if fe := s.validateAccount(false); fe != nil {
				return fe
			}
			if s.User != "" && sec == PlainText && !s.AllowPlaintextAuth {
				return fieldErr("allow_plaintext_auth", "probe.spec.plaintext_auth")
			}
		}
		return s.validateTLS()
	case KindDNS:
		if fe := hostPort("address", s.Address); fe != nil {
			return fe
		}
		if !validDomain(s.Zone) {
			return fieldErr("zone", "probe.spec.zone")
		}
		return nil
	case KindWireGuard:
		if fe := hostPort("address", s.Address); fe != nil {
			return fe
		}
		if !wgKey(s.ServerPublicKey) {
			return fieldErr("server_public_key", "probe.spec.key")
		}
		if !wgKey(s.PrivateKey) {
			return fieldErr("private_key", "probe.spec.key")
		}
		if s.PresharedKey != "" && !wgKey(s.PresharedKey) {
			return fieldErr("preshared_key", "probe.spec.key")
		}
		if _, err := netip.ParseAddr(s.TunnelAddress); err != nil {
			return fieldErr("tunnel_address", "probe.spec.ip")
		}
		if s.PingAddress != "" {
			if _, err := netip.ParseAddr(s.PingAddress); err != nil {
				return fieldErr("ping_address", "probe.spec.ip")
			}
		}
		return nil
	case "":
		return fieldErr("kind", "probe.spec.required")
	}
	return fieldErr("kind", "probe.spec.kind", "kind", shorten(string(s.Kind)))
}

func (s Spec) validateURL() *FieldError {
	if s.URL == "" {
		return fieldErr("url", "probe.spec.required")
	}
	u, err := url.Parse(s.URL)
	if err != nil || u.Host == "" || u.Hostname() == "" || u.User != nil || strings.ContainsAny(s.URL, " \t\r\n") {
		return fieldErr("url", "probe.spec.url")
	}
	if u.Scheme != string(s.Kind) {
		return fieldErr("url", "probe.spec.url_scheme", "scheme", string(s.Kind))
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fieldErr("url", "probe.spec.url")
		}
	}
	return nil
}

func (s Spec) validateTLS() *FieldError {
	if s.ServerName != "" && !validDomain(s.ServerName) && !validIP(s.ServerName) {
		return fieldErr("server_name", "probe.spec.host")
	}
	if s.RootCAsPEM != "" {
		if _, fe := s.rootCAs(); fe != nil {
			return fe
		}
	}
	return nil
}

// validateAccount: the user and password are sent in protocol lines (POP3, IMAP), so
// they cannot hold line breaks; MySQL sends them in a packet, but a line break there
// is a paste mistake all the same.
func (s Spec) validateAccount(mysql bool) *FieldError {
	if strings.ContainsAny(s.User, "\r\n\x00") {
		return fieldErr("user", "probe.spec.line")
	}
	if strings.ContainsAny(s.Password, "\r\n\x00") {
		return fieldErr("password", "probe.spec.line")
	}
	if !mysql && s.User == "" && s.Password != "" {
		return fieldErr("user", "probe.spec.required")
	}
	return nil
}

func (s Spec) security() (Security, *FieldError) {
	switch s.Security {
	case "plain":
		return PlainText, nil
	case "starttls":
		return StartTLS, nil
	case "tls":
		return ImplicitTLS, nil
	case "":
		return 0, fieldErr("security", "probe.spec.required")
	}
	return 0, fieldErr("security", "probe.spec.security")
}

func (s Spec) rootCAs() (*x509.CertPool, *FieldError) {
	if s.RootCAsPEM == "" {
		return nil, nil
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(s.RootCAsPEM)) {
		return nil, fieldErr("root_cas_pem", "probe.spec.pem")
	}
	return pool, nil
}

// hostPort accepts host:port with a host name or IP address and a port 1-65535.
func hostPort(field, s string) *FieldError {
	if s == "" {
		return fieldErr(field, "probe.spec.required")
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil || (!validDomain(host) && !validIP(host)) {
		return fieldErr(field, "probe.spec.host_port")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fieldErr(field, "probe.spec.host_port")
	}
	return nil
}

// hostOnly accepts a host name or IP address without a port.
func hostOnly(field, s string) *FieldError {
	if s == "" {
		return fieldErr(field, "probe.spec.required")
	}
	if !validDomain(s) && !validIP(s) {
		return fieldErr(field, "probe.spec.host")
	}
	return nil
}

func validIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// validDomain accepts a DNS name (a trailing dot allowed): labels of letters, digits,
// hyphens and underscores, at most 63 characters each and 253 in all.
func validDomain(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// wgKey reports whether s is a base64 WireGuard key (32 bytes).
func wgKey(s string) bool {
	k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	return err == nil && len(k) == 32
}
