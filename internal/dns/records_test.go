package dns

import (
	"fmt"
	"strings"
	"testing"

	mdns "github.com/miekg/dns"
)

func TestParseRecord(t *testing.T) {
	t.Parallel()
	ok := []struct {
		in   RecordInput
		want Record
	}{
		{RecordInput{Name: "@", Type: "a", Value: " 192.0.2.1 "}, Record{"@", "A", 3600, "192.0.2.1"}},
		{RecordInput{Name: "WWW.Klant.nl.", Type: "AAAA", TTL: "60", Value: "2001:DB8::1"}, Record{"www", "AAAA", 60, "2001:db8::1"}},
		{RecordInput{Name: "*.dev", Type: "A", Value: "192.0.2.1"}, Record{"*.dev", "A", 3600, "192.0.2.1"}},
		{RecordInput{Name: "blog", Type: "CNAME", Value: "@"}, Record{"blog", "CNAME", 3600, "klant.nl."}},
		{RecordInput{Name: "blog", Type: "CNAME", Value: "shops.example.com."}, Record{"blog", "CNAME", 3600, "shops.example.com."}},
		{RecordInput{Name: "", Type: "MX", Priority: "0", Value: "mail"}, Record{"@", "MX", 3600, "0 mail.klant.nl."}},
		{RecordInput{Name: "_dmarc", Type: "TXT", Value: `v=DMARC1; p=none; rua="x"`}, Record{"_dmarc", "TXT", 3600, `"v=DMARC1; p=none; rua=\"x\""`}},
		{RecordInput{Name: "t", Type: "TXT", Value: "café"}, Record{"t", "TXT", 3600, `"caf\195\169"`}},
		{RecordInput{Name: "_xmpp._tcp", Type: "SRV", Priority: "0", Weight: "0", Port: "0", Value: "."}, Record{"_xmpp._tcp", "SRV", 3600, "0 0 0 ."}},
		{RecordInput{Name: "@", Type: "CAA", Flags: "128", Tag: "issuewild", Value: ";"}, Record{"@", "CAA", 3600, `128 issuewild ";"`}},
		{RecordInput{Name: "@", Type: "CAA", Tag: "iodef", Value: "mailto:security@klant.nl"}, Record{"@", "CAA", 3600, `0 iodef "mailto:security@klant.nl"`}},
	}
	for _, c := range ok {
		got, fe := ParseRecord("klant.nl", c.in, DefaultLimits)
		if len(fe) > 0 || got != c.want {
			t.Errorf("%+v: got %+v %v, want %+v", c.in, got, fe, c.want)
		}
	}
	bad := []struct {
		in    RecordInput
		field string
	}{
		{RecordInput{Type: "SOA"}, "type"},
		{RecordInput{Name: "a..b", Type: "A", Value: "192.0.2.1"}, "name"},
		{RecordInput{Name: "a_b!", Type: "A", Value: "192.0.2.1"}, "name"},
		{RecordInput{Name: strings.Repeat("a", 64), Type: "A", Value: "192.0.2.1"}, "name"},
		{RecordInput{Name: "x.*", Type: "A", Value: "192.0.2.1"}, "name"},
		{RecordInput{Name: "x", Type: "A", TTL: "abc", Value: "192.0.2.1"}, "ttl"},
		{RecordInput{Name: "x", Type: "A", TTL: "999999999", Value: "192.0.2.1"}, "ttl"},
		{RecordInput{Name: "x", Type: "A", Value: "fe80::1%eth0"}, "value"},
		{RecordInput{Name: "x", Type: "AAAA", Value: "::ffff:192.0.2.1"}, "value"},
		{RecordInput{Name: "x", Type: "AAAA", Value: "192.0.2.1"}, "value"},
		{RecordInput{Name: "x", Type: "CNAME", Value: "x"}, "value"},
		{RecordInput{Name: "x", Type: "CNAME", Value: ""}, "value"},
		{RecordInput{Name: "x", Type: "CNAME", Value: "."}, "value"},
		{RecordInput{Name: "@", Type: "MX", Priority: "", Value: "mail"}, "priority"},
		{RecordInput{Name: "@", Type: "MX", Priority: "-1", Value: "mail"}, "priority"},
		{RecordInput{Name: "t", Type: "TXT", Value: ""}, "value"},
		{RecordInput{Name: "t", Type: "TXT", Value: strings.Repeat("x", 4001)}, "value"},
		{RecordInput{Name: "_a._tcp", Type: "SRV", Priority: "1", Weight: "x", Port: "1", Value: "h.example"}, "weight"},
		{RecordInput{Name: "@", Type: "CAA", Flags: "256", Tag: "issue", Value: "ca.example"}, "flags"},
		{RecordInput{Name: "@", Type: "CAA", Tag: "issue", Value: `ca"x`}, "value"},
		{RecordInput{Name: "@", Type: "CAA", Tag: "issue", Value: "not a domain"}, "value"},
		{RecordInput{Name: "@", Type: "CAA", Tag: "iodef", Value: "ftp://x"}, "value"},
	}
	for _, c := range bad {
		_, fe := ParseRecord("klant.nl", c.in, DefaultLimits)
		if fe[c.field].IsZero() {
			t.Errorf("%+v: want an error on %s, got %v", c.in, c.field, fe)
		}
	}
}

// TestTXTSplit: a long text becomes strings of at most 255 bytes that read back whole.
func TestTXTSplit(t *testing.T) {
	t.Parallel()
	text := strings.Repeat("abcdefghij", 60) + `"\` // 602 bytes
	r, fe := ParseRecord("klant.nl", RecordInput{Name: "k", Type: "TXT", Value: text}, DefaultLimits)
	if len(fe) > 0 {
		t.Fatal(fe)
	}
	rr, err := mdns.NewRR("k.klant.nl. 60 IN TXT " + r.Content)
	if err != nil {
		t.Fatal(err)
	}
	txt := rr.(*mdns.TXT).Txt
	if len(txt) != 3 {
		t.Fatalf("%d strings", len(txt))
	}
	if got := InputOf("klant.nl", r).Value; got != text {
		t.Fatalf("round trip: %q", got)
	}
}

func TestPlanAndDiff(t *testing.T) {
	t.Parallel()
	cur := []Record{{"@", "NS", 3600, "ns1.p.nl."}, {"@", "A", 3600, "192.0.2.1"}, {"www", "A", 3600, "192.0.2.1"}, {"www", "A", 3600, "192.0.2.2"}}
	// A record added to a set gives the set its TTL: the preview shows both changes.
	after, fe := plan("k.nl", cur, Change{Op: OpAdd, New: RecordInput{Name: "www", Type: "A", TTL: "300", Value: "192.0.2.3"}}, DefaultLimits)
	if len(fe) > 0 {
		t.Fatal(fe)
	}
	d := diff(cur, after)
	kinds := map[DiffKind]int{}
	for _, l := range d {
		kinds[l.Kind]++
	}
	if kinds[Added] != 1 || kinds[Changed] != 2 || kinds[Removed] != 0 {
		t.Fatalf("diff %+v", d)
	}
	if _, fe := plan("k.nl", cur, Change{Op: OpAdd, New: RecordInput{Name: "www", Type: "A", Value: "192.0.2.1"}}, DefaultLimits); fe["value"].IsZero() {
		t.Fatal("duplicate accepted")
	}
	if _, fe := plan("k.nl", cur, Change{Op: OpEdit, Old: "nope A 1", New: RecordInput{Name: "x", Type: "A", Value: "192.0.2.1"}}, DefaultLimits); fe["record"].IsZero() {
		t.Fatal("edit of a missing record accepted")
	}
	if _, fe := plan("k.nl", cur, Change{Op: "rename"}, DefaultLimits); fe["op"].IsZero() {
		t.Fatal("unknown op accepted")
	}
	after, _ = plan("k.nl", cur, Change{Op: OpDelete, Old: "www A 192.0.2.2"}, DefaultLimits)
	if d := diff(cur, after); len(d) != 1 || d[0].Kind != Removed {
		t.Fatalf("delete diff %+v", d)
	}
}

func TestDefaultRecords(t *testing.T) {
	t.Parallel()
	rs := DefaultRecords("k.nl", []Hosted{
		{Kind: "webhosting", Domain: "K.nl", IPv4: "192.0.2.1", IPv6: "2001:db8::1"},
		{Kind: "email", Domain: "k.nl", MailHost: "mx.provider.nl"},
		{Kind: "webhosting", Domain: "other.nl", IPv4: "192.0.2.9"},
	}, 3600)
	var got []string
	for _, r := range rs {
		got = append(got, fmt.Sprintf("%s %s %s", r.Name, r.Type, r.Content))
	}
	want := `@ A 192.0.2.1|@ AAAA 2001:db8::1|@ MX 10 mx.provider.nl.|@ TXT "v=spf1 mx -all"|www A 192.0.2.1|www AAAA 2001:db8::1`
	if strings.Join(got, "|") != want {
		t.Fatalf("got %s", strings.Join(got, "|"))
	}
}

// FuzzParseRecord: no input panics the parser; what it accepts the DNS library reads,
// stays inside the zone, and reads back into the same record through the edit form.
func FuzzParseRecord(f *testing.F) {
	for _, s := range [][]string{
		{"@", "A", "", "192.0.2.1", "", "", "", "", ""},
		{"www", "CNAME", "300", "example.com", "", "", "", "", ""},
		{"@", "MX", "", "mail", "10", "", "", "", ""},
		{"_sip._tcp", "SRV", "", "sip.example.com", "1", "2", "5060", "", ""},
		{"@", "CAA", "", "letsencrypt.org", "", "", "", "0", "issue"},
		{"t", "TXT", "", "v=spf1 \"x\" \\ é", "", "", "", "", ""},
		{"x.k.nl.", "AAAA", "60", "2001:db8::1", "", "", "", "", ""},
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8])
	}
	f.Fuzz(func(t *testing.T, name, typ, ttl, value, prio, weight, port, flags, tag string) {
		in := RecordInput{Name: name, Type: typ, TTL: ttl, Value: value, Priority: prio, Weight: weight, Port: port, Flags: flags, Tag: tag}
		r, fe := ParseRecord("k.nl", in, DefaultLimits)
		if len(fe) > 0 {
			for k, m := range fe {
				if m.IsZero() || strings.HasPrefix(m.In("en"), "⟦") {
					t.Fatalf("field %s without a message", k)
				}
			}
			return
		}
		abs := fqdn(r.Name, "k.nl")
		if !strings.HasSuffix(abs, ".k.nl.") && abs != "k.nl." {
			t.Fatalf("outside the zone: %q", abs)
		}
		if _, err := mdns.NewRR(fmt.Sprintf("%s %d IN %s %s", abs, r.TTL, r.Type, r.Content)); err != nil {
			t.Fatalf("accepted but unreadable: %+v: %v", r, err)
		}
		if r.TTL < DefaultLimits.MinTTL || r.TTL > DefaultLimits.MaxTTL {
			t.Fatalf("ttl %d", r.TTL)
		}
		back, fe := ParseRecord("k.nl", InputOf("k.nl", r), DefaultLimits)
		if len(fe) > 0 || back != r {
			t.Fatalf("round trip of %+v: %+v %v", r, back, fe)
		}
	})
}
