package probe_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/monitor/probe"
)

const wgKeyA = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="

// validSpecs is one working Spec of every kind.
func validSpecs() []probe.Spec {
	return []probe.Spec{
		{Kind: probe.KindHTTP, URL: "http://www.example.nl/", Status: []int{200, 301}, Keyword: "Welkom"},
		{Kind: probe.KindHTTPS, URL: "https://klant.example.nl/health", Address: "10.0.0.5:443", ServerName: "web1.example.nl"},
		{Kind: probe.KindTCP, Address: "vps1.example.nl:22"},
		{Kind: probe.KindICMP, Address: "192.0.2.1"},
		{Kind: probe.KindICMP, Address: "host.example.nl"},
		{Kind: probe.KindMySQL, Address: "db1.example.nl:3306", User: "monitor", Password: "s3cret"},
		{Kind: probe.KindPOP3, Address: "mail.example.nl:995", Security: "tls", User: "probe@example.nl", Password: "x"},
		{Kind: probe.KindIMAP, Address: "mail.example.nl:143", Security: "plain", User: "u", Password: "p", AllowPlaintextAuth: true},
		{Kind: probe.KindSMTP, Address: "[2001:db8::1]:25", Security: "starttls"},
		{Kind: probe.KindDNS, Address: "ns1.example.nl:53", Zone: "example.nl.", TCP: true},
		{Kind: probe.KindWireGuard, Address: "vpn.example.nl:51820", ServerPublicKey: wgKeyA, PrivateKey: wgKeyA,
			TunnelAddress: "10.9.0.2", PingAddress: "10.9.0.1", TimeoutSeconds: 20},
	}
}

func TestSpecBuildsEveryKind(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC))
	seen := map[probe.Kind]bool{}
	for _, s := range validSpecs() {
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", s.Kind, err)
			continue
		}
		c, err := s.Build(clk)
		if err != nil {
			t.Errorf("%s: build: %v", s.Kind, err)
			continue
		}
		if c.Kind() != s.Kind {
			t.Errorf("%s: built a %s check", s.Kind, c.Kind())
		}
		want := s.Address
		if s.URL != "" {
			want = s.URL
		}
		if c.Target() != want {
			t.Errorf("%s: target %q, want %q", s.Kind, c.Target(), want)
		}
		seen[s.Kind] = true
	}
	for _, k := range probe.Kinds() {
		if !seen[k] {
			t.Errorf("no valid spec of kind %s tested", k)
		}
	}
}

// TestSpecFieldErrors: each wrong field is named with a message that staff can read in
// both languages, and Build refuses what Validate refuses.
func TestSpecFieldErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		spec  probe.Spec
		field string
		key   string
	}{
		{probe.Spec{}, "kind", "probe.spec.required"},
		{probe.Spec{Kind: "gopher"}, "kind", "probe.spec.kind"},
		{probe.Spec{Kind: probe.KindHTTP}, "url", "probe.spec.required"},
		{probe.Spec{Kind: probe.KindHTTP, URL: "https://x.nl/"}, "url", "probe.spec.url_scheme"},
		{probe.Spec{Kind: probe.KindHTTPS, URL: "/relative"}, "url", "probe.spec.url"},
		{probe.Spec{Kind: probe.KindHTTPS, URL: "https://u:p@x.nl/"}, "url", "probe.spec.url"},
		{probe.Spec{Kind: probe.KindHTTP, URL: "http://x.nl/", Status: []int{99}}, "status", "probe.spec.status"},
		{probe.Spec{Kind: probe.KindHTTP, URL: "http://x.nl/", Address: "x.nl"}, "address", "probe.spec.host_port"},
		{probe.Spec{Kind: probe.KindHTTPS, URL: "https://x.nl/", RootCAsPEM: "not pem"}, "root_cas_pem", "probe.spec.pem"},
		{probe.Spec{Kind: probe.KindTCP, Address: "x.nl:0"}, "address", "probe.spec.host_port"},
		{probe.Spec{Kind: probe.KindTCP, Address: "x.nl:99999"}, "address", "probe.spec.host_port"},
		{probe.Spec{Kind: probe.KindTCP, Address: "bad host:22"}, "address", "probe.spec.host_port"},
		{probe.Spec{Kind: probe.KindICMP, Address: "x.nl:22"}, "address", "probe.spec.host"},
		{probe.Spec{Kind: probe.KindICMP}, "address", "probe.spec.required"},
		{probe.Spec{Kind: probe.KindPOP3, Address: "m.nl:110"}, "security", "probe.spec.required"},
		{probe.Spec{Kind: probe.KindPOP3, Address: "m.nl:110", Security: "ssl"}, "security", "probe.spec.security"},
		{probe.Spec{Kind: probe.KindIMAP, Address: "m.nl:143", Security: "plain", User: "u", Password: "p"}, "allow_plaintext_auth", "probe.spec.plaintext_auth"},
		{probe.Spec{Kind: probe.KindIMAP, Address: "m.nl:993", Security: "tls", User: "u", Password: "a\r\nb"}, "password", "probe.spec.line"},
		{probe.Spec{Kind: probe.KindIMAP, Address: "m.nl:993", Security: "tls", Password: "p"}, "user", "probe.spec.required"},
		{probe.Spec{Kind: probe.KindDNS, Address: "ns1.x.nl:53", Zone: "bad zone"}, "zone", "probe.spec.zone"},
		{probe.Spec{Kind: probe.KindWireGuard, Address: "v.nl:51820", ServerPublicKey: "short", PrivateKey: wgKeyA, TunnelAddress: "10.0.0.2"}, "server_public_key", "probe.spec.key"},
		{probe.Spec{Kind: probe.KindWireGuard, Address: "v.nl:51820", ServerPublicKey: wgKeyA, PrivateKey: wgKeyA, TunnelAddress: "10.0.0"}, "tunnel_address", "probe.spec.ip"},
		{probe.Spec{Kind: probe.KindTCP, Address: "x.nl:22", TimeoutSeconds: 61}, "timeout_seconds", "probe.spec.timeout"},
	} {
		err := tt.spec.Validate()
		var fe *probe.FieldError
		if !errors.As(err, &fe) || fe.Field != tt.field || fe.Reason.Key != tt.key {
			t.Errorf("%+v: got %v, want %s %s", tt.spec, err, tt.field, tt.key)
			continue
		}
		if _, err := tt.spec.Build(clock.Real{}); err == nil {
			t.Errorf("%+v: built although invalid", tt.spec)
		}
		if nl, en := fe.Text("nl"), fe.Text("en"); nl == en || strings.Contains(nl, "{") || strings.Contains(en, "{") {
			t.Errorf("%s: texts %q / %q", tt.key, nl, en)
		}
	}
}

// FuzzSpec: whatever JSON staff or a damaged row hands over, Validate and Build agree,
// neither panics, and a valid spec builds a check of its kind.
func FuzzSpec(f *testing.F) {
	for _, s := range validSpecs() {
		b, _ := json.Marshal(s)
		f.Add(b)
	}
	f.Add([]byte(`{"kind":"http","url":"http://[::1]:80/"}`))
	f.Add([]byte(`{"kind":"icmp","address":"::1%lo"}`))
	f.Add([]byte(`{"kind":"wireguard","address":"a:1","tunnel_address":"::ffff:1.2.3.4"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var s probe.Spec
		if json.Unmarshal(b, &s) != nil {
			return
		}
		verr := s.Validate()
		c, berr := s.Build(clock.Real{})
		if (verr == nil) != (berr == nil) {
			t.Fatalf("validate %v, build %v", verr, berr)
		}
		if verr != nil {
			var fe *probe.FieldError
			if !errors.As(verr, &fe) || probe.Messages()[fe.Reason.Key] == [2]string{} {
				t.Fatalf("not a field error with a message: %v", verr)
			}
			return
		}
		if c.Kind() != s.Kind {
			t.Fatalf("built %s for %s", c.Kind(), s.Kind)
		}
	})
}
