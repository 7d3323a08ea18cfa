package probe_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/monitor/probe"
	"github.com/hostpact/hostpact/internal/monitor/probe/realtest"
)

// TestRealWireGuard: each case is its own monitoring peer, because a WireGuard server
// rejects a peer's second handshake within the same ~20 ms as a replay (as a provider
// with several probe locations gives each location its own peer).
func TestRealWireGuard(t *testing.T) {
	var peers []realtest.WireGuardPeer
	var keys []realtest.WireGuardKey
	for i := range 6 {
		k := realtest.NewWireGuardKey(t)
		keys = append(keys, k)
		peers = append(peers, realtest.WireGuardPeer{Public: k.Public, Address: netip.AddrFrom4([4]byte{10, 66, 0, byte(2 + i)}),
			PresharedKey: realtest.NewWireGuardKey(t).Private}) // any 32 random bytes
	}
	srv := realtest.StartWireGuard(t, peers...)
	check := func(i int) probe.WireGuard {
		return probe.WireGuard{
			Endpoint:        srv.Endpoint,
			ServerPublicKey: srv.Key.Public,
			PrivateKey:      keys[i].Private,
			PresharedKey:    peers[i].PresharedKey,
			TunnelAddress:   peers[i].Address,
			LocalAddress:    "127.0.0.1",
			Timeout:         5 * time.Second,
		}
	}
	ctx := context.Background()
	expect(t, "handshake", check(0).Run(ctx), true, "")

	// Under a loaded CI machine an echo through the two userspace stacks now and then
	// gets no reply at all within the timeout (not understood yet; resending does not
	// help, a new session does). A monitor confirms an outage only after two failed
	// checks, so the test allows a second and third attempt, each its own peer.
	var res probe.Result
	for i, peer := range []int{1, 4, 5} {
		ping := check(peer)
		ping.PingAddress = srv.TunnelAddress
		if res = ping.Run(ctx); res.Up {
			break
		}
		t.Logf("attempt %d of the ping through the tunnel: %v", i+1, res.Reason)
	}
	expect(t, "handshake and ping", res, true, "")
	if res.Details.PingRTT <= 0 {
		t.Errorf("ping rtt %v", res.Details.PingRTT)
	}
	t.Logf("ping through the tunnel: rtt %v", res.Details.PingRTT)

	// A failed handshake shows only as silence, so these wait for their timeout.
	short := func(c probe.WireGuard) probe.WireGuard { c.Timeout = 1500 * time.Millisecond; return c }
	unknown := check(2)
	unknown.PrivateKey = realtest.NewWireGuardKey(t).Private
	expect(t, "unknown peer key", short(unknown).Run(ctx), false, "probe.wireguard.handshake")
	wrongPSK := check(2)
	wrongPSK.PresharedKey = realtest.NewWireGuardKey(t).Private
	expect(t, "wrong preshared key", short(wrongPSK).Run(ctx), false, "probe.wireguard.handshake")
	noRoute := check(3)
	noRoute.PingAddress = netip.MustParseAddr("10.66.0.99")
	expect(t, "ping to no one", short(noRoute).Run(ctx), false, "probe.wireguard.ping")
	bad := check(0)
	bad.ServerPublicKey = "not-a-key"
	expect(t, "bad key", bad.Run(ctx), false, "probe.config")

	srv.Stop()
	expect(t, "stopped", short(check(2)).Run(ctx), false, "probe.wireguard.handshake")
}
