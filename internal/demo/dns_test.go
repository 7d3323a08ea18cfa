package demo

import (
	"context"
	"testing"
)

// TestSeedDNS: the demo customers' domains have zones on the demo DNS server with web
// records, the mail customer's with MX and SPF, and the registered domain signed; a
// second seed adds nothing.
func TestSeedDNS(t *testing.T) {
	eachSeeded(t, func(t *testing.T, s *seededDemo) {
		a := s.a // seeded twice
		ctx := context.Background()
		by := demoAdmin(t, a)
		zones, err := a.DNS.AllZones(ctx, by, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, z := range zones {
			got[z.Name] = true
			v, err := a.DNS.View(ctx, by, z.ID)
			if err != nil || !v.Demo {
				t.Fatalf("zone %s: %+v %v", z.Name, v, err)
			}
			types := map[string]int{}
			for _, r := range v.Records {
				types[r.Type]++
				if r.Type == "MX" && r.Content != "10 mail01.cloudprovider.test." {
					t.Errorf("zone %s: MX %s, want the demo mail server", z.Name, r.Content)
				}
			}
			if types["A"] == 0 || types["NS"] != 2 {
				t.Errorf("zone %s records %v", z.Name, types)
			}
			if z.Name == "bakkerijjansen.nl" && (types["MX"] != 1 || types["TXT"] < 2) {
				t.Errorf("mail zone records %v", types)
			}
			if z.Name == "janvries.nl" && (!v.DNSSEC || len(v.DS) == 0) {
				t.Errorf("janvries.nl not signed: %+v", v)
			}
		}
		for _, want := range []string{"devries.test", "janvries.nl", "bakkerijjansen.nl", "webbouwers.nl", "fietsenpietersen.nl"} {
			if !got[want] {
				t.Errorf("no zone %s (have %v)", want, got)
			}
		}
		if len(zones) != s.zones {
			t.Fatalf("second seed: %d zones, %d after the first", len(zones), s.zones)
		}
	})
}
