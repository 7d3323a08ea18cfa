package realtest

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"golang.zx2c4.com/wireguard/device"
	"golang.zx2c4.com/wireguard/tun/netstack"

	"github.com/hostpact/hostpact/internal/monitor/probe"
)

// WireGuardKey is a Curve25519 key pair in wg(8)'s base64 form.
type WireGuardKey struct{ Private, Public string }

// NewWireGuardKey makes a key pair.
func NewWireGuardKey(t testing.TB) WireGuardKey {
	t.Helper()
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return WireGuardKey{
		Private: base64.StdEncoding.EncodeToString(k.Bytes()),
		Public:  base64.StdEncoding.EncodeToString(k.PublicKey().Bytes()),
	}
}

// WireGuardServer is a WireGuard server in this process: wireguard-go with its gVisor
// netstack (the real protocol stack, no kernel module), on 127.0.0.1 only. Its tunnel
// address answers pings.
type WireGuardServer struct {
	Endpoint      string // 127.0.0.1:port
	Key           WireGuardKey
	TunnelAddress netip.Addr
	dev           *device.Device
}

// WireGuardPeer is a peer the server accepts: its public key, its tunnel address and
// optionally a preshared key.
type WireGuardPeer struct {
	Public       string
	Address      netip.Addr
	PresharedKey string
}

// StartWireGuard starts a server at tunnel address 10.66.0.1 that accepts peers.
func StartWireGuard(t testing.TB, peers ...WireGuardPeer) *WireGuardServer {
	t.Helper()
	s := &WireGuardServer{Key: NewWireGuardKey(t), TunnelAddress: netip.MustParseAddr("10.66.0.1")}
	tun, _, err := netstack.CreateNetTUN([]netip.Addr{s.TunnelAddress}, nil, 1420)
	if err != nil {
		t.Fatal(err)
	}
	s.dev = device.NewDevice(tun, probe.NewUDPBind("127.0.0.1"), device.NewLogger(device.LogLevelError, "wireguard server: "))
	port := FreeUDPPort(t)
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "private_key=%s\nlisten_port=%d\n", hexKey(t, s.Key.Private), port)
	for _, p := range peers {
		fmt.Fprintf(&cfg, "public_key=%s\nallowed_ip=%s/32\n", hexKey(t, p.Public), p.Address)
		if p.PresharedKey != "" {
			fmt.Fprintf(&cfg, "preshared_key=%s\n", hexKey(t, p.PresharedKey))
		}
	}
	if err := s.dev.IpcSet(cfg.String()); err != nil {
		t.Fatal(err)
	}
	if err := s.dev.Up(); err != nil {
		t.Fatal(err)
	}
	s.Endpoint = Addr(port)
	t.Cleanup(s.Stop)
	return s
}

// Stop closes the server; closing twice is harmless.
func (s *WireGuardServer) Stop() { s.dev.Close() }

func hexKey(t testing.TB, b64 string) string {
	t.Helper()
	k, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(k) != 32 {
		t.Fatalf("bad key %q", b64)
	}
	return hex.EncodeToString(k)
}
