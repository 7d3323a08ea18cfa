package vpn

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"image/png"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/device"
	"golang.zx2c4.com/wireguard/tun/netstack"
	"golang.zx2c4.com/wireguard/wgctrl"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/monitor/probe"
	"github.com/hostpact/hostpact/internal/monitor/probe/realtest"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/provision/driver/drivertest"
)

// TestRealWireGuardVPNPeers takes one VPN account through its life on a userspace
// WireGuard device configured through its socket with wgctrl, as a kernel device
// would be. The client configuration the customer gets completes a handshake and a
// TCP exchange through the tunnel with the server; suspended, terminated or reset,
// the old configuration no longer gets a handshake.
func TestRealWireGuardVPNPeers(t *testing.T) {
	dev := realtest.StartWireGuardDevice(t, netip.MustParseAddr("10.77.0.1"))
	m, err := New(Config{
		Device: dev.Name, DataDir: t.TempDir(), Endpoint: dev.Endpoint,
		CIDR: netip.MustParsePrefix("10.77.0.0/24"), DNS: []netip.Addr{netip.MustParseAddr("10.77.0.1")},
		Keepalive: 25, Clock: clock.Real{},
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.ServerAddress() != dev.TunnelAddress {
		t.Fatalf("server address %s, want the pool's first host %s", m.ServerAddress(), dev.TunnelAddress)
	}
	a := driver.Account{Ref: "hpv1", Kind: driver.KindVPN, Secret: "Vpn-Secret-1", Package: driver.Package{Name: "vpn-basic", Extra: map[string]string{"bandwidth": "100 Mbit/s"}}}
	other := driver.Package{Name: "vpn-plus", Extra: map[string]string{"bandwidth": "1 Gbit/s"}}
	var lastConfig string
	echo := echoServer(t, dev)
	hasPeer := func(t *testing.T, secret string) bool {
		t.Helper()
		key, err := DeriveKey(a.Ref, secret)
		if err != nil {
			t.Fatal(err)
		}
		c, err := wgctrl.New()
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		d, err := c.Device(dev.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range d.Peers {
			if p.PublicKey == key.PublicKey() {
				return true
			}
		}
		return false
	}
	drivertest.Run(t, m, a, other, drivertest.Checks{
		Works: func(t *testing.T, _ driver.Account, c driver.Created, secret string) {
			conf := c.Sensitive["wireguard_config"]
			cc := parseClientConfig(t, conf)
			if cc.address.String() != c.Details["address"] || !netip.MustParsePrefix("10.77.0.0/24").Contains(cc.address) || cc.address == dev.TunnelAddress {
				t.Errorf("client address %s (details %s) is not an account address of the pool", cc.address, c.Details["address"])
			}
			if cc.serverKey != dev.Key.Public || c.Details["server_public_key"] != dev.Key.Public || cc.endpoint != dev.Endpoint {
				t.Errorf("client configuration names another server: %+v", cc)
			}
			cl := dial(t, cc)
			if !cl.handshake(20 * time.Second) {
				t.Fatalf("no handshake with the client configuration\nserver: %s", dev.Config(t))
			}
			cl.exchange(t, echo, "hello from "+a.Ref)
			cl.dev.Close()
			if lastConfig != "" && lastConfig != conf {
				// The credentials were reset: the old configuration is dead.
				if dial(t, parseClientConfig(t, lastConfig)).handshake(2 * time.Second) {
					t.Errorf("the configuration from before the reset still gets a handshake")
				}
				if hasPeer(t, a.Secret) {
					t.Errorf("the old key is still a peer after the reset")
				}
			}
			lastConfig = conf
		},
		Suspended: func(t *testing.T, _ driver.Account) {
			if hasPeer(t, a.Secret) {
				t.Fatalf("a suspended account is still a peer")
			}
			// The handshake's own deadline bounds the attempt; wireguard-go retries the
			// initiation within it.
			if dial(t, parseClientConfig(t, lastConfig)).handshake(2 * time.Second) {
				t.Errorf("a suspended account's configuration still gets a handshake")
			}
		},
		Package: func(t *testing.T, _ driver.Account, p driver.Package) {
			st, err := m.load()
			if err != nil {
				t.Fatal(err)
			}
			if al := st.Accounts[a.Ref]; al.Package != p.Name || al.Bandwidth != p.Extra["bandwidth"] {
				t.Errorf("recorded package %q, bandwidth %q; want %q, %q", al.Package, al.Bandwidth, p.Name, p.Extra["bandwidth"])
			}
		},
		Terminated: func(t *testing.T, _ driver.Account) {
			if hasPeer(t, a.Secret+"-Reset2") {
				t.Errorf("a terminated account is still a peer")
			}
			st, err := m.load()
			if err != nil {
				t.Fatal(err)
			}
			if st.Accounts[a.Ref] == nil {
				t.Errorf("terminate freed the address; it is kept until the data are deleted")
			}
		},
		Gone: func(t *testing.T, _ driver.Account) {
			if hasPeer(t, a.Secret+"-Reset2") {
				t.Errorf("a deleted account is still a peer")
			}
		},
	})

	t.Run("usage counts transfer across suspensions", func(t *testing.T) {
		b := driver.Account{Ref: "hpv2", Kind: driver.KindVPN, Secret: "Vpn-Secret-2"}
		c, err := m.Create(context.Background(), b)
		if err != nil {
			t.Fatal(err)
		}
		if c.Details["address"] != "10.77.0.2" {
			t.Errorf("the deleted account's address was not freed: the next one got %s", c.Details["address"])
		}
		cl := dial(t, parseClientConfig(t, c.Sensitive["wireguard_config"]))
		if !cl.handshake(20 * time.Second) {
			t.Fatalf("no handshake")
		}
		cl.exchange(t, echo, "hello from "+b.Ref)
		u1, err := m.Usage(context.Background(), b.Ref)
		if err != nil || u1.TransferBytes <= 0 {
			t.Fatalf("usage after a handshake and an exchange: %+v, %v", u1, err)
		}
		if err := m.Suspend(context.Background(), b.Ref, driver.SuspendStaff); err != nil {
			t.Fatal(err)
		}
		u2, err := m.Usage(context.Background(), b.Ref)
		if err != nil || u2.TransferBytes < u1.TransferBytes {
			t.Errorf("usage after the peer was removed: %+v (before %d), %v", u2, u1.TransferBytes, err)
		}
		if err := m.DeleteData(context.Background(), b.Ref); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("state survives a new module", func(t *testing.T) {
		b := driver.Account{Ref: "hpv3", Kind: driver.KindVPN, Secret: "Vpn-Secret-3"}
		c1, err := m.Create(context.Background(), b)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := New(m.cfg)
		if err != nil {
			t.Fatal(err)
		}
		c2, err := m2.Create(context.Background(), b)
		if err != nil {
			t.Fatal(err)
		}
		if c1.Details["address"] != c2.Details["address"] || c1.Sensitive["wireguard_config"] != c2.Sensitive["wireguard_config"] {
			t.Errorf("a restarted module created the account again differently: %v, then %v", c1.Details, c2.Details)
		}
	})
}

// tunnel is the customer's side: a WireGuard client (wireguard-go on its own netstack)
// made from the client configuration, on 127.0.0.1.
type tunnel struct {
	dev  *device.Device
	tnet *netstack.Net
}

func dial(t *testing.T, cc clientConfig) *tunnel {
	t.Helper()
	tun, tnet, err := netstack.CreateNetTUN([]netip.Addr{cc.address}, nil, 1420)
	if err != nil {
		t.Fatal(err)
	}
	dev := device.NewDevice(tun, probe.NewUDPBind("127.0.0.1"), device.NewLogger(device.LogLevelError, "wireguard client: "))
	t.Cleanup(dev.Close)
	// A persistent keepalive makes the device start the handshake as soon as it is up.
	conf := fmt.Sprintf("private_key=%s\npublic_key=%s\nendpoint=%s\npersistent_keepalive_interval=1\nallowed_ip=0.0.0.0/0\n",
		hexKey(t, cc.privateKey), hexKey(t, cc.serverKey), cc.endpoint)
	if err := dev.IpcSet(conf); err != nil {
		t.Fatal(err)
	}
	if err := dev.Up(); err != nil {
		t.Fatal(err)
	}
	return &tunnel{dev: dev, tnet: tnet}
}

// handshake waits until the handshake completed or the deadline passed; wireguard-go
// retries the initiation by itself within it and reports the handshake only in its
// configuration dump.
func (c *tunnel) handshake(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		st, err := c.dev.IpcGet()
		if err == nil && strings.Contains(st, "last_handshake_time_sec=") && !strings.Contains(st, "last_handshake_time_sec=0\n") {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// exchange sends a line to the server's echo service through the tunnel and reads it
// back.
func (c *tunnel) exchange(t *testing.T, server netip.AddrPort, line string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := c.tnet.DialContextTCPAddrPort(ctx, server)
	if err != nil {
		st, _ := c.dev.IpcGet()
		t.Fatalf("connect to %s through the tunnel: %v\nclient: %s", server, err, st)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(conn, line+"\n"); err != nil {
		t.Fatal(err)
	}
	got, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || got != line+"\n" {
		t.Fatalf("echo through the tunnel: %q, %v", got, err)
	}
}

func hexKey(t *testing.T, b64 string) string {
	t.Helper()
	k, err := wgtypes.ParseKey(b64)
	if err != nil {
		t.Fatalf("bad key %q", b64)
	}
	return hex.EncodeToString(k[:])
}

// echoServer answers lines on port 7 of the server's tunnel address.
func echoServer(t *testing.T, dev *realtest.WireGuardDevice) netip.AddrPort {
	t.Helper()
	addr := netip.AddrPortFrom(dev.TunnelAddress, 7)
	l, err := dev.Net.ListenTCPAddrPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return addr
}

type clientConfig struct {
	privateKey, serverKey, endpoint string
	address                         netip.Addr
}

// parseClientConfig reads the wg-quick file the module wrote, as a WireGuard app would.
func parseClientConfig(t *testing.T, conf string) clientConfig {
	t.Helper()
	var c clientConfig
	section := ""
	sc := bufio.NewScanner(strings.NewReader(conf))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			section = line
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch section + k {
		case "[Interface]PrivateKey":
			c.privateKey = v
		case "[Interface]Address":
			c.address = netip.MustParsePrefix(v).Addr()
		case "[Peer]PublicKey":
			c.serverKey = v
		case "[Peer]Endpoint":
			c.endpoint = v
		}
	}
	if c.privateKey == "" || c.serverKey == "" || c.endpoint == "" || !c.address.IsValid() {
		t.Fatalf("incomplete client configuration:\n%s", conf)
	}
	return c
}

func TestDeriveKeyIsStableAndSeparatesAccounts(t *testing.T) {
	t.Parallel()
	k1, err := DeriveKey("hpv1", "secret")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := DeriveKey("hpv1", "secret")
	otherRef, _ := DeriveKey("hpv2", "secret")
	otherSecret, _ := DeriveKey("hpv1", "secret2")
	if k1 != again {
		t.Error("the same ref and secret gave two keys: a retried create would replace the customer's configuration")
	}
	if k1 == otherRef || k1 == otherSecret {
		t.Error("another ref or secret gave the same key")
	}
	if k1[0]&7 != 0 || k1[31]&128 != 0 || k1[31]&64 == 0 {
		t.Errorf("key is not clamped: %x", k1)
	}
}

func TestPoolSkipsServerAndBroadcast(t *testing.T) {
	t.Parallel()
	m, err := New(Config{Device: "wg0", DataDir: t.TempDir(), Endpoint: "vpn.example:51820", CIDR: netip.MustParsePrefix("10.0.0.0/29")})
	if err != nil {
		t.Fatal(err)
	}
	st := &state{Accounts: map[string]*allocation{}}
	var got []string
	for {
		a, ok := m.free(st)
		if !ok {
			break
		}
		got = append(got, a.String())
		st.Accounts["hp"+a.String()[len("10.0.0."):]] = &allocation{Address: a}
	}
	if want := "10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5 10.0.0.6"; strings.Join(got, " ") != want {
		t.Errorf("allocated %v, want %s", got, want)
	}
	if _, err := New(Config{Device: "wg0", DataDir: t.TempDir(), Endpoint: "vpn.example:51820", CIDR: netip.MustParsePrefix("10.0.0.0/31")}); err == nil {
		t.Error("a pool without room for an account was accepted")
	}
}

func TestConfigFromSettings(t *testing.T) {
	t.Parallel()
	c, err := ConfigFromSettings(t.TempDir(), map[string]string{
		SettingCIDR: "10.8.0.0/24", SettingEndpoint: "vpn.example:51820", SettingDNS: "10.8.0.1, 9.9.9.9", SettingAllowedIPs: "10.8.0.0/24",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Device != "wg0" || len(c.DNS) != 2 || len(c.AllowedIPs) != 1 || c.Keepalive != 25 {
		t.Errorf("config %+v", c)
	}
	if _, err := ConfigFromSettings(t.TempDir(), map[string]string{SettingCIDR: "nope"}); err == nil {
		t.Error("a bad pool was accepted")
	}
}

func TestConfigQRIsAPNG(t *testing.T) {
	t.Parallel()
	b, err := ConfigQR("[Interface]\nPrivateKey = aaaa\n")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != 384 {
		t.Errorf("width %d", img.Bounds().Dx())
	}
}

// FuzzParseState: the state file is read at every call; whatever is in it, reading
// never panics, and what is accepted has valid refs, keys and distinct addresses.
func FuzzParseState(f *testing.F) {
	f.Add([]byte(`{"accounts":{"hpv1":{"address":"10.77.0.2","public_key":"HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw="}}}`))
	f.Add([]byte(`{"accounts":{"hpv1":{"address":"10.77.0.2","public_key":"HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw="},"hpv2":{"address":"10.77.0.2","public_key":"HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw="}}}`))
	f.Add([]byte(`{"accounts":{"X":null}}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := parseState(b)
		if err != nil {
			return
		}
		seen := map[netip.Addr]bool{}
		for ref, al := range st.Accounts {
			if driver.ValidRef(ref) != nil || !al.Address.IsValid() || seen[al.Address] {
				t.Fatalf("accepted a bad allocation %q %+v", ref, al)
			}
			seen[al.Address] = true
		}
	})
}
