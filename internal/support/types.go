// Package support is the support desk: tickets from the portal, from e-mail to the
// support address (an inbound.Handler), and staff's records of phone calls and chats.
// A ticket threads its mail by Message-ID (In-Reply-To, References) and by the token
// [#T-n] in the subject; automatic mail is recorded and never answered. Every ticket
// has a response clock in customer service's open hours (cp.sla.support.2) that pauses
// while the ticket waits for the customer; a complaint also runs the 5-werkdagen clock
// of cp.av.17.1 from receipt, which nothing but an answer in substance stops.
package support

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
)

// Status of a ticket.
type Status string

const (
	StatusNew      Status = "new"
	StatusOpen     Status = "open"
	StatusWaiting  Status = "waiting_customer"
	StatusResolved Status = "resolved"
	StatusClosed   Status = "closed"
)

// Statuses in the order of a ticket's life.
var Statuses = []Status{StatusNew, StatusOpen, StatusWaiting, StatusResolved, StatusClosed}

// Category of a ticket. Change requests (cp.sla.change.1) and backup restores
// (cp.sla.backups.1-5) have fields of their own.
type Category string

const (
	Question      Category = "question"
	Incident      Category = "incident"
	Complaint     Category = "complaint"
	ChangeRequest Category = "change_request"
	BackupRestore Category = "backup_restore"
	Billing       Category = "billing"
	Other         Category = "other"
)

// Categories in display order.
var Categories = []Category{Question, Incident, Complaint, ChangeRequest, BackupRestore, Billing, Other}

// CategoryFields are the extra fields a category asks for.
var CategoryFields = map[Category][]string{
	// cp.sla.change.1: the change is binding only after agreement on content, planning
	// and price, and the provider may decline it until then.
	ChangeRequest: {"service", "change", "wanted_by"},
	BackupRestore: {"service", "restore_point", "target"},
}

// Channel a ticket came in by.
type Channel string

const (
	Portal Channel = "portal"
	Email  Channel = "email"
	Phone  Channel = "phone"
	Chat   Channel = "chat"
)

// Kind of a message on a ticket.
type Kind string

const (
	FromCustomer Kind = "customer"
	StaffReply   Kind = "staff"
	Note         Kind = "note" // internal: never shown to customers
	Call         Kind = "call"
	ChatLog      Kind = "chat"
	Automatic    Kind = "automatic"
)

// Ticket is one conversation.
type Ticket struct {
	ID             int64
	OrgID          int64 // 0: the sender is not linked to an organisation yet
	Subject        string
	Category       Category
	Status         Status
	Channel        Channel
	RequesterEmail string
	RequesterName  string
	Lang           string
	AssigneeUserID int64
	AssigneeRole   string
	Fields         map[string]string
	CreatedAt      time.Time
	UpdatedAt      time.Time

	ClockSpent     time.Duration
	ClockStartedAt *time.Time
	DueAt          *time.Time // the response clock's due moment, while it runs

	ComplaintReceivedAt *time.Time
	ComplaintLast       string // the last day to answer (YYYY-MM-DD)
	ComplaintDueAt      *time.Time
	ComplaintAnsweredAt *time.Time
	ComplaintAlertedAt  *time.Time
	NextDueAt           *time.Time
	Explanation         string // JSON of the terms' explanation of the open clocks
}

// Token is the ticket's number as it appears in a subject.
func (t Ticket) Token() string { return "[#T-" + strconv.FormatInt(t.ID, 10) + "]" }

// Overdue says whether an open clock of t has passed at now.
func (t Ticket) Overdue(now time.Time) bool { return t.NextDueAt != nil && !now.Before(*t.NextDueAt) }

// ComplaintOpen says whether t is a complaint still waiting for its answer.
func (t Ticket) ComplaintOpen() bool {
	return t.ComplaintDueAt != nil && t.ComplaintAnsweredAt == nil
}

var tokenRE = regexp.MustCompile(`\[#T-(\d{1,18})\]`)

// TokenIn returns the ticket id in a subject's token, or 0.
func TokenIn(subject string) int64 {
	m := tokenRE.FindStringSubmatch(subject)
	if m == nil {
		return 0
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// Message is one entry on a ticket.
type Message struct {
	ID           int64
	TicketID     int64
	Kind         Kind
	Public       bool
	AuthorUserID int64
	AuthorName   string
	AuthorEmail  string
	Body         string
	MessageID    string
	Substantive  bool   // a staff reply that answers a complaint in substance
	Note         string // why an automatic message was not answered, omitted attachments
	CreatedAt    time.Time
	Files        []File
}

// File is an attachment of a message.
type File struct {
	ID   int64
	Name string
	Size int64
}

// Upload is an attachment as the portal or a mail hands it in.
type Upload struct {
	Name string
	Data []byte
}

// Canned is a reply staff reuse.
type Canned struct {
	ID    int64
	Lang  string
	Title string
	Body  string
}

// Error is a refused request with the key of its message.
type Error struct {
	Key  string
	Args []any
}

func (e *Error) Error() string { return fmt.Sprintf("support: %s %v", e.Key, e.Args) }

// Errors.
var (
	ErrNotFound    = fmt.Errorf("support: ticket: %w", accounts.ErrNotFound)
	ErrSubject     = &Error{Key: "support.err.subject"}
	ErrBody        = &Error{Key: "support.err.body"}
	ErrCategory    = &Error{Key: "support.err.category"}
	ErrStatus      = &Error{Key: "support.err.status"}
	ErrClosed      = &Error{Key: "support.err.closed"}
	ErrFieldNeeded = &Error{Key: "support.err.field"}
)
