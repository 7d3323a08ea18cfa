package app_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/app"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/config"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/dunning"
	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/payments"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

// These scenarios drive the real services together — contracts → billing → dunning →
// payments — through the job runner on a fake clock, day by day, as a running
// hostpact would, and check every date and amount against what package terms computes
// for the invoice.

const testPassword = "Scenario-2026-test!"

// env is one hostpact on a fresh database of one engine.
type env struct {
	t      *testing.T
	ctx    context.Context
	db     *store.DB
	clk    *clock.Fake
	a      *app.App
	runner *jobs.Runner
	staff  accounts.Principal
	stmts  int
}

// testKeys is the secret key of every app in this test process: the audit chain key is
// process-wide (audit.UseKeys), as it is in a running hostpact.
var testKeys = secrets.Ephemeral()

// lightHash keeps password hashing cheap in tests: at the default cost one hash takes
// many seconds under the race detector. Signing in reads the cost from the stored hash.
var lightHash = config.PasswordHashCost{MemoryKiB: 64, Passes: 1, Threads: 1}

// start: 15 January 2026, 10:00 in Amsterdam.
var start = time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)

func each(t *testing.T, fn func(t *testing.T, e *env)) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := audit.WithActor(context.Background(), audit.System("scenario"))
		clk := clock.NewFake(start)
		cfg, err := config.Load("", nil)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Keys = testKeys
		cfg.PasswordHashCost = lightHash
		cfg.Provider = config.Provider{VATID: config.DemoVATID, IBAN: config.DemoIBAN, BIC: config.DemoBIC, SEPACreditorID: config.DemoSEPACreditorID}
		pack, err := app.LoadPack(cfg)
		if err != nil {
			t.Fatal(err)
		}
		a, err := app.Build(cfg, pack, db, nil, clk)
		if err != nil {
			t.Fatal(err)
		}
		if err := catalog.SeedDemo(ctx, a.Catalog, pack.Name); err != nil {
			t.Fatal(err)
		}
		admin, err := a.Accounts.CreateUserCLI(ctx, accounts.UserInput{Email: "admin@provider.test", Name: "Admin", Language: "nl",
			Password: testPassword, Roles: []accounts.Role{accounts.RoleAdmin}})
		if err != nil {
			t.Fatal(err)
		}
		e := &env{t: t, ctx: ctx, db: db, clk: clk, a: a, runner: a.Runner(), staff: accounts.Principal{User: admin}}
		fn(t, e)
		if _, problems, err := audit.Verify(ctx, db); err != nil || len(problems) > 0 {
			t.Fatalf("audit trail: %v %v", err, problems)
		}
		if _, problems, err := a.Billing.Verify(ctx); err != nil || len(problems) > 0 {
			t.Fatalf("billing verify: %v %v", err, problems)
		}
	}, app.Schemas()...)
}

// customer creates an organisation and orders plans ("product/plan") for it; it
// returns the organisation and the contract's first subscription.
func (e *env) customer(kind accounts.OrgKind, name string, plans ...string) (accounts.Organisation, int64) {
	e.t.Helper()
	slug := strings.ToLower(strings.Fields(name)[0])
	in := accounts.OrganisationInput{Kind: kind, LegalName: name, ContactName: name, Email: "billing@" + slug + ".test", Language: "nl",
		PostalAddress: accounts.Address{Street: "Oudegracht 12", PostalCode: "3511 AP", City: "Utrecht", Country: "NL"}}
	if kind == accounts.Business {
		in.KvK, in.VATID = "30123456", "NL123456782B01"
	}
	org, err := e.a.Accounts.CreateOrganisation(e.ctx, e.staff, in, &accounts.UserInput{Email: "admin@" + slug + ".test", Name: name,
		Language: "nl", Password: testPassword})
	if err != nil {
		e.t.Fatal(err)
	}
	var lines []contracts.OrderLine
	for _, p := range plans {
		product, code, _ := strings.Cut(p, "/")
		plan, err := e.a.Catalog.PlanByCode(e.ctx, e.a.Pack.Name, product, code)
		if err != nil {
			e.t.Fatal(err)
		}
		lines = append(lines, contracts.OrderLine{PlanID: plan.ID, Quantity: 1, Domain: slug + ".nl"})
	}
	v, err := e.a.Contracts.CurrentTermsVersion(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	c, err := e.a.Contracts.PlaceOrder(e.ctx, e.staff, contracts.OrderInput{OrgID: org.ID, Lines: lines, TermsVersion: v, AcceptTerms: true,
		ExpressStart: kind == accounts.Consumer, IdempotencyKey: "scenario-" + slug})
	if err != nil {
		e.t.Fatalf("order: %v", err)
	}
	return org, c.Subscriptions[0].ID
}

func (e *env) today() terms.Date { return terms.DateIn(e.clk.Now(), clock.Amsterdam) }

// runThrough runs the job runner (billing, dunning, contracts, mail…) on every day from
// the day after the clock's day up to and including to, at 10:00 Amsterdam time —
// or from today, when today's jobs have not run yet (first call).
func (e *env) runThrough(to terms.Date) {
	e.t.Helper()
	for d := e.today(); !d.After(to); d = d.AddDays(1) {
		e.clk.Set(time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, time.UTC))
		if _, err := e.runner.RunDue(e.ctx); err != nil {
			e.t.Fatalf("jobs on %s: %v", d, err)
		}
	}
}

// nextDay moves the clock to the next day and runs the jobs through to.
func (e *env) nextDay(to terms.Date) {
	e.t.Helper()
	e.clk.Advance(24 * time.Hour)
	e.runThrough(to)
}

// firstInvoice is the organisation's first invoice.
func (e *env) firstInvoice(orgID int64) billing.Invoice {
	e.t.Helper()
	list, _, err := e.a.Billing.ListInvoices(e.ctx, e.staff, billing.InvoiceFilter{OrgID: orgID, DocType: billing.DocInvoice}, billing.Page{Limit: 200})
	if err != nil || len(list) == 0 {
		e.t.Fatalf("invoices of %d: %v %d", orgID, err, len(list))
	}
	inv, err := e.a.Billing.GetInvoice(e.ctx, e.staff, list[len(list)-1].ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return inv
}

func (e *env) steps(invoiceID int64) map[string]dunning.Step {
	e.t.Helper()
	list, err := e.a.Dunning.Steps(e.ctx, e.staff, invoiceID)
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]dunning.Step{}
	for _, s := range list {
		out[s.Step] = s
	}
	return out
}

func (e *env) stepNames(invoiceID int64) string {
	e.t.Helper()
	list, err := e.a.Dunning.Steps(e.ctx, e.staff, invoiceID)
	if err != nil {
		e.t.Fatal(err)
	}
	var names []string
	for _, s := range list {
		names = append(names, s.Step)
	}
	return strings.Join(names, ",")
}

func (e *env) count(sqlText string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRowContext(e.ctx, sqlText, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", sqlText, err)
	}
	return n
}

// mails returns the bodies of the mails with this dedupe key.
func (e *env) mails(key string) []string {
	e.t.Helper()
	rows, err := e.db.QueryContext(e.ctx, `SELECT body_text FROM mail_outbox WHERE dedupe_key = $1`, key)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// camt053 is a bank statement of the provider's account with one credit transfer
// carrying a structured payment reference.
func camt053(id string, on terms.Date, amount terms.Money, reference, debtor string) string {
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG-%[1]s</MsgId><CreDtTm>%[2]sT06:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>%[1]s</Id>
      <CreDtTm>%[2]sT06:00:00</CreDtTm>
      <Acct><Id><IBAN>%[3]s</IBAN></Id><Ccy>EUR</Ccy></Acct>
      <Ntry>
        <Amt Ccy="EUR">%[4]s</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>%[2]s</Dt></BookgDt>
        <ValDt><Dt>%[2]s</Dt></ValDt>
        <AcctSvcrRef>REF-%[1]s</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls>
          <TxDtls>
            <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
            <RltdPties>
              <Dbtr><Nm>%[6]s</Nm></Dbtr>
              <DbtrAcct><Id><IBAN>NL22SNSB0912345678</IBAN></Id></DbtrAcct>
            </RltdPties>
            <RmtInf>
              <Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>ISO</Issr></Tp><Ref>%[5]s</Ref></CdtrRefInf></Strd>
            </RmtInf>
          </TxDtls>
        </NtryDtls>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
`, id, on, config.DemoIBAN, amount, reference, debtor)
}

// pay imports a statement paying amount on the day on (today) by the invoice's
// structured reference.
func (e *env) pay(inv billing.Invoice, amount terms.Money) payments.ImportResult {
	e.t.Helper()
	e.stmts++
	id := fmt.Sprintf("STMT-%s-%d", e.today(), e.stmts)
	res, err := e.a.Payments.ImportCAMT053(e.ctx, e.staff, id+".xml", strings.NewReader(camt053(id, e.today(), amount, inv.Reference, inv.Customer.Name)))
	if err != nil {
		e.t.Fatalf("import: %v", err)
	}
	if res.Matched != 1 {
		e.t.Fatalf("statement not matched: %+v", res)
	}
	return res
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// checkCharge checks the charge invoice dunning issued: interest and collection costs,
// outside the scope of VAT.
func (e *env) checkCharge(st dunning.Step, interest, costs terms.Money) {
	e.t.Helper()
	if st.ChargeInvoiceID == 0 {
		e.t.Fatal("no charge invoice")
	}
	ch, err := e.a.Billing.GetInvoice(e.ctx, e.staff, st.ChargeInvoiceID)
	if err != nil {
		e.t.Fatal(err)
	}
	eq(e.t, "charge total", ch.TotalIncl, interest+costs)
	eq(e.t, "charge VAT", ch.VAT, 0)
	var gotInterest, gotCosts terms.Money
	for _, l := range ch.Lines {
		eq(e.t, "charge line VAT category", l.VATCategory, billing.VATNone)
		if strings.Contains(l.Description, "ncasso") || strings.Contains(l.Description, "ollection") {
			gotCosts += l.Amount
		} else {
			gotInterest += l.Amount
		}
	}
	eq(e.t, "charged interest", gotInterest, interest)
	eq(e.t, "charged collection costs", gotCosts, costs)
}

func d(s string) terms.Date {
	v, err := terms.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

// A consumer of cloudprovider who pays after the default, before the suspension.
func TestScenarioConsumerPaysLate(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		org, sub := e.customer(accounts.Consumer, "Jan de Vries", "webhosting/business", "email/plus", "domains/nl")
		e.runThrough(e.today())
		inv := e.firstInvoice(org.ID)
		eq(t, "invoice date", inv.IssueDate, d("2026-01-15"))
		pol, err := e.a.Pack.At(inv.IssueDate)
		if err != nil {
			t.Fatal(err)
		}
		pay, _, err := pol.Payment(terms.PaymentInput{Customer: terms.Consumer, InvoiceDate: inv.IssueDate})
		if err != nil {
			t.Fatal(err)
		}
		cc, _, err := pol.CollectionCosts(terms.CollectionInput{Principal: inv.AmountDue, Customer: terms.Consumer})
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "due date on the invoice", inv.DueDate, pay.Due)

		e.nextDay(pay.Reminder.AddDays(-1))
		if n := e.stepNames(inv.ID); n != "" {
			t.Fatalf("steps before the reminder date: %s", n)
		}
		e.nextDay(pay.Reminder)
		st := e.steps(inv.ID)
		eq(t, "reminder sent on", st[dunning.StepReminder].PerformedOn, pay.Reminder)
		eq(t, "reminder pay-by", st[dunning.StepReminder].NextOn, pay.PayBy)
		eq(t, "reminder states costs", st[dunning.StepReminder].Amount, cc.Amount)

		e.nextDay(pay.DefaultFrom.AddDays(-1))
		if _, ok := e.steps(inv.ID)[dunning.StepDefault]; ok {
			t.Fatal("in default before the reminder's period ended")
		}
		e.nextDay(pay.DefaultFrom.AddDays(5))
		st = e.steps(inv.ID)
		eq(t, "default on", st[dunning.StepDefault].PerformedOn, pay.DefaultFrom)
		eq(t, "default collection costs", st[dunning.StepDefault].Amount, cc.Amount)

		paidOn := e.today()
		e.pay(inv, inv.AmountDue)
		// The runner settles the payment within a minute, before the hourly dunning run.
		e.clk.Advance(time.Minute)
		if _, err := e.runner.RunDue(e.ctx); err != nil {
			t.Fatal(err)
		}
		st = e.steps(inv.ID)
		if _, ok := st[dunning.StepSettled]; !ok {
			t.Fatalf("not settled by the dunning.paid job: %s", e.stepNames(inv.ID))
		}
		interest, _, err := pol.Interest(terms.InterestInput{Customer: terms.Consumer, Principal: inv.AmountDue, From: pay.InterestFrom, To: paidOn})
		if err != nil {
			t.Fatal(err)
		}
		if interest.Amount <= 0 {
			t.Fatalf("interest %s", interest.Amount)
		}
		eq(t, "charged", st[dunning.StepCharge].Amount, interest.Amount+cc.Amount)
		e.checkCharge(st[dunning.StepCharge], interest.Amount, cc.Amount)
		eq(t, "steps", e.stepNames(inv.ID), "overdue,reminder,default,charge,settled")

		e.runThrough(paidOn.AddDays(3))
		reminders := e.mails(fmt.Sprintf("dunning:%d:reminder", inv.ID))
		if len(reminders) != 1 || !strings.Contains(reminders[0], cc.Amount.In("nl")) {
			t.Fatalf("reminder mails: %q", reminders)
		}
		if s, err := e.a.Contracts.IsSuspended(e.ctx, sub); err != nil || s {
			t.Fatalf("suspended: %v %v", s, err)
		}
		eq(t, "steps later", e.stepNames(inv.ID), "overdue,reminder,default,charge,settled")
	})
}

// A business customer of cloudprovider who pays after the default.
func TestScenarioBusinessPaysLate(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		org, _ := e.customer(accounts.Business, "Bakkerij Jansen B.V.", "vps/m", "vps-backup/m", "email/plus")
		e.runThrough(e.today())
		inv := e.firstInvoice(org.ID)
		eq(t, "lines", len(inv.Lines), 3)
		pol, err := e.a.Pack.At(inv.IssueDate)
		if err != nil {
			t.Fatal(err)
		}
		pay, _, err := pol.Payment(terms.PaymentInput{Customer: terms.Business, InvoiceDate: inv.IssueDate})
		if err != nil {
			t.Fatal(err)
		}
		cc, _, err := pol.CollectionCosts(terms.CollectionInput{Principal: inv.AmountDue, Customer: terms.Business})
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "no reminder for a business", pay.Reminder, terms.Date{})

		e.nextDay(pay.DefaultFrom.AddDays(-1))
		st := e.steps(inv.ID)
		eq(t, "overdue on", st[dunning.StepOverdue].PerformedOn, pay.Due.AddDays(1))
		if _, ok := st[dunning.StepDefault]; ok {
			t.Fatal("in default too early")
		}
		e.nextDay(pay.DefaultFrom.AddDays(3))
		st = e.steps(inv.ID)
		eq(t, "default on", st[dunning.StepDefault].PerformedOn, pay.DefaultFrom)
		eq(t, "collection costs", st[dunning.StepDefault].Amount, cc.Amount)
		if _, ok := st[dunning.StepSuspend]; ok {
			t.Fatal("suspended before the warning ran out")
		}

		paidOn := e.today()
		e.pay(inv, inv.AmountDue)
		e.nextDay(paidOn.AddDays(1)) // the hourly dunning run settles it too
		st = e.steps(inv.ID)
		interest, _, err := pol.Interest(terms.InterestInput{Customer: terms.Business, Principal: inv.AmountDue, From: pay.InterestFrom, To: paidOn})
		if err != nil {
			t.Fatal(err)
		}
		// Commercial interest (art. 6:119a BW) runs from the day after the due date.
		eq(t, "interest from", pay.InterestFrom, pay.Due.AddDays(1))
		eq(t, "charged", st[dunning.StepCharge].Amount, interest.Amount+cc.Amount)
		e.checkCharge(st[dunning.StepCharge], interest.Amount, cc.Amount)
		eq(t, "steps", e.stepNames(inv.ID), "overdue,default,charge,settled")
	})
}

// A consumer who pays by bank transfer after the suspension is unsuspended; running
// everything again changes nothing.
func TestScenarioPaymentAfterSuspensionUnsuspends(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		org, sub := e.customer(accounts.Consumer, "Henk Pietersen", "webhosting/start")
		e.runThrough(e.today())
		inv := e.firstInvoice(org.ID)
		pol, err := e.a.Pack.At(inv.IssueDate)
		if err != nil {
			t.Fatal(err)
		}
		pay, _, err := pol.Payment(terms.PaymentInput{Customer: terms.Consumer, InvoiceDate: inv.IssueDate})
		if err != nil {
			t.Fatal(err)
		}
		e.nextDay(pay.DefaultFrom)
		suspendOn := e.steps(inv.ID)[dunning.StepDefault].NextOn
		if suspendOn.IsZero() {
			t.Fatal("the default notice announces no suspension")
		}
		e.nextDay(suspendOn.AddDays(-1))
		if s, _ := e.a.Contracts.IsSuspended(e.ctx, sub); s {
			t.Fatal("suspended before the announced day")
		}
		e.nextDay(suspendOn)
		if s, _ := e.a.Contracts.IsSuspended(e.ctx, sub); !s {
			t.Fatalf("not suspended on %s: %s", suspendOn, e.stepNames(inv.ID))
		}

		e.nextDay(suspendOn.AddDays(3))
		paidOn := e.today()
		open := e.firstInvoice(org.ID).State.Open
		e.pay(inv, open)
		e.clk.Advance(time.Minute)
		if _, err := e.runner.RunDue(e.ctx); err != nil {
			t.Fatal(err)
		}
		if s, err := e.a.Contracts.IsSuspended(e.ctx, sub); err != nil || s {
			t.Fatalf("still suspended after payment: %v %v (%s)", s, err, e.stepNames(inv.ID))
		}
		// A paid invoice is no longer open to payments: a second transfer goes to the queue.
		if _, err := app.LedgerOf(e.a).FindByPaymentReference(e.ctx, inv.Reference); !errors.Is(err, accounts.ErrNotFound) {
			t.Errorf("paid invoice by reference: %v, want not found", err)
		}
		if _, err := app.LedgerOf(e.a).FindByInvoiceNumber(e.ctx, inv.Number); !errors.Is(err, accounts.ErrNotFound) {
			t.Errorf("paid invoice by number: %v, want not found", err)
		}
		st := e.steps(inv.ID)
		eq(t, "unsuspended on", st[dunning.StepUnsuspend].PerformedOn, paidOn)
		eq(t, "steps", e.stepNames(inv.ID), "overdue,reminder,default,suspend,unsuspend,charge,settled")
		cc, _, _ := pol.CollectionCosts(terms.CollectionInput{Principal: inv.AmountDue, Customer: terms.Consumer})
		interest, _, err := pol.Interest(terms.InterestInput{Customer: terms.Consumer, Principal: inv.AmountDue, From: pay.InterestFrom, To: paidOn})
		if err != nil {
			t.Fatal(err)
		}
		e.checkCharge(st[dunning.StepCharge], interest.Amount, cc.Amount)
		e.runThrough(paidOn.AddDays(2))

		// Everything again, and the same statement imported twice: nothing changes.
		snapshot := func() string {
			var parts []string
			for _, table := range []string{"invoices", "payments", "dunning_steps", "mail_outbox", "suspension_holds", "bank_transactions", "account_credit"} {
				parts = append(parts, fmt.Sprintf("%s=%d", table, e.count(`SELECT COUNT(*) FROM `+table)))
			}
			return strings.Join(parts, " ")
		}
		before := snapshot()
		for range 2 {
			if _, err := e.a.Billing.RunBilling(e.ctx, e.clk.Now()); err != nil {
				t.Fatal(err)
			}
			if err := e.a.Dunning.RunDue(e.ctx, e.clk.Now()); err != nil {
				t.Fatal(err)
			}
			if err := e.a.Dunning.OnPaid(e.ctx, inv.ID); err != nil {
				t.Fatal(err)
			}
			if err := e.a.SettlePaid(e.ctx, e.clk.Now()); err != nil {
				t.Fatal(err)
			}
			if err := e.a.Contracts.RunDue(e.ctx, e.clk.Now()); err != nil {
				t.Fatal(err)
			}
			id := fmt.Sprintf("STMT-%s-%d", paidOn, 1)
			res, err := e.a.Payments.ImportCAMT053(e.ctx, e.staff, "again.xml", strings.NewReader(camt053(id, paidOn, open, inv.Reference, inv.Customer.Name)))
			if err != nil || res.Duplicates != 1 || res.Matched != 0 {
				t.Fatalf("second import: %+v %v", res, err)
			}
		}
		eq(t, "after running everything again", snapshot(), before)
		if s, _ := e.a.Contracts.IsSuspended(e.ctx, sub); s {
			t.Fatal("suspended again")
		}
	})
}

// The demo configuration: demo billing details and the in-process payment provider.
func TestBuildDemo(t *testing.T) {
	db := storetest.Open(t, store.SQLite, app.Schemas()...)
	cfg, err := config.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Demo = true
	cfg.Keys = testKeys
	cfg.PasswordHashCost = lightHash
	pack, err := app.LoadPack(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Build(cfg, pack, db, nil, clock.NewFake(start))
	if err != nil {
		t.Fatal(err)
	}
	if a.DemoPSP == nil || strings.Join(a.Payments.ProviderNames(), ",") != "demo" {
		t.Fatalf("demo provider: %v %v", a.DemoPSP, a.Payments.ProviderNames())
	}
	if _, err := accounts.ValidateVATID(a.Config.Provider.VATID); err != nil {
		t.Fatalf("demo VAT id %q: %v", a.Config.Provider.VATID, err)
	}
	if _, err := a.Billing.RunBilling(context.Background(), start); err != nil {
		t.Fatalf("billing with the demo details: %v", err)
	}
	if err := payments.ValidateCreditorID(a.Config.Provider.SEPACreditorID); err != nil {
		t.Fatal(err)
	}
}
