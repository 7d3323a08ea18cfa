package api

import (
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
)

func TestLimiterBucket(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	l := newLimiter(clk, rate{PerSecond: 0.5, Burst: 3})
	for i := range 3 {
		if ok, _ := l.take("k"); !ok {
			t.Fatalf("request %d refused within the burst", i+1)
		}
	}
	ok, wait := l.take("k")
	if ok || wait != 2*time.Second {
		t.Fatalf("after the burst: ok=%v wait=%v, want refused for 2s", ok, wait)
	}
	if ok, _ := l.take("other"); !ok {
		t.Fatal("another key shares the bucket")
	}
	clk.Advance(time.Second)
	if ok, wait := l.check("k"); ok || wait != time.Second {
		t.Fatalf("half refilled: ok=%v wait=%v", ok, wait)
	}
	clk.Advance(time.Second)
	if ok, _ := l.check("k"); !ok {
		t.Fatal("check refused after refill")
	}
	if ok, _ := l.take("k"); !ok {
		t.Fatal("take refused after refill")
	}
	if ok, _ := l.take("k"); ok {
		t.Fatal("refill gave more than one request")
	}
	// A long pause refills to the burst, not beyond.
	clk.Advance(time.Hour)
	for i := range 3 {
		if ok, _ := l.take("k"); !ok {
			t.Fatalf("request %d after a pause refused", i+1)
		}
	}
	if ok, _ := l.take("k"); ok {
		t.Fatal("bucket grew beyond its burst")
	}
}

func TestLimiterSweepBoundsMemory(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	l := newLimiter(clk, rate{PerSecond: 1, Burst: 2})
	l.take("busy")
	l.take("busy")
	l.take("idle")
	clk.Advance(2 * time.Second)
	l.take("busy")
	l.sweep(clk.Now())
	if _, ok := l.buckets["idle"]; ok {
		t.Error("a full bucket survived the sweep")
	}
	if _, ok := l.buckets["busy"]; !ok {
		t.Error("a bucket in use was swept")
	}
}

func TestNetworkKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7":             "ip:192.0.2.7",
		"::ffff:192.0.2.7":      "ip:192.0.2.7",
		"2001:db8:1:2:3:4:5:6":  "ip:2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::99": "ip:2001:db8:1:2::/64",
		"not an address":        "ip:not an address",
	} {
		if got := networkKey(in); got != want {
			t.Errorf("networkKey(%q) = %q, want %q", in, got, want)
		}
	}
}
