package usage

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

type measures struct{ blocked []int64 }

func (m *measures) Block(_ context.Context, _ accounts.Principal, id int64, _ string) error {
	m.blocked = append(m.blocked, id)
	return nil
}
func (m *measures) Convert(context.Context, accounts.Principal, int64, int64) error { return nil }

var supportStaff = accounts.Principal{User: accounts.User{ID: 1, Email: "support@provider.test", Roles: []accounts.Role{accounts.RoleSupport}}}

// TestFairUseScenario is issue 15's "must show" for 5online (fo.av.12.3, fo.av.12.4;
// A20): a customer using more than twice the mean of the six other active customers on
// the same plan is a candidate; a limit before any warning is refused; after the
// warning it is limited, and the evidence (its figure, the peers', the mean and the
// limit) is kept with the decision, unchanged by samples that come later. With fewer
// than five peers nobody is a candidate.
//
// 5online's seed catalog sells "hosting", a kind no provisioning driver delivers, so
// this runs on the usage service with an in-memory directory rather than through
// internal/app.
func TestFairUseScenario(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "5online")
		ms := &measures{}
		f.s.d.Measures = ms
		ctx := context.Background()
		// Six peers at 10-13 GB (mean 10.92 GB, limit 21.83 GB) and one at 25 GB.
		gbs := []int64{25, 10, 12, 11, 9, 11, 13}
		var samples []Sample
		for i, g := range gbs {
			id := int64(i + 1)
			f.add(Metered{ServiceID: id, OrgID: 100 + id, SubscriptionID: 200 + id, PlanID: 9, PlanName: "Hosting Basic", Name: fmt.Sprint("site", id), Active: true})
			samples = append(samples,
				Sample{Key: fmt.Sprint("a", id), ServiceID: id, Metric: Traffic, Value: 0, MeasuredAt: at(1, 9)},
				Sample{Key: fmt.Sprint("b", id), ServiceID: id, Metric: Traffic, Value: g * gb, MeasuredAt: at(31, 9)})
		}
		if _, err := f.s.Ingest(ctx, samples, "api"); err != nil {
			t.Fatal(err)
		}
		rep, err := f.s.Report(ctx, supportStaff, "2026-03")
		if err != nil {
			t.Fatal(err)
		}
		if len(rep) != 1 || len(rep[0].Candidates) != 1 || rep[0].Candidates[0].ServiceID != 1 || rep[0].Heaviest[0].ServiceID != 1 {
			t.Fatalf("report %+v", rep)
		}
		c := rep[0].Candidates[0]
		if c.Verdict.Mean != "11.00" && c.Verdict.Mean != "10.92" || !c.Verdict.OverLimit {
			t.Fatalf("verdict %+v", c.Verdict)
		}
		in := FairUseInput{ServiceID: 1, Month: "2026-03", Step: StepLimit, Note: "bandwidth cap 10 Mbit/s"}
		if _, err := f.s.FairUseStep(ctx, supportStaff, in); !errors.Is(err, ErrWarnFirst) {
			t.Fatalf("limit before a warning: %v", err)
		}
		if _, err := f.s.FairUseStep(ctx, supportStaff, FairUseInput{ServiceID: 2, Month: "2026-03", Step: StepWarn}); !errors.Is(err, ErrNotOver) {
			t.Fatalf("a peer warned: %v", err)
		}
		if _, err := f.s.FairUseStep(ctx, supportStaff, FairUseInput{ServiceID: 1, Month: "2026-03", Step: StepWarn}); err != nil {
			t.Fatal(err)
		}
		id, err := f.s.FairUseStep(ctx, supportStaff, in)
		if err != nil || id == 0 {
			t.Fatalf("limit after the warning: %d %v", id, err)
		}
		// Later samples change the month, not the evidence kept.
		if _, err := f.s.Ingest(ctx, []Sample{{Key: "late", ServiceID: 1, Metric: Traffic, Value: 40 * gb, MeasuredAt: at(31, 20)}}, "api"); err != nil {
			t.Fatal(err)
		}
		su, err := f.s.ServiceMonths(ctx, supportStaff, 1, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(su.FairUse) != 2 || su.FairUse[0].Step != StepLimit {
			t.Fatalf("steps %+v", su.FairUse)
		}
		ev := su.FairUse[0].Evidence
		if ev.Service.Traffic != 25*gb || len(ev.Peers) != 6 || ev.Verdict.Limit != c.Verdict.Limit || len(ev.Warned) != 1 || len(su.FairUse[0].Explanation) == 0 {
			t.Fatalf("evidence %+v", ev)
		}
		var mails int
		if err := db.QueryRow(`SELECT COUNT(*) FROM mail_outbox WHERE org_id = 101`).Scan(&mails); err != nil || mails != 2 {
			t.Fatalf("%d mails to the customer (%v)", mails, err)
		}
		// A customer may not take the step, nor read another's usage.
		cust := accounts.Principal{User: accounts.User{ID: 50, Email: "x@site2.test", OrgID: 102, OrgAdmin: true}, Org: &accounts.Organisation{ID: 102}}
		if _, err := f.s.FairUseStep(ctx, cust, in); err == nil {
			t.Fatal("a customer took a fair-use step")
		}
		if _, err := f.s.ServiceMonths(ctx, cust, 1, 3); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("another customer's usage: %v", err)
		}
		if _, err := f.s.ServiceMonths(ctx, cust, 2, 3); err != nil {
			t.Fatalf("own usage: %v", err)
		}
		// Four peers: no action is possible.
		for id := int64(5); id <= 7; id++ {
			f.dir.svcs[id] = Metered{ServiceID: id, OrgID: 100 + id, PlanID: 10, Active: true}
		}
		if _, err := f.s.Ingest(ctx, []Sample{{Key: "p5", ServiceID: 5, Metric: Traffic, Value: 999 * gb, MeasuredAt: at(31, 21)}}, "api"); err != nil {
			t.Fatal(err)
		}
		rep, _ = f.s.Report(ctx, supportStaff, "2026-03")
		for _, p := range rep {
			if p.PlanID == 9 && len(p.Candidates) != 1 {
				t.Fatalf("plan 9 with %d services: %+v", p.Services, p.Candidates)
			}
		}
	}, schemas()...)
}
