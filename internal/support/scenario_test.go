package support_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/support"
)

// TestComplaintsByMailAcrossChristmas: two complaints arrive by mail on Friday 18
// December 2026. cp.av.17.1 gives 5 werkdagen: 21, 22, 23, 24 and, after Christmas
// Day (Friday 25) and the weekend, Monday 28 December. One is first answered with "we
// need more time" (which does not stop the clock) and then in substance on the 28th, in
// time; the other is never answered and alerts once, on the 29th.
func TestComplaintsByMailAcrossChristmas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, ams(t, "2026-12-18 14:00"))
		e.mail("From: Jan de Vries <jan@acme.test>\nTo: support@provider.test\nSubject: Klacht: webmail steeds traag\nMessage-ID: <k1@acme.test>\nDate: Fri, 18 Dec 2026 14:00:00 +0100\n\nDe webmail is al een week traag. Dit is een klacht.")
		e.mail("From: Eva Jansen <eva@globex.test>\nTo: support@provider.test\nSubject: Complaint about the invoice\nMessage-ID: <k2@globex.test>\nDate: Fri, 18 Dec 2026 14:05:00 +0100\n\nThe invoice is wrong; this is a formal complaint.")

		list := e.only(staff, support.Filter{Category: support.Complaint})
		if len(list) != 2 {
			t.Fatalf("complaints %d", len(list))
		}
		a, b := list[1], list[0]
		if a.OrgID != 1 || b.OrgID != 2 || a.ComplaintLast != "2026-12-28" || !a.ComplaintDueAt.Equal(ams(t, "2026-12-29 00:00")) {
			t.Fatalf("complaint A: org %d last %s due %v", a.OrgID, a.ComplaintLast, a.ComplaintDueAt)
		}
		if ex := a.Explanations()["complaint"]; len(ex) == 0 || ex[0].Clause != "cp.av.17.1" {
			t.Errorf("no explanation citing cp.av.17.1: %+v", ex)
		}
		acks := e.outbox()
		if len(acks) != 2 || !strings.Contains(acks[1].Subject, a.Token()) && !strings.Contains(acks[0].Subject, a.Token()) {
			t.Fatalf("acknowledgements %+v", acks)
		}
		for _, m := range acks {
			if m.Lang == "nl" && !strings.Contains(m.Text, "28 december 2026") {
				t.Errorf("acknowledgement names no deadline: %s", m.Text)
			}
		}

		// Monday 21: "we need more time" for A; the complaint clock keeps running.
		e.clk.Set(ams(t, "2026-12-21 10:00"))
		if _, err := e.svc.Reply(ctx, staff, a.ID, support.ReplyInput{Body: "We zoeken het uit en komen erop terug."}); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.SetStatus(ctx, staff, a.ID, support.StatusWaiting); err != nil {
			t.Fatal(err)
		}
		a, ms := e.ticket(staff, a.ID)
		if !a.ComplaintOpen() || !a.NextDueAt.Equal(ams(t, "2026-12-29 00:00")) || a.Status != support.StatusWaiting {
			t.Fatalf("a holding answer stopped the complaint clock: %+v", a)
		}
		// The customer answers the reply by mail: it threads by In-Reply-To.
		reply := lastOutgoingID(ms, support.StaffReply)
		e.clk.Set(ams(t, "2026-12-23 11:00"))
		e.mail("From: jan@acme.test\nTo: support@provider.test\nSubject: Re: webmail\nMessage-ID: <k1b@acme.test>\nIn-Reply-To: <" + reply + ">\nReferences: <k1@acme.test> <" + reply + ">\n\nHet is nog steeds traag.")
		a, ms = e.ticket(staff, a.ID)
		if a.Status != support.StatusOpen || ms[len(ms)-1].Body != "Het is nog steeds traag." {
			t.Fatalf("reply not threaded: %s %+v", a.Status, ms[len(ms)-1])
		}

		// Monday 28, 15:00, the last werkdag: the answer in substance.
		e.clk.Set(ams(t, "2026-12-28 15:00"))
		if _, err := e.svc.Reply(ctx, staff, a.ID, support.ReplyInput{Body: "De oorzaak was een volle schijf; opgelost.", Substantive: true, Status: support.StatusResolved}); err != nil {
			t.Fatal(err)
		}
		// B's ordinary response clock (8 open hours) passed on Monday 21; its complaint
		// deadline has not: it is overdue as a question, not yet as a complaint.
		if ov := e.only(staff, support.Filter{Due: "overdue"}); len(ov) != 1 || ov[0].ID != b.ID || ov[0].ComplaintDueAt.Before(e.clk.Now()) {
			t.Errorf("overdue on the 28th: %+v", ov)
		}
		if n, _ := e.svc.AlertOverdue(ctx, e.clk.Now()); n != 0 {
			t.Errorf("a complaint alerted before its deadline")
		}

		// Tuesday 29, just after midnight: B is overdue and alerts, once.
		e.clk.Set(ams(t, "2026-12-29 00:15"))
		if n, err := e.svc.AlertOverdue(ctx, e.clk.Now()); err != nil || n != 1 {
			t.Fatalf("alerts %d %v", n, err)
		}
		if n, _ := e.svc.AlertOverdue(ctx, e.clk.Now()); n != 0 {
			t.Errorf("alerted twice")
		}
		ov := e.only(staff, support.Filter{Due: "overdue"})
		if len(ov) != 1 || ov[0].ID != b.ID {
			t.Fatalf("overdue %+v", ov)
		}
		var alerts []string
		for _, m := range e.outbox() {
			if m.To == "team@provider.test" {
				alerts = append(alerts, m.Subject)
			}
		}
		if len(alerts) != 1 || !strings.Contains(alerts[0], b.Token()) {
			t.Errorf("alerts %q", alerts)
		}
		a, _ = e.ticket(staff, a.ID)
		if a.ComplaintAnsweredAt == nil || a.ComplaintAlertedAt != nil || a.Overdue(e.clk.Now()) {
			t.Errorf("complaint A answered in time: %+v", a)
		}
	}, schemas...)
}

// TestAlertJobKilledHalfWayAlertsOnce: a run that dies after queueing the alert but
// before recording it rolls both back; the next run alerts once.
func TestAlertJobKilledHalfWayAlertsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, ams(t, "2026-12-18 14:00"))
		e.mail("From: eva@globex.test\nTo: support@provider.test\nSubject: klacht\nMessage-ID: <c@globex.test>\n\nklacht")
		e.clk.Set(ams(t, "2026-12-30 09:00"))
		boom := errors.New("killed")
		support.SetFailpoint(e.svc, func(p string) error { return boom })
		if _, err := e.svc.AlertOverdue(ctx, e.clk.Now()); !errors.Is(err, boom) {
			t.Fatalf("failpoint: %v", err)
		}
		support.SetFailpoint(e.svc, nil)
		if err := e.svc.AlertJob().Run(ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		count := 0
		for _, m := range e.outbox() {
			if m.To == "team@provider.test" {
				count++
			}
		}
		if count != 1 {
			t.Errorf("alerts %d", count)
		}
	}, schemas...)
}

// TestResponseClockPausesWhileWaiting: cp.sla.support.2's open hours; 8 hours target.
func TestResponseClockPausesWhileWaiting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, ams(t, "2026-12-24 14:30"))
		tk, err := e.svc.Open(ctx, acme, support.OpenInput{OrgID: 1, Subject: "DNS vraag", Body: "Hoe zet ik een MX-record?", Category: support.Question})
		if err != nil {
			t.Fatal(err)
		}
		// 2h on the 24th, then Christmas and the weekend, then 6h on Monday 28: 15:00.
		if !tk.DueAt.Equal(ams(t, "2026-12-28 15:00")) {
			t.Fatalf("due %v", tk.DueAt.In(time.Local))
		}
		// Staff wait for the customer at 15:30 on the 24th: 1h used, paused.
		e.clk.Set(ams(t, "2026-12-24 15:30"))
		if err := e.svc.SetStatus(ctx, staff, tk.ID, support.StatusWaiting); err != nil {
			t.Fatal(err)
		}
		tk, _ = e.ticket(staff, tk.ID)
		if tk.DueAt != nil || tk.ClockSpent != time.Hour {
			t.Fatalf("paused: due %v spent %v", tk.DueAt, tk.ClockSpent)
		}
		// The customer answers on Wednesday 30 at 09:00; 7h left: 16:00.
		e.clk.Set(ams(t, "2026-12-30 09:00"))
		if _, err := e.svc.Reply(ctx, acme, tk.ID, support.ReplyInput{Body: "Voor mail.acme.test"}); err != nil {
			t.Fatal(err)
		}
		tk, _ = e.ticket(staff, tk.ID)
		if tk.Status != support.StatusOpen || !tk.DueAt.Equal(ams(t, "2026-12-30 16:00")) {
			t.Fatalf("resumed: %s due %v", tk.Status, tk.DueAt)
		}
		if due := e.only(staff, support.Filter{Due: "due"}); len(due) != 1 {
			t.Errorf("due list %d", len(due))
		}
	}, schemas...)
}
