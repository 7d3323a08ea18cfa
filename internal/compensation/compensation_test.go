package compensation

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/sla"
	"github.com/hostpact/hostpact/internal/terms"
)

// TestMonthFreezeClaimCredit: a shared web server's IMAP is down from two of three
// locations for 107 minutes, with 30 minutes of announced maintenance inside; one
// location's trouble with HTTP is no outage. The customer without an overdue invoice
// has D 77 and 20% of 25.00; the one whose invoice was overdue when the outage began
// has D 0. The month is frozen once, an hour after it ends; a claim made during the
// month is decided on the frozen figure in force (a correction) and becomes account
// credit once.
func TestMonthFreezeClaimCredit(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		e.sub(1, 1, 10)
		e.sub(2, 2, 10)
		start := at(2026, 3, 4, 10, 0)
		e.outage(10, "imap", start, 107, "ams1", "fra1")
		e.outage(10, "http", at(2026, 3, 9, 14, 0), 60, "lon1")
		e.mt.by[10] = []sla.Exclusion{{From: at(2026, 3, 4, 10, 30), To: at(2026, 3, 4, 11, 0), Reason: "maintenance-announced"}}
		e.bill.overdue[2] = []billing.Span{{From: at(2026, 3, 1, 0, 0), To: at(2026, 3, 4, 10, 5)}}

		e.clk.Set(at(2026, 3, 15, 12, 0))
		m1, err := e.svc.MonthOf(e.ctx, customer(1), 1, "2026-03")
		if err != nil {
			t.Fatal(err)
		}
		f := m1.Figure
		if f.Frozen || f.DownMinutes != 77 || f.Result.ExcludedMinutes != 30 || f.CreditPercent != 20 || f.Credit != terms.Money(500) {
			t.Fatalf("customer 1 live: %+v", f)
		}
		if !m1.CanClaim || m1.Deadline.LastDay != terms.D(2026, 3, 19) || !strings.Contains(strings.Join(m1.Clauses, " "), "cp.sla.exclusions.1") {
			t.Fatalf("customer 1 claim offer: can %v deadline %v clauses %v", m1.CanClaim, m1.Deadline, m1.Clauses)
		}
		m2, err := e.svc.MonthOf(e.ctx, customer(2), 2, "2026-03")
		if err != nil {
			t.Fatal(err)
		}
		if m2.Figure.DownMinutes != 0 || m2.Figure.Result.ExcludedMinutes != 107 || m2.Figure.Credit != 0 || m2.CanClaim {
			t.Fatalf("customer 2 (overdue): %+v", m2.Figure)
		}
		if _, err := e.svc.MonthOf(e.ctx, customer(2), 1, "2026-03"); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("another organisation's month: %v", err)
		}
		if _, err := e.svc.Claim(e.ctx, customer(2), 2, "2026-03", ""); !errors.Is(err, ErrNoCredit) {
			t.Fatalf("claim without credit: %v", err)
		}
		claim, err := e.svc.Claim(e.ctx, customer(1), 1, "2026-03", "IMAP was down")
		if err != nil || claim.Status != ClaimPending || claim.Credit != 500 {
			t.Fatalf("claim: %+v %v", claim, err)
		}
		if _, err := e.svc.Claim(e.ctx, customer(1), 1, "2026-03", ""); !errors.Is(err, ErrClaimed) {
			t.Fatalf("second claim: %v", err)
		}
		if _, err := e.svc.Decide(e.ctx, e.staff, claim.ID, true, ""); !errors.Is(err, ErrNotFrozen) {
			t.Fatalf("decided before the month is final: %v", err)
		}

		// Not frozen until an hour after the month's end (Amsterdam).
		e.clk.Set(at(2026, 4, 1, 0, 59))
		if err := e.svc.Freeze(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		if n := e.count(`SELECT COUNT(*) FROM sla_months WHERE month = '2026-03'`); n != 0 {
			t.Fatalf("%d months frozen before freeze_after_minutes", n)
		}
		e.clk.Set(at(2026, 4, 1, 1, 0))
		for range 2 {
			if err := e.svc.Freeze(e.ctx, e.clk.Now()); err != nil {
				t.Fatal(err)
			}
		}
		if n := e.count(`SELECT COUNT(*) FROM sla_months WHERE month = '2026-03'`); n != 2 {
			t.Fatalf("%d March figures, want 2", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_entries WHERE action = 'sla.month.freeze' AND summary LIKE '%2026-03%'`); n != 2 {
			t.Fatalf("%d freeze audit entries, want 2", n)
		}
		// Later results do not change a frozen month.
		e.outage(10, "smtp", at(2026, 3, 20, 10, 0), 300, "ams1", "fra1", "lon1")
		m1, _ = e.svc.MonthOf(e.ctx, customer(1), 1, "2026-03")
		if !m1.Figure.Frozen || m1.Figure.DownMinutes != 77 || m1.Figure.Digest == "" {
			t.Fatalf("frozen figure changed: %+v", m1.Figure)
		}
		// Customer 1 showed 43 more minutes; the correction is the figure in force.
		if _, err := e.svc.Correct(e.ctx, customer(1), 1, "2026-03", 120, "x"); !errors.Is(err, accounts.ErrForbidden) {
			t.Fatalf("customer corrected: %v", err)
		}
		c, err := e.svc.Correct(e.ctx, e.staff, 1, "2026-03", 120, "customer's logs show the outage began at 09:17")
		if err != nil || c.CreditPercent != 40 || c.Credit != 1000 {
			t.Fatalf("correction: %+v %v", c, err)
		}
		if n := e.count(`SELECT down_minutes FROM sla_months WHERE subscription_id = 1 AND month = '2026-03'`); n != 77 {
			t.Fatalf("the frozen row changed: %d", n)
		}
		if _, err := e.svc.Decide(e.ctx, e.staff, claim.ID, false, ""); err == nil {
			t.Fatal("rejected without a reason")
		}
		got, err := e.svc.Decide(e.ctx, e.staff, claim.ID, true, "measured")
		if err != nil || got.Status != ClaimApproved || got.Credit != 1000 {
			t.Fatalf("approve: %+v %v", got, err)
		}
		if _, err := e.svc.Decide(e.ctx, e.staff, claim.ID, true, ""); !errors.Is(err, ErrDecided) {
			t.Fatalf("approved twice: %v", err)
		}
		if cr := e.credit(1); cr != 1000 {
			t.Fatalf("account credit %s, want 10.00", cr)
		}
		if n := e.count(`SELECT COUNT(*) FROM account_credit WHERE source = 'sla-claim'`); n != 1 {
			t.Fatalf("%d credits", n)
		}
		// The portal overview lists the month with the figure in force.
		ov, err := e.svc.Availability(e.ctx, customer(1), 1, 3)
		if err != nil || len(ov) != 1 || len(ov[0].Months) != 3 || ov[0].Months[1].Figure.Month != "2026-03" || ov[0].Months[1].Figure.Credit != 1000 {
			t.Fatalf("overview: %+v %v", ov, err)
		}
	})
}

// TestClaimDeadlineAndEmail: the portal refuses a claim after the claim window; staff
// record an e-mail claim by when it was received.
func TestClaimDeadlineAndEmail(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		e.sub(3, 3, 20)
		e.outage(20, "https", at(2026, 3, 4, 10, 0), 50, "ams1", "fra1", "lon1")
		e.clk.Set(at(2026, 3, 20, 0, 0)) // 19 March was the last day
		if _, err := e.svc.Claim(e.ctx, customer(3), 3, "2026-03", ""); !errors.Is(err, ErrLate) {
			t.Fatalf("late portal claim: %v", err)
		}
		m, _ := e.svc.MonthOf(e.ctx, customer(3), 3, "2026-03")
		if m.CanClaim || m.Figure.Credit != 500 {
			t.Fatalf("offered after the deadline: %+v", m)
		}
		if _, err := e.svc.RecordEmailClaim(e.ctx, customer(3), 3, "2026-03", at(2026, 3, 19, 23, 0), ""); !errors.Is(err, accounts.ErrForbidden) {
			t.Fatalf("customer recorded an e-mail claim: %v", err)
		}
		c, err := e.svc.RecordEmailClaim(e.ctx, e.staff, 3, "2026-03", at(2026, 3, 19, 23, 0), "mail of 19 March")
		if err != nil || c.Channel != ChannelEmail || c.Status != ClaimPending {
			t.Fatalf("e-mail claim: %+v %v", c, err)
		}
		list, err := e.svc.Claims(e.ctx, e.staff, 0)
		if err != nil || len(list) != 1 {
			t.Fatalf("queue: %v %v", list, err)
		}
		if _, err := e.svc.Claims(e.ctx, customer(3), 0); err == nil {
			t.Fatal("customer read the claims queue")
		}
		if pending, err := e.svc.PendingClaims(e.ctx, e.staff, 10); err != nil || len(pending) != 1 || pending[0].ID != c.ID {
			t.Fatalf("pending claims: %v %v", pending, err)
		}
		if _, err := e.svc.PendingClaims(e.ctx, customer(3), 10); err == nil {
			t.Fatal("customer read the pending claims")
		}
	})
}

// TestExclusionsAndBreach: a DDoS recorded for the server is excluded from D; a breach
// voids the credit but not D; maintenance reasons are not for staff to record here.
func TestExclusionsAndBreach(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		e.sub(4, 4, 30)
		e.sub(5, 5, 31)
		e.outage(30, "dns", at(2026, 3, 10, 8, 0), 200, "ams1", "fra1") // one target: every nameserver
		e.outage(31, "smtp", at(2026, 3, 10, 8, 0), 200, "ams1", "fra1")
		e.clk.Set(at(2026, 3, 12, 0, 0))
		in := ExclusionInput{ServerID: 30, From: at(2026, 3, 10, 8, 0), To: at(2026, 3, 10, 9, 30), Reason: "ddos", Evidence: "upstream report #123"}
		if _, err := e.svc.RecordExclusion(e.ctx, customer(4), in); err == nil {
			t.Fatal("customer recorded an exclusion")
		}
		bad := in
		bad.Reason = "maintenance-announced"
		if _, err := e.svc.RecordExclusion(e.ctx, e.staff, bad); err == nil {
			t.Fatal("staff recorded maintenance as an exclusion")
		}
		if _, err := e.svc.RecordExclusion(e.ctx, e.staff, in); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.RecordBreach(e.ctx, e.staff, 5, "2026-03", "spam from the account (cp.av)"); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.RecordBreach(e.ctx, e.staff, 5, "2026-03", "again"); err == nil {
			t.Fatal("a second breach for the month")
		}
		m4, err := e.svc.MonthOf(e.ctx, customer(4), 4, "2026-03")
		if err != nil || m4.Figure.DownMinutes != 110 || m4.Figure.CreditPercent != 40 {
			t.Fatalf("ddos excluded: %+v %v", m4.Figure, err)
		}
		m5, err := e.svc.MonthOf(e.ctx, customer(5), 5, "2026-03")
		if err != nil || m5.Figure.DownMinutes != 200 || m5.Figure.CreditPercent != 0 || m5.Figure.Detail.Breach == "" {
			t.Fatalf("breach: %+v %v", m5.Figure, err)
		}
		if id, err := e.svc.RecordManual(e.ctx, e.staff, 5, at(2026, 3, 20, 0, 0), at(2026, 3, 20, 1, 0), "customer's uptime log"); err != nil || id == 0 {
			t.Fatal(err)
		}
		m5, _ = e.svc.MonthOf(e.ctx, customer(5), 5, "2026-03")
		if m5.Figure.DownMinutes != 260 || len(m5.Figure.Detail.Manual) != 1 {
			t.Fatalf("manual interval: %+v", m5.Figure)
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_entries WHERE action IN ('sla.exclusion.record', 'sla.breach.record', 'sla.manual.record')`); n != 3 {
			t.Fatalf("%d audit entries", n)
		}
		// A breach recorded after the month was frozen voids the credit through a
		// correction; the frozen row stays.
		e.clk.Set(at(2026, 4, 1, 2, 0))
		if err := e.svc.Freeze(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.RecordBreach(e.ctx, e.staff, 4, "2026-03", "reselling against the terms"); err != nil {
			t.Fatal(err)
		}
		m4, err = e.svc.MonthOf(e.ctx, customer(4), 4, "2026-03")
		if err != nil || !m4.Figure.Frozen || m4.Figure.Correction == nil || m4.Figure.CreditPercent != 0 || m4.Figure.DownMinutes != 110 || m4.Breach == "" {
			t.Fatalf("breach after freezing: %+v %v", m4, err)
		}
		if n := e.count(`SELECT credit_percent FROM sla_months WHERE subscription_id = 4 AND month = '2026-03'`); n != 40 {
			t.Fatalf("frozen row changed: %d", n)
		}
		_ = time.Second
	})
}

// An outage that runs past the month's end is followed into the next month: the claim
// window runs from its real end (A02), and while it lasts the claim is open.
func TestClaimWindowOfAnOutageIntoTheNextMonth(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		e.sub(6, 6, 40)
		// 31 March 23:00 until 1 April 02:00 (Amsterdam), from every location.
		e.outage(40, "imap", at(2026, 3, 31, 23, 0), 180, "ams1", "fra1", "lon1")
		e.clk.Set(at(2026, 4, 1, 0, 30))
		m, err := e.svc.MonthOf(e.ctx, customer(6), 6, "2026-03")
		if err != nil {
			t.Fatal(err)
		}
		if !m.OutageOngoing || !m.CanClaim || m.Figure.DownMinutes != 60 {
			t.Fatalf("during the outage: ongoing %v, can claim %v, D %d", m.OutageOngoing, m.CanClaim, m.Figure.DownMinutes)
		}
		e.clk.Set(at(2026, 4, 2, 12, 0))
		if err := e.svc.Freeze(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		m, err = e.svc.MonthOf(e.ctx, customer(6), 6, "2026-03")
		if err != nil {
			t.Fatal(err)
		}
		// It ended on 1 April at 02:00: the last day is 16 April, not 15 April.
		if m.OutageOngoing || !m.Figure.OutageEnded.Equal(at(2026, 4, 1, 2, 0)) || m.Deadline.LastDay != terms.D(2026, 4, 16) {
			t.Fatalf("after the outage: ongoing %v, ended %v, deadline %+v", m.OutageOngoing, m.Figure.OutageEnded, m.Deadline)
		}
		e.clk.Set(at(2026, 4, 16, 20, 0))
		if _, err := e.svc.Claim(e.ctx, customer(6), 6, "2026-03", ""); err != nil {
			t.Fatalf("claim on the last day: %v", err)
		}
	})
}
