package demo

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/app"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/dns"
)

// seedDNS registers the demo's DNS server — hostpact's stand-in that keeps the records
// in its own table, because the demo runs no PowerDNS (the pages say so) — and makes the
// zones of the demo customers' domains: a zone per hosting or mail service's domain and
// per registered domain, with web and mail records a customer would have, and DNSSEC on
// for the consumer's own domain. It runs once: a database with a DNS server already is
// left alone.
func seedDNS(ctx context.Context, a *app.App, by accounts.Principal, subs []contracts.Subscription) error {
	if a.DNS == nil {
		return nil
	}
	have, err := a.DNS.Servers(ctx, by)
	if err != nil || len(have) > 0 {
		return err
	}
	if _, err := a.DNS.AddServer(ctx, by, dns.ServerInput{Name: "dns-demo", APIURL: dns.DemoURL,
		Nameservers: "ns1.cloudprovider.test\nns2.cloudprovider.test"}); err != nil {
		return err
	}
	orgs := map[int64]bool{}
	var domains []contracts.Subscription
	for _, sub := range subs {
		switch sub.Kind {
		case catalog.KindWebhosting, catalog.KindEmail:
			if sub.Domain != "" && !orgs[sub.OrgID] {
				orgs[sub.OrgID] = true
				if _, err := a.DNS.ServiceZones(ctx, by, sub.OrgID); err != nil {
					return fmt.Errorf("zones of organisation %d: %w", sub.OrgID, err)
				}
			}
		case catalog.KindDomain:
			domains = append(domains, sub)
		}
	}
	for _, sub := range domains {
		if sub.Domain != "" {
			if err := a.DNS.DomainActive(ctx, sub.OrgID, sub.Domain); err != nil {
				return fmt.Errorf("zone of %s: %w", sub.Domain, err)
			}
		}
	}
	zones, err := a.DNS.AllZones(ctx, by, 0, "")
	if err != nil {
		return err
	}
	mail := map[string]bool{}
	for _, sub := range subs {
		if sub.Kind == catalog.KindEmail {
			mail[sub.Domain] = true
		}
	}
	for i, z := range zones {
		// Documentation addresses (RFC 5737, RFC 3849): believable, and routed nowhere.
		host := strconv.Itoa(10 + i)
		recs := []dns.RecordInput{
			{Name: "@", Type: "A", Value: "192.0.2." + host},
			{Name: "@", Type: "AAAA", Value: "2001:db8::" + host},
			{Name: "www", Type: "CNAME", Value: "@"},
		}
		if mail[z.Name] {
			// MX and SPF came with the zone, from the mail service.
			recs = append(recs, dns.RecordInput{Name: "_dmarc", Type: "TXT", Value: "v=DMARC1; p=quarantine; rua=mailto:dmarc@" + z.Name})
		}
		recs = append(recs, dns.RecordInput{Name: "@", Type: "CAA", Flags: "0", Tag: "issue", Value: "letsencrypt.org"})
		for _, in := range recs {
			ch := dns.Change{Op: dns.OpAdd, New: in}
			p, err := a.DNS.Preview(ctx, by, z.ID, ch)
			if err != nil {
				return fmt.Errorf("zone %s, record %+v: %w", z.Name, in, err)
			}
			if _, err := a.DNS.Apply(ctx, by, z.ID, ch, p.Serial); err != nil {
				return fmt.Errorf("zone %s, record %+v: %w", z.Name, in, err)
			}
		}
		if z.Origin == dns.OriginDomain {
			if _, err := a.DNS.SetDNSSEC(ctx, by, z.ID, true); err != nil {
				return fmt.Errorf("DNSSEC of %s: %w", z.Name, err)
			}
		}
	}
	return nil
}
