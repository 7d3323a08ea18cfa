package disclosure

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/inbound"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

var (
	secDesk = accounts.Principal{User: accounts.User{ID: 5, Email: "sec@provider.test", Roles: []accounts.Role{accounts.RoleSecurity}}}
	abuseP  = accounts.Principal{User: accounts.User{ID: 4, Email: "abuse@provider.test", Roles: []accounts.Role{accounts.RoleAbuse}}}
)

type env struct {
	t   *testing.T
	ctx context.Context
	db  *store.DB
	clk *clock.Fake
	svc *Service
}

func each(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		pk, err := terms.LoadPack("cloudprovider")
		if err != nil {
			t.Fatal(err)
		}
		clk := clock.NewFake(time.Date(2026, 4, 23, 10, 0, 0, 0, clock.Amsterdam))
		e := &env{t: t, ctx: context.Background(), db: db, clk: clk,
			svc: New(db, clk, Deps{Pack: pk, DeskEmail: "security@provider.test", BaseURL: "https://portal.example", Provider: "Cloud Provider B.V."})}
		fn(t, e)
		if _, problems, err := audit.Verify(e.ctx, db); err != nil || len(problems) > 0 {
			t.Fatalf("audit: %v %v", err, problems)
		}
	}, audit.Schema, notify.Schema, Schema)
}

func (e *env) at(m time.Month, d int) { e.clk.Set(time.Date(2026, m, d, 10, 0, 0, 0, clock.Amsterdam)) }

func (e *env) ok(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	e.ok(e.db.QueryRowContext(e.ctx, q, args...).Scan(&n))
	return n
}

func (e *env) get(id int64) Report {
	r, err := e.svc.Get(e.ctx, secDesk, id)
	e.ok(err)
	return r
}

// A report through its deadlines to "fixed" across King's Day (Monday 27 April 2026):
// received Thursday 23 April, acknowledged by Friday 24, assessed by Wednesday 29 April,
// fixed within 60 days (22 June); an unacknowledged report alerts.
func TestDisclosureThroughDeadlinesToFixed(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		r, err := e.svc.Submit(e.ctx, Submission{Title: "Stored XSS in the portal", Affected: "https://portal.example/profile",
			Description: "The name field is not escaped.", Name: "Eva Onderzoeker", Email: "eva@research.test", Lang: "en", CreditWanted: true, CreditName: "Eva O.", Key: "k1"})
		e.ok(err)
		if r.AckDue != terms.D(2026, 4, 24) || r.AssessDue != terms.D(2026, 4, 29) || r.FixDue != terms.D(2026, 6, 22) || len(r.Explanation) != 3 {
			t.Fatalf("deadlines %s %s %s", r.AckDue, r.AssessDue, r.FixDue)
		}
		other, err := e.svc.Submit(e.ctx, Submission{Title: "Open port", Affected: "192.0.2.5", Description: "Redis open", Phone: "+31600000000", Key: "k2"})
		e.ok(err)
		if _, err := e.svc.Submit(e.ctx, Submission{Title: "x", Affected: "y", Description: "z"}); err == nil {
			t.Fatal("a report without contact details accepted (cp.rd.request.3)")
		}
		if err := e.svc.Acknowledge(e.ctx, abuseP, r.ID); !errors.Is(err, accounts.ErrForbidden) {
			t.Fatalf("abuse desk acknowledged: %v", err)
		}
		e.at(4, 24)
		e.ok(e.svc.RunDeadlines(e.ctx, e.clk.Now()))
		if n := e.count(`SELECT COUNT(*) FROM disclosure_alerts WHERE deadline = 'ack'`); n != 2 {
			t.Fatalf("ack alerts %d", n)
		}
		e.ok(e.svc.Acknowledge(e.ctx, secDesk, r.ID))
		e.at(4, 28)
		e.ok(e.svc.AskInfo(e.ctx, secDesk, r.ID, "Which browser did you use?"))
		h := e.svc.MailHandler()
		e.ok(h.HandleMail(e.ctx, &inbound.Message{MessageID: "r1@research.test", From: mail.Address{Address: "Eva@research.test"}, Subject: "Re: [SEC-1] We need more information", Text: "Firefox 140."}))
		e.ok(h.HandleMail(e.ctx, &inbound.Message{MessageID: "r1@research.test", From: mail.Address{Address: "Eva@research.test"}, Subject: "Re: [SEC-1] We need more information", Text: "Firefox 140."}))
		if r = e.get(r.ID); r.State != StateAcknowledged {
			t.Fatalf("after the reply: %s", r.State)
		}
		if n := e.count(`SELECT COUNT(*) FROM disclosure_reports`); n != 2 {
			t.Fatalf("the reply made a report: %d", n)
		}
		e.at(4, 29)
		e.ok(e.svc.RunDeadlines(e.ctx, e.clk.Now()))
		if err := e.svc.Accept(e.ctx, secDesk, r.ID, "high", "Confirmed.", terms.D(2026, 6, 23)); err == nil {
			t.Fatal("a fix date after the 60 days accepted")
		}
		e.ok(e.svc.Accept(e.ctx, secDesk, r.ID, "high", "Confirmed: stored XSS, high.", terms.D(2026, 6, 1)))
		e.ok(e.svc.Progress(e.ctx, secDesk, r.ID, "A fix is in review."))
		if err := e.svc.Reward(e.ctx, secDesk, r.ID, "vouchers", terms.Euros(300)+1, ""); err == nil {
			t.Fatal("a reward above EUR 300 accepted (cp.rd.expect.8)")
		}
		e.ok(e.svc.Reward(e.ctx, secDesk, r.ID, "vouchers", terms.Euros(150), "good report"))
		e.at(6, 1)
		e.ok(e.svc.Fixed(e.ctx, secDesk, r.ID, "Escaped since release 1.4."))
		e.at(6, 22)
		e.ok(e.svc.RunDeadlines(e.ctx, e.clk.Now()))
		e.at(6, 23)
		e.ok(e.svc.RunDeadlines(e.ctx, e.clk.Now()))
		r = e.get(r.ID)
		if r.State != StateFixed || r.RewardAmount != terms.Euros(150) || len(r.Late(terms.D(2026, 6, 23))) != 0 {
			t.Fatalf("fixed: %s %s late %v", r.State, r.RewardAmount, r.Late(terms.D(2026, 6, 23)))
		}
		// Alerts: ack for both on 24 April, assessment for the other on 29 April, fix for
		// the other on 22 June; the fixed report had its ack and assessment alerts on the due days only.
		if n := e.count(`SELECT COUNT(*) FROM disclosure_alerts WHERE report_id = $1`, r.ID); n != 2 {
			t.Fatalf("alerts of the fixed report: %d", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM disclosure_alerts WHERE report_id = $1`, other.ID); n != 3 {
			t.Fatalf("alerts of the neglected report: %d", n)
		}
		if late := e.get(other.ID).Late(terms.D(2026, 6, 23)); strings.Join(late, ",") != "ack,assessment,fix" {
			t.Fatalf("late %v", late)
		}
		// The reporter was told at each change: ack, info, accepted, progress, fixed.
		if n := e.count(`SELECT COUNT(*) FROM mail_outbox WHERE to_addr = 'eva@research.test'`); n != 5 {
			t.Fatalf("reporter mails %d", n)
		}
		// Credit only when asked and agreed; the page names no title before publication.
		if err := e.svc.SetCredit(e.ctx, secDesk, other.ID, true); err == nil {
			t.Fatal("credited a reporter who did not ask")
		}
		e.ok(e.svc.SetCredit(e.ctx, secDesk, r.ID, true))
		cs, err := e.svc.Credits(e.ctx)
		if err != nil || len(cs) != 1 || cs[0].Name != "Eva O." || cs[0].Title != "" {
			t.Fatalf("credits %+v %v", cs, err)
		}
		e.ok(e.svc.Publish(e.ctx, secDesk, r.ID, "Advisory 2026-01."))
		if cs, _ = e.svc.Credits(e.ctx); cs[0].Title == "" {
			t.Fatal("published title not shown")
		}
		// The reporter's personal data never reach the audit trail (cp.rd.expect.2).
		if n := e.count(`SELECT COUNT(*) FROM audit_entries WHERE summary LIKE '%eva%' OR summary LIKE '%Eva%' OR summary LIKE '%+316%'`); n != 0 {
			t.Fatalf("%d audit entries name the reporter", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM mail_outbox WHERE to_addr = 'security@provider.test' AND (body_text LIKE '%eva%' OR subject LIKE '%Eva%')`); n != 0 {
			t.Fatal("an alert names the reporter")
		}
	})
}

func TestDisclosureRejectAndSpam(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		h := e.svc.MailHandler()
		e.ok(h.HandleMail(e.ctx, &inbound.Message{MessageID: "s1", From: mail.Address{Address: "spam@x.test"}, Subject: "SEO services", Text: "Buy links"}))
		e.ok(h.HandleMail(e.ctx, &inbound.Message{MessageID: "s2", From: mail.Address{Address: "bot@x.test"}, Automatic: true, Text: "Out of office"}))
		rs, err := e.svc.List(e.ctx, secDesk, "", 0, 10)
		e.ok(err)
		if len(rs) != 1 || rs[0].Source != "email" {
			t.Fatalf("reports %+v", rs)
		}
		e.ok(e.svc.Reject(e.ctx, secDesk, rs[0].ID, StateSpam, "", 0))
		if n := e.count(`SELECT COUNT(*) FROM mail_outbox WHERE to_addr = 'spam@x.test'`); n != 0 {
			t.Fatal("spam answered")
		}
		r, err := e.svc.Submit(e.ctx, Submission{Title: "SPF", Affected: "provider.test", Description: "softfail", Email: "a@b.test"})
		e.ok(err)
		e.ok(e.svc.Reject(e.ctx, secDesk, r.ID, StateDuplicate, "Known since March.", 0))
		if e.get(r.ID).State != StateDuplicate {
			t.Fatal("not duplicate")
		}
	})
}
