package bench

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/monitor/probe"
	"github.com/hostpact/hostpact/internal/monitor/runner"
)

// ProbesConfig is one probe benchmark: Checks HTTP checks, each every Interval, run
// for Duration through the real runner against Servers loopback HTTP servers in this
// process, with an in-memory store.
type ProbesConfig struct {
	Checks   int
	Interval time.Duration
	Duration time.Duration
	Servers  int
	Workers  int
}

// ProbesResult is what a probe benchmark measured.
type ProbesResult struct {
	Stats     runner.Stats
	Stored    int
	Failed    int
	Elapsed   time.Duration
	CPU       time.Duration // user and system time of the process during the run
	PeakRSS   int64         // bytes, VmHWM of /proc/self/status (0 where unknown)
	PerMinute float64
}

// Probes parses flags and runs the probe benchmark.
func Probes(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench probes", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("checks", 10000, "number of HTTP checks (components)")
	interval := fs.Duration("interval", time.Minute, "interval of every check")
	duration := fs.Duration("duration", 2*time.Minute, "how long to run")
	servers := fs.Int("servers", 8, "loopback HTTP servers the checks are spread over")
	workers := fs.Int("workers", 0, "checks run at once (0: the runner's default)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "bench probes: %d HTTP checks every %s for %s, %d loopback servers, GOMAXPROCS %d\n",
		*n, *interval, *duration, *servers, runtime.GOMAXPROCS(0))
	res, err := ProbesRun(ctx, ProbesConfig{Checks: *n, Interval: *interval, Duration: *duration, Servers: *servers, Workers: *workers})
	if err != nil {
		return err
	}
	s := res.Stats
	fmt.Fprintf(stdout, "checks started:        %d (%d results stored, %d down, %d skipped, %d dropped)\n", s.Checks, res.Stored, res.Failed, s.Skipped, s.Dropped)
	fmt.Fprintf(stdout, "checks/minute:         %.0f\n", res.PerMinute)
	fmt.Fprintf(stdout, "start lag p50/p99/max: %s / %s / %s\n", s.LagP50, s.LagP99, s.LagMax.Round(time.Millisecond))
	fmt.Fprintf(stdout, "CPU time:              %s (%.0f%% of one core)\n", res.CPU.Round(time.Millisecond), 100*res.CPU.Seconds()/res.Elapsed.Seconds())
	fmt.Fprintf(stdout, "peak RSS (VmHWM):      %.1f MiB\n", float64(res.PeakRSS)/(1<<20))
	return nil
}

// ProbesRun runs the probe benchmark.
func ProbesRun(ctx context.Context, cfg ProbesConfig) (ProbesResult, error) {
	if cfg.Checks <= 0 || cfg.Interval <= 0 || cfg.Duration <= 0 {
		return ProbesResult{}, errors.New("checks, interval and duration must be positive")
	}
	if cfg.Servers <= 0 {
		cfg.Servers = 1
	}
	var urls []string
	for range cfg.Servers {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return ProbesResult{}, err
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, "ok")
		}), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		urls = append(urls, "http://"+ln.Addr().String()+"/")
	}
	clk := clock.Real{}
	st := runner.NewMemStore(clk)
	st.Discard()
	for i := range cfg.Checks {
		c, err := probe.Spec{Kind: probe.KindHTTP, URL: urls[i%len(urls)], Keyword: "ok"}.Build(clk)
		if err != nil {
			return ProbesResult{}, err
		}
		st.Put(monitor.Assignment{ComponentID: int64(i + 1), Version: 1, Interval: cfg.Interval, Check: c})
	}
	r := runner.New(st, clk, runner.Config{Location: "bench", Instance: "bench", Workers: cfg.Workers,
		BatchEvery: time.Second, Max: cfg.Checks})
	runtime.GC()
	cpu0 := cpuTime()
	rctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	t0 := time.Now()
	err := r.Run(rctx)
	res := ProbesResult{Elapsed: time.Since(t0), Stats: r.Stats(), Stored: st.Count(), Failed: st.Failed()}
	res.CPU = cpuTime() - cpu0
	res.PeakRSS = vmHWM()
	res.PerMinute = float64(res.Stats.Checks) / res.Elapsed.Minutes()
	return res, err
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// vmHWM is the process's peak resident set size from /proc/self/status.
func vmHWM() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}
