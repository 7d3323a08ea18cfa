package app

import (
	"context"
	"net"
	"net/netip"

	"github.com/hostpact/hostpact/internal/dns"
	"github.com/hostpact/hostpact/internal/provision"
	"github.com/hostpact/hostpact/internal/provision/driver"
)

// dnsHosting tells the DNS zones which hosting and mail services an organisation has
// and the addresses of their servers (the "ip" and "ipv6" settings staff give a
// provisioning server), for the default records of a new zone.
type dnsHosting struct{ prov *provision.Service }

func (h dnsHosting) HostedServices(ctx context.Context, orgID int64) ([]dns.Hosted, error) {
	svcs, err := h.prov.Services(ctx, provision.SystemPrincipal, orgID)
	if err != nil {
		return nil, err
	}
	servers := map[int64]provision.Server{}
	var out []dns.Hosted
	for _, v := range svcs {
		if v.Domain == "" || v.ServerID == 0 || (v.Kind != driver.KindWebhosting && v.Kind != driver.KindEmail) {
			continue
		}
		if v.State == provision.StateTerminated || v.State == provision.StateDeleted {
			continue
		}
		sv, ok := servers[v.ServerID]
		if !ok {
			if sv, err = h.prov.Server(ctx, provision.SystemPrincipal, v.ServerID); err != nil {
				return nil, err
			}
			servers[v.ServerID] = sv
		}
		hs := dns.Hosted{Kind: string(v.Kind), Domain: v.Domain}
		if a, err := netip.ParseAddr(sv.Settings["ip"]); err == nil && a.Is4() {
			hs.IPv4 = a.String()
		}
		if a, err := netip.ParseAddr(sv.Settings["ipv6"]); err == nil && a.Is6() && !a.Is4In6() {
			hs.IPv6 = a.String()
		}
		if v.Kind == driver.KindEmail {
			// The MX is the mail server by name: the "mail_host" setting, else the host
			// the service's SMTP detail names, else mail.<domain> with the addresses.
			hs.MailHost = sv.Settings["mail_host"]
			if host, _, err := net.SplitHostPort(v.Details["smtp"]); hs.MailHost == "" && err == nil && hs.IPv4 == "" && hs.IPv6 == "" {
				hs.MailHost = host
			}
		}
		out = append(out, hs)
	}
	return out, nil
}
