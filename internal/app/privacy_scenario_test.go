package app_test

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"net/http/httptest"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/inbound"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/privacy"
	"github.com/hostpact/hostpact/internal/privacy/holders"
)

func customerPrincipal(org accounts.Organisation) accounts.Principal {
	return accounts.Principal{User: accounts.User{ID: 100000 + org.ID, OrgID: org.ID, OrgAdmin: true, Email: org.Email}, Org: &org}
}

// TestPrivacySubprocessorScenario is issue 12's first "must show": a subprocessor for
// web hosting is announced; one customer objects in the portal in time, another by
// e-mail reply a day after the window; the first objection is not accommodated and
// that customer ends its web hosting as of the change, with the explanation.
func TestPrivacySubprocessorScenario(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		jansen, jansenSub := e.customer(accounts.Business, "Jansen Bakkerij", "webhosting/business")
		pieters, _ := e.customer(accounts.Business, "Pietersen Fietsen", "webhosting/business")
		e.runThrough(e.today())

		change, err := e.a.Privacy.Announce(e.ctx, e.staff, privacy.AnnounceInput{SubprocessorInput: privacy.SubprocessorInput{
			Name: "Backup Noord B.V.", Purpose: "off-site backups", Location: "Netherlands", Kinds: []string{"webhosting"}, Since: d("2026-03-01")},
			SummaryNL: "Back-ups gaan naar een tweede datacenter.", SummaryEN: "Backups go to a second data centre."})
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "customers informed", change.Customers, 2)
		if got := e.count(`SELECT COUNT(*) FROM mail_outbox WHERE dedupe_key LIKE 'privacy-announcement:%'`); got != 2 {
			t.Fatalf("announcement mails = %d, want 2", got)
		}
		anns, err := e.a.Privacy.Announcements(e.ctx, customerPrincipal(jansen), jansen.ID)
		if err != nil || len(anns) != 1 {
			t.Fatalf("announcements: %v %v", anns, err)
		}
		// 14 days from the day informed (cp.dpa.6.2, C10): informed 15 January.
		eq(t, "objection by", anns[0].ObjectionBy, d("2026-01-29"))
		// Another customer's announcement id is not found for this one (tenant isolation).
		pAnns, _ := e.a.Privacy.Announcements(e.ctx, customerPrincipal(pieters), pieters.ID)
		if _, err := e.a.Privacy.Object(e.ctx, customerPrincipal(jansen), pAnns[0].ID, "no"); err != accounts.ErrNotFound {
			t.Fatalf("objecting to another customer's notice: %v, want not found", err)
		}

		// Jansen objects in the portal on 20 January, in time.
		e.runThrough(d("2026-01-20"))
		obj, err := e.a.Privacy.Object(e.ctx, customerPrincipal(jansen), anns[0].ID, "Our customers' data must not leave our own region.")
		if err != nil {
			t.Fatal(err)
		}
		if !obj.InTime {
			t.Fatalf("portal objection on 20 January not in time: %+v", obj)
		}

		// Pietersen replies by e-mail on 30 January, a day after the window.
		e.runThrough(d("2026-01-30"))
		var subject string
		var outboxID int64
		if err := e.db.QueryRowContext(e.ctx, `SELECT subject, id FROM mail_outbox WHERE org_id = $1 AND dedupe_key LIKE 'privacy-announcement:%'`, pieters.ID).Scan(&subject, &outboxID); err != nil {
			t.Fatal(err)
		}
		msg := &inbound.Message{MessageID: "reply-1@pietersen.test", From: mail.Address{Address: pieters.Email}, Subject: "Re: " + subject,
			Date: e.clk.Now(), Text: "We object: we were not asked."}
		if err := e.a.Privacy.MailHandler().HandleMail(e.ctx, msg); err != nil {
			t.Fatal(err)
		}
		pAnns, _ = e.a.Privacy.Announcements(e.ctx, customerPrincipal(pieters), pieters.ID)
		if o := pAnns[0].Objection; o == nil || o.InTime || o.Channel != "email" {
			t.Fatalf("late e-mail objection: %+v", o)
		}
		// A reply that names the announcement only in In-Reply-To matches the same
		// notice (and does not object twice).
		msg2 := &inbound.Message{MessageID: "reply-2@pietersen.test", From: mail.Address{Address: pieters.Email}, Subject: "Re: subverwerker",
			InReplyTo: []string{"outbox." + fmtInt(outboxID) + ".1768467600@cloudprovider.test"}, Text: "Again."}
		if err := e.a.Privacy.MailHandler().HandleMail(e.ctx, msg2); err != nil {
			t.Fatal(err)
		}

		// Staff do not accommodate Jansen; Jansen ends its web hosting as of the change.
		if err := e.a.Privacy.Resolve(e.ctx, e.staff, obj.ID, privacy.OutcomeNotAccommodated, "No alternative for backups in that region."); err != nil {
			t.Fatal(err)
		}
		// Pietersen's late objection gives no right to end (cp.dpa.6.2).
		if _, err := e.a.Contracts.PreviewCancellation(e.ctx, customerPrincipal(pieters), jansenSub, contracts.CancelInput{}); err == nil {
			t.Fatal("a customer previews another customer's subscription")
		}
		jp := customerPrincipal(jansen)
		jp.User.Permissions = []accounts.Permission{accounts.PermBilling}
		c, err := e.a.Contracts.ConfirmCancellation(e.ctx, jp, jansenSub, contracts.CancelInput{Basis: contracts.BasisSubprocessor, BasisID: obj.ID})
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "ends on", c.EndsOn, d("2026-03-01"))
		if !strings.Contains(c.Explanation.Plain("en"), "subprocessor") {
			t.Errorf("explanation does not name the subprocessor objection: %s", c.Explanation.Plain("en"))
		}
	})
}

// TestPrivacyBreachScenario: a breach on a shared server informs exactly the customers
// placed on it, within 24 hours of discovery, with every field of cp.dpa.8.3, after a
// staff alert at 12 hours.
func TestPrivacyBreachScenario(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a, aSub := e.customer(accounts.Business, "Jansen Bakkerij", "webhosting/business")
		b, bSub := e.customer(accounts.Business, "Pietersen Fietsen", "webhosting/business")
		c, cSub := e.customer(accounts.Business, "Klaassen Tuinen", "webhosting/business")
		e.runThrough(e.today())
		web1, _ := e.a.Monitor.CreateServer(e.ctx, e.staff, monitor.ServerInput{Name: "web01.ams", Kind: "webhosting", Location: "Amsterdam"})
		web2, _ := e.a.Monitor.CreateServer(e.ctx, e.staff, monitor.ServerInput{Name: "web02.ams", Kind: "webhosting", Location: "Amsterdam"})
		for _, p := range []struct{ org, sub, srv int64 }{{a.ID, aSub, web1.ID}, {b.ID, bSub, web1.ID}, {c.ID, cSub, web2.ID}} {
			if err := e.a.Monitor.Place(e.ctx, e.staff, p.sub, p.org, p.srv); err != nil {
				t.Fatal(err)
			}
		}
		discovered := e.clk.Now().Add(-time.Hour)
		br, err := e.a.Privacy.RecordBreach(e.ctx, e.staff, privacy.BreachInput{DiscoveredAt: discovered,
			Description: "A backup of web01 was readable without a password.", DataCategories: "website files and databases",
			SubjectCategories: "visitors of the customers' websites", SubjectsEstimate: "unknown", Cause: "a misconfigured backup bucket",
			Consequences: "the files may have been copied", Solution: "bucket closed, keys rotated", Measures: "access logs reviewed",
			Contact: "privacy@cloudprovider.nl", ServerIDs: []int64{web1.ID}})
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "affected customers", len(br.Customers), 2)
		if want := discovered.Add(24 * time.Hour); !br.NotifyBy.Equal(want.Truncate(time.Microsecond)) {
			t.Fatalf("notify by %v, want %v", br.NotifyBy, want)
		}
		// 13 hours after discovery: staff are alerted, nobody informed yet.
		e.clk.Set(discovered.Add(13 * time.Hour))
		if _, err := e.runner.RunDue(e.ctx); err != nil {
			t.Fatal(err)
		}
		eq(t, "alerts", e.count(`SELECT COUNT(*) FROM mail_outbox WHERE dedupe_key = $1`, "privacy-breach-alert:"+fmtInt(br.ID)), 1)
		// 19 hours: the job informs the customers itself, before the deadline.
		e.clk.Set(discovered.Add(19 * time.Hour))
		if _, err := e.runner.RunDue(e.ctx); err != nil {
			t.Fatal(err)
		}
		rows, err := e.db.QueryContext(e.ctx, `SELECT org_id, body_text FROM mail_outbox WHERE dedupe_key LIKE 'privacy-breach:%' ORDER BY org_id`)
		if err != nil {
			t.Fatal(err)
		}
		var orgs []int64
		for rows.Next() {
			var org int64
			var body string
			if err := rows.Scan(&org, &body); err != nil {
				t.Fatal(err)
			}
			orgs = append(orgs, org)
			for _, f := range []string{"Wat er gebeurde", "(Vermoedelijke) oorzaak", "Bekende en verwachte gevolgen", "(Voorgestelde) oplossing",
				"Genomen maatregelen", "Contact voor de opvolging", "Wie is geïnformeerd", "Soorten gegevens", "Soorten betrokkenen"} {
				if !strings.Contains(body, f) {
					t.Errorf("breach notice to %d lacks %q", org, f)
				}
			}
		}
		rows.Close()
		if len(orgs) != 2 || orgs[0] != a.ID || orgs[1] != b.ID {
			t.Fatalf("informed %v, want %d and %d", orgs, a.ID, b.ID)
		}
		got, _ := e.a.Privacy.GetBreach(e.ctx, e.staff, br.ID)
		for _, cu := range got.Customers {
			if cu.InformedAt.IsZero() || cu.InformedAt.After(got.NotifyBy) {
				t.Errorf("customer %d informed at %v, deadline %v", cu.OrgID, cu.InformedAt, got.NotifyBy)
			}
		}
		// The customer records its decision as controller; the other customer sees nothing.
		if err := e.a.Privacy.RecordBreachDecision(e.ctx, customerPrincipal(a), br.ID, a.ID, privacy.DecisionNotify, privacy.DecisionNoNotify); err != nil {
			t.Fatal(err)
		}
		if n, _ := e.a.Privacy.BreachNotices(e.ctx, customerPrincipal(c), c.ID); len(n) != 0 {
			t.Fatalf("an unaffected customer sees %d notices", len(n))
		}
	})
}

// TestPrivacyRetentionScenario: two years ahead the job anonymises exactly the closed
// customers whose 6 months passed, and nothing under a legal hold.
func TestPrivacyRetentionScenario(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a, _ := e.customer(accounts.Business, "Jansen Bakkerij", "webhosting/business")
		b, _ := e.customer(accounts.Business, "Pietersen Fietsen", "webhosting/business")
		c, _ := e.customer(accounts.Business, "Klaassen Tuinen", "webhosting/business")
		e.runThrough(e.today())
		for _, o := range []int64{a.ID, b.ID} {
			if _, err := e.db.ExecContext(e.ctx, `UPDATE organisations SET disabled = TRUE, updated_at = $1 WHERE id = $2`, e.clk.Now(), o); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.a.Privacy.PlaceHold(e.ctx, e.staff, b.ID, "", "court order in a dispute about invoices"); err != nil {
			t.Fatal(err)
		}
		plan, err := e.a.Privacy.PlanAsSystem(e.ctx, d("2028-01-15"))
		if err != nil {
			t.Fatal(err)
		}
		var due, held int
		for _, it := range plan {
			if it.Rule == "account-data" {
				due++
				if it.Held != "" {
					held++
				}
				eq(t, "due", it.Due, d("2026-07-16"))
			}
		}
		eq(t, "planned", due, 2)
		eq(t, "held", held, 1)
		e.clk.Set(time.Date(2028, 1, 15, 9, 0, 0, 0, time.UTC))
		for range 2 { // twice: nothing is done twice
			if err := e.a.Privacy.ApplyRetention(e.ctx, e.clk.Now()); err != nil {
				t.Fatal(err)
			}
		}
		for _, x := range []struct {
			org  int64
			anon bool
		}{{a.ID, true}, {b.ID, false}, {c.ID, false}} {
			var email string
			if err := e.db.QueryRowContext(e.ctx, `SELECT email FROM organisations WHERE id = $1`, x.org).Scan(&email); err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(email, "@anonymised.invalid") != x.anon {
				t.Errorf("organisation %d: email %s, anonymised want %v", x.org, email, x.anon)
			}
		}
		eq(t, "audit entries", e.count(`SELECT COUNT(*) FROM audit_entries WHERE action = 'privacy.retention'`), 1)
		eq(t, "done rows", e.count(`SELECT COUNT(*) FROM privacy_retention_done`), 1)
	})
}

func fmtInt(n int64) string {
	s := ""
	if n == 0 {
		return "0"
	}
	for n > 0 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return s
}

// TestPrivacyDataSubjectScenario: a consumer's access export holds their data and
// nobody else's; an erasure anonymises them in every holder while the issued invoice
// stays (fiscal retention).
func TestPrivacyDataSubjectScenario(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		jan, _ := e.customer(accounts.Consumer, "Jan Jansen", "webhosting/business")
		piet, _ := e.customer(accounts.Consumer, "Piet Pietersen", "webhosting/business")
		e.runThrough(e.today())
		req, err := e.a.Privacy.RecordRequest(e.ctx, e.staff, privacy.RequestInput{Kind: privacy.RequestAccess, Scope: privacy.ScopeProvider, Email: jan.Email, Name: "Jan Jansen"})
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "due", req.DueOn, d("2026-02-15"))
		if _, err := e.a.Privacy.Export(e.ctx, e.staff, req.ID, holders.Person); err != privacy.ErrIdentity {
			t.Fatalf("export before the identity check: %v", err)
		}
		if err := e.a.Privacy.CheckIdentity(e.ctx, e.staff, req.ID, "signed in to the portal and confirmed by a code mailed to the address"); err != nil {
			t.Fatal(err)
		}
		zipped, err := e.a.Privacy.Export(e.ctx, e.staff, req.ID, holders.Person)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
		if err != nil {
			t.Fatal(err)
		}
		var all strings.Builder
		names := map[string]bool{}
		for _, f := range zr.File {
			names[f.Name] = true
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			all.Write(b)
		}
		for _, n := range []string{"index.html", "accounts.json", "contracts.json", "billing.json", "notify.json", "audit.json"} {
			if !names[n] {
				t.Errorf("export lacks %s", n)
			}
		}
		if !strings.Contains(all.String(), jan.Email) || !strings.Contains(all.String(), "invoices") {
			t.Errorf("export lacks Jan's data")
		}
		if strings.Contains(all.String(), piet.Email) || strings.Contains(all.String(), "Pietersen") {
			t.Errorf("export contains another customer's data")
		}

		// Erasure.
		er, _ := e.a.Privacy.RecordRequest(e.ctx, e.staff, privacy.RequestInput{Kind: privacy.RequestErasure, Scope: privacy.ScopeProvider, Email: jan.Email, Name: "Jan Jansen"})
		if err := e.a.Privacy.CheckIdentity(e.ctx, e.staff, er.ID, "as before"); err != nil {
			t.Fatal(err)
		}
		invoices := e.count(`SELECT COUNT(*) FROM invoices WHERE org_id = $1`, jan.ID)
		if err := e.a.Privacy.Erase(e.ctx, e.staff, er.ID, holders.Person); err != nil {
			t.Fatal(err)
		}
		eq(t, "Jan's address left", e.count(`SELECT COUNT(*) FROM organisations WHERE LOWER(email) = $1`, jan.Email), 0)
		eq(t, "Jan's name left", e.count(`SELECT COUNT(*) FROM organisations WHERE legal_name = 'Jan Jansen'`), 0)
		eq(t, "Jan's contracts named", e.count(`SELECT COUNT(*) FROM contracts WHERE org_name = 'Jan Jansen'`), 0)
		eq(t, "Piet untouched", e.count(`SELECT COUNT(*) FROM organisations WHERE LOWER(email) = $1`, piet.Email), 1)
		eq(t, "invoices kept", e.count(`SELECT COUNT(*) FROM invoices WHERE org_id = $1`, jan.ID), invoices)
		// The invoices stay sealed and unchanged for the fiscal period, but every read
		// shows Jan anonymised (restriction, AVG art. 17(3)(b) and 18).
		eq(t, "sealed rows unchanged", e.count(`SELECT COUNT(*) FROM invoices WHERE org_id = $1 AND customer_json LIKE '%Jan Jansen%'`, jan.ID), invoices)
		list, _, err := e.a.Billing.ListInvoices(e.ctx, e.staff, billing.InvoiceFilter{OrgID: jan.ID}, billing.Page{})
		if err != nil || len(list) != invoices {
			t.Fatalf("Jan's invoices: %v %v", list, err)
		}
		for _, inv := range list {
			full, err := e.a.Billing.GetInvoice(e.ctx, e.staff, inv.ID)
			if inv.Customer.Name != privacy.Anonymised || err != nil || full.Customer.Name != privacy.Anonymised || full.Customer.Street != "" {
				t.Fatalf("invoice %s shows %q / %q (%v)", inv.Number, inv.Customer.Name, full.Customer.Name, err)
			}
		}
		pietInvs, _, _ := e.a.Billing.ListInvoices(e.ctx, e.staff, billing.InvoiceFilter{OrgID: piet.ID}, billing.Page{})
		if len(pietInvs) == 0 || pietInvs[0].Customer.Name != "Piet Pietersen" {
			t.Fatalf("Piet's invoice: %+v", pietInvs)
		}
		if _, problems, err := e.a.Billing.Verify(e.ctx); err != nil || len(problems) != 0 {
			t.Fatalf("billing verify after erasure: %v %v", problems, err)
		}
		// After the fiscal period the retention job redacts the party from the sealed
		// documents themselves, and the seal still verifies.
		e.clk.Set(e.clk.Now().AddDate(7, 2, 0))
		if err := e.a.Privacy.ApplyRetention(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		eq(t, "Jan's name left in invoices", e.count(`SELECT COUNT(*) FROM invoices WHERE customer_json LIKE '%Jan Jansen%'`), 0)
		eq(t, "redactions", e.count(`SELECT COUNT(*) FROM invoice_redactions`), e.count(`SELECT COUNT(*) FROM invoices`))
		if _, problems, err := e.a.Billing.Verify(e.ctx); err != nil || len(problems) != 0 {
			t.Fatalf("billing verify after redaction: %v %v", problems, err)
		}
	})
}

// TestPrivacyPublicPages: /subprocessors lists the register and its history, and
// /subprocessors.atom is a well-formed Atom feed of the changes, through the real
// handler.
func TestPrivacyPublicPages(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		if _, err := e.a.Privacy.AddSubprocessor(e.ctx, e.staff, privacy.SubprocessorInput{Name: "Leaseweb Netherlands B.V.", Purpose: "housing",
			Location: "Netherlands", Kinds: []string{"webhosting"}, Since: d("2024-01-01")}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.a.Privacy.Announce(e.ctx, e.staff, privacy.AnnounceInput{SubprocessorInput: privacy.SubprocessorInput{Name: "Backup Noord B.V.",
			Purpose: "backups", Location: "Netherlands", Kinds: []string{"webhosting"}, Since: d("2026-03-01")}, SummaryNL: "Tweede kopie.", SummaryEN: "Second copy."}); err != nil {
			t.Fatal(err)
		}
		h, err := e.a.Handler()
		if err != nil {
			t.Fatal(err)
		}
		get := func(path string) (int, string) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
			return rec.Code, rec.Body.String()
		}
		code, body := get("/subprocessors")
		if code != 200 || !strings.Contains(body, "Leaseweb Netherlands B.V.") || !strings.Contains(body, "Tweede kopie.") {
			t.Fatalf("/subprocessors: %d\n%s", code, body)
		}
		code, body = get("/subprocessors.atom?lang=en")
		var feed struct {
			Entries []struct {
				Title   string `xml:"title"`
				Summary string `xml:"summary"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal([]byte(body), &feed); code != 200 || err != nil || len(feed.Entries) != 1 || feed.Entries[0].Summary != "Second copy." {
			t.Fatalf("atom: %d %v %+v\n%s", code, err, feed, body)
		}
	})
}
