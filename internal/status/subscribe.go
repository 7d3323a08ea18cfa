package status

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
)

// ErrBadToken is a confirmation or unsubscribe token that matches no subscriber.
var ErrBadToken = errors.New("status: unknown or used link")

func newToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

func subBinding(email string) string { return "status-subscriber:" + email }

// NormalizeEmail checks and lower-cases an address a visitor typed.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", FieldErrors{"email": i18n.T("status.enter_e_mail_address")}
	}
	return strings.ToLower(s), nil
}

// Subscribe asks email to confirm a subscription to the status page (double opt-in):
// a mail with a one-time confirmation link, of which only the hash is stored. Nothing
// is mailed before the address is confirmed. Asking again sends a new link; asking for
// a confirmed address changes nothing, and the answer is the same either way, so the
// form does not tell who subscribed.
func (s *Service) Subscribe(ctx context.Context, email, lang string) error {
	email, err := NormalizeEmail(email)
	if err != nil {
		return err
	}
	if lang != "en" {
		lang = "nl"
	}
	if s.d.Keys == nil {
		return errors.New("status: subscriptions need the secret key")
	}
	now := s.now()
	confirm, unsub := newToken(), newToken()
	sealed, err := s.d.Keys.SealString(secrets.PurposeMail, subBinding(email), unsub)
	if err != nil {
		return err
	}
	ctx = audit.WithActor(ctx, audit.System("status page"))
	return s.db.InTx(ctx, func(q store.Querier) error {
		var confirmed sql.NullTime
		err := q.QueryRowContext(ctx, `SELECT confirmed_at FROM status_subscribers WHERE email = $1`, email).Scan(&confirmed)
		switch {
		case err == nil && confirmed.Valid:
			return nil
		case err == nil:
			_, err = q.ExecContext(ctx, `UPDATE status_subscribers SET confirm_hash = $1, lang = $2 WHERE email = $3`, hashToken(confirm), lang, email)
		case errors.Is(err, sql.ErrNoRows):
			_, err = q.ExecContext(ctx, `INSERT INTO status_subscribers (email, lang, confirm_hash, unsub_hash, unsub_sealed, created_at)
				VALUES ($1, $2, $3, $4, $5, $6)`, email, lang, hashToken(confirm), hashToken(unsub), string(sealed), now)
		}
		if err != nil {
			return fmt.Errorf("status: subscribe: %w", err)
		}
		subject := Text(lang, "Bevestig je aanmelding voor de statusberichten", "Confirm your subscription to status updates")
		body := Text(lang,
			"Iemand (hopelijk jij) wil per e-mail horen over storingen en onderhoud.\nBevestig dat met deze link:\n\n%s\n\nWas jij het niet? Dan hoef je niets te doen; je krijgt geen berichten.\n",
			"Someone (hopefully you) asked to hear about disruptions and maintenance by e-mail.\nConfirm with this link:\n\n%s\n\nNot you? Then do nothing; you will get no messages.\n")
		_, err = notify.Enqueue(ctx, q, now, notify.Message{To: email, Lang: lang, Subject: subject,
			Text: fmt.Sprintf(body, s.base+"/status/confirm?t="+confirm), Secret: true, Keys: s.d.Keys})
		return err
	})
}

// Confirm confirms the subscription whose confirmation token is t.
func (s *Service) Confirm(ctx context.Context, t string) error {
	if t == "" || len(t) > 100 {
		return ErrBadToken
	}
	now := s.now()
	ctx = audit.WithActor(ctx, audit.System("status page"))
	return s.db.InTx(ctx, func(q store.Querier) error {
		var id int64
		err := q.QueryRowContext(ctx, `UPDATE status_subscribers SET confirmed_at = $1, confirm_hash = ''
			WHERE confirm_hash = $2 AND confirm_hash <> '' RETURNING id`, now, hashToken(t)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrBadToken
		}
		if err != nil {
			return fmt.Errorf("status: confirm: %w", err)
		}
		return audit.Record(ctx, q, now, audit.Change{Action: "status.subscribe", ObjectKind: "status_subscriber", ObjectID: fmt.Sprint(id),
			Summary: "an address confirmed its subscription to the status page"})
	})
}

// Unsubscribe removes the subscriber whose unsubscribe token is t (RFC 8058 one-click
// POST, or the link in a mail). The address is deleted, not kept.
func (s *Service) Unsubscribe(ctx context.Context, t string) error {
	if t == "" || len(t) > 100 {
		return ErrBadToken
	}
	now := s.now()
	ctx = audit.WithActor(ctx, audit.System("status page"))
	return s.db.InTx(ctx, func(q store.Querier) error {
		var id int64
		err := q.QueryRowContext(ctx, `DELETE FROM status_subscribers WHERE unsub_hash = $1 RETURNING id`, hashToken(t)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrBadToken
		}
		if err != nil {
			return fmt.Errorf("status: unsubscribe: %w", err)
		}
		return audit.Record(ctx, q, now, audit.Change{Action: "status.unsubscribe", ObjectKind: "status_subscriber", ObjectID: fmt.Sprint(id),
			Summary: "an address unsubscribed from the status page"})
	})
}

// mailContent renders one status mail in a language.
type mailContent func(lang string) (subject, body string)

// notifySubscribers mails c to every confirmed subscriber, once per event (the dedupe
// key), each with its own one-click unsubscribe link (RFC 8058).
func (s *Service) notifySubscribers(ctx context.Context, q store.Querier, now time.Time, event string, c mailContent) error {
	if s.d.Keys == nil {
		return nil
	}
	type sub struct {
		id          int64
		email, lang string
		sealed      string
	}
	var subs []sub
	if err := eachRow(ctx, q, `SELECT id, email, lang, unsub_sealed FROM status_subscribers WHERE confirmed_at IS NOT NULL ORDER BY id`, func(r scanner) error {
		var x sub
		if err := r.Scan(&x.id, &x.email, &x.lang, &x.sealed); err != nil {
			return err
		}
		subs = append(subs, x)
		return nil
	}); err != nil {
		return err
	}
	for _, x := range subs {
		tok, err := s.d.Keys.OpenString(secrets.PurposeMail, subBinding(x.email), secrets.Sealed(x.sealed))
		if err != nil {
			return fmt.Errorf("status: subscriber %d: %w", x.id, err)
		}
		link := s.base + "/status/unsubscribe?t=" + tok
		subject, body := c(x.lang)
		body += "\n-- \n" + Text(x.lang, "Afmelden: ", "Unsubscribe: ") + link + "\n"
		_, err = notify.Enqueue(ctx, q, now, notify.Message{DedupeKey: fmt.Sprintf("status:%s:%d", event, x.id), To: x.email, Lang: x.lang,
			Subject: subject, Text: body, ListUnsubscribe: link})
		if err != nil && !errors.Is(err, notify.ErrDuplicate) {
			return err
		}
	}
	return nil
}

var stateWords = map[string][2]string{
	Investigating: {"onderzoek", "investigating"},
	Identified:    {"oorzaak gevonden", "identified"},
	Monitoring:    {"in de gaten gehouden", "monitoring"},
	Resolved:      {"opgelost", "resolved"},
}

// StateWord is an incident state in lang.
func StateWord(state, lang string) string {
	w, ok := stateWords[state]
	if !ok {
		return state
	}
	if lang == "en" {
		return w[1]
	}
	return w[0]
}

func incidentMail(id int64, titleNL, titleEN, state, msgNL, msgEN string) mailContent {
	return func(lang string) (string, string) {
		title := Text(lang, strings.TrimSpace(titleNL), strings.TrimSpace(titleEN))
		subject := fmt.Sprintf("[%s] %s", StateWord(state, lang), title)
		return subject, Text(lang, strings.TrimSpace(msgNL), strings.TrimSpace(msgEN)) + "\n"
	}
}

func maintenanceMail(m Maintenance, cancelled bool) mailContent {
	return func(lang string) (string, string) {
		if cancelled {
			return Text(lang, "Onderhoud gaat niet door: ", "Maintenance cancelled: ") + m.Title(lang),
				fmt.Sprintf(Text(lang, "Het onderhoud van %s tot %s gaat niet door.\n", "The maintenance from %s to %s will not take place.\n"), Local(m.StartsAt, lang), Local(m.EndsAt, lang))
		}
		head := Text(lang, "Gepland onderhoud: ", "Planned maintenance: ")
		if m.Kind == Emergency {
			head = Text(lang, "Spoedonderhoud: ", "Emergency maintenance: ")
		}
		return head + m.Title(lang), fmt.Sprintf(Text(lang, "Van %s tot %s (Nederlandse tijd).\n\n%s\n", "From %s to %s (Amsterdam time).\n\n%s\n"),
			Local(m.StartsAt, lang), Local(m.EndsAt, lang), m.Message(lang))
	}
}

func customerMaintenanceMail(m Maintenance, lang, event, base string) (string, string) {
	if event == "cancel" {
		return maintenanceMail(m, true)(lang)
	}
	subject, body := maintenanceMail(m, false)(lang)
	body += Text(lang, "\nJe krijgt dit bericht omdat een van je diensten op deze systemen draait. De actuele stand staat op ",
		"\nYou get this message because one of your services runs on these systems. The current state is at ") + base + "/status\n"
	return subject, body
}
