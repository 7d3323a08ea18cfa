package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/store"
)

var damping = AlertConfig{RecoverAfter: 5 * time.Minute, FlapWindow: 30 * time.Minute, FlapCount: 2}

// failing is the scenario's check outcome per minute: a ten-minute outage, then a
// component that keeps failing briefly.
func failing(i int) bool {
	switch i {
	case 40, 41, 44, 45, 48, 49:
		return true
	}
	return i >= 10 && i < 20
}

// scenario reports one check a minute for 90 minutes and evaluates after each; eval
// runs the evaluator (and may retry it).
func scenario(t *testing.T, e *env, comp int64, eval func(now time.Time)) {
	for i := range 91 {
		e.clk.Set(t0.Add(time.Duration(i) * time.Minute))
		r := Result{ComponentID: comp, Location: "ams", At: e.clk.Now(), OK: !failing(i)}
		if !r.OK {
			r.Reason = "probe.connect.refused"
		}
		if err := e.svc.Record(e.ctx, []Result{r}); err != nil {
			t.Fatal(err)
		}
		eval(e.clk.Now().Add(5 * time.Second))
	}
}

type outcome struct {
	outages, hooks, alerts, mails string
}

func (e *env) outcome() outcome {
	e.t.Helper()
	var o outcome
	os, err := e.svc.OutagesBetween(e.ctx, e.db, t0, t0.Add(3*time.Hour))
	if err != nil {
		e.t.Fatal(err)
	}
	for _, x := range os {
		o.outages += fmt.Sprintf("[%s,%s %s) ", x.From.Sub(t0), x.To.Sub(t0), x.Reason)
	}
	rows, _ := e.db.QueryContext(e.ctx, `SELECT kind, outage_id FROM hook_calls ORDER BY outage_id, kind DESC`)
	for rows.Next() {
		var k string
		var id int64
		_ = rows.Scan(&k, &id)
		o.hooks += fmt.Sprintf("%s:%d ", k, id)
	}
	rows.Close()
	rows, _ = e.db.QueryContext(e.ctx, `SELECT kind, created_at FROM monitor_alerts ORDER BY id`)
	for rows.Next() {
		var k string
		var at time.Time
		_ = rows.Scan(&k, &at)
		o.alerts += fmt.Sprintf("%s@%s ", k, at.Sub(t0).Truncate(time.Minute))
	}
	rows.Close()
	o.mails = fmt.Sprint(e.count("mail_outbox", "dedupe_key LIKE 'monitor-alert:%'"))
	return o
}

const (
	wantOutages = "[10m0s,20m0s probe.connect.refused) [40m0s,42m0s probe.connect.refused) [44m0s,46m0s probe.connect.refused) [48m0s,50m0s probe.connect.refused) "
	wantAlerts  = "down@11m0s up@25m0s down@41m0s flapping@49m0s quiet@1h20m0s "
)

func TestEvaluateOutagesHooksAndDampedAlerts(t *testing.T) {
	each(t, damping, func(t *testing.T, e *env) {
		sv := e.server("web1", "webhosting")
		c := e.component(sv, "imap", "127.0.0.1:143")
		sawOngoing := false
		scenario(t, e, c.ID, func(now time.Time) {
			if err := e.svc.Evaluate(e.ctx, now); err != nil {
				t.Fatal(err)
			}
			if now.Sub(t0).Truncate(time.Minute) == 15*time.Minute {
				st, _ := e.svc.Components(e.ctx, support, sv.ID)
				open, _ := e.svc.Outages(e.ctx, support, OutageFilter{Open: true}, Page{})
				sawOngoing = st[0].State == "down" && len(open) == 1 && open[0].To.IsZero()
			}
		})
		if !sawOngoing {
			t.Error("the outage was not ongoing while it lasted")
		}
		o := e.outcome()
		eq(t, "outages", o.outages, wantOutages)
		eq(t, "alerts", o.alerts, wantAlerts)
		eq(t, "hooks", o.hooks, "start:1 end:1 start:2 end:2 start:3 end:3 start:4 end:4 ")
		eq(t, "one mail per alert", o.mails, "5")
		st, _ := e.svc.Components(e.ctx, support, sv.ID)
		eq(t, "state at the end", st[0].State, "up")
	})
}

// TestEvaluateCrashAndRestart aborts the evaluator at random points (seeded) and runs it
// again until it completes: every outage, hook call, alert and mail happens once, as
// in the run without crashes.
func TestEvaluateCrashAndRestart(t *testing.T) {
	each(t, damping, func(t *testing.T, e *env) {
		sv := e.server("web1", "webhosting")
		c := e.component(sv, "imap", "127.0.0.1:143")
		other := e.component(sv, "pop3", "127.0.0.1:110")
		rng := rand.New(rand.NewPCG(7, uint64(len(t.Name()))))
		crashes := 0
		scenario(t, e, c.ID, func(now time.Time) {
			_ = e.svc.Record(e.ctx, []Result{{ComponentID: other.ID, Location: "ams", At: now, OK: true}})
			for attempt := 0; ; attempt++ {
				ctx, cancel := context.WithCancel(e.ctx)
				e.svc.failpoint = func(string) error {
					if attempt < 5 && rng.IntN(3) == 0 {
						if rng.IntN(2) == 0 {
							cancel()
							return context.Canceled
						}
						return errors.New("injected crash")
					}
					return nil
				}
				err := e.svc.Evaluate(ctx, now)
				cancel()
				if err == nil {
					break
				}
				crashes++
				if attempt > 20 {
					t.Fatal(err)
				}
			}
			// A second run at the same moment changes nothing.
			e.svc.failpoint = nil
			if err := e.svc.Evaluate(e.ctx, now); err != nil {
				t.Fatal(err)
			}
		})
		if crashes == 0 {
			t.Fatal("no crash was injected")
		}
		o := e.outcome()
		eq(t, "outages", o.outages, wantOutages)
		eq(t, "alerts", o.alerts, wantAlerts)
		eq(t, "hooks", o.hooks, "start:1 end:1 start:2 end:2 start:3 end:3 start:4 end:4 ")
		eq(t, "mails", o.mails, "5")
	})
}

// A result that arrives late or twice changes nothing, and an outage seen by one of two
// locations only is no outage.
func TestEvaluateMajorityOfLocations(t *testing.T) {
	each(t, damping, func(t *testing.T, e *env) {
		sv := e.server("web1", "webhosting")
		c := e.component(sv, "imap", "127.0.0.1:143")
		rs := results(c.ID, "ams", t0, 30, func(i int) bool { return i < 10 || i >= 15 })
		rs = append(rs, results(c.ID, "fra", t0, 30, func(int) bool { return true })...)
		rs = append(rs, results(c.ID, "lon", t0, 30, func(int) bool { return true })...)
		if err := e.svc.Record(e.ctx, rs); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Evaluate(e.ctx, t0.Add(30*time.Minute)); err != nil {
			t.Fatal(err)
		}
		eq(t, "outages", e.count("monitor_outages", "TRUE"), 0)
	})
}

type hookSink struct {
	mu   sync.Mutex
	ids  map[string]int
	fail int
}

func (h *hookSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fail > 0 {
		h.fail--
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	var b webhookBody
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil || r.Header.Get("Idempotency-Key") == "" {
		http.Error(w, "bad", http.StatusBadRequest)
		return
	}
	h.ids[fmt.Sprintf("%d:%s", b.ID, b.Kind)]++
	w.WriteHeader(http.StatusNoContent)
}

// Webhooks are retried until the receiver takes them; a crash between the POST and
// marking it sent repeats it with the same id, and nothing else is repeated.
func TestWebhookDeliveryRetriesAndCrash(t *testing.T) {
	sink := &hookSink{ids: map[string]int{}, fail: 2}
	srv := httptest.NewServer(sink)
	t.Cleanup(srv.Close)
	cfg := damping
	cfg.Webhook = srv.URL
	storeRuns := 0
	each(t, cfg, func(t *testing.T, e *env) {
		storeRuns++
		sink.mu.Lock()
		sink.ids, sink.fail = map[string]int{}, 2
		sink.mu.Unlock()
		sv := e.server("web1", "webhosting")
		c := e.component(sv, "imap", "127.0.0.1:143")
		scenario(t, e, c.ID, func(now time.Time) {
			if err := e.svc.Evaluate(e.ctx, now); err != nil {
				t.Fatal(err)
			}
		})
		now := e.clk.Now()
		for range 3 {
			if err := e.svc.DeliverWebhooks(e.ctx, now); err != nil {
				t.Fatal(err)
			}
			now = now.Add(time.Hour)
		}
		crashed := false
		e.svc.failpoint = func(p string) error {
			if p == "webhook:after-post" && !crashed {
				crashed = true
				return errors.New("injected crash")
			}
			return nil
		}
		// One more alert, delivered with a crash after its POST.
		e.clk.Set(now)
		if err := e.svc.Record(e.ctx, results(c.ID, "ams", now, 3, func(int) bool { return false })); err != nil {
			t.Fatal(err)
		}
		_ = e.svc.Evaluate(e.ctx, now.Add(2*time.Minute))
		if err := e.svc.DeliverWebhooks(e.ctx, now.Add(3*time.Minute)); err == nil {
			t.Fatal("crash not injected")
		}
		if err := e.svc.DeliverWebhooks(e.ctx, now.Add(3*time.Minute)); err != nil {
			t.Fatal(err)
		}
		sink.mu.Lock()
		defer sink.mu.Unlock()
		for k, n := range sink.ids {
			if n > 1 && !strings.HasSuffix(k, ":down") {
				t.Errorf("alert %s posted %d times", k, n)
			}
		}
		eq(t, "distinct alerts delivered", len(sink.ids), 6)
		eq(t, "pending", e.count("monitor_alerts", "webhook_state <> 'sent'"), 0)
		as, _ := e.svc.Alerts(e.ctx, support, Page{})
		eq(t, "alerts listed", len(as), 6)
	})
}

// Results that a location delivers after the evaluator has moved on beyond its lookback
// are found once staff ask for the component to be evaluated again from their time.
func TestReevaluateFindsLateResults(t *testing.T) {
	each(t, damping, func(t *testing.T, e *env) {
		sv := e.server("web1", "webhosting")
		c := e.component(sv, "imap", "127.0.0.1:143")
		late := t0.Add(2 * time.Hour)
		// The only location was cut off for two hours: the evaluator ran without its
		// results, then it delivers them all at once, a 20-minute outage included.
		if err := e.svc.Evaluate(e.ctx, late); err != nil {
			t.Fatal(err)
		}
		e.clk.Set(late)
		if err := e.svc.Record(e.ctx, results(c.ID, "ams", t0, 121, func(i int) bool { return i < 20 || i >= 40 })); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Evaluate(e.ctx, late.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		eq(t, "outages before re-evaluation", e.count("monitor_outages", "TRUE"), 0)
		if err := e.svc.Reevaluate(e.ctx, billingP, c.ID, t0); err == nil {
			t.Fatal("billing staff re-evaluated a component")
		}
		if err := e.svc.Reevaluate(e.ctx, support, c.ID, late.Add(time.Hour)); err == nil {
			t.Fatal("re-evaluation from the future accepted")
		}
		if err := e.svc.Reevaluate(e.ctx, support, c.ID, t0); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Evaluate(e.ctx, late.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		os, err := e.svc.OutagesBetween(e.ctx, e.db, t0, late)
		if err != nil {
			t.Fatal(err)
		}
		if len(os) != 1 || !os[0].From.Equal(t0.Add(20*time.Minute)) || !os[0].To.Equal(t0.Add(40*time.Minute)) {
			t.Fatalf("outages %+v, want one from minute 20 to 40", os)
		}
	})
}

// A deleted server's outages stay, with their component's name, as the evidence of the
// SLA figures; one still open ends when the server goes.
func TestDeletedServerKeepsItsOutages(t *testing.T) {
	each(t, damping, func(t *testing.T, e *env) {
		sv := e.server("web9", "webhosting")
		c := e.component(sv, "imap", "127.0.0.1:143")
		if err := e.svc.Record(e.ctx, results(c.ID, "ams", t0, 10, func(i int) bool { return i < 3 })); err != nil {
			t.Fatal(err)
		}
		e.clk.Set(t0.Add(10 * time.Minute))
		if err := e.svc.Evaluate(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.DeleteServer(e.ctx, support, sv.ID); err != nil {
			t.Fatal(err)
		}
		os, err := e.svc.OutagesBetween(e.ctx, e.db, t0, t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(os) != 1 || os[0].Component != "imap" || os[0].Target != "127.0.0.1:143" || !os[0].To.Equal(e.clk.Now()) {
			t.Fatalf("outages after deletion: %+v", os)
		}
	})
}

type staffDir []Contact

func (d staffDir) SupportContacts(context.Context, store.Querier) ([]Contact, error) { return d, nil }

// Without configured addresses the support staff are alerted, each in their language.
func TestAlertsReachSupportInTheirLanguage(t *testing.T) {
	each(t, damping, func(t *testing.T, e *env) {
		e.svc.alerts.MailTo = nil
		e.svc.staff = staffDir{{Email: "sanne@example.test", Lang: "nl"}, {Email: "sam@example.test", Lang: "en"}}
		sv := e.server("web1", "webhosting")
		c := e.component(sv, "imap", "127.0.0.1:143")
		if err := e.svc.Record(e.ctx, results(c.ID, "ams", t0, 10, func(i int) bool { return i < 3 })); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Evaluate(e.ctx, t0.Add(10*time.Minute)); err != nil {
			t.Fatal(err)
		}
		for addr, want := range map[string]string{"sanne@example.test": "Storing: web1 imap", "sam@example.test": "Outage: web1 imap"} {
			var subject string
			if err := e.db.QueryRowContext(e.ctx, `SELECT subject FROM mail_outbox WHERE to_addr = $1`, addr).Scan(&subject); err != nil || subject != want {
				t.Errorf("%s: subject %q (%v), want %q", addr, subject, err, want)
			}
		}
	})
}
