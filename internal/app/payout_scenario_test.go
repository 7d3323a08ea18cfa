package app_test

import (
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
