package support_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/files"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/support"
)

func TestMailThreadsDeduplicatesAndNeverAnswersRobots(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, ams(t, "2027-01-05 10:00"))
		first := "From: Onbekend <piet@elders.test>\nTo: support@provider.test\nSubject: Vraag over hosting\nMessage-ID: <p1@elders.test>\n\nHallo, kunnen jullie mijn site hosten?"
		e.mail(first)
		e.mail(first) // a second delivery
		ts := e.only(staff, support.Filter{Unlinked: true})
		if len(ts) != 1 || ts[0].OrgID != 0 || ts[0].Channel != support.Email {
			t.Fatalf("tickets from an unknown sender: %+v", ts)
		}
		tk := ts[0]
		if out := e.outbox(); len(out) != 1 || !strings.Contains(out[0].Subject, tk.Token()) {
			t.Fatalf("one acknowledgement with the token: %+v", out)
		}
		_, ms := e.ticket(staff, tk.ID)
		ack := lastOutgoingID(ms, support.Automatic)
		// The sender's out-of-office answers the acknowledgement: recorded, not answered.
		e.mail("From: piet@elders.test\nTo: support@provider.test\nSubject: Automatisch antwoord: Ontvangen\nAuto-Submitted: auto-replied\nMessage-ID: <ooo1@elders.test>\nIn-Reply-To: <" + ack + ">\n\nIk ben afwezig tot maandag.")
		// And a bounce of something, with the token in its subject.
		e.mail("From: MAILER-DAEMON@elders.test\nTo: support@provider.test\nSubject: Undelivered: " + tk.Token() + "\nMessage-ID: <b1@elders.test>\n\nfailed")
		if out := e.outbox(); len(out) != 1 {
			t.Fatalf("a robot was answered: %d mails", len(out))
		}
		tk2, ms := e.ticket(staff, tk.ID)
		last := ms[len(ms)-1]
		if last.Kind != support.Automatic || last.Public || !strings.Contains(last.Note, "Auto-Submitted") || tk2.Status != support.StatusNew {
			t.Fatalf("auto-reply: %+v status %s", last, tk2.Status)
		}
		if _, cms, _ := e.svc.Get(ctx, staff, tk.ID); len(cms) != len(ms) {
			t.Error("staff see every message")
		}

		// Staff link the ticket to an organisation; its customer then sees it.
		if _, _, err := e.svc.Get(ctx, acme, tk.ID); !errors.Is(err, support.ErrNotFound) {
			t.Fatalf("an unlinked ticket shown to a customer: %v", err)
		}
		if err := e.svc.LinkOrganisation(ctx, billing, tk.ID, 1); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.LinkOrganisation(ctx, acme, tk.ID, 1); err == nil {
			t.Error("a customer linked a ticket")
		}
		cust, cms, err := e.svc.Get(ctx, acme, tk.ID)
		if err != nil || cust.OrgID != 1 {
			t.Fatal(err)
		}
		for _, m := range cms {
			if !m.Public {
				t.Errorf("customer sees a non-public message %+v", m)
			}
		}

		// A stranger writing the token into a subject opens a ticket of its own.
		e.mail("From: eve@evil.test\nTo: support@provider.test\nSubject: Re: " + tk.Token() + "\nMessage-ID: <e1@evil.test>\n\nlet me in")
		_, ms = e.ticket(staff, tk.ID)
		for _, m := range ms {
			if m.AuthorEmail == "eve@evil.test" {
				t.Fatal("an outsider wrote into another's ticket by its token")
			}
		}
		// The requester with the token threads.
		e.mail("From: piet@elders.test\nTo: support@provider.test\nSubject: Nog iets " + tk.Token() + "\nMessage-ID: <p2@elders.test>\n\nEn e-mail?")
		_, ms = e.ticket(staff, tk.ID)
		if ms[len(ms)-1].MessageID != "p2@elders.test" {
			t.Fatal("the requester's token mail did not thread")
		}

		// A staff reply goes out threaded.
		if _, err := e.svc.Reply(ctx, staff, tk.ID, support.ReplyInput{Body: "Ja, dat kan."}); err != nil {
			t.Fatal(err)
		}
		var got *struct{ subject string }
		for _, m := range e.outbox() {
			if strings.HasPrefix(m.Subject, "Re: ") && m.To == "piet@elders.test" {
				got = &struct{ subject string }{m.Subject}
			}
		}
		if got == nil || !strings.Contains(got.subject, tk.Token()) {
			t.Fatalf("reply mail %+v", got)
		}
		var refs, inReply, mid string
		if err := db.QueryRowContext(ctx, `SELECT refs, in_reply_to, message_id FROM mail_outbox WHERE subject LIKE 'Re: %' ORDER BY id DESC LIMIT 1`).Scan(&refs, &inReply, &mid); err != nil {
			t.Fatal(err)
		}
		if inReply != "p2@elders.test" || !strings.Contains(refs, "p1@elders.test") || !strings.HasSuffix(mid, "@provider.test") {
			t.Errorf("thread headers: in-reply-to %q refs %q id %q", inReply, refs, mid)
		}
	}, schemas...)
}

func TestTicketsStayWithTheirOrganisation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, ams(t, "2027-01-05 10:00"))
		tk, err := e.svc.Open(ctx, acme, support.OpenInput{OrgID: 1, Subject: "Restore", Body: "Graag de backup van gisteren terug.",
			Category: support.BackupRestore, Fields: map[string]string{"service": "web-01", "restore_point": "2027-01-04"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Open(ctx, acme, support.OpenInput{OrgID: 2, Subject: "x", Body: "y"}); !errors.Is(err, support.ErrNotFound) {
			t.Errorf("opened a ticket for another organisation: %v", err)
		}
		if _, err := e.svc.Open(ctx, acme, support.OpenInput{OrgID: 1, Subject: "Change", Body: "y", Category: support.ChangeRequest}); err == nil {
			t.Error("a change request without its fields")
		}
		if _, err := e.svc.Reply(ctx, staff, tk.ID, support.ReplyInput{Body: "Interne notitie: schijf web-01 bijna vol.", Internal: true}); err != nil {
			t.Fatal(err)
		}
		for name, f := range map[string]func() error{
			"get":   func() error { _, _, err := e.svc.Get(ctx, globex, tk.ID); return err },
			"reply": func() error { _, err := e.svc.Reply(ctx, globex, tk.ID, support.ReplyInput{Body: "x"}); return err },
			"close": func() error { return e.svc.Close(ctx, globex, tk.ID) },
			"file":  func() error { _, _, err := e.svc.Attachment(ctx, globex, tk.ID, 1); return err },
		} {
			if err := f(); !errors.Is(err, support.ErrNotFound) {
				t.Errorf("%s by another organisation: %v", name, err)
			}
		}
		if err := e.svc.SetStatus(ctx, acme, tk.ID, support.StatusResolved); err == nil {
			t.Error("a customer changed the status with ticket.manage")
		}
		_, ms := e.ticket(acme, tk.ID)
		for _, m := range ms {
			if m.Kind == support.Note {
				t.Fatal("an internal note shown to the customer")
			}
		}
		if ts := e.only(globex, support.Filter{OrgID: 1}); len(ts) != 0 {
			t.Errorf("another organisation's list: %d", len(ts))
		}
		if err := e.svc.Close(ctx, acme, tk.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Reply(ctx, acme, tk.ID, support.ReplyInput{Body: "nog iets"}); !errors.As(err, new(*support.Error)) {
			t.Errorf("reply to a closed ticket: %v", err)
		}
	}, schemas...)
}

func TestAttachmentsHaveALimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, ams(t, "2027-01-05 10:00"))
		_, err := e.svc.Open(ctx, acme, support.OpenInput{OrgID: 1, Subject: "Log", Body: "zie bijlage",
			Files: []support.Upload{{Name: "big.log", Data: make([]byte, 2048)}}})
		var fe *files.Error
		if !errors.As(err, &fe) || fe.Key != "files.too_large" {
			t.Fatalf("too large: %v", err)
		}
		if ts := e.only(acme, support.Filter{}); len(ts) != 0 {
			t.Fatal("a refused upload left a ticket behind")
		}
		tk, err := e.svc.Open(ctx, acme, support.OpenInput{OrgID: 1, Subject: "Log", Body: "zie bijlage",
			Files: []support.Upload{{Name: "error.log", Data: []byte("line 1\nline 2\n")}}})
		if err != nil {
			t.Fatal(err)
		}
		_, ms := e.ticket(acme, tk.ID)
		f, data, err := e.svc.Attachment(ctx, acme, tk.ID, ms[0].Files[0].ID)
		if err != nil || f.Name != "error.log" || string(data) != "line 1\nline 2\n" || f.Owner != "ticket:1" && !strings.HasPrefix(f.Owner, "ticket:") {
			t.Fatalf("attachment %+v %q %v", f, data, err)
		}
		// A mail's oversized attachment is noted, not fatal.
		e.mail("From: jan@acme.test\nTo: support@provider.test\nSubject: groot\nMessage-ID: <g@acme.test>\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nbijlage\n--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=dump.bin\n\n" + strings.Repeat("x", 1500) + "\n--b--\n")
		ts := e.only(staff, support.Filter{OrgID: 1})
		_, ms = e.ticket(staff, ts[0].ID)
		if !strings.Contains(ms[0].Note, "dump.bin") {
			t.Errorf("refused mail attachment not noted: %+v", ms[0])
		}
		_ = accounts.TicketRead
	}, schemas...)
}
