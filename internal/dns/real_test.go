package dns

import (
	"errors"
	"strings"
	"testing"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/monitor/probe/realtest"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

// ask queries the nameserver without recursion, as a resolver asks an authority.
func ask(t *testing.T, addr, name string, qtype uint16, do bool) *mdns.Msg {
	t.Helper()
	m := new(mdns.Msg)
	m.SetQuestion(mdns.Fqdn(name), qtype)
	m.RecursionDesired = false
	if do {
		m.SetEdns0(4096, true)
	}
	c := &mdns.Client{Net: "tcp"}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("query %s %s: %v", name, mdns.TypeToString[qtype], err)
	}
	return r
}

// answers are the answer records of type qtype, in presentation format after the
// header.
func answers(r *mdns.Msg, qtype uint16) []string {
	var out []string
	for _, rr := range r.Answer {
		if rr.Header().Rrtype == qtype {
			out = append(out, strings.TrimPrefix(rr.String(), rr.Header().String()))
		}
	}
	return out
}

func authoritative(t *testing.T, r *mdns.Msg, what string) {
	t.Helper()
	if r.Rcode != mdns.RcodeSuccess || !r.Authoritative {
		t.Fatalf("%s: rcode %s, AA %v\n%v", what, mdns.RcodeToString[r.Rcode], r.Authoritative, r)
	}
}

// TestRealPowerDNSZones is issue 14's "must show" for DNS: Debian's PowerDNS
// (pdns-server with pdns-backend-sqlite3) started on loopback; zones and records made
// through hostpact's service are answered authoritatively; bad records are refused
// field by field and change nothing; DNSSEC on gives DNSKEY answers and DS records;
// a removed zone is no longer served.
func TestRealPowerDNSZones(t *testing.T) {
	t.Parallel()
	pd := realtest.StartPowerDNSAPI(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := e.ctx
		// Each engine gets its own zone names: both runs share one PowerDNS.
		suffix := strings.ToLower(strings.ReplaceAll(t.Name()[strings.LastIndex(t.Name(), "/")+1:], "_", ""))
		zone := "klant-" + suffix + ".test"
		other := "ander-" + suffix + ".test"
		e.h.per[77] = []Hosted{{Kind: "webhosting", Domain: zone, IPv4: "127.0.0.10", IPv6: "::1"}, {Kind: "email", Domain: zone, IPv4: "127.0.0.11"}}
		e.h.per[78] = []Hosted{{Kind: "webhosting", Domain: other, IPv4: "127.0.0.20"}}

		sv := must(e.svc.AddServer(ctx, support, ServerInput{Name: "pdns1", APIURL: pd.APIURL, APIKey: pd.APIKey,
			Nameservers: "ns1.provider.test " + pd.Addr + "\nns2.provider.test"}))
		if err := e.svc.TestServer(ctx, support, sv.ID); err != nil {
			t.Fatal(err)
		}

		// The domain becomes active: the zone with the default records of its services.
		if err := e.svc.DomainActive(ctx, 77, zone); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.DomainActive(ctx, 77, zone); err != nil { // a second call changes nothing
			t.Fatal(err)
		}
		if err := e.svc.DomainActive(ctx, 78, zone); err == nil {
			t.Fatal("another organisation took over the zone")
		}
		r := ask(t, pd.Addr, zone, mdns.TypeSOA, false)
		authoritative(t, r, "SOA")
		if got := answers(ask(t, pd.Addr, zone, mdns.TypeA, false), mdns.TypeA); len(got) != 1 || got[0] != "127.0.0.10" {
			t.Fatalf("apex A %v", got)
		}
		if got := answers(ask(t, pd.Addr, "www."+zone, mdns.TypeAAAA, false), mdns.TypeAAAA); len(got) != 1 || got[0] != "::1" {
			t.Fatalf("www AAAA %v", got)
		}
		if got := answers(ask(t, pd.Addr, zone, mdns.TypeMX, false), mdns.TypeMX); len(got) != 1 || got[0] != "10 mail."+zone+"." {
			t.Fatalf("MX %v", got)
		}
		if got := answers(ask(t, pd.Addr, zone, mdns.TypeNS, false), mdns.TypeNS); len(got) != 2 {
			t.Fatalf("NS %v", got)
		}
		if got := answers(ask(t, pd.Addr, zone, mdns.TypeTXT, false), mdns.TypeTXT); len(got) != 1 || got[0] != `"v=spf1 mx -all"` {
			t.Fatalf("SPF %v", got)
		}

		// The nameserver registered for monitoring: the monitor's own DNS probe asks it
		// for the zone's SOA and finds it answered authoritatively.
		mon := &monitorRec{}
		e.svc.monitor = mon
		must(e.svc.RegisterMonitoring(ctx, support, sv.ID, 1, zone, time.Minute))
		if len(mon.got) != 1 {
			t.Fatalf("components %+v", mon.got)
		}
		check := must(mon.got[0].Spec.Build(e.clk))
		if res := check.Run(ctx); !res.Up || res.Details.SOASerial == 0 {
			t.Fatalf("DNS probe of the nameserver: %+v", res)
		}

		cust := customer(77)
		z := must(e.svc.ZoneByName(ctx, cust, zone))
		// Another customer sees no zone behind the id.
		if _, err := e.svc.View(ctx, customer(78), z.ID); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("another customer's view: %v", err)
		}
		if _, err := e.svc.Preview(ctx, customer(78), z.ID, Change{Op: OpAdd, New: RecordInput{Name: "x", Type: "A", Value: "192.0.2.1"}}); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("another customer's preview: %v", err)
		}

		// A record through the preview, then applied: answered authoritatively.
		add := Change{Op: OpAdd, New: RecordInput{Name: "shop", Type: "A", TTL: "300", Value: "192.0.2.5"}}
		p := must(e.svc.Preview(ctx, cust, z.ID, add))
		if len(p.Diff) != 1 || p.Diff[0].Kind != Added || p.Diff[0].New.Content != "192.0.2.5" {
			t.Fatalf("preview %+v", p.Diff)
		}
		r = ask(t, pd.Addr, "shop."+zone, mdns.TypeA, false)
		if len(r.Answer) != 0 {
			t.Fatal("the preview changed the zone")
		}
		v := must(e.svc.Apply(ctx, cust, z.ID, add, p.Serial))
		r = ask(t, pd.Addr, "shop."+zone, mdns.TypeA, false)
		authoritative(t, r, "shop A")
		if got := answers(r, mdns.TypeA); len(got) != 1 || got[0] != "192.0.2.5" || r.Answer[0].Header().Ttl != 300 {
			t.Fatalf("shop A %v", r.Answer)
		}
		// The same preview applied again is stale: the serial moved.
		if _, err := e.svc.Apply(ctx, cust, z.ID, Change{Op: OpAdd, New: RecordInput{Name: "shop2", Type: "A", Value: "192.0.2.6"}}, p.Serial); fieldErr(t, err)["serial"].IsZero() {
			t.Fatalf("stale apply: %v", err)
		}

		// Every kind of record the editor takes.
		long := strings.Repeat("k", 600)
		for _, c := range []RecordInput{
			{Name: "blog", Type: "CNAME", Value: "shop"},
			{Name: "@", Type: "MX", Priority: "20", Value: "mx2.example.net"},
			{Name: "dkim._domainkey", Type: "TXT", Value: long},
			{Name: "_sip._tcp", Type: "SRV", Priority: "10", Weight: "5", Port: "5060", Value: "sip.example.net"},
			{Name: "@", Type: "CAA", Flags: "0", Tag: "issue", Value: "letsencrypt.org"},
			{Name: "v6", Type: "AAAA", Value: "2001:db8::5"},
		} {
			ch := Change{Op: OpAdd, New: c}
			p := must(e.svc.Preview(ctx, cust, z.ID, ch))
			v = must(e.svc.Apply(ctx, cust, z.ID, ch, p.Serial))
		}
		if got := answers(ask(t, pd.Addr, "blog."+zone, mdns.TypeCNAME, false), mdns.TypeCNAME); len(got) != 1 || got[0] != "shop."+zone+"." {
			t.Fatalf("CNAME %v", got)
		}
		r = ask(t, pd.Addr, "dkim._domainkey."+zone, mdns.TypeTXT, false)
		authoritative(t, r, "TXT")
		if txt, ok := r.Answer[0].(*mdns.TXT); !ok || len(txt.Txt) != 3 || strings.Join(txt.Txt, "") != long {
			t.Fatalf("long TXT not split into 255-byte strings: %v", r.Answer)
		}
		if got := answers(ask(t, pd.Addr, "_sip._tcp."+zone, mdns.TypeSRV, false), mdns.TypeSRV); len(got) != 1 || got[0] != "10 5 5060 sip.example.net." {
			t.Fatalf("SRV %v", got)
		}
		if got := answers(ask(t, pd.Addr, zone, mdns.TypeCAA, false), mdns.TypeCAA); len(got) != 1 || got[0] != `0 issue "letsencrypt.org"` {
			t.Fatalf("CAA %v", got)
		}
		if got := answers(ask(t, pd.Addr, zone, mdns.TypeMX, false), mdns.TypeMX); len(got) != 2 {
			t.Fatalf("MX after adding one %v", got)
		}

		// Bad records: refused with the field that is wrong, and nothing changes.
		before := must(e.svc.View(ctx, cust, z.ID))
		for _, c := range []struct {
			in    RecordInput
			field string
		}{
			{RecordInput{Name: "bad", Type: "A", Value: "300.1.1.1"}, "value"},
			{RecordInput{Name: "bad", Type: "A", Value: "2001:db8::1"}, "value"},
			{RecordInput{Name: "@", Type: "CNAME", Value: "example.net"}, "name"},
			{RecordInput{Name: "www", Type: "CNAME", Value: "example.net"}, "type"},
			{RecordInput{Name: "blog", Type: "A", Value: "192.0.2.9"}, "type"},
			{RecordInput{Name: "@", Type: "MX", Priority: "70000", Value: "mx.example.net"}, "priority"},
			{RecordInput{Name: "@", Type: "MX", Priority: "10", Value: "192.0.2.1"}, "value"},
			{RecordInput{Name: "x", Type: "A", TTL: "10", Value: "192.0.2.1"}, "ttl"},
			{RecordInput{Name: "x.elders.test.", Type: "A", Value: "192.0.2.1"}, "name"},
			{RecordInput{Name: "-x", Type: "A", Value: "192.0.2.1"}, "name"},
			{RecordInput{Name: "@", Type: "CAA", Flags: "3", Tag: "issue", Value: "letsencrypt.org"}, "flags"},
			{RecordInput{Name: "@", Type: "CAA", Flags: "0", Tag: "issuer", Value: "letsencrypt.org"}, "tag"},
			{RecordInput{Name: "sip", Type: "SRV", Priority: "1", Weight: "1", Port: "5060", Value: "sip.example.net"}, "name"},
			{RecordInput{Name: "_sip._udp", Type: "SRV", Priority: "1", Weight: "1", Port: "99999", Value: "sip.example.net"}, "port"},
			{RecordInput{Name: "t", Type: "TXT", Value: "line\nbreak"}, "value"},
			{RecordInput{Name: "t", Type: "NS", Value: "ns.example.net"}, "type"},
		} {
			ch := Change{Op: OpAdd, New: c.in}
			_, err := e.svc.Preview(ctx, cust, z.ID, ch)
			fe := fieldErr(t, err)
			if fe[c.field].IsZero() {
				t.Errorf("%+v: want an error on %s, got %v", c.in, c.field, fe)
			}
			if m := fe[c.field].In("nl"); strings.HasPrefix(m, "⟦") {
				t.Errorf("%+v: no Dutch text: %s", c.in, m)
			}
			if _, err := e.svc.Apply(ctx, cust, z.ID, ch, before.Serial); err == nil {
				t.Errorf("%+v applied", c.in)
			}
		}
		after := must(e.svc.View(ctx, cust, z.ID))
		if after.Serial != before.Serial || len(after.Records) != len(before.Records) {
			t.Fatalf("refused records changed the zone: serial %d→%d", before.Serial, after.Serial)
		}

		// Edit and delete.
		shop := Record{Name: "shop", Type: "A", TTL: 300, Content: "192.0.2.5"}
		edit := Change{Op: OpEdit, Old: shop.Key(), New: RecordInput{Name: "shop", Type: "A", TTL: "600", Value: "192.0.2.55"}}
		p = must(e.svc.Preview(ctx, cust, z.ID, edit))
		if len(p.Diff) != 1 || p.Diff[0].Kind != Changed {
			t.Fatalf("edit preview %+v", p.Diff)
		}
		must(e.svc.Apply(ctx, cust, z.ID, edit, p.Serial))
		if got := answers(ask(t, pd.Addr, "shop."+zone, mdns.TypeA, false), mdns.TypeA); len(got) != 1 || got[0] != "192.0.2.55" {
			t.Fatalf("edited A %v", got)
		}
		del := Change{Op: OpDelete, Old: "blog CNAME shop." + zone + "."}
		p = must(e.svc.Preview(ctx, cust, z.ID, del))
		must(e.svc.Apply(ctx, cust, z.ID, del, p.Serial))
		if r := ask(t, pd.Addr, "blog."+zone, mdns.TypeCNAME, false); len(r.Answer) != 0 || r.Rcode != mdns.RcodeNameError || !r.Authoritative {
			t.Fatalf("deleted CNAME still answered: %v", r)
		}
		// The provider's records are not the customer's to change.
		if _, err := e.svc.Preview(ctx, cust, z.ID, Change{Op: OpDelete, Old: "@ NS ns1.provider.test."}); fieldErr(t, err)["record"].IsZero() {
			t.Fatalf("NS deletable: %v", err)
		}

		// DNSSEC on: DNSKEY answered, DS shown for the registry; off: gone again.
		v = must(e.svc.SetDNSSEC(ctx, cust, z.ID, true))
		if len(v.DS) == 0 || !v.DNSSEC {
			t.Fatalf("DNSSEC on: %+v", v)
		}
		r = ask(t, pd.Addr, zone, mdns.TypeDNSKEY, true)
		authoritative(t, r, "DNSKEY")
		if len(answers(r, mdns.TypeDNSKEY)) == 0 || len(answers(r, mdns.TypeRRSIG)) == 0 {
			t.Fatalf("no signed DNSKEY: %v", r)
		}
		// A change on a signed zone is signed too.
		ch := Change{Op: OpAdd, New: RecordInput{Name: "signed", Type: "A", Value: "192.0.2.77"}}
		p = must(e.svc.Preview(ctx, cust, z.ID, ch))
		must(e.svc.Apply(ctx, cust, z.ID, ch, p.Serial))
		if r := ask(t, pd.Addr, "signed."+zone, mdns.TypeA, true); len(answers(r, mdns.TypeRRSIG)) == 0 {
			t.Fatalf("new record unsigned: %v", r)
		}
		v = must(e.svc.SetDNSSEC(ctx, cust, z.ID, false))
		if len(v.DS) != 0 || v.DNSSEC {
			t.Fatalf("DNSSEC off: %+v", v)
		}
		if got := answers(ask(t, pd.Addr, zone, mdns.TypeDNSKEY, true), mdns.TypeDNSKEY); len(got) != 0 {
			t.Fatalf("DNSKEY after off: %v", got)
		}

		// A service's zone, then removal: staff confirm by typing the name; a removed
		// zone is refused by the server.
		zs := must(e.svc.ServiceZones(ctx, customer(78), 78))
		if len(zs) != 1 || zs[0].Name != other || zs[0].Origin != OriginService {
			t.Fatalf("service zones %+v", zs)
		}
		authoritative(t, ask(t, pd.Addr, other, mdns.TypeSOA, false), "service zone SOA")
		if err := e.svc.RemoveZone(ctx, cust, z.ID, zone); !errors.Is(err, accounts.ErrForbidden) {
			t.Fatalf("customer removed a zone: %v", err)
		}
		if err := e.svc.RemoveZone(ctx, support, z.ID, "wrong.test"); fieldErr(t, err)["confirm"].IsZero() {
			t.Fatalf("removal without confirmation: %v", err)
		}
		authoritative(t, ask(t, pd.Addr, zone, mdns.TypeSOA, false), "SOA after refused removal")
		if err := e.svc.RemoveZone(ctx, support, z.ID, zone); err != nil {
			t.Fatal(err)
		}
		if r := ask(t, pd.Addr, zone, mdns.TypeSOA, false); r.Rcode != mdns.RcodeRefused && r.Rcode != mdns.RcodeNameError {
			t.Fatalf("removed zone answered %s", mdns.RcodeToString[r.Rcode])
		}
		if res := check.Run(ctx); res.Up {
			t.Fatalf("DNS probe up for a removed zone: %+v", res)
		}
		if err := e.svc.DomainGone(ctx, 78, other); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.DomainGone(ctx, 78, other); err != nil { // again: nothing left to do
			t.Fatal(err)
		}
		if r := ask(t, pd.Addr, other, mdns.TypeSOA, false); r.Rcode != mdns.RcodeRefused && r.Rcode != mdns.RcodeNameError {
			t.Fatalf("gone domain answered %s", mdns.RcodeToString[r.Rcode])
		}
		if _, problems, err := audit.Verify(ctx, db); err != nil || len(problems) > 0 {
			t.Fatalf("audit trail: %v %v", err, problems)
		}
	}, audit.Schema, Schema)
}
