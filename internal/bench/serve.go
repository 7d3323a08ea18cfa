package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hostpact/hostpact/internal/demo"
)

// Serve measures the resident memory of a real server process: it starts this binary's
// `hostpact demo` (serve with the demo data: web and jobs roles) on a loopback port and
// a temporary SQLite file, reads VmRSS and VmHWM from /proc/PID/status once it answers
// and has settled (idle), then loads the customer portal with `concurrency` signed-in
// connections for `duration` and reads them again (loaded).
func Serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	conc := fs.Int("concurrency", 50, "concurrent keep-alive connections for the loaded figure")
	dur := fs.Duration("duration", 20*time.Second, "how long to load the portal")
	settle := fs.Duration("settle", 5*time.Second, "wait this long after the server answers before reading the idle figure")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *conc <= 0 || *dur <= 0 {
		return errors.New("concurrency and duration must be positive")
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "hostpact-bench-serve-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.CommandContext(ctx, exe, "demo", "--addr", addr, "--db", filepath.Join(dir, "demo.db"))
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}()
	base := "http://" + addr
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *conc, MaxConnsPerHost: *conc},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("hostpact demo on %s did not answer within 2 minutes", addr)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(*settle):
	}
	idleRSS, idlePeak := pidMemory(cmd.Process.Pid)

	form := url.Values{"email": {"marieke@bakkerijjansen.test"}, "password": {demo.Password}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	var cookies []string
	for _, c := range resp.Cookies() {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	if resp.StatusCode != http.StatusSeeOther || len(cookies) == 0 {
		return fmt.Errorf("sign-in: status %d", resp.StatusCode)
	}
	paths := []string{"/portal/", "/portal/invoices", "/portal/contracts"}
	var mu sync.Mutex
	var samples []time.Duration
	failed := 0
	stop := time.Now().Add(*dur)
	var wg sync.WaitGroup
	for w := range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			bad := 0
			for i := w; time.Now().Before(stop) && ctx.Err() == nil; i++ {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+paths[i%len(paths)], nil)
				req.Header.Set("Cookie", strings.Join(cookies, "; "))
				t := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					bad++
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					bad++
					continue
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			samples, failed = append(samples, mine...), failed+bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	loadedRSS, loadedPeak := pidMemory(cmd.Process.Pid)
	fmt.Fprintf(stdout, "bench serve: `hostpact demo` (web and jobs roles, SQLite demo data) as a separate process, pid %d\n", cmd.Process.Pid)
	fmt.Fprintf(stdout, "idle (answering, %s settled):  VmRSS %.1f MiB, VmHWM %.1f MiB\n", *settle, mib(idleRSS), mib(idlePeak))
	fmt.Fprintf(stdout, "loaded (%d connections, %s of portal home, invoices and contracts: %d ok, %d failed, median %s, p99 %s):\n",
		*conc, *dur, len(samples), failed, ms(percentile(samples, 50)), ms(percentile(samples, 99)))
	fmt.Fprintf(stdout, "                                VmRSS %.1f MiB, VmHWM %.1f MiB\n", mib(loadedRSS), mib(loadedPeak))
	fmt.Fprintf(stdout, "load average:                   %s\n", loadAverage())
	return ctx.Err()
}

// pidMemory reads a process's VmRSS and VmHWM, in bytes.
func pidMemory(pid int) (rss, peak int64) {
	return statusMemory(fmt.Sprintf("/proc/%d/status", pid))
}
