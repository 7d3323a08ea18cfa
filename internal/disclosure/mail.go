package disclosure

import (
	"context"
	"errors"
	"fmt"

	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
)

// texts are the mails to the reporter: %[1]s the report number (also in the subject, so
// that a reply finds its report), %[2]s the provider, from %[3]s the values.
var texts = map[string]map[string][2]string{
	"nl": {
		"ack":            {"[%[1]s] Ontvangstbevestiging van uw melding", "Beste melder,\n\nWe hebben uw melding van een kwetsbaarheid ontvangen onder nummer %[1]s. Uiterlijk %[3]s krijgt u onze beoordeling en de datum waarop we verwachten het op te lossen.\n\nDeel de informatie niet met anderen zolang het probleem niet is opgelost.\n\nMet vriendelijke groet,\n%[2]s\n"},
		"needs_info":     {"[%[1]s] We hebben meer informatie nodig", "Beste melder,\n\nOm uw melding %[1]s te beoordelen hebben we meer informatie nodig:\n\n%[3]s\n\nAntwoord op dit bericht; laat het nummer in het onderwerp staan.\n\nMet vriendelijke groet,\n%[2]s\n"},
		"accepted":       {"[%[1]s] Onze beoordeling van uw melding", "Beste melder,\n\nWe hebben uw melding %[1]s beoordeeld:\n\n%[3]s\n\nWe verwachten het probleem uiterlijk %[4]s op te lossen en houden u op de hoogte.\n\nMet vriendelijke groet,\n%[2]s\n"},
		"progress":       {"[%[1]s] Stand van zaken", "Beste melder,\n\nDe stand van zaken bij uw melding %[1]s:\n\n%[3]s\n\nMet vriendelijke groet,\n%[2]s\n"},
		"fixed":          {"[%[1]s] Het probleem is opgelost", "Beste melder,\n\nHet probleem uit uw melding %[1]s is opgelost.\n\n%[3]s\n\nOver een eventuele publicatie maken we samen afspraken. Dank voor uw melding.\n\nMet vriendelijke groet,\n%[2]s\n"},
		"published":      {"[%[1]s] De kwetsbaarheid is gepubliceerd", "Beste melder,\n\nZoals afgesproken is de kwetsbaarheid uit melding %[1]s gepubliceerd.\n\n%[3]s\n\nMet vriendelijke groet,\n%[2]s\n"},
		"not_applicable": {"[%[1]s] Uw melding", "Beste melder,\n\nWe hebben uw melding %[1]s beoordeeld en zien er geen kwetsbaarheid in die we moeten oplossen:\n\n%[3]s\n\nMet vriendelijke groet,\n%[2]s\n"},
		"duplicate":      {"[%[1]s] Uw melding was al bekend", "Beste melder,\n\nHet probleem uit uw melding %[1]s was al bij ons bekend:\n\n%[3]s\n\nDank voor uw melding.\n\nMet vriendelijke groet,\n%[2]s\n"},
	},
	"en": {
		"ack":            {"[%[1]s] Your report was received", "Dear reporter,\n\nWe received your vulnerability report as number %[1]s. By %[3]s you will have our assessment and the date by which we expect to fix it.\n\nPlease do not share the information with others until the problem is solved.\n\nKind regards,\n%[2]s\n"},
		"needs_info":     {"[%[1]s] We need more information", "Dear reporter,\n\nTo assess your report %[1]s we need more information:\n\n%[3]s\n\nPlease reply to this message and keep the number in the subject.\n\nKind regards,\n%[2]s\n"},
		"accepted":       {"[%[1]s] Our assessment of your report", "Dear reporter,\n\nWe assessed your report %[1]s:\n\n%[3]s\n\nWe expect to fix the problem by %[4]s and will keep you informed.\n\nKind regards,\n%[2]s\n"},
		"progress":       {"[%[1]s] Progress", "Dear reporter,\n\nProgress on your report %[1]s:\n\n%[3]s\n\nKind regards,\n%[2]s\n"},
		"fixed":          {"[%[1]s] The problem is fixed", "Dear reporter,\n\nThe problem of your report %[1]s is fixed.\n\n%[3]s\n\nWe agree any publication with you. Thank you for your report.\n\nKind regards,\n%[2]s\n"},
		"published":      {"[%[1]s] The vulnerability is published", "Dear reporter,\n\nAs agreed, the vulnerability of report %[1]s has been published.\n\n%[3]s\n\nKind regards,\n%[2]s\n"},
		"not_applicable": {"[%[1]s] Your report", "Dear reporter,\n\nWe assessed your report %[1]s and found no vulnerability for us to fix:\n\n%[3]s\n\nKind regards,\n%[2]s\n"},
		"duplicate":      {"[%[1]s] Your report was already known", "Dear reporter,\n\nThe problem of your report %[1]s was already known to us:\n\n%[3]s\n\nThank you for your report.\n\nKind regards,\n%[2]s\n"},
	},
}

// mail tells the reporter, in the change's transaction; the text is kept with the
// report. A reporter who left only a telephone number is called by staff instead.
func (s *Service) mail(ctx context.Context, q store.Querier, r *Report, kind string, args ...any) error {
	if r.ReporterEmail == "" {
		return s.event(ctx, q, r.ID, "call", "desk", "no e-mail address: tell the reporter by telephone ("+kind+")")
	}
	lang := r.ReporterLang
	if lang != "en" {
		lang = "nl"
	}
	t := texts[lang][kind]
	all := append([]any{r.Number(), s.d.Provider}, args...)
	subject, body := fmt.Sprintf(t[0], all...), fmt.Sprintf(t[1], all...)
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM disclosure_events WHERE report_id = $1`, r.ID).Scan(&n); err != nil {
		return err
	}
	if _, err := notify.Enqueue(ctx, q, s.now(), notify.Message{DedupeKey: fmt.Sprintf("sec:%d:%s:%d", r.ID, kind, n), To: r.ReporterEmail,
		ToName: r.ReporterName, Lang: lang, Subject: subject, Text: body}); err != nil && !errors.Is(err, notify.ErrDuplicate) {
		return err
	}
	return s.event(ctx, q, r.ID, "mail", "desk", subject+"\n\n"+body)
}
