package provision

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

// The mails say that something is ready and where to look; they never carry a password
// or a configuration with a key (cp.security.passwords.4: credentials are shown once in the portal,
// behind the customer's own login). %[1]s the service, %[2]s the portal link, %[3]s the
// name, %[4]s the provider.
var readyTexts = map[string]map[Op][2]string{
	"nl": {
		OpCreate: {"Uw dienst %[1]s staat klaar",
			"Beste %[3]s,\n\nUw dienst %[1]s is ingericht en in gebruik.\n\nDe inloggegevens staan één keer voor u klaar in het klantportaal; om veiligheidsredenen sturen we ze niet per e-mail:\n%[2]s\n\nMet vriendelijke groet,\n%[4]s\n"},
		OpResetCredentials: {"Nieuwe inloggegevens voor %[1]s",
			"Beste %[3]s,\n\nDe inloggegevens van %[1]s zijn vernieuwd. De oude werken niet meer.\n\nDe nieuwe staan één keer voor u klaar in het klantportaal:\n%[2]s\n\nHeeft u dit niet aangevraagd? Neem dan direct contact met ons op.\n\nMet vriendelijke groet,\n%[4]s\n"},
		OpMove: {"Uw dienst %[1]s is verhuisd",
			"Beste %[3]s,\n\nUw dienst %[1]s draait nu op een andere server. Daarbij horen nieuwe inloggegevens; de oude werken niet meer.\n\nDe nieuwe gegevens staan één keer voor u klaar in het klantportaal:\n%[2]s\n\nMet vriendelijke groet,\n%[4]s\n"},
	},
	"en": {
		OpCreate: {"Your service %[1]s is ready",
			"Dear %[3]s,\n\nYour service %[1]s has been set up and is in use.\n\nIts login details are waiting for you, once, in the customer portal; for your security we do not send them by e-mail:\n%[2]s\n\nKind regards,\n%[4]s\n"},
		OpResetCredentials: {"New login details for %[1]s",
			"Dear %[3]s,\n\nThe login details of %[1]s have been renewed. The old ones no longer work.\n\nThe new ones are waiting for you, once, in the customer portal:\n%[2]s\n\nIf you did not ask for this, please contact us at once.\n\nKind regards,\n%[4]s\n"},
		OpMove: {"Your service %[1]s has moved",
			"Dear %[3]s,\n\nYour service %[1]s now runs on another server, with new login details; the old ones no longer work.\n\nThe new details are waiting for you, once, in the customer portal:\n%[2]s\n\nKind regards,\n%[4]s\n"},
	},
}

// mailReady tells the customer, once per step, that a service is ready or has new
// credentials, in the step's transaction.
func (s *Service) mailReady(ctx context.Context, q store.Querier, now time.Time, t task, v svc) error {
	if s.customers == nil {
		return nil
	}
	to, err := s.customers.Contact(ctx, q, v.orgID)
	if err != nil || to.Email == "" {
		return err
	}
	lang := to.Lang
	if _, ok := readyTexts[lang]; !ok {
		lang = "nl"
	}
	text, ok := readyTexts[lang][t.Op]
	if !ok {
		return nil
	}
	name := v.name
	if v.domain != "" {
		name = fmt.Sprintf("%s (%s)", v.name, v.domain)
	}
	link := fmt.Sprintf("%s/portal/services/%d", s.baseURL, v.id)
	args := []any{name, link, to.Name, s.provider}
	_, err = notify.Enqueue(ctx, q, now, notify.Message{
		DedupeKey: fmt.Sprintf("provision-%s:%d", t.Op, t.ID), OrgID: v.orgID, To: to.Email, ToName: to.Name, Lang: lang,
		Subject: fmt.Sprintf(text[0], args...), Text: fmt.Sprintf(text[1], args...),
	})
	if errors.Is(err, notify.ErrDuplicate) {
		return nil
	}
	return err
}
