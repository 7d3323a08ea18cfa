// Package vpn is the hostpact agent's module for kind vpn: one WireGuard peer per
// account on a WireGuard device of the server (kernel or userspace; it is configured
// with wgctrl, as wg(8) does).
//
// Each account has an address from the pool (Config.CIDR; its first host address is
// the server's own) and a key pair derived from Account.Secret, so that a retried
// Create gives the same keys and a reset with a new secret gives new ones; hostpact
// never has to keep a private key, and the agent never stores one: the client
// configuration (wg-quick format, with the private key) is returned once as
// Created.Sensitive["wireguard_config"].
//
// The allocations (ref → address, public key, state) are kept in a state file in the
// agent's data directory, written atomically, because a WireGuard device forgets its
// peers when it is recreated and a suspended account has no peer at all.
//
// Suspension and termination remove the peer, so the device ignores its handshakes,
// and keep the allocation; Unsuspend adds the peer again; DeleteData frees the address.
// What is enforced of a package: nothing but the account's existence — WireGuard has no
// rate limit, so a package's bandwidth (Package.Extra["bandwidth"]) is recorded as a
// note for staff and not shaped.
//
// Privacy (cp.privacy.vpn.1, cp.privacy.vpn.2): the state file holds no peer endpoint,
// no handshake time and no session; Usage reads only the peer's byte counters (the
// total traffic), never its endpoint, and the transfer of removed peers is kept as a
// sum.
package vpn

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.zx2c4.com/wireguard/wgctrl"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/provision/driver"
)

// Setting names, as staff enter them for a VPN server (see ConfigFromSettings).
const (
	SettingDevice     = "device"      // the WireGuard interface, "wg0" when empty
	SettingCIDR       = "cidr"        // the address pool, e.g. 10.66.0.0/24
	SettingEndpoint   = "endpoint"    // host:port clients connect to
	SettingDNS        = "dns"         // comma-separated DNS servers for clients
	SettingAllowedIPs = "allowed_ips" // what clients send through the tunnel
	SettingKeepalive  = "keepalive"   // seconds; 25 when empty, 0 for none
)

// Config configures the module.
type Config struct {
	Device  string
	DataDir string
	// CIDR is the address pool. Its first host address is the server's tunnel address;
	// accounts get the following ones.
	CIDR       netip.Prefix
	Endpoint   string
	DNS        []netip.Addr
	AllowedIPs []netip.Prefix // default 0.0.0.0/0 and ::/0
	Keepalive  int            // seconds; 0 is none
	Clock      clock.Clock
}

// ConfigFromSettings reads a server's settings; dataDir is the agent's data directory.
func ConfigFromSettings(dataDir string, s map[string]string) (Config, error) {
	c := Config{Device: s[SettingDevice], DataDir: dataDir, Endpoint: s[SettingEndpoint], Keepalive: 25, Clock: clock.Real{}}
	if c.Device == "" {
		c.Device = "wg0"
	}
	var err error
	if c.CIDR, err = netip.ParsePrefix(strings.TrimSpace(s[SettingCIDR])); err != nil {
		return Config{}, fmt.Errorf("vpn: %s: %w", SettingCIDR, err)
	}
	for _, f := range splitList(s[SettingDNS]) {
		a, err := netip.ParseAddr(f)
		if err != nil {
			return Config{}, fmt.Errorf("vpn: %s: %w", SettingDNS, err)
		}
		c.DNS = append(c.DNS, a)
	}
	for _, f := range splitList(s[SettingAllowedIPs]) {
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return Config{}, fmt.Errorf("vpn: %s: %w", SettingAllowedIPs, err)
		}
		c.AllowedIPs = append(c.AllowedIPs, p)
	}
	if k := s[SettingKeepalive]; k != "" {
		if c.Keepalive, err = strconv.Atoi(k); err != nil || c.Keepalive < 0 || c.Keepalive > 65535 {
			return Config{}, fmt.Errorf("vpn: %s: not a number of seconds", SettingKeepalive)
		}
	}
	return c, nil
}

func splitList(s string) []string {
	var out []string
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// Module manages the peers of one device.
type Module struct {
	cfg    Config
	server netip.Addr // the server's tunnel address
	path   string     // the state file
	mu     sync.Mutex
	// failpoint, when set (tests), is called where a killed agent would leave the
	// device and the state file disagreeing; an error stops the call there.
	failpoint func(point string) error
}

func (m *Module) fail(point string) error {
	if m.failpoint == nil {
		return nil
	}
	return m.failpoint(point)
}

var _ driver.Driver = (*Module)(nil)

// New checks the configuration; the device itself is reached on each call (Test
// reports whether it is there).
func New(cfg Config) (*Module, error) {
	if cfg.Device == "" || cfg.DataDir == "" || cfg.Endpoint == "" {
		return nil, errors.New("vpn: device, data directory and endpoint are required")
	}
	if _, _, err := net.SplitHostPort(cfg.Endpoint); err != nil {
		return nil, fmt.Errorf("vpn: endpoint: %w", err)
	}
	if !cfg.CIDR.IsValid() {
		return nil, errors.New("vpn: the address pool (cidr) is required")
	}
	cfg.CIDR = cfg.CIDR.Masked()
	bits := cfg.CIDR.Addr().BitLen()
	if bits-cfg.CIDR.Bits() < 2 {
		return nil, fmt.Errorf("vpn: pool %s has no room for accounts", cfg.CIDR)
	}
	if len(cfg.AllowedIPs) == 0 {
		cfg.AllowedIPs = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("vpn: %w", err)
	}
	return &Module{
		cfg:    cfg,
		server: cfg.CIDR.Addr().Next(),
		path:   filepath.Join(cfg.DataDir, "wireguard-"+cfg.Device+".json"),
	}, nil
}

// ServerAddress is the server's tunnel address, the first host address of the pool.
func (m *Module) ServerAddress() netip.Addr { return m.server }

// Test checks that the device exists and can be read.
func (m *Module) Test(ctx context.Context) error {
	_, err := m.device()
	return err
}

func (m *Module) device() (*wgtypes.Device, error) {
	c, err := wgctrl.New()
	if err != nil {
		return nil, fmt.Errorf("vpn: %w", err)
	}
	defer c.Close()
	d, err := c.Device(m.cfg.Device)
	if err != nil {
		return nil, fmt.Errorf("vpn: device %s: %w", m.cfg.Device, err)
	}
	return d, nil
}

func (m *Module) configure(peers ...wgtypes.PeerConfig) error {
	c, err := wgctrl.New()
	if err != nil {
		return fmt.Errorf("vpn: %w", err)
	}
	defer c.Close()
	if err := c.ConfigureDevice(m.cfg.Device, wgtypes.Config{Peers: peers}); err != nil {
		return fmt.Errorf("vpn: configure %s: %w", m.cfg.Device, err)
	}
	return nil
}

// DeriveKey is the account's private key: 32 bytes of HKDF-SHA256 from the secret,
// bound to the ref (one secret never gives two accounts the same key), clamped as
// X25519 requires.
func DeriveKey(ref, secret string) (wgtypes.Key, error) {
	b, err := hkdf.Key(sha256.New, []byte(secret), []byte("hostpact wireguard v1"), "private key "+ref, 32)
	if err != nil {
		return wgtypes.Key{}, err
	}
	b[0] &= 248
	b[31] = (b[31] & 127) | 64
	if _, err := ecdh.X25519().NewPrivateKey(b); err != nil {
		return wgtypes.Key{}, err
	}
	return wgtypes.NewKey(b)
}

func (m *Module) peerConfig(al *allocation) (wgtypes.PeerConfig, error) {
	pub, err := wgtypes.ParseKey(al.PublicKey)
	if err != nil {
		return wgtypes.PeerConfig{}, fmt.Errorf("vpn: state: public key: %w", err)
	}
	return wgtypes.PeerConfig{
		PublicKey:         pub,
		ReplaceAllowedIPs: true,
		AllowedIPs:        []net.IPNet{prefixNet(netip.PrefixFrom(al.Address, al.Address.BitLen()))},
	}, nil
}

func prefixNet(p netip.Prefix) net.IPNet {
	return net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

// removePeer takes the allocation's peer off the device, adding what it transferred
// to the allocation's count first (the counters go with the peer).
func (m *Module) removePeer(al *allocation) error {
	d, err := m.device()
	if err != nil {
		return err
	}
	for _, p := range d.Peers {
		if p.PublicKey.String() != al.PublicKey {
			continue
		}
		if err := m.configure(wgtypes.PeerConfig{PublicKey: p.PublicKey, Remove: true}); err != nil {
			return err
		}
		al.TransferBefore += p.ReceiveBytes + p.TransmitBytes
	}
	return nil
}

func (m *Module) addPeer(al *allocation) error {
	pc, err := m.peerConfig(al)
	if err != nil {
		return err
	}
	return m.configure(pc)
}

// Create allocates an address (or finds the account's), derives the keys from the
// secret and adds the peer unless the account is suspended.
func (m *Module) Create(ctx context.Context, a driver.Account) (driver.Created, error) {
	if err := driver.ValidRef(a.Ref); err != nil {
		return driver.Created{}, driver.Refused("create", "%v", err)
	}
	if a.Kind != "" && a.Kind != driver.KindVPN {
		return driver.Created{}, driver.Refused("create", "kind %s is not delivered by a WireGuard server", a.Kind)
	}
	if a.Secret == "" {
		return driver.Created{}, driver.Refused("create", "no secret to derive the keys from")
	}
	key, err := DeriveKey(a.Ref, a.Secret)
	if err != nil {
		return driver.Created{}, err
	}
	dev, err := m.device()
	if err != nil {
		return driver.Created{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	st, err := m.load()
	if err != nil {
		return driver.Created{}, err
	}
	al := st.Accounts[a.Ref]
	if al == nil {
		addr, ok := m.free(st)
		if !ok {
			return driver.Created{}, driver.Refused("create", "the address pool %s is full", m.cfg.CIDR)
		}
		al = &allocation{Address: addr}
		st.Accounts[a.Ref] = al
	}
	if pub := key.PublicKey().String(); al.PublicKey != pub {
		if al.PublicKey != "" {
			if err := m.removePeer(al); err != nil {
				return driver.Created{}, err
			}
		}
		al.PublicKey = pub
	}
	al.Terminated = false
	al.Package, al.Bandwidth = a.Package.Name, a.Package.Extra["bandwidth"]
	// The allocation is on disk before the peer is on the device: a create killed in
	// between finds it again and never hands out a second address.
	if err := m.save(st); err != nil {
		return driver.Created{}, err
	}
	if err := m.fail("create.saved"); err != nil {
		return driver.Created{}, err
	}
	if !al.Suspended {
		if err := m.addPeer(al); err != nil {
			return driver.Created{}, err
		}
	}
	return m.created(dev.PublicKey, al, key), nil
}

func (m *Module) created(server wgtypes.Key, al *allocation, key wgtypes.Key) driver.Created {
	det := map[string]string{
		"address":           al.Address.String(),
		"endpoint":          m.cfg.Endpoint,
		"server_public_key": server.String(),
		"public_key":        al.PublicKey,
	}
	if len(m.cfg.DNS) > 0 {
		det["dns"] = joinAddrs(m.cfg.DNS)
	}
	return driver.Created{Details: det, Sensitive: map[string]string{"wireguard_config": m.clientConfig(server, al, key)}}
}

func joinAddrs[T fmt.Stringer](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = x.String()
	}
	return strings.Join(s, ", ")
}

// clientConfig is the account's configuration in wg-quick(8) format, which the
// WireGuard apps import as a file or a QR code.
func (m *Module) clientConfig(server wgtypes.Key, al *allocation, key wgtypes.Key) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[Interface]\nPrivateKey = %s\nAddress = %s\n", key, netip.PrefixFrom(al.Address, al.Address.BitLen()))
	if len(m.cfg.DNS) > 0 {
		fmt.Fprintf(&b, "DNS = %s\n", joinAddrs(m.cfg.DNS))
	}
	fmt.Fprintf(&b, "\n[Peer]\nPublicKey = %s\nEndpoint = %s\nAllowedIPs = %s\n", server, m.cfg.Endpoint, joinAddrs(m.cfg.AllowedIPs))
	if m.cfg.Keepalive > 0 {
		fmt.Fprintf(&b, "PersistentKeepalive = %d\n", m.cfg.Keepalive)
	}
	return b.String()
}

// free is the lowest address of the pool that is neither the network's, the server's,
// IPv4's broadcast nor allocated.
func (m *Module) free(st *state) (netip.Addr, bool) {
	used := map[netip.Addr]bool{m.server: true}
	for _, al := range st.Accounts {
		used[al.Address] = true
	}
	for a := m.server.Next(); a.IsValid() && m.cfg.CIDR.Contains(a); a = a.Next() {
		if a.Is4() && !m.cfg.CIDR.Contains(a.Next()) {
			break // the broadcast address
		}
		if !used[a] {
			return a, true
		}
	}
	return netip.Addr{}, false
}

// change loads the state, applies f to the ref's allocation and saves the state.
func (m *Module) change(op, ref string, f func(al *allocation) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, err := m.load()
	if err != nil {
		return err
	}
	al := st.Accounts[ref]
	if al == nil {
		return fmt.Errorf("vpn: %s %s: %w", op, ref, driver.ErrNotFound)
	}
	if err := f(al); err != nil {
		return err
	}
	if err := m.fail(op + ".applied"); err != nil {
		return err
	}
	return m.save(st)
}

// Suspend removes the peer; the allocation stays.
func (m *Module) Suspend(ctx context.Context, ref string, _ driver.SuspendReason) error {
	return m.change("suspend", ref, func(al *allocation) error {
		al.Suspended = true
		return m.removePeer(al)
	})
}

// Unsuspend adds the peer again (unless the account was terminated meanwhile).
func (m *Module) Unsuspend(ctx context.Context, ref string) error {
	return m.change("unsuspend", ref, func(al *allocation) error {
		al.Suspended = false
		if al.Terminated {
			return nil
		}
		return m.addPeer(al)
	})
}

// Terminate removes the peer and keeps the allocation until DeleteData.
func (m *Module) Terminate(ctx context.Context, ref string) error {
	err := m.change("terminate", ref, func(al *allocation) error {
		al.Terminated = true
		return m.removePeer(al)
	})
	if errors.Is(err, driver.ErrNotFound) {
		return nil
	}
	return err
}

// DeleteData removes the peer (should it still be there) and frees the address.
func (m *Module) DeleteData(ctx context.Context, ref string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, err := m.load()
	if err != nil {
		return err
	}
	al := st.Accounts[ref]
	if al == nil {
		return nil
	}
	if err := m.removePeer(al); err != nil {
		return err
	}
	if err := m.fail("delete.removed"); err != nil {
		return err
	}
	delete(st.Accounts, ref)
	return m.save(st)
}

// ChangePackage records the package and its bandwidth note; nothing is enforced
// (see the package comment).
func (m *Module) ChangePackage(ctx context.Context, ref string, p driver.Package) error {
	return m.change("change_package", ref, func(al *allocation) error {
		al.Package, al.Bandwidth = p.Name, p.Extra["bandwidth"]
		return nil
	})
}

// ResetCredentials replaces the peer's key by the one derived from the new secret and
// returns the new client configuration; the old configuration no longer connects.
func (m *Module) ResetCredentials(ctx context.Context, ref, secret string) (driver.Created, error) {
	if secret == "" {
		return driver.Created{}, driver.Refused("reset_credentials", "no secret to derive the keys from")
	}
	key, err := DeriveKey(ref, secret)
	if err != nil {
		return driver.Created{}, err
	}
	dev, err := m.device()
	if err != nil {
		return driver.Created{}, err
	}
	var out driver.Created
	err = m.change("reset_credentials", ref, func(al *allocation) error {
		if pub := key.PublicKey().String(); al.PublicKey != pub {
			if err := m.removePeer(al); err != nil {
				return err
			}
			al.PublicKey = pub
		}
		if !al.Suspended && !al.Terminated {
			if err := m.addPeer(al); err != nil {
				return err
			}
		}
		out = m.created(dev.PublicKey, al, key)
		return nil
	})
	return out, err
}

// Usage is the transfer in both directions since the account was created.
func (m *Module) Usage(ctx context.Context, ref string) (driver.Usage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, err := m.load()
	if err != nil {
		return driver.Usage{}, err
	}
	al := st.Accounts[ref]
	if al == nil {
		return driver.Usage{}, fmt.Errorf("vpn: usage of %s: %w", ref, driver.ErrNotFound)
	}
	d, err := m.device()
	if err != nil {
		return driver.Usage{}, err
	}
	u := driver.Usage{TransferBytes: al.TransferBefore, MeasuredAt: m.cfg.Clock.Now()}
	for _, p := range d.Peers {
		if p.PublicKey.String() == al.PublicKey {
			u.TransferBytes += p.ReceiveBytes + p.TransmitBytes
		}
	}
	return u, nil
}

// List returns the allocations.
func (m *Module) List(ctx context.Context) ([]driver.Listed, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, err := m.load()
	if err != nil {
		return nil, err
	}
	out := make([]driver.Listed, 0, len(st.Accounts))
	for ref, al := range st.Accounts {
		out = append(out, driver.Listed{Ref: ref, Kind: driver.KindVPN, Suspended: al.Suspended})
	}
	slices.SortFunc(out, func(a, b driver.Listed) int { return strings.Compare(a.Ref, b.Ref) })
	return out, nil
}

// allocation is one account as the state file keeps it. No private key: it is derived
// from the secret hostpact keeps sealed.
type allocation struct {
	Address    netip.Addr `json:"address"`
	PublicKey  string     `json:"public_key"`
	Suspended  bool       `json:"suspended,omitempty"`
	Terminated bool       `json:"terminated,omitempty"`
	Package    string     `json:"package,omitempty"`
	Bandwidth  string     `json:"bandwidth,omitempty"`
	// TransferBefore counts the bytes of peers already removed (suspensions, resets).
	TransferBefore int64 `json:"transfer_before,omitempty"`
}

type state struct {
	Accounts map[string]*allocation `json:"accounts"`
}

func (m *Module) load() (*state, error) {
	b, err := os.ReadFile(m.path)
	if errors.Is(err, os.ErrNotExist) {
		return &state{Accounts: map[string]*allocation{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("vpn: state: %w", err)
	}
	return parseState(b)
}

// parseState reads the state file, refusing what the module could not have written.
func parseState(b []byte) (*state, error) {
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("vpn: state: %w", err)
	}
	if st.Accounts == nil {
		st.Accounts = map[string]*allocation{}
	}
	seen := map[netip.Addr]string{}
	for ref, al := range st.Accounts {
		if al == nil || driver.ValidRef(ref) != nil || !al.Address.IsValid() {
			return nil, fmt.Errorf("vpn: state: bad allocation %q", ref)
		}
		if _, err := wgtypes.ParseKey(al.PublicKey); err != nil {
			return nil, fmt.Errorf("vpn: state: %s: public key: %w", ref, err)
		}
		if other, dup := seen[al.Address]; dup {
			return nil, fmt.Errorf("vpn: state: %s and %s share %s", other, ref, al.Address)
		}
		seen[al.Address] = ref
	}
	return &st, nil
}

// save writes the state atomically: a temporary file, synced, renamed over the old
// one, and the directory synced, so a crash leaves the old or the new state whole.
func (m *Module) save(st *state) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(m.cfg.DataDir, ".wireguard-*.tmp")
	if err != nil {
		return fmt.Errorf("vpn: state: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err = f.Write(append(b, '\n')); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, m.path)
	}
	if err != nil {
		return fmt.Errorf("vpn: state: %w", err)
	}
	if dir, err := os.Open(m.cfg.DataDir); err == nil {
		_ = dir.Sync()
		dir.Close()
	}
	return nil
}

// Factory builds the module from the agent configuration's "vpn" section, a JSON object
// of the settings ConfigFromSettings reads, with dataDir the agent's directory for it.
func Factory(settings json.RawMessage, dataDir string) (driver.Driver, error) {
	s := map[string]string{}
	if len(settings) > 0 {
		dec := json.NewDecoder(bytes.NewReader(settings))
		if err := dec.Decode(&s); err != nil {
			return nil, fmt.Errorf("vpn: settings: %w", err)
		}
	}
	c, err := ConfigFromSettings(dataDir, s)
	if err != nil {
		return nil, err
	}
	return New(c)
}
