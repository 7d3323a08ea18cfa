package newsletter_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/inbound"
	"github.com/hostpact/hostpact/internal/newsletter"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/privacy"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

var (
	t0      = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	sales   = accounts.Principal{User: accounts.User{ID: 3, Email: "sales@provider.test", Roles: []accounts.Role{accounts.RoleSales}}}
	schemas = []store.Schema{audit.Schema, notify.Schema, newsletter.Schema}
)

func newService(t *testing.T, db *store.DB, clk clock.Clock, batch int) *newsletter.Service {
	t.Helper()
	s, err := newsletter.New(db, clk, newsletter.Config{BaseURL: "https://portal.example", TokenKey: []byte("0123456789abcdef0123456789abcdef"),
		UnsubscribeMailbox: "unsubscribe@portal.example", BatchSize: batch})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// SeedSubscribers inserts n active subscribers with multi-row inserts.
func seedSubscribers(t testing.TB, db *store.DB, n int) {
	t.Helper()
	ctx := context.Background()
	const chunk = 1000
	for i := 0; i < n; i += chunk {
		var sb strings.Builder
		sb.WriteString(`INSERT INTO newsletter_subscribers (email, lang, status, source, token_nonce, created_at, confirmed_at) VALUES `)
		args := []any{t0}
		for j := i; j < min(i+chunk, n); j++ {
			if j > i {
				sb.WriteString(", ")
			}
			lang := "nl"
			if j%3 == 0 {
				lang = "en"
			}
			args = append(args, fmt.Sprintf("sub%05d@example.nl", j), lang, fmt.Sprintf("nonce%d", j))
			k := len(args)
			fmt.Fprintf(&sb, "($%d, $%d, 'active', 'order_soft_opt_in', $%d, $1, $1)", k-2, k-1, k)
		}
		if _, err := db.ExecContext(ctx, sb.String(), args...); err != nil {
			t.Fatal(err)
		}
	}
}

func draft(t *testing.T, s *newsletter.Service) newsletter.Newsletter {
	t.Helper()
	n, err := s.Create(context.Background(), sales, newsletter.DraftInput{SubjectNL: "Nieuws van december", BodyNL: "Hallo,\n\nNieuw: back-ups per uur.",
		SubjectEN: "News for December", BodyEN: "Hello,\n\nNew: hourly backups."})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTenThousandSubscribersInBatchesExactlyOnce is the must-show test's store half: a
// newsletter to 10,000 subscribers in batches, killed half-way, rerun, queues exactly
// one mail per subscriber in their language with the one-click headers; one who
// unsubscribes through the mail's token is skipped by the next newsletter.
func TestTenThousandSubscribersInBatchesExactlyOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := clock.NewFake(t0)
		s := newService(t, db, clk, 500)
		seedSubscribers(t, db, 10000)
		n := draft(t, s)
		if err := s.Send(ctx, sales, n.ID); err != nil {
			t.Fatal(err)
		}
		crash := errors.New("killed")
		newsletter.SetBeforeCommit(s, func(batch int) error {
			if batch == 7 {
				return crash
			}
			return nil
		})
		queued, err := s.SendPending(ctx)
		if !errors.Is(err, crash) || queued != 6*500 {
			t.Fatalf("first run = %d, %v; want 3000 queued, then the crash", queued, err)
		}
		newsletter.SetBeforeCommit(s, nil)
		queued, err = s.SendPending(ctx)
		if err != nil || queued != 7000 {
			t.Fatalf("rerun = %d, %v; want the other 7000", queued, err)
		}
		if again, err := s.SendPending(ctx); err != nil || again != 0 {
			t.Fatalf("third run = %d, %v", again, err)
		}
		var mails, addrs, en int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT to_addr), SUM(CASE WHEN lang = 'en' AND subject = 'News for December' THEN 1 ELSE 0 END) FROM mail_outbox`).Scan(&mails, &addrs, &en); err != nil {
			t.Fatal(err)
		}
		if mails != 10000 || addrs != 10000 || en != 3334 {
			t.Fatalf("outbox: %d mails to %d addresses, %d in English; want 10000, 10000, 3334", mails, addrs, en)
		}
		got, err := s.Get(ctx, sales, n.ID)
		if err != nil || got.Status != newsletter.Sent || got.Queued != 10000 {
			t.Fatalf("newsletter = %+v, %v", got, err)
		}

		// The mail of subscriber sub00042 carries its one-click URL and a mailto.
		var lu, body string
		if err := db.QueryRowContext(ctx, `SELECT list_unsubscribe, body_text FROM mail_outbox WHERE to_addr = 'sub00042@example.nl'`).Scan(&lu, &body); err != nil {
			t.Fatal(err)
		}
		uris := strings.Fields(lu)
		if len(uris) != 2 || !strings.HasPrefix(uris[0], "https://portal.example/newsletter/unsubscribe?t=") || !strings.HasPrefix(uris[1], "mailto:unsubscribe@portal.example?subject=unsubscribe%20") {
			t.Fatalf("list_unsubscribe = %q", lu)
		}
		if !strings.Contains(body, uris[0]) {
			t.Fatalf("the body lacks the unsubscribe link (cp.privacy.newsletter.4): %q", body)
		}
		tok := strings.TrimPrefix(uris[0], "https://portal.example/newsletter/unsubscribe?t=")
		// The mailto: of the header unsubscribes too; a stranger's mail does nothing.
		subject, _ := url.QueryUnescape(strings.TrimPrefix(uris[1], "mailto:unsubscribe@portal.example?subject="))
		for _, subj := range []string{"unsubscribe 1.forged", subject} {
			if err := s.MailHandler().HandleMail(ctx, &inbound.Message{Subject: subj}); err != nil {
				t.Fatal(err)
			}
		}
		x, err := s.ByToken(ctx, tok)
		if err != nil || x.Status != newsletter.Unsubscribed {
			t.Fatalf("after the mailto: %+v, %v", x, err)
		}
		if err := s.Unsubscribe(ctx, tok, newsletter.MethodOneClick, "mail client"); err != nil {
			t.Fatal(err)
		}
		// The next newsletter skips them.
		n2 := draft(t, s)
		if err := s.Send(ctx, sales, n2.ID); err != nil {
			t.Fatal(err)
		}
		if queued, err := s.SendPending(ctx); err != nil || queued != 9999 {
			t.Fatalf("second newsletter = %d, %v; want 9999", queued, err)
		}
		var to42 int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM mail_outbox WHERE to_addr = 'sub00042@example.nl'`).Scan(&to42); err != nil || to42 != 1 {
			t.Fatalf("mails to the unsubscribed address: %d, %v", to42, err)
		}
	}, schemas...)
}

// TestUnsubscribeDuringSendingSkipsAtOnce: a subscriber who unsubscribes while a
// newsletter is being sent is left out of its remaining batches.
func TestUnsubscribeDuringSendingSkipsAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newService(t, db, clock.NewFake(t0), 10)
		seedSubscribers(t, db, 30)
		n := draft(t, s)
		if err := s.Send(ctx, sales, n.ID); err != nil {
			t.Fatal(err)
		}
		stop := errors.New("stop")
		newsletter.SetBeforeCommit(s, func(batch int) error {
			if batch == 2 {
				return stop
			}
			return nil
		})
		if _, err := s.SendPending(ctx); !errors.Is(err, stop) {
			t.Fatal(err)
		}
		newsletter.SetBeforeCommit(s, nil)
		var nonce string
		var id int64
		if err := db.QueryRowContext(ctx, `SELECT id, token_nonce FROM newsletter_subscribers WHERE email = 'sub00025@example.nl'`).Scan(&id, &nonce); err != nil {
			t.Fatal(err)
		}
		if err := s.Unsubscribe(ctx, newsletter.TokenFor(s, id, nonce), newsletter.MethodPreferencePage, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		if q, err := s.SendPending(ctx); err != nil || q != 19 {
			t.Fatalf("rest = %d, %v; want 19", q, err)
		}
	}, schemas...)
}

func TestDoubleOptInAndOrderSoftOptIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := clock.NewFake(t0)
		s := newService(t, db, clk, 100)
		// A public sign-up mails only the link; the address is not active before it.
		if err := s.SignUp(ctx, "Lezer@Example.nl", "en", "198.51.100.7"); err != nil {
			t.Fatal(err)
		}
		var body string
		if err := db.QueryRowContext(ctx, `SELECT body_text FROM mail_outbox WHERE to_addr = 'lezer@example.nl'`).Scan(&body); err != nil {
			t.Fatal(err)
		}
		_, link, _ := strings.Cut(body, "https://portal.example/newsletter/confirm?t=")
		link, _, _ = strings.Cut(link, "\n")
		n := draft(t, s)
		if err := s.Send(ctx, sales, n.ID); err != nil {
			t.Fatal(err)
		}
		if q, _ := s.SendPending(ctx); q != 0 {
			t.Fatalf("an unconfirmed sign-up got the newsletter")
		}
		if err := s.Confirm(ctx, link, "198.51.100.7"); err != nil {
			t.Fatal(err)
		}
		if err := s.Confirm(ctx, link, "198.51.100.7"); !errors.Is(err, newsletter.ErrBadToken) {
			t.Fatalf("second use = %v", err)
		}
		// An expired, unconfirmed sign-up goes.
		if err := s.SignUp(ctx, "late@example.nl", "nl", "198.51.100.8"); err != nil {
			t.Fatal(err)
		}
		clk.Advance(49 * time.Hour)
		if gone, err := s.ExpirePending(ctx, clk.Now()); err != nil || gone != 1 {
			t.Fatalf("ExpirePending = %d, %v", gone, err)
		}

		// The order's soft opt-in, idempotently; the box respected; an objection stands.
		in := newsletter.OrderConsent{OrgID: 5, Email: "klant@example.nl", Name: "Klant", Lang: "nl", IP: "203.0.113.9", Order: "contract 12"}
		err := db.InTx(ctx, func(q store.Querier) error {
			if err := s.SubscribeAtOrder(ctx, q, in); err != nil {
				return err
			}
			return s.SubscribeAtOrder(ctx, q, in)
		})
		if err != nil {
			t.Fatal(err)
		}
		in2 := newsletter.OrderConsent{OrgID: 6, Email: "nee@example.nl", OptOut: true}
		if err := db.InTx(ctx, func(q store.Querier) error { return s.SubscribeAtOrder(ctx, q, in2) }); err != nil {
			t.Fatal(err)
		}
		list, err := s.ListSubscribers(ctx, sales, newsletter.SubscriberFilter{Query: "example.nl"}, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, x := range list {
			got = append(got, x.Email+":"+x.Status)
		}
		if strings.Join(got, " ") != "lezer@example.nl:active klant@example.nl:active" {
			t.Fatalf("subscribers = %v", got)
		}
		_, hist, err := s.SubscriberWithHistory(ctx, sales, list[1].ID)
		if err != nil || len(hist) != 1 || hist[0].Method != newsletter.MethodOrder || hist[0].TextVersion != newsletter.TextOrder || hist[0].Channel != "203.0.113.9" {
			t.Fatalf("history = %+v, %v", hist, err)
		}
		if err := s.StaffUnsubscribe(ctx, sales, list[1].ID); err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(q store.Querier) error { return s.SubscribeAtOrder(ctx, q, in) }); err != nil {
			t.Fatal(err)
		}
		x, hist, _ := s.SubscriberWithHistory(ctx, sales, list[1].ID)
		if x.Status != newsletter.Unsubscribed || len(hist) != 2 {
			t.Fatalf("a new order undid the objection: %+v %+v", x, hist)
		}
		// A customer without the role sees no subscriber.
		cust := accounts.Principal{User: accounts.User{ID: 9, OrgID: 5, Email: "klant@example.nl"}, Org: &accounts.Organisation{ID: 5}}
		if _, err := s.ListSubscribers(ctx, cust, newsletter.SubscriberFilter{}, 0, 10); !errors.Is(err, accounts.ErrForbidden) {
			t.Fatalf("customer listed subscribers: %v", err)
		}

		// Erasure: the subscriber goes, the evidence stays without the address's trail.
		h := newsletter.Holder{}
		p := privacy.Person{Email: "lezer@example.nl"}
		recs, err := h.PersonalData(ctx, db, p)
		if err != nil || len(recs) != 3 {
			t.Fatalf("export = %d records, %v", len(recs), err)
		}
		if err := db.InTx(ctx, func(q store.Querier) error { return h.Anonymise(ctx, q, p) }); err != nil {
			t.Fatal(err)
		}
		if recs, _ := h.PersonalData(ctx, db, p); len(recs) != 0 {
			t.Fatalf("after erasure: %v", recs)
		}
		var kept int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM newsletter_consents WHERE subscriber_id = 0 AND channel = ''`).Scan(&kept); err != nil || kept != 2 {
			t.Fatalf("anonymised evidence rows = %d, %v", kept, err)
		}
	}, schemas...)
}

func FuzzParseToken(f *testing.F) {
	f.Add("12.AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("0.x")
	f.Add("")
	f.Add("99999999999999999999.abc")
	f.Fuzz(func(t *testing.T, tok string) {
		id, mac, err := newsletter.ParseToken(tok)
		if err != nil {
			return
		}
		if id <= 0 || len(mac) != 16 || !strings.HasPrefix(tok, fmt.Sprint(id)+".") {
			t.Fatalf("ParseToken(%q) = %d, %x", tok, id, mac)
		}
	})
}

func FuzzNormalizeEmail(f *testing.F) {
	f.Add("a@b.nl")
	f.Add(" A@B.NL ")
	f.Add("x <a@b.nl>")
	f.Fuzz(func(t *testing.T, in string) {
		out, err := newsletter.NormalizeEmail(in)
		if err != nil {
			return
		}
		if out != strings.ToLower(out) || strings.ContainsAny(out, " <>\r\n") || len(out) > 254 {
			t.Fatalf("NormalizeEmail(%q) = %q", in, out)
		}
	})
}
