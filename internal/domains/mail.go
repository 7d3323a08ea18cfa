package domains

import (
	"context"
	"fmt"
	"time"

	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// The texts of the mails, by language: subject and body. %[1]s the domain, %[2]s the
// portal link, %[3]s the customer's name, %[4]s the provider, %[5]s the detail.
var mailTexts = map[string]map[string][2]string{
	"nl": {
		"registered": {"Uw domeinnaam %[1]s is geregistreerd",
			"Beste %[3]s,\n\nDe registry heeft de domeinnaam %[1]s op uw naam geregistreerd. Dit bericht is de bevestiging daarvan; een factuur is dat niet.\n\nU vindt de domeinnaam in het klantportaal:\n%[2]s\n\nMet vriendelijke groet,\n%[4]s\n"},
		"transferred": {"Uw domeinnaam %[1]s is verhuisd",
			"Beste %[3]s,\n\nDe domeinnaam %[1]s is naar ons verhuisd. De registry heeft een nieuwe verhuiscode gemaakt; die haalt u op in het klantportaal:\n%[2]s\n\nMet vriendelijke groet,\n%[4]s\n"},
		"transfer_failed": {"Verhuizing van %[1]s is niet gelukt",
			"Beste %[3]s,\n\nDe registry heeft de verhuizing van %[1]s geweigerd. Haar antwoord:\n\n  %[5]s\n\nMeestal is de verhuiscode onjuist of verlopen. Vraag een nieuwe code aan bij uw huidige aanbieder en vul die in het klantportaal in:\n%[2]s\n\nMet vriendelijke groet,\n%[4]s\n"},
		"failed": {"Registratie van %[1]s is niet gelukt",
			"Beste %[3]s,\n\nDe registry heeft %[1]s niet geregistreerd. Haar antwoord:\n\n  %[5]s\n\nWij nemen contact met u op. U vindt de domeinnaam in het klantportaal:\n%[2]s\n\nMet vriendelijke groet,\n%[4]s\n"},
		"registrar_notice": {"Opheffing van uw domeinnaam %[1]s",
			"Beste %[3]s,\n\nDe overeenkomst is ontbonden omdat facturen onbetaald bleven. Daarom heffen wij de domeinnaam %[1]s op. De registry verwijdert hem op %[5]s; tot die dag kunt u hem naar een andere aanbieder verhuizen. Daarna volgt de quarantaine van de registry, waarin alleen u als laatste houder hem nog terug kunt krijgen.\n\nDe verhuiscode haalt u op in het klantportaal:\n%[2]s\n\nMet vriendelijke groet,\n%[4]s\n"},
	},
	"en": {
		"registered": {"Your domain name %[1]s is registered",
			"Dear %[3]s,\n\nThe registry has registered the domain name %[1]s in your name. This message confirms it; an invoice does not.\n\nYou find the domain in the customer portal:\n%[2]s\n\nKind regards,\n%[4]s\n"},
		"transferred": {"Your domain name %[1]s has moved",
			"Dear %[3]s,\n\nThe domain name %[1]s has moved to us. The registry made a new transfer token; you fetch it in the customer portal:\n%[2]s\n\nKind regards,\n%[4]s\n"},
		"transfer_failed": {"Transfer of %[1]s did not succeed",
			"Dear %[3]s,\n\nThe registry refused the transfer of %[1]s. Its answer:\n\n  %[5]s\n\nUsually the transfer code is wrong or expired. Ask your current provider for a new code and enter it in the customer portal:\n%[2]s\n\nKind regards,\n%[4]s\n"},
		"failed": {"Registration of %[1]s did not succeed",
			"Dear %[3]s,\n\nThe registry did not register %[1]s. Its answer:\n\n  %[5]s\n\nWe will contact you. You find the domain in the customer portal:\n%[2]s\n\nKind regards,\n%[4]s\n"},
		"registrar_notice": {"Cancellation of your domain name %[1]s",
			"Dear %[3]s,\n\nThe agreement was dissolved because invoices remained unpaid. We therefore cancel the domain name %[1]s. The registry deletes it on %[5]s; until that day you can transfer it to another provider. The registry's quarantine follows, in which only you, as the last registrant, can still get it back.\n\nYou fetch the transfer token in the customer portal:\n%[2]s\n\nKind regards,\n%[4]s\n"},
	},
}

// mail queues one of the mails to the organisation, once per key.
func (s *Service) mail(ctx context.Context, q store.Querier, now time.Time, d Domain, which, key, detail string) error {
	if s.custs == nil {
		return nil
	}
	o, err := s.custs.GetOrganisation(ctx, SystemPrincipal, d.OrgID)
	if err != nil || o.Email == "" {
		return err
	}
	lang := o.Language
	if _, ok := mailTexts[lang]; !ok {
		lang = "nl"
	}
	t := mailTexts[lang][which]
	name := o.ContactName
	if name == "" {
		name = o.LegalName
	}
	link := fmt.Sprintf("%s/portal/domains/%d", s.baseURL, d.ID)
	_, err = notify.Enqueue(ctx, q, now, notify.Message{DedupeKey: key, OrgID: d.OrgID, To: o.Email, ToName: name, Lang: lang,
		Subject: fmt.Sprintf(t[0], d.Name), Text: fmt.Sprintf(t[1], d.Name, link, name, s.provider, detail)})
	if err == notify.ErrDuplicate {
		return nil
	}
	return err
}

// mailDone confirms a registration (cp.av.6.3: only this confirmation says the name is
// registered) or a completed transfer.
func (s *Service) mailDone(ctx context.Context, q store.Querier, now time.Time, d Domain, op Operation, _ map[string]any) error {
	switch op.Op {
	case OpRegister:
		return s.mail(ctx, q, now, d, "registered", fmt.Sprintf("domain-op:%d", op.ID), "")
	case OpTransferIn:
		return s.mail(ctx, q, now, d, "transferred", fmt.Sprintf("domain-op:%d", op.ID), "")
	}
	return nil
}

// mailFailed tells the customer the registry's words when a registration or transfer
// failed for good.
func (s *Service) mailFailed(ctx context.Context, q store.Querier, now time.Time, d Domain, op Operation, msg string) error {
	switch op.Op {
	case OpTransferIn:
		return s.mail(ctx, q, now, d, "transfer_failed", fmt.Sprintf("domain-op:%d", op.ID), msg)
	case OpRegister:
		return s.mail(ctx, q, now, d, "failed", fmt.Sprintf("domain-op:%d", op.ID), msg)
	}
	return nil
}

// mailRegistrarNotice gives the registrant the notice of a cancellation for
// non-payment (cp.av.6.9, fo.av.10.6).
func (s *Service) mailRegistrarNotice(ctx context.Context, q store.Querier, now time.Time, d Domain, on terms.Date, _ terms.Explanation) error {
	return s.mail(ctx, q, now, d, "registrar_notice", fmt.Sprintf("domain-notice:%d:%s", d.ID, on), on.String())
}
