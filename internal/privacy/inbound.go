package privacy

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/inbound"
	"github.com/hostpact/hostpact/internal/store"
)

// The e-mail reply to an announcement counts as a written objection (cp.dpa.6.2,
// fo.dpa.2.2). A reply is matched to its announcement by the token in the subject
// ("[sub-…]", kept by every mail client's "Re:") or else by In-Reply-To/References
// naming the announcement mail's Message-ID (notify writes "outbox.<id>.<unix>@…").
// The sender must be the organisation's contact address: a reply from elsewhere is
// recorded for staff in the audit trail but does not object.

var (
	subjectToken = regexp.MustCompile(`\[sub-([a-z2-7]{16})\]`)
	outboxRef    = regexp.MustCompile(`^outbox\.(\d+)\.\d+@`)
)

// MailHandler returns the inbound.Handler for replies to announcements (register it
// for the provider's privacy address).
func (s *Service) MailHandler() inbound.Handler {
	return inbound.HandlerFunc(s.handleMail)
}

func (s *Service) handleMail(ctx context.Context, m *inbound.Message) error {
	ctx = audit.JobContext(ctx, "privacy.mail")
	if m.Automatic {
		return nil // an out-of-office is no objection
	}
	a, err := s.matchReply(ctx, m)
	if errors.Is(err, ErrNotFound) {
		s.log.Info("privacy: mail matches no announcement", "message_id", m.MessageID)
		return nil
	}
	if err != nil {
		return err
	}
	to, err := s.d.Customers.Contact(ctx, s.db, a.OrgID)
	if err != nil {
		return err
	}
	if !strings.EqualFold(strings.TrimSpace(m.From.Address), strings.TrimSpace(to.Email)) {
		return s.db.InTx(ctx, func(q store.Querier) error {
			return record(ctx, q, s.now(), a.OrgID, "subprocessor.reply_unknown_sender", "subprocessor_announcement", a.ID,
				"a reply to the announcement came from an address other than the customer's contact; not recorded as an objection")
		})
	}
	if a.Objection != nil {
		return nil // the second mail of a thread: the first one objected
	}
	at := m.Date
	if at.IsZero() || at.After(s.clk.Now()) {
		at = s.clk.Now()
	}
	reason := strings.TrimSpace(m.Text)
	if len(reason) > 4000 {
		reason = reason[:4000]
	}
	if reason == "" {
		reason = strings.TrimSpace(m.Subject)
	}
	_, err = s.object(ctx, a, "email", at, reason, m.MessageID)
	var fe accounts.FieldErrors
	if errors.As(err, &fe) {
		return nil // objected already (the portal, or an earlier mail)
	}
	return err
}

func (s *Service) matchReply(ctx context.Context, m *inbound.Message) (Announcement, error) {
	if sm := subjectToken.FindStringSubmatch(strings.ToLower(m.Subject)); sm != nil {
		return s.announcementWhere(ctx, s.db, `WHERE a.token = $1`, sm[1])
	}
	for _, ref := range append(append([]string{}, m.InReplyTo...), m.References...) {
		if sm := outboxRef.FindStringSubmatch(ref); sm != nil {
			var id int64
			if _, err := fmt.Sscan(sm[1], &id); err == nil && id > 0 {
				a, err := s.announcementWhere(ctx, s.db, `WHERE a.outbox_id = $1`, id)
				if err == nil || !errors.Is(err, ErrNotFound) {
					return a, err
				}
			}
		}
	}
	return Announcement{}, ErrNotFound
}
