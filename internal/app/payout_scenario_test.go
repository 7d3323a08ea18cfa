package app_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/config"
	"github.com/hostpact/hostpact/internal/payments"
)

// A direct debit through the real services and the job runner: the debtor is
// pre-notified, the invoice is "collection pending" (and not dunned) until the
// collection date has passed without a return, and is then paid on that date.
func TestScenarioDirectDebitPaidAfterSettlementDate(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		org, _ := e.customer(accounts.Business, "Bakkerij Jansen B.V.", "vps/m")
		e.runThrough(e.today())
		inv := e.firstInvoice(org.ID)
		m, err := e.a.Payments.CreateMandate(e.ctx, e.staff, payments.MandateInput{OrgID: org.ID, SignedOn: e.today(),
			DebtorName: "Bakkerij Jansen B.V.", IBAN: "NL02ABNA0123456789"})
		if err != nil {
			t.Fatal(err)
		}
		on, ex, err := e.a.Payments.ProposeCollectionDate(inv.IssueDate)
		if err != nil || on.Before(e.today().AddDays(14)) || !strings.Contains(ex.Text(), "14 days") {
			t.Fatalf("proposed %s %v %s", on, err, ex.Text())
		}
		if _, _, err := e.a.Payments.ExportDirectDebitBatch(e.ctx, e.staff, on, []payments.DebitItem{{InvoiceID: inv.ID, MandateID: m.ID}}); err != nil {
			t.Fatal(err)
		}
		mails := e.mails("payments:dd-prenotification:HP-DD-000001-0001")
		if len(mails) != 1 || !strings.Contains(mails[0], m.Reference) || !strings.Contains(mails[0], config.DemoSEPACreditorID) {
			t.Fatalf("pre-notification %v", mails)
		}
		e.runThrough(on)
		got, err := e.a.Billing.GetInvoice(e.ctx, e.staff, inv.ID)
		if err != nil || got.State.Status != billing.StatusCollectionPending || got.State.Paid != 0 {
			t.Fatalf("on the collection date: %+v %v", got.State, err)
		}
		if e.stepNames(inv.ID) != "" {
			t.Fatalf("a collection-pending invoice was dunned: %s", e.stepNames(inv.ID))
		}
		e.nextDay(on.AddDays(1))
		got, _ = e.a.Billing.GetInvoice(e.ctx, e.staff, inv.ID)
		if got.State.Status != billing.StatusPaid || got.State.SettledOn != on || got.State.Open != 0 {
			t.Fatalf("after the collection date: %+v", got.State)
		}
	})
}

// A refund of an overpaid transfer through the real services: the payments job warns
// the billing staff once, 3 werkdagen before its deadline; paid out in a pain.001
// file to the account the money came from, then confirmed.
func TestScenarioRefundWarnedAndPaidByTransfer(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		org, err := e.a.Accounts.CreateOrganisation(e.ctx, e.staff, accounts.OrganisationInput{Kind: accounts.Business, LegalName: "Smit V.O.F.",
			ContactName: "Smit", Email: "billing@smit.test", Language: "en", KvK: "30123456", VATID: "NL123456782B01",
			PostalAddress: accounts.Address{Street: "Oudegracht 12", PostalCode: "3511 AP", City: "Utrecht", Country: "NL"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		inv, err := e.a.Billing.IssueCharge(e.ctx, e.staff, org.ID, []billing.ChargeLine{{Description: "Migratie", Amount: 10000, VATCategory: "standard"}}, "", "s1")
		if err != nil {
			t.Fatal(err)
		}
		e.pay(inv, inv.AmountDue+1500) // 15.00 too much, and no service runs: a refund within 30 days
		refunds, _ := e.a.Billing.OpenRefunds(e.ctx)
		if len(refunds) != 1 || refunds[0].Amount != 1500 {
			t.Fatalf("refunds %+v", refunds)
		}
		due := refunds[0].DueBy
		warnOn, _, err := e.a.Pack.Latest().RefundWarningDate(due)
		if err != nil {
			t.Fatal(err)
		}
		key := "payments:refund-warning:" + itoa(refunds[0].ID) + ":" + itoa(e.staff.User.ID)
		e.runThrough(warnOn.AddDays(-1))
		if n := len(e.mails(key)); n != 0 {
			t.Fatalf("warned before %s", warnOn)
		}
		e.nextDay(warnOn.AddDays(2))
		if m := e.mails(key); len(m) != 1 || !strings.Contains(m[0], "Smit V.O.F.") {
			t.Fatalf("warnings %q", m)
		}
		run, err := e.a.Payments.PayRefunds(e.ctx, e.staff)
		if err != nil || run.Batch == 0 || run.Transfers != 1 {
			t.Fatalf("run %+v %v", run, err)
		}
		doc, _ := e.a.Payments.RefundBatchFile(e.ctx, e.staff, run.Batch)
		if !strings.Contains(string(doc), "<IBAN>NL22SNSB0912345678</IBAN>") || !strings.Contains(string(doc), `<InstdAmt Ccy="EUR">15.00</InstdAmt>`) {
			t.Fatalf("pain.001 %s", doc)
		}
		if err := e.a.Payments.ConfirmRefundBatch(e.ctx, e.staff, run.Batch, e.today()); err != nil {
			t.Fatal(err)
		}
		if refunds, _ = e.a.Billing.OpenRefunds(e.ctx); len(refunds) != 0 {
			t.Fatalf("after confirmation %+v", refunds)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
