package runner

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/monitor/probe"
)

// BenchmarkRunner measures the whole pipeline (schedule, worker pool, real HTTP check
// against a loopback server, batch into the store) per check: 256 components due
// every millisecond keep the pool saturated until b.N results are stored.
func BenchmarkRunner(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer srv.Close()
	st := NewMemStore(clock.Real{})
	st.Discard()
	for id := int64(1); id <= 256; id++ {
		c, err := probe.Spec{Kind: probe.KindHTTP, URL: srv.URL + "/", Keyword: "ok"}.Build(clock.Real{})
		if err != nil {
			b.Fatal(err)
		}
		st.Put(monitor.Assignment{ComponentID: id, Version: 1, Interval: time.Millisecond, Check: c})
	}
	r := New(st, clock.Real{}, Config{Location: "bench", Instance: "b", Workers: 64, BatchEvery: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	b.ResetTimer()
	go func() { done <- r.Run(ctx) }()
	if err := st.WaitFor(context.Background(), b.N); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Minutes(), "checks/min")
}
