package newsletter

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/store"
)

// Newsletter states.
const (
	Draft   = "draft"
	Sending = "sending"
	Sent    = "sent"
)

// Newsletter is one issue, in Dutch and English.
type Newsletter struct {
	ID                int64
	SubjectNL, BodyNL string
	SubjectEN, BodyEN string
	Status            string
	CreatedBy         int64
	CreatedAt         time.Time
	SendStartedAt     *time.Time
	SentAt            *time.Time
	Queued            int
	Skipped           int
	Total             int // the active subscribers now, for the progress page
}

// Subject is the subject in lang.
func (n Newsletter) Subject(lng string) string {
	if lng == "en" {
		return n.SubjectEN
	}
	return n.SubjectNL
}

// Body is the text in lang.
func (n Newsletter) Body(lng string) string {
	if lng == "en" {
		return n.BodyEN
	}
	return n.BodyNL
}

// DraftInput is what staff write.
type DraftInput struct {
	SubjectNL, BodyNL, SubjectEN, BodyEN string
}

func (d *DraftInput) validate() error {
	fe := accounts.FieldErrors{}
	for _, f := range []struct {
		name string
		v    *string
	}{{"subject_nl", &d.SubjectNL}, {"subject_en", &d.SubjectEN}} {
		*f.v = strings.TrimSpace(*f.v)
		switch {
		case *f.v == "":
			fe[f.name] = i18n.T("newsletter.subject_required")
		case strings.ContainsAny(*f.v, "\r\n") || len(*f.v) > 200:
			fe[f.name] = i18n.T("newsletter.subject_one_line")
		}
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"body_nl", &d.BodyNL}, {"body_en", &d.BodyEN}} {
		*f.v = strings.TrimSpace(strings.ReplaceAll(*f.v, "\r\n", "\n"))
		if *f.v == "" {
			fe[f.name] = i18n.T("newsletter.body_required")
		}
	}
	if len(fe) > 0 {
		return fe
	}
	return nil
}

const newsletterColumns = `id, subject_nl, body_nl, subject_en, body_en, status, created_by, created_at, send_started_at, sent_at, queued, skipped`

func scanNewsletter(r interface{ Scan(...any) error }) (Newsletter, error) {
	var n Newsletter
	err := r.Scan(&n.ID, &n.SubjectNL, &n.BodyNL, &n.SubjectEN, &n.BodyEN, &n.Status, &n.CreatedBy, &n.CreatedAt, &n.SendStartedAt, &n.SentAt, &n.Queued, &n.Skipped)
	n.CreatedAt = n.CreatedAt.UTC()
	return n, err
}

// Create stores a draft.
func (s *Service) Create(ctx context.Context, p accounts.Principal, d DraftInput) (Newsletter, error) {
	if err := p.Check(accounts.NewsletterManage, accounts.Provider); err != nil {
		return Newsletter{}, err
	}
	if err := d.validate(); err != nil {
		return Newsletter{}, err
	}
	var id int64
	err := s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		if err := q.QueryRowContext(ctx, `INSERT INTO newsletters (subject_nl, body_nl, subject_en, body_en, status, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, d.SubjectNL, d.BodyNL, d.SubjectEN, d.BodyEN, Draft, p.User.ID, now).Scan(&id); err != nil {
			return err
		}
		return audit.Record(ctx, q, now, audit.Change{Action: "newsletter.create", ObjectKind: "newsletter", ObjectID: fmt.Sprint(id),
			Summary: "newsletter draft written: " + d.SubjectEN})
	})
	if err != nil {
		return Newsletter{}, err
	}
	return s.Get(ctx, p, id)
}

// Update changes a draft.
func (s *Service) Update(ctx context.Context, p accounts.Principal, id int64, d DraftInput) error {
	if err := p.Check(accounts.NewsletterManage, accounts.Provider); err != nil {
		return err
	}
	if err := d.validate(); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(q store.Querier) error {
		res, err := q.ExecContext(ctx, `UPDATE newsletters SET subject_nl = $1, body_nl = $2, subject_en = $3, body_en = $4 WHERE id = $5 AND status = $6`,
			d.SubjectNL, d.BodyNL, d.SubjectEN, d.BodyEN, id, Draft)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return s.notDraft(ctx, q, id)
		}
		return audit.Record(ctx, q, s.now(), audit.Change{Action: "newsletter.update", ObjectKind: "newsletter", ObjectID: fmt.Sprint(id),
			Summary: "newsletter draft changed"})
	})
}

func (s *Service) notDraft(ctx context.Context, q store.Querier, id int64) error {
	var st string
	err := q.QueryRowContext(ctx, `SELECT status FROM newsletters WHERE id = $1`, id).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return accounts.ErrNotFound
	}
	if err != nil {
		return err
	}
	return ErrNotDraft
}

// Get returns one newsletter with the number of active subscribers.
func (s *Service) Get(ctx context.Context, p accounts.Principal, id int64) (Newsletter, error) {
	if err := p.Check(accounts.NewsletterManage, accounts.Provider); err != nil {
		return Newsletter{}, err
	}
	n, err := scanNewsletter(s.db.QueryRowContext(ctx, `SELECT `+newsletterColumns+` FROM newsletters WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Newsletter{}, accounts.ErrNotFound
	}
	if err != nil {
		return Newsletter{}, err
	}
	err = s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM newsletter_subscribers WHERE status = $1`, Active).Scan(&n.Total)
	return n, err
}

// List returns newsletters newest first, before beforeID (keyset pagination).
func (s *Service) List(ctx context.Context, p accounts.Principal, beforeID int64, limit int) ([]Newsletter, error) {
	if err := p.Check(accounts.NewsletterManage, accounts.Provider); err != nil {
		return nil, err
	}
	if beforeID <= 0 {
		beforeID = 1 << 62
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+newsletterColumns+` FROM newsletters WHERE id < $1 ORDER BY id DESC LIMIT `+fmt.Sprint(limit), beforeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Newsletter
	for rows.Next() {
		n, err := scanNewsletter(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Preview renders the mail one subscriber in lang would get, with a sample link.
func (s *Service) Preview(n Newsletter, lng string) (subject, body string) {
	return s.render(n, lng, "0.PREVIEW")
}

func (s *Service) render(n Newsletter, lng, token string) (subject, body string) {
	lng = lang(lng)
	footer := i18n.T("newsletter.mail.footer", s.UnsubscribeURL(token), s.PreferencesURL(token)).In(lng)
	return n.Subject(lng), n.Body(lng) + "\n\n-- \n" + footer
}

// Send starts sending a draft: the job queues it in batches to every active
// subscriber. Sending twice is no error and sends nothing twice.
func (s *Service) Send(ctx context.Context, p accounts.Principal, id int64) error {
	if err := p.Check(accounts.NewsletterManage, accounts.Provider); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		res, err := q.ExecContext(ctx, `UPDATE newsletters SET status = $1, send_started_at = $2 WHERE id = $3 AND status = $4`, Sending, now, id, Draft)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			if err := s.notDraft(ctx, q, id); !errors.Is(err, ErrNotDraft) {
				return err
			}
			return nil
		}
		return audit.Record(ctx, q, now, audit.Change{Action: "newsletter.send", ObjectKind: "newsletter", ObjectID: fmt.Sprint(id),
			Summary: "newsletter sending started"})
	})
}

// LastSent is when the last newsletter finished sending; zero when none did. The send
// page shows it beside the monthly rhythm of cp.privacy.newsletter.3.
func (s *Service) LastSent(ctx context.Context) (time.Time, error) {
	var t time.Time
	err := s.db.QueryRowContext(ctx, `SELECT sent_at FROM newsletters WHERE status = $1 ORDER BY sent_at DESC LIMIT 1`, Sent).Scan(&t)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	return t.UTC(), err
}
