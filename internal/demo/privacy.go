package demo

import (
	"context"
	"fmt"
	"time"

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
	// The register of processing, seeded from the packs' purposes.
	if err := a.Privacy.SeedRegister(ctx); err != nil {
		return fmt.Errorf("demo register: %w", err)
	}
	// A breach on the provider's own side two hours ago, not yet notified (no servers:
	// it concerns the provider's own customer data, so the authority's 72 hours run).
	br, err := a.Privacy.RecordBreach(ctx, by, privacy.BreachInput{DiscoveredAt: a.Clock.Now().Add(-2 * time.Hour),
		Description: "Een medewerker stuurde een klantoverzicht naar een verkeerd e-mailadres.", DataCategories: "namen, e-mailadressen, bestelde diensten",
		SubjectCategories: "klanten (contactpersonen)", SubjectsEstimate: "ongeveer 40", Cause: "een verkeerd aangevulde ontvanger",
		Consequences: "de ontvanger kan namen en e-mailadressen lezen", Solution: "de ontvanger is gevraagd het bericht te verwijderen",
		Measures: "automatisch aanvullen van externe adressen uitgezet", Secured: "nee, onversleutelde bijlage", Contact: "privacy@cloudprovider.test",
		ProviderController: true})
	if err != nil {
		return fmt.Errorf("demo breach: %w", err)
	}
	// Two data subject requests: one waiting for the identity check, one checked.
	if _, err := a.Privacy.RecordRequest(ctx, by, privacy.RequestInput{Kind: privacy.RequestAccess, Scope: privacy.ScopeProvider,
		Email: "j.devries@example.test", Name: "Johan de Vries", Details: "Wil weten welke gegevens we van hem hebben."}); err != nil {
		return fmt.Errorf("demo request: %w", err)
	}
	er, err := a.Privacy.RecordRequest(ctx, by, privacy.RequestInput{Kind: privacy.RequestErasure, Scope: privacy.ScopeProvider,
		Email: "oud.klant@example.test", Name: "Sanne Oud", Details: "Account opgeheven; wil dat alles verwijderd wordt."})
	if err != nil {
		return fmt.Errorf("demo request: %w", err)
	}
	if err := a.Privacy.CheckIdentity(ctx, by, er.ID, "reactie op een code gemaild naar het bekende adres"); err != nil {
		return fmt.Errorf("demo identity: %w", err)
	}
	if _, err := a.Privacy.PlaceHold(ctx, by, 0, fmt.Sprintf("breach:%d", br.ID), "mogelijk nodig voor een klacht bij de Autoriteit Persoonsgegevens"); err != nil {
		return fmt.Errorf("demo hold: %w", err)
	}
	return nil
}
