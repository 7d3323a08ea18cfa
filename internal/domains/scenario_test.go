package domains

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/domains/registry"
)

// The registry scenario of issue 14 on the in-memory registry: a free .nl is
// registered and a taken one refused at the order; a transfer in with a wrong and then
// the right code; renewal with the subscription; a cancellation at term end that is a
// scheduled delete at the registry, withdrawn and given again; quarantine; redemption
// by the last registrant (cp.av.6.2, cp.av.6.3, cp.av.6.6).
func TestDomainScenario(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.reg.Hold("taken.nl", "other-registrar", "SECRET-1")
		cust := e.org("Bakkerij Jansen")

		// A taken name is refused at the order with a clear reason; nothing is ordered.
		if _, err := e.order(cust, "taken.nl"); !isField(err, "lines[0].domain") {
			t.Fatalf("taken name ordered: %v", err)
		}
		if n := e.count("subscriptions", "org_id = $1", cust.User.OrgID); n != 0 {
			t.Fatalf("%d subscriptions after a refused order", n)
		}
		if a, err := e.svc.Availability(e.ctx, "bakkerij-jansen.nl"); err != nil || !a.Available {
			t.Fatalf("availability %+v %v", a, err)
		}

		// A free name is registered, confirmed by mail (cp.av.6.3) and its zone made.
		sub := e.mustOrder(cust, "bakkerij-jansen.nl")
		e.run()
		d := e.domainOf(sub)
		if d.State != StateActive || d.ExpiresOn.IsZero() || d.Registrant == "" || d.ConsentClauses == "" {
			t.Fatalf("after registration: %+v", d)
		}
		if e.count("mail_outbox", "subject LIKE $1", "%bakkerij-jansen.nl is registered%") != 1 {
			t.Error("no confirmation of the registration")
		}
		if e.reg.Count("domain:create") != 1 {
			t.Errorf("creates at the registry: %d", e.reg.Count("domain:create"))
		}

		// Transfer in with a wrong code: failed with the registry's words, customer told.
		if err := e.svc.RequestTransfer(e.ctx, cust, cust.User.OrgID, "taken.nl", "WRONG"); err != nil {
			t.Fatal(err)
		}
		tsub := e.mustOrder(cust, "taken.nl")
		e.run()
		td := e.domainOf(tsub)
		if td.State != StateTransferFailed || !strings.Contains(td.Problem, "2202") {
			t.Fatalf("after a wrong code: %+v", td)
		}
		if e.count("mail_outbox", "subject LIKE $1", "%Transfer of taken.nl did not succeed%") != 1 {
			t.Error("customer not told of the failed transfer")
		}
		// The right code: transferred, with the registry's new token.
		if _, err := e.svc.RetryTransfer(e.ctx, cust, td.ID, "SECRET-1"); err != nil {
			t.Fatal(err)
		}
		e.run()
		td = e.domainOf(tsub)
		if td.State != StateActive || !td.HasToken {
			t.Fatalf("after the right code: %+v", td)
		}
		tok, err := e.svc.TransferToken(e.ctx, cust, td.ID)
		if err != nil || tok == "" || tok == "SECRET-1" {
			t.Fatalf("transfer token after the transfer: %q %v", tok, err)
		}

		// Renewal with the subscription: one renew at the registry, by a year.
		e.clk.Set(time.Date(2027, 1, 6, 9, 0, 0, 0, time.UTC))
		if _, err := e.con.RenewDue(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		before := e.domainOf(sub).ExpiresOn
		e.run()
		e.run()
		after := e.domainOf(sub)
		if after.ExpiresOn != before.AddYears(1) || e.reg.Count("domain:renew") != 2 { // both domains renew
			t.Fatalf("renewal: %s → %s, renews %d", before, after.ExpiresOn, e.reg.Count("domain:renew"))
		}

		// Cancelled at term end: the registry's scheduled delete at the end of the period.
		sub, _ = e.con.GetSubscription(e.ctx, support, sub.ID)
		if _, err := e.con.ConfirmCancellation(e.ctx, cust, sub.ID, contracts.CancelInput{}); err != nil {
			t.Fatal(err)
		}
		e.run()
		d = e.domainOf(sub)
		info, _ := e.reg.Lookup("bakkerij-jansen.nl")
		if d.State != StateScheduledDelete || info.State != registry.StateScheduledDelete {
			t.Fatalf("after the cancellation: ours %s, registry %s", d.State, info.State)
		}

		// The term ends: the registry deletes the name into quarantine; sync sees it.
		e.clk.Set(after.ExpiresOn.Time(time.UTC).Add(12 * time.Hour))
		if _, err := e.con.EndDue(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Sync(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		d = e.domainOf(sub)
		if d.State != StateQuarantine || d.EndedAt == nil {
			t.Fatalf("after the end: %+v", d)
		}
		if e.count("domain_poll_messages", "kind = 'quarantine' AND acked_at IS NOT NULL") != 1 || e.reg.Queued("hostpact") != 0 {
			t.Error("the quarantine message was not stored and acknowledged")
		}

		// Redemption by the last registrant: staff act on the customer's request.
		if _, err := e.svc.Restore(e.ctx, cust, d.ID, "please"); !errors.Is(err, accounts.ErrForbidden) {
			t.Fatalf("customer restored: %v", err)
		}
		if _, err := e.svc.Restore(e.ctx, support, d.ID, "Customer phoned on 2027-01-08 and asked to keep the name"); err != nil {
			t.Fatal(err)
		}
		e.run()
		d = e.domainOf(sub)
		info, _ = e.reg.Lookup("bakkerij-jansen.nl")
		if d.State != StateActive || info.State != registry.StateActive || info.Registrant != d.Registrant {
			t.Fatalf("after redemption: ours %+v, registry %+v", d, info)
		}
	})
}

func isField(err error, field string) bool {
	var fe accounts.FieldErrors
	if !errors.As(err, &fe) {
		return false
	}
	_, ok := fe[field]
	return ok
}
