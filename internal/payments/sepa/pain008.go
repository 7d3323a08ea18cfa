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

// Pain008Namespace is the direct debit initiation version Dutch banks accept for SEPA
// Core collections.
const Pain008Namespace = "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"

// Sequence types of a SEPA direct debit (EPC SDD Core rulebook, AT-21).
const (
	SeqFirst     = "FRST"
	SeqRecurring = "RCUR"
)

// Creditor is the provider as collector: the account the money goes to and its SEPA
// creditor identifier (Incassant ID).
type Creditor struct {
	Name       string
	IBAN       string
	BIC        string
	CreditorID string
}

// Validate checks the creditor's details.
func (c Creditor) Validate() error {
	if strings.TrimSpace(c.Name) == "" {
		return fmt.Errorf("sepa: creditor name is not configured")
	}
	if err := ValidateIBAN(c.IBAN); err != nil {
		return fmt.Errorf("sepa: creditor account: %w", err)
	}
	if c.BIC != "" {
		if err := ValidateBIC(c.BIC); err != nil {
			return fmt.Errorf("sepa: creditor bank: %w", err)
		}
	}
	if err := ValidateCreditorID(c.CreditorID); err != nil {
		return fmt.Errorf("sepa: %w", err)
	}
	return nil
}

// Collection is one transaction of a direct debit file.
type Collection struct {
	EndToEndID string
	SeqType    string // FRST or RCUR
	Amount     terms.Money
	MandateID  string
	SignedOn   terms.Date
	DebtorName string
	DebtorIBAN string
	DebtorBIC  string // empty: NOTPROVIDED (IBAN-only, allowed within the EEA)
	Remittance string
	Amendment  *Amendment // changes since the last collection under this mandate
}

// Amendment is what changed in a mandate since its previous collection; the bank must
// be told once, in the next collection (pain.008 AmdmntInfDtls).
type Amendment struct {
	OriginalMandateID string // the mandate's previous id
	OriginalIBAN      string // the previous account, at the same bank
	OtherBank         bool   // the account moved to another bank (SMNDA)
}

// DirectDebitFile is one pain.008 message.
type DirectDebitFile struct {
	MsgID          string
	CreatedAt      time.Time
	Creditor       Creditor
	CollectionDate terms.Date
	Collections    []Collection
}

// Totals returns the number of transactions and their sum.
func (f DirectDebitFile) Totals() (int, terms.Money) {
	var sum terms.Money
	for _, c := range f.Collections {
		sum += c.Amount
	}
	return len(f.Collections), sum
}

// ---- XML ----

type pDoc struct {
	XMLName xml.Name `xml:"Document"`
	Xmlns   string   `xml:"xmlns,attr"`
	XSI     string   `xml:"xmlns:xsi,attr"`
	Initn   pInitn   `xml:"CstmrDrctDbtInitn"`
}

type pInitn struct {
	GrpHdr pGrpHdr   `xml:"GrpHdr"`
	PmtInf []pPmtInf `xml:"PmtInf"`
}

type pGrpHdr struct {
	MsgID    string `xml:"MsgId"`
	CreDtTm  string `xml:"CreDtTm"`
	NbOfTxs  int    `xml:"NbOfTxs"`
	CtrlSum  string `xml:"CtrlSum"`
	InitgPty pName  `xml:"InitgPty"`
}

type pName struct {
	Nm string `xml:"Nm"`
}

type pAcct struct {
	IBAN string `xml:"Id>IBAN"`
}

type pAgent struct {
	FinInstnID struct {
		BIC  string   `xml:"BIC,omitempty"`
		Othr *pOthrID `xml:"Othr,omitempty"`
	} `xml:"FinInstnId"`
}

type pOthrID struct {
	ID string `xml:"Id"`
}

type pAmt struct {
	Ccy   string `xml:"Ccy,attr"`
	Value string `xml:",chardata"`
}

type pPmtInf struct {
	PmtInfID     string `xml:"PmtInfId"`
	PmtMtd       string `xml:"PmtMtd"`
	BtchBookg    bool   `xml:"BtchBookg"`
	NbOfTxs      int    `xml:"NbOfTxs"`
	CtrlSum      string `xml:"CtrlSum"`
	SvcLvl       string `xml:"PmtTpInf>SvcLvl>Cd"`
	LclInstrm    string `xml:"PmtTpInf>LclInstrm>Cd"`
	SeqTp        string `xml:"PmtTpInf>SeqTp"`
	ReqdColltnDt string `xml:"ReqdColltnDt"`
	Cdtr         pName  `xml:"Cdtr"`
	CdtrAcct     pAcct  `xml:"CdtrAcct"`
	CdtrAgt      pAgent `xml:"CdtrAgt"`
	ChrgBr       string `xml:"ChrgBr"`
	CdtrSchmeID  string `xml:"CdtrSchmeId>Id>PrvtId>Othr>Id"`
	SchmeNm      string `xml:"CdtrSchmeId>Id>PrvtId>Othr>SchmeNm>Prtry"`
	Txs          []pTx  `xml:"DrctDbtTxInf"`
}

type pTx struct {
	EndToEndID string `xml:"PmtId>EndToEndId"`
	InstdAmt   pAmt   `xml:"InstdAmt"`
	Mndt       pMndt  `xml:"DrctDbtTx>MndtRltdInf"`
	DbtrAgt    pAgent `xml:"DbtrAgt"`
	Dbtr       pName  `xml:"Dbtr"`
	DbtrAcct   pAcct  `xml:"DbtrAcct"`
	Ustrd      string `xml:"RmtInf>Ustrd,omitempty"`
}

type pMndt struct {
	MndtID    string   `xml:"MndtId"`
	DtOfSgntr string   `xml:"DtOfSgntr"`
	AmdmntInd bool     `xml:"AmdmntInd"`
	Amdmnt    *pAmdmnt `xml:"AmdmntInfDtls,omitempty"`
}

type pAmdmnt struct {
	OrgnlMndtID   string  `xml:"OrgnlMndtId,omitempty"`
	OrgnlDbtrAcct *pAcct  `xml:"OrgnlDbtrAcct,omitempty"`
	OrgnlDbtrAgt  *pAgent `xml:"OrgnlDbtrAgt,omitempty"`
}

// PmtInfID returns the payment information id of the part of message msgID with
// sequence type seq.
func PmtInfID(msgID, seq string) string { return msgID + "-" + seq }

// MarshalPain008 writes f as a pain.008.001.02 document: one PmtInf per sequence type
// (FRST before RCUR) for the one collection date, transactions in the order given. The
// output depends only on f, so the same batch always gives the same bytes.
func MarshalPain008(f DirectDebitFile) ([]byte, error) {
	if len(f.Collections) == 0 {
		return nil, fmt.Errorf("sepa: a direct debit file needs at least one collection")
	}
	if err := f.Creditor.Validate(); err != nil {
		return nil, err
	}
	for _, c := range f.Collections {
		if c.SeqType != SeqFirst && c.SeqType != SeqRecurring {
			return nil, fmt.Errorf("sepa: collection %s: sequence type %q is not FRST or RCUR", c.EndToEndID, c.SeqType)
		}
	}
	n, sum := f.Totals()
	doc := pDoc{Xmlns: Pain008Namespace, XSI: "http://www.w3.org/2001/XMLSchema-instance"}
	doc.Initn.GrpHdr = pGrpHdr{MsgID: f.MsgID, CreDtTm: f.CreatedAt.In(clock.Amsterdam).Format("2006-01-02T15:04:05"),
		NbOfTxs: n, CtrlSum: sum.String(), InitgPty: pName{Nm: SEPAText(f.Creditor.Name, 70)}}
	for _, seq := range []string{SeqFirst, SeqRecurring} {
		p := pPmtInf{PmtInfID: PmtInfID(f.MsgID, seq), PmtMtd: "DD", BtchBookg: true, SvcLvl: "SEPA", LclInstrm: "CORE", SeqTp: seq,
			ReqdColltnDt: f.CollectionDate.String(), Cdtr: pName{Nm: SEPAText(f.Creditor.Name, 70)}, CdtrAcct: pAcct{IBAN: f.Creditor.IBAN},
			CdtrAgt: agent(f.Creditor.BIC), ChrgBr: "SLEV", CdtrSchmeID: f.Creditor.CreditorID, SchmeNm: "SEPA"}
		var ps terms.Money
		for _, c := range f.Collections {
			if c.SeqType != seq {
				continue
			}
			if c.Amount <= 0 {
				return nil, fmt.Errorf("sepa: collection %s: amount must be more than zero", c.EndToEndID)
			}
			t := pTx{EndToEndID: c.EndToEndID, InstdAmt: pAmt{Ccy: "EUR", Value: c.Amount.String()},
				Mndt:    pMndt{MndtID: c.MandateID, DtOfSgntr: c.SignedOn.String()},
				DbtrAgt: agent(c.DebtorBIC), Dbtr: pName{Nm: SEPAText(c.DebtorName, 70)}, DbtrAcct: pAcct{IBAN: c.DebtorIBAN},
				Ustrd: SEPAText(c.Remittance, 140)}
			if a := c.Amendment; a != nil {
				t.Mndt.AmdmntInd = true
				t.Mndt.Amdmnt = &pAmdmnt{OrgnlMndtID: a.OriginalMandateID}
				if a.OtherBank {
					smnda := agent("")
					smnda.FinInstnID.Othr.ID = "SMNDA"
					t.Mndt.Amdmnt.OrgnlDbtrAgt = &smnda
				} else if a.OriginalIBAN != "" {
					t.Mndt.Amdmnt.OrgnlDbtrAcct = &pAcct{IBAN: a.OriginalIBAN}
				}
			}
			p.Txs = append(p.Txs, t)
			ps += c.Amount
		}
		if len(p.Txs) == 0 {
			continue
		}
		p.NbOfTxs, p.CtrlSum = len(p.Txs), ps.String()
		doc.Initn.PmtInf = append(doc.Initn.PmtInf, p)
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("sepa: write pain.008: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

func agent(bic string) pAgent {
	var a pAgent
	if bic == "" {
		a.FinInstnID.Othr = &pOthrID{ID: "NOTPROVIDED"}
	} else {
		a.FinInstnID.BIC = bic
	}
	return a
}

// SEPAText reduces s to the Latin character set every SEPA bank accepts (a-z, A-Z,
// 0-9, space and / - ? : ( ) . , ' +), transliterating accented letters, and cuts it to
// max characters.
func SEPAText(s string, max int) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune(" /-?:().,'+", r):
			b.WriteRune(r)
		case r == '&':
			b.WriteRune('+')
		default:
			if t, ok := translit[r]; ok {
				b.WriteString(t)
			} else {
				b.WriteRune(' ')
			}
		}
	}
	out := strings.Join(strings.Fields(b.String()), " ")
	if len(out) > max {
		out = strings.TrimSpace(out[:max])
	}
	return out
}

var translit = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ä': "a", 'ã': "a", 'å': "a", 'À': "A", 'Á': "A", 'Â': "A", 'Ä': "A", 'Ã': "A", 'Å': "A",
	'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'È': "E", 'É': "E", 'Ê': "E", 'Ë': "E",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'Ì': "I", 'Í': "I", 'Î': "I", 'Ï': "I",
	'ò': "o", 'ó': "o", 'ô': "o", 'ö': "o", 'õ': "o", 'ø': "o", 'Ò': "O", 'Ó': "O", 'Ô': "O", 'Ö': "O", 'Õ': "O", 'Ø': "O",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'Ù': "U", 'Ú': "U", 'Û': "U", 'Ü': "U",
	'ý': "y", 'ÿ': "y", 'Ý': "Y", 'ç': "c", 'Ç': "C", 'ñ': "n", 'Ñ': "N", 'ß': "ss", 'æ': "ae", 'Æ': "AE",
	'ĳ': "ij", 'Ĳ': "IJ", '’': "'", '‘': "'", '–': "-", '—': "-", '"': "'", '_': "-", '#': " ", '€': "EUR",
}
