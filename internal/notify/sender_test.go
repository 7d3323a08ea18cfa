package notify_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

var t0 = time.Date(2026, 3, 2, 8, 15, 0, 0, time.UTC)

func smtpConfig(srv *testServer) notify.SMTPConfig {
	return notify.SMTPConfig{Host: "127.0.0.1", Port: srv.Port, From: "noreply@cloudprovider.test",
		FromName: "CloudProvider – Klantenservice", TLS: "none"}
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), nil))
}

func enqueue(t *testing.T, db *store.DB, m notify.Message) int64 {
	t.Helper()
	var id int64
	err := db.InTx(context.Background(), func(q store.Querier) error {
		var err error
		id, err = notify.Enqueue(context.Background(), q, t0, m)
		return err
	})
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	return id
}

func mailByID(t *testing.T, db *store.DB, id int64) notify.Mail {
	t.Helper()
	ms, err := notify.List(context.Background(), db, 0, id+1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].ID != id {
		t.Fatalf("mail %d not found: %+v", id, ms)
	}
	return ms[0]
}

func nextAttempt(t *testing.T, db *store.DB, id int64) time.Time {
	t.Helper()
	var at time.Time
	if err := db.QueryRowContext(context.Background(), `SELECT next_attempt_at FROM mail_outbox WHERE id = $1`, id).Scan(&at); err != nil {
		t.Fatal(err)
	}
	return at.UTC()
}

var opzegging = notify.Message{
	OrgID:   42,
	To:      "sanne@klant.test",
	ToName:  "Sanne de Vries-Ünal",
	Lang:    "nl",
	Subject: "Bevestiging opzegging – één",
	Text: "Beste Sanne,\n\n" +
		"Wij hebben uw opzegging van het abonnement ‘VPS Large’ ontvangen. De overeenkomst eindigt op 31 maart 2026; tot die dag blijft de dienst actief en gefactureerd.\n" +
		".Deze regel begint met een punt.\n\n" +
		"Met vriendelijke groet,\nCloudProvider\n",
	HTML: "<p>Beste Sanne,</p><p>Uw opzegging is ontvangen. Einddatum: <b>31 maart 2026</b>.</p>",
}

func TestSenderDeliversOverSMTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := startServer(t, serverOptions{tls: "none"})
		clk := clock.NewFake(t0.Add(time.Minute))
		s := notify.NewSender(db, clk, smtpConfig(srv), testLogger(t))
		id := enqueue(t, db, opzegging)

		sent, err := s.SendPending(ctx, clk.Now())
		if err != nil || sent != 1 {
			t.Fatalf("SendPending = %d, %v; want 1, nil", sent, err)
		}
		got := srv.received()
		if len(got) != 1 {
			t.Fatalf("server received %d mails, want 1", len(got))
		}
		if got[0].From != "noreply@cloudprovider.test" || len(got[0].To) != 1 || got[0].To[0] != "sanne@klant.test" {
			t.Fatalf("envelope from %q to %q", got[0].From, got[0].To)
		}
		m := parseMail(t, got[0].Data)
		if m.Subject != opzegging.Subject {
			t.Errorf("Subject = %q, want %q", m.Subject, opzegging.Subject)
		}
		if raw := m.Header.Get("Subject"); !strings.HasPrefix(raw, "=?UTF-8?") {
			t.Errorf("raw Subject %q is not an RFC 2047 encoded word", raw)
		}
		if m.To.Address != "sanne@klant.test" || m.To.Name != "Sanne de Vries-Ünal" {
			t.Errorf("To = %+v", m.To)
		}
		if m.From.Address != "noreply@cloudprovider.test" || m.From.Name != "CloudProvider – Klantenservice" {
			t.Errorf("From = %+v", m.From)
		}
		if !m.Date.Equal(clk.Now()) {
			t.Errorf("Date = %v, want the clock's %v", m.Date, clk.Now())
		}
		if want := fmt.Sprintf("<outbox.%d.%d@cloudprovider.test>", id, t0.Unix()); m.MessageID != want {
			t.Errorf("Message-ID = %q, want %q", m.MessageID, want)
		}
		if m.Header.Get("Content-Language") != "nl" || m.Header.Get("Auto-Submitted") != "auto-generated" {
			t.Errorf("headers: %v", m.Header)
		}
		if m.Text != opzegging.Text {
			t.Errorf("text body:\n%q\nwant\n%q", m.Text, opzegging.Text)
		}
		if m.HTML != opzegging.HTML {
			t.Errorf("html body %q", m.HTML)
		}
		out := mailByID(t, db, id)
		if out.Status != "sent" || out.SentAt == nil || !out.SentAt.Equal(clk.Now()) || out.Attempts != 0 || out.LastError != "" {
			t.Fatalf("outbox after sending: %+v", out)
		}

		clk.Advance(time.Hour)
		if sent, err := s.SendPending(ctx, clk.Now()); sent != 0 || err != nil {
			t.Fatalf("second SendPending = %d, %v", sent, err)
		}
		if n := len(srv.received()); n != 1 {
			t.Fatalf("a sent mail was sent again: %d received", n)
		}
	}, notify.Schema)
}

// A recipient at an internationalised domain is sent to its punycode form, which every
// mail server accepts (finding 8 of issue 8 stores addresses in Unicode).
func TestSenderWritesInternationalDomainsInPunycode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := startServer(t, serverOptions{tls: "none"})
		clk := clock.NewFake(t0.Add(time.Minute))
		s := notify.NewSender(db, clk, smtpConfig(srv), testLogger(t))
		m := opzegging
		m.To = "jan@bücher.nl"
		enqueue(t, db, m)
		if sent, err := s.SendPending(context.Background(), clk.Now()); err != nil || sent != 1 {
			t.Fatalf("SendPending = %d, %v", sent, err)
		}
		got := srv.received()
		if len(got) != 1 || len(got[0].To) != 1 || got[0].To[0] != "jan@xn--bcher-kva.nl" {
			t.Fatalf("envelope recipients %+v, want jan@xn--bcher-kva.nl", got)
		}
	}, notify.Schema)
}

func TestSenderBacksOffThenGivesUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := startServer(t, serverOptions{tls: "none"})
		srv.setRcptErr(&smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 2, 0}, Message: "Mailbox tijdelijk niet beschikbaar"})
		clk := clock.NewFake(t0)
		s := notify.NewSender(db, clk, smtpConfig(srv), testLogger(t))
		id := enqueue(t, db, opzegging)

		for attempt := 1; attempt <= notify.MaxAttempts; attempt++ {
			sent, err := s.SendPending(ctx, clk.Now())
			if sent != 0 || err == nil || !strings.Contains(err.Error(), "1 mail(s) not delivered") {
				t.Fatalf("attempt %d: SendPending = %d, %v", attempt, sent, err)
			}
			m := mailByID(t, db, id)
			if m.Attempts != attempt || !strings.Contains(m.LastError, "451") || !strings.Contains(m.LastError, "Mailbox tijdelijk niet beschikbaar") {
				t.Fatalf("attempt %d: %+v", attempt, m)
			}
			if attempt == notify.MaxAttempts {
				if m.Status != "failed" {
					t.Fatalf("after %d attempts status = %q, want failed", attempt, m.Status)
				}
				break
			}
			delay := notify.RetryDelay(attempt)
			if m.Status != "pending" || !nextAttempt(t, db, id).Equal(clk.Now().Add(delay)) {
				t.Fatalf("attempt %d: status %q, next attempt %v, want pending at %v", attempt, m.Status, nextAttempt(t, db, id), clk.Now().Add(delay))
			}
			clk.Advance(delay - time.Microsecond)
			if sent, err := s.SendPending(ctx, clk.Now()); sent != 0 || err != nil {
				t.Fatalf("tried before the backoff ended: %d, %v", sent, err)
			}
			if got := mailByID(t, db, id).Attempts; got != attempt {
				t.Fatalf("attempts changed before the backoff ended: %d", got)
			}
			clk.Advance(time.Microsecond)
		}

		// A failed mail stays failed once the server is back; new mail goes out.
		srv.setRcptErr(nil)
		clk.Advance(48 * time.Hour)
		other := opzegging
		other.To = "jan@klant.test"
		enqueue(t, db, other)
		sent, err := s.SendPending(ctx, clk.Now())
		if sent != 1 || err != nil {
			t.Fatalf("after recovery: %d, %v", sent, err)
		}
		if got := srv.received(); len(got) != 1 || got[0].To[0] != "jan@klant.test" {
			t.Fatalf("after recovery the server received %d mails", len(got))
		}
	}, notify.Schema)
}

func TestRetryDelayDoubles(t *testing.T) {
	want := []time.Duration{0, 5 * time.Minute, 10 * time.Minute, 20 * time.Minute, 40 * time.Minute, 80 * time.Minute, 160 * time.Minute, 320 * time.Minute}
	var total time.Duration
	for n, w := range want {
		if got := notify.RetryDelay(n); got != w {
			t.Errorf("RetryDelay(%d) = %v, want %v", n, got, w)
		}
		total += w
	}
	if total != 635*time.Minute {
		t.Errorf("the %d attempts span %v", notify.MaxAttempts, total)
	}
}

func TestDedupeKeyQueuesOneMail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := startServer(t, serverOptions{tls: "none"})
		m := opzegging
		m.DedupeKey = "contract:981:cancellation-confirmation"
		enqueue(t, db, m)
		// Again in a later transaction (a job that runs twice) and twice in one.
		err := db.InTx(ctx, func(q store.Querier) error {
			if _, err := notify.Enqueue(ctx, q, t0, m); !errors.Is(err, notify.ErrDuplicate) {
				return fmt.Errorf("second Enqueue: %v, want ErrDuplicate", err)
			}
			// The conflict must not abort the transaction (PostgreSQL would, on a plain
			// unique violation): the caller's own change still commits.
			other := m
			other.DedupeKey = "contract:981:welcome"
			if _, err := notify.Enqueue(ctx, q, t0, other); err != nil {
				return err
			}
			if _, err := notify.Enqueue(ctx, q, t0, other); !errors.Is(err, notify.ErrDuplicate) {
				return fmt.Errorf("duplicate in one transaction: %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		clk := clock.NewFake(t0)
		sent, err := notify.NewSender(db, clk, smtpConfig(srv), testLogger(t)).SendPending(ctx, clk.Now())
		if sent != 2 || err != nil {
			t.Fatalf("SendPending = %d, %v; want 2", sent, err)
		}
		if n := len(srv.received()); n != 2 {
			t.Fatalf("server received %d mails, want 2", n)
		}
	}, notify.Schema)
}

func TestTwoSendersDeliverEachMailOnce(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, d)
			open := func() *store.DB {
				db, err := store.Open(ctx, url)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				if err := db.Migrate(ctx, notify.Schema); err != nil {
					t.Fatal(err)
				}
				return db
			}
			dbA, dbB := open(), open()
			srv := startServer(t, serverOptions{tls: "none"})
			const n = 40
			for i := range n {
				m := opzegging
				m.To = fmt.Sprintf("klant%02d@klant.test", i)
				enqueue(t, dbA, m)
			}
			clk := clock.NewFake(t0)
			var senders []*notify.Sender
			for _, db := range []*store.DB{dbA, dbB} {
				s := notify.NewSender(db, clk, smtpConfig(srv), testLogger(t))
				s.BatchSize = 3
				senders = append(senders, s)
			}
			start := make(chan struct{})
			var wg sync.WaitGroup
			sent := make([]int, len(senders))
			for i, s := range senders {
				wg.Go(func() {
					<-start
					var err error
					sent[i], err = s.SendPending(ctx, clk.Now())
					if err != nil {
						t.Error(err)
					}
				})
			}
			close(start)
			wg.Wait()
			// A sender that lost every row of a claim to the other stops early; what is
			// left (if anything) goes out on the next run.
			rest, err := senders[0].SendPending(ctx, clk.Now())
			if err != nil {
				t.Fatal(err)
			}
			if total := sent[0] + sent[1] + rest; total != n {
				t.Fatalf("sent %d+%d+%d, want %d", sent[0], sent[1], rest, n)
			}
			seen := map[string]int{}
			for _, r := range srv.received() {
				seen[parseMail(t, r.Data).MessageID]++
			}
			if len(seen) != n {
				t.Fatalf("server received %d distinct mails, want %d", len(seen), n)
			}
			for id, c := range seen {
				if c != 1 {
					t.Errorf("%s delivered %d times", id, c)
				}
			}
			t.Logf("sender a sent %d, sender b %d, the follow-up run %d", sent[0], sent[1], rest)
		})
	}
}

func TestAClaimedMailWaitsForItsLease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := startServer(t, serverOptions{tls: "none"})
		id := enqueue(t, db, opzegging)
		// Another instance claimed it and died.
		if _, err := db.ExecContext(ctx, `UPDATE mail_outbox SET locked_until = $1 WHERE id = $2`, t0.Add(5*time.Minute), id); err != nil {
			t.Fatal(err)
		}
		clk := clock.NewFake(t0.Add(5 * time.Minute))
		s := notify.NewSender(db, clk, smtpConfig(srv), testLogger(t))
		if sent, err := s.SendPending(ctx, clk.Now()); sent != 0 || err != nil {
			t.Fatalf("sent a mail another instance holds: %d, %v", sent, err)
		}
		clk.Advance(time.Microsecond)
		if sent, err := s.SendPending(ctx, clk.Now()); sent != 1 || err != nil {
			t.Fatalf("expired claim not taken over: %d, %v", sent, err)
		}
	}, notify.Schema)
}

// cancellingDeliverer stands for a shutdown during a batch: it cancels the caller's
// context and tries nothing.
type cancellingDeliverer struct{ cancel context.CancelFunc }

func (c cancellingDeliverer) Deliver(ctx context.Context, _ time.Time, batch []notify.Outgoing) []error {
	c.cancel()
	errs := make([]error, len(batch))
	for i := range errs {
		errs[i] = ctx.Err()
	}
	return errs
}

func TestAMailNotTriedIsReleasedWithoutCountingAnAttempt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		id := enqueue(t, db, opzegging)
		clk := clock.NewFake(t0)
		s := notify.NewSender(db, clk, notify.SMTPConfig{}, testLogger(t), cancellingDeliverer{cancel})
		if sent, err := s.SendPending(ctx, clk.Now()); sent != 0 || err != nil {
			t.Fatalf("SendPending = %d, %v", sent, err)
		}
		m := mailByID(t, db, id)
		var locked *time.Time
		if err := db.QueryRowContext(context.Background(), `SELECT locked_until FROM mail_outbox WHERE id = $1`, id).Scan(&locked); err != nil {
			t.Fatal(err)
		}
		if m.Status != "pending" || m.Attempts != 0 || locked != nil || !nextAttempt(t, db, id).Equal(t0) {
			t.Fatalf("after an interrupted batch: %+v, locked_until %v", m, locked)
		}
	}, notify.Schema)
}

func TestDemoModeLogsRecipientAndSubjectOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var logs bytes.Buffer
		id := enqueue(t, db, opzegging)
		clk := clock.NewFake(t0)
		s := notify.NewSender(db, clk, notify.SMTPConfig{}, slog.New(slog.NewTextHandler(&logs, nil)))
		if sent, err := s.SendPending(context.Background(), clk.Now()); sent != 1 || err != nil {
			t.Fatalf("SendPending = %d, %v", sent, err)
		}
		if m := mailByID(t, db, id); m.Status != "sent" {
			t.Fatalf("status %q", m.Status)
		}
		out := logs.String()
		if !strings.Contains(out, "to=sanne@klant.test") || !strings.Contains(out, `subject="Bevestiging opzegging – één"`) {
			t.Errorf("log lacks recipient or subject:\n%s", out)
		}
		if strings.Contains(out, "VPS Large") || strings.Contains(out, "31 maart") {
			t.Errorf("log contains the body:\n%s", out)
		}
	}, notify.Schema)
}

func TestSMTPWithTLSAndAuthNeverRevealsThePassword(t *testing.T) {
	const password = "Wachtw00rd-geheim!"
	cases := []struct {
		name      string
		tls       string
		password  string
		delivered bool
		authSeen  bool
	}{
		{"starttls", "starttls", password, true, true},
		{"implicit tls", "tls", password, true, true},
		{"wrong password", "starttls", password + "x", false, true},
		// Without TLS the client offers no clear-text mechanism, so the password never
		// goes over the wire, even though this server would take it.
		{"no tls", "none", password, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, store.SQLite, notify.Schema)
			srv := startServer(t, serverOptions{tls: tc.tls, user: "mailer", pass: password})
			cfg := smtpConfig(srv)
			cfg.TLS, cfg.Username, cfg.Password = tc.tls, "mailer", tc.password
			d, err := notify.NewSMTPDeliverer(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if srv.CA != nil {
				notify.SetTLSConfig(d, &tls.Config{RootCAs: srv.CA})
			}
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, nil))
			logger.Info("smtp configured", "smtp", cfg)
			id := enqueue(t, db, opzegging)
			clk := clock.NewFake(t0)
			sent, err := notify.NewSender(db, clk, cfg, logger, d).SendPending(ctx, clk.Now())
			if tc.delivered != (sent == 1) || tc.delivered != (len(srv.received()) == 1) {
				t.Fatalf("sent %d, received %d, err %v; want delivered=%v", sent, len(srv.received()), err, tc.delivered)
			}
			if srv.sawAuth() != tc.authSeen {
				t.Errorf("server saw AUTH: %v, want %v", srv.sawAuth(), tc.authSeen)
			}
			m := mailByID(t, db, id)
			for where, text := range map[string]string{"last_error": m.LastError, "logs": logs.String(), "error": fmt.Sprint(err)} {
				if strings.Contains(text, password) {
					t.Errorf("%s reveals the password: %s", where, text)
				}
			}
			if !tc.delivered && (m.Attempts != 1 || m.LastError == "") {
				t.Errorf("failed delivery not recorded: %+v", m)
			}
			if !strings.Contains(logs.String(), "password_set=true") {
				t.Errorf("config log line: %s", logs.String())
			}
		})
	}
}

func TestSMTPConfigValidate(t *testing.T) {
	good := notify.SMTPConfig{Host: "smtp.provider.test", From: "noreply@provider.test", TLS: "starttls"}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for name, mutate := range map[string]func(*notify.SMTPConfig){
		"no host":            func(c *notify.SMTPConfig) { c.Host = "" },
		"bad tls":            func(c *notify.SMTPConfig) { c.TLS = "ssl" },
		"bad port":           func(c *notify.SMTPConfig) { c.Port = 70000 },
		"password, no user":  func(c *notify.SMTPConfig) { c.Password = "x" },
		"from with name":     func(c *notify.SMTPConfig) { c.From = "Provider <noreply@provider.test>" },
		"from not an e-mail": func(c *notify.SMTPConfig) { c.From = "noreply" },
		"from name two rows": func(c *notify.SMTPConfig) { c.FromName = "a\r\nBcc: x@y.test" },
	} {
		c := good
		mutate(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// A broken configuration fails deliveries with its reason instead of sending.
	db := storetest.Open(t, store.SQLite, notify.Schema)
	id := enqueue(t, db, opzegging)
	bad := good
	bad.TLS = "ssl"
	clk := clock.NewFake(t0)
	if _, err := notify.NewSender(db, clk, bad, nil).SendPending(context.Background(), clk.Now()); err == nil {
		t.Fatal("no error from an invalid configuration")
	}
	if m := mailByID(t, db, id); !strings.Contains(m.LastError, `TLS mode "ssl"`) {
		t.Fatalf("last_error = %q", m.LastError)
	}
}

func TestSenderJob(t *testing.T) {
	db := storetest.Open(t, store.SQLite, notify.Schema)
	enqueue(t, db, opzegging)
	j := notify.NewSender(db, clock.NewFake(t0), notify.SMTPConfig{}, nil).Job()
	if j.Name != "mail.send" || j.Every != 10*time.Second {
		t.Fatalf("job %q every %v", j.Name, j.Every)
	}
	if err := j.Run(context.Background(), t0); err != nil {
		t.Fatal(err)
	}
	ms, err := notify.List(context.Background(), db, 0, 0, 10)
	if err != nil || len(ms) != 1 || ms[0].Status != "sent" {
		t.Fatalf("after the job: %+v, %v", ms, err)
	}
}

// A mailing-list mail (the status page's) carries the one-click unsubscribe headers of
// RFC 8058, so mail clients offer "unsubscribe" that works with one POST.
func TestSenderAddsOneClickUnsubscribe(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := startServer(t, serverOptions{tls: "none"})
		clk := clock.NewFake(t0.Add(time.Minute))
		s := notify.NewSender(db, clk, smtpConfig(srv), testLogger(t))
		m := opzegging
		m.ListUnsubscribe = "https://portal.example/status/unsubscribe?t=abc"
		enqueue(t, db, m)
		if sent, err := s.SendPending(ctx, clk.Now()); sent != 1 || err != nil {
			t.Fatalf("SendPending = %d, %v", sent, err)
		}
		got := parseMail(t, srv.received()[0].Data)
		if got.Header.Get("List-Unsubscribe") != "<"+m.ListUnsubscribe+">" || got.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Fatalf("headers: %v", got.Header)
		}
		m.ListUnsubscribeMailto = "mailto:unsubscribe@portal.example?subject=unsubscribe%20abc"
		enqueue(t, db, m)
		if sent, err := s.SendPending(ctx, clk.Now()); sent != 1 || err != nil {
			t.Fatalf("SendPending = %d, %v", sent, err)
		}
		got = parseMail(t, srv.received()[1].Data)
		if want := "<" + m.ListUnsubscribe + ">, <" + m.ListUnsubscribeMailto + ">"; got.Header.Get("List-Unsubscribe") != want {
			t.Fatalf("List-Unsubscribe = %q, want %q", got.Header.Get("List-Unsubscribe"), want)
		}
	}, notify.Schema)
}

func TestSenderWritesThreadHeaders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := startServer(t, serverOptions{tls: "none"})
		clk := clock.NewFake(t0.Add(time.Minute))
		s := notify.NewSender(db, clk, smtpConfig(srv), testLogger(t))
		m := opzegging
		m.Thread = notify.Thread{MessageID: "t12.r3@provider.test", InReplyTo: "abc@klant.test",
			References: []string{"first@klant.test", "abc@klant.test"}, ReplyTo: "support@provider.test", ByPerson: true}
		enqueue(t, db, m)
		if sent, err := s.SendPending(ctx, clk.Now()); sent != 1 || err != nil {
			t.Fatalf("SendPending = %d, %v", sent, err)
		}
		got := parseMail(t, srv.received()[0].Data)
		h := got.Header
		if h.Get("Message-Id") != "<t12.r3@provider.test>" || h.Get("In-Reply-To") != "<abc@klant.test>" ||
			h.Get("References") != "<first@klant.test> <abc@klant.test>" || !strings.Contains(h.Get("Reply-To"), "support@provider.test") {
			t.Fatalf("headers: %v", h)
		}
		if h.Get("Auto-Submitted") != "" {
			t.Error("a person's reply marked Auto-Submitted")
		}
		bad := opzegging
		bad.Thread.InReplyTo = "x>\r\nBcc: y@z"
		if _, err := notify.Enqueue(ctx, db, clk.Now(), bad); err == nil {
			t.Error("header injection through a thread id accepted")
		}
	}, notify.Schema)
}
