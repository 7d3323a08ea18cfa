package compensation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
)

// Recipient is where an organisation's mail goes, and in which language.
type Recipient struct {
	Email, Name, Lang string
}

// Customers gives an organisation's contact, in the caller's transaction.
type Customers interface {
	Contact(ctx context.Context, q store.Querier, orgID int64) (Recipient, error)
}

var monthNames = map[string][12]string{
	"nl": {"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"},
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
}

// decisionTexts are the subject and body of the mail that tells the customer how a
// claim was decided: %[1]s the service, %[2]s the month, %[3]s the credit, %[4]s the
// note, %[5]s the name, %[6]s the provider.
var decisionTexts = map[string]map[string][2]string{
	"nl": {
		ClaimApproved: {"Je aanvraag voor compensatie over %[2]s is toegekend",
			"Beste %[5]s,\n\nJe aanvraag voor compensatie onder de SLA voor %[1]s over %[2]s is toegekend: %[3]s staat als tegoed op je account. We verrekenen het met je volgende facturen.\n\nMet vriendelijke groet,\n%[6]s\n"},
		ClaimRejected: {"Je aanvraag voor compensatie over %[2]s is afgewezen",
			"Beste %[5]s,\n\nJe aanvraag voor compensatie onder de SLA voor %[1]s over %[2]s is afgewezen.\n\nDe reden: %[4]s\n\nIn je portaal zie je de berekening van de maand. Ben je het er niet mee eens, antwoord dan op deze e-mail.\n\nMet vriendelijke groet,\n%[6]s\n"},
	},
	"en": {
		ClaimApproved: {"Your claim for %[2]s has been granted",
			"Dear %[5]s,\n\nYour claim for SLA compensation for %[1]s in %[2]s has been granted: %[3]s is now credit on your account. We set it off against your next invoices.\n\nKind regards,\n%[6]s\n"},
		ClaimRejected: {"Your claim for %[2]s has been rejected",
			"Dear %[5]s,\n\nYour claim for SLA compensation for %[1]s in %[2]s has been rejected.\n\nThe reason: %[4]s\n\nYour portal shows how the month was computed. If you disagree, reply to this e-mail.\n\nKind regards,\n%[6]s\n"},
	},
}

// mailDecision tells the customer how its claim was decided, once per claim, in the
// decision's transaction.
func (s *Service) mailDecision(ctx context.Context, q store.Querier, now time.Time, c Claim) error {
	if s.d.Customers == nil {
		return nil
	}
	to, err := s.d.Customers.Contact(ctx, q, c.OrgID)
	if err != nil || to.Email == "" {
		return err
	}
	lang := to.Lang
	if _, ok := decisionTexts[lang]; !ok {
		lang = "nl"
	}
	m, err := ParseMonth(c.Month)
	if err != nil {
		return err
	}
	month := fmt.Sprintf("%s %d", monthNames[lang][m.Month-1], m.Year)
	service := fmt.Sprintf("#%d", c.SubscriptionID)
	if sub, err := s.d.Subscriptions.Subscription(ctx, q, c.SubscriptionID); err == nil && sub.Name != "" {
		service = sub.Name
	}
	t := decisionTexts[lang][c.Status]
	args := []any{service, month, c.Credit.In(lang), c.Note, to.Name, s.d.Pack.Provider.LegalName}
	_, err = notify.Enqueue(ctx, q, now, notify.Message{
		DedupeKey: fmt.Sprintf("sla-claim-decision:%d", c.ID), OrgID: c.OrgID, To: to.Email, ToName: to.Name, Lang: lang,
		Subject: fmt.Sprintf(t[0], args...), Text: fmt.Sprintf(t[1], args...),
	})
	if errors.Is(err, notify.ErrDuplicate) {
		return nil
	}
	return err
}
