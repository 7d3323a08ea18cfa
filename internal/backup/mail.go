package backup

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// Staff alerts (by mail through the outbox, once per key): %[1]s the service ref and
// name, %[2]s what failed. The details follow the text.
var alertTexts = map[string]map[string][2]string{
	"nl": {
		"failed":       {"Back-up mislukt: %[1]s", "De back-up van %[1]s is mislukt (%[2]s). De volgende poging volgt binnen het uur, tot het maximum aantal pogingen."},
		"restore":      {"Terugzetten mislukt: %[1]s", "Het terugzetten van een back-up van %[1]s is mislukt (%[2]s). De klant wacht erop."},
		"restore_test": {"Hersteltest mislukt: %[1]s", "De periodieke hersteltest van %[1]s is mislukt (%[2]s)."},
	},
	"en": {
		"failed":       {"Backup failed: %[1]s", "The backup of %[1]s failed (%[2]s). The next attempt follows within the hour, up to the most attempts."},
		"restore":      {"Restore failed: %[1]s", "Restoring a backup of %[1]s failed (%[2]s). The customer is waiting for it."},
		"restore_test": {"Restore test failed: %[1]s", "The periodic restore test of %[1]s failed (%[2]s)."},
	},
}

// alert mails the support staff in q, once per key.
func (s *Service) alert(ctx context.Context, q store.Querier, now time.Time, key, kind string, e Enrolled, detail string) error {
	if s.staff == nil {
		return nil
	}
	to, err := s.staff.SupportContacts(ctx, q)
	if err != nil {
		return err
	}
	what := e.Ref
	if e.Name != "" {
		what += " (" + e.Name + ")"
	}
	for _, r := range to {
		lang := r.Lang
		if _, ok := alertTexts[lang]; !ok {
			lang = "nl"
		}
		t := alertTexts[lang][kind]
		_, err := notify.Enqueue(ctx, q, now, notify.Message{
			DedupeKey: fmt.Sprintf("backup-alert:%s:%s", key, strings.ToLower(r.Email)),
			To:        r.Email, Lang: lang,
			Subject: fmt.Sprintf(t[0], what, kind),
			Text:    fmt.Sprintf(t[1], what, kind) + "\n\n" + detail + "\n\n" + s.baseURL + "/staff/backups\n",
		})
		if err != nil && !errors.Is(err, notify.ErrDuplicate) {
			return err
		}
	}
	return nil
}

// restoredTexts tell the customer a restore is done: %[1]s the service, %[2]s the
// backup's day, %[3]s the portal link, %[4]s the provider.
var restoredTexts = map[string][2]string{
	"nl": {"Back-up teruggezet: %[1]s", "Goedendag,\n\nDe back-up van %[2]s is teruggezet in %[1]s, zoals gevraagd. Bestanden die na die dag zijn toegevoegd, staan er nog naast.\n\nJe ziet je back-ups en verzoeken op %[3]s.\n\nMet vriendelijke groet,\n%[4]s\n"},
	"en": {"Backup restored: %[1]s", "Hello,\n\nThe backup of %[2]s has been restored into %[1]s, as you asked. Files added after that day are still there next to it.\n\nYou can see your backups and requests at %[3]s.\n\nKind regards,\n%[4]s\n"},
}

func (s *Service) mailRestored(ctx context.Context, q store.Querier, now time.Time, restoreID int64, e Enrolled, day string) error {
	if s.customers == nil {
		return nil
	}
	c, err := s.customers.Contact(ctx, q, e.OrgID)
	if err != nil || c.Email == "" {
		return err
	}
	lang := c.Lang
	if _, ok := restoredTexts[lang]; !ok {
		lang = "nl"
	}
	what := e.Name
	if e.Domain != "" {
		what = e.Domain
	}
	if what == "" {
		what = e.Ref
	}
	if d, err := terms.ParseDate(day); err == nil {
		day = terms.DateWords(lang, d)
	}
	t := restoredTexts[lang]
	_, err = notify.Enqueue(ctx, q, now, notify.Message{
		DedupeKey: fmt.Sprintf("backup-restored:%d", restoreID), OrgID: e.OrgID,
		To: c.Email, ToName: c.Name, Lang: lang,
		Subject: fmt.Sprintf(t[0], what),
		Text:    fmt.Sprintf(t[1], what, day, s.baseURL+"/portal/backups", s.provider),
	})
	if errors.Is(err, notify.ErrDuplicate) {
		return nil
	}
	return err
}
