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

// seedAudits publishes an existing audit report and gives the bakery an audit that
// is under way with one open finding (issue 12; cp.dpa.11.1-11.5, fo.dpa.7.1-7.5). The audit began
// weeks ago — after the notice the terms ask — so its steps are taken by a privacy
// service on a clock set back to then, on the same database. A second seed adds
// nothing.
func seedAudits(ctx context.Context, a *app.App, by accounts.Principal) error {
	u, err := a.Accounts.FindUserByEmail(ctx, "marieke@bakkerijjansen.test")
	if err != nil {
		return err
	}
	org, err := a.Accounts.GetOrganisation(ctx, by, u.OrgID)
	if err != nil {
		return err
	}
	cust := accounts.Principal{User: u, Org: &org}
	now := a.Clock.Now()
	clk := clock.NewFake(now.Add(-20 * 24 * time.Hour))
	past := privacy.New(a.DB, clk, privacy.Deps{Pack: a.Pack, BaseURL: a.Config.URL()})
	// A second seed adds nothing.
	if have, err := past.Audits(ctx, by, org.ID); err != nil || len(have) > 0 {
		return err
	}
	day := terms.DateIn(clk.Now(), clock.Amsterdam)
	if _, err := past.PublishAuditReport(ctx, by, privacy.AuditReportInput{Title: "ISAE 3402 type II-rapport 2025 (samenvatting)", IssuedOn: day.AddDays(-60),
		Body: "Onafhankelijke assurance over de beheersmaatregelen van het datacenter en het beheer van de hostingplatforms, periode 1 januari - 31 december 2025. " +
			"Getoetst: toegangsbeheer, wijzigingsbeheer, back-ups, logging en monitoring, incidentbeheer. Geen afwijkingen; één aanbeveling over de bewaartermijn van toegangslogs."}); err != nil {
		return fmt.Errorf("demo audit report: %w", err)
	}
	au, err := past.RequestAudit(ctx, cust, org.ID, "Wij willen laten controleren hoe toegang tot de databases van onze webwinkel wordt gelogd en bewaakt; reikwijdte: webhosting en back-ups.")
	if err != nil {
		return fmt.Errorf("demo audit request: %w", err)
	}
	if au.Status == privacy.AuditReportsOffered && au.MayJustify() {
		if err := past.JustifyAudit(ctx, cust, au.ID, "Het ISAE 3402-rapport gaat over het datacenter, niet over de logging van de databaseservers van het gedeelde webhostingplatform."); err != nil {
			return fmt.Errorf("demo audit arguments: %w", err)
		}
	}
	on := day.AddDays(15)
	if _, err := past.ScheduleAudit(ctx, by, au.ID, privacy.AuditPlan{On: on, Time: "10:00", Scope: "logging en bewaking van databasetoegang op het gedeelde webhostingplatform; back-ups",
		Auditor: "Veilig Audit B.V. (RE-auditor, geheimhouding getekend)"}); err != nil {
		return fmt.Errorf("demo audit schedule: %w", err)
	}
	clk.Set(on.Time(clock.Amsterdam).Add(9 * time.Hour))
	if err := past.StartAudit(ctx, by, au.ID); err != nil {
		return fmt.Errorf("demo audit start: %w", err)
	}
	if _, err := past.AddFinding(ctx, by, au.ID, privacy.FindingInput{Description: "Toegangslogs van de databaseservers worden 7 dagen bewaard; voor onderzoek achteraf is 90 dagen nodig.",
		Implements: privacy.ImplementsProvider, Due: on.AddDays(30)}); err != nil {
		return fmt.Errorf("demo audit finding: %w", err)
	}
	return nil
}
