package sepa

import (
	"bytes"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/terms"
)

var update = flag.Bool("update", false, "rewrite golden files")

func refundFile() CreditTransferFile {
	return CreditTransferFile{MsgID: "HP-CT-000001", CreatedAt: time.Date(2026, 2, 10, 9, 30, 0, 0, time.UTC),
		Debtor: Debtor{Name: "Cloud Provider B.V.", IBAN: "NL20INGB0001234567", BIC: "INGBNL2A"}, ExecutionDate: terms.D(2026, 2, 11),
		Transfers: []Transfer{
			{EndToEndID: "HP-RF-000001", Amount: 4727, CreditorName: "Jan de Vries", CreditorIBAN: "NL22SNSB0912345678",
				Remittance: "Terugbetaling herroeping F2026-0004"},
			{EndToEndID: "HP-RF-000002", Amount: 123456, CreditorName: "Café ’t Hoekje & Zn.", CreditorIBAN: "BE68539007547034", CreditorBIC: "GEBABEBB",
				Remittance: "Refund overpayment F2026-0007"},
		}}
}

func TestMarshalPain001Golden(t *testing.T) {
	doc, err := MarshalPain001(refundFile())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "testdata", "pain001_refunds.xml")
	if *update {
		if err := os.WriteFile(path, doc, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(doc, want) {
		t.Fatalf("pain.001 differs from the golden file:\n%s", doc)
	}
	// Read back: the totals agree and the texts are in the SEPA set.
	var back struct {
		XMLName xml.Name `xml:"Document"`
		NbOfTxs int      `xml:"CstmrCdtTrfInitn>GrpHdr>NbOfTxs"`
		CtrlSum string   `xml:"CstmrCdtTrfInitn>GrpHdr>CtrlSum"`
		PmtInf  struct {
			NbOfTxs int    `xml:"NbOfTxs"`
			CtrlSum string `xml:"CtrlSum"`
			Txs     []struct {
				Amt  string `xml:"Amt>InstdAmt"`
				Name string `xml:"Cdtr>Nm"`
				BIC  string `xml:"CdtrAgt>FinInstnId>BIC"`
			} `xml:"CdtTrfTxInf"`
		} `xml:"CstmrCdtTrfInitn>PmtInf"`
	}
	if err := xml.Unmarshal(doc, &back); err != nil {
		t.Fatal(err)
	}
	if back.XMLName.Space != Pain001Namespace || back.NbOfTxs != 2 || back.CtrlSum != "1281.83" || back.PmtInf.NbOfTxs != 2 ||
		back.PmtInf.CtrlSum != "1281.83" || back.PmtInf.Txs[1].Name != "Cafe 't Hoekje + Zn." || back.PmtInf.Txs[0].BIC != "" || back.PmtInf.Txs[1].BIC != "GEBABEBB" {
		t.Fatalf("read back %+v", back)
	}
}

func TestMarshalPain001Refuses(t *testing.T) {
	cases := []struct {
		name string
		edit func(f *CreditTransferFile)
		want string
	}{
		{"no transfers", func(f *CreditTransferFile) { f.Transfers = nil }, "at least one transfer"},
		{"long msg id", func(f *CreditTransferFile) { f.MsgID = strings.Repeat("A", 36) }, "MsgId"},
		{"msg id charset", func(f *CreditTransferFile) { f.MsgID = "HP_CT#1" }, "MsgId"},
		{"pmtinf id too long", func(f *CreditTransferFile) { f.MsgID = strings.Repeat("A", 33) }, "PmtInfId"},
		{"no date", func(f *CreditTransferFile) { f.ExecutionDate = terms.Date{} }, "execution date"},
		{"debtor iban", func(f *CreditTransferFile) { f.Debtor.IBAN = "NL21INGB0001234567" }, "debtor account"},
		{"debtor bic", func(f *CreditTransferFile) { f.Debtor.BIC = "ING" }, "debtor bank"},
		{"debtor name", func(f *CreditTransferFile) { f.Debtor.Name = "  " }, "debtor's name"},
		{"creditor iban", func(f *CreditTransferFile) { f.Transfers[0].CreditorIBAN = "NL00SNSB0912345678" }, "HP-RF-000001: creditor account"},
		{"creditor bic", func(f *CreditTransferFile) { f.Transfers[1].CreditorBIC = "GEBA BE" }, "HP-RF-000002: creditor bank"},
		{"creditor name", func(f *CreditTransferFile) { f.Transfers[0].CreditorName = "日本" }, "creditor's name"},
		{"zero amount", func(f *CreditTransferFile) { f.Transfers[0].Amount = 0 }, "more than zero"},
		{"huge amount", func(f *CreditTransferFile) { f.Transfers[0].Amount = maxTransferAmount + 1 }, "at most"},
		{"duplicate e2e", func(f *CreditTransferFile) { f.Transfers[1].EndToEndID = "HP-RF-000001" }, "appears twice"},
		{"e2e slashes", func(f *CreditTransferFile) { f.Transfers[0].EndToEndID = "HP//1" }, "EndToEndId"},
	}
	for _, c := range cases {
		f := refundFile()
		c.edit(&f)
		if _, err := MarshalPain001(f); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
}
