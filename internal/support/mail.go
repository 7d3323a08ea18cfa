package support

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/files"
	"github.com/hostpact/hostpact/internal/inbound"
	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

//go:embed mails/*.txt
var mailFS embed.FS

var templates = notify.NewTemplates(mustSub(mailFS, "mails"))

func mustSub(f fs.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return s
}

func (s *Service) link(t Ticket) string {
	return strings.TrimRight(s.d.PortalURL, "/") + "/portal/tickets/" + strconv.FormatInt(t.ID, 10)
}

// threadIDs returns the Message-IDs of t's mail in order, received and sent.
func threadIDs(ctx context.Context, q store.Querier, ticketID int64) (ids []string, lastCustomer string, err error) {
	rows, err := q.QueryContext(ctx, `SELECT message_id, kind FROM ticket_messages WHERE ticket_id = $1 AND message_id IS NOT NULL ORDER BY id`, ticketID)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	for rows.Next() {
		var id, kind string
		if err := rows.Scan(&id, &kind); err != nil {
			return nil, "", err
		}
		ids = append(ids, id)
		if kind == string(FromCustomer) {
			lastCustomer = id
		}
	}
	return ids, lastCustomer, rows.Err()
}

// mailReply puts a staff reply in the outbox, threaded: In-Reply-To the customer's
// last mail, References the conversation (the last 20 ids), Reply-To the desk.
func (s *Service) mailReply(ctx context.Context, q store.Querier, t Ticket, m Message, now time.Time) error {
	if t.RequesterEmail == "" {
		return nil
	}
	ids, last, err := threadIDs(ctx, q, t.ID)
	if err != nil {
		return err
	}
	refs := slices.DeleteFunc(ids, func(id string) bool { return id == m.MessageID })
	if len(refs) > 20 {
		refs = refs[len(refs)-20:]
	}
	if last == "" && len(refs) > 0 {
		last = refs[len(refs)-1]
	}
	subject, body, err := templates.Render("reply", t.Lang, map[string]any{"Subject": stripToken(t.Subject), "Token": t.Token(), "Body": m.Body,
		"Author": m.AuthorName, "Link": s.link(t)})
	if err != nil {
		return err
	}
	_, err = notify.Enqueue(ctx, q, now, notify.Message{DedupeKey: "support.reply:" + m.MessageID, OrgID: t.OrgID, To: t.RequesterEmail, ToName: t.RequesterName,
		Lang: t.Lang, Subject: subject, Text: body,
		Thread: notify.Thread{MessageID: m.MessageID, InReplyTo: last, References: refs, ReplyTo: s.d.Address, ByPerson: true}})
	return err
}

func stripToken(subject string) string {
	return strings.TrimSpace(tokenRE.ReplaceAllString(subject, ""))
}

var replyPrefix = []string{"re:", "aw:", "antw:", "fw:", "fwd:", "doorst:"}

func cleanSubject(s string) string {
	s = stripToken(oneLine(s))
	for {
		l := strings.ToLower(s)
		cut := false
		for _, p := range replyPrefix {
			if strings.HasPrefix(l, p) {
				s, cut = strings.TrimSpace(s[len(p):]), true
			}
		}
		if !cut {
			break
		}
	}
	if s == "" {
		s = "(no subject)"
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// complaintWords mark a mail that calls itself a complaint; customers mark it so
// (INTERPRETATION.md "Complaints and support"), staff reclassify the rest.
var complaintWords = []string{"klacht", "complaint"}

// HandleMail is the inbound.Handler of the support address. A mail in a thread (by
// In-Reply-To/References, or by the ticket token when the sender is the ticket's
// requester) joins its ticket; any other mail opens a ticket, linked to the sender's
// organisation when a user has that address. A person's new mail is acknowledged with
// the ticket token; automatic mail is recorded on the ticket and never answered. The
// Message-ID is kept under a unique key: a second delivery does nothing.
func (s *Service) HandleMail(ctx context.Context, m *inbound.Message) error {
	ctx = audit.JobContext(ctx, "support.mail")
	return s.db.InTx(ctx, func(q store.Querier) error {
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM ticket_messages WHERE message_id = $1`, m.MessageID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		now := s.clk.Now()
		t, found, err := s.findThread(ctx, q, m)
		if err != nil {
			return err
		}
		from := m.From.Address
		if len(m.ReplyTo) > 0 && !m.Automatic {
			from = m.ReplyTo[0].Address
		}
		msg := Message{Kind: FromCustomer, Public: true, AuthorName: m.From.Name, AuthorEmail: m.From.Address, Body: m.Text, MessageID: m.MessageID}
		if m.Automatic {
			msg.Kind, msg.Public = Automatic, false
			msg.Note = "automatic: " + m.AutomaticWhy
		}
		if len(m.Omitted) > 0 {
			msg.Note = strings.TrimSpace(msg.Note + " omitted (too large): " + strings.Join(m.Omitted, ", "))
		}
		if strings.TrimSpace(msg.Body) == "" {
			msg.Body = "(empty)"
		}
		if !found {
			t = Ticket{Subject: cleanSubject(m.Subject), Category: Question, Status: StatusNew, Channel: Email, RequesterEmail: from,
				RequesterName: oneLine(m.From.Name), Lang: "nl"}
			if m.Automatic {
				// Recorded, never answered and nothing to do: it opens no clock.
				t.Status, t.Category = StatusClosed, Other
			} else {
				low := strings.ToLower(m.Subject)
				for _, w := range complaintWords {
					if strings.Contains(low, w) {
						t.Category = Complaint
					}
				}
				if s.d.Users != nil {
					if u, err := s.d.Users.FindUserByEmail(ctx, from); err == nil && !u.IsStaff() && !u.Disabled {
						t.OrgID, t.Lang = u.OrgID, lang(u.Language)
					}
				}
			}
			if t, err = s.insert(ctx, q, t, now); err != nil {
				return err
			}
		}
		stored, err := s.addMessage(ctx, q, t, msg, nil, now)
		if err != nil {
			return err
		}
		for _, p := range m.Parts {
			if p.Filename == "" {
				continue
			}
			f, err := files.Put(ctx, q, FileOwner(t.ID), p.Filename, strings.NewReader(string(p.Data)), s.d.MaxAttachment, now)
			var fe *files.Error
			if errors.As(err, &fe) {
				if _, err := q.ExecContext(ctx, `UPDATE ticket_messages SET note = note || $1 WHERE id = $2`, " refused attachment "+p.Filename+" ("+fe.Key+")", stored.ID); err != nil {
					return err
				}
				continue
			}
			if err != nil {
				return err
			}
			if _, err := q.ExecContext(ctx, `INSERT INTO ticket_files (message_id, file_id, name, size) VALUES ($1, $2, $3, $4)`, stored.ID, f.ID, f.Name, f.Size); err != nil {
				return err
			}
		}
		summary := "mail received"
		if found && !m.Automatic {
			if t.Status != StatusNew {
				t.Status = StatusOpen
			}
			if err := s.startClock(&t, now); err != nil {
				return err
			}
			t.UpdatedAt = now
			if err := saveTicket(ctx, q, &t); err != nil {
				return err
			}
		}
		if m.Automatic {
			summary = "automatic mail recorded, not answered (" + m.AutomaticWhy + ")"
		} else if !found {
			if err := s.acknowledge(ctx, q, t, m, now); err != nil {
				return err
			}
			summary = "opened ticket " + t.Token() + " from mail"
		}
		return audit.Record(ctx, q, now, audit.Change{OrgID: t.OrgID, Action: "ticket.mail", ObjectKind: "ticket", ObjectID: strconv.FormatInt(t.ID, 10), Summary: summary})
	})
}

// findThread finds the ticket m belongs to.
func (s *Service) findThread(ctx context.Context, q store.Querier, m *inbound.Message) (Ticket, bool, error) {
	ids := append(slices.Clone(m.InReplyTo), m.References...)
	for i := len(ids) - 1; i >= 0; i-- {
		var tid int64
		err := q.QueryRowContext(ctx, `SELECT ticket_id FROM ticket_messages WHERE message_id = $1`, ids[i]).Scan(&tid)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return Ticket{}, false, err
		}
		t, err := getTicket(ctx, q, tid)
		return t, err == nil, err
	}
	if id := TokenIn(m.Subject); id != 0 {
		t, err := getTicket(ctx, q, id)
		if errors.Is(err, ErrNotFound) {
			return Ticket{}, false, nil
		}
		if err != nil {
			return Ticket{}, false, err
		}
		// A token is easy to write: it threads only mail from the ticket's requester or
		// a user of its organisation, so an outsider cannot write into another's ticket.
		if strings.EqualFold(t.RequesterEmail, m.From.Address) {
			return t, true, nil
		}
		if s.d.Users != nil && t.OrgID != 0 {
			if u, err := s.d.Users.FindUserByEmail(ctx, m.From.Address); err == nil && u.OrgID == t.OrgID {
				return t, true, nil
			}
		}
	}
	return Ticket{}, false, nil
}

// acknowledge mails the token of a new ticket to the person who wrote it.
func (s *Service) acknowledge(ctx context.Context, q store.Querier, t Ticket, m *inbound.Message, now time.Time) error {
	pol, err := s.policy(now)
	if err != nil {
		return err
	}
	name := t.RequesterName
	if name == "" {
		name = t.RequesterEmail
	}
	var last, period any = "", ""
	if t.ComplaintDueAt != nil {
		d, _ := terms.ParseDate(t.ComplaintLast)
		last, period = d, terms.PeriodWords(t.Lang, pol.Terms.Support.Complaint)
	}
	subject, body, err := templates.Render("ack", t.Lang, map[string]any{"Subject": t.Subject, "Token": t.Token(), "Name": name,
		"Complaint": t.ComplaintDueAt != nil, "Last": last, "Period": period, "Hours": pol.SupportHours(), "Link": s.link(t)})
	if err != nil {
		return err
	}
	mid := s.newMessageID(t.ID)
	if _, err := notify.Enqueue(ctx, q, now, notify.Message{DedupeKey: "support.ack:" + m.MessageID, OrgID: t.OrgID, To: t.RequesterEmail, ToName: t.RequesterName,
		Lang: t.Lang, Subject: subject, Text: body,
		Thread: notify.Thread{MessageID: mid, InReplyTo: m.MessageID, References: append(slices.Clone(m.References), m.MessageID), ReplyTo: s.d.Address}}); err != nil && !errors.Is(err, notify.ErrDuplicate) {
		return err
	}
	// The acknowledgement's id is kept, so the customer's answer to it threads here.
	_, err = q.ExecContext(ctx, `INSERT INTO ticket_messages (ticket_id, kind, public, author_name, body, message_id, note, created_at)
		VALUES ($1, $2, FALSE, $3, $4, $5, $6, $7)`, t.ID, Automatic, "hostpact", body, mid, "acknowledgement sent", store.Now(now))
	return err
}

// complaintClauses names the clauses of the complaint deadline in the policy in force.
func (s *Service) complaintClauses(at time.Time) string {
	pol, err := s.policy(at)
	if err != nil {
		return ""
	}
	return strings.Join(pol.Terms.Support.ComplaintClauses, ", ")
}

// AlertJob is support.overdue: every quarter of an hour, each complaint past its
// deadline without an answer in substance alerts the support team once. The mail's
// dedupe key and the alerted mark are written in one transaction, so a run killed
// half-way alerts neither twice nor never.
func (s *Service) AlertJob() jobs.Job {
	return jobs.Job{Name: "support.overdue", Every: 15 * time.Minute, Run: func(ctx context.Context, now time.Time) error {
		_, err := s.AlertOverdue(audit.JobContext(ctx, "support.overdue"), now)
		return err
	}}
}

// AlertOverdue alerts the overdue complaints not alerted yet and returns how many.
func (s *Service) AlertOverdue(ctx context.Context, now time.Time) (int, error) {
	ids, err := store.Int64s(ctx, s.db, `SELECT id FROM tickets WHERE complaint_due_at <= $1 AND complaint_answered_at IS NULL AND complaint_alerted_at IS NULL ORDER BY id LIMIT 500`,
		store.Now(now))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		err := s.db.InTx(ctx, func(q store.Querier) error {
			t, err := getTicket(ctx, q, id)
			if err != nil || t.ComplaintAlertedAt != nil || t.ComplaintAnsweredAt != nil {
				return err
			}
			last, _ := terms.ParseDate(t.ComplaintLast)
			subject, body, err := templates.Render("overdue", "nl", map[string]any{"Subject": t.Subject, "Token": t.Token(), "Received": terms.DateIn(*t.ComplaintReceivedAt, clock.Amsterdam),
				"Last": last, "Link": strings.TrimRight(s.d.PortalURL, "/") + "/staff/tickets/" + strconv.FormatInt(t.ID, 10)})
			if err != nil {
				return err
			}
			if _, err := notify.Enqueue(ctx, q, now, notify.Message{DedupeKey: "support.complaint-overdue:" + strconv.FormatInt(id, 10), To: s.d.AlertTo, Lang: "nl",
				Subject: subject, Text: body}); err != nil && !errors.Is(err, notify.ErrDuplicate) {
				return err
			}
			if s.failpoint != nil {
				if err := s.failpoint("alert.enqueued"); err != nil {
					return err
				}
			}
			t.ComplaintAlertedAt = ptr(now)
			if err := saveTicket(ctx, q, &t); err != nil {
				return err
			}
			n++
			return audit.Record(ctx, q, now, audit.Change{OrgID: t.OrgID, Action: "ticket.alert", ObjectKind: "ticket", ObjectID: strconv.FormatInt(id, 10),
				Summary: fmt.Sprintf("complaint overdue since %s: support alerted (%s)", t.ComplaintLast, s.complaintClauses(now))})
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
