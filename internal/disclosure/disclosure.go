// Package disclosure runs responsible disclosure (cp.rd): vulnerability reports from the
// public form and the security address, their states, the three deadlines of the terms
// (acknowledged in 1 werkdag, assessed with a fix date in 3, fixed in 60 days:
// cp.rd.expect.4, 5, 7) with alerts, the reporter kept informed by mail
// (cp.rd.expect.6), the reward (cp.rd.expect.8) and the opt-in acknowledgements
// (cp.rd.expect.3).
//
// The reporter's personal data never leave the report (cp.rd.expect.2): the audit
// trail, the alerts and the logs name a report by its number only.
package disclosure

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/inbound"
	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Schema holds the disclosure tables.
var Schema = store.SchemaFrom("disclosure", migrations, "migrations")

// State is where a report is.
type State string

// The states of a report.
const (
	StateNew           State = "new"
	StateAcknowledged  State = "acknowledged"
	StateNeedsInfo     State = "needs_info"
	StateAccepted      State = "accepted" // assessed, with a fix date
	StateFixed         State = "fixed"
	StatePublished     State = "published"
	StateNotApplicable State = "not_applicable"
	StateDuplicate     State = "duplicate"
	StateSpam          State = "spam"
)

// States lists every state.
var States = []State{StateNew, StateAcknowledged, StateNeedsInfo, StateAccepted, StateFixed, StatePublished, StateNotApplicable, StateDuplicate, StateSpam}

// Closed reports whether nothing more is due on a report in state st.
func (st State) Closed() bool {
	return st == StateFixed || st == StatePublished || st == StateNotApplicable || st == StateDuplicate || st == StateSpam
}

// Report is one vulnerability report.
type Report struct {
	ID             int64
	Source         string
	State          State
	Title          string
	Affected       string
	Description    string
	ReporterName   string
	ReporterEmail  string
	ReporterPhone  string
	ReporterLang   string
	CreditWanted   bool
	CreditName     string
	CreditAgreed   bool
	ReceivedAt     time.Time
	AckDue         terms.Date
	AssessDue      terms.Date
	FixDue         terms.Date
	AcknowledgedAt *time.Time
	AssessedAt     *time.Time
	Assessment     string
	Severity       string
	FixDate        terms.Date
	FixedAt        *time.Time
	PublishedAt    *time.Time
	DuplicateOf    int64
	RewardKind     string // "", tshirt, vouchers, none
	RewardAmount   terms.Money
	RewardNote     string
	Explanation    terms.Explanation
	UpdatedAt      time.Time
	Events         []Event
}

// Number is the report number the reporter reads.
func (r Report) Number() string { return Number(r.ID) }

// Number formats a report id.
func Number(id int64) string { return fmt.Sprintf("SEC-%d", id) }

// Late lists the deadlines that passed undone on today: "ack", "assessment", "fix".
func (r Report) Late(today terms.Date) []string {
	var out []string
	if r.AcknowledgedAt == nil && today.After(r.AckDue) && !r.State.Closed() {
		out = append(out, "ack")
	}
	if r.AssessedAt == nil && today.After(r.AssessDue) && !r.State.Closed() {
		out = append(out, "assessment")
	}
	if r.FixedAt == nil && today.After(r.FixDue) && (r.State == StateAccepted || !r.State.Closed() && r.AssessedAt == nil) {
		out = append(out, "fix")
	}
	return out
}

// Event is one entry of a report's record.
type Event struct {
	At    time.Time
	Kind  string
	Actor string
	Body  string
}

// Deps are the service's collaborators.
type Deps struct {
	Pack      *terms.Pack
	DeskEmail string // the security desk's address: alerts
	BaseURL   string
	Provider  string
	Logger    *slog.Logger
}

// Service runs the reports.
type Service struct {
	db   *store.DB
	clk  clock.Clock
	d    Deps
	log  *slog.Logger
	fail func(string) error
}

// New builds the service.
func New(db *store.DB, clk clock.Clock, d Deps) *Service {
	s := &Service{db: db, clk: clk, d: d, log: d.Logger, fail: func(string) error { return nil }}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return s
}

// Pack returns the provider's terms.
func (s *Service) Pack() *terms.Pack { return s.d.Pack }

func (s *Service) now() time.Time { return store.Now(s.clk.Now()) }
func (s *Service) today() terms.Date {
	return terms.DateIn(s.clk.Now().In(clock.Amsterdam), clock.Amsterdam)
}

// keyErr is an error with the key of its message.
type keyErr struct{ key string }

func (e *keyErr) Error() string { return i18n.T(e.key).Error() }

// As lets the web layer show the message.
func (e *keyErr) As(target any) bool {
	if m, ok := target.(*i18n.Msg); ok {
		*m = i18n.T(e.key)
		return true
	}
	return false
}

// Errors.
var (
	ErrNotFound       = accounts.ErrNotFound
	ErrState    error = &keyErr{key: "sec.err.state"}
)

// Submission is a report from the form or a mail.
type Submission struct {
	Title        string
	Affected     string
	Description  string
	Name         string
	Email        string
	Phone        string
	Lang         string
	CreditWanted bool
	CreditName   string
	Key          string // the form's one-time token: sent twice, one report
}

// Validate checks a form submission (cp.rd.request.2: what is affected and how;
// cp.rd.request.3: an e-mail address or a telephone number).
func (in *Submission) Validate() error {
	fe := accounts.FieldErrors{}
	in.Title, in.Affected, in.Description = strings.TrimSpace(in.Title), strings.TrimSpace(in.Affected), strings.TrimSpace(in.Description)
	in.Email, in.Phone, in.CreditName = strings.TrimSpace(in.Email), strings.TrimSpace(in.Phone), strings.TrimSpace(in.CreditName)
	if in.Title == "" || len(in.Title) > 200 {
		fe["title"] = i18n.T("sec.err.title")
	}
	if in.Affected == "" || len(in.Affected) > 2000 {
		fe["affected"] = i18n.T("sec.err.affected")
	}
	if in.Description == "" || len(in.Description) > 20000 {
		fe["description"] = i18n.T("sec.err.description")
	}
	if in.Email != "" {
		if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
			fe["email"] = i18n.T("sec.err.email")
		}
	}
	if in.Email == "" && in.Phone == "" {
		fe["email"] = i18n.T("sec.err.contact")
	}
	if len(in.Phone) > 40 || len(in.Name) > 200 || len(in.CreditName) > 100 {
		fe["phone"] = i18n.T("sec.err.contact")
	}
	if in.CreditWanted && in.CreditName == "" {
		fe["credit_name"] = i18n.T("sec.err.credit_name")
	}
	if len(fe) > 0 {
		return fe
	}
	return nil
}

// Submit stores a report from the form and computes its deadlines.
func (s *Service) Submit(ctx context.Context, in Submission) (Report, error) {
	if err := in.Validate(); err != nil {
		return Report{}, err
	}
	key := "form:" + in.Key
	if in.Key == "" {
		key = "form:" + randomKey()
	}
	id, err := s.intake(ctx, "form", in, key)
	if err != nil {
		return Report{}, err
	}
	return s.load(ctx, s.db, id)
}

func (s *Service) intake(ctx context.Context, source string, in Submission, key string) (int64, error) {
	pol, err := s.d.Pack.At(s.today())
	if err != nil {
		return 0, err
	}
	now := s.now()
	due, ex, err := pol.DisclosureDeadlines(s.today())
	if err != nil {
		return 0, err
	}
	b, _ := json.Marshal(ex)
	lang := "nl"
	if in.Lang == "en" {
		lang = "en"
	}
	var id int64
	err = s.db.InTx(ctx, func(q store.Querier) error {
		if err := q.QueryRowContext(ctx, `SELECT id FROM disclosure_reports WHERE dedupe_key = $1`, key).Scan(&id); err == nil {
			return nil
		}
		if err := q.QueryRowContext(ctx, `INSERT INTO disclosure_reports (source, state, title, affected, description, reporter_name, reporter_email,
			reporter_phone, reporter_lang, credit_wanted, credit_name, received_at, ack_due, assess_due, fix_due, explanation, dedupe_key, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $12, $12) RETURNING id`,
			source, string(StateNew), in.Title, in.Affected, in.Description, in.Name, strings.ToLower(in.Email), in.Phone, lang, in.CreditWanted,
			in.CreditName, now, due.Ack.String(), due.Assessment.String(), due.Fix.String(), string(b), key).Scan(&id); err != nil {
			return err
		}
		if err := s.event(ctx, q, id, "received", source, ""); err != nil {
			return err
		}
		return s.audit(ctx, q, id, "disclosure.receive", "received by "+source)
	})
	return id, err
}

func (s *Service) event(ctx context.Context, q store.Querier, id int64, kind, actor, body string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO disclosure_events (report_id, at, kind, actor, body) VALUES ($1, $2, $3, $4, $5)`, id, s.now(), kind, actor, body)
	return err
}

// audit records a change by report number only (cp.rd.expect.2).
func (s *Service) audit(ctx context.Context, q store.Querier, id int64, action, summary string) error {
	return audit.Record(ctx, q, s.now(), audit.Change{Action: action, ObjectKind: "disclosure_report", ObjectID: strconv.FormatInt(id, 10),
		Summary: Number(id) + ": " + summary})
}

const cols = `id, source, state, title, affected, description, reporter_name, reporter_email, reporter_phone, reporter_lang, credit_wanted,
	credit_name, credit_agreed, received_at, ack_due, assess_due, fix_due, acknowledged_at, assessed_at, assessment, severity, fix_date, fixed_at,
	published_at, duplicate_of, reward_kind, reward_amount, reward_note, explanation, updated_at`

func scan(r interface{ Scan(...any) error }) (Report, error) {
	var x Report
	var ack, assess, fix, fixDate, ex string
	var amount int64
	err := r.Scan(&x.ID, &x.Source, &x.State, &x.Title, &x.Affected, &x.Description, &x.ReporterName, &x.ReporterEmail, &x.ReporterPhone,
		&x.ReporterLang, &x.CreditWanted, &x.CreditName, &x.CreditAgreed, &x.ReceivedAt, &ack, &assess, &fix, &x.AcknowledgedAt, &x.AssessedAt,
		&x.Assessment, &x.Severity, &fixDate, &x.FixedAt, &x.PublishedAt, &x.DuplicateOf, &x.RewardKind, &amount, &x.RewardNote, &ex, &x.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Report{}, ErrNotFound
	}
	if err != nil {
		return Report{}, err
	}
	x.RewardAmount = terms.Money(amount)
	for _, d := range []struct {
		s  string
		to *terms.Date
	}{{ack, &x.AckDue}, {assess, &x.AssessDue}, {fix, &x.FixDue}, {fixDate, &x.FixDate}} {
		if d.s != "" {
			if *d.to, err = terms.ParseDate(d.s); err != nil {
				return Report{}, err
			}
		}
	}
	_ = json.Unmarshal([]byte(ex), &x.Explanation)
	return x, nil
}

func (s *Service) load(ctx context.Context, q store.Querier, id int64) (Report, error) {
	r, err := scan(q.QueryRowContext(ctx, `SELECT `+cols+` FROM disclosure_reports WHERE id = $1`, id))
	if err != nil {
		return Report{}, err
	}
	rows, err := q.QueryContext(ctx, `SELECT at, kind, actor, body FROM disclosure_events WHERE report_id = $1 ORDER BY id`, id)
	if err != nil {
		return Report{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.At, &e.Kind, &e.Actor, &e.Body); err != nil {
			return Report{}, err
		}
		r.Events = append(r.Events, e)
	}
	return r, rows.Err()
}

// Get returns a report (disclosure.read).
func (s *Service) Get(ctx context.Context, by accounts.Principal, id int64) (Report, error) {
	if err := by.Check(accounts.DisclosureRead, accounts.Provider); err != nil {
		return Report{}, err
	}
	return s.load(ctx, s.db, id)
}

// List returns reports newest first, keyset by id, optionally of one state.
func (s *Service) List(ctx context.Context, by accounts.Principal, st State, before int64, limit int) ([]Report, error) {
	if err := by.Check(accounts.DisclosureRead, accounts.Provider); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	where, args := "1 = 1", []any{}
	if st != "" {
		args = append(args, string(st))
		where += " AND state = $1"
	}
	if before > 0 {
		args = append(args, before)
		where += fmt.Sprintf(" AND id < $%d", len(args))
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+cols+` FROM disclosure_reports WHERE `+where+fmt.Sprintf(" ORDER BY id DESC LIMIT %d", limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Report
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Credit is one line of the public acknowledgements page.
type Credit struct {
	Name  string
	Title string // shown once the problem is published
	Month time.Time
}

// Credits lists the reporters who asked to be named and whom staff agreed to name, for
// fixed problems (cp.rd.expect.3); public.
func (s *Service) Credits(ctx context.Context) ([]Credit, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT credit_name, title, state, fixed_at FROM disclosure_reports
		WHERE credit_agreed = TRUE AND state IN ('fixed', 'published') ORDER BY id DESC LIMIT 500`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Credit
	for rows.Next() {
		var c Credit
		var st string
		var at *time.Time
		if err := rows.Scan(&c.Name, &c.Title, &st, &at); err != nil {
			return nil, err
		}
		if st != string(StatePublished) {
			c.Title = ""
		}
		if at != nil {
			c.Month = *at
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// step runs a staff change (disclosure.manage) in a transaction.
func (s *Service) step(ctx context.Context, by accounts.Principal, id int64, action string, from []State, fn func(q store.Querier, r *Report) (string, error)) error {
	if err := by.Check(accounts.DisclosureManage, accounts.Provider); err != nil {
		return err
	}
	ctx = accounts.ActorContext(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		r, err := s.load(ctx, q, id)
		if err != nil {
			return err
		}
		if len(from) > 0 && !slices.Contains(from, r.State) {
			return ErrState
		}
		summary, err := fn(q, &r)
		if err != nil {
			return err
		}
		return s.audit(ctx, q, id, action, summary)
	})
}

func text(v, field string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 8000 {
		return "", accounts.FieldErrors{field: i18n.T("sec.err.text")}
	}
	return v, nil
}

func (s *Service) move(ctx context.Context, q store.Querier, r *Report, st State, set string, args ...any) error {
	q1 := `UPDATE disclosure_reports SET state = $1, updated_at = $2`
	all := []any{string(st), s.now()}
	if set != "" {
		q1 += ", " + set
		all = append(all, args...)
	}
	all = append(all, r.ID)
	_, err := q.ExecContext(ctx, q1+fmt.Sprintf(" WHERE id = $%d", len(all)), all...)
	r.State = st
	return err
}

// ackNow sets the acknowledgement when a first answer to the reporter is sent.
const ackNow = "acknowledged_at = COALESCE(acknowledged_at, $3)"

// Acknowledge confirms receipt to the reporter (cp.rd.expect.4).
func (s *Service) Acknowledge(ctx context.Context, by accounts.Principal, id int64) error {
	return s.step(ctx, by, id, "disclosure.acknowledge", []State{StateNew}, func(q store.Querier, r *Report) (string, error) {
		if err := s.move(ctx, q, r, StateAcknowledged, ackNow, s.now()); err != nil {
			return "", err
		}
		return "acknowledged", s.mail(ctx, q, r, "ack", r.AssessDue.String())
	})
}

// AskInfo asks the reporter for more information.
func (s *Service) AskInfo(ctx context.Context, by accounts.Principal, id int64, question string) error {
	question, err := text(question, "question")
	if err != nil {
		return err
	}
	return s.step(ctx, by, id, "disclosure.ask", []State{StateNew, StateAcknowledged, StateAccepted}, func(q store.Querier, r *Report) (string, error) {
		if err := s.move(ctx, q, r, StateNeedsInfo, ackNow, s.now()); err != nil {
			return "", err
		}
		if err := s.event(ctx, q, r.ID, "asked", "staff", question); err != nil {
			return "", err
		}
		return "information asked", s.mail(ctx, q, r, "needs_info", question)
	})
}

// Accept gives the reporter the assessment and the expected fix date
// (cp.rd.expect.5); the date lies no later than the fix deadline (cp.rd.expect.7).
func (s *Service) Accept(ctx context.Context, by accounts.Principal, id int64, severity, assessment string, fixDate terms.Date) error {
	assessment, err := text(assessment, "assessment")
	if err != nil {
		return err
	}
	if !slices.Contains([]string{"low", "medium", "high", "critical"}, severity) {
		return accounts.FieldErrors{"severity": i18n.T("sec.err.severity")}
	}
	return s.step(ctx, by, id, "disclosure.accept", []State{StateNew, StateAcknowledged, StateNeedsInfo}, func(q store.Querier, r *Report) (string, error) {
		if fixDate.IsZero() || fixDate.Before(s.today()) || fixDate.After(r.FixDue) {
			return "", accounts.FieldErrors{"fix_date": i18n.T("sec.err.fix_date", r.FixDue.String())}
		}
		if err := s.move(ctx, q, r, StateAccepted, ackNow+", assessed_at = $3, assessment = $4, severity = $5, fix_date = $6",
			s.now(), assessment, severity, fixDate.String()); err != nil {
			return "", err
		}
		if err := s.event(ctx, q, r.ID, "assessed", "staff", severity+": "+assessment); err != nil {
			return "", err
		}
		return "accepted, severity " + severity + ", fix by " + fixDate.String(), s.mail(ctx, q, r, "accepted", assessment, fixDate.String())
	})
}

// Reject closes a report as not applicable, a duplicate or spam, with the reasons
// (spam gets no answer).
func (s *Service) Reject(ctx context.Context, by accounts.Principal, id int64, st State, reasons string, duplicateOf int64) error {
	if st != StateNotApplicable && st != StateDuplicate && st != StateSpam {
		return ErrState
	}
	if st != StateSpam {
		var err error
		if reasons, err = text(reasons, "reasons"); err != nil {
			return err
		}
	}
	return s.step(ctx, by, id, "disclosure.reject", []State{StateNew, StateAcknowledged, StateNeedsInfo}, func(q store.Querier, r *Report) (string, error) {
		if err := s.move(ctx, q, r, st, "assessed_at = $3, assessment = $4, duplicate_of = $5", s.now(), reasons, duplicateOf); err != nil {
			return "", err
		}
		if err := s.event(ctx, q, r.ID, string(st), "staff", reasons); err != nil {
			return "", err
		}
		if st == StateSpam {
			return string(st), nil
		}
		return string(st), s.mail(ctx, q, r, string(st), reasons)
	})
}

// Progress tells the reporter how the fix goes (cp.rd.expect.6).
func (s *Service) Progress(ctx context.Context, by accounts.Principal, id int64, message string) error {
	message, err := text(message, "message")
	if err != nil {
		return err
	}
	return s.step(ctx, by, id, "disclosure.progress", []State{StateAcknowledged, StateNeedsInfo, StateAccepted, StateFixed}, func(q store.Querier, r *Report) (string, error) {
		if err := s.event(ctx, q, r.ID, "progress", "staff", message); err != nil {
			return "", err
		}
		return "progress sent", s.mail(ctx, q, r, "progress", message)
	})
}

// Fixed records that the problem is solved (cp.rd.expect.7) and tells the reporter.
func (s *Service) Fixed(ctx context.Context, by accounts.Principal, id int64, note string) error {
	note, err := text(note, "note")
	if err != nil {
		return err
	}
	return s.step(ctx, by, id, "disclosure.fixed", []State{StateAccepted}, func(q store.Querier, r *Report) (string, error) {
		if err := s.move(ctx, q, r, StateFixed, "fixed_at = $3", s.now()); err != nil {
			return "", err
		}
		if err := s.event(ctx, q, r.ID, "fixed", "staff", note); err != nil {
			return "", err
		}
		return "fixed", s.mail(ctx, q, r, "fixed", note)
	})
}

// Publish records the publication agreed with the reporter (cp.rd.expect.7).
func (s *Service) Publish(ctx context.Context, by accounts.Principal, id int64, note string) error {
	note, err := text(note, "note")
	if err != nil {
		return err
	}
	return s.step(ctx, by, id, "disclosure.publish", []State{StateFixed}, func(q store.Querier, r *Report) (string, error) {
		if err := s.move(ctx, q, r, StatePublished, "published_at = $3", s.now()); err != nil {
			return "", err
		}
		if err := s.event(ctx, q, r.ID, "published", "staff", note); err != nil {
			return "", err
		}
		return "published", s.mail(ctx, q, r, "published", note)
	})
}

// Reward records the reward (cp.rd.expect.8): a T-shirt, gift vouchers up to the
// pack's maximum, or none (the problem was known, or not serious).
func (s *Service) Reward(ctx context.Context, by accounts.Principal, id int64, kind string, amount terms.Money, note string) error {
	if !slices.Contains([]string{"tshirt", "vouchers", "none"}, kind) {
		return accounts.FieldErrors{"reward_kind": i18n.T("sec.err.reward_kind")}
	}
	if kind != "vouchers" {
		amount = 0
	}
	pol, err := s.d.Pack.At(s.today())
	if err != nil {
		return err
	}
	ex, err := pol.DisclosureReward(amount)
	if err != nil || (kind == "vouchers" && amount <= 0) {
		return accounts.FieldErrors{"reward_amount": i18n.T("sec.err.reward_amount", pol.Terms.Disclosure.RewardMax.String())}
	}
	return s.step(ctx, by, id, "disclosure.reward", []State{StateAccepted, StateFixed, StatePublished}, func(q store.Querier, r *Report) (string, error) {
		b, _ := json.Marshal(append(r.Explanation, ex...))
		if _, err := q.ExecContext(ctx, `UPDATE disclosure_reports SET reward_kind = $1, reward_amount = $2, reward_note = $3, explanation = $4, updated_at = $5 WHERE id = $6`,
			kind, int64(amount), strings.TrimSpace(note), string(b), s.now(), r.ID); err != nil {
			return "", err
		}
		return fmt.Sprintf("reward %s %s", kind, amount), s.event(ctx, q, r.ID, "reward", "staff", fmt.Sprintf("%s %s %s", kind, amount, note))
	})
}

// SetCredit records whether the reporter is named on the acknowledgements page; only
// a reporter who asked for it can be (cp.rd.expect.3).
func (s *Service) SetCredit(ctx context.Context, by accounts.Principal, id int64, agreed bool) error {
	return s.step(ctx, by, id, "disclosure.credit", nil, func(q store.Querier, r *Report) (string, error) {
		if agreed && !r.CreditWanted {
			return "", ErrState
		}
		_, err := q.ExecContext(ctx, `UPDATE disclosure_reports SET credit_agreed = $1, updated_at = $2 WHERE id = $3`, agreed, s.now(), r.ID)
		return fmt.Sprintf("credit %v", agreed), err
	})
}

var tag = regexp.MustCompile(`\[SEC-([0-9]{1,18})\]`)
var urlInText = regexp.MustCompile(`https?://[^\s<>"')\]]+`)

// MailHandler returns the inbound.Handler for the security address: a reply quoting a
// report number joins its report (and answers a request for information); any other
// mail is a new report. Automatic mail is never answered nor made a report.
func (s *Service) MailHandler() inbound.Handler { return inbound.HandlerFunc(s.handleMail) }

func (s *Service) handleMail(ctx context.Context, m *inbound.Message) error {
	ctx = audit.JobContext(ctx, "disclosure.mail")
	if m.Automatic {
		s.log.Info("disclosure: automatic mail ignored", "message_id", m.MessageID)
		return nil
	}
	if sm := tag.FindStringSubmatch(m.Subject); sm != nil {
		id, _ := strconv.ParseInt(sm[1], 10, 64)
		taken := false
		err := s.db.InTx(ctx, func(q store.Querier) error {
			r, err := s.load(ctx, q, id)
			if errors.Is(err, ErrNotFound) || err == nil && !strings.EqualFold(r.ReporterEmail, m.From.Address) {
				return nil
			}
			if err != nil {
				return err
			}
			taken = true
			var seen int
			if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM disclosure_events WHERE report_id = $1 AND kind = 'reporter_mail' AND actor = $2`, id, "mail:"+m.MessageID).Scan(&seen); err != nil || seen > 0 {
				return err
			}
			if err := s.event(ctx, q, id, "reporter_mail", "mail:"+m.MessageID, clip(m.Text, 20000)); err != nil {
				return err
			}
			if r.State == StateNeedsInfo {
				back := StateAcknowledged
				if r.AssessedAt != nil {
					back = StateAccepted
				}
				if err := s.move(ctx, q, &r, back, ""); err != nil {
					return err
				}
			}
			return s.audit(ctx, q, id, "disclosure.reporter_reply", "the reporter replied")
		})
		if err != nil || taken {
			return err
		}
	}
	in := Submission{Title: clip(firstNonEmpty(m.Subject, "(no subject)"), 200), Description: clip(firstNonEmpty(m.Text, m.Subject), 20000),
		Name: clip(m.From.Name, 200), Email: strings.ToLower(m.From.Address), Lang: "nl"}
	in.Affected = strings.Join(urlInText.FindAllString(m.Text, 5), "\n")
	_, err := s.intake(ctx, "email", in, "mail:"+m.MessageID)
	return err
}

// Job raises the alerts of the three deadlines.
func (s *Service) Job() jobs.Job {
	return jobs.Job{Name: "disclosure.deadlines", Every: time.Hour, Run: s.RunDeadlines}
}

// RunDeadlines alerts the desk once per report and deadline, on the due day and after,
// while the step is undone. One transaction per alert: killed half way, the next run
// alerts the rest, none twice.
func (s *Service) RunDeadlines(ctx context.Context, _ time.Time) error {
	ctx = audit.JobContext(ctx, "disclosure.deadlines")
	today := s.today().String()
	rows, err := s.db.QueryContext(ctx, `SELECT id, 'ack', ack_due FROM disclosure_reports WHERE acknowledged_at IS NULL AND ack_due <= $1 AND state IN ('new')
		UNION ALL SELECT id, 'assessment', assess_due FROM disclosure_reports WHERE assessed_at IS NULL AND assess_due <= $1 AND state IN ('new', 'acknowledged', 'needs_info')
		UNION ALL SELECT id, 'fix', fix_due FROM disclosure_reports WHERE fixed_at IS NULL AND fix_due <= $1 AND state IN ('new', 'acknowledged', 'needs_info', 'accepted')`, today)
	if err != nil {
		return err
	}
	type due struct {
		id         int64
		kind, date string
	}
	var dues []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.kind, &d.date); err != nil {
			rows.Close()
			return err
		}
		dues = append(dues, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, d := range dues {
		if err := s.fail("alert"); err != nil {
			return err
		}
		err := s.db.InTx(ctx, func(q store.Querier) error {
			res, err := q.ExecContext(ctx, `INSERT INTO disclosure_alerts (report_id, deadline, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, d.id, d.kind, s.now())
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil
			}
			what := d.kind
			if pol, err := s.d.Pack.At(s.today()); err == nil {
				if dl, ok := pol.Terms.Deadlines[map[string]string{"ack": "disclosure-ack", "assessment": "disclosure-assessment", "fix": "disclosure-fix"}[d.kind]]; ok {
					what = fmt.Sprintf("%s (%s)", dl.Meaning, strings.Join(dl.Clauses, ", "))
				}
			}
			subject := fmt.Sprintf("[%s] Deadline: %s on %s", Number(d.id), what, d.date)
			link := fmt.Sprintf("%s/staff/security-reports/%d", strings.TrimRight(s.d.BaseURL, "/"), d.id)
			if s.d.DeskEmail != "" {
				if _, err := notify.Enqueue(ctx, q, s.now(), notify.Message{DedupeKey: fmt.Sprintf("sec-alert:%d:%s", d.id, d.kind), To: s.d.DeskEmail,
					Lang: "en", Subject: subject, Text: subject + "\n" + link + "\n"}); err != nil && !errors.Is(err, notify.ErrDuplicate) {
					return err
				}
			}
			return s.event(ctx, q, d.id, "alert", "desk", subject)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func clip(s string, n int) string {
	s = strings.ToValidUTF8(strings.TrimSpace(s), "")
	if len(s) <= n {
		return s
	}
	r := []rune(s[:n])
	return string(r[:len(r)-1])
}

// randomKey stands in for a form's one-time key when the caller has none: on a fake
// clock two submissions share a time, never a key.
func randomKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
