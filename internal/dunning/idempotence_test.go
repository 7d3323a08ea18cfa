package dunning

import (
	"sync"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/terms"
)

// Every step happens once when the job runs twice a day and on two instances at once,
// and each mail goes out once, in the customer's language.
func TestRunDueTwiceAndConcurrently(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cons, _ := e.customer("cloudprovider", accounts.Consumer, "nl")
		biz, _ := e.customer("cloudprovider", accounts.Business, "en")
		i1 := e.invoice(cons, d("2026-01-15"), eur("121.00"))
		i2 := e.invoice(biz, d("2026-01-20"), eur("1210.00"))
		i3 := e.invoice(biz, d("2026-02-01"), eur("60.50")) // a second invoice of the same customer
		svc := e.dun["cloudprovider"]
		e.setDay(d("2026-01-15"))
		for day := e.today(); !day.After(d("2026-04-30")); day = day.AddDays(1) {
			e.setDay(day)
			switch day {
			case d("2026-03-12"):
				e.inv.pay(i2.ID, day, i2.Open)
			case d("2026-03-25"):
				e.inv.pay(i1.ID, day, eur("21.00"))
			case d("2026-03-27"):
				e.inv.pay(i1.ID, day, eur("100.00"))
				e.inv.pay(i3.ID, day, i3.Open)
			}
			now := e.clk.Now()
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for g := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[g] = svc.RunDue(e.ctx, now)
				}()
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatalf("%s: %v", day, err)
				}
			}
			if err := svc.RunDue(e.ctx, now); err != nil {
				t.Fatalf("%s: %v", day, err)
			}
		}
		eq(t, "consumer steps", e.stepNames(i1.ID), "overdue,reminder,default,suspend,unsuspend,charge,settled")
		// i2: due 02-20, default 03-07, suspension announced for 03-14, paid 03-12.
		eq(t, "business steps", e.stepNames(i2.ID), "overdue,default,charge,settled")
		// i3: due 03-01, default 03-16, suspended 03-23, paid 03-27.
		eq(t, "second invoice", e.stepNames(i3.ID), "overdue,default,suspend,unsuspend,charge,settled")

		// The consumer paid 21.00 on 03-25 and 100.00 on 03-27: each part bore interest
		// until it was paid.
		pol, _ := e.packs["cloudprovider"].At(i1.InvoiceDate)
		a, _, _ := pol.Interest(terms.InterestInput{Customer: terms.Consumer, Principal: eur("21.00"), From: d("2026-03-03"), To: d("2026-03-25")})
		b, _, _ := pol.Interest(terms.InterestInput{Customer: terms.Consumer, Principal: eur("100.00"), From: d("2026-03-03"), To: d("2026-03-27")})
		eq(t, "consumer charge", e.steps(i1.ID)[StepCharge].Amount, a.Amount+b.Amount+eur("40.00"))

		var steps, audits, mails int
		_ = e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM dunning_steps`).Scan(&steps)
		audits = e.count("audit_entries", "action LIKE 'dunning.%'")
		eq(t, "one audit entry per step", audits, steps)
		_ = e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM mail_outbox WHERE dedupe_key LIKE 'dunning:%'`).Scan(&mails)
		// Mails: every step but overdue for consumers, and but settled.
		var want int
		_ = e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM dunning_steps WHERE step <> 'settled' AND NOT (step = 'overdue' AND org_id = $1)
			AND NOT (step = 'charge' AND amount = 0)`, cons.ID).Scan(&want)
		eq(t, "one mail per mailed step", mails, want)
		for _, m := range e.dunningMails(cons.ID) {
			if m.Lang != "nl" {
				t.Errorf("consumer mail %s in %s", m.Key, m.Lang)
			}
		}
		for _, m := range e.dunningMails(biz.ID) {
			if m.Lang != "en" {
				t.Errorf("business mail %s in %s", m.Key, m.Lang)
			}
		}
		eq(t, "charges to the consumer", len(e.inv.chargesFor(cons.ID)), 1)
		eq(t, "charges to the business", len(e.inv.chargesFor(biz.ID)), 2)
		eq(t, "suspension holds", e.count("suspension_holds", "lifted_at IS NULL"), 0)
	})
}

// Staff claim interest and costs before payment; at payment only the interest after
// the claim is charged, and no costs again.
func TestStaffClaimThenPayment(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		o, _ := e.customer("cloudprovider", accounts.Business, "en")
		inv := e.invoice(o, d("2026-01-15"), eur("1210.00"))
		svc := e.dun["cloudprovider"]
		e.setDay(d("2026-01-15"))
		e.runThrough("cloudprovider", d("2026-03-10"))
		staff := accounts.Principal{User: accounts.User{ID: 7, Email: "billing@provider.test", Roles: []accounts.Role{accounts.RoleBilling}}}
		if _, err := svc.Claim(e.ctx, accounts.Principal{User: accounts.User{ID: 8, Email: "support@provider.test", Roles: []accounts.Role{accounts.RoleSupport}}}, inv.ID); err == nil {
			t.Fatal("support may not claim")
		}
		st, err := svc.Claim(e.ctx, staff, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		pol, _ := e.packs["cloudprovider"].At(inv.InvoiceDate)
		upto, _, _ := pol.Interest(terms.InterestInput{Customer: terms.Business, Principal: inv.Open, From: d("2026-02-16"), To: d("2026-03-10")})
		eq(t, "claim", st.Amount, upto.Amount+eur("181.50"))
		eq(t, "claimed up to", st.NextOn, d("2026-03-10"))
		again, err := svc.Claim(e.ctx, staff, inv.ID)
		if err != nil || again.ID != st.ID {
			t.Fatalf("second claim: %v %+v", err, again)
		}
		e.inv.pay(inv.ID, d("2026-03-20"), inv.Open)
		e.runThrough("cloudprovider", d("2026-03-20"))
		rest, _, _ := pol.Interest(terms.InterestInput{Customer: terms.Business, Principal: inv.Open, From: d("2026-03-10"), To: d("2026-03-20")})
		eq(t, "charge at payment", e.steps(inv.ID)[StepCharge].Amount, rest.Amount)
		ch := e.inv.chargesFor(o.ID)
		if len(ch) != 2 || len(ch[1].Lines) != 1 || ch[1].Lines[0].Kind != ChargeInterest {
			t.Fatalf("charges: %+v", ch)
		}
	})
}

// An invoice paid on time leaves no trace.
func TestPaidOnTime(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		o, _ := e.customer("cloudprovider", accounts.Business, "nl")
		inv := e.invoice(o, d("2026-01-15"), eur("100.00"))
		e.setDay(d("2026-01-15"))
		e.runThrough("cloudprovider", d("2026-02-15"))
		e.inv.pay(inv.ID, d("2026-02-15"), inv.Open)
		if err := e.dun["cloudprovider"].OnPaid(e.ctx, inv.ID); err != nil {
			t.Fatal(err)
		}
		e.runThrough("cloudprovider", d("2026-04-01"))
		eq(t, "steps", e.stepNames(inv.ID), "")
		eq(t, "mails", len(e.dunningMails(o.ID)), 0)
	})
}
