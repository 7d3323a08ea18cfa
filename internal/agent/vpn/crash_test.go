package vpn

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"

	"golang.zx2c4.com/wireguard/wgctrl"

	"github.com/hostpact/hostpact/internal/monitor/probe/realtest"
	"github.com/hostpact/hostpact/internal/provision/driver"
)

var errKilled = errors.New("killed")

// TestRealWireGuardVPNCrashAndRetry stops every call at random points where the device
// and the state file disagree (after the peer changed and before the state was saved,
// after the state was saved and before the peer changed) and retries it, as the
// provisioning job does after a killed agent. In the end every account has one
// address, no two share one, and the device has exactly the peers of the accounts in
// service, with their current keys.
func TestRealWireGuardVPNCrashAndRetry(t *testing.T) {
	dev := realtest.StartWireGuardDevice(t, netip.MustParseAddr("10.78.0.1"))
	m, err := New(Config{Device: dev.Name, DataDir: t.TempDir(), Endpoint: dev.Endpoint, CIDR: netip.MustParsePrefix("10.78.0.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(13, 2026))
	kills := 0
	m.failpoint = func(string) error {
		if rng.IntN(2) == 0 {
			kills++
			return errKilled
		}
		return nil
	}
	ctx := context.Background()
	retry := func(what string, f func() error) {
		t.Helper()
		for range 100 {
			err := f()
			if err == nil {
				return
			}
			if !errors.Is(err, errKilled) {
				t.Fatalf("%s: %v", what, err)
			}
		}
		t.Fatalf("%s never completed", what)
	}
	secrets := map[string]string{}
	want := map[string]bool{} // in service
	for i := range 6 {
		ref := fmt.Sprintf("hpk%d", i)
		secrets[ref] = fmt.Sprintf("secret-%d", i)
		retry("create "+ref, func() error {
			_, err := m.Create(ctx, driver.Account{Ref: ref, Kind: driver.KindVPN, Secret: secrets[ref]})
			return err
		})
		want[ref] = true
	}
	for i := range 6 {
		ref := fmt.Sprintf("hpk%d", i)
		retry("suspend "+ref, func() error { return m.Suspend(ctx, ref, driver.SuspendNonPayment) })
		want[ref] = false
		if i%2 == 0 {
			retry("unsuspend "+ref, func() error { return m.Unsuspend(ctx, ref) })
			want[ref] = true
		}
		if i%3 == 0 {
			secrets[ref] += "-reset"
			retry("reset "+ref, func() error { _, err := m.ResetCredentials(ctx, ref, secrets[ref]); return err })
		}
		if i == 4 {
			retry("terminate "+ref, func() error { return m.Terminate(ctx, ref) })
			want[ref] = false
		}
		if i == 5 {
			retry("delete "+ref, func() error { return m.DeleteData(ctx, ref) })
			delete(want, ref)
		}
	}
	if kills == 0 {
		t.Fatal("no call was killed; the test proves nothing")
	}
	m.failpoint = nil
	st, err := m.load()
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Accounts) != len(want) {
		t.Errorf("%d allocations, want %d", len(st.Accounts), len(want))
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
	peers := map[string]string{} // public key → allowed IP
	for _, p := range d.Peers {
		if len(p.AllowedIPs) != 1 {
			t.Errorf("peer %s has allowed IPs %v", p.PublicKey, p.AllowedIPs)
			continue
		}
		peers[p.PublicKey.String()] = p.AllowedIPs[0].IP.String()
	}
	inService := 0
	for ref, on := range want {
		al := st.Accounts[ref]
		if al == nil {
			t.Errorf("%s lost its allocation", ref)
			continue
		}
		key, _ := DeriveKey(ref, secrets[ref])
		if al.PublicKey != key.PublicKey().String() {
			t.Errorf("%s keeps an old key", ref)
		}
		if got, ok := peers[al.PublicKey]; ok != on || (on && got != al.Address.String()) {
			t.Errorf("%s: peer on the device %v (address %s), want %v (address %s)", ref, ok, got, on, al.Address)
		}
		if on {
			inService++
		}
	}
	if len(peers) != inService {
		t.Errorf("the device has %d peers, want %d: a killed call left a stray peer", len(peers), inService)
	}
}
