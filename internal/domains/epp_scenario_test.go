package domains

import (
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/domains/epp/sidnfake"
)

// TestDomainScenarioOverEPP is issue 14's registry scenario over real EPP: the EPP
// client with SIDN's profile against sidnfake (TLS on loopback), through the contracts,
// catalog and domains services and the domains.run and domains.sync jobs, on one fake
// clock. A free .nl is registered and a taken one refused at the order; a transfer in
// with a wrong code fails with the registry's words and the customer's new code
// finishes it, with a new transfer token; the domain renews with its subscription; a
// cancellation at term end is SIDN's scheduled delete; the name goes into quarantine
// at the term's end and is redeemed for its last registrant (cp.av.6.2, cp.av.6.6).
func TestDomainScenarioOverEPP(t *testing.T) {
	eachOn(t, true, func(t *testing.T, e *env) {
		run := func() {
			t.Helper()
			if err := e.svc.RunJob().Run(e.ctx, e.clk.Now()); err != nil {
				t.Fatalf("domains.run: %v", err)
			}
		}
		sync := func() {
			t.Helper()
			if err := e.svc.SyncJob().Run(e.ctx, e.clk.Now()); err != nil {
				t.Fatalf("domains.sync: %v", err)
			}
		}
		token := e.fake.Seed("taken.nl", "RIVAL-REG")
		cust := e.org("Bakkerij Jansen")

		if _, err := e.order(cust, "taken.nl"); !isField(err, "lines[0].domain") {
			t.Fatalf("taken name ordered: %v", err)
		}
		sub := e.mustOrder(cust, "bakkerij-jansen.nl")
		run()
		d := e.domainOf(sub)
		if v, ok := e.fake.Domain("bakkerij-jansen.nl"); !ok || d.State != StateActive || v.Sponsor != sidnfake.Us || v.Registrant != d.Registrant {
			t.Fatalf("after registration: ours %+v, registry %+v", d, v)
		}

		// Transfer in: a wrong code, then the right one.
		if err := e.svc.RequestTransfer(e.ctx, cust, cust.User.OrgID, "taken.nl", "WRONG-CODE"); err != nil {
			t.Fatal(err)
		}
		tsub := e.mustOrder(cust, "taken.nl")
		run()
		td := e.domainOf(tsub)
		if td.State != StateTransferFailed || td.Problem == "" {
			t.Fatalf("after a wrong code: %+v", td)
		}
		if e.count("mail_outbox", "subject LIKE $1", "%Transfer of taken.nl did not succeed%") != 1 {
			t.Error("customer not told of the failed transfer")
		}
		if _, err := e.svc.RetryTransfer(e.ctx, cust, td.ID, token); err != nil {
			t.Fatal(err)
		}
		for range 3 { // SIDN may leave the transfer pending a moment
			run()
			if e.domainOf(tsub).State == StateActive {
				break
			}
			e.clk.Advance(2 * time.Minute)
		}
		td = e.domainOf(tsub)
		v, _ := e.fake.Domain("taken.nl")
		if td.State != StateActive || v.Sponsor != sidnfake.Us {
			t.Fatalf("after the right code: ours %+v, registry %+v", td, v)
		}
		tok, err := e.svc.TransferToken(e.ctx, cust, td.ID)
		if err != nil || tok == "" || tok == token {
			t.Fatalf("transfer token after the transfer: %q (old %q) %v", tok, token, err)
		}

		// Renewal with the subscription.
		e.clk.Set(time.Date(2027, 1, 6, 9, 0, 0, 0, time.UTC))
		if _, err := e.con.RenewDue(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		before := e.domainOf(sub).ExpiresOn
		run()
		after := e.domainOf(sub)
		if after.ExpiresOn != before.AddYears(1) || after.TermNo != 2 {
			t.Fatalf("renewal: %s → %s (term %d)", before, after.ExpiresOn, after.TermNo)
		}

		// Cancelled at term end: SIDN's scheduled delete.
		if _, err := e.con.ConfirmCancellation(e.ctx, cust, sub.ID, contracts.CancelInput{}); err != nil {
			t.Fatal(err)
		}
		run()
		d = e.domainOf(sub)
		v, _ = e.fake.Domain("bakkerij-jansen.nl")
		if d.State != StateScheduledDelete || !strings.Contains(strings.ToLower(v.State), "delete") {
			t.Fatalf("after the cancellation: ours %s, registry %s", d.State, v.State)
		}

		// The term ends: quarantine at the registry, seen by the sync.
		e.clk.Set(after.ExpiresOn.Time(time.UTC).Add(36 * time.Hour))
		if _, err := e.con.EndDue(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		sync()
		d = e.domainOf(sub)
		if d.State != StateQuarantine {
			v, _ = e.fake.Domain("bakkerij-jansen.nl")
			t.Fatalf("after the end: ours %+v, registry %+v", d, v)
		}

		// Redemption by the last registrant, on the customer's request.
		if _, err := e.svc.Restore(e.ctx, support, d.ID, "Customer phoned and asked to keep the name"); err != nil {
			t.Fatal(err)
		}
		run()
		d = e.domainOf(sub)
		v, _ = e.fake.Domain("bakkerij-jansen.nl")
		if d.State != StateActive || v.Registrant != d.Registrant || v.Sponsor != sidnfake.Us {
			t.Fatalf("after redemption: ours %+v, registry %+v", d, v)
		}
	})
}
