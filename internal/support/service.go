package support

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/files"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Schema holds the support tables.
var Schema = store.SchemaFrom("support", migrations, "migrations")

// Users finds the person behind a sender's address.
type Users interface {
	FindUserByEmail(ctx context.Context, email string) (accounts.User, error)
}

// Deps are the service's collaborators.
type Deps struct {
	Pack  *terms.Pack
	Users Users
	// Address is the support desk's address (support@provider): replies come from it
	// and its domain names the Message-IDs hostpact writes.
	Address string
	// AlertTo receives the alert of an overdue complaint (the support team's list);
	// empty: Address.
	AlertTo string
	// PortalURL is the portal's base URL for links in mail.
	PortalURL string
	// MaxAttachment bounds one attachment; 0: 10 MB.
	MaxAttachment int64
	Logger        *slog.Logger
}

// Service is the support desk.
type Service struct {
	db  *store.DB
	clk clock.Clock
	d   Deps
	log *slog.Logger
	// failpoint, set by crash tests, fails the alert job at a named point.
	failpoint func(point string) error
}

// New returns the service.
func New(db *store.DB, clk clock.Clock, d Deps) *Service {
	if d.Pack == nil {
		panic("support: a policy pack is required")
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.MaxAttachment <= 0 {
		d.MaxAttachment = 10 << 20
	}
	if d.Address == "" {
		d.Address = "support@provider.invalid"
	}
	if d.AlertTo == "" {
		d.AlertTo = d.Address
	}
	return &Service{db: db, clk: clk, d: d, log: d.Logger}
}

// Address is the support desk's address, the one the inbound Router sends to HandleMail.
func (s *Service) Address() string { return s.d.Address }

// MaxAttachment is the size limit of one attachment.
func (s *Service) MaxAttachment() int64 { return s.d.MaxAttachment }

func (s *Service) policy(at time.Time) (*terms.Policy, error) {
	return s.d.Pack.At(terms.DateIn(at, clock.Amsterdam))
}

// newMessageID is a Message-ID of hostpact's, in the support address's domain.
func (s *Service) newMessageID(ticketID int64) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	_, domain, ok := strings.Cut(s.d.Address, "@")
	if !ok {
		domain = "hostpact.invalid"
	}
	return fmt.Sprintf("t%d.%s@%s", ticketID, hex.EncodeToString(b[:]), domain)
}

func orgRef(p accounts.Principal, orgID int64) accounts.OrgRef {
	if orgID == 0 {
		return accounts.Provider
	}
	if p.Org != nil && p.Org.ID == orgID {
		return p.Org.Ref()
	}
	return accounts.OrgID(orgID)
}

// check asks p for a on the ticket's organisation; an organisation that is none of p's
// business, or a provider-wide ticket for a customer, is "not found".
func check(p accounts.Principal, a accounts.Action, orgID int64) error {
	err := p.Check(a, orgRef(p, orgID))
	if err != nil && (errors.Is(err, accounts.ErrNotFound) || !p.User.IsStaff() && orgID == 0) {
		return ErrNotFound
	}
	return err
}

const ticketCols = `id, org_id, subject, category, status, channel, requester_email, requester_name, lang, assignee_user_id, assignee_role, fields,
	created_at, updated_at, clock_spent, clock_started_at, due_at, complaint_received_at, complaint_last, complaint_due_at,
	complaint_answered_at, complaint_alerted_at, next_due_at, explanation`

type scanner interface{ Scan(...any) error }

func scanTicket(r scanner) (Ticket, error) {
	var t Ticket
	var fields string
	var spent int64
	err := r.Scan(&t.ID, &t.OrgID, &t.Subject, &t.Category, &t.Status, &t.Channel, &t.RequesterEmail, &t.RequesterName, &t.Lang,
		&t.AssigneeUserID, &t.AssigneeRole, &fields, &t.CreatedAt, &t.UpdatedAt, &spent, &t.ClockStartedAt, &t.DueAt,
		&t.ComplaintReceivedAt, &t.ComplaintLast, &t.ComplaintDueAt, &t.ComplaintAnsweredAt, &t.ComplaintAlertedAt, &t.NextDueAt, &t.Explanation)
	if err != nil {
		return t, err
	}
	t.ClockSpent = time.Duration(spent) * time.Second
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	for _, p := range []**time.Time{&t.ClockStartedAt, &t.DueAt, &t.ComplaintReceivedAt, &t.ComplaintDueAt, &t.ComplaintAnsweredAt, &t.ComplaintAlertedAt, &t.NextDueAt} {
		if *p != nil {
			u := (**p).UTC()
			*p = &u
		}
	}
	if err := store.DecodeJSON("ticket "+strconv.FormatInt(t.ID, 10), "fields", fields, &t.Fields); err != nil {
		return t, err
	}
	return t, nil
}

func getTicket(ctx context.Context, q store.Querier, id int64) (Ticket, error) {
	t, err := scanTicket(q.QueryRowContext(ctx, `SELECT `+ticketCols+` FROM tickets WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrNotFound
	}
	return t, err
}

// save writes t's mutable columns back, recomputing next_due_at.
func saveTicket(ctx context.Context, q store.Querier, t *Ticket) error {
	t.NextDueAt = nil
	if t.DueAt != nil {
		t.NextDueAt = t.DueAt
	}
	if t.ComplaintOpen() && (t.NextDueAt == nil || t.ComplaintDueAt.Before(*t.NextDueAt)) {
		t.NextDueAt = t.ComplaintDueAt
	}
	fields, _ := json.Marshal(t.Fields)
	_, err := q.ExecContext(ctx, `UPDATE tickets SET org_id = $1, subject = $2, category = $3, status = $4, assignee_user_id = $5, assignee_role = $6,
		fields = $7, updated_at = $8, clock_spent = $9, clock_started_at = $10, due_at = $11, complaint_received_at = $12, complaint_last = $13,
		complaint_due_at = $14, complaint_answered_at = $15, complaint_alerted_at = $16, next_due_at = $17, explanation = $18,
		requester_email = $19, requester_name = $20 WHERE id = $21`,
		t.OrgID, t.Subject, t.Category, t.Status, t.AssigneeUserID, t.AssigneeRole, string(fields), store.Now(t.UpdatedAt),
		int64(t.ClockSpent/time.Second), tp(t.ClockStartedAt), tp(t.DueAt), tp(t.ComplaintReceivedAt), t.ComplaintLast,
		tp(t.ComplaintDueAt), tp(t.ComplaintAnsweredAt), tp(t.ComplaintAlertedAt), tp(t.NextDueAt), t.Explanation,
		t.RequesterEmail, t.RequesterName, t.ID)
	return err
}

func tp(t *time.Time) any {
	if t == nil {
		return nil
	}
	return store.Now(*t)
}

func ptr(t time.Time) *time.Time { t = store.Now(t); return &t }

// explanations keeps the terms' explanation of each open clock, by clock.
type explanations map[string]terms.Explanation

func (t *Ticket) setExplanation(name string, e terms.Explanation) {
	ex := explanations{}
	if t.Explanation != "" {
		_ = json.Unmarshal([]byte(t.Explanation), &ex)
	}
	if e == nil {
		delete(ex, name)
	} else {
		ex[name] = e
	}
	b, _ := json.Marshal(ex)
	t.Explanation = string(b)
}

// Explanations returns the stored explanations of t's clocks ("response", "complaint").
func (t Ticket) Explanations() map[string]terms.Explanation {
	ex := explanations{}
	_ = json.Unmarshal([]byte(t.Explanation), &ex)
	return ex
}

// startClock runs the response clock from now unless it runs already.
func (s *Service) startClock(t *Ticket, now time.Time) error {
	if t.ClockStartedAt != nil {
		return nil
	}
	pol, err := s.policy(now)
	if err != nil {
		return err
	}
	due, ex, err := pol.ResponseDue(now, t.ClockSpent)
	if err != nil {
		return err
	}
	t.ClockStartedAt, t.DueAt = ptr(now), ptr(due)
	t.setExplanation("response", ex)
	return nil
}

// pauseClock stops the response clock keeping what it used (waiting for the customer).
func (s *Service) pauseClock(t *Ticket, now time.Time) error {
	if t.ClockStartedAt == nil {
		return nil
	}
	pol, err := s.policy(now)
	if err != nil {
		return err
	}
	t.ClockSpent += pol.SupportTimeBetween(*t.ClockStartedAt, now)
	t.ClockStartedAt, t.DueAt = nil, nil
	t.setExplanation("response", nil)
	return nil
}

// answered stops the response clock and starts the next question's afresh.
func (s *Service) answered(t *Ticket) {
	t.ClockStartedAt, t.DueAt, t.ClockSpent = nil, nil, 0
	t.setExplanation("response", nil)
}

// markComplaint starts the complaint clock from the receipt of the ticket's first
// message (cp.av.17.1); staff reclassifying a ticket later does not move it.
func (s *Service) markComplaint(t *Ticket) error {
	if t.ComplaintReceivedAt != nil {
		return nil
	}
	pol, err := s.policy(t.CreatedAt)
	if err != nil {
		return err
	}
	last, due, ex, err := pol.ComplaintDue(t.CreatedAt)
	if err != nil {
		return err
	}
	t.ComplaintReceivedAt, t.ComplaintDueAt, t.ComplaintLast = ptr(t.CreatedAt), ptr(due), last.String()
	t.setExplanation("complaint", ex)
	return nil
}

func validCategory(c Category) bool { return slices.Contains(Categories, c) }

// OpenInput is a new ticket from the portal.
type OpenInput struct {
	OrgID    int64
	Subject  string
	Body     string
	Category Category
	Fields   map[string]string
	Files    []Upload
}

// Open creates a ticket from the portal for the principal's organisation.
func (s *Service) Open(ctx context.Context, p accounts.Principal, in OpenInput) (Ticket, error) {
	if err := check(p, accounts.TicketWrite, in.OrgID); err != nil {
		return Ticket{}, err
	}
	if err := checkOpen(&in); err != nil {
		return Ticket{}, err
	}
	var t Ticket
	err := s.db.InTx(ctx, func(q store.Querier) error {
		now := s.clk.Now()
		var err error
		t, err = s.insert(ctx, q, Ticket{OrgID: in.OrgID, Subject: in.Subject, Category: in.Category, Status: StatusNew, Channel: Portal,
			RequesterEmail: p.User.Email, RequesterName: p.User.Name, Lang: lang(p.User.Language), Fields: in.Fields}, now)
		if err != nil {
			return err
		}
		if _, err := s.addMessage(ctx, q, t, Message{Kind: FromCustomer, Public: true, AuthorUserID: p.User.ID, AuthorName: p.User.Name,
			AuthorEmail: p.User.Email, Body: in.Body}, in.Files, now); err != nil {
			return err
		}
		return audit.Record(ctx, q, now, audit.Change{OrgID: t.OrgID, Action: "ticket.open", ObjectKind: "ticket", ObjectID: strconv.FormatInt(t.ID, 10),
			Summary: fmt.Sprintf("opened ticket %s (%s) from the portal", t.Token(), t.Category)})
	})
	return t, err
}

func checkOpen(in *OpenInput) error {
	in.Subject = oneLine(in.Subject)
	in.Body = strings.TrimSpace(in.Body)
	if in.Subject == "" || len(in.Subject) > 200 {
		return ErrSubject
	}
	if in.Body == "" || len(in.Body) > 100_000 {
		return ErrBody
	}
	if in.Category == "" {
		in.Category = Question
	}
	if !validCategory(in.Category) {
		return ErrCategory
	}
	fields := map[string]string{}
	for _, f := range CategoryFields[in.Category] {
		v := oneLine(in.Fields[f])
		if v == "" && f != "wanted_by" && f != "target" {
			return &Error{Key: "support.err.field", Args: []any{f}}
		}
		if v != "" {
			fields[f] = v
		}
	}
	in.Fields = fields
	return nil
}

func oneLine(s string) string {
	return strings.TrimSpace(strings.Join(strings.Fields(s), " "))
}

func lang(l string) string {
	if l == "en" {
		return "en"
	}
	return "nl"
}

// insert creates the ticket row and starts its clocks.
func (s *Service) insert(ctx context.Context, q store.Querier, t Ticket, now time.Time) (Ticket, error) {
	t.CreatedAt, t.UpdatedAt = store.Now(now), store.Now(now)
	if t.Fields == nil {
		t.Fields = map[string]string{}
	}
	fields, _ := json.Marshal(t.Fields)
	if err := q.QueryRowContext(ctx, `INSERT INTO tickets (org_id, subject, category, status, channel, requester_email, requester_name, lang, fields, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
		t.OrgID, t.Subject, t.Category, t.Status, t.Channel, t.RequesterEmail, t.RequesterName, t.Lang, string(fields), t.CreatedAt).Scan(&t.ID); err != nil {
		return t, fmt.Errorf("support: insert ticket: %w", err)
	}
	if t.Status == StatusNew || t.Status == StatusOpen {
		if err := s.startClock(&t, now); err != nil {
			return t, err
		}
	}
	if t.Category == Complaint {
		if err := s.markComplaint(&t); err != nil {
			return t, err
		}
	}
	return t, saveTicket(ctx, q, &t)
}

// addMessage stores m on t with its attachments (internal/files, owner ticket:<id>).
// An attachment over the limit or empty is refused with files' error.
func (s *Service) addMessage(ctx context.Context, q store.Querier, t Ticket, m Message, ups []Upload, now time.Time) (Message, error) {
	m.TicketID, m.CreatedAt = t.ID, store.Now(now)
	var mid any
	if m.MessageID != "" {
		mid = m.MessageID
	}
	if err := q.QueryRowContext(ctx, `INSERT INTO ticket_messages (ticket_id, kind, public, author_user_id, author_name, author_email, body, message_id, substantive, note, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		t.ID, m.Kind, m.Public, m.AuthorUserID, m.AuthorName, m.AuthorEmail, m.Body, mid, m.Substantive, m.Note, m.CreatedAt).Scan(&m.ID); err != nil {
		return m, fmt.Errorf("support: add message: %w", err)
	}
	for _, u := range ups {
		f, err := files.Put(ctx, q, FileOwner(t.ID), u.Name, bytes.NewReader(u.Data), s.d.MaxAttachment, now)
		if err != nil {
			return m, err
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO ticket_files (message_id, file_id, name, size) VALUES ($1, $2, $3, $4)`, m.ID, f.ID, f.Name, f.Size); err != nil {
			return m, err
		}
		m.Files = append(m.Files, File{ID: f.ID, Name: f.Name, Size: f.Size})
	}
	return m, nil
}

// Get returns a ticket with its messages; customers see the public ones only.
func (s *Service) Get(ctx context.Context, p accounts.Principal, id int64) (Ticket, []Message, error) {
	t, err := getTicket(ctx, s.db, id)
	if err != nil {
		return t, nil, err
	}
	if err := check(p, accounts.TicketRead, t.OrgID); err != nil {
		return Ticket{}, nil, err
	}
	internal := p.User.IsStaff()
	rows, err := s.db.QueryContext(ctx, `SELECT id, ticket_id, kind, public, author_user_id, author_name, author_email, body, COALESCE(message_id, ''), substantive, note, created_at
		FROM ticket_messages WHERE ticket_id = $1 ORDER BY id`, id)
	if err != nil {
		return t, nil, err
	}
	defer rows.Close()
	var ms []Message
	byID := map[int64]int{}
	for rows.Next() {
		var m Message
		if err := rows.Scan(&m.ID, &m.TicketID, &m.Kind, &m.Public, &m.AuthorUserID, &m.AuthorName, &m.AuthorEmail, &m.Body, &m.MessageID, &m.Substantive, &m.Note, &m.CreatedAt); err != nil {
			return t, nil, err
		}
		if !m.Public && !internal {
			continue
		}
		m.CreatedAt = m.CreatedAt.UTC()
		byID[m.ID] = len(ms)
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return t, nil, err
	}
	rows.Close()
	frows, err := s.db.QueryContext(ctx, `SELECT f.message_id, f.file_id, f.name, f.size FROM ticket_files f JOIN ticket_messages m ON m.id = f.message_id
		WHERE m.ticket_id = $1 ORDER BY f.file_id`, id)
	if err != nil {
		return t, nil, err
	}
	defer frows.Close()
	for frows.Next() {
		var mid int64
		var f File
		if err := frows.Scan(&mid, &f.ID, &f.Name, &f.Size); err != nil {
			return t, nil, err
		}
		if i, ok := byID[mid]; ok {
			ms[i].Files = append(ms[i].Files, f)
		}
	}
	return t, ms, frows.Err()
}

// Attachment returns an attachment of a ticket p may read, if the message it belongs to
// is one p may see.
func (s *Service) Attachment(ctx context.Context, p accounts.Principal, ticketID, fileID int64) (files.File, []byte, error) {
	_, ms, err := s.Get(ctx, p, ticketID)
	if err != nil {
		return files.File{}, nil, err
	}
	for _, m := range ms {
		for _, f := range m.Files {
			if f.ID == fileID {
				return files.Get(ctx, s.db, fileID)
			}
		}
	}
	return files.File{}, nil, ErrNotFound
}

// Filter narrows the ticket list.
type Filter struct {
	OrgID    int64 // customers: always their own
	Status   Status
	Open     bool // new, open and waiting (not resolved or closed)
	Assignee int64
	Category Category
	Due      string // "due": a clock runs; "overdue": a clock has passed
	Unlinked bool   // tickets without an organisation
	Before   int64  // keyset: ids below this
	Limit    int
}

// List returns tickets newest first, one keyset page; more says whether there is another.
func (s *Service) List(ctx context.Context, p accounts.Principal, f Filter) (ts []Ticket, more bool, err error) {
	if !p.User.IsStaff() {
		if p.Org == nil {
			return nil, false, ErrNotFound
		}
		f.OrgID, f.Unlinked = p.Org.ID, false
	}
	if f.OrgID != 0 || !p.User.IsStaff() {
		if err := check(p, accounts.TicketRead, f.OrgID); err != nil {
			return nil, false, err
		}
	} else if err := p.Check(accounts.TicketRead, accounts.Provider); err != nil && !p.User.IsStaff() {
		return nil, false, err
	}
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 25
	}
	where := []string{"1=1"}
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.OrgID != 0 {
		where = append(where, "org_id = "+arg(f.OrgID))
	} else if f.Unlinked {
		where = append(where, "org_id = 0")
	}
	if f.Status != "" {
		where = append(where, "status = "+arg(f.Status))
	} else if f.Open {
		where = append(where, "status IN ('new', 'open', 'waiting_customer')")
	}
	if f.Assignee != 0 {
		where = append(where, "assignee_user_id = "+arg(f.Assignee))
	}
	if f.Category != "" {
		where = append(where, "category = "+arg(f.Category))
	}
	now := store.Now(s.clk.Now())
	switch f.Due {
	case "due":
		where = append(where, "next_due_at > "+arg(now))
	case "overdue":
		where = append(where, "next_due_at <= "+arg(now))
	}
	if f.Before > 0 {
		where = append(where, "id < "+arg(f.Before))
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+ticketCols+` FROM tickets WHERE `+strings.Join(where, " AND ")+
		` ORDER BY id DESC LIMIT `+strconv.Itoa(f.Limit+1), args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, false, err
		}
		ts = append(ts, t)
	}
	if len(ts) > f.Limit {
		return ts[:f.Limit], true, rows.Err()
	}
	return ts, false, rows.Err()
}

// change loads ticket id for p with action a, lets fn change it inside a transaction,
// saves it and records the audit entry fn's summary names.
func (s *Service) change(ctx context.Context, p accounts.Principal, a accounts.Action, id int64, fn func(q store.Querier, t *Ticket, now time.Time) (string, error)) (Ticket, error) {
	var t Ticket
	err := s.db.InTx(ctx, func(q store.Querier) error {
		var err error
		t, err = getTicket(ctx, q, id)
		if err != nil {
			return err
		}
		if err := check(p, a, t.OrgID); err != nil {
			return err
		}
		now := s.clk.Now()
		org := t.OrgID
		summary, err := fn(q, &t, now)
		if err != nil {
			return err
		}
		t.UpdatedAt = now
		if err := saveTicket(ctx, q, &t); err != nil {
			return err
		}
		if org == 0 {
			org = t.OrgID
		}
		return audit.Record(ctx, q, now, audit.Change{OrgID: org, Action: string(a), ObjectKind: "ticket", ObjectID: strconv.FormatInt(t.ID, 10), Summary: summary})
	})
	return t, err
}

// ReplyInput is a message added to a ticket by a person.
type ReplyInput struct {
	Body  string
	Files []Upload
	// Staff only:
	Internal    bool   // an internal note
	Substantive bool   // the reply answers the complaint in substance (cp.av.17.1)
	Status      Status // the status after a public reply; default waiting for the customer
}

// Reply adds a message. A customer's reply reopens the ticket and runs the clock
// again; a staff reply is mailed to the requester with the thread's headers and stops
// the response clock; an internal note changes nothing but the record.
func (s *Service) Reply(ctx context.Context, p accounts.Principal, id int64, in ReplyInput) (Message, error) {
	in.Body = strings.TrimSpace(in.Body)
	if in.Body == "" || len(in.Body) > 100_000 {
		return Message{}, ErrBody
	}
	act := accounts.TicketWrite
	if in.Internal {
		act = accounts.TicketManage
	}
	staff := p.User.IsStaff()
	var msg Message
	_, err := s.change(ctx, p, act, id, func(q store.Querier, t *Ticket, now time.Time) (string, error) {
		m := Message{Public: !in.Internal, AuthorUserID: p.User.ID, AuthorName: p.User.Name, AuthorEmail: p.User.Email, Body: in.Body}
		switch {
		case in.Internal:
			m.Kind = Note
		case staff:
			m.Kind, m.Substantive = StaffReply, in.Substantive && t.Category == Complaint
			m.MessageID = s.newMessageID(t.ID)
		default:
			if t.Status == StatusClosed {
				return "", ErrClosed
			}
			m.Kind = FromCustomer
		}
		var err error
		msg, err = s.addMessage(ctx, q, *t, m, in.Files, now)
		if err != nil {
			return "", err
		}
		switch m.Kind {
		case Note:
			return "added an internal note", nil
		case FromCustomer:
			t.Status = StatusOpen
			return "the customer replied", s.startClock(t, now)
		}
		s.answered(t)
		if m.Substantive {
			t.ComplaintAnsweredAt = ptr(now)
		}
		next := in.Status
		if next == "" {
			next = StatusWaiting
		}
		if !slices.Contains(Statuses, next) || next == StatusNew {
			return "", ErrStatus
		}
		t.Status = next
		if next == StatusOpen {
			if err := s.startClock(t, now); err != nil {
				return "", err
			}
		}
		if err := s.mailReply(ctx, q, *t, msg, now); err != nil {
			return "", err
		}
		if m.Substantive {
			return "answered the complaint in substance", nil
		}
		return "replied to the customer", nil
	})
	return msg, err
}

// Close is the customer's or staff's closing of a ticket; it stops every clock but an
// unanswered complaint's, which only an answer stops.
func (s *Service) Close(ctx context.Context, p accounts.Principal, id int64) error {
	_, err := s.change(ctx, p, accounts.TicketWrite, id, func(q store.Querier, t *Ticket, now time.Time) (string, error) {
		t.Status = StatusClosed
		s.answered(t)
		return "closed the ticket", nil
	})
	return err
}

// SetStatus is staff's change of status. Waiting for the customer pauses the response
// clock, keeping what it used; new and open run it; resolved and closed stop it. The
// complaint clock is not touched: asking for more time does not stop it (cp.av.17.1).
func (s *Service) SetStatus(ctx context.Context, p accounts.Principal, id int64, st Status) error {
	if !slices.Contains(Statuses, st) {
		return ErrStatus
	}
	_, err := s.change(ctx, p, accounts.TicketManage, id, func(q store.Querier, t *Ticket, now time.Time) (string, error) {
		from := t.Status
		t.Status = st
		var err error
		switch st {
		case StatusNew, StatusOpen:
			err = s.startClock(t, now)
		case StatusWaiting:
			err = s.pauseClock(t, now)
		default:
			s.answered(t)
		}
		return fmt.Sprintf("status %s → %s", from, st), err
	})
	return err
}

// Assign gives the ticket to a staff member (userID) or a role; both zero unassigns.
func (s *Service) Assign(ctx context.Context, p accounts.Principal, id int64, userID int64, role string) error {
	if role != "" && !slices.Contains(accounts.Roles, accounts.Role(role)) {
		return &Error{Key: "support.err.role"}
	}
	_, err := s.change(ctx, p, accounts.TicketManage, id, func(q store.Querier, t *Ticket, now time.Time) (string, error) {
		t.AssigneeUserID, t.AssigneeRole = userID, role
		if t.Status == StatusNew {
			t.Status = StatusOpen
		}
		return fmt.Sprintf("assigned to user %d role %q", userID, role), nil
	})
	return err
}

// SetCategory reclassifies a ticket. Made a complaint, its clock runs from the receipt
// of the ticket's first message, not from the reclassification (cp.av.17.1).
func (s *Service) SetCategory(ctx context.Context, p accounts.Principal, id int64, c Category) error {
	if !validCategory(c) {
		return ErrCategory
	}
	_, err := s.change(ctx, p, accounts.TicketManage, id, func(q store.Querier, t *Ticket, now time.Time) (string, error) {
		from := t.Category
		t.Category = c
		if c == Complaint {
			if err := s.markComplaint(t); err != nil {
				return "", err
			}
		} else if t.ComplaintAnsweredAt == nil {
			t.ComplaintReceivedAt, t.ComplaintDueAt, t.ComplaintLast, t.ComplaintAlertedAt = nil, nil, "", nil
			t.setExplanation("complaint", nil)
		}
		return fmt.Sprintf("category %s → %s", from, c), nil
	})
	return err
}

// LinkOrganisation ties a ticket from an unknown sender to an organisation.
func (s *Service) LinkOrganisation(ctx context.Context, p accounts.Principal, id, orgID int64) error {
	if err := check(p, accounts.TicketManage, orgID); err != nil {
		return err
	}
	_, err := s.change(ctx, p, accounts.TicketManage, id, func(q store.Querier, t *Ticket, now time.Time) (string, error) {
		from := t.OrgID
		t.OrgID = orgID
		return fmt.Sprintf("linked to organisation %d (was %d)", orgID, from), nil
	})
	return err
}

// ContactInput is staff's record of a phone call or chat.
type ContactInput struct {
	TicketID int64 // 0: a new ticket
	OrgID    int64
	Channel  Channel // phone or chat
	Subject  string
	Body     string
	Category Category
	Email    string // the caller's address, for replies by mail
	Name     string
}

// LogContact records a phone call or chat, on an existing ticket or as a new one.
func (s *Service) LogContact(ctx context.Context, p accounts.Principal, in ContactInput) (Ticket, error) {
	if in.Channel != Phone && in.Channel != Chat {
		return Ticket{}, &Error{Key: "support.err.channel"}
	}
	kind := Call
	if in.Channel == Chat {
		kind = ChatLog
	}
	body := strings.TrimSpace(in.Body)
	if body == "" {
		return Ticket{}, ErrBody
	}
	if in.TicketID != 0 {
		return s.change(ctx, p, accounts.TicketManage, in.TicketID, func(q store.Querier, t *Ticket, now time.Time) (string, error) {
			_, err := s.addMessage(ctx, q, *t, Message{Kind: kind, Public: true, AuthorUserID: p.User.ID, AuthorName: p.User.Name, Body: body}, nil, now)
			return "logged a " + string(in.Channel) + " contact", err
		})
	}
	if err := check(p, accounts.TicketManage, in.OrgID); err != nil {
		return Ticket{}, err
	}
	oi := OpenInput{Subject: in.Subject, Body: body, Category: in.Category, Fields: map[string]string{}}
	if in.Category == "" {
		oi.Category = Question
	}
	if in.Category == Complaint {
		// cp.av.17.1: a complaint is written; a call is recorded, the complaint itself
		// arrives by mail or the portal.
		return Ticket{}, &Error{Key: "support.err.complaint_written"}
	}
	if oi.Subject == "" || oi.Category == ChangeRequest || oi.Category == BackupRestore {
		// Fields of those categories are asked for on the ticket's page afterwards.
		if oi.Subject == "" {
			return Ticket{}, ErrSubject
		}
	}
	if !validCategory(oi.Category) {
		return Ticket{}, ErrCategory
	}
	var t Ticket
	err := s.db.InTx(ctx, func(q store.Querier) error {
		now := s.clk.Now()
		var err error
		t, err = s.insert(ctx, q, Ticket{OrgID: in.OrgID, Subject: oneLine(oi.Subject), Category: oi.Category, Status: StatusOpen, Channel: in.Channel,
			RequesterEmail: strings.ToLower(strings.TrimSpace(in.Email)), RequesterName: oneLine(in.Name), Lang: "nl"}, now)
		if err != nil {
			return err
		}
		if _, err := s.addMessage(ctx, q, t, Message{Kind: kind, Public: true, AuthorUserID: p.User.ID, AuthorName: p.User.Name, Body: body}, nil, now); err != nil {
			return err
		}
		return audit.Record(ctx, q, now, audit.Change{OrgID: t.OrgID, Action: "ticket.manage", ObjectKind: "ticket", ObjectID: strconv.FormatInt(t.ID, 10),
			Summary: "logged a " + string(in.Channel) + " contact as a new ticket"})
	})
	return t, err
}

// CannedReplies lists the canned replies in lang (staff only).
func (s *Service) CannedReplies(ctx context.Context, p accounts.Principal, lang string) ([]Canned, error) {
	if err := p.Check(accounts.TicketManage, accounts.Provider); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, lang, title, body FROM ticket_canned WHERE lang = $1 ORDER BY title`, lang)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Canned
	for rows.Next() {
		var c Canned
		if err := rows.Scan(&c.ID, &c.Lang, &c.Title, &c.Body); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SaveCanned adds or replaces a canned reply (by language and title).
func (s *Service) SaveCanned(ctx context.Context, p accounts.Principal, c Canned) error {
	if err := p.Check(accounts.TicketManage, accounts.Provider); err != nil {
		return err
	}
	c.Lang, c.Title, c.Body = lang(c.Lang), oneLine(c.Title), strings.TrimSpace(c.Body)
	if c.Title == "" {
		return ErrSubject
	}
	if c.Body == "" {
		return ErrBody
	}
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.clk.Now()
		if _, err := q.ExecContext(ctx, `INSERT INTO ticket_canned (lang, title, body, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (lang, title) DO UPDATE SET body = excluded.body`, c.Lang, c.Title, c.Body, store.Now(now)); err != nil {
			return err
		}
		return audit.Record(ctx, q, now, audit.Change{Action: "ticket.manage", ObjectKind: "ticket_canned", ObjectID: c.Lang + ":" + c.Title, Summary: "saved a canned reply"})
	})
}
