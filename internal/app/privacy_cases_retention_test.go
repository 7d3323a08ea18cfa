package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/abuse"
	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/app"
	"github.com/hostpact/hostpact/internal/disclosure"
	"github.com/hostpact/hostpact/internal/files"
	"github.com/hostpact/hostpact/internal/privacy"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/support"
)

// TestCaseRetentionScenario: contact and support records are kept 6 months after the
// question was resolved (cp.privacy.enquiries.2). Seven months after closing, the job
// anonymises exactly the closed tickets, notices and vulnerability reports, deletes
// their attachments and evidence, and leaves open cases, cases under a legal hold and
// the case skeleton alone; a second run does nothing more.
func TestCaseRetentionScenario(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a, _ := e.customer(accounts.Business, "Jansen Bakkerij", "webhosting/business")
		b, _ := e.customer(accounts.Business, "Pietersen Fietsen", "webhosting/business")
		e.runThrough(e.today())

		ticket := func(org int64, subject string) support.Ticket {
			t.Helper()
			tk, err := e.a.Support.Open(e.ctx, e.staff, support.OpenInput{OrgID: org, Subject: subject, Body: "Mijn naam is Jan Jansen, bel 06-12345678.",
				Files: []support.Upload{{Name: "screenshot.txt", Data: []byte("fout bij inloggen van jan@jansen.test")}}})
			if err != nil {
				t.Fatal(err)
			}
			return tk
		}
		closedTicket, openTicket, heldTicket := ticket(a.ID, "Inloggen lukt niet"), ticket(a.ID, "Nog open"), ticket(b.ID, "Factuurvraag")
		for _, id := range []int64{closedTicket.ID, heldTicket.ID} {
			if err := e.a.Support.Close(e.ctx, e.staff, id); err != nil {
				t.Fatal(err)
			}
		}
		notice := func(key string) int64 {
			t.Helper()
			c, err := e.a.Abuse.Submit(e.ctx, abuse.Notice{NotifierName: "Petra de Vries", NotifierEmail: "petra@rechten.test", NotifierPhone: "0201234567",
				Lang: "nl", URLs: []string{"https://jansen.nl/" + key}, AsksRemoval: true, Ground: "copyright", Accurate: true,
				Description: "Mijn foto's staan zonder toestemming op deze site.", Evidence: []abuse.Upload{{Name: "bewijs.pdf", Data: strings.NewReader("%PDF-1.4\nfoto van Petra")}}, Key: key})
			if err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		closedCase, openCase, heldCase := notice("k1"), notice("k2"), notice("k3")
		for _, id := range []int64{closedCase, heldCase} {
			if err := e.a.Abuse.CloseNotOurs(e.ctx, e.staff, id, false, "Elders B.V."); err != nil {
				t.Fatal(err)
			}
		}
		report := func(key string) int64 {
			t.Helper()
			r, err := e.a.Disclosure.Submit(e.ctx, disclosure.Submission{Title: "XSS in het portaal " + key, Affected: "https://portal.example/" + key,
				Description: "Een script in de zoekbalk.", Name: "Sam Onderzoeker", Email: "sam@onderzoek.test", Phone: "0612345678", Lang: "nl", Key: key})
			if err != nil {
				t.Fatal(err)
			}
			return r.ID
		}
		closedReport, openReport := report("r1"), report("r2")
		if err := e.a.Disclosure.Reject(e.ctx, e.staff, closedReport, disclosure.StateNotApplicable, "Geen kwetsbaarheid.", 0); err != nil {
			t.Fatal(err)
		}
		// One hold on a customer (its tickets), one on a case.
		if _, err := e.a.Privacy.PlaceHold(e.ctx, e.staff, b.ID, "", "geschil over een factuur"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.a.Privacy.PlaceHold(e.ctx, e.staff, 0, "ntd:"+fmtInt(heldCase), "politieonderzoek"); err != nil {
			t.Fatal(err)
		}

		// The plan lists the closed cases under the rule with the pack's clause, due
		// 6 months after closing; the held ones with their hold.
		plan, err := e.a.Privacy.PlanAsSystem(e.ctx, d("2026-12-31"))
		if err != nil {
			t.Fatal(err)
		}
		planned := map[string]string{}
		for _, it := range plan {
			if it.Rule == "enquiries" && it.ID != "" {
				planned[it.Kind+":"+it.ID] = it.Held
				eq(t, "due "+it.Kind+":"+it.ID, it.Due, d("2026-07-16"))
				if !strings.Contains(it.Clauses, "cp.privacy.enquiries.2") {
					t.Errorf("%s:%s clauses %q", it.Kind, it.ID, it.Clauses)
				}
			}
		}
		want := map[string]bool{"ticket:" + fmtInt(closedTicket.ID): false, "ticket:" + fmtInt(heldTicket.ID): true,
			"ntd:" + fmtInt(closedCase): false, "ntd:" + fmtInt(heldCase): true, "disclosure:" + fmtInt(closedReport): false}
		eq(t, "planned", len(planned), len(want))
		for k, held := range want {
			if h, ok := planned[k]; !ok || (h != "") != held {
				t.Errorf("plan %s: held %q, in plan %v; want held %v", k, h, ok, held)
			}
		}

		// Five months on nothing is due yet.
		e.clk.Set(time.Date(2026, 6, 15, 9, 0, 0, 0, time.UTC))
		if err := e.a.Privacy.ApplyRetention(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		eq(t, "done rows after 5 months", e.count(`SELECT COUNT(*) FROM privacy_retention_done WHERE rule = 'enquiries'`), 0)

		e.clk.Set(time.Date(2026, 8, 15, 9, 0, 0, 0, time.UTC))
		for range 2 { // twice: nothing is done twice
			if err := e.a.Privacy.ApplyRetention(e.ctx, e.clk.Now()); err != nil {
				t.Fatal(err)
			}
		}
		eq(t, "done rows", e.count(`SELECT COUNT(*) FROM privacy_retention_done WHERE rule = 'enquiries'`), 3)
		eq(t, "audit entries", e.count(`SELECT COUNT(*) FROM audit_entries WHERE action = 'privacy.retention'`), 3)

		// Tickets: the closed one is anonymised with its attachment gone; its skeleton stays.
		for _, x := range []struct {
			id   int64
			anon bool
		}{{closedTicket.ID, true}, {openTicket.ID, false}, {heldTicket.ID, false}} {
			tk, msgs, err := e.a.Support.Get(e.ctx, e.staff, x.id)
			if err != nil {
				t.Fatal(err)
			}
			anon := strings.HasSuffix(tk.RequesterEmail, "@anonymised.invalid")
			if anon != x.anon || len(msgs) == 0 || strings.Contains(msgs[0].Body, "Jan Jansen") == x.anon {
				t.Errorf("ticket %d: requester %q, body %q; anonymised want %v", x.id, tk.RequesterEmail, msgs[0].Body, x.anon)
			}
			fs, _ := files.ByOwner(e.ctx, e.db, support.FileOwner(x.id))
			eq(t, "attachments of ticket "+fmtInt(x.id), len(fs) == 0, x.anon)
			if x.anon && (tk.Status != support.StatusClosed || tk.OrgID != a.ID || tk.CreatedAt.IsZero()) {
				t.Errorf("ticket skeleton lost: %+v", tk)
			}
		}
		eq(t, "ticket file rows", e.count(`SELECT COUNT(*) FROM ticket_files f JOIN ticket_messages m ON m.id = f.message_id WHERE m.ticket_id = $1`, closedTicket.ID), 0)

		// Notices: the closed one loses the notifier, the text and the evidence; the
		// outcome and the closing event stay.
		for _, x := range []struct {
			id   int64
			anon bool
		}{{closedCase, true}, {openCase, false}, {heldCase, false}} {
			var email, phone, desc, state, outcome string
			if err := e.db.QueryRowContext(e.ctx, `SELECT notifier_email, notifier_phone, description, state, outcome FROM abuse_cases WHERE id = $1`, x.id).
				Scan(&email, &phone, &desc, &state, &outcome); err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(email, "@anonymised.invalid") != x.anon || (phone == "") != x.anon || strings.Contains(desc, "foto's") == x.anon {
				t.Errorf("case %d: %q %q %q; anonymised want %v", x.id, email, phone, desc, x.anon)
			}
			fs, _ := files.ByOwner(e.ctx, e.db, abuse.EvidenceOwner(x.id))
			eq(t, "evidence of case "+fmtInt(x.id), len(fs) == 0, x.anon)
			if x.anon {
				eq(t, "outcome kept", state+"/"+outcome, "closed/"+abuse.OutcomeNotOurs)
				eq(t, "events naming the notifier", e.count(`SELECT COUNT(*) FROM abuse_events WHERE case_id = $1 AND (body LIKE '%petra%' OR body LIKE '%Petra%' OR body LIKE '%foto%')`, x.id), 0)
				eq(t, "closing event kept", e.count(`SELECT COUNT(*) FROM abuse_events WHERE case_id = $1 AND kind = 'closed' AND body LIKE '%Elders B.V.%'`, x.id), 1)
			}
		}
		eq(t, "evidence bytes left", e.count(`SELECT COUNT(*) FROM file_contents WHERE data IS NOT NULL`) > 0, true)

		// Reports: the reporter goes, the vulnerability record stays.
		for _, x := range []struct {
			id   int64
			anon bool
		}{{closedReport, true}, {openReport, false}} {
			r, err := e.a.Disclosure.Get(e.ctx, e.staff, x.id)
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(r.ReporterEmail, "@anonymised.invalid") != x.anon || (r.ReporterPhone == "") != x.anon || r.Title == "" || r.Description == "" {
				t.Errorf("report %d: %+v; anonymised want %v", x.id, r, x.anon)
			}
		}

		// Lifting the hold on the case lets the next run handle it.
		var holdID int64
		if err := e.db.QueryRowContext(e.ctx, `SELECT id FROM privacy_holds WHERE case_ref = $1`, "ntd:"+fmtInt(heldCase)).Scan(&holdID); err != nil {
			t.Fatal(err)
		}
		if err := e.a.Privacy.LiftHold(e.ctx, e.staff, holdID); err != nil {
			t.Fatal(err)
		}
		if err := e.a.Privacy.ApplyRetention(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		eq(t, "done rows after lifting", e.count(`SELECT COUNT(*) FROM privacy_retention_done WHERE rule = 'enquiries'`), 4)
	})
}

// TestCaseRetentionCrash kills the retention job in the middle of anonymising the
// second of two due tickets (after its statements, before the commit), then runs it
// again: the killed ticket was rolled back whole — still named, attachment still there —
// and every case ends anonymised, recorded and audited exactly once.
func TestCaseRetentionCrash(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a, _ := e.customer(accounts.Business, "Jansen Bakkerij", "webhosting/business")
		e.runThrough(e.today())
		var ids []int64
		for _, subject := range []string{"Eerste vraag", "Tweede vraag"} {
			tk, err := e.a.Support.Open(e.ctx, e.staff, support.OpenInput{OrgID: a.ID, Subject: subject, Body: "Groet, Jan Jansen",
				Files: []support.Upload{{Name: "log.txt", Data: []byte("jan@jansen.test " + subject)}}})
			if err != nil {
				t.Fatal(err)
			}
			if err := e.a.Support.Close(e.ctx, e.staff, tk.ID); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, tk.ID)
		}
		c, err := e.a.Abuse.Submit(e.ctx, abuse.Notice{NotifierName: "Petra de Vries", NotifierEmail: "petra@rechten.test", Lang: "nl",
			URLs: []string{"https://jansen.nl/x"}, AsksRemoval: true, Ground: "copyright", Accurate: true, Description: "Mijn foto.", Key: "crash"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.a.Abuse.CloseNotOurs(e.ctx, e.staff, c.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		e.clk.Set(time.Date(2026, 8, 15, 9, 0, 0, 0, time.UTC))

		killed := errors.New("killed")
		var sources []privacy.RetentionSource
		for _, src := range app.RetentionSources(e.clk) {
			if src.Kind == "ticket" {
				apply := src.Apply
				src.Apply = func(ctx context.Context, q store.Querier, id string) error {
					if err := apply(ctx, q, id); err != nil {
						return err
					}
					if id == fmtInt(ids[1]) {
						return killed
					}
					return nil
				}
			}
			sources = append(sources, src)
		}
		crashing := privacy.New(e.db, e.clk, privacy.Deps{Pack: e.a.Pack, Retention: sources})
		if err := crashing.ApplyRetention(e.ctx, e.clk.Now()); !errors.Is(err, killed) {
			t.Fatalf("first run: %v, want the kill", err)
		}
		anonymised := func(id int64) bool {
			return e.count(`SELECT COUNT(*) FROM tickets WHERE id = $1 AND requester_email LIKE '%@anonymised.invalid'`, id) == 1
		}
		attachments := func(id int64) int {
			fs, err := files.ByOwner(e.ctx, e.db, support.FileOwner(id))
			if err != nil {
				t.Fatal(err)
			}
			return len(fs)
		}
		eq(t, "first ticket anonymised", anonymised(ids[0]), true)
		eq(t, "killed ticket anonymised", anonymised(ids[1]), false)
		eq(t, "killed ticket's attachments", attachments(ids[1]), 1)
		eq(t, "done rows after the kill", e.count(`SELECT COUNT(*) FROM privacy_retention_done WHERE rule = 'enquiries'`), 1)

		for range 2 {
			if err := e.a.Privacy.ApplyRetention(e.ctx, e.clk.Now()); err != nil {
				t.Fatal(err)
			}
		}
		eq(t, "second ticket anonymised", anonymised(ids[1]), true)
		eq(t, "attachments left", attachments(ids[0])+attachments(ids[1]), 0)
		eq(t, "done rows", e.count(`SELECT COUNT(*) FROM privacy_retention_done WHERE rule = 'enquiries'`), 3)
		eq(t, "audit entries", e.count(`SELECT COUNT(*) FROM audit_entries WHERE action = 'privacy.retention'`), 3)
		eq(t, "audit entries naming a person", e.count(`SELECT COUNT(*) FROM audit_entries WHERE action = 'privacy.retention' AND (summary LIKE '%jansen%' OR summary LIKE '%petra%')`), 0)
	})
}
