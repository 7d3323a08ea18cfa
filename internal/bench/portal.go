package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/demo"
)

// PortalConfig is one `hostpact bench portal` run.
type PortalConfig struct {
	Concurrency int
	Duration    time.Duration // per endpoint
	Customer    string        // the demo customer user whose pages and API are measured
	Path        string        // only this endpoint; "": portalEndpoints
}

// EndpointLoad is one endpoint under load.
type EndpointLoad struct {
	Path        string
	Status      int
	OK, Failed  int
	Median, P99 time.Duration
	Max         time.Duration
	PerSecond   float64
	Bytes       int
}

// PortalResult is what a portal run measured, with the process's memory: idle after
// start and demo data, and after the load.
type PortalResult struct {
	Endpoints            []EndpointLoad
	IdleRSS, LoadedRSS   int64 // bytes, VmRSS
	IdlePeak, LoadedPeak int64 // bytes, VmHWM
}

// portalEndpoints are a customer's portal home, invoices and contracts pages and the
// API's list endpoints a customer token reaches.
var portalEndpoints = []string{
	"/portal/",
	"/portal/invoices",
	"/portal/contracts",
	"/api/v1/invoices",
	"/api/v1/contracts",
	"/api/v1/quotes",
	"/api/v1/organisations",
	"/api/v1/mandates",
}

// Portal parses flags and runs the portal and API load benchmark.
func Portal(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench portal", flag.ContinueOnError)
	fs.SetOutput(stderr)
	conc := fs.Int("concurrency", 50, "concurrent keep-alive connections")
	dur := fs.Duration("duration", 10*time.Second, "how long to load each endpoint")
	who := fs.String("customer", "marieke@bakkerijjansen.test", "demo customer user")
	only := fs.String("path", "", "load only this endpoint (default: each of the portal pages and API lists)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	memprofile := fs.String("memprofile", "", "write a profile of what the run allocated to this file")
	serve := fs.Bool("serve", false, "serve the demo data and the customer's session until interrupted, for a load generator in another process (wrk, hey), instead of loading it here")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if *memprofile != "" {
		defer func() {
			if err := writeAllocs(*memprofile); err != nil {
				fmt.Fprintf(stderr, "bench portal: %v\n", err)
			}
		}()
	}
	if *serve {
		return servePortal(ctx, *who, *conc, stdout)
	}
	res, err := PortalRun(ctx, PortalConfig{Concurrency: *conc, Duration: *dur, Customer: *who, Path: *only})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "bench portal: SQLite demo data, customer %s, %d connections, %s per endpoint, API per-token rate limit set aside\n", *who, *conc, *dur)
	fmt.Fprintln(stdout, "(client and server in one process on loopback; latency is measured by the client, request sent to body read)")
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "ENDPOINT\tSTATUS\tOK\tFAILED\tREQ/S\tMEDIAN\tP99\tMAX\tBYTES\t")
	for _, e := range res.Endpoints {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.0f\t%s\t%s\t%s\t%d\t\n", e.Path, e.Status, e.OK, e.Failed, e.PerSecond, ms(e.Median), ms(e.P99), ms(e.Max), e.Bytes)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "RSS of the serving process: idle %.1f MiB (peak %.1f MiB), after the load %.1f MiB (peak %.1f MiB)\n",
		mib(res.IdleRSS), mib(res.IdlePeak), mib(res.LoadedRSS), mib(res.LoadedPeak))
	fmt.Fprintf(stdout, "load average:          %s\n", loadAverage())
	return nil
}

// writeAllocs writes the heap profile, whose alloc_space view is what was allocated
// since the process started.
func writeAllocs(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// servePortal serves the demo data until ctx ends and prints how to load it from
// another process: the load generator then does not share this process's heap, its
// scheduler and its collector.
func servePortal(ctx context.Context, customer string, conc int, stdout io.Writer) error {
	tg, err := startPortalTarget(ctx, customer)
	if err != nil {
		return err
	}
	defer tg.close()
	rss, _ := procMemory()
	fmt.Fprintf(stdout, "serving the SQLite demo data at %s (RSS %.1f MiB); interrupt to stop\n", tg.Base, mib(rss))
	fmt.Fprintf(stdout, "session cookie: %s\nAPI token:      %s\n", tg.Cookie, tg.Token)
	for _, p := range portalEndpoints {
		h := "Cookie: " + tg.Cookie
		if strings.HasPrefix(p, "/api/") {
			h = "Authorization: Bearer " + tg.Token
		}
		fmt.Fprintf(stdout, "wrk -t2 -c%d -d10s --latency -H '%s' %s%s\n", conc, h, tg.Base, p)
	}
	<-ctx.Done()
	rss, peak := procMemory()
	fmt.Fprintf(stdout, "RSS of the serving process at the end: %.1f MiB (peak %.1f MiB)\n", mib(rss), mib(peak))
	return nil
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// portalTarget is the real handler serving the demo data on a loopback port, with a
// demo customer's session cookies and an API token of theirs.
type portalTarget struct {
	Base   string // http://127.0.0.1:port
	Cookie string // the Cookie header of the customer's session
	Token  string // a read token of the customer's, for Authorization: Bearer
	h      http.Handler
	close  func()
}

// startPortalTarget loads the demo data into a temporary SQLite file, signs the
// customer in and serves the real handler on a loopback port until close.
func startPortalTarget(ctx context.Context, customer string) (*portalTarget, error) {
	if customer == "" {
		customer = "marieke@bakkerijjansen.test"
	}
	dsn, cleanup, err := freshDatabase(ctx, "")
	if err != nil {
		return nil, err
	}
	var closers []func()
	fail := func(err error) (*portalTarget, error) {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
		return nil, err
	}
	closers = append(closers, cleanup)
	a, err := openBenchApp(ctx, dsn, clock.Real{}, 1e9, nil)
	if err != nil {
		return fail(err)
	}
	closers = append(closers, func() { a.Close() })
	if _, err := demo.Seed(ctx, a); err != nil {
		return fail(fmt.Errorf("demo data: %w", err))
	}
	// A billing run gives the demo customers the invoices of their orders' periods.
	if _, err := a.Billing.RunBilling(ctx, time.Now()); err != nil {
		return fail(err)
	}
	u, err := a.Accounts.FindUserByEmail(ctx, customer)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", customer, err))
	}
	org, err := a.Accounts.GetOrganisation(ctx, accounts.Principal{User: u, Org: &accounts.Organisation{ID: u.OrgID}}, u.OrgID)
	if err != nil {
		return fail(err)
	}
	_, token, err := a.Accounts.CreateAPIToken(ctx, accounts.Principal{User: u, Org: &org, Session: &accounts.Session{}}, "bench", []accounts.Scope{accounts.ScopeRead}, 0)
	if err != nil {
		return fail(fmt.Errorf("API token: %w", err))
	}
	h, err := a.Handler()
	if err != nil {
		return fail(err)
	}
	bc := &benchClient{h: h, cookies: map[string]string{}}
	if err := bc.customerLogin(customer); err != nil {
		return fail(err)
	}
	var cookies []string
	for k, v := range bc.cookies {
		cookies = append(cookies, k+"="+v)
	}
	sort.Strings(cookies)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	closers = append(closers, func() { srv.Close() })
	return &portalTarget{Base: "http://" + ln.Addr().String(), Cookie: strings.Join(cookies, "; "), Token: token, h: h,
		close: func() {
			for i := len(closers) - 1; i >= 0; i-- {
				closers[i]()
			}
		}}, nil
}

// PortalRun serves the demo data (startPortalTarget) and loads each endpoint with
// cfg.Concurrency clients in this process.
func PortalRun(ctx context.Context, cfg PortalConfig) (PortalResult, error) {
	var res PortalResult
	if cfg.Concurrency <= 0 || cfg.Duration <= 0 {
		return res, errors.New("concurrency and duration must be positive")
	}
	tg, err := startPortalTarget(ctx, cfg.Customer)
	if err != nil {
		return res, err
	}
	defer tg.close()
	base, token := tg.Base, tg.Token
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Concurrency, MaxConnsPerHost: cfg.Concurrency},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (int, int, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		if err != nil {
			return 0, 0, err
		}
		if strings.HasPrefix(path, "/api/") {
			req.Header.Set("Authorization", "Bearer "+token)
		} else {
			req.Header.Set("Cookie", tg.Cookie)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, 0, err
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, int(n), err
	}
	endpoints := portalEndpoints
	if cfg.Path != "" {
		endpoints = []string{cfg.Path}
	}
	for _, p := range endpoints {
		if _, _, err := get(p); err != nil {
			return res, err
		}
	}
	res.IdleRSS, res.IdlePeak = procMemory()
	for _, p := range endpoints {
		e := EndpointLoad{Path: p}
		var err error
		if e.Status, e.Bytes, err = get(p); err != nil {
			return res, err
		}
		var mu sync.Mutex
		var samples []time.Duration
		var failed int
		deadline := time.Now().Add(cfg.Duration)
		start := time.Now()
		var wg sync.WaitGroup
		for range cfg.Concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var mine []time.Duration
				bad := 0
				for time.Now().Before(deadline) && ctx.Err() == nil {
					t := time.Now()
					code, _, err := get(p)
					d := time.Since(t)
					if err != nil || code != e.Status {
						bad++
						continue
					}
					mine = append(mine, d)
				}
				mu.Lock()
				samples = append(samples, mine...)
				failed += bad
				mu.Unlock()
			}()
		}
		wg.Wait()
		elapsed := time.Since(start)
		e.OK, e.Failed = len(samples), failed
		e.PerSecond = float64(len(samples)) / elapsed.Seconds()
		e.Median, e.P99, e.Max = percentile(samples, 50), percentile(samples, 99), percentile(samples, 100)
		res.Endpoints = append(res.Endpoints, e)
	}
	res.LoadedRSS, res.LoadedPeak = procMemory()
	return res, ctx.Err()
}

// procMemory reads this process's resident set and its peak from /proc/self/status
// (VmRSS, VmHWM), in bytes; zero where the file is missing.
func procMemory() (rss, peak int64) { return statusMemory("/proc/self/status") }

// statusMemory reads VmRSS and VmHWM from a /proc/…/status file.
func statusMemory(path string) (rss, peak int64) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		var kb int64
		if _, err := fmt.Sscanf(line, "VmRSS: %d kB", &kb); err == nil {
			rss = kb << 10
		}
		if _, err := fmt.Sscanf(line, "VmHWM: %d kB", &kb); err == nil {
			peak = kb << 10
		}
	}
	return rss, peak
}

func memoryLine() string {
	rss, peak := procMemory()
	return fmt.Sprintf("RSS now / peak:        %.1f MiB / %.1f MiB", mib(rss), mib(peak))
}
