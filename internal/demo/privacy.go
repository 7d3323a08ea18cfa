package demo

import (
	"context"
	"fmt"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/app"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/privacy"
	"github.com/hostpact/hostpact/internal/terms"
)

// seedPrivacy registers the demo provider's subprocessors and announces a new one to
// the customers with web hosting or a VPS, so that the portal shows an open objection
// window (cp.dpa.6.2) and /subprocessors a change history.
func seedPrivacy(ctx context.Context, a *app.App, by accounts.Principal) error {
	today := terms.DateIn(a.Clock.Now(), clock.Amsterdam)
	for _, in := range []privacy.SubprocessorInput{
		{Name: "Leaseweb Netherlands B.V.", Purpose: "data centre housing of the servers", Location: "Netherlands",
			Kinds: []string{"webhosting", "email", "vps", "containers", "vpn"}, Since: today.AddDays(-900)},
		{Name: "Google Cloud EMEA Limited", Purpose: "spam and virus filtering of incoming mail", Location: "Ireland",
			Kinds: []string{"email"}, Since: today.AddDays(-400)},
		{Name: "Atlassian Pty Ltd", Purpose: "support tickets that contain customer data", Location: "Australia",
			Transfer: "EU standard contractual clauses (Commission decision 2021/914)", Kinds: []string{"webhosting", "vps"}, Since: today.AddDays(-300)},
	} {
		if _, err := a.Privacy.AddSubprocessor(ctx, by, in); err != nil {
			return fmt.Errorf("demo subprocessor %s: %w", in.Name, err)
		}
	}
	_, err := a.Privacy.Announce(ctx, by, privacy.AnnounceInput{SubprocessorInput: privacy.SubprocessorInput{
		Name: "Backup Noord B.V.", Purpose: "off-site copies of the daily backups", Location: "Netherlands",
		Kinds: []string{"webhosting", "vps"}, Since: today.AddDays(30)},
		SummaryNL: "We bewaren een tweede kopie van de dagelijkse back-ups in een datacenter in Groningen, zodat een brand of storing in Amsterdam geen gegevens kost.",
		SummaryEN: "We keep a second copy of the daily backups in a data centre in Groningen, so that a fire or outage in Amsterdam loses no data."})
	if err != nil {
		return fmt.Errorf("demo announcement: %w", err)
	}
	return nil
}
