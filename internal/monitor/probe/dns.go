package probe

import (
	"context"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/hostpact/hostpact/internal/clock"
)

// DNS checks one nameserver of a zone: it must answer the zone's SOA query with
// NOERROR, the authoritative-answer flag and the SOA record (cp.sla.availability.2: a
// hosting service's DNS is down only while every nameserver is down, so each nameserver
// is its own check; see DNSServers).
type DNS struct {
	Zone   string // e.g. "example.nl"
	Server string // host:port of the nameserver
	// TCP queries over TCP instead of UDP (a UDP answer that is truncated is retried
	// over TCP anyway).
	TCP     bool
	Timeout time.Duration
	Clock   clock.Clock
}

// DNSServers returns one check per nameserver of zone.
func DNSServers(zone string, servers []string, timeout time.Duration, c clock.Clock) []Check {
	out := make([]Check, len(servers))
	for i, s := range servers {
		out[i] = DNS{Zone: zone, Server: s, Timeout: timeout, Clock: c}
	}
	return out
}

// Kind is dns.
func (DNS) Kind() Kind { return KindDNS }

// Target is the nameserver; the calculator tells nameservers apart by it.
func (d DNS) Target() string { return d.Server }

// Run performs the check.
func (d DNS) Run(ctx context.Context) Result {
	return run(ctx, d.Clock, KindDNS, d.Server, d.Timeout, d.check)
}

func (d DNS) check(ctx context.Context, r *Result) *Reason {
	if d.Zone == "" {
		return configReason("zone", "a zone is required")
	}
	zone := dns.Fqdn(strings.ToLower(d.Zone))
	if _, ok := dns.IsDomainName(zone); !ok {
		return configReason("zone", "not a domain name")
	}
	m := new(dns.Msg)
	m.SetQuestion(zone, dns.TypeSOA)
	m.RecursionDesired = false
	network := "udp"
	if d.TCP {
		network = "tcp"
	}
	resp, rs := d.exchange(ctx, m, network)
	if rs == nil && resp.Truncated && network == "udp" {
		resp, rs = d.exchange(ctx, m, "tcp")
	}
	if rs != nil {
		return rs
	}
	return soaReason(resp, zone, d.Server, r)
}

func (d DNS) exchange(ctx context.Context, m *dns.Msg, network string) (*dns.Msg, *Reason) {
	c := &dns.Client{Net: network}
	if dl, ok := ctx.Deadline(); ok {
		c.Timeout = time.Until(dl)
	}
	resp, _, err := c.ExchangeContext(ctx, m, d.Server)
	if err != nil {
		return nil, netReason(ctx, "query", d.Server, err)
	}
	return resp, nil
}

// soaReason judges an answer to the SOA query: NOERROR, authoritative, with the zone's
// SOA in the answer section.
func soaReason(resp *dns.Msg, zone, server string, r *Result) *Reason {
	if resp.Rcode != dns.RcodeSuccess {
		return reason("probe.dns.rcode", nil, "server", server, "zone", zone, "rcode", dns.RcodeToString[resp.Rcode])
	}
	if !resp.Authoritative {
		return reason("probe.dns.not_authoritative", nil, "server", server, "zone", zone)
	}
	for _, rr := range resp.Answer {
		if soa, ok := rr.(*dns.SOA); ok && strings.EqualFold(soa.Hdr.Name, zone) {
			r.Details.SOASerial = soa.Serial
			return nil
		}
	}
	return reason("probe.dns.no_soa", nil, "server", server, "zone", zone)
}
