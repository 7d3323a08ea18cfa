package probe_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/monitor/probe"
	"github.com/hostpact/hostpact/internal/monitor/probe/realtest"
)

func TestRealMariaDB(t *testing.T) {
	db := realtest.StartMariaDB(t)
	ctx := context.Background()
	for _, tt := range []struct {
		name  string
		check probe.MySQL
		up    bool
		key   string
	}{
		{"handshake", probe.MySQL{Address: db.Addr}, true, ""},
		{"SELECT 1", probe.MySQL{Address: db.Addr, User: db.User, Password: db.Password}, true, ""},
		{"wrong password", probe.MySQL{Address: db.Addr, User: db.User, Password: db.Password + "-wrong"}, false, "probe.mysql.auth"},
		{"unknown user", probe.MySQL{Address: db.Addr, User: "hostpact_nobody", Password: "x"}, false, "probe.mysql.auth"},
		{"closed port", probe.MySQL{Address: realtest.Addr(realtest.FreePort(t))}, false, "probe.connect.refused"},
	} {
		expect(t, tt.name, tt.check.Run(ctx), tt.up, tt.key)
	}
	res := probe.MySQL{Address: db.Addr}.Run(ctx)
	if !strings.Contains(strings.ToLower(res.Details.ServerVersion), "mariadb") {
		t.Errorf("server version %q", res.Details.ServerVersion)
	}
	db.Stop()
	expect(t, "stopped", probe.MySQL{Address: db.Addr, User: db.User, Password: db.Password}.Run(ctx), false, "probe.connect.refused")
}

func TestRealPostfixSMTP(t *testing.T) {
	ca := realtest.NewCA(t)
	leaf := ca.Valid(t, 90*24*time.Hour, "mx.test")
	pf := realtest.StartPostfix(t, &leaf)
	tlsOK := probe.TLSPolicy{RootCAs: ca.Pool(), ServerName: "mx.test"}
	ctx := context.Background()
	for _, tt := range []struct {
		name  string
		check probe.SMTP
		up    bool
		key   string
	}{
		{"banner and EHLO", probe.SMTP{Address: pf.Addr}, true, ""},
		{"STARTTLS", probe.SMTP{Address: pf.Addr, Security: probe.StartTLS, TLS: tlsOK}, true, ""},
		{"STARTTLS wrong host", probe.SMTP{Address: pf.Addr, Security: probe.StartTLS, TLS: probe.TLSPolicy{RootCAs: ca.Pool(), ServerName: "smtp.other.test"}}, false, "probe.tls.hostname"},
		{"STARTTLS untrusted", probe.SMTP{Address: pf.Addr, Security: probe.StartTLS, TLS: probe.TLSPolicy{RootCAs: realtest.NewCA(t).Pool(), ServerName: "mx.test"}}, false, "probe.tls.untrusted"},
		{"closed port", probe.SMTP{Address: realtest.Addr(realtest.FreePort(t))}, false, "probe.connect.refused"},
	} {
		expect(t, tt.name, tt.check.Run(ctx), tt.up, tt.key)
	}
	res := probe.SMTP{Address: pf.Addr, Security: probe.StartTLS, TLS: tlsOK}.Run(ctx)
	if !strings.Contains(res.Details.Greeting, realtest.Banner) || res.Details.TLSVersion == "" {
		t.Errorf("details %+v", res.Details)
	}
	pf.Stop()
	expect(t, "stopped", probe.SMTP{Address: pf.Addr}.Run(ctx), false, "probe.connect.refused")

	// A server without STARTTLS fails a check that requires it.
	plain := realtest.StartPostfix(t, nil)
	expect(t, "no STARTTLS offered", probe.SMTP{Address: plain.Addr, Security: probe.StartTLS, TLS: tlsOK}.Run(ctx), false, "probe.starttls.missing")
}

func TestRealPowerDNS(t *testing.T) {
	pd := realtest.StartPowerDNS(t,
		realtest.Zone{Name: "example.test", Serial: 2026030401, Records: "www IN A 127.0.0.1\nsub IN NS ns.elsewhere.test.\n"},
	)
	ctx := context.Background()
	for _, tt := range []struct {
		name  string
		check probe.DNS
		up    bool
		key   string
	}{
		{"authoritative SOA (udp)", probe.DNS{Zone: "example.test", Server: pd.Addr}, true, ""},
		{"authoritative SOA (tcp)", probe.DNS{Zone: "Example.Test.", Server: pd.Addr, TCP: true}, true, ""},
		{"zone not served", probe.DNS{Zone: "other.test", Server: pd.Addr}, false, "probe.dns.rcode"},
		{"NXDOMAIN", probe.DNS{Zone: "missing.example.test", Server: pd.Addr}, false, "probe.dns.rcode"},
		{"delegated away (referral)", probe.DNS{Zone: "sub.example.test", Server: pd.Addr}, false, "probe.dns.not_authoritative"},
		{"no SOA at a name in the zone", probe.DNS{Zone: "www.example.test", Server: pd.Addr}, false, "probe.dns.no_soa"},
		{"closed port", probe.DNS{Zone: "example.test", Server: realtest.Addr(realtest.FreeUDPPort(t))}, false, "probe.connect.refused"},
	} {
		expect(t, tt.name, tt.check.Run(ctx), tt.up, tt.key)
	}
	res := probe.DNS{Zone: "example.test", Server: pd.Addr}.Run(ctx)
	if res.Details.SOASerial != 2026030401 {
		t.Errorf("serial %d", res.Details.SOASerial)
	}
	res = probe.DNS{Zone: "missing.example.test", Server: pd.Addr}.Run(ctx)
	if res.Reason.Args["rcode"] != "NXDOMAIN" {
		t.Errorf("NXDOMAIN: %v", res.Reason.Args)
	}
	res = probe.DNS{Zone: "other.test", Server: pd.Addr}.Run(ctx)
	if res.Reason.Args["rcode"] != "REFUSED" {
		t.Errorf("other zone: %v", res.Reason.Args)
	}
	pd.Stop()
	expect(t, "stopped", probe.DNS{Zone: "example.test", Server: pd.Addr, TCP: true}.Run(ctx), false, "probe.connect.refused")
	expect(t, "stopped (udp)", probe.DNS{Zone: "example.test", Server: pd.Addr}.Run(ctx), false, "probe.connect.refused")
}
