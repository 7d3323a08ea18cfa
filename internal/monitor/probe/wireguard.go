package probe

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.zx2c4.com/wireguard/conn"
	"golang.zx2c4.com/wireguard/device"
	"golang.zx2c4.com/wireguard/tun/netstack"

	"github.com/hostpact/hostpact/internal/clock"
)

// WireGuard checks a VPN server (cp.sla.availability.2) with a real handshake: a
// userspace WireGuard peer (wireguard-go over its gVisor netstack, so no kernel module
// and no root) with the monitoring peer's own key, and optionally an ICMP echo through
// the tunnel. The monitoring peer is the provider's, not a customer's: nothing about a
// customer's sessions is read (cp.privacy.vpn.1; INTERPRETATION.md, VPN). Give each probe
// location its own monitoring peer: a server rejects a peer's handshakes that follow
// each other within about 20 ms as replays.
type WireGuard struct {
	Endpoint string // host:port (UDP) of the server
	// ServerPublicKey, PrivateKey and PresharedKey are base64 keys as wg(8) prints them;
	// PresharedKey is optional.
	ServerPublicKey, PrivateKey, PresharedKey string
	// TunnelAddress is the monitoring peer's address inside the tunnel.
	TunnelAddress netip.Addr
	// PingAddress, when valid, is pinged through the tunnel after the handshake.
	PingAddress netip.Addr
	// LocalAddress is the local UDP address to send from; empty is any.
	LocalAddress string
	Timeout      time.Duration
	Clock        clock.Clock
}

// Kind is wireguard.
func (WireGuard) Kind() Kind { return KindWireGuard }

// Target is the endpoint.
func (w WireGuard) Target() string { return w.Endpoint }

// Run performs the check.
func (w WireGuard) Run(ctx context.Context) Result {
	return run(ctx, w.Clock, KindWireGuard, w.Endpoint, w.Timeout, w.check)
}

func (w WireGuard) check(ctx context.Context, r *Result) *Reason {
	priv, err := keyHex(w.PrivateKey)
	if err != nil {
		return configReason("private_key", err.Error())
	}
	pub, err := keyHex(w.ServerPublicKey)
	if err != nil {
		return configReason("server_public_key", err.Error())
	}
	psk := ""
	if w.PresharedKey != "" {
		if psk, err = keyHex(w.PresharedKey); err != nil {
			return configReason("preshared_key", err.Error())
		}
	}
	if !w.TunnelAddress.IsValid() {
		return configReason("tunnel_address", "the monitoring peer's tunnel address is required")
	}
	endpoint, rs := resolveUDP(ctx, w.Endpoint)
	if rs != nil {
		return rs
	}
	tun, tnet, err := netstack.CreateNetTUN([]netip.Addr{w.TunnelAddress}, nil, 1420)
	if err != nil {
		return configReason("tunnel_address", err.Error())
	}
	dev := device.NewDevice(tun, NewUDPBind(w.LocalAddress), device.NewLogger(device.LogLevelSilent, ""))
	defer dev.Close()
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "private_key=%s\nlisten_port=0\nreplace_peers=true\npublic_key=%s\n", priv, pub)
	if psk != "" {
		fmt.Fprintf(&cfg, "preshared_key=%s\n", psk)
	}
	// A persistent keepalive makes the device send a packet, and so start the
	// handshake, as soon as it is up.
	fmt.Fprintf(&cfg, "endpoint=%s\npersistent_keepalive_interval=1\nallowed_ip=0.0.0.0/0\nallowed_ip=::/0\n", endpoint)
	if err := dev.IpcSet(cfg.String()); err != nil {
		return configReason("keys", err.Error())
	}
	if err := dev.Up(); err != nil {
		return reason("probe.io", err, "stage", "handshake")
	}
	if !waitHandshake(ctx, dev) {
		return reason("probe.wireguard.handshake", nil, "endpoint", endpoint.String())
	}
	if !w.PingAddress.IsValid() {
		return nil
	}
	rtt, err := pingThrough(ctx, tnet, w.TunnelAddress, w.PingAddress)
	if err != nil {
		return reason("probe.wireguard.ping", err, "address", w.PingAddress.String())
	}
	r.Details.PingRTT = rtt
	return nil
}

// waitHandshake polls the device until the peer has completed a handshake or ctx ends;
// wireguard-go reports the handshake only through its configuration interface.
func waitHandshake(ctx context.Context, dev *device.Device) bool {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if st, err := dev.IpcGet(); err == nil && handshakeDone(st) {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
	}
}

// handshakeDone reads wireguard-go's configuration dump for a non-zero handshake time.
func handshakeDone(state string) bool {
	sc := bufio.NewScanner(strings.NewReader(state))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		if (k == "last_handshake_time_sec" || k == "last_handshake_time_nsec") && v != "0" {
			return true
		}
	}
	return false
}

// pingThrough sends ICMP echoes from src to dst inside the tunnel, one every
// pingResend until a reply comes back or ctx ends: one lost datagram (a busy
// machine's socket buffer, a keypair rotation) is no outage.
func pingThrough(ctx context.Context, tnet *netstack.Net, src, dst netip.Addr) (time.Duration, error) {
	pc, err := tnet.DialPingAddr(src, dst)
	if err != nil {
		return 0, err
	}
	defer pc.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = pc.SetDeadline(dl)
	}
	context.AfterFunc(ctx, func() { _ = pc.SetDeadline(time.Unix(1, 0)) })
	return echoes(ctx, dst.Is6(), func(b []byte) error { _, err := pc.Write(b); return err }, pc.Read)
}

// keyHex turns a base64 WireGuard key into the hex form of the configuration protocol.
func keyHex(b64 string) (string, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil || len(k) != 32 {
		return "", fmt.Errorf("not a base64 32-byte key")
	}
	return hex.EncodeToString(k), nil
}

// resolveUDP turns host:port into an address, as the configuration protocol needs one.
func resolveUDP(ctx context.Context, hostport string) (netip.AddrPort, *Reason) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return netip.AddrPort{}, configReason("endpoint", "must be host:port")
	}
	ap, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(ap) == 0 {
		return netip.AddrPort{}, netReason(ctx, "connect", hostport, err)
	}
	p, err := net.LookupPort("udp", port)
	if err != nil {
		return netip.AddrPort{}, configReason("endpoint", "bad port")
	}
	return netip.AddrPortFrom(ap[0].Unmap(), uint16(p)), nil
}

// NewUDPBind returns a WireGuard conn.Bind on one UDP socket bound to local ("" for
// any address, "127.0.0.1" for loopback only). wireguard-go's own binds listen on every
// address; the monitor and its tests must be able to stay on one.
func NewUDPBind(local string) conn.Bind { return &udpBind{local: local} }

type udpBind struct {
	local string
	mu    sync.Mutex
	c     *net.UDPConn
}

func (b *udpBind) Open(port uint16) ([]conn.ReceiveFunc, uint16, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.c != nil {
		return nil, 0, conn.ErrBindAlreadyOpen
	}
	network, addr := "udp", &net.UDPAddr{Port: int(port)}
	if b.local != "" {
		ip, err := netip.ParseAddr(b.local)
		if err != nil {
			return nil, 0, err
		}
		addr.IP = ip.AsSlice()
		if ip.Is4() {
			network = "udp4"
		}
	}
	c, err := net.ListenUDP(network, addr)
	if err != nil {
		return nil, 0, err
	}
	b.c = c
	recv := func(packets [][]byte, sizes []int, eps []conn.Endpoint) (int, error) {
		n, ap, err := c.ReadFromUDPAddrPort(packets[0])
		if err != nil {
			return 0, err
		}
		sizes[0] = n
		eps[0] = &conn.StdNetEndpoint{AddrPort: netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())}
		return 1, nil
	}
	return []conn.ReceiveFunc{recv}, uint16(c.LocalAddr().(*net.UDPAddr).Port), nil
}

func (b *udpBind) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.c == nil {
		return nil
	}
	err := b.c.Close()
	b.c = nil
	return err
}

func (b *udpBind) SetMark(uint32) error { return nil }

func (b *udpBind) Send(bufs [][]byte, ep conn.Endpoint) error {
	b.mu.Lock()
	c := b.c
	b.mu.Unlock()
	if c == nil {
		return net.ErrClosed
	}
	se, ok := ep.(*conn.StdNetEndpoint)
	if !ok {
		return conn.ErrWrongEndpointType
	}
	for _, buf := range bufs {
		if _, err := c.WriteToUDPAddrPort(buf, se.AddrPort); err != nil {
			return err
		}
	}
	return nil
}

func (b *udpBind) ParseEndpoint(s string) (conn.Endpoint, error) {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return nil, err
	}
	return &conn.StdNetEndpoint{AddrPort: netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())}, nil
}

func (b *udpBind) BatchSize() int { return 1 }
