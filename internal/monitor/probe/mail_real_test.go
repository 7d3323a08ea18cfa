package probe_test

import (
	"context"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/monitor/probe"
	"github.com/hostpact/hostpact/internal/monitor/probe/realtest"
)

func TestRealDovecotPOP3IMAP(t *testing.T) {
	ca := realtest.NewCA(t)
	dc := realtest.StartDovecot(t, ca.Valid(t, 90*24*time.Hour, "mail.test"))
	tlsOK := probe.TLSPolicy{RootCAs: ca.Pool(), ServerName: "mail.test"}
	tlsWrongHost := probe.TLSPolicy{RootCAs: ca.Pool(), ServerName: "imap.other.test"}
	ctx := context.Background()
	// Dovecot delays logins from an address after failed ones (2 s doubling up to 15 s),
	// so the wrong-password checks come last and get time for it.
	const penalty = 40 * time.Second
	for _, tt := range []struct {
		name  string
		check probe.Check
		up    bool
		key   string
	}{
		{"pop3 greeting", probe.POP3{Address: dc.POP3}, true, ""},
		{"pop3 starttls", probe.POP3{Address: dc.POP3, Security: probe.StartTLS, TLS: tlsOK}, true, ""},
		{"pop3 starttls STAT", probe.POP3{Address: dc.POP3, Security: probe.StartTLS, TLS: tlsOK, User: dc.User, Password: dc.Password}, true, ""},
		{"pop3s STAT", probe.POP3{Address: dc.POP3S, Security: probe.ImplicitTLS, TLS: tlsOK, User: dc.User, Password: dc.Password}, true, ""},
		{"pop3s wrong host", probe.POP3{Address: dc.POP3S, Security: probe.ImplicitTLS, TLS: tlsWrongHost}, false, "probe.tls.hostname"},
		{"pop3 on imap port", probe.POP3{Address: dc.IMAP}, false, "probe.pop3.greeting"},
		{"imap greeting", probe.IMAP{Address: dc.IMAP}, true, ""},
		{"imap starttls", probe.IMAP{Address: dc.IMAP, Security: probe.StartTLS, TLS: tlsOK}, true, ""},
		{"imap starttls NOOP", probe.IMAP{Address: dc.IMAP, Security: probe.StartTLS, TLS: tlsOK, User: dc.User, Password: dc.Password}, true, ""},
		{"imaps NOOP", probe.IMAP{Address: dc.IMAPS, Security: probe.ImplicitTLS, TLS: tlsOK, User: dc.User, Password: dc.Password}, true, ""},
		{"imaps wrong host", probe.IMAP{Address: dc.IMAPS, Security: probe.ImplicitTLS, TLS: tlsWrongHost}, false, "probe.tls.hostname"},
		{"imaps untrusted", probe.IMAP{Address: dc.IMAPS, Security: probe.ImplicitTLS, TLS: probe.TLSPolicy{RootCAs: realtest.NewCA(t).Pool(), ServerName: "mail.test"}}, false, "probe.tls.untrusted"},
		{"imap on pop3 port", probe.IMAP{Address: dc.POP3}, false, "probe.imap.greeting"},
		{"imap implicit TLS on plain port", probe.IMAP{Address: dc.IMAP, Security: probe.ImplicitTLS, TLS: tlsOK}, false, "probe.tls.not_tls"},
		{"pop3 wrong password", probe.POP3{Address: dc.POP3S, Security: probe.ImplicitTLS, TLS: tlsOK, User: dc.User, Password: "pop3-s3cret-wrong", Timeout: penalty}, false, "probe.pop3.auth"},
		{"imap wrong password", probe.IMAP{Address: dc.IMAPS, Security: probe.ImplicitTLS, TLS: tlsOK, User: dc.User, Password: `imap-s3cret"wrong\`, Timeout: penalty}, false, "probe.imap.auth"},
	} {
		res := tt.check.Run(ctx)
		expect(t, tt.name, res, tt.up, tt.key)
		if containsAny(res, "s3cret") {
			t.Errorf("%s: the password is in the result: %+v", tt.name, res)
		}
	}
	res := probe.IMAP{Address: dc.IMAPS, Security: probe.ImplicitTLS, TLS: tlsOK}.Run(ctx)
	if res.Details.Greeting == "" || res.Details.TLSVersion == "" || res.Details.CertNotAfter.IsZero() {
		t.Errorf("imaps details: %+v", res.Details)
	}

	dc.Stop()
	expect(t, "pop3 stopped", probe.POP3{Address: dc.POP3}.Run(ctx), false, "probe.connect.refused")
	expect(t, "imap stopped", probe.IMAP{Address: dc.IMAPS, Security: probe.ImplicitTLS, TLS: tlsOK}.Run(ctx), false, "probe.connect.refused")
}
