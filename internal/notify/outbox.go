// Package notify sends hostpact's e-mail through an outbox.
//
// A domain package calls Enqueue inside the transaction of the change that causes the
// mail (a password reset, a cancellation confirmation, a reminder); the mail exists
// exactly when the change does. The sender job delivers pending mail over SMTP and
// retries with backoff; a dedupe key makes a notice that must go out once a unique
// constraint.
package notify

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/mail"
	"strings"
	"text/template"
	"time"

	"github.com/hostpact/hostpact/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Schema holds the outbox table.
var Schema = store.SchemaFrom("notify", migrations, "migrations")

// Message is one e-mail to one recipient.
type Message struct {
	DedupeKey string // optional: a second Enqueue with the same key is a no-op
	OrgID     int64  // the customer organisation the mail concerns; 0 for staff mail
	To        string
	ToName    string
	Lang      string // nl or en
	Subject   string
	Text      string
	HTML      string // optional
}

// ErrDuplicate is returned by Enqueue when a message with the same DedupeKey exists.
var ErrDuplicate = errors.New("notify: message already queued")

// Enqueue puts m in the outbox inside q, the caller's transaction.
func Enqueue(ctx context.Context, q store.Querier, now time.Time, m Message) (int64, error) {
	addr, err := mail.ParseAddress(m.To)
	if err != nil {
		return 0, fmt.Errorf("notify: recipient %q: %w", m.To, err)
	}
	// Stored bare, so the sender, List and a search by address all see the same
	// string whether a caller passed "a@b" or "Name <a@b>".
	m.To = addr.Address
	if m.ToName == "" {
		m.ToName = addr.Name
	}
	if strings.ContainsAny(m.ToName, "\r\n") {
		return 0, errors.New("notify: recipient name must be one line")
	}
	if strings.TrimSpace(m.Subject) == "" || strings.TrimSpace(m.Text) == "" {
		return 0, errors.New("notify: subject and text are required")
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return 0, errors.New("notify: subject must be one line")
	}
	if m.Lang != "en" {
		m.Lang = "nl"
	}
	var dedupe any
	if m.DedupeKey != "" {
		dedupe = m.DedupeKey
	}
	now = store.Now(now)
	var id int64
	err = q.QueryRowContext(ctx, `INSERT INTO mail_outbox (dedupe_key, org_id, to_addr, to_name, lang, subject, body_text, body_html, created_at, next_attempt_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
		ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
		dedupe, m.OrgID, m.To, m.ToName, m.Lang, m.Subject, m.Text, m.HTML, now).Scan(&id)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return 0, ErrDuplicate
		}
		return 0, fmt.Errorf("notify: enqueue: %w", err)
	}
	return id, nil
}

// Templates renders mail from text/template files named NAME.LANG.txt in a package's
// embedded folder. The first line of a rendered template is "Subject: …", the rest
// the body. Each domain package keeps its own mail templates beside its code.
type Templates struct {
	fs fs.FS
}

// NewTemplates reads templates from f.
func NewTemplates(f fs.FS) Templates { return Templates{fs: f} }

// Render fills template name in lang (falling back to nl) with data and returns the
// subject and body.
func (t Templates) Render(name, lang string, data any) (subject, body string, err error) {
	if lang != "en" {
		lang = "nl"
	}
	src, err := fs.ReadFile(t.fs, name+"."+lang+".txt")
	if err != nil {
		lang = "nl"
		if src, err = fs.ReadFile(t.fs, name+".nl.txt"); err != nil {
			return "", "", fmt.Errorf("notify: template %s: %w", name, err)
		}
	}
	tmpl, err := template.New(name).Option("missingkey=error").Parse(string(src))
	if err != nil {
		return "", "", fmt.Errorf("notify: template %s: %w", name, err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return "", "", fmt.Errorf("notify: template %s: %w", name, err)
	}
	first, rest, _ := strings.Cut(buf.String(), "\n")
	subject, ok := strings.CutPrefix(first, "Subject: ")
	if !ok {
		return "", "", fmt.Errorf("notify: template %s.%s must start with \"Subject: \"", name, lang)
	}
	return strings.TrimSpace(subject), strings.TrimLeft(rest, "\r\n"), nil
}

// Mail is an outbox entry as staff see it.
type Mail struct {
	ID        int64
	OrgID     int64
	To        string
	Lang      string
	Subject   string
	Text      string
	Status    string // pending, sent, failed
	Attempts  int
	CreatedAt time.Time
	SentAt    *time.Time
	LastError string
}

// List returns outbox entries newest first; orgID > 0 restricts to one organisation.
func List(ctx context.Context, q store.Querier, orgID int64, beforeID int64, limit int) ([]Mail, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	if beforeID <= 0 {
		beforeID = 1 << 62
	}
	query := `SELECT id, org_id, to_addr, lang, subject, body_text, status, attempts, created_at, sent_at, last_error
		FROM mail_outbox WHERE id < $1`
	args := []any{beforeID}
	if orgID > 0 {
		query += ` AND org_id = $2`
		args = append(args, orgID)
	}
	rows, err := q.QueryContext(ctx, query+fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Mail
	for rows.Next() {
		var m Mail
		if err := rows.Scan(&m.ID, &m.OrgID, &m.To, &m.Lang, &m.Subject, &m.Text, &m.Status, &m.Attempts, &m.CreatedAt, &m.SentAt, &m.LastError); err != nil {
			return nil, err
		}
		// SQLite hands back the stored offset's zone, PostgreSQL the session's.
		m.CreatedAt = m.CreatedAt.UTC()
		if m.SentAt != nil {
			*m.SentAt = m.SentAt.UTC()
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
