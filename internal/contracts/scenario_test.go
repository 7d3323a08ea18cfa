package contracts

import (
	"math/big"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/terms"
)

// TestTwoYears drives two years on the fake clock, running the jobs every day, through
// the public services of both packs.
func TestTwoYears(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cp, fo := e.cp, e.fo
		jan := e.org(accounts.Consumer, "Jan de Vries")       // orders, renews, cancels after renewal
		bakker := e.org(accounts.Business, "Bakkerij Jansen") // cancels too late
		wil := e.org(accounts.Consumer, "Wil Withdraw")       // withdraws on day 14
		laat := e.org(accounts.Consumer, "Lotte Laat")        // withdraws on day 15
		dom := e.org(accounts.Consumer, "Dirk Domein")        // domain with waiver
		studio := e.org(accounts.Business, "Studio Vijf BV")  // 5online: objects to new terms

		webStart := e.plan("cloudprovider", "webhosting", "start")
		webPro := e.plan("cloudprovider", "webhosting", "pro")
		mailBasic := e.plan("cloudprovider", "email", "basic")
		vpsS := e.plan("cloudprovider", "vps", "s")
		backupS := e.plan("cloudprovider", "vps-backup", "s")
		nl := e.plan("cloudprovider", "domains", "nl")
		foHosting := e.plan("5online", "hosting", "basic")

		// Day 0, 2026-01-05: the checkout a consumer sees, then the orders.
		co, err := cp.Checkout(e.ctx, jan, CheckoutInput{OrgID: jan.User.OrgID, Lines: []OrderLine{{PlanID: webStart.ID, Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		if co.Totals.TotalExcl != terms.Money(395*12) || co.Totals.VAT[0].Rate != terms.Percent(21) ||
			co.Totals.TotalIncl != co.Totals.TotalExcl+terms.VATAmount(co.Totals.TotalExcl, terms.Percent(21)) {
			t.Fatalf("checkout totals: %+v", co.Totals)
		}
		if co.Withdrawal == nil || co.Withdrawal.LastDay != d("2026-01-19") || co.FirstRenewal != d("2027-01-05") || co.CancelDeadline != d("2026-12-05") {
			t.Fatalf("checkout terms: withdrawal %+v renewal %s deadline %s", co.Withdrawal, co.FirstRenewal, co.CancelDeadline)
		}
		if !strings.Contains(co.TermText, "cp.av.13.1") {
			t.Fatalf("term text cites no clause: %s", co.TermText)
		}
		bco, err := cp.Checkout(e.ctx, bakker, CheckoutInput{OrgID: bakker.User.OrgID, Lines: []OrderLine{{PlanID: vpsS.ID, Quantity: 1}}})
		if err != nil || bco.Withdrawal != nil {
			t.Fatalf("business checkout offers withdrawal: %+v %v", bco.Withdrawal, err)
		}

		cJan := e.order(cp, jan, true, OrderLine{PlanID: webStart.ID, Quantity: 1, Domain: "devries.nl"})
		cBak := e.order(cp, bakker, false, OrderLine{PlanID: vpsS.ID, Quantity: 1}, OrderLine{PlanID: backupS.ID, Quantity: 1})
		cWil := e.order(cp, wil, true, OrderLine{PlanID: webPro.ID, Quantity: 1})
		cLaat := e.order(cp, laat, true, OrderLine{PlanID: mailBasic.ID, Quantity: 1})
		cDom := e.order(cp, dom, false, OrderLine{PlanID: nl.ID, Quantity: 1, Domain: "dirkdomein.nl", WaiveWithdrawal: true})
		cStu := e.order(fo, studio, false, OrderLine{PlanID: foHosting.ID, Quantity: 1})
		for _, c := range []Contract{cJan, cBak, cWil, cLaat, cDom, cStu} {
			if c.ContentHash == "" || c.TermsVersion == "" || c.AcceptedIP != "192.0.2.1" || c.ConcludedOn != d("2026-01-05") {
				t.Fatalf("contract acceptance not recorded: %+v", c)
			}
			for _, s := range c.Subscriptions {
				if s.Status != SubActive || e.prov.count(e.prov.provisioned, s.ID) != 1 {
					t.Fatalf("subscription %d not provisioned once: %s", s.ID, s.Status)
				}
			}
		}
		if !cDom.Subscriptions[0].WithdrawalWaived {
			t.Fatal("domain waiver not recorded")
		}
		if n := e.count("mail_outbox", "subject LIKE '%overeenkomst%' OR subject LIKE '%agreement%'"); n != 6 {
			t.Fatalf("%d confirmation mails, want 6", n)
		}

		var janSub, bakVPS, bakBackup, laatSub, stuSub = cJan.Subscriptions[0].ID, cBak.Subscriptions[0].ID, cBak.Subscriptions[1].ID,
			cLaat.Subscriptions[0].ID, cStu.Subscriptions[0].ID
		var foVersion TermsVersion

		checked := map[string]bool{}
		check := func(day string, fn func()) {
			if e.clk.Now().Format("2006-01-02") == day {
				fn()
				checked[day] = true
			}
		}
		for day := d("2026-01-05"); !day.After(d("2028-01-05")); day = day.AddDays(1) {
			e.setDay(day)
			e.runJobs() // the morning run; the day's events follow

			// Day 5: a consumer who waived withdrawal for a domain cannot withdraw.
			check("2026-01-10", func() {
				w, err := cp.ConfirmWithdrawal(e.ctx, dom, cDom.ID)
				if err != nil {
					t.Fatal(err)
				}
				if w.Allowed || w.Status != "refused" || !strings.Contains(w.Items[0].Reason, "domain") {
					t.Fatalf("domain withdrawal: %+v", w)
				}
				if e.count("refund_due", "contract_id = $1", cDom.ID) != 0 || e.sub(cDom.Subscriptions[0].ID).Status != SubActive {
					t.Fatal("refused withdrawal changed the domain")
				}
			})
			// Day 14: the last day of the withdrawal period.
			check("2026-01-19", func() {
				pv, err := cp.PreviewWithdrawal(e.ctx, wil, cWil.ID, WithdrawalInput{})
				if err != nil || !pv.Allowed {
					t.Fatalf("preview day 14: %+v %v", pv, err)
				}
				// Billing invoiced the first month, 7.95 + 21% VAT = 9.62, and it was paid.
				e.ledger.set(cWil.Subscriptions[0].ID, Account{Invoiced: 962, Paid: 962, VATRate: terms.Percent(21)})
				w, err := cp.ConfirmWithdrawal(e.ctx, wil, cWil.ID)
				if err != nil {
					t.Fatal(err)
				}
				// The term's price is 12 × 7.95 = 95.40 + VAT = 115.43; 15 days of 365 used
				// (start day and day of receipt): the deduction is 4.74, the refund what was
				// paid less it, never the price of the term.
				ded := terms.RoundCents(new(big.Rat).SetFrac64(11543*15, 365))
				if !w.Allowed || ded != 474 || w.Refund != 962-ded || w.Unpaid != 0 || w.RefundBy != d("2026-02-02") {
					t.Fatalf("withdrawal day 14: %+v (deduction %s)", w, ded)
				}
				var amount terms.Money
				var due terms.Date
				if err := e.db.QueryRowContext(e.ctx, `SELECT amount, due_by FROM refund_due WHERE contract_id = $1`, cWil.ID).Scan(&amount, &due); err != nil {
					t.Fatal(err)
				}
				if amount != w.Refund || due != w.RefundBy {
					t.Fatalf("refund_due %s by %s", amount, due)
				}
				s := e.sub(cWil.Subscriptions[0].ID)
				if s.Status != SubEnded || e.prov.count(e.prov.deprovisioned, s.ID) != 1 || e.count("deletion_schedule", "subscription_id = $1", s.ID) != 1 {
					t.Fatalf("withdrawn service not ended: %+v", s)
				}
				if e.count("mail_outbox", "subject LIKE '%herroeping%'") < 1 {
					t.Fatal("no withdrawal confirmation")
				}
				if _, err := cp.ConfirmWithdrawal(e.ctx, wil, cWil.ID); err == nil {
					t.Fatal("withdrew twice")
				}
			})
			// Day 15: too late.
			check("2026-01-20", func() {
				w, err := cp.ConfirmWithdrawal(e.ctx, laat, cLaat.ID)
				if err != nil {
					t.Fatal(err)
				}
				if w.Allowed || !strings.Contains(w.Items[0].Reason, "2026-01-19") || e.sub(laatSub).Status != SubActive {
					t.Fatalf("withdrawal day 15: %+v", w)
				}
			})
			// 5online: new terms announced; one too early, then a valid one.
			check("2026-06-01", func() {
				_, err := fo.PublishTermsVersion(e.ctx, e.sales, TermsVersionInput{Version: "5online-2", Effective: d("2026-06-15"), Summary: "new SLA wording"})
				fieldErr(t, err, "effective")
				foVersion, err = fo.PublishTermsVersion(e.ctx, e.sales, TermsVersionInput{Version: "5online-2", Effective: d("2026-07-01"), Summary: "new SLA wording"})
				if err != nil {
					t.Fatal(err)
				}
				if foVersion.ObjectionBy != d("2026-06-15") || e.count("mail_outbox", "org_id = $1 AND subject LIKE '%New terms%'", studio.User.OrgID) != 1 {
					t.Fatalf("terms version: %+v", foVersion)
				}
				if e.count("mail_outbox", "org_id = $1 AND subject LIKE '%New terms%' AND body_text LIKE '%Changed terms apply to running contracts%' AND body_text LIKE '%(article %'", studio.User.OrgID) != 1 {
					t.Fatal("terms change mail does not explain in plain sentences")
				}
				// Without an objection on file the customer cannot end the contract for it.
				_, err = fo.ConfirmCancellation(e.ctx, studio, stuSub, CancelInput{Basis: BasisTermsChange, BasisID: foVersion.ID})
				fieldErr(t, err, "basis")
			})
			check("2026-06-10", func() {
				fieldErr(t, fo.ObjectToTermsChange(e.ctx, studio, foVersion.ID, studio.User.OrgID, ""), "reason")
				if err := fo.ObjectToTermsChange(e.ctx, studio, foVersion.ID, studio.User.OrgID, "The new wording removes our right to a test environment."); err != nil {
					t.Fatal(err)
				}
				pv, err := fo.PreviewCancellation(e.ctx, studio, stuSub, CancelInput{Basis: BasisTermsChange, BasisID: foVersion.ID})
				if err != nil || pv.EndsOn != d("2026-07-01") || !strings.Contains(pv.Text, "fo.av.22.3") {
					t.Fatalf("preview: %+v %v", pv, err)
				}
				c, err := fo.ConfirmCancellation(e.ctx, studio, stuSub, CancelInput{Basis: BasisTermsChange, BasisID: foVersion.ID, ExpectEndsOn: pv.EndsOn})
				if err != nil || c.EndsOn != d("2026-07-01") {
					t.Fatalf("cancel after objection: %+v %v", c, err)
				}
				if v, _ := fo.CurrentTermsVersion(e.ctx); v != "5online-1" {
					t.Fatalf("current version before effective date: %s", v)
				}
			})
			check("2026-06-30", func() {
				if e.sub(stuSub).Status != SubActive {
					t.Fatal("5online service ended early")
				}
			})
			check("2026-07-01", func() {
				if v, _ := fo.CurrentTermsVersion(e.ctx); v != "5online-2" {
					t.Fatalf("current version on effective date: %s", v)
				}
			})
			// The business cancels its VPS by letter, after the deadline of 2026-11-05.
			check("2026-11-20", func() {
				c, err := cp.RecordCancellation(e.ctx, e.support, bakVPS, CancelInput{Channel: ChannelLetter, ReceivedAt: e.clk.Now().Add(-2 * 3600e9)})
				if err != nil {
					t.Fatal(err)
				}
				if c.EndsOn != d("2028-01-05") || c.Deadline != d("2027-11-05") || !strings.Contains(c.Text, "cp.av.13.3") {
					t.Fatalf("late business cancellation: %+v", c)
				}
			})
			check("2027-01-05", func() {
				for _, id := range []int64{janSub, bakVPS, bakBackup, laatSub} {
					s := e.sub(id)
					if s.TermNo != 2 || s.TermEnd != d("2028-01-05") || e.count("renewals", "subscription_id = $1 AND term_no = 2", id) != 1 {
						t.Fatalf("subscription %d not renewed: %+v", id, s)
					}
				}
				if n, err := cp.RenewDue(e.ctx, e.clk.Now()); err != nil || n != 0 {
					t.Fatalf("second renewal run renewed %d: %v", n, err)
				}
				if e.count("renewals", "subscription_id = $1", cDom.Subscriptions[0].ID) != 1 {
					t.Fatal("domain not renewed")
				}
			})
			// After renewal the consumer cancels: it ends one month after receipt.
			check("2027-02-10", func() {
				pv, err := cp.PreviewCancellation(e.ctx, jan, janSub, CancelInput{})
				if err != nil || pv.EndsOn != d("2027-03-10") || !strings.Contains(pv.Text, "cp.av.13.2") {
					t.Fatalf("preview after renewal: %+v %v", pv, err)
				}
				ro := subUser(jan, accounts.PermReadOnly)
				if _, err := cp.ConfirmCancellation(e.ctx, ro, janSub, CancelInput{}); err != accounts.ErrForbidden {
					t.Fatalf("read-only user cancelled: %v", err)
				}
				c, err := cp.ConfirmCancellation(e.ctx, jan, janSub, CancelInput{ExpectEndsOn: pv.EndsOn})
				if err != nil || c.EndsOn != d("2027-03-10") || c.Channel != ChannelPortal {
					t.Fatalf("cancel: %+v %v", c, err)
				}
				if e.count("mail_outbox", "org_id = $1 AND body_text LIKE '%10 maart 2027%'", jan.User.OrgID) != 1 {
					t.Fatal("confirmation does not state the end date")
				}
			})
			// A price increase announced too late is refused; a timely one notifies.
			check("2027-03-01", func() {
				_, err := cp.SchedulePriceIncrease(e.ctx, e.sales, PriceIncreaseInput{PlanID: mailBasic.ID, NewPrice: 225, Effective: d("2027-04-01")})
				fieldErr(t, err, "effective")
				if e.count("price_increases", "") != 0 {
					t.Fatal("refused increase saved")
				}
				pi, err := cp.SchedulePriceIncrease(e.ctx, e.sales, PriceIncreaseInput{PlanID: mailBasic.ID, NewPrice: 225, Effective: d("2027-05-01")})
				if err != nil || len(pi.Items) != 1 || !pi.Items[0].Allowed {
					t.Fatalf("price increase: %+v %v", pi, err)
				}
				if e.count("mail_outbox", "org_id = $1 AND subject LIKE '%Prijswijziging%' AND body_text LIKE '%opzegtermijn van 1 maand.%' AND body_text LIKE '%excl. btw per maand.%'", laat.User.OrgID) != 1 {
					t.Fatal("price increase not notified with the right to cancel")
				}
				// The explanation in the mail reads in the customer's language, with the
				// clauses named, not the English calculator trace.
				if e.count("mail_outbox", "org_id = $1 AND subject LIKE '%Prijswijziging%' AND body_text LIKE '%mag je opzeggen met een termijn van 1 maand%' AND body_text LIKE '%van de voorwaarden)%' AND body_text NOT LIKE '%reading:%'", laat.User.OrgID) != 1 {
					t.Fatal("price increase mail does not explain in Dutch")
				}
				pv, err := cp.PreviewCancellation(e.ctx, laat, laatSub, CancelInput{Basis: BasisPriceIncrease, BasisID: pi.ID})
				if err != nil || pv.EndsOn != d("2027-04-01") {
					t.Fatalf("cancellation offered after increase: %+v %v", pv, err)
				}
			})
			check("2027-03-09", func() {
				if e.sub(janSub).Status != SubActive {
					t.Fatal("ended a day early")
				}
			})
			check("2027-03-10", func() {
				s := e.sub(janSub)
				if s.Status != SubEnded || s.EndedOn != d("2027-03-10") || e.prov.count(e.prov.deprovisioned, janSub) != 1 {
					t.Fatalf("consumer service not ended: %+v", s)
				}
				var after terms.Date
				var cat string
				if err := e.db.QueryRowContext(e.ctx, `SELECT category, delete_after FROM deletion_schedule WHERE subscription_id = $1`, janSub).Scan(&cat, &after); err != nil {
					t.Fatal(err)
				}
				if cat != "hosting-data" || after != d("2027-04-10") || e.count("overpayment_checks", "subscription_id = $1", janSub) != 1 {
					t.Fatalf("deletion %s after %s", cat, after)
				}
				c, _ := cp.GetContract(e.ctx, jan, cJan.ID)
				if c.Status != ContractEnded {
					t.Fatalf("contract %s", c.Status)
				}
			})
			check("2027-05-01", func() {
				if s := e.sub(laatSub); s.Price != 225 {
					t.Fatalf("increase not applied: %s", s.Price)
				}
			})
			check("2028-01-04", func() {
				if e.sub(bakVPS).Status != SubActive {
					t.Fatal("VPS ended early")
				}
			})
		}
		for _, day := range []string{"2026-01-10", "2026-01-19", "2026-01-20", "2026-06-01", "2026-06-10", "2026-07-01", "2026-11-20", "2027-01-05", "2027-02-10", "2027-03-01", "2027-03-10", "2027-05-01", "2028-01-04"} {
			if !checked[day] {
				t.Errorf("scenario step %s never ran", day)
			}
		}
		// 2028-01-05: the business's VPS ran the extra year and ended; its backup renewed.
		if s := e.sub(bakVPS); s.Status != SubEnded || s.EndedOn != d("2028-01-05") || e.count("renewals", "subscription_id = $1", bakVPS) != 1 {
			t.Fatalf("business VPS: %+v", s)
		}
		if s := e.sub(bakBackup); s.Status != SubActive || s.TermNo != 3 {
			t.Fatalf("business backup: %+v", s)
		}
		if s := e.sub(stuSub); s.Status != SubEnded || s.EndedOn != d("2026-07-01") {
			t.Fatalf("5online service: %+v", s)
		}
		if e.count("deletion_schedule", "subscription_id = $1 AND delete_after = '2026-07-01'", stuSub) != 1 {
			t.Fatal("5online data not scheduled for deletion at termination (fo.av.21.1)")
		}
		if e.count("overpayment_checks", "subscription_id = $1", stuSub) != 0 {
			t.Fatal("5online has no overpayment clause")
		}
		// Every decision stored its explanation.
		for _, table := range []string{"renewals", "cancellations", "withdrawals", "price_increases", "price_increase_items", "terms_versions", "deletion_schedule", "refund_due"} {
			if n := e.count(table, "explanation = '' OR explanation = '[]' OR explanation = 'null'"); n != 0 {
				t.Errorf("%d rows of %s without an explanation", n, table)
			}
		}
	})
}
