package probe

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"time"

	"golang.org/x/net/icmp"

	"github.com/hostpact/hostpact/internal/clock"
)

// ICMP checks that a host answers an echo request: the network of a VPS or container
// host (cp.sla.availability.2). It uses the unprivileged ICMP socket ("udp4"/"udp6")
// where the kernel allows it (net.ipv4.ping_group_range includes the process's group),
// else a raw socket (root or CAP_NET_RAW); with neither the check reports
// probe.icmp.unavailable, so a probe location that cannot ping is noticed instead of
// reporting the host down.
type ICMP struct {
	Address string // host name or IP address
	Timeout time.Duration
	Clock   clock.Clock
}

// Kind is icmp.
func (ICMP) Kind() Kind { return KindICMP }

// Target is the address.
func (p ICMP) Target() string { return p.Address }

// Run performs the check.
func (p ICMP) Run(ctx context.Context) Result {
	return run(ctx, p.Clock, KindICMP, p.Address, p.Timeout, p.check)
}

func (p ICMP) check(ctx context.Context, r *Result) *Reason {
	dst, rs := resolveIP(ctx, p.Address)
	if rs != nil {
		return rs
	}
	pc, raw, err := openPing(dst.Is4())
	if err != nil {
		return reason("probe.icmp.unavailable", err)
	}
	defer pc.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = pc.SetDeadline(dl)
	}
	context.AfterFunc(ctx, func() { _ = pc.SetDeadline(time.Unix(1, 0)) })
	var to net.Addr = &net.UDPAddr{IP: dst.AsSlice(), Zone: dst.Zone()}
	if raw {
		to = &net.IPAddr{IP: dst.AsSlice(), Zone: dst.Zone()}
	}
	rtt, err := echo(ctx, pc, to, dst.Is4())
	if err != nil {
		if rs := netReason(ctx, "send", p.Address, err); rs.Key != "probe.timeout" && rs.Key != "probe.io" {
			return rs
		}
		return reason("probe.icmp.no_reply", err, "address", p.Address)
	}
	r.Details.PingRTT = rtt
	return nil
}

// resolveIP returns the address to ping: s itself, or its first IPv4 address (else
// its first address) from DNS.
func resolveIP(ctx context.Context, s string) (netip.Addr, *Reason) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", s)
	if err != nil || len(addrs) == 0 {
		if err == nil {
			err = &net.DNSError{Err: "no addresses", Name: s, IsNotFound: true}
		}
		return netip.Addr{}, netReason(ctx, "resolve", s, err)
	}
	for _, a := range addrs {
		if a.Unmap().Is4() {
			return a.Unmap(), nil
		}
	}
	return addrs[0], nil
}

// openPing opens an ICMP socket: unprivileged if allowed, else raw.
func openPing(v4 bool) (*icmp.PacketConn, bool, error) {
	dgram, rawNet, local := "udp6", "ip6:ipv6-icmp", "::"
	if v4 {
		dgram, rawNet, local = "udp4", "ip4:icmp", "0.0.0.0"
	}
	pc, err := icmp.ListenPacket(dgram, local)
	if err == nil {
		return pc, false, nil
	}
	pc, err2 := icmp.ListenPacket(rawNet, local)
	if err2 == nil {
		return pc, true, nil
	}
	return nil, false, errors.Join(err, err2)
}

// echo pings dst over pc until a reply comes back or ctx ends (echoes).
func echo(ctx context.Context, pc *icmp.PacketConn, dst net.Addr, v4 bool) (time.Duration, error) {
	return echoes(ctx, !v4,
		func(b []byte) error { _, err := pc.WriteTo(b, dst); return err },
		func(b []byte) (int, error) { n, _, err := pc.ReadFrom(b); return n, err })
}
