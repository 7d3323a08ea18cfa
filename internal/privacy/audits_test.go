package privacy

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

var (
	privacyStaff = accounts.Principal{User: accounts.User{ID: 1, Email: "privacy@provider.test", Roles: []accounts.Role{accounts.RolePrivacy}}}
	supportStaff = accounts.Principal{User: accounts.User{ID: 2, Email: "support@provider.test", Roles: []accounts.Role{accounts.RoleSupport}}}
)

func customerAdmin(orgID int64, kind accounts.OrgKind) accounts.Principal {
	return accounts.Principal{User: accounts.User{ID: 100 + orgID, OrgID: orgID, OrgAdmin: true, Email: "admin@customer.test"},
		Org: &accounts.Organisation{ID: orgID, Kind: kind, LegalName: "Klant"}}
}

// auditCustomers gives every organisation a Dutch contact.
type auditCustomers struct{}

func (auditCustomers) Contact(_ context.Context, _ store.Querier, orgID int64) (Recipient, error) {
	return Recipient{Email: "contact@customer.test", Name: "Marieke", Lang: "nl"}, nil
}

// processorSubs: organisations 7 and 9 run a web hosting service (9 is a consumer).
type processorSubs struct{}

func (processorSubs) RunningOfKinds(_ context.Context, _ store.Querier, kinds []string, _ terms.Date) ([]Affected, error) {
	if !slices.Contains(kinds, "webhosting") {
		return nil, nil
	}
	return []Affected{{OrgID: 7, Subscriptions: []int64{70}}, {OrgID: 9, Subscriptions: []int64{90}}}, nil
}

func auditService(t *testing.T, db *store.DB, packName string, clk clock.Clock) *Service {
	t.Helper()
	pack, err := terms.LoadPack(packName)
	if err != nil {
		t.Fatal(err)
	}
	return New(db, clk, Deps{Pack: pack, Customers: auditCustomers{}, Subscriptions: processorSubs{}, BaseURL: "https://portal.example"})
}

func fieldErr(t *testing.T, err error, field string) {
	t.Helper()
	var fe accounts.FieldErrors
	if !errors.As(err, &fe) || fe[field].IsZero() {
		t.Fatalf("want a field error on %s, got %v", field, err)
	}
}

func outbox(t *testing.T, db *store.DB, key string) (n int, subject string) {
	t.Helper()
	err := db.QueryRowContext(context.Background(), `SELECT COUNT(*), COALESCE(MAX(subject), '') FROM mail_outbox WHERE dedupe_key = $1`, key).Scan(&n, &subject)
	if err != nil {
		t.Fatal(err)
	}
	return n, subject
}

// TestAuditFlowCloudprovider: the reports come first and a request becomes justified
// only with the customer's arguments (cp.dpa.11.2); the day is two weeks after that
// at the earliest and 12 months after the previous audit; the information is due in
// two weeks (cp.dpa.11.3); findings are tracked to resolution before closing
// (cp.dpa.11.4); every step is audited, scheduling and closing are mailed.
func TestAuditFlowCloudprovider(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := audit.WithActor(context.Background(), audit.System("test"))
		clk := clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		s := auditService(t, db, "cloudprovider", clk)
		cust := customerAdmin(7, accounts.Business)

		if _, err := s.RequestAudit(ctx, customerAdmin(9, accounts.Consumer), 9, "wij willen controleren"); err == nil {
			t.Fatal("a consumer asked for an audit")
		}
		_, err := s.RequestAudit(ctx, customerAdmin(8, accounts.Business), 8, "wij willen controleren")
		fieldErr(t, err, "reasons")
		if _, err := s.RequestAudit(ctx, cust, 8, "ander bedrijf"); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("asked for another organisation: %v", err)
		}
		_, err = s.RequestAudit(ctx, cust, 7, "  ")
		fieldErr(t, err, "reasons")

		if _, err := s.PublishAuditReport(ctx, supportStaff, AuditReportInput{Title: "ISAE 3402", IssuedOn: terms.D(2026, 1, 15), Body: "..."}); !errors.Is(err, accounts.ErrForbidden) {
			t.Fatalf("support published a report: %v", err)
		}
		rep, err := s.PublishAuditReport(ctx, privacyStaff, AuditReportInput{Title: "ISAE 3402 type II 2025", IssuedOn: terms.D(2026, 1, 15), Body: "Geen afwijkingen."})
		if err != nil {
			t.Fatal(err)
		}
		if list, err := s.AuditReports(ctx, cust, 7); err != nil || len(list) != 0 {
			t.Fatalf("reports before asking: %v %v", list, err)
		}

		a, err := s.RequestAudit(ctx, cust, 7, "Wij willen de logging van onze webshop controleren.")
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != AuditReportsOffered || !a.MayJustify() || a.Precondition != terms.AuditReportsFirst {
			t.Fatalf("request: %+v", a)
		}
		if _, err := s.RequestAudit(ctx, cust, 7, "nog een keer"); err == nil {
			t.Fatal("a second open request")
		}
		list, err := s.AuditReports(ctx, cust, 7)
		if err != nil || len(list) != 1 || list[0].Body != "" {
			t.Fatalf("offered reports: %+v %v", list, err)
		}
		if r, err := s.AuditReportFor(ctx, cust, 7, rep.ID); err != nil || r.Body != "Geen afwijkingen." {
			t.Fatalf("download: %+v %v", r, err)
		}
		if _, err := s.AuditReportFor(ctx, customerAdmin(8, accounts.Business), 8, rep.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("a customer who did not ask downloads: %v", err)
		}

		plan := AuditPlan{On: terms.D(2026, 3, 16), Time: "10:00", Scope: "logging en toegangsbeheer van webhosting", Auditor: "Veilig Audit B.V."}
		_, err = s.ScheduleAudit(ctx, privacyStaff, a.ID, plan)
		fieldErr(t, err, "on")
		if err := s.JustifyAudit(ctx, customerAdmin(8, accounts.Business), a.ID, "x"); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("another customer justified: %v", err)
		}
		clk.Advance(24 * time.Hour) // justified on 3 March
		if err := s.JustifyAudit(ctx, cust, a.ID, "Het rapport dekt de webhosting-omgeving niet."); err != nil {
			t.Fatal(err)
		}
		if n, _ := outbox(t, db, "privacy-audit-waits:1"); n != 1 {
			t.Errorf("staff alerts: %d", n)
		}
		// Two weeks after 3 March: the 16th is too early (cp.dpa.11.2).
		_, err = s.ScheduleAudit(ctx, privacyStaff, a.ID, plan)
		fieldErr(t, err, "on")
		if _, err := s.ScheduleAudit(ctx, cust, a.ID, plan); !errors.Is(err, accounts.ErrForbidden) {
			t.Fatalf("the customer scheduled: %v", err)
		}
		plan.On = terms.D(2026, 3, 17)
		ex, err := s.ScheduleAudit(ctx, privacyStaff, a.ID, plan)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(ex.Clauses(), "cp.dpa.11.3") {
			t.Errorf("explanation: %v", ex.Clauses())
		}
		got, err := s.GetAudit(ctx, cust, a.ID)
		if err != nil || got.Status != AuditScheduled || got.InformationBy != terms.D(2026, 3, 17) || len(got.Explanation) == 0 {
			t.Fatalf("scheduled: %+v %v", got, err)
		}
		if n, subj := outbox(t, db, "privacy-audit-scheduled:1"); n != 1 || !strings.Contains(subj, "17 maart 2026") {
			t.Errorf("scheduling mail: %d %q", n, subj)
		}
		if _, err := s.GetAudit(ctx, customerAdmin(8, accounts.Business), a.ID); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("another customer reads the audit: %v", err)
		}

		fieldErr(t, s.StartAudit(ctx, privacyStaff, a.ID), "audit")
		clk.Set(time.Date(2026, 3, 17, 9, 0, 0, 0, time.UTC))
		if err := s.StartAudit(ctx, privacyStaff, a.ID); err != nil {
			t.Fatal(err)
		}
		f, err := s.AddFinding(ctx, privacyStaff, a.ID, FindingInput{Description: "Toegangslogs worden maar 7 dagen bewaard.", Implements: ImplementsProvider, Due: terms.D(2026, 5, 1)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.AddFinding(ctx, privacyStaff, a.ID, FindingInput{Description: "x", Implements: "auditor", Due: terms.D(2026, 5, 1)})
		fieldErr(t, err, "implements")
		fieldErr(t, s.CloseAudit(ctx, privacyStaff, a.ID, "Klaar."), "conclusion")
		if err := s.ResolveFinding(ctx, privacyStaff, f.ID, "Bewaartermijn naar 90 dagen."); err != nil {
			t.Fatal(err)
		}
		fieldErr(t, s.ResolveFinding(ctx, privacyStaff, f.ID, "nogmaals"), "resolution")
		if err := s.CloseAudit(ctx, privacyStaff, a.ID, "Eén bevinding, opgelost."); err != nil {
			t.Fatal(err)
		}
		if n, _ := outbox(t, db, "privacy-audit-closed:1"); n != 1 {
			t.Errorf("closing mails: %d", n)
		}
		mine, err := s.Audits(ctx, cust, 7)
		if err != nil || len(mine) != 1 || mine[0].Status != AuditClosed || len(mine[0].Findings) != 1 || mine[0].Findings[0].Status != FindingResolved {
			t.Fatalf("portal list: %+v %v", mine, err)
		}
		var steps int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_entries WHERE object_kind IN ('privacy_audit', 'privacy_audit_finding')`).Scan(&steps); err != nil {
			t.Fatal(err)
		}
		// request, reports offered, justify, schedule, start, finding, resolve, close
		if steps != 8 {
			t.Errorf("audit entries: %d", steps)
		}

		// The next audit: 12 months after 17 March 2026 at the earliest.
		clk.Set(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
		b, err := s.RequestAudit(ctx, cust, 7, "Nieuwe vragen over back-ups.")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.JustifyAudit(ctx, cust, b.ID, "Het rapport gaat niet over back-ups."); err != nil {
			t.Fatal(err)
		}
		plan.On = terms.D(2027, 3, 16)
		_, err = s.ScheduleAudit(ctx, privacyStaff, b.ID, plan)
		fieldErr(t, err, "on")
		plan.On = terms.D(2027, 3, 17)
		if _, err := s.ScheduleAudit(ctx, privacyStaff, b.ID, plan); err != nil {
			t.Fatal(err)
		}
		open, err := s.StaffAudits(ctx, privacyStaff, true, 0, 10)
		if err != nil || len(open) != 1 || open[0].ID != b.ID {
			t.Fatalf("open audits: %+v %v", open, err)
		}
	}, audit.Schema, notify.Schema, Schema)
}

// TestAuditFlow5online: a request is the written suspicion and waits for staff at
// once (fo.dpa.7.1), without notice; a second request within 12 months is answered
// with the report (fo.dpa.7.2) and cannot be argued into an audit; refusals and
// withdrawals end a request.
func TestAuditFlow5online(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := audit.WithActor(context.Background(), audit.System("test"))
		clk := clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		s := auditService(t, db, "5online", clk)
		cust := customerAdmin(7, accounts.Business)

		a, err := s.RequestAudit(ctx, cust, 7, "Wij vermoeden dat back-ups buiten de EER staan: zie de headers in de bijlage.")
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != AuditJustified || a.MayJustify() || a.JustifiedOn != terms.D(2026, 3, 2) {
			t.Fatalf("fo request: %+v", a)
		}
		if _, err := s.ScheduleAudit(ctx, privacyStaff, a.ID, AuditPlan{On: terms.D(2026, 3, 4), Time: "25:00", Scope: "back-ups", Auditor: "Audit & Co"}); err == nil {
			t.Fatal("an hour of 25 was accepted")
		}
		if _, err := s.ScheduleAudit(ctx, privacyStaff, a.ID, AuditPlan{On: terms.D(2026, 3, 4), Time: "09:30", Scope: "back-ups", Auditor: "Audit & Co"}); err != nil {
			t.Fatal(err)
		}
		clk.Set(time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC))
		if err := s.StartAudit(ctx, privacyStaff, a.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.CloseAudit(ctx, privacyStaff, a.ID, "Geen schending gevonden."); err != nil {
			t.Fatal(err)
		}

		clk.Set(time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC))
		b, err := s.RequestAudit(ctx, cust, 7, "Opnieuw een vermoeden.")
		if err != nil {
			t.Fatal(err)
		}
		if b.Status != AuditReportsOffered || !b.AnswerWithReport || b.MayJustify() {
			t.Fatalf("second request: %+v", b)
		}
		fieldErr(t, s.JustifyAudit(ctx, cust, b.ID, "Het rapport is niet genoeg."), "insufficiency")
		fieldErr(t, s.RefuseAudit(ctx, privacyStaff, b.ID, " "), "refusal")
		if err := s.RefuseAudit(ctx, privacyStaff, b.ID, "De relevante delen van het rapport van maart beantwoorden de vraag."); err != nil {
			t.Fatal(err)
		}
		if n, _ := outbox(t, db, "privacy-audit-refused:2"); n != 1 {
			t.Errorf("refusal mails: %d", n)
		}
		c, err := s.RequestAudit(ctx, cust, 7, "Nog een vraag.")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.WithdrawAudit(ctx, cust, c.ID); err != nil {
			t.Fatal(err)
		}
		fieldErr(t, s.WithdrawAudit(ctx, cust, c.ID), "audit")
	}, audit.Schema, notify.Schema, Schema)
}
