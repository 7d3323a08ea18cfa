package notify_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

const link = "https://portal.example/reset?token=Zq3-geheim-eenmalig"

func bodies(t *testing.T, db *store.DB, id int64) string {
	t.Helper()
	var text, html string
	if err := db.QueryRow(`SELECT body_text, body_html FROM mail_outbox WHERE id = $1`, id).Scan(&text, &html); err != nil {
		t.Fatal(err)
	}
	return text + "\n" + html
}

// Security finding 1: a mail with a one-time link is sealed in the outbox, delivered
// with the link over SMTP, and redacted the moment it is recorded as sent; staff see a
// note, never the link, before or after.
func TestSecretMailIsSealedThenRedacted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		keys := secrets.Ephemeral()
		srv := startServer(t, serverOptions{tls: "none"})
		clk := clock.NewFake(t0)
		m := notify.Message{To: "Sanne <sanne@klant.test>", Lang: "en", Subject: "Reset your password",
			Text: "Choose a new password: " + link, HTML: `<a href="` + link + `">reset</a>`, Secret: true, Keys: keys}
		id := enqueue(t, db, m)
		if b := bodies(t, db, id); strings.Contains(b, "Zq3-geheim") || !strings.Contains(b, "sealed:v1:"+keys.ID()) {
			t.Fatalf("stored body: %q", b)
		}
		if got := mailByID(t, db, id); got.Text != "[encrypted until sent: contains a one-time link]" || !got.Secret {
			t.Fatalf("listed while pending: %+v", got)
		}

		s := notify.NewSender(db, clk, smtpConfig(srv), testLogger(t))
		s.Keys = keys
		if sent, err := s.SendPending(ctx, clk.Now()); sent != 1 || err != nil {
			t.Fatalf("SendPending = %d, %v", sent, err)
		}
		got := parseMail(t, srv.received()[0].Data)
		if !strings.Contains(got.Text, link) || !strings.Contains(got.HTML, link) {
			t.Fatalf("delivered mail lacks the link: %q / %q", got.Text, got.HTML)
		}
		if b := bodies(t, db, id); strings.Contains(b, "Zq3-geheim") || strings.Contains(b, "sealed:") {
			t.Fatalf("body after sending: %q", b)
		}
		if out := mailByID(t, db, id); out.Text != "[redacted after sending: contained a one-time link]" || out.Status != "sent" {
			t.Fatalf("listed after sending: %+v", out)
		}
	}, notify.Schema)
}

// A sealed body opens only with the key and for its recipient; a mail given up is
// redacted too; a secret mail cannot be queued without a key.
func TestSecretMailFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		keys := secrets.Ephemeral()
		clk := clock.NewFake(t0)
		m := notify.Message{To: "jan@klant.test", Lang: "nl", Subject: "Wachtwoord", Text: "Link: " + link, Secret: true, Keys: keys}
		if _, err := notify.Enqueue(ctx, db, t0, notify.Message{To: m.To, Subject: m.Subject, Text: m.Text, Secret: true}); err == nil {
			t.Fatal("a secret mail was queued without a key")
		}
		id := enqueue(t, db, m)
		other := enqueue(t, db, m)
		// Someone with the database points the second sealed body at their own address.
		if _, err := db.Exec(`UPDATE mail_outbox SET to_addr = 'dief@example.test' WHERE id = $1`, other); err != nil {
			t.Fatal(err)
		}
		srv := startServer(t, serverOptions{tls: "none"})
		s := notify.NewSender(db, clk, smtpConfig(srv), testLogger(t))
		s.Keys = secrets.Ephemeral() // another key file
		if _, err := s.SendPending(ctx, clk.Now()); err == nil {
			t.Fatal("sent with another key")
		}
		var ke *secrets.KeyError
		if got := mailByID(t, db, id); got.Attempts != 1 || !strings.Contains(got.LastError, "HOSTPACT_SECRET_KEY_FILE") {
			t.Fatalf("with another key: %+v", got)
		} else if _, err := s.Keys.Open(secrets.PurposeMail, "", secrets.Sealed("sealed:v1:"+keys.ID()+":x")); !errors.As(err, &ke) {
			t.Fatalf("open error %v", err)
		}
		s.Keys = keys
		srv.setRcptErr(&smtp.SMTPError{Code: 550, Message: "no such user"})
		for range notify.MaxAttempts {
			clk.Advance(24 * time.Hour)
			_, _ = s.SendPending(ctx, clk.Now())
		}
		if len(srv.received()) != 0 {
			t.Fatal("a mail got through")
		}
		for _, x := range []int64{id, other} {
			got := mailByID(t, db, x)
			if got.Status != "failed" || got.Text != "[verwijderd na verzending: bevatte een eenmalige link]" || strings.Contains(bodies(t, db, x), "sealed:") {
				t.Fatalf("mail %d given up: %+v", x, got)
			}
		}
		if got := mailByID(t, db, other); !strings.Contains(got.LastError, "altered or copied") {
			t.Fatalf("moved body: %q", got.LastError)
		}
	}, notify.Schema)
}

// Mail with a one-time link queued before bodies were sealed is protected at start:
// sealed while it waits (and still delivered with its link), redacted once sent.
func TestSealLegacy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		keys := secrets.Ephemeral()
		clk := clock.NewFake(t0)
		sentID := enqueue(t, db, notify.Message{To: "a@klant.test", Subject: "Reset", Text: "Link: " + link})
		if _, err := db.Exec(`UPDATE mail_outbox SET status = 'sent' WHERE id = $1`, sentID); err != nil {
			t.Fatal(err)
		}
		pendingID := enqueue(t, db, notify.Message{To: "b@klant.test", Lang: "en", Subject: "Reset", Text: "Link: " + link})
		plainID := enqueue(t, db, notify.Message{To: "c@klant.test", Subject: "Factuur", Text: "Uw factuur staat klaar."})
		if n, err := notify.SealLegacy(ctx, db, keys, "/reset?token="); err != nil || n != 2 {
			t.Fatalf("SealLegacy = %d, %v", n, err)
		}
		if n, err := notify.SealLegacy(ctx, db, keys, "/reset?token="); err != nil || n != 0 {
			t.Fatalf("second SealLegacy = %d, %v", n, err)
		}
		for _, id := range []int64{sentID, pendingID} {
			if strings.Contains(bodies(t, db, id), "Zq3-geheim") {
				t.Fatalf("mail %d still holds the link", id)
			}
		}
		if bodies(t, db, plainID) != "Uw factuur staat klaar.\n" {
			t.Fatal("a mail without a link was changed")
		}
		srv := startServer(t, serverOptions{tls: "none"})
		s := notify.NewSender(db, clk, smtpConfig(srv), testLogger(t))
		s.Keys = keys
		if sent, err := s.SendPending(ctx, clk.Now()); sent != 2 || err != nil {
			t.Fatalf("SendPending = %d, %v", sent, err)
		}
		var withLink int
		for _, r := range srv.received() {
			if strings.Contains(parseMail(t, r.Data).Text, link) {
				withLink++
			}
		}
		if withLink != 1 {
			t.Fatalf("%d delivered mails hold the link, want 1", withLink)
		}
	}, notify.Schema)
}
