package probe_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/monitor/probe"
	"github.com/hostpact/hostpact/internal/monitor/probe/realtest"
)

// TestRealTCP: a listening port is up, a closed one is down with the refusal named,
// and the result carries the injected clock's time.
func TestRealTCP(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	at := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	c, err := probe.Spec{Kind: probe.KindTCP, Address: l.Addr().String(), TimeoutSeconds: 5}.Build(clock.NewFake(at))
	if err != nil {
		t.Fatal(err)
	}
	res := c.Run(context.Background())
	if !res.Up || res.Reason != nil || !res.At.Equal(at) || res.Kind != probe.KindTCP {
		t.Fatalf("listening port: %+v", res)
	}
	closed := realtest.Addr(realtest.FreePort(t))
	res = probe.TCP{Address: closed, Timeout: 5 * time.Second}.Run(context.Background())
	if res.Up || res.Reason.Key != "probe.connect.refused" || res.Reason.Args["address"] != closed {
		t.Fatalf("closed port: %+v", res.Reason)
	}
}

// TestRealICMP: loopback answers an echo, over the unprivileged ping socket or a raw
// one; a location that has neither reports probe.icmp.unavailable (and the test is
// skipped there unless HOSTPACT_REQUIRE_REAL=1).
func TestRealICMP(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"127.0.0.1", "::1"} {
		res := probe.ICMP{Address: addr, Timeout: 5 * time.Second}.Run(context.Background())
		if res.Reason != nil && res.Reason.Key == "probe.icmp.unavailable" {
			if addr == "::1" {
				t.Logf("IPv6 ping not available: %v", res.Reason)
				continue
			}
			if probe.Messages()["probe.icmp.unavailable"][0] == "" {
				t.Fatal("no message")
			}
			realtest.Missing(t, "ICMP socket", res.Reason.Error())
		}
		if !res.Up || res.Details.PingRTT <= 0 || res.Kind != probe.KindICMP || res.Target != addr {
			t.Fatalf("%s: %+v", addr, res)
		}
	}
	// A host name is resolved first (localhost from the hosts file: nothing leaves
	// the machine).
	res := probe.ICMP{Address: "localhost", Timeout: 5 * time.Second}.Run(context.Background())
	if !res.Up {
		t.Fatalf("localhost: %+v", res.Reason)
	}
}
