package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/dunning"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/payments"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/usage"
)

type oneService struct{}

func (oneService) MeteredService(_ context.Context, id int64) (usage.Metered, error) {
	if id != 41 {
		return usage.Metered{}, accounts.ErrNotFound
	}
	return usage.Metered{ServiceID: 41, OrgID: 1, SubscriptionID: 1, PlanID: 1, Name: "web41", Active: true}, nil
}

// TestUsageScopeOnlyDeliversUsage: a collector's token with the usage scope delivers
// samples (POST /api/v1/usage) and is refused everything else, reads included; the
// scope goes alone, and only someone who may write makes one.
func TestUsageScopeOnlyDeliversUsage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, defaultLimits)
		us := usage.New(db, f.clk, usage.Deps{Pack: f.pack, Directory: oneService{}})
		h := newServer(Deps{DB: db, Clock: f.clk, Accounts: f.acc, Catalog: f.cat, Contracts: f.con, Pack: f.pack, Demo: true,
			Billing: f.bil, Payments: f.pay, Dunning: f.dun, Usage: us}, defaultLimits)
		ctx := seedCtx()
		su, err := f.acc.CreateUserCLI(ctx, accounts.UserInput{Email: "collector@provider.test", Name: "Collector", Language: "en",
			Password: testPassword, Roles: []accounts.Role{accounts.RoleSupport}})
		must(t, err)
		support := accounts.Principal{User: su, Session: &accounts.Session{UserID: su.ID}}
		if _, _, err := f.acc.CreateAPIToken(ctx, support, "mixed", []accounts.Scope{accounts.ScopeUsage, accounts.ScopeRead}, 0); err == nil {
			t.Fatal("a usage token with read too was made")
		}
		tok, _ := f.token(support, accounts.ScopeUsage)
		body := `{"samples": [{"key": "k1", "service_id": 41, "metric": "disk", "value": 5, "measured_at": "2026-03-02T08:00:00Z"}]}`
		rec := serve(h, request{method: http.MethodPost, path: "/api/v1/usage", token: tok, body: body})
		if rec.Code != http.StatusOK {
			t.Fatalf("usage delivery: %d %s", rec.Code, rec.Body)
		}
		for _, r := range []request{
			{method: http.MethodGet, path: "/api/v1/me", token: tok},
			{method: http.MethodGet, path: "/api/v1/organisations", token: tok},
			{method: http.MethodPost, path: "/api/v1/tokens", token: tok, body: map[string]any{"name": "more", "scopes": []string{"write"}}},
		} {
			expectProblem(t, serve(h, r), http.StatusForbidden)
		}
		// The service's own check holds too: a usage token reaches no other action.
		p := accounts.Principal{User: su, Token: &accounts.APIToken{Scopes: []accounts.Scope{accounts.ScopeUsage}}}
		if p.Can(accounts.UsageRead, accounts.Provider) || p.Can(accounts.UsageManage, accounts.Provider) || !p.Can(accounts.UsageSubmit, accounts.Provider) {
			t.Error("a usage token's actions are not usage.submit alone")
		}
		// A read token cannot deliver.
		read, _ := f.token(support, accounts.ScopeRead)
		expectProblem(t, serve(h, request{method: http.MethodPost, path: "/api/v1/usage", token: read, body: body}), http.StatusForbidden)
	}, accounts.Schema, audit.Schema, notify.Schema, catalog.Schema, contracts.Schema, billing.Schema, payments.Schema, dunning.Schema, usage.Schema)
}
