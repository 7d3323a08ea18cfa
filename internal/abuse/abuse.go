// Package abuse is the notice-and-takedown desk (cp.ntd.2.1-2.6; fo.av.9.6-9.8): notices
// from the public form, from e-mail to the abuse address and from machine reports
// (X-ARF v4, ARF), each looked up to the service and customer it concerns and run
// through the steps of INTERPRETATION.md "Notice and takedown" with werkdag deadlines
// from terms. A block is never a deletion: it is a provisioning suspension with the
// reason abuse, or a recorded task for staff where no service exists.
//
// Every message sent or received, every decision and its reasons is an event of the
// case; every change by a person is audited.
package abuse

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Schema holds the abuse tables.
var Schema = store.SchemaFrom("abuse", migrations, "migrations")

// State is where a case is.
type State string

// The states of a case.
const (
	// StateNew: received and acknowledged; staff check the details and the location.
	StateNew State = "new"
	// StateIncomplete: the notifier was asked to complete the notice; the clock does not
	// run until they do (INTERPRETATION step 1).
	StateIncomplete State = "incomplete"
	// StateForwarded: the customer has until DueOn to respond (cp.ntd.2.3).
	StateForwarded State = "forwarded"
	// StateDeciding: staff decide (the answer came, the time passed, or the notifier had
	// contacted the customer already).
	StateDeciding State = "deciding"
	StateClosed   State = "closed"
)

// States lists the states in order.
var States = []State{StateNew, StateIncomplete, StateForwarded, StateDeciding, StateClosed}

// Grounds are the legal grounds a notice can give.
var Grounds = []string{"copyright", "trademark", "defamation", "privacy", "hate", "fraud", "malware", "csam", "spam", "other"}

// FormGrounds are the grounds the public form offers (spam comes from machine reports).
var FormGrounds = []string{"copyright", "trademark", "defamation", "privacy", "hate", "fraud", "malware", "csam", "other"}

// Outcomes of a closed case.
const (
	OutcomeNotOurs   = "not_ours"  // hosted elsewhere (cp.ntd.2.2)
	OutcomeOffline   = "offline"   // not or no longer online (cp.ntd.2.2)
	OutcomeAgreed    = "agreed"    // the notifier agreed with the customer's answer (cp.ntd.2.3)
	OutcomeDecided   = "decided"   // staff decided (cp.ntd.2.4, 2.5)
	OutcomeWithdrawn = "withdrawn" // the notifier never completed or withdrew the notice
)

// Case is one notice.
type Case struct {
	ID                    int64
	Source                string // form, email, xarf, arf
	State                 State
	Outcome               string
	Ground                string
	AsksRemoval           bool
	AsksIdentification    bool
	NotifierName          string
	NotifierOrg           string
	NotifierEmail         string
	NotifierPhone         string
	NotifierLang          string
	Accurate              bool
	ContactedCustomer     bool
	UrgentRequested       bool
	UrgencyReasons        string
	Urgent                bool
	Description           string
	OrgID                 int64
	ServiceID             int64
	SubscriptionID        int64
	MachineKind           string
	Reports               int
	ReceivedAt            time.Time
	DueOn                 terms.Date // zero: no clock runs
	DueKind               string     // "response" (cp.ntd.2.3) or "urgent" (cp.ntd.2.6)
	ForwardedAt           *time.Time
	Response              string
	RespondedAt           *time.Time
	Decision              string // justified, unjustified
	DecisionReasons       string
	Identification        string // granted, refused
	IdentificationReasons string
	Blocked               bool
	HotlineReferral       string
	Explanation           terms.Explanation
	CreatedAt             time.Time
	UpdatedAt             time.Time
	Targets               []Target
	Events                []Event
}

// Number is the case number the notifier and customer read.
func (c Case) Number() string { return Number(c.ID) }

// Number formats a case id.
func Number(id int64) string { return fmt.Sprintf("NTD-%d", id) }

// Overdue reports whether the running deadline passed on today.
func (c Case) Overdue(today terms.Date) bool {
	return c.State != StateClosed && !c.DueOn.IsZero() && today.After(c.DueOn)
}

// Target is one URL or address of a notice and what it was found to be.
type Target struct {
	Target    string
	Host      string
	OrgID     int64
	ServiceID int64
	Finding   string // a Finding* constant
}

// Event is one entry of a case's record.
type Event struct {
	ID    int64
	At    time.Time
	Kind  string // received, acknowledged, asked, completed, forwarded, response, passed_on, decision, identification, block, unblock, task, referral, closed, urgency, mail, note, alert
	Party string // notifier, customer, staff, system
	Actor string
	Body  string
}

// Recipient is where mail for an organisation goes.
type Recipient struct {
	Email, Name, Lang string
	// LegalName and Address identify the customer to a notifier when staff grant
	// identification (cp.ntd.2.5, fo.av.9.8).
	LegalName, Address string
}

// Customers gives an organisation's contact and identity, in the caller's transaction.
type Customers interface {
	Contact(ctx context.Context, q store.Querier, orgID int64) (Recipient, error)
}

// Blocker suspends and lifts the abuse block of a service (provision.Service: Block,
// Unblock, action service.block). A block keeps the data (cp.ntd.2.4, fo.av.9.7).
type Blocker interface {
	Block(ctx context.Context, by accounts.Principal, serviceID int64, note string) error
	Unblock(ctx context.Context, by accounts.Principal, serviceID int64, note string) error
}

// Deps are the service's collaborators.
type Deps struct {
	Pack      *terms.Pack
	Locator   Locator
	Customers Customers
	Blocker   Blocker // nil: every block is a task for staff
	// DeskEmail receives the desk's alerts (overdue deadlines, child abuse material).
	DeskEmail string
	BaseURL   string
	Provider  string
	Logger    *slog.Logger
}

// Service runs the desk.
type Service struct {
	db   *store.DB
	clk  clock.Clock
	d    Deps
	log  *slog.Logger
	fail func(point string) error // crash tests stop a job half way
}

// SystemPrincipal acts for the desk where no person does: the immediate block of child
// sexual abuse material at intake.
var SystemPrincipal = accounts.Principal{User: accounts.User{ID: -1, Email: "abuse-desk@system", Roles: []accounts.Role{accounts.RoleAbuse}}}

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

func (s *Service) policy() (*terms.Policy, error) { return s.d.Pack.At(s.today()) }

// Errors with the key of the message a person reads.
var (
	ErrNotFound       = accounts.ErrNotFound
	ErrState    error = &keyErr{key: "abuse.err.state"}
)

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

func record(ctx context.Context, q store.Querier, at time.Time, orgID int64, action string, id int64, summary string) error {
	return audit.Record(ctx, q, at, audit.Change{OrgID: orgID, Action: action, ObjectKind: "abuse_case", ObjectID: fmt.Sprint(id), Summary: summary})
}

func actor(ctx context.Context, by accounts.Principal) context.Context {
	if by.User.ID == SystemPrincipal.User.ID && by.User.Email == SystemPrincipal.User.Email {
		return audit.JobContext(ctx, "abuse.desk")
	}
	return accounts.ActorContext(ctx, by)
}

func (s *Service) event(ctx context.Context, q store.Querier, id int64, kind, party, who, body string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO abuse_events (case_id, at, kind, party, actor, body) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, s.now(), kind, party, who, body)
	return err
}

const caseCols = `id, source, state, outcome, ground, asks_removal, asks_identification, notifier_name, notifier_org, notifier_email,
	notifier_phone, notifier_lang, accurate, contacted_customer, urgent_requested, urgency_reasons, urgent, description, org_id,
	service_id, subscription_id, machine_kind, reports, received_at, due_on, due_kind, forwarded_at, response, responded_at,
	decision, decision_reasons, identification, identification_reasons, blocked, hotline_referral, explanation, created_at, updated_at`

func scanCase(r interface{ Scan(...any) error }) (Case, error) {
	var c Case
	var due, ex string
	var fwd, resp *time.Time
	err := r.Scan(&c.ID, &c.Source, &c.State, &c.Outcome, &c.Ground, &c.AsksRemoval, &c.AsksIdentification, &c.NotifierName, &c.NotifierOrg,
		&c.NotifierEmail, &c.NotifierPhone, &c.NotifierLang, &c.Accurate, &c.ContactedCustomer, &c.UrgentRequested, &c.UrgencyReasons,
		&c.Urgent, &c.Description, &c.OrgID, &c.ServiceID, &c.SubscriptionID, &c.MachineKind, &c.Reports, &c.ReceivedAt, &due, &c.DueKind,
		&fwd, &c.Response, &resp, &c.Decision, &c.DecisionReasons, &c.Identification, &c.IdentificationReasons, &c.Blocked,
		&c.HotlineReferral, &ex, &c.CreatedAt, &c.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Case{}, ErrNotFound
	}
	if err != nil {
		return Case{}, err
	}
	c.ForwardedAt, c.RespondedAt = fwd, resp
	if due != "" {
		if c.DueOn, err = terms.ParseDate(due); err != nil {
			return Case{}, err
		}
	}
	_ = json.Unmarshal([]byte(ex), &c.Explanation)
	return c, nil
}

func (s *Service) load(ctx context.Context, q store.Querier, id int64, forUpdate bool) (Case, error) {
	c, err := scanCase(q.QueryRowContext(ctx, `SELECT `+caseCols+` FROM abuse_cases WHERE id = $1`, id))
	if err != nil {
		return Case{}, err
	}
	rows, err := q.QueryContext(ctx, `SELECT target, host, org_id, service_id, finding FROM abuse_targets WHERE case_id = $1 ORDER BY position`, id)
	if err != nil {
		return Case{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var t Target
		if err := rows.Scan(&t.Target, &t.Host, &t.OrgID, &t.ServiceID, &t.Finding); err != nil {
			return Case{}, err
		}
		c.Targets = append(c.Targets, t)
	}
	if err := rows.Err(); err != nil {
		return Case{}, err
	}
	rows.Close()
	ev, err := q.QueryContext(ctx, `SELECT id, at, kind, party, actor, body FROM abuse_events WHERE case_id = $1 ORDER BY id`, id)
	if err != nil {
		return Case{}, err
	}
	defer ev.Close()
	for ev.Next() {
		var e Event
		if err := ev.Scan(&e.ID, &e.At, &e.Kind, &e.Party, &e.Actor, &e.Body); err != nil {
			return Case{}, err
		}
		c.Events = append(c.Events, e)
	}
	return c, ev.Err()
}

// Get returns a case with its targets and record (abuse.read).
func (s *Service) Get(ctx context.Context, by accounts.Principal, id int64) (Case, error) {
	if err := by.Check(accounts.AbuseRead, accounts.Provider); err != nil {
		return Case{}, err
	}
	return s.load(ctx, s.db, id, false)
}

// CustomerCase is a case as the customer it concerns sees it: the notice without the
// notifier's identity, the messages to and from the customer, the decision.
type CustomerCase struct {
	ID          int64
	State       State
	Ground      string
	Description string
	Targets     []Target
	ReceivedAt  time.Time
	DueOn       terms.Date
	AsksRemoval bool
	Response    string
	RespondedAt *time.Time
	Decision    string
	Reasons     string
	Blocked     bool
	Events      []Event
	CanRespond  bool
}

// ForCustomer returns a case about one of the organisation's services (abuse.respond);
// a case about someone else is not found.
func (s *Service) ForCustomer(ctx context.Context, by accounts.Principal, orgID, id int64) (CustomerCase, error) {
	if err := by.Check(accounts.AbuseRespond, accounts.OrgID(orgID)); err != nil {
		return CustomerCase{}, err
	}
	c, err := s.load(ctx, s.db, id, false)
	if err != nil {
		return CustomerCase{}, err
	}
	if c.OrgID != orgID || c.OrgID == 0 || c.ForwardedAt == nil && !c.Blocked && c.Decision == "" {
		return CustomerCase{}, ErrNotFound
	}
	cc := CustomerCase{ID: c.ID, State: c.State, Ground: c.Ground, Description: c.Description, ReceivedAt: c.ReceivedAt, DueOn: c.DueOn,
		AsksRemoval: c.AsksRemoval, Response: c.Response, RespondedAt: c.RespondedAt, Blocked: c.Blocked,
		CanRespond: c.Response == "" && (c.State == StateForwarded || c.State == StateDeciding && c.Decision == "")}
	if c.Decision != "" {
		cc.Decision, cc.Reasons = c.Decision, c.DecisionReasons
	}
	for _, t := range c.Targets {
		if t.OrgID == orgID {
			cc.Targets = append(cc.Targets, t)
		}
	}
	for _, e := range c.Events {
		if e.Party == "customer" {
			cc.Events = append(cc.Events, e)
		}
	}
	return cc, nil
}

// CustomerCases lists the cases forwarded to or decided about the organisation, newest
// first, keyset by id.
func (s *Service) CustomerCases(ctx context.Context, by accounts.Principal, orgID, before int64, limit int) ([]Case, error) {
	if err := by.Check(accounts.AbuseRespond, accounts.OrgID(orgID)); err != nil {
		return nil, err
	}
	return s.list(ctx, `org_id = $1 AND (forwarded_at IS NOT NULL OR blocked OR decision <> '')`, []any{orgID}, before, limit)
}

// Filter selects cases on the staff list.
type Filter struct {
	State  State
	Ground string
	Due    string // "overdue", "today", "running" or ""
	Before int64  // keyset: cases with a smaller id
	Limit  int
}

// List returns cases newest first (abuse.read).
func (s *Service) List(ctx context.Context, by accounts.Principal, f Filter) ([]Case, error) {
	if err := by.Check(accounts.AbuseRead, accounts.Provider); err != nil {
		return nil, err
	}
	where, args := "1 = 1", []any{}
	add := func(cond string, v any) {
		args = append(args, v)
		where += fmt.Sprintf(" AND "+cond, len(args))
	}
	if f.State != "" {
		add("state = $%d", string(f.State))
	}
	if f.Ground != "" {
		add("ground = $%d", f.Ground)
	}
	today := s.today().String()
	switch f.Due {
	case "overdue":
		where += " AND due_on <> ''"
		add("due_on < $%d", today)
	case "today":
		add("due_on = $%d", today)
	case "running":
		where += " AND due_on <> ''"
	}
	return s.list(ctx, where, args, f.Before, f.Limit)
}

func (s *Service) list(ctx context.Context, where string, args []any, before int64, limit int) ([]Case, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	if before > 0 {
		args = append(args, before)
		where += fmt.Sprintf(" AND id < $%d", len(args))
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+caseCols+` FROM abuse_cases WHERE `+where+fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

var errNoRows = sql.ErrNoRows

func jobCtx(ctx context.Context, name string) context.Context { return audit.JobContext(ctx, name) }

// amsterdam is the zone the terms count days in.
func amsterdam() *time.Location { return clock.Amsterdam }
