package abuse

import (
	"bytes"
	"errors"
	"net/mail"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/files"
	"github.com/hostpact/hostpact/internal/inbound"
	"github.com/hostpact/hostpact/internal/terms"
)

// Not ours and no longer online: the notifier is told and the case closes (cp.ntd.2.2).
func TestNTDNotOursAndOffline(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		c, err := e.svc.Submit(e.ctx, notice("a@rights.test", "https://elsewhere.example.com/page"))
		e.ok(err)
		if c.State != StateClosed || c.Outcome != OutcomeNotOurs || len(e.mails("a@rights.test")) != 2 {
			t.Fatalf("not ours: %s %s %v", c.State, c.Outcome, e.mails("a@rights.test"))
		}
		c, err = e.svc.Submit(e.ctx, notice("b@rights.test", "http://www.old-site.nl/photo.jpg"))
		e.ok(err)
		if c.State != StateClosed || c.Outcome != OutcomeOffline {
			t.Fatalf("offline: %s %s", c.State, c.Outcome)
		}
		// Staff may find it elsewhere after looking: closed with who hosts it.
		c, err = e.svc.Submit(e.ctx, notice("c@rights.test", "https://www.shop-example.nl/a"))
		e.ok(err)
		e.ok(e.svc.CloseNotOurs(e.ctx, abuseDesk, c.ID, false, "Other Hosting B.V."))
		if got := e.body("c@rights.test", "Other Hosting B.V."); got == "" {
			t.Fatal("the notifier was not told who hosts it")
		}
	})
}

// Forwarded and answered across Easter: forwarded Thursday 2 April, the customer has
// until Wednesday 8 April (Good Friday and Easter Monday do not count); the answer is
// passed on; the notifier agrees and the case closes with the customer told.
func TestNTDForwardedAndAnswered(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		c, err := e.svc.Submit(e.ctx, notice("n@rights.test", "https://www.shop-example.nl/gallery", "https://elsewhere.test/x"))
		e.ok(err)
		if c.State != StateNew || c.OrgID != 101 || c.ServiceID != 1 || len(c.Targets) != 2 || c.Targets[1].Finding != FindingNotOurs {
			t.Fatalf("intake: %+v", c)
		}
		if m := e.mails("n@rights.test"); len(m) != 1 || !strings.Contains(m[0], c.Number()) {
			t.Fatalf("acknowledgement: %v", m)
		}
		e.ok(e.svc.Forward(e.ctx, abuseDesk, c.ID))
		c = e.get(c.ID)
		if c.State != StateForwarded || c.DueOn != terms.D(2026, 4, 8) || c.DueKind != "response" {
			t.Fatalf("forwarded: %s due %s", c.State, c.DueOn)
		}
		if len(c.Explanation.Clauses()) == 0 || c.Explanation.Clauses()[0] != "cp.ntd.2.3" {
			t.Fatalf("explanation cites %v", c.Explanation.Clauses())
		}
		if m := e.mails("shop@customer.test"); len(m) != 1 || !strings.Contains(e.body("shop@customer.test", "/portal/abuse/"), "2026-04-08") {
			t.Fatalf("customer mail: %v", m)
		}
		// Tenant isolation: the other customer does not find the case.
		if _, err := e.svc.ForCustomer(e.ctx, customerOf(102), 102, c.ID); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("other customer: %v", err)
		}
		if err := e.svc.Respond(e.ctx, customerOf(102), 102, c.ID, "not mine"); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("other customer answered: %v", err)
		}
		e.at(2026, 4, 7, 11)
		cc, err := e.svc.ForCustomer(e.ctx, customerOf(101), 101, c.ID)
		if err != nil || !cc.CanRespond || len(cc.Targets) != 1 {
			t.Fatalf("customer view: %+v %v", cc, err)
		}
		e.ok(e.svc.Respond(e.ctx, customerOf(101), 101, c.ID, "We have a licence for these photos; see attached."))
		if e.body("n@rights.test", "We have a licence") == "" {
			t.Fatal("the answer was not passed on")
		}
		e.ok(e.svc.NotifierAgrees(e.ctx, abuseDesk, c.ID))
		c = e.get(c.ID)
		if c.State != StateClosed || c.Outcome != OutcomeAgreed || len(e.mails("shop@customer.test")) != 2 || !c.DueOn.IsZero() {
			t.Fatalf("closed: %s %s %v", c.State, c.Outcome, e.mails("shop@customer.test"))
		}
		e.ok(e.svc.RunDeadlines(e.ctx, e.clk.Now()))
		if len(e.mails("abuse@provider.test")) != 0 {
			t.Fatal("a closed case alerted")
		}
	})
}

// No answer in time, then a justified decision: alert on the due day, the case goes
// to staff after it, the service is blocked through provisioning (never deleted) and
// both parties are told, the customer with the reasons (cp.ntd.2.4).
func TestNTDJustifiedBlock(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		c, err := e.svc.Submit(e.ctx, notice("n@rights.test", "shop-example.nl/gallery"))
		e.ok(err)
		e.ok(e.svc.Forward(e.ctx, abuseDesk, c.ID))
		if err := e.svc.Decide(e.ctx, salesP, c.ID, true, "x"); !errors.Is(err, accounts.ErrForbidden) {
			t.Fatalf("sales decided: %v", err)
		}
		e.at(2026, 4, 7, 9)
		e.ok(e.svc.RunDeadlines(e.ctx, e.clk.Now()))
		if len(e.mails("abuse@provider.test")) != 0 {
			t.Fatal("alerted before the due day")
		}
		e.at(2026, 4, 8, 9)
		e.ok(e.svc.RunDeadlines(e.ctx, e.clk.Now()))
		e.ok(e.svc.RunDeadlines(e.ctx, e.clk.Now()))
		if m := e.mails("abuse@provider.test"); len(m) != 1 {
			t.Fatalf("alerts on the due day: %v", m)
		}
		if e.get(c.ID).State != StateForwarded {
			t.Fatal("moved to decision on the due day itself")
		}
		e.at(2026, 4, 9, 9)
		e.ok(e.svc.RunDeadlines(e.ctx, e.clk.Now()))
		c = e.get(c.ID)
		if c.State != StateDeciding || !c.Overdue(terms.D(2026, 4, 9)) {
			t.Fatalf("after the deadline: %s", c.State)
		}
		e.ok(e.svc.Decide(e.ctx, abuseDesk, c.ID, true, "The photos are the notifier's; no licence was shown."))
		c = e.get(c.ID)
		if c.State != StateClosed || c.Decision != "justified" || !c.Blocked || !e.blk.is(1) {
			t.Fatalf("decided: %+v blocked=%v", c.State, e.blk.is(1))
		}
		if e.body("shop@customer.test", "no licence was shown") == "" || e.body("n@rights.test", "blocked") == "" {
			t.Fatal("parties not told")
		}
		cc, err := e.svc.ForCustomer(e.ctx, customerOf(101), 101, c.ID)
		if err != nil || cc.Decision != "justified" || !cc.Blocked || cc.CanRespond {
			t.Fatalf("customer view: %+v %v", cc, err)
		}
		e.ok(e.svc.Unblock(e.ctx, abuseDesk, c.ID, "licence shown later"))
		if e.blk.is(1) || e.get(c.ID).Blocked {
			t.Fatal("still blocked")
		}
	})
}

// Unjustified: the notifier had contacted the customer already, so staff decide at
// once; the notifier is told why, nothing is blocked (cp.ntd.2.4).
func TestNTDUnjustified(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		n := notice("n@rights.test", "https://shop-example.nl/review")
		n.Ground, n.ContactedCustomer = "defamation", true
		c, err := e.svc.Submit(e.ctx, n)
		e.ok(err)
		if err := e.svc.Forward(e.ctx, abuseDesk, c.ID); !errors.Is(err, ErrState) {
			t.Fatalf("forwarded though contacted: %v", err)
		}
		e.ok(e.svc.ToDecision(e.ctx, abuseDesk, c.ID))
		e.ok(e.svc.Decide(e.ctx, abuseDesk, c.ID, false, "A negative review is an opinion, not defamation."))
		c = e.get(c.ID)
		if c.State != StateClosed || c.Decision != "unjustified" || c.Blocked || e.blk.calls != 0 {
			t.Fatalf("%+v", c)
		}
		if e.body("n@rights.test", "an opinion") == "" {
			t.Fatal("reasons not sent")
		}
	})
}

// Identification (cp.ntd.2.5): granted only for a justified notice and a real
// interest, the customer told; refused with reasons otherwise.
func TestNTDIdentification(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		n := notice("g@rights.test", "https://shop-example.nl/fake")
		n.AsksIdentification, n.ContactedCustomer, n.Ground = true, true, "trademark"
		c, err := e.svc.Submit(e.ctx, n)
		e.ok(err)
		e.ok(e.svc.ToDecision(e.ctx, abuseDesk, c.ID))
		e.ok(e.svc.Decide(e.ctx, abuseDesk, c.ID, true, "Counterfeit goods under the notifier's mark."))
		if e.get(c.ID).State != StateDeciding {
			t.Fatal("closed before identification was decided")
		}
		if err := e.svc.Identify(e.ctx, abuseDesk, c.ID, true, false, "x"); err == nil {
			t.Fatal("granted without a real interest")
		}
		e.ok(e.svc.Identify(e.ctx, abuseDesk, c.ID, true, true, "The notifier must sue the seller."))
		c = e.get(c.ID)
		if c.State != StateClosed || c.Identification != "granted" || e.body("g@rights.test", "Straat 1, 1234 AB Amsterdam") == "" ||
			e.body("shop@customer.test", "name and address") == "" {
			t.Fatalf("granted: %+v", c)
		}

		n = notice("r@rights.test", "https://shop-example.nl/blog")
		n.AsksRemoval, n.AsksIdentification, n.ContactedCustomer, n.Ground = false, true, true, "privacy"
		c, err = e.svc.Submit(e.ctx, n)
		e.ok(err)
		e.ok(e.svc.ToDecision(e.ctx, abuseDesk, c.ID))
		e.ok(e.svc.Decide(e.ctx, abuseDesk, c.ID, false, "The blog names no one."))
		e.ok(e.svc.Identify(e.ctx, abuseDesk, c.ID, false, false, "The notice is not justified."))
		c = e.get(c.ID)
		if c.State != StateClosed || c.Identification != "refused" || e.body("r@rights.test", "We do not give them") == "" || c.Blocked {
			t.Fatalf("refused: %+v", c)
		}
	})
}

// Urgent within 1 werkdag (cp.ntd.2.6): received Thursday afternoon before Easter,
// every step is due Tuesday 7 April; handled that day.
func TestNTDUrgentWithinOneWerkdag(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.at(2026, 4, 2, 15)
		n := notice("u@bank.test", "https://phish-shop.nl/login")
		n.Ground, n.Urgent = "fraud", true
		n.UrgencyReasons = "A live phishing page steals passwords."
		c, err := e.svc.Submit(e.ctx, n)
		e.ok(err)
		if c.DueOn != terms.D(2026, 4, 7) || c.DueKind != "urgent" {
			t.Fatalf("provisional clock: %s %s", c.DueOn, c.DueKind)
		}
		e.ok(e.svc.DecideUrgency(e.ctx, abuseDesk, c.ID, true, "Passwords are being stolen now."))
		e.ok(e.svc.Forward(e.ctx, abuseDesk, c.ID))
		if c = e.get(c.ID); c.DueOn != terms.D(2026, 4, 7) || c.DueKind != "urgent" || !c.Urgent {
			t.Fatalf("urgent forward moved the deadline: %s %s", c.DueOn, c.DueKind)
		}
		e.at(2026, 4, 7, 10)
		e.ok(e.svc.RunDeadlines(e.ctx, e.clk.Now()))
		if m := e.mails("abuse@provider.test"); len(m) != 1 || !strings.Contains(m[0], "2026-04-07") {
			t.Fatalf("urgent alert: %v", m)
		}
		e.ok(e.svc.Decide(e.ctx, abuseDesk, c.ID, true, "Phishing confirmed."))
		c = e.get(c.ID)
		if c.State != StateClosed || !e.blk.is(2) || terms.DateIn(c.UpdatedAt.In(amsterdam()), amsterdam()).After(terms.D(2026, 4, 7)) {
			t.Fatalf("urgent not handled in time: %+v", c)
		}
	})
}

// Child sexual abuse material is blocked at once and referred to the hotline.
func TestNTDCSAMBlockedAtOnce(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		n := notice("h@hotline.test", "https://shop-example.nl/img/1.jpg")
		n.Ground = "csam"
		c, err := e.svc.Submit(e.ctx, n)
		e.ok(err)
		c = e.get(c.ID)
		if !c.Blocked || !e.blk.is(1) || !strings.Contains(c.HotlineReferral, "Offlimits") || !c.Urgent {
			t.Fatalf("%+v", c)
		}
		if m := e.mails("abuse@provider.test"); len(m) != 1 {
			t.Fatalf("desk alert: %v", m)
		}
	})
}

// An X-ARF phishing report becomes a case on the service the URL belongs to; spam ARF
// reports make a case at the pack's count (5); a report delivered twice counts once.
func TestNTDMachineReports(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		h := e.svc.MailHandler()
		x := strings.Replace(xarfPhishing, "https://login.shop-example.nl/bank/", "https://secure.phish-shop.nl/bank/", 1)
		m := &inbound.Message{MessageID: "x1@bank.test", From: mail.Address{Address: "abuse@bank.test"}, Subject: "X-ARF report", Automatic: true,
			Parts: []inbound.Part{{ContentType: "application/json", Data: []byte(x)}}}
		e.ok(h.HandleMail(e.ctx, m))
		e.ok(h.HandleMail(e.ctx, m))
		cs, err := e.svc.List(e.ctx, abuseDesk, Filter{})
		e.ok(err)
		if len(cs) != 1 || cs[0].ServiceID != 2 || cs[0].OrgID != 102 || cs[0].Ground != "fraud" || cs[0].Source != "xarf" {
			t.Fatalf("cases: %+v", cs)
		}
		if n, _ := e.svc.Reports(e.ctx, abuseDesk, cs[0].ID); n != 1 {
			t.Fatalf("reports %d", n)
		}
		if len(e.mails("abuse@bank.test")) != 0 {
			t.Fatal("a robot was answered")
		}
		for i := 0; i < 5; i++ {
			m := &inbound.Message{MessageID: "arf" + string(rune('a'+i)), From: mail.Address{Address: "fbl@isp.test"}, Automatic: true,
				Parts: []inbound.Part{{ContentType: "message/feedback-report", Data: []byte("Feedback-Type: abuse\nVersion: 1\nSource-IP: 192.0.2.44\n")}}}
			e.ok(h.HandleMail(e.ctx, m))
			cs, _ = e.svc.List(e.ctx, abuseDesk, Filter{Ground: "spam"})
			if (i < 4) != (len(cs) == 0) {
				t.Fatalf("after %d spam reports: %d cases", i+1, len(cs))
			}
		}
		if cs[0].ServiceID != 4 || cs[0].Reports != 5 {
			t.Fatalf("spam case %+v", cs[0])
		}
	})
}

// A plain mail without a URL waits for the notifier; the reply quoting the case number
// completes it.
func TestNTDMailIntake(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		h := e.svc.MailHandler()
		e.ok(h.HandleMail(e.ctx, &inbound.Message{MessageID: "m1@x", From: mail.Address{Name: "Jan", Address: "jan@x.test"}, Subject: "Stolen text", Text: "Someone copied my article.", Raw: []byte("raw")}))
		cs, _ := e.svc.List(e.ctx, abuseDesk, Filter{State: StateIncomplete})
		if len(cs) != 1 || len(e.mails("jan@x.test")) != 2 {
			t.Fatalf("incomplete: %d cases, mails %v", len(cs), e.mails("jan@x.test"))
		}
		fs, _ := files.ByOwner(e.ctx, e.db, "ntd:"+strings.TrimPrefix(cs[0].Number(), "NTD-"))
		if len(fs) != 1 {
			t.Fatal("the original mail is not kept")
		}
		e.ok(h.HandleMail(e.ctx, &inbound.Message{MessageID: "m2@x", From: mail.Address{Address: "Jan@x.test"}, Subject: "Re: [" + cs[0].Number() + "] more",
			Text: "It is at https://shop-example.nl/article-1"}))
		c := e.get(cs[0].ID)
		if c.State != StateNew || c.OrgID != 101 || len(c.Targets) != 1 {
			t.Fatalf("completed: %+v", c)
		}
		// An auto-reply is never answered.
		e.ok(h.HandleMail(e.ctx, &inbound.Message{MessageID: "m3@x", From: mail.Address{Address: "bot@x.test"}, Automatic: true, Text: "I am away"}))
		if len(e.mails("bot@x.test")) != 0 {
			t.Fatal("an automatic mail was answered")
		}
	})
}

// Bad uploads are refused with a clear message and nothing is stored.
func TestNTDEvidenceRefused(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		n := notice("e@rights.test", "https://shop-example.nl/a")
		n.Evidence = []Upload{{Name: "proof.png", Data: bytes.NewReader([]byte("\x89PNG\r\n\x1a\n0000"))}, {Name: "tool.exe", Data: bytes.NewReader([]byte("MZ\x90\x00\x03binary"))}}
		_, err := e.svc.Submit(e.ctx, n)
		var fe accounts.FieldErrors
		if !errors.As(err, &fe) || fe["evidence"].Key != "abuse.err.evidence_type" {
			t.Fatalf("exe: %v", err)
		}
		n.Evidence = []Upload{{Name: "big.pdf", Data: bytes.NewReader(append([]byte("%PDF-1.4\n"), make([]byte, 6<<20)...))}}
		if _, err := e.svc.Submit(e.ctx, n); !errors.As(err, &fe) || fe["evidence"].Key != "abuse.err.evidence_too_large" {
			t.Fatalf("big: %v", err)
		}
		var cases, stored int
		e.ok(e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM abuse_cases`).Scan(&cases))
		e.ok(e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM files`).Scan(&stored))
		if cases != 0 || stored != 0 || len(e.mails("e@rights.test")) != 0 {
			t.Fatalf("stored %d cases, %d files", cases, stored)
		}
		n.Evidence = []Upload{{Name: "proof.png", Data: bytes.NewReader([]byte("\x89PNG\r\n\x1a\n0000"))}}
		c, err := e.svc.Submit(e.ctx, n)
		e.ok(err)
		if fs, _ := files.ByOwner(e.ctx, e.db, "ntd:"+strings.TrimPrefix(c.Number(), "NTD-")); len(fs) != 1 {
			t.Fatal("evidence not kept with the case")
		}
		if err := (&Notice{}).Validate(); err == nil {
			t.Fatal("empty notice accepted")
		}
	})
}
