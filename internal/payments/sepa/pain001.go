package sepa

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/terms"
)

// Pain001Namespace is the credit transfer initiation version Dutch banks accept for
// SEPA credit transfers.
const Pain001Namespace = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"

// maxTransferAmount is the largest amount of one SEPA credit transfer (EPC SCT
// rulebook AT-04: 999,999,999.99).
const maxTransferAmount = terms.Money(99999999999)

// Debtor is the provider as payer: the account the money leaves from.
type Debtor struct {
	Name string
	IBAN string
	BIC  string // empty: NOTPROVIDED (IBAN-only, allowed within the EEA)
}

// Transfer is one transaction of a credit transfer file.
type Transfer struct {
	EndToEndID   string
	Amount       terms.Money
	CreditorName string
	CreditorIBAN string
	CreditorBIC  string // empty: no creditor agent (IBAN-only)
	Remittance   string
}

// CreditTransferFile is one pain.001 message with one payment information block.
type CreditTransferFile struct {
	MsgID         string
	CreatedAt     time.Time
	Debtor        Debtor
	ExecutionDate terms.Date
	Transfers     []Transfer
}

// Totals returns the number of transactions and their sum.
func (f CreditTransferFile) Totals() (int, terms.Money) {
	var sum terms.Money
	for _, t := range f.Transfers {
		sum += t.Amount
	}
	return len(f.Transfers), sum
}

// validID checks an identifier of the message (MsgId, PmtInfId, EndToEndId): 1 to 35
// characters of the SEPA set, not starting with or containing "//" or starting with /.
func validID(what, s string) error {
	if s == "" || len(s) > 35 {
		return fmt.Errorf("sepa: %s %q must have 1 to 35 characters", what, s)
	}
	if SEPAText(s, 35) != s || strings.Contains(s, " ") {
		return fmt.Errorf("sepa: %s %q may contain only letters, digits and / - ? : ( ) . , ' +", what, s)
	}
	if strings.HasPrefix(s, "/") || strings.Contains(s, "//") {
		return fmt.Errorf("sepa: %s %q may not start with / or contain //", what, s)
	}
	return nil
}

// Validate checks the file: identifiers, the debtor's and every creditor's account
// and bank, names, amounts, and that EndToEndIds are unique.
func (f CreditTransferFile) Validate() error {
	if err := validID("MsgId", f.MsgID); err != nil {
		return err
	}
	if err := validID("PmtInfId", PmtInfIDTransfer(f.MsgID)); err != nil {
		return err
	}
	if f.ExecutionDate.IsZero() {
		return fmt.Errorf("sepa: a credit transfer file needs its execution date")
	}
	if strings.TrimSpace(SEPAText(f.Debtor.Name, 70)) == "" {
		return fmt.Errorf("sepa: the debtor's name is not configured")
	}
	if err := ValidateIBAN(f.Debtor.IBAN); err != nil {
		return fmt.Errorf("sepa: debtor account: %w", err)
	}
	if f.Debtor.BIC != "" {
		if err := ValidateBIC(f.Debtor.BIC); err != nil {
			return fmt.Errorf("sepa: debtor bank: %w", err)
		}
	}
	if len(f.Transfers) == 0 {
		return fmt.Errorf("sepa: a credit transfer file needs at least one transfer")
	}
	seen := map[string]bool{}
	for _, t := range f.Transfers {
		if err := validID("EndToEndId", t.EndToEndID); err != nil {
			return err
		}
		if seen[t.EndToEndID] {
			return fmt.Errorf("sepa: EndToEndId %s appears twice", t.EndToEndID)
		}
		seen[t.EndToEndID] = true
		if t.Amount <= 0 || t.Amount > maxTransferAmount {
			return fmt.Errorf("sepa: transfer %s: amount %s must be more than zero and at most %s", t.EndToEndID, t.Amount, maxTransferAmount)
		}
		if SEPAText(t.CreditorName, 70) == "" {
			return fmt.Errorf("sepa: transfer %s: the creditor's name is required", t.EndToEndID)
		}
		if err := ValidateIBAN(t.CreditorIBAN); err != nil {
			return fmt.Errorf("sepa: transfer %s: creditor account: %w", t.EndToEndID, err)
		}
		if t.CreditorBIC != "" {
			if err := ValidateBIC(t.CreditorBIC); err != nil {
				return fmt.Errorf("sepa: transfer %s: creditor bank: %w", t.EndToEndID, err)
			}
		}
	}
	return nil
}

// PmtInfIDTransfer returns the payment information id of credit transfer message msgID.
func PmtInfIDTransfer(msgID string) string { return msgID + "-TRF" }

type tDoc struct {
	XMLName xml.Name `xml:"Document"`
	Xmlns   string   `xml:"xmlns,attr"`
	XSI     string   `xml:"xmlns:xsi,attr"`
	Initn   tInitn   `xml:"CstmrCdtTrfInitn"`
}

type tInitn struct {
	GrpHdr pGrpHdr `xml:"GrpHdr"`
	PmtInf tPmtInf `xml:"PmtInf"`
}

type tPmtInf struct {
	PmtInfID    string `xml:"PmtInfId"`
	PmtMtd      string `xml:"PmtMtd"`
	BtchBookg   bool   `xml:"BtchBookg"`
	NbOfTxs     int    `xml:"NbOfTxs"`
	CtrlSum     string `xml:"CtrlSum"`
	SvcLvl      string `xml:"PmtTpInf>SvcLvl>Cd"`
	ReqdExctnDt string `xml:"ReqdExctnDt"`
	Dbtr        pName  `xml:"Dbtr"`
	DbtrAcct    pAcct  `xml:"DbtrAcct"`
	DbtrAgt     pAgent `xml:"DbtrAgt"`
	ChrgBr      string `xml:"ChrgBr"`
	Txs         []tTx  `xml:"CdtTrfTxInf"`
}

type tTx struct {
	EndToEndID string  `xml:"PmtId>EndToEndId"`
	InstdAmt   pAmt    `xml:"Amt>InstdAmt"`
	CdtrAgt    *pAgent `xml:"CdtrAgt,omitempty"`
	Cdtr       pName   `xml:"Cdtr"`
	CdtrAcct   pAcct   `xml:"CdtrAcct"`
	Ustrd      string  `xml:"RmtInf>Ustrd,omitempty"`
}

// MarshalPain001 writes f as a pain.001.001.03 document: one PmtInf (SEPA, shared
// charges) executed on f.ExecutionDate, transactions in the order given. Names and
// remittance texts are reduced to the SEPA character set. The output depends only on
// f, so the same file always gives the same bytes.
func MarshalPain001(f CreditTransferFile) ([]byte, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	n, sum := f.Totals()
	doc := tDoc{Xmlns: Pain001Namespace, XSI: "http://www.w3.org/2001/XMLSchema-instance"}
	doc.Initn.GrpHdr = pGrpHdr{MsgID: f.MsgID, CreDtTm: f.CreatedAt.In(clock.Amsterdam).Format("2006-01-02T15:04:05"),
		NbOfTxs: n, CtrlSum: sum.String(), InitgPty: pName{Nm: SEPAText(f.Debtor.Name, 70)}}
	p := tPmtInf{PmtInfID: PmtInfIDTransfer(f.MsgID), PmtMtd: "TRF", BtchBookg: true, NbOfTxs: n, CtrlSum: sum.String(), SvcLvl: "SEPA",
		ReqdExctnDt: f.ExecutionDate.String(), Dbtr: pName{Nm: SEPAText(f.Debtor.Name, 70)}, DbtrAcct: pAcct{IBAN: f.Debtor.IBAN},
		DbtrAgt: agent(f.Debtor.BIC), ChrgBr: "SLEV"}
	for _, t := range f.Transfers {
		tx := tTx{EndToEndID: t.EndToEndID, InstdAmt: pAmt{Ccy: "EUR", Value: t.Amount.String()}, Cdtr: pName{Nm: SEPAText(t.CreditorName, 70)},
			CdtrAcct: pAcct{IBAN: t.CreditorIBAN}, Ustrd: SEPAText(t.Remittance, 140)}
		if t.CreditorBIC != "" {
			a := agent(t.CreditorBIC)
			tx.CdtrAgt = &a
		}
		p.Txs = append(p.Txs, tx)
	}
	doc.Initn.PmtInf = p
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("sepa: write pain.001: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
