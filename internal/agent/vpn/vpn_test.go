package vpn

import (
	"bufio"
	"bytes"
	"context"
	"image/png"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/monitor/probe"
	"github.com/hostpact/hostpact/internal/monitor/probe/realtest"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/provision/driver/drivertest"
)

// TestRealWireGuardVPNPeers takes one VPN account through its life on a userspace
// WireGuard device configured through its socket with wgctrl, as a kernel device
// would be. The client configuration the customer gets completes a handshake and a
// ping through the tunnel to the server; suspended, terminated or reset, the old
// configuration no longer gets a handshake.
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
			if r := handshake(cc, 20*time.Second); !r.Up {
				t.Fatalf("no handshake and ping through the tunnel with the client configuration: %+v\n%s", r.Reason, dev.Config(t))
			}
			if lastConfig != "" && lastConfig != conf {
				// The credentials were reset: the old configuration is dead.
				if r := handshake(parseClientConfig(t, lastConfig), 2*time.Second); r.Up {
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
			if r := handshake(parseClientConfig(t, lastConfig), 2*time.Second); r.Up || r.Reason == nil || r.Reason.Key != "probe.wireguard.handshake" {
				t.Errorf("a suspended account's configuration: up %v, reason %+v; want no handshake", r.Up, r.Reason)
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
		if r := handshake(parseClientConfig(t, c.Sensitive["wireguard_config"]), 20*time.Second); !r.Up {
			t.Fatalf("no handshake: %+v", r.Reason)
		}
		u1, err := m.Usage(context.Background(), b.Ref)
		if err != nil || u1.TransferBytes <= 0 {
			t.Fatalf("usage after a handshake and a ping: %+v, %v", u1, err)
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

func handshake(cc clientConfig, timeout time.Duration) probe.Result {
	return probe.WireGuard{
		Endpoint: cc.endpoint, ServerPublicKey: cc.serverKey, PrivateKey: cc.privateKey,
		TunnelAddress: cc.address, PingAddress: netip.MustParseAddr("10.77.0.1"),
		LocalAddress: "127.0.0.1", Timeout: timeout, Clock: clock.Real{},
	}.Run(context.Background())
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
