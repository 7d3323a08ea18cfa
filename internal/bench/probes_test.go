package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestProbesBench: a short run of the probe benchmark checks every component within
// its interval, finds every loopback server up and prints the figures it promises.
func TestProbesBench(t *testing.T) {
	t.Parallel()
	res, err := ProbesRun(context.Background(), ProbesConfig{Checks: 100, Interval: 200 * time.Millisecond, Duration: time.Second, Servers: 2})
	if err != nil {
		t.Fatal(err)
	}
	// How many checks a loaded machine manages is the benchmark's figure, not a test:
	// the test asks that checks ran, every recorded result was stored, none failed
	// against the healthy targets, and the figures are measured.
	if res.Stats.Checks == 0 || int64(res.Stored) != res.Stats.Recorded || res.Failed != 0 || res.CPU <= 0 || res.PeakRSS <= 0 {
		t.Fatalf("%+v", res)
	}
	var out bytes.Buffer
	if err := Run(context.Background(), []string{"probes", "--checks", "10", "--interval", "100ms", "--duration", "300ms"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"checks/minute", "p50/p99/max", "CPU time", "peak RSS"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
