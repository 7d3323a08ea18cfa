package app_test

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/app"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/config"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/monitor/probe"
	"github.com/hostpact/hostpact/internal/monitor/runner"
)

// TestServeProbeRole: a process with only the probe role runs its location's checks
// and stops when told; without a location it refuses to start.
func TestServeProbeRole(t *testing.T) {
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
	st := runner.NewMemStore(clock.Real{})
	chk, err := probe.Spec{Kind: probe.KindTCP, Address: l.Addr().String()}.Build(clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	st.Put(monitor.Assignment{ComponentID: 7, Version: 1, Interval: 50 * time.Millisecond, Check: chk})
	a := &app.App{Config: config.Config{Roles: []string{"probe"}, ProbeLocation: "ams1"}, Logger: slog.New(slog.DiscardHandler),
		Clock: clock.Real{}, ProbeStore: st}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, nil) }()
	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer wcancel()
	if err := st.WaitFor(wctx, 1); err != nil {
		t.Fatalf("no result from the probe role: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if r := st.Results()[0]; r.ComponentID != 7 || r.Location != "ams1" || !r.OK {
		t.Fatalf("result %+v", r)
	}
	if inst, _ := st.Holder(7, "ams1"); inst == "" {
		t.Error("no lease recorded")
	}

	a.Config.ProbeLocation = ""
	if err := a.Serve(context.Background(), nil); err == nil {
		t.Fatal("probe role started without a location")
	}
}
