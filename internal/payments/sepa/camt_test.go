package sepa

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/terms"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseCAMT053ING(t *testing.T) {
	sts, err := ParseCAMT053("camt053_ing.xml", bytes.NewReader(readFixture(t, "camt053_ing.xml")))
	if err != nil {
		t.Fatal(err)
	}
	if len(sts) != 1 {
		t.Fatalf("%d statements", len(sts))
	}
	st := sts[0]
	if st.ID != "0000000041702026" || st.IBAN != "NL20INGB0001234567" || st.MsgID != "CAMT053INGB202602100000417" || len(st.Entries) != 7 {
		t.Fatalf("statement %+v", st)
	}
	if st.Opening.Amount != 52420 || st.Closing.Amount != 89455 {
		t.Fatalf("balances %v %v", st.Opening, st.Closing)
	}
	e := st.Entries[0]
	tx := e.Txs[0]
	if !e.Credit || e.Amount != 12100 || e.Currency != "EUR" || e.BookingDate != terms.D(2026, 2, 9) || e.AcctSvcrRef != "2026020900001" ||
		e.BankTxCode != "PMNT/RCDT/ESCT" || tx.Reference != "3000000000000421" || tx.DebtorName != "Jansen Webdesign B.V." ||
		tx.DebtorIBAN != "NL44RABO0123456789" || tx.EndToEndID != "" {
		t.Fatalf("entry 1 = %+v %+v", e, tx)
	}
	if tx := st.Entries[3].Txs[0]; tx.Reference != "" || tx.Unstructured != "Betaling factuur F2026-0004, klantnr 1044" {
		t.Fatalf("entry 4 = %+v", tx)
	}
	ret := st.Entries[5]
	if ret.Credit || ret.Txs[0].ReturnReason != "MD06" || ret.Txs[0].EndToEndID != "HP-DD-000001-0001" || ret.Txs[0].MandateID != "HP-M-000001" ||
		ret.Txs[0].ReturnInfo != "Terugboeking op verzoek van de klant" {
		t.Fatalf("return = %+v", ret)
	}
}

func TestParseCAMT053BatchAndMultiStatement(t *testing.T) {
	sts, err := ParseCAMT053("camt053_ing_dd.xml", bytes.NewReader(readFixture(t, "camt053_ing_dd.xml")))
	if err != nil {
		t.Fatal(err)
	}
	if len(sts) != 2 || len(sts[0].Entries) != 1 || len(sts[1].Entries) != 2 {
		t.Fatalf("statements %+v", sts)
	}
	b := sts[0].Entries[0]
	if b.BatchPmtInf != "HP-DD-000001-FRST" || b.BatchCount != 3 || len(b.Txs) != 3 || b.Txs[1].Amount != 4840 || b.Txs[1].EndToEndID != "HP-DD-000001-0002" {
		t.Fatalf("batch %+v", b)
	}
	if sts[1].Entries[1].Index != 3 || sts[1].Entries[1].Txs[0].ReturnReason != "MD01" {
		t.Fatalf("index/return %+v", sts[1].Entries[1])
	}
	sts, err = ParseCAMT053("camt053_rabo.xml", bytes.NewReader(readFixture(t, "camt053_rabo.xml")))
	if err != nil {
		t.Fatal(err)
	}
	if e := sts[0].Entries[0]; e.BookingDate != terms.D(2026, 2, 11) || e.Txs[0].Unstructured != "kenmerk 3000 0000 0000 0455" || sts[0].Opening.Amount != -1500 {
		t.Fatalf("rabo %+v %+v", e, sts[0].Opening)
	}
}

// A balance of 0.00 is a real balance (a new or emptied account), not a missing
// amount; only entries must move money.
func TestParseCAMT053ZeroBalances(t *testing.T) {
	zero := string(readFixture(t, "camt053_zero_balance.xml"))
	sts, err := ParseCAMT053("zero.xml", strings.NewReader(zero))
	if err != nil {
		t.Fatal(err)
	}
	if st := sts[0]; st.Opening == nil || st.Opening.Amount != 0 || st.Closing.Amount != 12100 || len(st.Entries) != 1 {
		t.Fatalf("statement %+v %+v %+v", st, st.Opening, st.Closing)
	}
	// Emptied: 121.00 debited from 121.00 leaves a closing balance of 0.00.
	emptied := strings.NewReplacer(`<Amt Ccy="EUR">0.00</Amt>`, `<Amt Ccy="EUR">121.00</Amt>`,
		"<CdtDbtInd>CRDT</CdtDbtInd>\n        <Sts>", "<CdtDbtInd>DBIT</CdtDbtInd>\n        <Sts>").Replace(zero)
	i := strings.Index(emptied, "<Cd>CLBD</Cd>")
	emptied = emptied[:i] + strings.Replace(emptied[i:], `<Amt Ccy="EUR">121.00</Amt>`, `<Amt Ccy="EUR">0.00</Amt>`, 1)
	sts, err = ParseCAMT053("emptied.xml", strings.NewReader(emptied))
	if err != nil {
		t.Fatal(err)
	}
	if st := sts[0]; st.Opening.Amount != 12100 || st.Closing.Amount != 0 || st.Entries[0].Credit {
		t.Fatalf("emptied %+v %+v", st.Opening, st.Closing)
	}
	// An entry of 0.00 stays an error.
	_, err = ParseCAMT053("zero.xml", strings.NewReader(strings.Replace(zero, "<Amt Ccy=\"EUR\">121.00</Amt>\n        <CdtDbtInd>CRDT</CdtDbtInd>\n        <Sts>",
		"<Amt Ccy=\"EUR\">0.00</Amt>\n        <CdtDbtInd>CRDT</CdtDbtInd>\n        <Sts>", 1)))
	if err == nil || !strings.Contains(err.Error(), "entry 1") || !strings.Contains(err.Error(), "more than zero") {
		t.Fatalf("zero entry: %v", err)
	}
}

func TestParseCAMT053Errors(t *testing.T) {
	ing := string(readFixture(t, "camt053_ing.xml"))
	cases := []struct {
		name, old, new string
		want           []string // substrings of the message
	}{
		{"empty", ing, "", []string{"empty"}},
		{"not xml", ing, "Datum,Bedrag\n2026-02-09,121.00\n", []string{"no XML element", "CSV"}},
		{"truncated", ing, ing[:len(ing)/2], []string{"not well-formed XML"}},
		{"wrong version", "camt.053.001.02", "camt.053.001.08", []string{"Document", "not supported"}},
		{"pain not camt", "camt.053.001.02", "pain.008.001.02", []string{"not a CAMT.053"}},
		{"missing amount", `<Amt Ccy="EUR">50.00</Amt>`, ``, []string{"entry 2", "Amt: missing"}},
		{"comma amount", `<Amt Ccy="EUR">50.00</Amt>`, `<Amt Ccy="EUR">50,00</Amt>`, []string{"entry 2", "Amt", "50,00"}},
		{"negative amount", `<Amt Ccy="EUR">50.00</Amt>`, `<Amt Ccy="EUR">-50.00</Amt>`, []string{"entry 2", "unsigned"}},
		{"three decimals", `<Amt Ccy="EUR">50.00</Amt>`, `<Amt Ccy="EUR">50.005</Amt>`, []string{"entry 2", "two decimals"}},
		{"bad currency", `<Amt Ccy="EUR">50.00</Amt>`, `<Amt Ccy="euro">50.00</Amt>`, []string{"entry 2", "currency"}},
		{"other currency", `<Amt Ccy="EUR">50.00</Amt>`, `<Amt Ccy="USD">50.00</Amt>`, []string{"entry 2", "USD", "account's EUR"}},
		{"direction", "<CdtDbtInd>DBIT</CdtDbtInd>\n        <Sts>", "<CdtDbtInd>DEBIT</CdtDbtInd>\n        <Sts>", []string{"entry 6", "CdtDbtInd", "DEBIT"}},
		{"bad date", "<Dt>2026-02-09</Dt>\n        </BookgDt>", "<Dt>2026-02-30</Dt>\n        </BookgDt>", []string{"entry 1", "BookgDt", "2026-02-30"}},
		{"no booking date", "<BookgDt>\n          <Dt>2026-02-09</Dt>\n        </BookgDt>", "", []string{"entry 1", "BookgDt: missing"}},
		{"balance", `<Amt Ccy="EUR">894.55</Amt>`, `<Amt Ccy="EUR">894.56</Amt>`, []string{"closing balance", "894.56"}},
		{"negative balance", `<Amt Ccy="EUR">894.55</Amt>`, `<Amt Ccy="EUR">-894.55</Amt>`, []string{"Bal/CLBD/Amt", "unsigned"}},
		{"entry count", "<NbOfNtries>7</NbOfNtries>", "<NbOfNtries>8</NbOfNtries>", []string{"says 8 entries", "cut off"}},
		{"bad iban", "<IBAN>NL20INGB0001234567</IBAN>", "<IBAN>NL21INGB0001234567</IBAN>", []string{"Acct/Id/IBAN", "check digits"}},
		{"duplicate ref", "<AcctSvcrRef>2026020900002</AcctSvcrRef>", "<AcctSvcrRef>2026020900001</AcctSvcrRef>", []string{"entry 2", "AcctSvcrRef", "also the reference of entry 1"}},
		{"return without reason", "<Cd>MD06</Cd>", "<Cd></Cd>", []string{"entry 6", "transaction 1", "RtrInf/Rsn/Cd"}},
		{"batch sum", `<Amt Ccy="EUR">24.20</Amt>
              </TxAmt>`, `<Amt Ccy="EUR">24.21</Amt>
              </TxAmt>`, []string{"entry 6", "add up to €24.21"}},
		{"latin1", `encoding="UTF-8"`, `encoding="ISO-8859-1"`, []string{"ISO-8859-1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := strings.Replace(ing, c.old, c.new, 1)
			if in == ing {
				t.Fatalf("replacement of %q did nothing", c.old)
			}
			_, err := ParseCAMT053("camt053_ing.xml", strings.NewReader(in))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *ParseError", err)
			}
			if !strings.HasPrefix(err.Error(), "camt053_ing.xml: ") {
				t.Errorf("error %q does not name the file", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestParseCAMT053SizeLimit(t *testing.T) {
	big := bytes.Repeat([]byte(" "), MaxStatementBytes+10)
	_, err := ParseCAMT053("huge.xml", bytes.NewReader(big))
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err = %v", err)
	}
}

func FuzzParseCAMT053(f *testing.F) {
	for _, n := range []string{"camt053_ing.xml", "camt053_ing_dd.xml", "camt053_rabo.xml", "camt053_zero_balance.xml", "camt053_foreign.xml"} {
		f.Add(readFixture(f, n))
	}
	f.Add([]byte(`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>x</MsgId></GrpHdr><Stmt><Id>1</Id><Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id></Acct><Ntry><Amt Ccy="EUR">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-01-01</Dt></BookgDt></Ntry></Stmt></BkToCstmrStmt></Document>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sts, err := ParseCAMT053("fuzz.xml", bytes.NewReader(data))
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		// What the parser accepts is internally consistent.
		for _, st := range sts {
			if st.ID == "" || ValidateIBAN(st.IBAN) != nil {
				t.Fatalf("accepted statement %+v", st)
			}
			for _, e := range st.Entries {
				if e.Amount <= 0 || e.BookingDate.IsZero() || len(e.Txs) == 0 {
					t.Fatalf("accepted entry %+v", e)
				}
				for _, tx := range e.Txs {
					if tx.Amount <= 0 {
						t.Fatalf("accepted tx %+v", tx)
					}
				}
			}
		}
	})
}
