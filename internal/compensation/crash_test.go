package compensation

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

// autoPack is cloudprovider with auto_approve_claims on, a fresh copy so that other
// tests keep the built-in pack.
func autoPack(t *testing.T) *terms.Pack {
	t.Helper()
	src, err := terms.EmbeddedPackSource("cloudprovider")
	if err != nil {
		t.Fatal(err)
	}
	pk, err := terms.ParsePack(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []terms.Date{terms.D(2026, 2, 1), terms.D(2026, 3, 1), terms.D(2026, 4, 1)} {
		p, err := pk.At(d)
		if err != nil {
			t.Fatal(err)
		}
		p.Terms.SLA.AutoApproveClaims = true
	}
	return pk
}

// TestFreezeCrashAndRestart kills the sla.freeze job at random points (before a month's
// row, before its audit entry, between the account credit and the claim's approval) and
// runs it again until it completes. Every subscription's month is frozen once with one
// audit entry, every claim is approved automatically once with one account credit of
// the frozen amount, and a later run does nothing.
func TestFreezeCrashAndRestart(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, autoPack(t))
		const n = 10
		for i := int64(1); i <= n; i++ {
			e.sub(i, i, 100+i%3)
		}
		e.outage(100, "imap", at(2026, 3, 4, 10, 0), 107, "ams1", "fra1")
		e.outage(101, "https", at(2026, 3, 5, 10, 0), 50, "ams1", "fra1", "lon1")
		e.outage(102, "mysql", at(2026, 3, 6, 10, 0), 20, "ams1", "fra1", "lon1")
		e.clk.Set(at(2026, 3, 7, 9, 0))
		claims := 0
		for i := int64(1); i <= n; i++ {
			if _, err := e.svc.Claim(e.ctx, customer(i), i, "2026-03", ""); err == nil {
				claims++
			} else if i%3 != 2 {
				t.Fatalf("claim %d: %v", i, err)
			}
		}
		e.clk.Set(at(2026, 4, 1, 2, 0))
		rng := rand.New(rand.NewPCG(10, 42))
		crashes, points := 0, map[string]bool{}
		for try := 0; ; try++ {
			e.svc.failpoint = func(point string) error {
				points[point] = true
				if rng.IntN(4) == 0 {
					return fmt.Errorf("injected crash at %s", point)
				}
				return nil
			}
			err := e.svc.Freeze(e.ctx, e.clk.Now())
			if err == nil {
				break
			}
			crashes++
			if try > 200 {
				t.Fatalf("the job keeps failing: %v", err)
			}
		}
		e.svc.failpoint = nil
		if crashes == 0 {
			t.Fatal("no crash was injected")
		}
		for _, p := range []string{"freeze.insert", "freeze.audit", "approve.update"} {
			if !points[p] {
				t.Errorf("failpoint %s never reached", p)
			}
		}
		if err := e.svc.Freeze(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		if got := e.count(`SELECT COUNT(*) FROM sla_months WHERE month = '2026-03'`); got != n {
			t.Errorf("%d March figures, want %d", got, n)
		}
		if got := e.count(`SELECT COUNT(*) FROM audit_entries WHERE action = 'sla.month.freeze' AND summary LIKE '%2026-03%'`); got != n {
			t.Errorf("%d freeze entries, want %d", got, n)
		}
		if got := e.count(`SELECT COUNT(*) FROM sla_claims WHERE status = 'approved' AND auto = TRUE`); got != claims {
			t.Errorf("%d claims approved automatically, want %d", got, claims)
		}
		if got := e.count(`SELECT COUNT(*) FROM account_credit a JOIN sla_claims c ON a.source_ref = CAST(c.id AS TEXT) AND a.amount = c.credit WHERE a.source = 'sla-claim'`); got != claims {
			t.Errorf("%d account credits matching their claim, want %d", got, claims)
		}
		if got := e.count(`SELECT COUNT(*) FROM audit_entries WHERE action = 'sla.claim.approve'`); got != claims {
			t.Errorf("%d approval entries, want %d", got, claims)
		}
		// Subscriptions 1, 4, 7, 10 are on server 101 (D 50: 20% of 25.00).
		if cr := e.credit(4); cr != 500 {
			t.Errorf("credit of org 4: %s", cr)
		}
		t.Logf("%d crashes injected", crashes)
	}, schemas...)
}
