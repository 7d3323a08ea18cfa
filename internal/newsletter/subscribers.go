package newsletter

import (
	"context"
	"crypto/hmac"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/inbound"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
)

// Subscriber is one address on (or off) the list.
type Subscriber struct {
	ID             int64
	Email          string
	Name           string
	Lang           string
	OrgID          int64
	Status         string
	Source         string
	CreatedAt      time.Time
	ConfirmedAt    *time.Time
	UnsubscribedAt *time.Time
}

// Consent is one row of the consent history.
type Consent struct {
	ID           int64
	SubscriberID int64
	At           time.Time
	Event        string
	Method       string
	Channel      string
	TextVersion  string
	Detail       string
}

const subscriberColumns = `id, email, name, lang, org_id, status, source, created_at, confirmed_at, unsubscribed_at`

func scanSubscriber(r interface{ Scan(...any) error }) (Subscriber, error) {
	var x Subscriber
	err := r.Scan(&x.ID, &x.Email, &x.Name, &x.Lang, &x.OrgID, &x.Status, &x.Source, &x.CreatedAt, &x.ConfirmedAt, &x.UnsubscribedAt)
	x.CreatedAt = x.CreatedAt.UTC()
	return x, err
}

// NormalizeEmail checks and lower-cases an address a person typed.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", accounts.FieldErrors{"email": i18n.T("newsletter.bad_email")}
	}
	return strings.ToLower(s), nil
}

func lang(l string) string {
	if l == "en" {
		return "en"
	}
	return "nl"
}

// consent appends one row to the history, inside q.
func consent(ctx context.Context, q store.Querier, now time.Time, c Consent) error {
	_, err := q.ExecContext(ctx, `INSERT INTO newsletter_consents (subscriber_id, at, event, method, channel, text_version, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, c.SubscriberID, now, c.Event, c.Method, c.Channel, c.TextVersion, c.Detail)
	if err != nil {
		return fmt.Errorf("newsletter: consent: %w", err)
	}
	return nil
}

// OrderConsent is what an order tells the newsletter: who ordered and whether they
// ticked the box that says no.
type OrderConsent struct {
	OrgID  int64
	Email  string
	Name   string
	Lang   string
	OptOut bool
	IP     string
	Order  string // the order's reference, for the evidence
}

// SubscribeAtOrder records the order's soft opt-in (Telecommunicatiewet art. 11.7,
// cp.privacy.newsletter.1) inside q, the order's transaction. A new address becomes
// active; an address already on the list (active, pending or unsubscribed) stays as it
// is, so an order never undoes an earlier objection and a resubmitted order changes
// nothing. The box at the order, ticked, unsubscribes an active address and otherwise
// stores nothing.
func (s *Service) SubscribeAtOrder(ctx context.Context, q store.Querier, c OrderConsent) error {
	email, err := NormalizeEmail(c.Email)
	if err != nil {
		return nil // an organisation's address was checked by accounts; nothing to subscribe
	}
	now := s.now()
	if c.OptOut {
		var id int64
		err := q.QueryRowContext(ctx, `UPDATE newsletter_subscribers SET status = $1, unsubscribed_at = $2, name = ''
			WHERE email = $3 AND status = $4 RETURNING id`, Unsubscribed, now, email, Active).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("newsletter: order opt-out: %w", err)
		}
		return s.changed(ctx, q, now, id, c.OrgID, Consent{Event: EventUnsubscribe, Method: MethodOrderOptOut, Channel: c.IP, TextVersion: TextOrder, Detail: c.Order})
	}
	var id int64
	err = q.QueryRowContext(ctx, `INSERT INTO newsletter_subscribers (email, name, lang, org_id, status, source, token_nonce, created_at, confirmed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (email) DO NOTHING RETURNING id`,
		email, strings.TrimSpace(c.Name), lang(c.Lang), c.OrgID, Active, MethodOrder, randomString(12), now).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("newsletter: order subscribe: %w", err)
	}
	return s.changed(ctx, q, now, id, c.OrgID, Consent{Event: EventSubscribe, Method: MethodOrder, Channel: c.IP, TextVersion: TextOrder, Detail: c.Order})
}

// changed records a consent event and its audit entry.
func (s *Service) changed(ctx context.Context, q store.Querier, now time.Time, id, orgID int64, c Consent) error {
	c.SubscriberID = id
	if err := consent(ctx, q, now, c); err != nil {
		return err
	}
	return audit.Record(ctx, q, now, audit.Change{OrgID: orgID, Action: "newsletter." + c.Event, ObjectKind: "newsletter_subscriber",
		ObjectID: fmt.Sprint(id), Summary: fmt.Sprintf("newsletter %s (%s)", c.Event, c.Method)})
}

// publicCtx makes the audit actor the anonymous visitor at ip.
func publicCtx(ctx context.Context, ip string) context.Context {
	a := audit.ActorFrom(ctx)
	if a == audit.System("unknown") {
		a = audit.Actor{}
	}
	a.Kind, a.ID, a.Label = audit.ActorPublic, 0, ""
	if a.IP == "" {
		a.IP = ip
	}
	return audit.WithActor(ctx, a)
}

// SignUp asks email to confirm a subscription (double opt-in): a mail with a link of
// which only the hash is stored. Nothing else is mailed before the address is
// confirmed, and an unconfirmed sign-up expires. An address already subscribed, or
// asked too often today, gets no mail and the same answer, so the form tells nobody
// who subscribed.
func (s *Service) SignUp(ctx context.Context, email, lng, ip string) error {
	email, err := NormalizeEmail(email)
	if err != nil {
		return err
	}
	lng = lang(lng)
	now := s.now()
	ctx = publicCtx(ctx, ip)
	confirm := randomString(24)
	return s.db.InTx(ctx, func(q store.Querier) error {
		var id int64
		var status string
		err := q.QueryRowContext(ctx, `SELECT id, status FROM newsletter_subscribers WHERE email = $1`, email).Scan(&id, &status)
		switch {
		case err == nil && status == Active:
			return nil
		case err == nil:
			var n int
			if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM newsletter_consents WHERE subscriber_id = $1 AND event = $2 AND at > $3`,
				id, EventRequest, now.Add(-24*time.Hour)).Scan(&n); err != nil {
				return err
			}
			if n >= s.cfg.PerAddress {
				return nil
			}
			// An unsubscribed address stays unsubscribed until the link is used.
			_, err = q.ExecContext(ctx, `UPDATE newsletter_subscribers SET confirm_hash = $1, confirm_expires_at = $2, lang = $3 WHERE id = $4`,
				hashToken(confirm), now.Add(s.cfg.ConfirmTTL), lng, id)
		case errors.Is(err, sql.ErrNoRows):
			err = q.QueryRowContext(ctx, `INSERT INTO newsletter_subscribers (email, lang, status, source, token_nonce, confirm_hash, confirm_expires_at, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
				email, lng, Pending, MethodSignUp, randomString(12), hashToken(confirm), now.Add(s.cfg.ConfirmTTL), now).Scan(&id)
		}
		if err != nil {
			return fmt.Errorf("newsletter: sign-up: %w", err)
		}
		if err := consent(ctx, q, now, Consent{SubscriberID: id, Event: EventRequest, Method: MethodSignUp, Channel: ip, TextVersion: TextSignUp}); err != nil {
			return err
		}
		link := s.cfg.BaseURL + ConfirmPath + "?t=" + confirm
		subject := i18n.T("newsletter.mail.confirm_subject").In(lng)
		body := i18n.T("newsletter.mail.confirm_body", link, int(s.cfg.ConfirmTTL.Hours())).In(lng)
		_, err = notify.Enqueue(ctx, q, now, notify.Message{To: email, Lang: lng, Subject: subject, Text: body})
		return err
	})
}

// Confirm uses a confirmation link: the address becomes active.
func (s *Service) Confirm(ctx context.Context, t, ip string) error {
	if t == "" || len(t) > 100 {
		return ErrBadToken
	}
	now := s.now()
	ctx = publicCtx(ctx, ip)
	return s.db.InTx(ctx, func(q store.Querier) error {
		var id int64
		err := q.QueryRowContext(ctx, `UPDATE newsletter_subscribers SET status = $1, confirmed_at = $2, unsubscribed_at = NULL, confirm_hash = '', confirm_expires_at = NULL
			WHERE confirm_hash = $3 AND confirm_hash <> '' AND confirm_expires_at > $2 RETURNING id`, Active, now, hashToken(t)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrBadToken
		}
		if err != nil {
			return fmt.Errorf("newsletter: confirm: %w", err)
		}
		return s.changed(ctx, q, now, id, 0, Consent{Event: EventConfirm, Method: MethodConfirm, Channel: ip, TextVersion: TextSignUp})
	})
}

// ExpirePending deletes sign-ups whose link expired unused, with their history: they
// never became consent. It returns how many went.
func (s *Service) ExpirePending(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := s.db.InTx(ctx, func(q store.Querier) error {
		if _, err := q.ExecContext(ctx, `DELETE FROM newsletter_consents WHERE subscriber_id IN
			(SELECT id FROM newsletter_subscribers WHERE status = $1 AND confirm_expires_at <= $2)`, Pending, now); err != nil {
			return err
		}
		res, err := q.ExecContext(ctx, `DELETE FROM newsletter_subscribers WHERE status = $1 AND confirm_expires_at <= $2`, Pending, now)
		if err != nil {
			return err
		}
		m, err := res.RowsAffected()
		n = int(m)
		return err
	})
	return n, err
}

// ByToken returns the subscriber whose unsubscribe token t is.
func (s *Service) ByToken(ctx context.Context, t string) (Subscriber, error) {
	return s.byToken(ctx, s.db, t)
}

func (s *Service) byToken(ctx context.Context, q store.Querier, t string) (Subscriber, error) {
	id, mac, err := ParseToken(t)
	if err != nil {
		return Subscriber{}, err
	}
	var nonce string
	x, err := scanSubscriber(scanPlus{q.QueryRowContext(ctx, `SELECT `+subscriberColumns+`, token_nonce FROM newsletter_subscribers WHERE id = $1`, id), &nonce})
	if errors.Is(err, sql.ErrNoRows) {
		return Subscriber{}, ErrBadToken
	}
	if err != nil {
		return Subscriber{}, err
	}
	if !hmac.Equal(mac, s.mac(id, nonce)) {
		return Subscriber{}, ErrBadToken
	}
	return x, nil
}

// scanPlus scans a row with one extra column after the subscriber's.
type scanPlus struct {
	r     interface{ Scan(...any) error }
	extra any
}

func (p scanPlus) Scan(dest ...any) error { return p.r.Scan(append(dest, p.extra)...) }

// Unsubscribe takes the token's subscriber off the list at once: a newsletter still
// sending skips them from its next batch (cp.privacy.newsletter.4). Unsubscribing
// twice is no error. channel is where it came from (an IP address, "mail").
func (s *Service) Unsubscribe(ctx context.Context, t, method, channel string) error {
	ctx = publicCtx(ctx, channel)
	return s.db.InTx(ctx, func(q store.Querier) error {
		x, err := s.byToken(ctx, q, t)
		if err != nil {
			return err
		}
		return s.unsubscribe(ctx, q, x, method, channel)
	})
}

func (s *Service) unsubscribe(ctx context.Context, q store.Querier, x Subscriber, method, channel string) error {
	if x.Status == Unsubscribed {
		return nil
	}
	now := s.now()
	if _, err := q.ExecContext(ctx, `UPDATE newsletter_subscribers SET status = $1, unsubscribed_at = $2, name = '', confirm_hash = '', confirm_expires_at = NULL WHERE id = $3`,
		Unsubscribed, now, x.ID); err != nil {
		return fmt.Errorf("newsletter: unsubscribe: %w", err)
	}
	return s.changed(ctx, q, now, x.ID, x.OrgID, Consent{Event: EventUnsubscribe, Method: method, Channel: channel})
}

// SetLanguage changes the language the token's subscriber receives the newsletter in.
func (s *Service) SetLanguage(ctx context.Context, t, lng, channel string) error {
	ctx = publicCtx(ctx, channel)
	return s.db.InTx(ctx, func(q store.Querier) error {
		x, err := s.byToken(ctx, q, t)
		if err != nil {
			return err
		}
		return s.setLanguage(ctx, q, x, lng, MethodPreferencePage, channel)
	})
}

func (s *Service) setLanguage(ctx context.Context, q store.Querier, x Subscriber, lng, method, channel string) error {
	lng = lang(lng)
	if x.Lang == lng {
		return nil
	}
	now := s.now()
	if _, err := q.ExecContext(ctx, `UPDATE newsletter_subscribers SET lang = $1 WHERE id = $2`, lng, x.ID); err != nil {
		return err
	}
	return s.changed(ctx, q, now, x.ID, x.OrgID, Consent{Event: EventLanguage, Method: method, Channel: channel, Detail: lng})
}

// UnsubscribeByMail handles a mail to the List-Unsubscribe mailto: address: its
// subject carries the token after "unsubscribe ".
func (s *Service) UnsubscribeByMail(ctx context.Context, subject string) error {
	_, t, ok := strings.Cut(strings.TrimSpace(subject), " ")
	if !ok {
		return ErrBadToken
	}
	return s.Unsubscribe(ctx, strings.TrimSpace(t), MethodMail, "mail")
}

// Mine is the signed-in user's own subscription; found is false when the address is
// not on the list.
func (s *Service) Mine(ctx context.Context, p accounts.Principal) (x Subscriber, found bool, err error) {
	if err := p.Check(accounts.Credentials, p.Own()); err != nil {
		return Subscriber{}, false, err
	}
	x, err = scanSubscriber(s.db.QueryRowContext(ctx, `SELECT `+subscriberColumns+` FROM newsletter_subscribers WHERE email = $1`, strings.ToLower(p.User.Email)))
	if errors.Is(err, sql.ErrNoRows) {
		return Subscriber{}, false, nil
	}
	return x, err == nil, err
}

// SetMine subscribes or unsubscribes the signed-in user and sets their language. The
// user's address is known (they signed in with it), so subscribing here is consent
// without a confirmation link; the history says it came from the portal.
func (s *Service) SetMine(ctx context.Context, p accounts.Principal, subscribed bool, lng, ip string) error {
	if err := p.Check(accounts.Credentials, p.Own()); err != nil {
		return err
	}
	email := strings.ToLower(p.User.Email)
	var orgID int64
	if p.Org != nil {
		orgID = p.Org.ID
	}
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		x, err := scanSubscriber(q.QueryRowContext(ctx, `SELECT `+subscriberColumns+` FROM newsletter_subscribers WHERE email = $1`, email))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if !subscribed {
				return nil
			}
			var id int64
			if err := q.QueryRowContext(ctx, `INSERT INTO newsletter_subscribers (email, name, lang, org_id, status, source, token_nonce, created_at, confirmed_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`, email, p.User.Name, lang(lng), orgID, Active, MethodPortal, randomString(12), now).Scan(&id); err != nil {
				return err
			}
			return s.changed(ctx, q, now, id, orgID, Consent{Event: EventSubscribe, Method: MethodPortal, Channel: ip})
		case err != nil:
			return err
		}
		if !subscribed {
			return s.unsubscribe(ctx, q, x, MethodPortal, ip)
		}
		if x.Status != Active {
			if _, err := q.ExecContext(ctx, `UPDATE newsletter_subscribers SET status = $1, confirmed_at = $2, unsubscribed_at = NULL, confirm_hash = '', confirm_expires_at = NULL,
				name = $3, org_id = $4 WHERE id = $5`, Active, now, p.User.Name, orgID, x.ID); err != nil {
				return err
			}
			if err := s.changed(ctx, q, now, x.ID, orgID, Consent{Event: EventSubscribe, Method: MethodPortal, Channel: ip}); err != nil {
				return err
			}
		}
		return s.setLanguage(ctx, q, x, lng, MethodPortal, ip)
	})
}

// SubscriberFilter narrows the staff list.
type SubscriberFilter struct {
	Query  string // part of the address
	Status string
}

// ListSubscribers returns subscribers by id, after afterID (keyset pagination).
func (s *Service) ListSubscribers(ctx context.Context, p accounts.Principal, f SubscriberFilter, afterID int64, limit int) ([]Subscriber, error) {
	if err := p.Check(accounts.NewsletterManage, accounts.Provider); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	query := `SELECT ` + subscriberColumns + ` FROM newsletter_subscribers WHERE id > $1`
	args := []any{afterID}
	if q := strings.ToLower(strings.TrimSpace(f.Query)); q != "" {
		args = append(args, "%"+likeEscape(q)+"%")
		query += fmt.Sprintf(` AND email LIKE $%d ESCAPE '\'`, len(args))
	}
	if f.Status != "" {
		args = append(args, f.Status)
		query += fmt.Sprintf(` AND status = $%d`, len(args))
	}
	rows, err := s.db.QueryContext(ctx, query+fmt.Sprintf(` ORDER BY id LIMIT %d`, limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Subscriber
	for rows.Next() {
		x, err := scanSubscriber(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// SubscriberWithHistory returns one subscriber and their consent history, oldest first.
func (s *Service) SubscriberWithHistory(ctx context.Context, p accounts.Principal, id int64) (Subscriber, []Consent, error) {
	if err := p.Check(accounts.NewsletterManage, accounts.Provider); err != nil {
		return Subscriber{}, nil, err
	}
	x, err := scanSubscriber(s.db.QueryRowContext(ctx, `SELECT `+subscriberColumns+` FROM newsletter_subscribers WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Subscriber{}, nil, accounts.ErrNotFound
	}
	if err != nil {
		return Subscriber{}, nil, err
	}
	hs, err := history(ctx, s.db, id)
	return x, hs, err
}

func history(ctx context.Context, q store.Querier, id int64) ([]Consent, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, subscriber_id, at, event, method, channel, text_version, detail FROM newsletter_consents WHERE subscriber_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Consent
	for rows.Next() {
		var c Consent
		if err := rows.Scan(&c.ID, &c.SubscriberID, &c.At, &c.Event, &c.Method, &c.Channel, &c.TextVersion, &c.Detail); err != nil {
			return nil, err
		}
		c.At = c.At.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// StaffUnsubscribe takes a subscriber off the list on their request to staff.
func (s *Service) StaffUnsubscribe(ctx context.Context, p accounts.Principal, id int64) error {
	if err := p.Check(accounts.NewsletterManage, accounts.Provider); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(q store.Querier) error {
		x, err := scanSubscriber(q.QueryRowContext(ctx, `SELECT `+subscriberColumns+` FROM newsletter_subscribers WHERE id = $1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return accounts.ErrNotFound
		}
		if err != nil {
			return err
		}
		return s.unsubscribe(ctx, q, x, MethodStaff, fmt.Sprintf("staff user %d", p.User.ID))
	})
}

// SubscribeAtOrderTx is SubscribeAtOrder in a transaction of its own, for a caller
// that placed the order before.
func (s *Service) SubscribeAtOrderTx(ctx context.Context, c OrderConsent) error {
	return s.db.InTx(ctx, func(q store.Querier) error { return s.SubscribeAtOrder(ctx, q, c) })
}

// MailHandler receives the mails to the List-Unsubscribe mailto: address (RFC 2369).
// A mail without a valid token is dropped: it unsubscribes nobody and needs no answer.
func (s *Service) MailHandler() inbound.Handler {
	return inbound.HandlerFunc(func(ctx context.Context, m *inbound.Message) error {
		err := s.UnsubscribeByMail(ctx, m.Subject)
		if errors.Is(err, ErrBadToken) {
			return nil
		}
		return err
	})
}
