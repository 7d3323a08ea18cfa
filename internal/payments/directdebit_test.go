package payments

import (
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/terms"
)

var update = flag.Bool("update", false, "rewrite golden files")

// readPain parses a pain.008 back for structural checks.
type readPain struct {
	XMLName xml.Name `xml:"Document"`
	GrpHdr  struct {
		MsgID   string `xml:"MsgId"`
		CreDtTm string `xml:"CreDtTm"`
		NbOfTxs int    `xml:"NbOfTxs"`
		CtrlSum string `xml:"CtrlSum"`
	} `xml:"CstmrDrctDbtInitn>GrpHdr"`
	PmtInf []struct {
		PmtInfID string `xml:"PmtInfId"`
		NbOfTxs  int    `xml:"NbOfTxs"`
		CtrlSum  string `xml:"CtrlSum"`
		SeqTp    string `xml:"PmtTpInf>SeqTp"`
		Date     string `xml:"ReqdColltnDt"`
		CdtrIBAN string `xml:"CdtrAcct>Id>IBAN"`
		CdtrID   string `xml:"CdtrSchmeId>Id>PrvtId>Othr>Id"`
		Txs      []struct {
			E2E      string `xml:"PmtId>EndToEndId"`
			Amt      string `xml:"InstdAmt"`
			MndtID   string `xml:"DrctDbtTx>MndtRltdInf>MndtId"`
			Signed   string `xml:"DrctDbtTx>MndtRltdInf>DtOfSgntr"`
			Amdmnt   bool   `xml:"DrctDbtTx>MndtRltdInf>AmdmntInd"`
			OrgnlAgt string `xml:"DrctDbtTx>MndtRltdInf>AmdmntInfDtls>OrgnlDbtrAgt>FinInstnId>Othr>Id"`
			BIC      string `xml:"DbtrAgt>FinInstnId>BIC"`
			Dbtr     string `xml:"Dbtr>Nm"`
			IBAN     string `xml:"DbtrAcct>Id>IBAN"`
			Ustrd    string `xml:"RmtInf>Ustrd"`
		} `xml:"DrctDbtTxInf"`
	} `xml:"CstmrDrctDbtInitn>PmtInf"`
}

func parsePain(t *testing.T, doc []byte) readPain {
	t.Helper()
	var p readPain
	if err := xml.Unmarshal(doc, &p); err != nil {
		t.Fatalf("pain.008 is not well-formed: %v", err)
	}
	if p.XMLName.Space != Pain008Namespace {
		t.Fatalf("namespace %q", p.XMLName.Space)
	}
	// Totals agree at every level.
	n, sum := 0, terms.Money(0)
	for _, pi := range p.PmtInf {
		pn, ps := 0, terms.Money(0)
		for _, tx := range pi.Txs {
			m, err := terms.ParseMoney(tx.Amt)
			if err != nil {
				t.Fatal(err)
			}
			pn, ps = pn+1, ps+m
		}
		if pi.NbOfTxs != pn || pi.CtrlSum != ps.String() {
			t.Fatalf("PmtInf %s: NbOfTxs %d CtrlSum %s, transactions %d sum %s", pi.PmtInfID, pi.NbOfTxs, pi.CtrlSum, pn, ps)
		}
		n, sum = n+pn, sum+ps
	}
	if p.GrpHdr.NbOfTxs != n || p.GrpHdr.CtrlSum != sum.String() {
		t.Fatalf("GrpHdr NbOfTxs %d CtrlSum %s, transactions %d sum %s", p.GrpHdr.NbOfTxs, p.GrpHdr.CtrlSum, n, sum)
	}
	return p
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from the golden file:\n%s", name, got)
	}
}

func (e *env) mandate(org int64, name, iban, bic string) Mandate {
	e.t.Helper()
	m, err := e.s.CreateMandate(e.ctx, e.billing, MandateInput{OrgID: org, SignedOn: terms.D(2026, 1, 15), DebtorName: name, IBAN: iban, BIC: bic})
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

func TestDirectDebitLifecycle(t *testing.T) {
	each(t, Config{}, func(t *testing.T, e *env) {
		// Friday 16 January: a collection on Monday 2 February is pre-notified 17 days ahead.
		e.clk.Set(time.Date(2026, 1, 16, 9, 0, 0, 0, time.UTC))
		a := e.mandate(201, "Jansen Webdesign B.V.", "NL44 RABO 0123 4567 89", "RABONL2U")
		b := e.mandate(202, "P. de Vries", "NL75ABNA0555555555", "")
		c := e.mandate(203, "M.A. Bakker", "NL70TRIO0123456789", "TRIONL2U")
		if a.Reference != "HP-M-000001" || a.NextSequence != SeqFirst || a.IBAN != "NL44RABO0123456789" {
			t.Fatalf("mandate %+v", a)
		}
		i10 := e.ledger.add(10, 201, "F2026-0010", "3000000000000510", 2420)
		i11 := e.ledger.add(11, 202, "F2026-0011", "3000000000000528", 4840)
		i12 := e.ledger.add(12, 203, "F2026-0012", "3000000000000536", 1210)
		items := []DebitItem{
			{InvoiceID: i12.InvoiceID, MandateID: c.ID, Description: "F2026-0012 Domeinnaam bakker.nl"},
			{InvoiceID: i10.InvoiceID, MandateID: a.ID, Description: "F2026-0010 Webhosting Pro februari 2026"},
			{InvoiceID: i11.InvoiceID, MandateID: b.ID, Description: "F2026-0011 VPS M februari 2026"},
		}
		on := terms.D(2026, 2, 2)
		_, _, err := e.s.ExportDirectDebitBatch(e.ctx, e.support, on, items)
		wantErr(t, err, accounts.ErrForbidden)
		_, _, err = e.s.ExportDirectDebitBatch(e.ctx, e.billing, terms.D(2026, 1, 28), items)
		wantFields(t, err, "collection_date")
		doc, id, err := e.s.ExportDirectDebitBatch(e.ctx, e.billing, on, items)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "pain008_batch1.xml", doc)
		p := parsePain(t, doc)
		if p.GrpHdr.MsgID != "HP-DD-000001" || p.GrpHdr.NbOfTxs != 3 || p.GrpHdr.CtrlSum != "84.70" || len(p.PmtInf) != 1 ||
			p.PmtInf[0].SeqTp != SeqFirst || p.PmtInf[0].Date != "2026-02-02" || p.PmtInf[0].CdtrID != "NL79ZZZ999999990000" {
			t.Fatalf("pain %+v", p)
		}
		tx0 := p.PmtInf[0].Txs[0]
		if tx0.E2E != "HP-DD-000001-0001" || tx0.MndtID != "HP-M-000001" || tx0.Signed != "2026-01-15" || tx0.BIC != "RABONL2U" ||
			tx0.IBAN != "NL44RABO0123456789" || tx0.Dbtr != "Jansen Webdesign B.V." || tx0.Amt != "24.20" {
			t.Fatalf("first transaction %+v", tx0)
		}
		// Collection pending, not paid, and each debtor pre-notified.
		if inv := e.ledger.get(10); inv.Open != 2420 || !inv.CollectionPending || e.ledger.totalCalls() != 0 {
			t.Fatalf("collection booked before its settlement date: %+v", inv)
		}
		if n := e.count("mail_outbox"); n != 3 {
			t.Fatalf("%d pre-notifications", n)
		}

		// Exported once: the same items (in any order) give the same file and id.
		e.clk.Advance(3600e9)
		again, id2, err := e.s.ExportDirectDebitBatch(e.ctx, e.billing, on, []DebitItem{items[2], items[0], items[1]})
		if err != nil || id2 != id || !bytes.Equal(again, doc) {
			t.Fatalf("re-export: id %d→%d, same=%v, %v", id, id2, bytes.Equal(again, doc), err)
		}
		stored, err := e.s.DirectDebitBatchFile(e.ctx, e.billing, id)
		if err != nil || !bytes.Equal(stored, doc) {
			t.Fatal("stored file differs")
		}
		// An invoice being collected cannot be collected again in another batch.
		_, _, err = e.s.ExportDirectDebitBatch(e.ctx, e.billing, terms.D(2026, 2, 3), items[:1])
		wantFields(t, err, "items[0].invoice")
		if m, _ := e.s.GetMandate(e.ctx, e.billing, a.ID); m.NextSequence != SeqRecurring || m.LastCollectionOn != on {
			t.Fatalf("after first collection %+v", m)
		}

		// The settlement and two returns, read before the collections were booked: the
		// returned invoices are open again and were never paid.
		res := e.importFile("camt053_ing_dd.xml")
		if res != (ImportResult{Statements: 2, Entries: 5, Matched: 3, Reversed: 2}) {
			t.Fatalf("import %+v", res)
		}
		for _, id := range []int64{11, 12} {
			if inv := e.ledger.get(id); inv.CollectionPending || inv.Open == 0 || len(e.ledger.reversed) != 0 {
				t.Fatalf("invoice %d after its return: %+v", id, inv)
			}
		}
		// Booked once the collection date has passed, dated on it.
		e.clk.Set(time.Date(2026, 2, 3, 6, 0, 0, 0, time.UTC))
		if n, err := e.s.SettleDirectDebits(e.ctx, e.clk.Now()); err != nil || n != 1 {
			t.Fatalf("settle: %d %v", n, err)
		}
		if inv := e.ledger.get(10); inv.Open != 0 || inv.paidOn != on || e.ledger.totalCalls() != 1 {
			t.Fatalf("settled collection: %+v", inv)
		}
		if m, _ := e.s.GetMandate(e.ctx, e.billing, b.ID); m.Status != MandateActive || m.NextSequence != SeqFirst {
			t.Fatalf("AM04 on FRST: %+v", m)
		}
		if m, _ := e.s.GetMandate(e.ctx, e.billing, c.ID); m.Status != MandateBlocked || !strings.HasPrefix(m.StatusReason, "MD01") {
			t.Fatalf("MD01: %+v", m)
		}
		if n := e.auditCount("payment.dd_returned"); n != 2 {
			t.Fatalf("%d dd_returned entries", n)
		}
		// The refund request (MD06) in the later ING statement.
		e.ingInvoices()
		res = e.importFile("camt053_ing.xml")
		if res.Reversed != 1 || res.Unmatched != 1 {
			t.Fatalf("ING import %+v", res)
		}
		if e.ledger.item(10).Open != 2420 {
			t.Fatal("MD06 not reversed")
		}
		if m, _ := e.s.GetMandate(e.ctx, e.billing, a.ID); m.Status != MandateActive || m.NextSequence != SeqFirst {
			t.Fatalf("MD06 on FRST: %+v", m)
		}

		// A blocked mandate cannot be used; amending A to another bank is told to the bank once.
		_, _, err = e.s.ExportDirectDebitBatch(e.ctx, e.billing, terms.D(2026, 3, 2), []DebitItem{{InvoiceID: 12, MandateID: c.ID}})
		wantFields(t, err, "items[0].mandate")
		am, err := e.s.AmendMandate(e.ctx, customer(201), a.ID, MandateChange{IBAN: "NL20KNAB0987654321", BIC: "KNABNL2H"})
		if err != nil {
			t.Fatal(err)
		}
		if am.PendingAmendment == nil || !am.PendingAmendment.OtherBank || am.NextSequence != SeqFirst {
			t.Fatalf("amended %+v", am)
		}
		_, err = e.s.AmendMandate(e.ctx, customer(202), a.ID, MandateChange{DebtorName: "x"})
		wantErr(t, err, accounts.ErrNotFound)
		i13 := e.ledger.add(13, 201, "F2026-0013", "3000000000000544", 2420)
		i14 := e.ledger.add(14, 202, "F2026-0014", "3000000000000552", 4840)
		doc2, _, err := e.s.ExportDirectDebitBatch(e.ctx, e.billing, terms.D(2026, 3, 2), []DebitItem{{InvoiceID: i13.InvoiceID, MandateID: a.ID}, {InvoiceID: i14.InvoiceID, MandateID: b.ID}})
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "pain008_batch2.xml", doc2)
		p2 := parsePain(t, doc2)
		if p2.PmtInf[0].Txs[0].OrgnlAgt != "SMNDA" || !p2.PmtInf[0].Txs[0].Amdmnt || p2.PmtInf[0].Txs[0].Ustrd != "F2026-0013" {
			t.Fatalf("amendment not in the file: %+v", p2.PmtInf[0].Txs[0])
		}
		if m, _ := e.s.GetMandate(e.ctx, e.billing, a.ID); m.PendingAmendment != nil || m.NextSequence != SeqRecurring {
			t.Fatalf("after amended collection %+v", m)
		}
		// Then RCUR.
		i15 := e.ledger.add(15, 201, "F2026-0015", "3000000000000560", 2420)
		doc3, _, err := e.s.ExportDirectDebitBatch(e.ctx, e.billing, terms.D(2026, 4, 1), []DebitItem{{InvoiceID: i15.InvoiceID, MandateID: a.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if p3 := parsePain(t, doc3); p3.PmtInf[0].SeqTp != SeqRecurring || p3.PmtInf[0].Txs[0].Amdmnt {
			t.Fatalf("third collection %+v", p3.PmtInf[0])
		}
		if _, err := e.s.RevokeMandate(e.ctx, customer(201), a.ID, "switching to bank transfer"); err != nil {
			t.Fatal(err)
		}
		i16 := e.ledger.add(16, 201, "F2026-0016", "3000000000000578", 2420)
		_, _, err = e.s.ExportDirectDebitBatch(e.ctx, e.billing, terms.D(2026, 5, 4), []DebitItem{{InvoiceID: i16.InvoiceID, MandateID: a.ID}})
		wantFields(t, err, "items[0].mandate")
	})
}

func TestMandateValidation(t *testing.T) {
	each(t, Config{}, func(t *testing.T, e *env) {
		_, err := e.s.CreateMandate(e.ctx, e.billing, MandateInput{OrgID: 1, Reference: "has space", SignedOn: terms.D(2026, 2, 1), DebtorName: "", IBAN: "NL45RABO0123456789", BIC: "RABO"})
		wantFields(t, err, "reference", "signed_on", "debtor_name", "iban", "bic")
		_, err = e.s.CreateMandate(e.ctx, customer(7, accounts.PermReadOnly), MandateInput{OrgID: 7})
		wantErr(t, err, accounts.ErrForbidden)
		_, err = e.s.CreateMandate(e.ctx, customer(7), MandateInput{OrgID: 8})
		wantErr(t, err, accounts.ErrNotFound)
		m, err := e.s.CreateMandate(e.ctx, customer(7, accounts.PermBilling), MandateInput{OrgID: 7, Reference: "KLANT7-2026", SignedOn: terms.D(2026, 1, 20), DebtorName: "Café ’t Hoekje", IBAN: "BE68539007547034"})
		if err != nil || m.Reference != "KLANT7-2026" {
			t.Fatalf("%+v %v", m, err)
		}
		_, err = e.s.CreateMandate(e.ctx, e.billing, MandateInput{OrgID: 9, Reference: "KLANT7-2026", SignedOn: terms.D(2026, 1, 20), DebtorName: "X", IBAN: "BE68539007547034"})
		wantFields(t, err, "reference")
		_, err = e.s.GetMandate(e.ctx, customer(8), m.ID)
		wantErr(t, err, accounts.ErrNotFound)
		list, err := e.s.ListMandates(e.ctx, customer(7), 7)
		if err != nil || len(list) != 1 {
			t.Fatalf("list %v %v", list, err)
		}
		if e.auditCount("mandate.create") != 1 {
			t.Fatal("not audited")
		}
	})
}

func TestSEPAText(t *testing.T) {
	for in, want := range map[string]string{
		"Café ’t Hoekje & Zn.":    "Cafe 't Hoekje + Zn.",
		"Müller   GmbH\n<script>": "Muller GmbH script",
		strings.Repeat("a", 80):   strings.Repeat("a", 70),
	} {
		if got := SEPAText(in, 70); got != want {
			t.Errorf("SEPAText(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestActiveMandatesAfter: the direct-debit page's walk names each customer with an
// active mandate once, with its newest active mandate, in customer order, whatever the
// page size; revoked mandates and their customers stay out.
func TestActiveMandatesAfter(t *testing.T) {
	each(t, Config{}, func(t *testing.T, e *env) {
		e.clk.Set(time.Date(2026, 1, 16, 9, 0, 0, 0, time.UTC))
		e.mandate(304, "D", "NL70TRIO0123456789", "TRIONL2U")
		e.mandate(301, "A", "NL44 RABO 0123 4567 89", "RABONL2U")
		newest := e.mandate(301, "A", "NL75ABNA0555555555", "")
		gone := e.mandate(302, "B", "NL75ABNA0555555555", "")
		if _, err := e.s.RevokeMandate(e.ctx, e.billing, gone.ID, "revoked by the customer"); err != nil {
			t.Fatal(err)
		}
		e.mandate(303, "C", "NL70TRIO0123456789", "TRIONL2U")
		for _, limit := range []int{1, 2, 200} {
			var orgs []int64
			var ids []int64
			for after, calls := int64(0), 0; ; calls++ {
				ms, next, err := e.s.ActiveMandatesAfter(e.ctx, e.billing, after, limit)
				if err != nil || calls > 10 {
					t.Fatalf("limit %d: %v after %d calls", limit, err, calls)
				}
				for _, m := range ms {
					orgs, ids = append(orgs, m.OrgID), append(ids, m.ID)
				}
				if next == 0 {
					break
				}
				after = next
			}
			if fmt.Sprint(orgs) != "[301 303 304]" || ids[0] != newest.ID {
				t.Errorf("limit %d: customers %v, mandates %v (newest of 301: %d)", limit, orgs, ids, newest.ID)
			}
		}
		if _, _, err := e.s.ActiveMandatesAfter(e.ctx, customer(301), 0, 10); err == nil {
			t.Error("a customer walked every customer's mandates")
		}
	})
}
