package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/sla"
	"github.com/hostpact/hostpact/internal/store"
)

// slaMonitor is the test kit's monitor: every subscription is placed on server web1,
// whose checks the test sets.
type slaMonitor struct {
	mu     sync.Mutex
	checks []sla.Check
}

func (m *slaMonitor) ServersOf(context.Context, store.Querier, int64) ([]monitor.Server, error) {
	return []monitor.Server{{ID: 1, Name: "web1"}}, nil
}

func (m *slaMonitor) ServiceChecks(_ context.Context, _ store.Querier, _ int64, from, to time.Time) ([]sla.Check, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []sla.Check
	for _, c := range m.checks {
		if !c.At.Before(from) && c.At.Before(to) {
			out = append(out, c)
		}
	}
	return out, nil
}

// outage: IMAP fails from two of three locations for down minutes from start.
func (m *slaMonitor) outage(start time.Time, down int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, loc := range []string{"ams1", "fra1", "lon1"} {
		for i := -5; i < down+5; i++ {
			m.checks = append(m.checks, sla.Check{Component: "imap", Target: "web1", Location: loc,
				At: start.Add(time.Duration(i) * time.Minute), OK: loc == "lon1" || i < 0 || i >= down})
		}
	}
}

var claimIDRE = regexp.MustCompile(`/staff/sla/claims/(\d+)`)

// TestSLAPortalClaimAndStaffDecision: the customer sees the month in plain Dutch
// sentences, claims from the portal; staff see the claim first in the queue, cannot
// decide before the month is frozen, then approve it, and the customer sees the credit.
func TestSLAPortalClaimAndStaffDecision(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		_, u := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		con := e.order(e.customerPrincipal(u), "webhosting", "start", "")
		sub := con.Subscriptions[0].ID
		ams := func(d, h, m int) time.Time { return time.Date(2026, 3, d, h, m, 0, 0, clock.Amsterdam) }
		e.slaMon.outage(ams(4, 10, 0), 107)
		e.clk.Set(ams(10, 12, 0))

		c := e.client()
		c.login("marieke@jansen.test", "", "/portal/")
		r := c.get("/portal/availability")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Webhosting", "maart 2026", "1 uur 47 min.", `data-label=`, fmt.Sprintf(`/portal/availability/%d/2026-03`, sub))
		month := fmt.Sprintf("/portal/availability/%d/2026-03", sub)
		r = c.get(month)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Van 04-03-2026 10:00 tot 04-03-2026 11:47 was je dienst niet beschikbaar (1 uur 47 min.).",
			"Je hebt recht op 40% van het maandbedrag", "€ 1,58", "tot en met 19 maart 2026", `id="sla-claim"`, "cp.sla.compensation.2")
		c.expect(c.post(month+"/claim", url.Values{"message": {"IMAP lag eruit"}}), http.StatusSeeOther, month)
		r = c.get(month)
		contains(t, r.Body, "De aanvraag is ontvangen.", "wordt beoordeeld")
		lacks(t, r.Body, `id="sla-claim"`)

		e.staff("sam@provider.test", accounts.RoleSupport)
		sc := e.client()
		sc.login("sam@provider.test", staffSecret, "/staff/")
		r = sc.get("/staff/sla")
		sc.expect(r, http.StatusOK, "")
		m := claimIDRE.FindStringSubmatch(r.Body)
		if m == nil {
			t.Fatalf("no claim in the queue:\n%s", excerpt(r.Body))
		}
		claim := m[0]
		sc.expect(sc.get(claim), http.StatusOK, "")
		sc.expect(sc.post(claim+"/decide", url.Values{"decision": {"approve"}}), http.StatusSeeOther, claim)
		contains(t, sc.get(claim).Body, "nog niet definitief")

		e.clk.Set(time.Date(2026, 4, 1, 2, 0, 0, 0, clock.Amsterdam))
		if err := e.comp.Freeze(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		// Three weeks later both sessions have expired.
		sc = e.client()
		sc.login("sam@provider.test", staffSecret, "/staff/")
		c = e.client()
		c.login("marieke@jansen.test", "", "/portal/")
		sc.expect(sc.post(claim+"/decide", url.Values{"decision": {"approve"}, "note": {"gemeten"}}), http.StatusSeeOther, claim)
		contains(t, sc.get(claim).Body, "De aanvraag is toegekend")
		r = sc.get(fmt.Sprintf("/staff/sla/months/%d/2026-03", sub))
		sc.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Deze cijfers zijn definitief", "web1", "explain-steps")

		r = c.get(month)
		contains(t, r.Body, "is toegekend: € 1,58 staat als tegoed op je account.")
		if bal, err := e.bill.CreditBalance(e.ctx, e.customerPrincipal(u), u.OrgID); err != nil || bal.Cents() != 158 {
			t.Fatalf("account credit %v %v", bal, err)
		}

		// A breach is recorded after a confirmation; the month's credit is void from then.
		staffMonth := fmt.Sprintf("/staff/sla/months/%d/2026-03", sub)
		r = sc.get(staffMonth + "/breach")
		sc.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Daarmee vervalt de compensatie van die maand (nu € 1,58).", `class="button danger"`)
		sc.expect(sc.post(staffMonth+"/breach", url.Values{"reason": {"spam verstuurd"}}), http.StatusSeeOther, staffMonth)
		contains(t, c.get(month).Body, "Voor deze maand is een overtreding van de algemene voorwaarden vastgesteld")
	})
}

// TestSLAStaffExclusion records a DDoS exclusion through the staff form; a customer
// cannot reach the staff page.
func TestSLAStaffExclusion(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff("sam@provider.test", accounts.RoleSupport)
		sc := e.client()
		sc.login("sam@provider.test", staffSecret, "/staff/")
		r := sc.get("/staff/sla/exclusions")
		sc.expect(r, http.StatusOK, "")
		contains(t, r.Body, "een DDoS-aanval")
		lacks(t, r.Body, `value="maintenance-announced"`)
		r = sc.post("/staff/sla/exclusions", url.Values{"scope": {"server"}, "target": {"1"}, "from": {"2026-03-04T10:00"}, "to": {""},
			"reason": {"ddos"}, "evidence": {"melding provider"}})
		sc.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "to")
		sc.expect(sc.post("/staff/sla/exclusions", url.Values{"scope": {"server"}, "target": {"1"}, "from": {"2026-03-04T10:00"},
			"to": {"2026-03-04T11:00"}, "reason": {"ddos"}, "evidence": {"melding provider #42"}}), http.StatusSeeOther, "/staff/sla/exclusions")
		contains(t, sc.get("/staff/sla/exclusions").Body, "melding provider #42", "server 1")

		e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		c := e.client()
		c.login("marieke@jansen.test", "", "/portal/")
		if r := c.get("/staff/sla/exclusions"); r.Code != http.StatusForbidden {
			t.Fatalf("customer reached the staff page: %d", r.Code)
		}
	})
}
