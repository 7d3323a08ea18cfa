package realtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"golang.zx2c4.com/wireguard/device"
	"golang.zx2c4.com/wireguard/ipc"
	"golang.zx2c4.com/wireguard/tun/netstack"

	"github.com/hostpact/hostpact/internal/monitor/probe"
)

// WireGuardSocketDir is where wireguard-go puts a device's configuration socket and
// where wgctrl (and wg(8)) look for userspace devices.
const WireGuardSocketDir = "/var/run/wireguard"

// WireGuardDevice is a WireGuard device without peers, managed from outside through
// its configuration socket as wg(8) and wgctrl manage a kernel device: wireguard-go
// with a gVisor netstack (no kernel module, no tun), listening on 127.0.0.1 only, its
// socket at WireGuardSocketDir/Name.sock. Its tunnel address answers pings and Net
// can listen inside the tunnel.
type WireGuardDevice struct {
	Name          string // unique per test
	Endpoint      string // 127.0.0.1:port
	Key           WireGuardKey
	TunnelAddress netip.Addr
	Net           *netstack.Net
	dev           *device.Device
}

// StartWireGuardDevice starts a device with tunnel address addr. The configuration
// socket needs a writable WireGuardSocketDir (root); without it the test is skipped,
// or fails under HOSTPACT_REQUIRE_REAL.
func StartWireGuardDevice(t testing.TB, addr netip.Addr) *WireGuardDevice {
	t.Helper()
	if err := os.MkdirAll(WireGuardSocketDir, 0o755); err != nil {
		Missing(t, "wireguard configuration socket", err.Error())
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	d := &WireGuardDevice{Name: "hpt" + hex.EncodeToString(b[:]), Key: NewWireGuardKey(t), TunnelAddress: addr}
	tun, tnet, err := netstack.CreateNetTUN([]netip.Addr{addr}, nil, 1420)
	if err != nil {
		t.Fatal(err)
	}
	d.Net = tnet
	d.dev = device.NewDevice(tun, probe.NewUDPBind("127.0.0.1"), device.NewLogger(device.LogLevelError, "wireguard device: "))
	t.Cleanup(d.dev.Close)
	port := FreeUDPPort(t)
	if err := d.dev.IpcSet(fmt.Sprintf("private_key=%s\nlisten_port=%d\n", hexKey(t, d.Key.Private), port)); err != nil {
		t.Fatal(err)
	}
	if err := d.dev.Up(); err != nil {
		t.Fatal(err)
	}
	d.Endpoint = Addr(port)
	f, err := ipc.UAPIOpen(d.Name)
	if err != nil {
		Missing(t, "wireguard configuration socket", err.Error())
	}
	l, err := ipc.UAPIListen(d.Name, f)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		l.Close()
		_ = os.Remove(filepath.Join(WireGuardSocketDir, d.Name+".sock"))
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go d.dev.IpcHandle(c)
		}
	}()
	return d
}

// Config is the device's configuration as wg(8) would show it (hex keys, counters).
func (d *WireGuardDevice) Config(t testing.TB) string {
	t.Helper()
	s, err := d.dev.IpcGet()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
