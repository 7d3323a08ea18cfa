package probe

import (
	"net/netip"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
)

// Build turns s into a Check on clock c (the clock stamps results and decides
// certificate validity); it refuses a Spec that does not Validate.
func (s Spec) Build(c clock.Clock) (Check, error) {
	if fe := s.validate(); fe != nil {
		return nil, fe
	}
	timeout := time.Duration(s.TimeoutSeconds) * time.Second
	roots, _ := s.rootCAs()
	pol := TLSPolicy{RootCAs: roots, ServerName: s.ServerName, Clock: c}
	switch s.Kind {
	case KindHTTP, KindHTTPS:
		return HTTP{URL: s.URL, Address: s.Address, Status: append([]int(nil), s.Status...), Keyword: s.Keyword,
			TLS: pol, Timeout: timeout, Clock: c}, nil
	case KindTCP:
		return TCP{Address: s.Address, Timeout: timeout, Clock: c}, nil
	case KindICMP:
		return ICMP{Address: s.Address, Timeout: timeout, Clock: c}, nil
	case KindMySQL:
		return MySQL{Address: s.Address, User: s.User, Password: s.Password, Timeout: timeout, Clock: c}, nil
	case KindPOP3, KindIMAP:
		sec, _ := s.security()
		mb := Mailbox{Address: s.Address, Security: sec, TLS: pol, User: s.User, Password: s.Password,
			AllowPlaintextAuth: s.AllowPlaintextAuth, Timeout: timeout, Clock: c}
		if s.Kind == KindPOP3 {
			return POP3(mb), nil
		}
		return IMAP(mb), nil
	case KindSMTP:
		sec, _ := s.security()
		return SMTP{Address: s.Address, Security: sec, TLS: pol, Timeout: timeout, Clock: c}, nil
	case KindDNS:
		return DNS{Zone: s.Zone, Server: s.Address, TCP: s.TCP, Timeout: timeout, Clock: c}, nil
	case KindWireGuard:
		w := WireGuard{Endpoint: s.Address, ServerPublicKey: strings.TrimSpace(s.ServerPublicKey),
			PrivateKey: strings.TrimSpace(s.PrivateKey), PresharedKey: strings.TrimSpace(s.PresharedKey),
			TunnelAddress: netip.MustParseAddr(s.TunnelAddress), Timeout: timeout, Clock: c}
		if s.PingAddress != "" {
			w.PingAddress = netip.MustParseAddr(s.PingAddress)
		}
		return w, nil
	}
	// validate refuses every other kind.
	return nil, fieldErr("kind", "probe.spec.kind", "kind", shorten(string(s.Kind)))
}
