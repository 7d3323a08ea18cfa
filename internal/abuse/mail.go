package abuse

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
)

// mailTexts are the desk's messages: subject and body, %[1]s the case number (also in
// the subject, so that a reply to the abuse address finds its case), %[2]s the
// provider, and from %[3]s the values of each message.
var mailTexts = map[string]map[string][2]string{
	"nl": {
		"ack": {"[%[1]s] Uw melding is ontvangen",
			"Geachte melder,\n\nWe hebben uw melding ontvangen onder nummer %[1]s. We controleren de gegevens en laten u weten wat we doen.\n%[3]s\nVermeld het nummer %[1]s als u op dit bericht reageert.\n\nMet vriendelijke groet,\n%[2]s\n"},
		"incomplete": {"[%[1]s] Uw melding is nog niet compleet",
			"Geachte melder,\n\nOm uw melding %[1]s te kunnen behandelen hebben we meer gegevens nodig:\n\n%[3]s\n\nAntwoord op dit bericht met de ontbrekende gegevens. Tot die tijd ligt de behandeling stil.\n\nMet vriendelijke groet,\n%[2]s\n"},
		"not_ours": {"[%[1]s] Uw melding is gesloten",
			"Geachte melder,\n\nDe inhoud uit uw melding %[1]s staat niet (meer) online bij ons, of wordt door een andere partij gehost.\n%[3]s\nWe sluiten de melding daarom.\n\nMet vriendelijke groet,\n%[2]s\n"},
		"forwarded": {"[%[1]s] Uw melding is doorgestuurd naar de klant",
			"Geachte melder,\n\nWe hebben uw melding %[1]s doorgestuurd naar onze klant. Die heeft tot en met %[3]s om te reageren; we sturen u de reactie door.\n\nMet vriendelijke groet,\n%[2]s\n"},
		"forward": {"[%[1]s] Melding over uw dienst: reageer uiterlijk %[3]s",
			"Beste %[4]s,\n\nWe hebben een melding ontvangen over inhoud op uw dienst (%[5]s). Grond: %[6]s.\n\n%[7]s\n\nU kunt de inhoud verwijderen of aanpassen, of ons laten weten waarom de melding volgens u niet terecht is. Reageer uiterlijk %[3]s via het klantportaal:\n%[8]s\n\nReageert u niet op tijd, dan beoordelen wij de melding zelf.\n\nMet vriendelijke groet,\n%[2]s\n"},
		"passed_on": {"[%[1]s] Reactie van de klant",
			"Geachte melder,\n\nDe klant heeft op uw melding %[1]s gereageerd:\n\n%[3]s\n\nLaat ons weten of u het daarmee eens bent door op dit bericht te antwoorden.\n\nMet vriendelijke groet,\n%[2]s\n"},
		"agreed": {"[%[1]s] De melding is gesloten",
			"Beste %[3]s,\n\nDe melder is het eens met uw reactie op melding %[1]s. We hebben de melding gesloten.\n\nMet vriendelijke groet,\n%[2]s\n"},
		"blocked_customer": {"[%[1]s] We hebben de toegang tot inhoud op uw dienst geblokkeerd",
			"Beste %[3]s,\n\nWe hebben melding %[1]s beoordeeld en vinden haar gegrond. Daarom is de toegang tot de inhoud geblokkeerd. Er is niets verwijderd; de gegevens blijven bewaard.\n\nOnze redenen:\n%[4]s\n\nMet vriendelijke groet,\n%[2]s\n"},
		"justified_notifier": {"[%[1]s] Uw melding is gegrond",
			"Geachte melder,\n\nWe hebben uw melding %[1]s beoordeeld en vinden haar gegrond. %[3]s\n\nMet vriendelijke groet,\n%[2]s\n"},
		"unjustified_notifier": {"[%[1]s] Uw melding is niet gegrond",
			"Geachte melder,\n\nWe hebben uw melding %[1]s beoordeeld en vinden haar niet gegrond. Onze redenen:\n%[3]s\n\nMet vriendelijke groet,\n%[2]s\n"},
		"identified_notifier": {"[%[1]s] Gegevens van de klant",
			"Geachte melder,\n\nU vroeg om de gegevens van de klant. De melding is gegrond en u heeft er een reëel belang bij. De klant is:\n\n%[3]s\n%[4]s\n\nMet vriendelijke groet,\n%[2]s\n"},
		"identified_customer": {"[%[1]s] We hebben uw naam en adres aan de melder gegeven",
			"Beste %[3]s,\n\nBij melding %[1]s hebben we uw naam en adres aan de melder gegeven, omdat de melding gegrond is en de melder er een reëel belang bij heeft.\n\nOnze redenen:\n%[4]s\n\nMet vriendelijke groet,\n%[2]s\n"},
		"identification_refused": {"[%[1]s] We geven de gegevens van de klant niet",
			"Geachte melder,\n\nU vroeg om de gegevens van de klant. Die geven we niet. Onze redenen:\n%[3]s\n\nMet vriendelijke groet,\n%[2]s\n"},
		"alert": {"[%[1]s] Termijn: %[3]s",
			"De termijn van melding %[1]s (%[4]s) loopt af of is verlopen op %[3]s.\n%[5]s\n"},
		"csam": {"[%[1]s] Materiaal van seksueel kindermisbruik gemeld",
			"Melding %[1]s betreft materiaal van seksueel kindermisbruik. %[3]s\nDoorverwijzing: %[4]s\n%[5]s\n"},
	},
	"en": {
		"ack": {"[%[1]s] Your notice was received",
			"Dear notifier,\n\nWe received your notice as number %[1]s. We are checking the details and will let you know what we do.\n%[3]s\nPlease quote %[1]s when you reply to this message.\n\nKind regards,\n%[2]s\n"},
		"incomplete": {"[%[1]s] Your notice is not complete yet",
			"Dear notifier,\n\nTo handle your notice %[1]s we need more details:\n\n%[3]s\n\nPlease reply to this message with the missing details. Until then the notice waits.\n\nKind regards,\n%[2]s\n"},
		"not_ours": {"[%[1]s] Your notice is closed",
			"Dear notifier,\n\nThe content of your notice %[1]s is not (or no longer) online with us, or is hosted by another party.\n%[3]s\nWe are therefore closing the notice.\n\nKind regards,\n%[2]s\n"},
		"forwarded": {"[%[1]s] Your notice was forwarded to the customer",
			"Dear notifier,\n\nWe forwarded your notice %[1]s to our customer, who has until %[3]s to respond; we will pass the answer on to you.\n\nKind regards,\n%[2]s\n"},
		"forward": {"[%[1]s] A notice about your service: please respond by %[3]s",
			"Dear %[4]s,\n\nWe received a notice about content on your service (%[5]s). Ground: %[6]s.\n\n%[7]s\n\nYou can remove or change the content, or tell us why you think the notice is not justified. Please respond by %[3]s in the customer portal:\n%[8]s\n\nIf you do not respond in time, we assess the notice ourselves.\n\nKind regards,\n%[2]s\n"},
		"passed_on": {"[%[1]s] The customer's answer",
			"Dear notifier,\n\nThe customer answered your notice %[1]s:\n\n%[3]s\n\nPlease let us know whether you agree by replying to this message.\n\nKind regards,\n%[2]s\n"},
		"agreed": {"[%[1]s] The notice is closed",
			"Dear %[3]s,\n\nThe notifier agrees with your answer to notice %[1]s. We have closed the notice.\n\nKind regards,\n%[2]s\n"},
		"blocked_customer": {"[%[1]s] We blocked access to content on your service",
			"Dear %[3]s,\n\nWe assessed notice %[1]s and found it justified, so access to the content has been blocked. Nothing was deleted; the data are kept.\n\nOur reasons:\n%[4]s\n\nKind regards,\n%[2]s\n"},
		"justified_notifier": {"[%[1]s] Your notice is justified",
			"Dear notifier,\n\nWe assessed your notice %[1]s and found it justified. %[3]s\n\nKind regards,\n%[2]s\n"},
		"unjustified_notifier": {"[%[1]s] Your notice is not justified",
			"Dear notifier,\n\nWe assessed your notice %[1]s and found it not justified. Our reasons:\n%[3]s\n\nKind regards,\n%[2]s\n"},
		"identified_notifier": {"[%[1]s] The customer's details",
			"Dear notifier,\n\nYou asked for the customer's details. The notice is justified and you have a real interest in them. The customer is:\n\n%[3]s\n%[4]s\n\nKind regards,\n%[2]s\n"},
		"identified_customer": {"[%[1]s] We gave your name and address to the notifier",
			"Dear %[3]s,\n\nFor notice %[1]s we gave your name and address to the notifier, because the notice is justified and the notifier has a real interest in them.\n\nOur reasons:\n%[4]s\n\nKind regards,\n%[2]s\n"},
		"identification_refused": {"[%[1]s] We do not give the customer's details",
			"Dear notifier,\n\nYou asked for the customer's details. We do not give them. Our reasons:\n%[3]s\n\nKind regards,\n%[2]s\n"},
		"alert": {"[%[1]s] Deadline: %[3]s",
			"The deadline of notice %[1]s (%[4]s) ends or ended on %[3]s.\n%[5]s\n"},
		"csam": {"[%[1]s] Child sexual abuse material reported",
			"Notice %[1]s concerns child sexual abuse material. %[3]s\nReferral: %[4]s\n%[5]s\n"},
	},
}

func langOf(l string) string {
	if l == "en" {
		return "en"
	}
	return "nl"
}

// mail queues one message of the case in the transaction q and keeps its text with the
// case. party is who receives it: notifier, customer or staff (the desk).
func (s *Service) mail(ctx context.Context, q store.Querier, c *Case, party, to, name, lang, kind string, args ...any) error {
	if strings.TrimSpace(to) == "" {
		return nil
	}
	lang = langOf(lang)
	t := mailTexts[lang][kind]
	all := append([]any{c.Number(), s.d.Provider}, args...)
	subject, body := fmt.Sprintf(t[0], all...), fmt.Sprintf(t[1], all...)
	_, err := notify.Enqueue(ctx, q, s.now(), notify.Message{
		DedupeKey: fmt.Sprintf("ntd:%d:%s:%s:%d", c.ID, kind, party, s.seq(ctx, q, c.ID)),
		OrgID:     map[bool]int64{true: c.OrgID}[party == "customer"],
		To:        to, ToName: name, Lang: lang, Subject: subject, Text: body,
	})
	if err != nil && !errors.Is(err, notify.ErrDuplicate) {
		return err
	}
	who := party
	if party == "staff" {
		who = "desk"
	}
	return s.event(ctx, q, c.ID, "mail", party, who, subject+"\n\n"+body)
}

// seq numbers the mails of a case so that two messages of one kind (a second request
// for details) are both sent, while a retried transaction sends one.
func (s *Service) seq(ctx context.Context, q store.Querier, id int64) int {
	var n int
	_ = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM abuse_events WHERE case_id = $1`, id).Scan(&n)
	return n
}
