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
	"strconv"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/secrets"
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

	// Secret says the body carries a one-time secret (a password-reset or invitation
	// link): it is stored sealed with Keys until it is sent and redacted after, so that
	// a copy of the database or a backup holds no usable link (security finding 1).
	Secret bool
	Keys   *secrets.Keyring

	// ListUnsubscribe, when set, is the HTTPS URL that unsubscribes the recipient with
	// one POST: the mail carries List-Unsubscribe and List-Unsubscribe-Post (RFC 8058).
	ListUnsubscribe string
	// ListUnsubscribeMailto, beside ListUnsubscribe, is a mailto: URI the header offers
	// as well (RFC 2369) for clients without one-click support. It travels in the same
	// column, after a space (a URI holds none).
	ListUnsubscribeMailto string

	// Thread carries the headers of a mail in a conversation (a support reply): set,
	// it is stored with the row and sent as written. Enqueue only; EnqueueMany refuses it.
	Thread Thread
}

// Thread is the threading headers of one mail; message ids without angle brackets.
type Thread struct {
	MessageID  string
	InReplyTo  string
	References []string
	ReplyTo    string // an address
	// ByPerson says a person wrote the mail (a staff reply): it goes without
	// Auto-Submitted, so the customer's mail client treats it as the answer it is.
	// Stored as reply_to's companion column by_person.
	ByPerson bool
}

func (t Thread) empty() bool {
	return t.MessageID == "" && t.InReplyTo == "" && len(t.References) == 0 && t.ReplyTo == "" && !t.ByPerson
}

func (t Thread) check() error {
	for _, v := range append([]string{t.MessageID, t.InReplyTo, t.ReplyTo}, t.References...) {
		if strings.ContainsAny(v, "\r\n<> \t") {
			return fmt.Errorf("notify: thread header %q must be one bare id or address", v)
		}
	}
	if t.ReplyTo != "" {
		if _, err := mail.ParseAddress(t.ReplyTo); err != nil {
			return fmt.Errorf("notify: reply-to %q: %w", t.ReplyTo, err)
		}
	}
	return nil
}

// The text that replaces a secret body, by language: while it waits (only the sealed
// form is stored) and once it was sent or given up (nothing is stored).
var (
	sealedNote   = map[string]string{"nl": "[versleuteld tot verzending: bevat een eenmalige link]", "en": "[encrypted until sent: contains a one-time link]"}
	redactedNote = map[string]string{"nl": "[verwijderd na verzending: bevatte een eenmalige link]", "en": "[redacted after sending: contained a one-time link]"}
)

// mailBinding ties a sealed body to its recipient: moved to another address, it does
// not open.
func mailBinding(to string) string { return "mail:" + strings.ToLower(to) }

// ErrDuplicate is returned by Enqueue when a message with the same DedupeKey exists.
var ErrDuplicate = errors.New("notify: message already queued")

// Enqueue puts m in the outbox inside q, the caller's transaction.
func Enqueue(ctx context.Context, q store.Querier, now time.Time, m Message) (int64, error) {
	row, err := outboxRow(m)
	if err != nil {
		return 0, err
	}
	now = store.Now(now)
	var id int64
	err = q.QueryRowContext(ctx, `INSERT INTO mail_outbox (dedupe_key, org_id, to_addr, to_name, lang, subject, body_text, body_html, created_at, next_attempt_at, secret, list_unsubscribe)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11)
		ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
		append(row[:8:8], now, row[8], row[9])...).Scan(&id)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return 0, ErrDuplicate
		}
		return 0, fmt.Errorf("notify: enqueue: %w", err)
	}
	if !m.Thread.empty() {
		if _, err := q.ExecContext(ctx, `UPDATE mail_outbox SET message_id = $1, in_reply_to = $2, refs = $3, reply_to = $4, by_person = $5 WHERE id = $6`,
			m.Thread.MessageID, m.Thread.InReplyTo, strings.Join(m.Thread.References, " "), m.Thread.ReplyTo, m.Thread.ByPerson, id); err != nil {
			return 0, fmt.Errorf("notify: enqueue: %w", err)
		}
	}
	return id, nil
}

// enqueueChunk is the messages per INSERT of EnqueueMany (11 parameters each).
const enqueueChunk = 1000

// EnqueueMany puts ms in the outbox inside q, the caller's transaction, as Enqueue
// would one by one, with one statement per thousand messages: a message whose
// DedupeKey is already queued is left out, as Enqueue's ErrDuplicate would be. It
// returns how many were queued. A message that Enqueue would refuse fails the whole
// call before anything is written.
func EnqueueMany(ctx context.Context, q store.Querier, now time.Time, ms []Message) (int, error) {
	rows := make([][]any, len(ms))
	for i, m := range ms {
		if !m.Thread.empty() {
			return 0, errors.New("notify: a mail with thread headers is queued with Enqueue")
		}
		row, err := outboxRow(m)
		if err != nil {
			return 0, err
		}
		rows[i] = row
	}
	now = store.Now(now)
	queued := 0
	for i := 0; i < len(rows); i += enqueueChunk {
		part := rows[i:min(i+enqueueChunk, len(rows))]
		var sb strings.Builder
		sb.WriteString(`INSERT INTO mail_outbox (dedupe_key, org_id, to_addr, to_name, lang, subject, body_text, body_html, secret, list_unsubscribe, created_at, next_attempt_at) VALUES `)
		args := make([]any, 0, len(part)*11)
		for j, row := range part {
			if j > 0 {
				sb.WriteString(", ")
			}
			// created_at and next_attempt_at are both now: the last placeholder twice.
			p := strconv.Itoa(len(args) + 11)
			sb.WriteString("(")
			for k := 1; k <= 10; k++ {
				sb.WriteString("$" + strconv.Itoa(len(args)+k) + ", ")
			}
			sb.WriteString("$" + p + ", $" + p + ")")
			args = append(append(args, row...), now)
		}
		sb.WriteString(` ON CONFLICT (dedupe_key) DO NOTHING`)
		res, err := q.ExecContext(ctx, sb.String(), args...)
		if err != nil {
			return queued, fmt.Errorf("notify: enqueue: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return queued, fmt.Errorf("notify: enqueue: %w", err)
		}
		queued += int(n)
	}
	return queued, nil
}

// outboxRow checks m and returns its columns dedupe_key, org_id, to_addr, to_name,
// lang, subject, body_text, body_html, secret and list_unsubscribe, a secret body
// sealed.
func outboxRow(m Message) ([]any, error) {
	addr, err := mail.ParseAddress(m.To)
	if err != nil {
		return nil, fmt.Errorf("notify: recipient %q: %w", m.To, err)
	}
	if err := m.Thread.check(); err != nil {
		return nil, err
	}
	// Stored bare, so the sender, List and a search by address all see the same
	// string whether a caller passed "a@b" or "Name <a@b>".
	m.To = addr.Address
	if m.ToName == "" {
		m.ToName = addr.Name
	}
	if strings.ContainsAny(m.ToName, "\r\n") {
		return nil, errors.New("notify: recipient name must be one line")
	}
	if strings.TrimSpace(m.Subject) == "" || strings.TrimSpace(m.Text) == "" {
		return nil, errors.New("notify: subject and text are required")
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return nil, errors.New("notify: subject must be one line")
	}
	if m.Lang != "en" {
		m.Lang = "nl"
	}
	if strings.ContainsAny(m.ListUnsubscribe+m.ListUnsubscribeMailto, "\r\n<> \t,") {
		return nil, errors.New("notify: unsubscribe URL must be one line")
	}
	if m.ListUnsubscribeMailto != "" {
		if m.ListUnsubscribe == "" || !strings.HasPrefix(m.ListUnsubscribeMailto, "mailto:") {
			return nil, errors.New("notify: a mailto unsubscribe goes with the one-click URL")
		}
		m.ListUnsubscribe += " " + m.ListUnsubscribeMailto
	}
	var dedupe any
	if m.DedupeKey != "" {
		dedupe = m.DedupeKey
	}
	if m.Secret {
		if m.Keys == nil {
			return nil, errors.New("notify: a mail with a secret needs the secret key to be stored")
		}
		for _, body := range []*string{&m.Text, &m.HTML} {
			if *body == "" {
				continue
			}
			sealed, err := m.Keys.SealString(secrets.PurposeMail, mailBinding(m.To), *body)
			if err != nil {
				return nil, fmt.Errorf("notify: %w", err)
			}
			*body = string(sealed)
		}
	}
	return []any{dedupe, m.OrgID, m.To, m.ToName, m.Lang, m.Subject, m.Text, m.HTML, m.Secret, m.ListUnsubscribe}, nil
}

// Templates renders mail from text/template files named NAME.LANG.txt in a package's
// embedded folder. The first line of a rendered template is "Subject: …", the rest
// the body. Each domain package keeps its own mail templates beside its code.
type Templates struct {
	fs fs.FS
	// parsed keeps each file's parsed template (file name → *template.Template): the
	// files are embedded and do not change, and a billing run renders one per invoice.
	parsed *sync.Map
}

// NewTemplates reads templates from f.
func NewTemplates(f fs.FS) Templates { return Templates{fs: f, parsed: &sync.Map{}} }

// Render fills template name in lang (falling back to nl) with data and returns the
// subject and body.
func (t Templates) Render(name, lang string, data any) (subject, body string, err error) {
	if lang != "en" {
		lang = "nl"
	}
	tmpl, err := t.parse(name, name+"."+lang+".txt")
	if errors.Is(err, fs.ErrNotExist) {
		lang = "nl"
		tmpl, err = t.parse(name, name+".nl.txt")
	}
	if err != nil {
		return "", "", fmt.Errorf("notify: template %s: %w", name, err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, localize(lang, data)); err != nil {
		return "", "", fmt.Errorf("notify: template %s: %w", name, err)
	}
	first, rest, _ := strings.Cut(buf.String(), "\n")
	subject, ok := strings.CutPrefix(first, "Subject: ")
	if !ok {
		return "", "", fmt.Errorf("notify: template %s.%s must start with \"Subject: \"", name, lang)
	}
	// A name like "Cloudprovider B.V." that ends a sentence gets one dot, not two.
	return i18n.OneDot(strings.TrimSpace(subject)), i18n.OneDot(strings.TrimLeft(rest, "\r\n")), nil
}

// parse returns the parsed template of file, named name.
func (t Templates) parse(name, file string) (*template.Template, error) {
	if t.parsed != nil {
		if tmpl, ok := t.parsed.Load(file); ok {
			return tmpl.(*template.Template), nil
		}
	}
	src, err := fs.ReadFile(t.fs, file)
	if err != nil {
		return nil, err
	}
	tmpl, err := template.New(name).Option("missingkey=error").Parse(string(src))
	if err != nil {
		return nil, err
	}
	if t.parsed != nil {
		t.parsed.Store(file, tmpl)
	}
	return tmpl, nil
}

// localize writes the values of a map that know their own written form (terms.Money,
// terms.Date, an i18n message) in lang, so a mail says "€ 1.234,56" and "4 december
// 2026" in Dutch without each caller formatting them.
func localize(lang string, data any) any {
	m, ok := data.(map[string]any)
	if !ok {
		return data
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		if l, ok := v.(interface{ In(lang string) string }); ok {
			v = l.In(lang)
		}
		out[k] = v
	}
	return out
}

// Mail is an outbox entry as staff see it.
type Mail struct {
	ID        int64
	OrgID     int64
	To        string
	Lang      string
	Subject   string
	Text      string // for a secret mail, a note saying it is sealed or was redacted
	Secret    bool
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
	query := `SELECT id, org_id, to_addr, lang, subject, body_text, secret, status, attempts, created_at, sent_at, last_error
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
		if err := rows.Scan(&m.ID, &m.OrgID, &m.To, &m.Lang, &m.Subject, &m.Text, &m.Secret, &m.Status, &m.Attempts, &m.CreatedAt, &m.SentAt, &m.LastError); err != nil {
			return nil, err
		}
		if m.Secret && secrets.IsSealed(m.Text) {
			m.Text = sealedNote[m.Lang]
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

// SealLegacy protects mail queued before bodies with secrets were sealed: every mail whose
// text contains marker (the path of a one-time link) becomes a secret mail, sealed with
// keys while it waits and redacted when it was already sent or given up. app.Open runs it
// at every start; the second time it finds nothing. It returns how many mails it changed.
func SealLegacy(ctx context.Context, db *store.DB, keys *secrets.Keyring, marker string) (int, error) {
	n := 0
	err := db.InTx(ctx, func(q store.Querier) error {
		rows, err := q.QueryContext(ctx, `SELECT id, to_addr, lang, status, body_text, body_html FROM mail_outbox
			WHERE NOT secret AND (body_text LIKE $1 OR body_html LIKE $1) ORDER BY id`, "%"+marker+"%")
		if err != nil {
			return err
		}
		type legacy struct {
			id                         int64
			to, lang, status, txt, htm string
		}
		var found []legacy
		for rows.Next() {
			var l legacy
			if err := rows.Scan(&l.id, &l.to, &l.lang, &l.status, &l.txt, &l.htm); err != nil {
				rows.Close()
				return err
			}
			found = append(found, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, l := range found {
			txt, htm := redactedNote[l.lang], ""
			if l.status == "pending" {
				s, err := keys.SealString(secrets.PurposeMail, mailBinding(l.to), l.txt)
				if err != nil {
					return err
				}
				txt = string(s)
				if l.htm != "" {
					s, err := keys.SealString(secrets.PurposeMail, mailBinding(l.to), l.htm)
					if err != nil {
						return err
					}
					htm = string(s)
				}
			}
			if _, err := q.ExecContext(ctx, `UPDATE mail_outbox SET secret = TRUE, body_text = $1, body_html = $2 WHERE id = $3`, txt, htm, l.id); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("notify: seal legacy mail: %w", err)
	}
	return n, nil
}
