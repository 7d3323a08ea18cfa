package app_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/compensation"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/monitor/probe"
	"github.com/hostpact/hostpact/internal/status"
	"github.com/hostpact/hostpact/internal/terms"
)

// amsterdam is a moment on a day of 2026 at hh:mm Amsterdam time.
func amsterdam(month time.Month, day, hh, mm int) time.Time {
	return time.Date(2026, month, day, hh, mm, 0, 0, clock.Amsterdam)
}

// TestSLAScenario is issue 10's "must show", through the real services and the job
// runner on the fake clock: a shared web server's IMAP is down for 107 minutes at two
// of three probe locations; the third location has twenty minutes of network trouble
// of its own that afternoon, which is no outage; maintenance announced five days ahead
// falls inside the outage. Two customers are on the server: one who pays on time, and
// one whose first invoice (due 15 February) is overdue when the outage begins. The month is frozen an
// hour after it ends; the customer who paid claims in the portal (within 15 days of
// the outage's end), billing approves, and the credit is set off on the next invoice.
func TestSLAScenario(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		pays, payer := e.customer(accounts.Business, "Jansen Bakkerij", "webhosting/business")
		late, laterSub := e.customer(accounts.Business, "Pietersen Fietsen", "webhosting/business")
		e.runThrough(e.today())
		first := e.firstInvoice(pays.ID)
		e.pay(first, first.AmountDue)

		// The shared web server and what it is measured by (cp.sla.availability.2).
		web, err := e.a.Monitor.CreateServer(e.ctx, e.staff, monitor.ServerInput{Name: "web01.ams", Kind: "webhosting", Location: "Amsterdam"})
		if err != nil {
			t.Fatal(err)
		}
		specs := []monitor.ComponentInput{
			{Name: "http", Spec: probe.Spec{Kind: probe.KindHTTP, URL: "http://web01.test/", Address: "127.0.0.1:18080"}},
			{Name: "https", Spec: probe.Spec{Kind: probe.KindHTTPS, URL: "https://web01.test/", Address: "127.0.0.1:18443"}},
			{Name: "mysql", Spec: probe.Spec{Kind: probe.KindMySQL, Address: "127.0.0.1:13306"}},
			{Name: "pop3", Spec: probe.Spec{Kind: probe.KindPOP3, Address: "127.0.0.1:18110", Security: "starttls"}},
			{Name: "imap", Spec: probe.Spec{Kind: probe.KindIMAP, Address: "127.0.0.1:18143", Security: "starttls"}},
			{Name: "smtp", Spec: probe.Spec{Kind: probe.KindSMTP, Address: "127.0.0.1:18025", Security: "starttls"}},
			{Name: "dns", Target: "ns1", Spec: probe.Spec{Kind: probe.KindDNS, Zone: "web01.test", Address: "127.0.0.1:18053"}},
			{Name: "dns", Target: "ns2", Spec: probe.Spec{Kind: probe.KindDNS, Zone: "web01.test", Address: "127.0.0.1:18054"}},
		}
		var comps []monitor.Component
		for _, in := range specs {
			in.Interval = time.Minute
			c, err := e.a.Monitor.AddComponent(e.ctx, e.staff, web.ID, in)
			if err != nil {
				t.Fatalf("component %s: %v", in.Name, err)
			}
			comps = append(comps, c)
		}
		for _, p := range []struct{ org, sub int64 }{{pays.ID, payer}, {late.ID, laterSub}} {
			if err := e.a.Monitor.Place(e.ctx, e.staff, p.sub, p.org, web.ID); err != nil {
				t.Fatal(err)
			}
		}

		// 19 February: maintenance on 24 February 10:30-11:00, announced in time.
		e.runThrough(d("2026-02-19"))
		maint, err := e.a.Status.ScheduleMaintenance(e.ctx, e.staff, status.MaintenanceInput{Kind: status.Planned,
			TitleNL: "Nieuwe opslag", TitleEN: "New storage", StartsAt: amsterdam(2, 24, 10, 30), EndsAt: amsterdam(2, 24, 11, 0),
			ServerIDs: []int64{web.ID}})
		if err != nil {
			t.Fatal(err)
		}

		if !maint.Announced {
			t.Fatalf("maintenance five days ahead is not announced in time: %+v", maint.Explanation)
		}
		// The affected customers were told, each once (cp.av.12.2).
		eq(t, "maintenance mails", e.count(`SELECT COUNT(*) FROM mail_outbox WHERE subject LIKE '%Nieuwe opslag%'`), 2)

		// 24 February, 09:00-15:00, one check a minute from each location.
		outFrom, outTo := amsterdam(2, 24, 10, 12), amsterdam(2, 24, 11, 59)
		troubleFrom, troubleTo := amsterdam(2, 24, 14, 0), amsterdam(2, 24, 14, 20)
		e.clk.Set(amsterdam(2, 24, 15, 1))
		for _, c := range comps {
			var rs []monitor.Result
			for at := amsterdam(2, 24, 9, 0); !at.After(amsterdam(2, 24, 15, 0)); at = at.Add(time.Minute) {
				for _, loc := range []string{"ams1", "fra1", "lon1"} {
					r := monitor.Result{ComponentID: c.ID, Location: loc, At: at, OK: true}
					imapDown := c.Name == "imap" && loc != "lon1" && !at.Before(outFrom) && at.Before(outTo)
					lonTrouble := loc == "lon1" && !at.Before(troubleFrom) && at.Before(troubleTo)
					if imapDown || lonTrouble {
						r.OK, r.Reason = false, "probe.timeout"
					}
					rs = append(rs, r)
				}
			}
			if err := e.a.Monitor.Record(e.ctx, rs); err != nil {
				t.Fatal(err)
			}
		}
		e.runThrough(d("2026-02-25"))

		// One confirmed outage: IMAP, 10:12-11:59; lon1's trouble is none.
		outages, err := e.a.Monitor.OutagesBetween(e.ctx, e.db, amsterdam(2, 1, 0, 0), amsterdam(3, 1, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if len(outages) != 1 || outages[0].Component != "imap" || !outages[0].From.Equal(outFrom) || !outages[0].To.Equal(outTo) {
			t.Fatalf("outages %+v, want imap %s-%s", outages, outFrom, outTo)
		}
		// The status page's incident followed the outage and resolved itself.
		incs, err := e.a.Status.Incidents(e.ctx, e.staff, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(incs) != 1 || !incs[0].Automatic || incs[0].Open() || !incs[0].OpenedAt.Equal(outFrom) {
			t.Fatalf("incidents %+v", incs)
		}

		// The payer claims in the portal while the month runs: the live figure offers it.
		payerUser, err := e.a.Accounts.FindUserByEmail(e.ctx, "admin@jansen.test")
		if err != nil {
			t.Fatal(err)
		}
		payerOrg, err := e.a.Accounts.GetOrganisation(e.ctx, e.staff, pays.ID)
		if err != nil {
			t.Fatal(err)
		}
		customer := accounts.Principal{User: payerUser, Org: &payerOrg}
		live, err := e.a.Compensation.MonthOf(e.ctx, customer, payer, "2026-02")
		if err != nil {
			t.Fatal(err)
		}
		if !live.CanClaim || live.Figure.Frozen || live.Figure.DownMinutes != 77 {
			t.Fatalf("live February: can claim %v, frozen %v, D %d", live.CanClaim, live.Figure.Frozen, live.Figure.DownMinutes)
		}
		claim, err := e.a.Compensation.Claim(e.ctx, customer, payer, "2026-02", "IMAP werkte niet op 24 februari.")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.a.Compensation.Claim(e.ctx, customer, laterSub, "2026-02", ""); err == nil {
			t.Fatal("a customer claimed for another customer's service")
		}

		// 1 March, 10:00: February is frozen (an hour after it ended).
		e.runThrough(d("2026-03-01"))
		fig := func(sub int64) compensation.Figure {
			t.Helper()
			m, err := e.a.Compensation.MonthOf(e.ctx, e.staff, sub, "2026-02")
			if err != nil {
				t.Fatal(err)
			}
			if !m.Figure.Frozen {
				t.Fatalf("February of subscription %d is not frozen", sub)
			}
			return m.Figure
		}
		paid, overdue := fig(payer), fig(laterSub)
		// 107 minutes down, 30 of them in announced maintenance (cp.sla.exclusions.1): D 77,
		// so 20% of the month's fee of EUR 14.95 (cp.sla.compensation.2).
		eq(t, "payer: D", paid.DownMinutes, 77)
		eq(t, "payer: excluded minutes", paid.Result.ExcludedMinutes, 30)
		eq(t, "payer: credit %", paid.CreditPercent, 20)
		eq(t, "payer: credit", paid.Credit, eur299)
		eq(t, "payer: maintenance excluded", len(paid.Detail.Exclusions), 1)
		eq(t, "payer: exclusion reason", paid.Detail.Exclusions[0].Reason, "maintenance-announced")
		explains(t, "payer", paid, "cp.sla.exclusions.1", "cp.sla.compensation.2")
		// The outage began while the other customer's first invoice was overdue
		// (cp.sla.exclusions.8, A03): none of it counts.
		eq(t, "overdue: D", overdue.DownMinutes, 0)
		eq(t, "overdue: credit %", overdue.CreditPercent, 0)
		eq(t, "overdue: credit", overdue.Credit, terms.Money(0))
		if len(overdue.Detail.Overdue) == 0 {
			t.Error("overdue: no overdue period recorded")
		}
		explains(t, "overdue", overdue, "cp.sla.exclusions.8")

		// Billing approves the claim; it becomes account credit (cp.sla.compensation.5).
		e.runThrough(d("2026-03-02"))
		decided, err := e.a.Compensation.Decide(e.ctx, e.staff, claim.ID, true, "Gemeten storing, op tijd geclaimd.")
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "claim status", decided.Status, "approved")
		eq(t, "claim credit", decided.Credit, eur299)
		if _, err := e.a.Compensation.Decide(e.ctx, e.staff, claim.ID, true, "nog eens"); err == nil {
			t.Error("a claim was decided twice")
		}
		// The customer is told, in Dutch, with the amount in Dutch form.
		if got := e.mails(fmt.Sprintf("sla-claim-decision:%d", claim.ID)); len(got) != 1 || !strings.Contains(got[0], "is toegekend: € 2,99 staat als tegoed") {
			t.Errorf("decision mail: %q", got)
		}
		bal, err := e.a.Billing.CreditBalance(e.ctx, e.staff, pays.ID)
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "credit balance", bal, eur299)

		// The next invoice (15 March) sets the credit off.
		e.runThrough(d("2026-03-16"))
		list, _, err := e.a.Billing.ListInvoices(e.ctx, e.staff, billing.InvoiceFilter{OrgID: pays.ID, DocType: billing.DocInvoice}, billing.Page{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var setOff terms.Money
		for _, inv := range list {
			full, err := e.a.Billing.GetInvoice(e.ctx, e.staff, inv.ID)
			if err != nil {
				t.Fatal(err)
			}
			if full.CreditApplied > 0 {
				setOff += full.CreditApplied
				if full.AmountDue != full.TotalIncl-full.CreditApplied {
					t.Errorf("invoice %s: due %s, total %s, credit %s", full.Number, full.AmountDue, full.TotalIncl, full.CreditApplied)
				}
			}
		}
		eq(t, "credit set off on invoices", setOff, eur299)
		if bal, _ = e.a.Billing.CreditBalance(e.ctx, e.staff, pays.ID); bal != 0 {
			t.Errorf("credit left after set-off: %s", bal)
		}
	})
}

// eur299 is 20% of the Business plan's EUR 14.95 a month.
var eur299, _ = terms.ParseMoney("2.99")

// explains fails unless the figure's explanation names every clause.
func explains(t *testing.T, who string, f compensation.Figure, clauses ...string) {
	t.Helper()
	var all []string
	for _, st := range f.Explanation {
		all = append(all, st.Clause)
	}
	joined := strings.Join(all, " ")
	for _, c := range clauses {
		if !strings.Contains(joined, c) {
			t.Errorf("%s: explanation does not name %s (it names %s)", who, c, joined)
		}
	}
}
