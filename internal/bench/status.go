package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/status"
	"github.com/hostpact/hostpact/internal/status/statustest"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
	"github.com/hostpact/hostpact/internal/web"
)

// Status serves the real web handler (middleware included) with a status page of 20
// servers, 90 days of outages, an open incident and maintenance, on a loopback port,
// and has `concurrency` keep-alive clients ask for /status for `duration`; it prints
// requests per second.
func Status(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	conc := fs.Int("concurrency", 50, "concurrent connections")
	dur := fs.Duration("duration", 10*time.Second, "how long to send requests")
	path := fs.String("path", "/status", "path to request (/status, /status.json, /status/feed.atom)")
	gz := fs.Bool("gzip", true, "send Accept-Encoding: gzip, as browsers do (the body is counted as sent, compressed)")
	dump := fs.Bool("dump", false, "print the body of one response and stop")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *conc <= 0 || *dur <= 0 {
		return errors.New("concurrency and duration must be positive")
	}
	u, cleanup, err := freshDatabase(ctx, "")
	if err != nil {
		return err
	}
	defer cleanup()
	db, err := store.Open(ctx, u)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx, audit.Schema, notify.Schema, jobs.Schema, accounts.Schema, status.Schema); err != nil {
		return err
	}
	pack, err := terms.LoadPack("cloudprovider")
	if err != nil {
		return err
	}
	clk := clock.Real{}
	mon := &statustest.Monitor{}
	now := time.Now().UTC()
	for i := int64(1); i <= 20; i++ {
		kind := []string{"webhosting", "email", "vps", "container", "vpn"}[i%5]
		mon.Servers = append(mon.Servers, monitor.Server{ID: i, Name: fmt.Sprintf("srv%d", i), Kind: kind, Location: []string{"ams1", "rtm1"}[i%2]})
		mon.Placements = append(mon.Placements, monitor.Placement{SubscriptionID: i, OrgID: i, ServerID: i})
		for d := 1; d < 90; d += 7 {
			from := now.AddDate(0, 0, -d).Add(time.Duration(i) * time.Hour)
			mon.Start(monitor.Outage{ServerID: i, Component: "http", From: from, To: from.Add(time.Duration(d) * time.Minute)})
		}
	}
	svc := status.New(db, clk, status.Deps{Pack: pack, Monitor: mon, Keys: secrets.Ephemeral(), BaseURL: "http://127.0.0.1/"})
	staff := accounts.Principal{User: accounts.User{ID: 1, Email: "bench@example.test", Roles: []accounts.Role{accounts.RoleSupport}}}
	if _, err := svc.OpenIncident(ctx, staff, status.IncidentInput{TitleNL: "Trage webservers", TitleEN: "Slow web servers", MessageNL: "We onderzoeken het.", Impact: "minor", ServerIDs: []int64{1}}); err != nil {
		return err
	}
	if _, err := svc.ScheduleMaintenance(ctx, staff, status.MaintenanceInput{Kind: status.Planned, TitleNL: "Nieuwe schijven", StartsAt: now.Add(72 * time.Hour),
		EndsAt: now.Add(74 * time.Hour), ServerIDs: []int64{2, 3}}); err != nil {
		return err
	}
	acc := accounts.New(db, clk, accounts.Config{BaseURL: "http://127.0.0.1/", ProviderName: "bench"})
	h, err := web.New(web.Deps{DB: db, Clock: clk, Accounts: acc, Status: svc, Config: web.Config{BaseURL: "http://127.0.0.1/"}})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	target := "http://" + ln.Addr().String() + *path
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *conc, MaxConnsPerHost: *conc, DisableCompression: true}}
	get := func() (*http.Response, error) {
		req, err := http.NewRequest(http.MethodGet, target, nil)
		if err != nil {
			return nil, err
		}
		if *gz {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		return client.Do(req)
	}
	// Warm up: the first request renders the page.
	if resp, err := get(); err != nil {
		return err
	} else {
		out := io.Discard
		if *dump {
			out = stdout
		}
		_, _ = io.Copy(out, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", *path, resp.Status)
		}
		if *dump {
			return nil
		}
	}
	var ok, failed atomic.Int64
	var bytesRead atomic.Int64
	deadline := time.Now().Add(*dur)
	start := time.Now()
	var wg sync.WaitGroup
	for range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				resp, err := get()
				if err != nil {
					failed.Add(1)
					continue
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				bytesRead.Add(n)
				if resp.StatusCode == http.StatusOK {
					ok.Add(1)
				} else {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	fmt.Fprintf(stdout, "bench status: GET %s, %d connections, gzip %t, %s (client and server in one process on loopback)\n", *path, *conc, *gz, elapsed.Round(time.Millisecond))
	fmt.Fprintf(stdout, "requests:      %d ok, %d failed, %d bytes each\n", ok.Load(), failed.Load(), bytesRead.Load()/max(ok.Load(), 1))
	fmt.Fprintf(stdout, "requests/s:    %.0f\n", float64(ok.Load())/elapsed.Seconds())
	return nil
}
