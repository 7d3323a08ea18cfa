package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/payments"
	"github.com/hostpact/hostpact/internal/terms"
)

// statement is a CAMT.053 of the provider's account with one transfer from iban paying
// amount with the structured reference.
func statement(id string, on terms.Date, amount terms.Money, reference, debtor, iban string) string {
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>MSG-%[1]s</MsgId><CreDtTm>%[2]sT06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>%[1]s</Id><Acct><Id><IBAN>%[3]s</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Ntry><Amt Ccy="EUR">%[4]s</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>%[2]s</Dt></BookgDt><ValDt><Dt>%[2]s</Dt></ValDt>
<AcctSvcrRef>REF-%[1]s</AcctSvcrRef><NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
<RltdPties><Dbtr><Nm>%[6]s</Nm></Dbtr><DbtrAcct><Id><IBAN>%[7]s</IBAN></Id></DbtrAcct></RltdPties>
<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>%[5]s</Ref></CdtrRefInf></Strd></RmtInf>
</TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>
`, id, on, testCreditor.IBAN, amount, reference, debtor, iban)
}

// The refunds page: a refund of an overpaid bank transfer, with its deadline, paid out
// in a pain.001 file to the account it came from, then confirmed as executed.
func TestStaffRefundsPaidInTransferFile(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff("anna@provider.test")
		org, _ := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		// A charge to a customer without running services, paid 10.00 too much.
		inv, err := e.bill.IssueCharge(e.ctx, e.admin(), org.ID, []billing.ChargeLine{{Description: "Migratie", Amount: 10000, VATCategory: terms.VATStandard}}, "", "t1")
		if err != nil {
			t.Fatal(err)
		}
		file := statement("S1", e.srv.today(), inv.AmountDue+1000, inv.Reference, "Bakkerij Jansen", "NL22SNSB0912345678")
		if _, err := e.pay.ImportCAMT053(e.ctx, e.admin(), "s1.xml", strings.NewReader(file)); err != nil {
			t.Fatal(err)
		}
		c := e.client()
		c.login("anna@provider.test", staffSecret, "/staff/")
		r := c.get("/staff/refunds")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Bakkerij Jansen B.V.", "Nog niet uitbetaald", `action="/staff/refunds/pay"`)
		c.cookies[langCookie] = "en" // the client fails the test on an untranslated key
		contains(t, c.get("/staff/refunds").Body, "Not paid out yet", "Pay out refunds")
		c.cookies[langCookie] = "nl"

		r = c.post("/staff/refunds/pay", url.Values{})
		c.expect(r, http.StatusSeeOther, "/staff/refunds?batch=1")
		r = c.get(r.Location())
		contains(t, r.Body, "Het overboekingsbestand is gemaakt", "/staff/refunds/batches/1/file", "In bestand 1 naar NL22SNSB0912345678", "HP-CT-000001")
		r = c.get("/staff/refunds/batches/1/file")
		c.expect(r, http.StatusOK, "")
		if !strings.Contains(r.Body, payments.Pain001Namespace) || !strings.Contains(r.Body, "<IBAN>NL22SNSB0912345678</IBAN>") ||
			!strings.Contains(r.Body, `<InstdAmt Ccy="EUR">10.00</InstdAmt>`) {
			t.Fatalf("pain.001:\n%s", r.Body)
		}
		// Paying out again sends nothing twice.
		c.expect(c.post("/staff/refunds/pay", url.Values{}), http.StatusSeeOther, "/staff/refunds")
		if b, _ := e.pay.RefundBatches(e.ctx, e.admin()); len(b) != 1 {
			t.Fatalf("%d files", len(b))
		}

		confirm := "/staff/refunds/batches/1/confirm"
		r = c.get(confirm)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Heeft de bank bestand HP-CT-000001 (1 overboekingen")
		r = c.post(confirm, url.Values{"executed_on": {e.srv.today().AddDays(3).String()}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "executed_on")
		c.expect(c.post(confirm, url.Values{"executed_on": {e.srv.today().String()}}), http.StatusSeeOther, "/staff/refunds")
		r = c.get("/staff/refunds")
		contains(t, r.Body, "De uitvoering is bevestigd", "Er staan geen terugbetalingen open", "Uitgevoerd op")
		if open, _ := e.bill.OpenRefunds(e.ctx); len(open) != 0 {
			t.Fatalf("open refunds %+v", open)
		}

		// Other staff roles and customers get nothing of it.
		e.staff("sam@provider.test", accounts.RoleSales)
		sc := e.client()
		sc.login("sam@provider.test", staffSecret, "/staff/")
		sc.expect(sc.post("/staff/refunds/pay", url.Values{}), http.StatusForbidden, "")
		sc.expect(sc.get("/staff/refunds/batches/1/file"), http.StatusForbidden, "")
		c.expect(c.get("/staff/refunds/batches/99/confirm"), http.StatusNotFound, "")
	})
}
