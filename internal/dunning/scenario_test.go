package dunning

import (
	"regexp"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/terms"
)

// A consumer of cloudprovider who pays only after the services were suspended.
func TestConsumerPaysAfterSuspension(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		o, sub := e.customer("cloudprovider", accounts.Consumer, "nl")
		inv := e.invoice(o, d("2026-01-15"), eur("121.00"))
		pol, _ := e.packs["cloudprovider"].At(inv.InvoiceDate)
		pay, _, err := pol.Payment(terms.PaymentInput{Customer: terms.Consumer, InvoiceDate: inv.InvoiceDate})
		if err != nil {
			t.Fatal(err)
		}
		// Hand-checked: due a month after the invoice date (a Sunday); the reminder on the
		// first werkdag after it; 14 days from the day after; default the day after that.
		eq(t, "due", pay.Due, d("2026-02-15"))
		eq(t, "reminder", pay.Reminder, d("2026-02-16"))
		eq(t, "pay by", pay.PayBy, d("2026-03-02"))
		eq(t, "default", pay.DefaultFrom, d("2026-03-03"))
		eq(t, "default = reminder + 15", pay.DefaultFrom, pay.Reminder.AddDays(15))
		eq(t, "interest from", pay.InterestFrom, d("2026-03-03"))
		cc, _, err := pol.CollectionCosts(terms.CollectionInput{Principal: inv.Open, Customer: terms.Consumer})
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "collection costs (minimum)", cc.Amount, eur("40.00"))

		e.setDay(d("2026-01-15"))
		e.runThrough("cloudprovider", d("2026-02-15"))
		eq(t, "steps through due date", e.stepNames(inv.ID), "")
		e.runThrough("cloudprovider", d("2026-02-16"))
		st := e.steps(inv.ID)
		eq(t, "overdue performed", st[StepOverdue].PerformedOn, d("2026-02-16"))
		eq(t, "reminder performed", st[StepReminder].PerformedOn, pay.Reminder)
		eq(t, "reminder pay-by", st[StepReminder].NextOn, pay.PayBy)
		eq(t, "reminder states costs", st[StepReminder].Amount, cc.Amount)
		m := e.dunningMails(o.ID)
		if len(m) != 1 || m[0].Lang != "nl" || !strings.Contains(m[0].Subject, "Herinnering") ||
			!strings.Contains(m[0].Text, "€ 40,00") || !strings.Contains(m[0].Text, "tot en met 2 maart 2026") ||
			strings.Contains(m[0].Text, "EUR") || isoDate.MatchString(m[0].Text) {
			t.Fatalf("reminder mail: %+v", m)
		}

		e.runThrough("cloudprovider", d("2026-03-02"))
		if e.steps(inv.ID)[StepDefault].ID != 0 {
			t.Fatal("in default before the reminder's period ended")
		}
		e.runThrough("cloudprovider", d("2026-03-03"))
		st = e.steps(inv.ID)
		eq(t, "default performed", st[StepDefault].PerformedOn, pay.DefaultFrom)
		eq(t, "default costs", st[StepDefault].Amount, cc.Amount)
		eq(t, "suspension announced", st[StepDefault].NextOn, d("2026-03-10"))
		if len(st[StepDefault].Explanation) == 0 || !strings.Contains(strings.Join(st[StepDefault].Explanation.Clauses(), ","), "cp.av.14.7") {
			t.Errorf("default explanation: %v", st[StepDefault].Explanation.Clauses())
		}
		if e.suspended(sub.ID) {
			t.Fatal("suspended before the warning period ended")
		}
		e.runThrough("cloudprovider", d("2026-03-10"))
		if !e.suspended(sub.ID) {
			t.Fatal("not suspended on 2026-03-10")
		}
		eq(t, "suspend hook", e.hooks.count("suspend", sub.ID), 1)
		eq(t, "termination announced", e.steps(inv.ID)[StepSuspend].NextOn, d("2026-04-10"))

		// Paid on 2026-03-20; billing does not call OnPaid: RunDue notices.
		e.inv.pay(inv.ID, d("2026-03-20"), inv.Open)
		e.runThrough("cloudprovider", d("2026-03-20"))
		if e.suspended(sub.ID) {
			t.Fatal("still suspended after payment")
		}
		eq(t, "resume hook", e.hooks.count("resume", sub.ID), 1)
		st = e.steps(inv.ID)
		interest, _, err := pol.Interest(terms.InterestInput{Customer: terms.Consumer, Principal: inv.Open, From: pay.InterestFrom, To: d("2026-03-20")})
		if err != nil {
			t.Fatal(err)
		}
		// Hand-checked: 17 days at 4% (consumer rate from 2026-01-01) on 121.00 = 0.2254 → 0.23.
		eq(t, "interest", interest.Amount, eur("0.23"))
		eq(t, "charged", st[StepCharge].Amount, interest.Amount+cc.Amount)
		ch := e.inv.chargesFor(o.ID)
		if len(ch) != 1 || len(ch[0].Lines) != 2 || ch[0].Lines[0].Kind != ChargeInterest || ch[0].Lines[0].Amount != interest.Amount ||
			ch[0].Lines[1].Kind != ChargeCollectionCosts || ch[0].Lines[1].Amount != cc.Amount || ch[0].ID != st[StepCharge].ChargeInvoiceID {
			t.Fatalf("charges: %+v", ch)
		}
		eq(t, "steps", e.stepNames(inv.ID), "overdue,reminder,default,suspend,unsuspend,charge,settled")
		eq(t, "mails", mailKeys(e.dunningMails(o.ID)), "reminder,default,suspend,unsuspend,charge")
		for _, m := range e.dunningMails(o.ID) {
			if m.Lang != "nl" || m.To != o.Email {
				t.Errorf("mail %s in %s to %s", m.Key, m.Lang, m.To)
			}
		}

		// Nothing more happens, however often the job runs.
		e.runThrough("cloudprovider", d("2026-05-01"))
		eq(t, "steps later", e.stepNames(inv.ID), "overdue,reminder,default,suspend,unsuspend,charge,settled")
		eq(t, "audit entries", e.count("audit_entries", "action LIKE 'dunning.%' AND object_id = $1", "5001"), 7)
		if err := e.dun["cloudprovider"].OnPaid(e.ctx, inv.ID); err != nil {
			t.Fatal(err)
		}
		eq(t, "charges after OnPaid again", len(e.inv.chargesFor(o.ID)), 1)
	})
}

// A business customer of cloudprovider who pays after the default, before the
// suspension; billing reports the payment with OnPaid.
func TestBusinessPaysLate(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		o, sub := e.customer("cloudprovider", accounts.Business, "en")
		inv := e.invoice(o, d("2026-01-15"), eur("1210.00"))
		pol, _ := e.packs["cloudprovider"].At(inv.InvoiceDate)
		pay, _, err := pol.Payment(terms.PaymentInput{Customer: terms.Business, InvoiceDate: inv.InvoiceDate})
		if err != nil {
			t.Fatal(err)
		}
		// Hand-checked: due 2026-02-15; default from due + 15 days; interest from due + 1.
		eq(t, "due", pay.Due, d("2026-02-15"))
		eq(t, "no reminder", pay.Reminder, terms.Date{})
		eq(t, "default", pay.DefaultFrom, d("2026-03-02"))
		eq(t, "interest from", pay.InterestFrom, d("2026-02-16"))
		cc, _, err := pol.CollectionCosts(terms.CollectionInput{Principal: inv.Open, Customer: terms.Business})
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "collection costs: 15% of 1210.00", cc.Amount, eur("181.50"))

		e.setDay(d("2026-01-15"))
		e.runThrough("cloudprovider", d("2026-03-04"))
		st := e.steps(inv.ID)
		eq(t, "overdue", st[StepOverdue].PerformedOn, d("2026-02-16"))
		eq(t, "default", st[StepDefault].PerformedOn, d("2026-03-02"))
		eq(t, "default costs", st[StepDefault].Amount, cc.Amount)
		eq(t, "suspension announced", st[StepDefault].NextOn, d("2026-03-09"))

		e.setDay(d("2026-03-05"))
		e.inv.pay(inv.ID, d("2026-03-05"), inv.Open)
		if err := e.dun["cloudprovider"].OnPaid(e.ctx, inv.ID); err != nil {
			t.Fatal(err)
		}
		interest, _, err := pol.Interest(terms.InterestInput{Customer: terms.Business, Principal: inv.Open, From: pay.InterestFrom, To: d("2026-03-05")})
		if err != nil {
			t.Fatal(err)
		}
		// Hand-checked: 17 days at 10.15% on 1210.00 = 5.7202 → 5.72.
		eq(t, "interest", interest.Amount, eur("5.72"))
		st = e.steps(inv.ID)
		eq(t, "charged", st[StepCharge].Amount, eur("187.22"))
		ch := e.inv.chargesFor(o.ID)
		if len(ch) != 1 || ch[0].Lines[0].Amount != eur("5.72") || ch[0].Lines[1].Amount != eur("181.50") ||
			!strings.Contains(ch[0].Lines[0].Description, "Late-payment interest") {
			t.Fatalf("charges: %+v", ch)
		}
		e.runThrough("cloudprovider", d("2026-03-31"))
		if e.suspended(sub.ID) {
			t.Fatal("suspended although paid before the suspension date")
		}
		eq(t, "steps", e.stepNames(inv.ID), "overdue,default,charge,settled")
		ms := e.dunningMails(o.ID)
		eq(t, "mails", mailKeys(ms), "overdue,default,charge")
		for _, m := range ms {
			if m.Lang != "en" {
				t.Errorf("mail %s in %s", m.Key, m.Lang)
			}
		}
		if !strings.Contains(ms[1].Text, "suspension") && !strings.Contains(ms[1].Text, "out of use on 9 March 2026") {
			t.Errorf("default mail does not warn of the suspension:\n%s", ms[1].Text)
		}
		if !strings.Contains(ms[2].Text, "€187.22") {
			t.Errorf("charge mail:\n%s", ms[2].Text)
		}
	})
}

// A 5online customer: interest at 2% a month when that is higher than the statutory
// commercial rate; suspended, pays, unsuspended.
func TestFiveOnlineHigherOfAndUnsuspend(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		o, sub := e.customer("5online", accounts.Business, "nl")
		inv := e.invoice(o, d("2026-01-15"), eur("1000.00"))
		pol, _ := e.packs["5online"].At(inv.InvoiceDate)
		pay, _, err := pol.Payment(terms.PaymentInput{Customer: terms.Business, InvoiceDate: inv.InvoiceDate})
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "due", pay.Due, d("2026-01-29"))
		eq(t, "default", pay.DefaultFrom, d("2026-02-13"))
		eq(t, "interest from", pay.InterestFrom, d("2026-02-13"))

		e.setDay(d("2026-01-15"))
		e.runThrough("5online", d("2026-02-20"))
		st := e.steps(inv.ID)
		eq(t, "default", st[StepDefault].PerformedOn, d("2026-02-13"))
		eq(t, "suspended on", st[StepSuspend].PerformedOn, d("2026-02-20"))
		eq(t, "termination announced", st[StepSuspend].NextOn, d("2026-03-20"))
		if !e.suspended(sub.ID) {
			t.Fatal("not suspended")
		}
		if c := st[StepSuspend].Explanation.Clauses(); len(c) == 0 || c[0] != "fo.av.16.5.2" {
			t.Errorf("suspension clauses: %v", c)
		}

		e.setDay(d("2026-03-15"))
		e.inv.pay(inv.ID, d("2026-03-15"), inv.Open)
		if err := e.dun["5online"].OnPaid(e.ctx, inv.ID); err != nil {
			t.Fatal(err)
		}
		if e.suspended(sub.ID) {
			t.Fatal("still suspended after payment")
		}
		interest, _, err := pol.Interest(terms.InterestInput{Customer: terms.Business, Principal: inv.Open, From: pay.InterestFrom, To: d("2026-03-15")})
		if err != nil {
			t.Fatal(err)
		}
		// Hand-checked: 30 days; statutory 10.15% → 8.34; 2% a month = 24%/365 a day → 19.73.
		eq(t, "statutory", interest.Statutory, eur("8.34"))
		eq(t, "monthly", interest.Monthly, eur("19.73"))
		eq(t, "basis", interest.Basis, "monthly")
		eq(t, "interest", interest.Amount, eur("19.73"))
		cc, _, _ := pol.CollectionCosts(terms.CollectionInput{Principal: inv.Open, Customer: terms.Business})
		eq(t, "costs", cc.Amount, eur("150.00"))
		st = e.steps(inv.ID)
		eq(t, "charged", st[StepCharge].Amount, eur("169.73"))
		e.runThrough("5online", d("2026-03-25"))
		eq(t, "steps", e.stepNames(inv.ID), "overdue,default,suspend,unsuspend,charge,settled")
		eq(t, "mails", mailKeys(e.dunningMails(o.ID)), "overdue,default,suspend,unsuspend,charge")
		eq(t, "suspend hook", e.hooks.count("suspend", sub.ID), 1)
		eq(t, "resume hook", e.hooks.count("resume", sub.ID), 1)
		eq(t, "not terminated", e.hooks.count("deprovision", sub.ID), 0)
	})
}

// A 5online customer who keeps not paying: terminated a month after the suspension;
// paying later charges interest and costs but does not revive the agreement.
func TestTerminationOnContinuedDefault(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		o, sub := e.customer("5online", accounts.Business, "en")
		inv := e.invoice(o, d("2026-01-15"), eur("500.00"))
		e.setDay(d("2026-01-15"))
		e.runThrough("5online", d("2026-03-19"))
		if e.hooks.count("deprovision", sub.ID) != 0 {
			t.Fatal("terminated early")
		}
		e.runThrough("5online", d("2026-03-20"))
		st := e.steps(inv.ID)
		eq(t, "terminated on", st[StepTerminate].PerformedOn, d("2026-03-20"))
		if c := st[StepTerminate].Explanation.Clauses(); len(c) != 1 || c[0] != "fo.av.20.4" {
			t.Errorf("termination clauses: %v", c)
		}
		s, err := e.con["5online"].GetSubscription(e.ctx, accounts.Principal{User: accounts.User{ID: 9, Email: "admin@provider.test", Roles: []accounts.Role{accounts.RoleAdmin}}}, sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "status", s.Status, "ended")
		eq(t, "end reason", s.EndReason, "default")
		eq(t, "ended on", s.EndedOn, d("2026-03-20"))
		eq(t, "deprovisioned", e.hooks.count("deprovision", sub.ID), 1)

		e.setDay(d("2026-04-01"))
		e.inv.pay(inv.ID, d("2026-04-01"), inv.Open)
		e.runThrough("5online", d("2026-04-05"))
		eq(t, "steps", e.stepNames(inv.ID), "overdue,default,suspend,terminate,charge,settled")
		eq(t, "mails", mailKeys(e.dunningMails(o.ID)), "overdue,default,suspend,terminate,charge")
		eq(t, "resume hook", e.hooks.count("resume", sub.ID), 0)
	})
}

// When the job did not run on the reminder day, the reminder still gives its full 14
// days from the day it is sent, and the default moves with it.
func TestLateReminderMovesDefault(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		o, _ := e.customer("cloudprovider", accounts.Consumer, "en")
		inv := e.invoice(o, d("2026-01-15"), eur("121.00"))
		e.setDay(d("2026-02-20"))
		e.runThrough("cloudprovider", d("2026-02-20"))
		st := e.steps(inv.ID)
		eq(t, "reminder planned", st[StepReminder].DueOn, d("2026-02-16"))
		eq(t, "reminder sent", st[StepReminder].PerformedOn, d("2026-02-20"))
		eq(t, "pay by", st[StepReminder].NextOn, d("2026-03-06"))
		e.runThrough("cloudprovider", d("2026-03-06"))
		if e.steps(inv.ID)[StepDefault].ID != 0 {
			t.Fatal("in default within the reminder's period")
		}
		e.runThrough("cloudprovider", d("2026-03-07"))
		eq(t, "default", e.steps(inv.ID)[StepDefault].DueOn, d("2026-03-07"))
		e.inv.pay(inv.ID, d("2026-03-08"), inv.Open)
		e.runThrough("cloudprovider", d("2026-03-08"))
		pol, _ := e.packs["cloudprovider"].At(inv.InvoiceDate)
		i, _, _ := pol.Interest(terms.InterestInput{Customer: terms.Consumer, Principal: inv.Open, From: d("2026-03-07"), To: d("2026-03-08")})
		eq(t, "charge: one day of interest and the costs", e.steps(inv.ID)[StepCharge].Amount, i.Amount+eur("40.00"))
		if m := e.dunningMails(o.ID); len(m) == 0 || m[0].Lang != "en" || !strings.Contains(m[0].Text, "until and including 6 March 2026") {
			t.Fatalf("reminder mail: %+v", m)
		}
	})
}

// TestReminderFourteenthDayOnSunday: a consumer's reminder that went out late, on a
// Sunday, gives 14 days whose last day is a Sunday: the last day to pay moves to
// Monday (art. 1 Algemene termijnenwet), the default to Tuesday, and the step's
// explanation shows both days.
func TestReminderFourteenthDayOnSunday(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		o, _ := e.customer("cloudprovider", accounts.Consumer, "nl")
		inv := e.invoice(o, d("2026-01-26"), eur("60.50"))
		pol, _ := e.packs["cloudprovider"].At(inv.InvoiceDate)
		pay, _, err := pol.Payment(terms.PaymentInput{Customer: terms.Consumer, InvoiceDate: inv.InvoiceDate})
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "planned reminder", pay.Reminder, d("2026-02-27"))
		// Nothing ran from Friday until Sunday 1 March.
		e.setDay(d("2026-03-01"))
		e.runThrough("cloudprovider", d("2026-03-01"))
		st := e.steps(inv.ID)[StepReminder]
		eq(t, "reminder sent", st.PerformedOn, d("2026-03-01"))
		eq(t, "last day to pay", st.NextOn, d("2026-03-16"))
		text := st.Explanation.Text()
		if !strings.Contains(text, "2026-03-15 (Sunday)") || !strings.Contains(text, "next werkdag, 2026-03-16") {
			t.Errorf("explanation lacks both days:\n%s", text)
		}
		if m := e.dunningMails(o.ID); len(m) != 1 || !strings.Contains(m[0].Text, "tot en met 16 maart 2026") {
			t.Errorf("reminder mail: %+v", m)
		}
		// Every step is keyed, and the letter explains in the customer's Dutch.
		for _, s := range st.Explanation {
			if s.Key == "" || !terms.HasExplainMessage(s.Key) || strings.Contains(s.Text("nl"), terms.MissingArg) {
				t.Errorf("reminder step without a catalogued sentence: %+v", s)
			}
		}
		if m := e.dunningMails(o.ID); len(m) != 1 || !strings.Contains(m[0].Text, "De herinnering ging later uit dan gepland (27 februari 2026)") ||
			!strings.Contains(m[0].Text, "16 maart 2026") || strings.Contains(m[0].Text, "reading:") {
			t.Errorf("reminder mail does not explain in Dutch: %+v", m)
		}
		e.runThrough("cloudprovider", d("2026-03-16"))
		if e.steps(inv.ID)[StepDefault].ID != 0 {
			t.Fatal("in default on the moved last day")
		}
		e.runThrough("cloudprovider", d("2026-03-17"))
		eq(t, "default", e.steps(inv.ID)[StepDefault].PerformedOn, d("2026-03-17"))
	})
}

// TestStatedDueDatePrevails: an invoice that states its own due date is overdue, and a
// business in default, counted from that date, not from the payment term.
func TestStatedDueDatePrevails(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		o, _ := e.customer("cloudprovider", accounts.Business, "en")
		inv := e.inv.add(OpenInvoice{OrgID: o.ID, CustomerKind: terms.Business, Email: o.Email, Lang: "en",
			InvoiceDate: d("2026-01-15"), DueDate: d("2026-01-29"), Open: eur("121.00")})
		e.setDay(d("2026-01-15"))
		e.runThrough("cloudprovider", d("2026-01-29"))
		eq(t, "steps through the stated due date", e.stepNames(inv.ID), "")
		e.runThrough("cloudprovider", d("2026-01-30"))
		st := e.steps(inv.ID)[StepOverdue]
		eq(t, "overdue the day after the stated due date", st.PerformedOn, d("2026-01-30"))
		if !strings.Contains(st.Explanation.Text(), "states its own due date") {
			t.Errorf("explanation:\n%s", st.Explanation.Text())
		}
		e.runThrough("cloudprovider", d("2026-02-13"))
		eq(t, "default 15 days after the stated due date", e.steps(inv.ID)[StepDefault].PerformedOn, d("2026-02-13"))
	})
}

// isoDate finds a machine date (2026-03-02) in a letter, which should say "2 maart 2026".
var isoDate = regexp.MustCompile(`\b20\d\d-\d\d-\d\d\b`)
