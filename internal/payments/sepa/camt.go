package sepa

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/terms"
)

// CAMT053Namespace is the version of the bank-to-customer statement that Dutch banks
// (ING, Rabobank, ABN AMRO) deliver and that ParseCAMT053 reads.
const CAMT053Namespace = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"

// Limits of what ParseCAMT053 accepts; a bank statement beyond them is refused rather
// than read half-way.
const (
	MaxStatementBytes   = 20 << 20 // 20 MiB
	MaxStatementEntries = 20000    // entries per file, all statements together
	MaxTxPerEntry       = 5000     // transaction details per entry (batch bookings)
	maxTextLen          = 1000     // any single text field
)

// Statement is one Stmt of a CAMT.053 file.
type Statement struct {
	MsgID     string // GrpHdr/MsgId
	ID        string // Stmt/Id
	SeqNb     string // Stmt/ElctrncSeqNb
	CreatedAt time.Time
	IBAN      string // Stmt/Acct/Id/IBAN
	Currency  string // Stmt/Acct/Ccy (may be empty)
	Opening   *Balance
	Closing   *Balance
	Entries   []Entry
}

// Balance is an opening (OPBD) or closing (CLBD) booked balance.
type Balance struct {
	Amount terms.Money // signed: negative when debit
	Date   terms.Date
}

// Entry is one Ntry: a booking on the account, possibly a batch of transactions.
type Entry struct {
	Index       int // 1-based position in the file (across statements)
	Amount      terms.Money
	Currency    string
	Credit      bool // CdtDbtInd CRDT
	Reversal    bool // RvslInd
	Status      string
	BookingDate terms.Date
	ValueDate   terms.Date
	AcctSvcrRef string
	NtryRef     string
	BankTxCode  string // Domn/Cd/Fmly/Cd/SubFmlyCd, e.g. PMNT/RCDT/ESCT, or the proprietary code
	BatchPmtInf string // NtryDtls/Btch/PmtInfId
	BatchCount  int    // NtryDtls/Btch/NbOfTxs
	Txs         []Tx
}

// Tx is one TxDtls of an entry, or the entry itself when it has no details.
type Tx struct {
	Amount       terms.Money // the transaction's amount; the entry's for a single transaction
	Currency     string
	AcctSvcrRef  string
	EndToEndID   string
	MandateID    string
	PmtInfID     string
	Reference    string // RmtInf/Strd/CdtrRefInf/Ref, spaces removed
	Unstructured string // RmtInf/Ustrd lines joined with a space
	DebtorName   string
	DebtorIBAN   string
	CreditorName string
	CreditorIBAN string
	ReturnReason string // RtrInf/Rsn/Cd (or Prtry): MD06, AM04, ...
	ReturnInfo   string // RtrInf/AddtlInf
}

// ParseError says where in which file a statement is wrong.
type ParseError struct {
	File  string
	Entry int // 1-based; 0 when the problem is outside an entry
	Tx    int // 1-based TxDtls; 0 when outside one
	Field string
	Msg   i18n.Msg
}

func (e *ParseError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Entry > 0 {
		fmt.Fprintf(&b, "entry %d: ", e.Entry)
	}
	if e.Tx > 0 {
		fmt.Fprintf(&b, "transaction %d: ", e.Tx)
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg.Error())
	return b.String()
}

// ---- the XML shape (only what is read) ----

type xText struct {
	Value string `xml:",chardata"`
}

type xAmt struct {
	Ccy   string `xml:"Ccy,attr"`
	Value string `xml:",chardata"`
}

type xDate struct {
	Dt   string `xml:"Dt"`
	DtTm string `xml:"DtTm"`
}

type xCAMT struct {
	XMLName xml.Name `xml:"Document"`
	Stmt    struct {
		GrpHdr struct {
			MsgID   string `xml:"MsgId"`
			CreDtTm string `xml:"CreDtTm"`
		} `xml:"GrpHdr"`
		Stmts []xStmt `xml:"Stmt"`
	} `xml:"BkToCstmrStmt"`
}

type xStmt struct {
	ID      string `xml:"Id"`
	SeqNb   string `xml:"ElctrncSeqNb"`
	CreDtTm string `xml:"CreDtTm"`
	Acct    struct {
		IBAN string `xml:"Id>IBAN"`
		Othr string `xml:"Id>Othr>Id"`
		Ccy  string `xml:"Ccy"`
	} `xml:"Acct"`
	Bals []struct {
		Cd        string `xml:"Tp>CdOrPrtry>Cd"`
		Amt       xAmt   `xml:"Amt"`
		CdtDbtInd string `xml:"CdtDbtInd"`
		Dt        xDate  `xml:"Dt"`
	} `xml:"Bal"`
	Summary *struct {
		NbOfNtries string `xml:"TtlNtries>NbOfNtries"`
	} `xml:"TxsSummry"`
	Ntries []xNtry `xml:"Ntry"`
}

type xNtry struct {
	NtryRef     string  `xml:"NtryRef"`
	Amt         *xAmt   `xml:"Amt"`
	CdtDbtInd   string  `xml:"CdtDbtInd"`
	RvslInd     string  `xml:"RvslInd"`
	Sts         string  `xml:"Sts"`
	BookgDt     *xDate  `xml:"BookgDt"`
	ValDt       *xDate  `xml:"ValDt"`
	AcctSvcrRef string  `xml:"AcctSvcrRef"`
	BkTxCd      xBkTxCd `xml:"BkTxCd"`
	NtryDtls    []struct {
		Btch *struct {
			PmtInfID string `xml:"PmtInfId"`
			NbOfTxs  string `xml:"NbOfTxs"`
		} `xml:"Btch"`
		TxDtls []xTxDtls `xml:"TxDtls"`
	} `xml:"NtryDtls"`
}

type xBkTxCd struct {
	Domn      string `xml:"Domn>Cd"`
	Fmly      string `xml:"Domn>Fmly>Cd"`
	SubFmly   string `xml:"Domn>Fmly>SubFmlyCd"`
	PrtryCode string `xml:"Prtry>Cd"`
}

type xParty struct {
	Nm string `xml:"Nm"`
}

type xTxDtls struct {
	Refs struct {
		AcctSvcrRef string `xml:"AcctSvcrRef"`
		EndToEndID  string `xml:"EndToEndId"`
		MndtID      string `xml:"MndtId"`
		PmtInfID    string `xml:"PmtInfId"`
	} `xml:"Refs"`
	TxAmt   *xAmt `xml:"AmtDtls>TxAmt>Amt"`
	RltdPts struct {
		Dbtr     xParty `xml:"Dbtr"`
		DbtrIBAN string `xml:"DbtrAcct>Id>IBAN"`
		Cdtr     xParty `xml:"Cdtr"`
		CdtrIBAN string `xml:"CdtrAcct>Id>IBAN"`
	} `xml:"RltdPties"`
	RmtInf struct {
		Ustrd []xText `xml:"Ustrd"`
		Strd  []struct {
			Ref string `xml:"CdtrRefInf>Ref"`
		} `xml:"Strd"`
	} `xml:"RmtInf"`
	RtrInf *struct {
		Cd       string  `xml:"Rsn>Cd"`
		Prtry    string  `xml:"Rsn>Prtry"`
		AddtlInf []xText `xml:"AddtlInf"`
	} `xml:"RtrInf"`
}

// ParseCAMT053 reads a camt.053.001.02 bank statement file. It refuses rather than
// guesses: a wrong namespace, a missing or malformed amount, date or direction, a
// batch whose details do not add up, balances that do not reconcile or a file beyond
// the limits give a *ParseError naming the file, entry and field. name is used only in
// messages.
func ParseCAMT053(name string, r io.Reader) ([]Statement, error) {
	fail := func(entry, tx int, field, key string, args ...any) error {
		return &ParseError{File: name, Entry: entry, Tx: tx, Field: field, Msg: i18n.T(key, args...)}
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxStatementBytes+1))
	if err != nil {
		return nil, fail(0, 0, "", "sepa.cannot_read_file_v", err)
	}
	if len(data) > MaxStatementBytes {
		return nil, fail(0, 0, "", "sepa.file_larger_than_d", MaxStatementBytes>>20)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fail(0, 0, "", "sepa.file_empty")
	}
	if !utf8.Valid(data) {
		return nil, fail(0, 0, "", "sepa.file_not_utf_8")
	}
	var doc xCAMT
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.CharsetReader = func(charset string, input io.Reader) (io.Reader, error) {
		if strings.EqualFold(charset, "utf-8") || strings.EqualFold(charset, "us-ascii") {
			return input, nil
		}
		return nil, fmt.Errorf("encoding %q is not supported; CAMT.053 files are UTF-8", charset)
	}
	if err := dec.Decode(&doc); err != nil {
		var se *xml.SyntaxError
		if errors.Is(err, io.EOF) {
			return nil, fail(0, 0, "", "sepa.no_xml_element_found")
		}
		if errors.As(err, &se) {
			return nil, fail(0, 0, "", "sepa.not_well_formed_xml", se.Line, se.Msg)
		}
		if strings.Contains(err.Error(), "expected element type <Document>") {
			return nil, fail(0, 0, "", "sepa.this_not_iso_20022")
		}
		return nil, fail(0, 0, "", "sepa.cannot_read_xml_v", err)
	}
	if doc.XMLName.Space != CAMT053Namespace {
		if strings.Contains(doc.XMLName.Space, "camt.053") {
			return nil, fail(0, 0, "Document", "sepa.statement_version_q_not", doc.XMLName.Space)
		}
		return nil, fail(0, 0, "Document", "sepa.namespace_q_not_camt", doc.XMLName.Space, CAMT053Namespace)
	}
	if len(doc.Stmt.Stmts) == 0 {
		return nil, fail(0, 0, "BkToCstmrStmt/Stmt", "sepa.file_holds_no_statement")
	}
	msgID := strings.TrimSpace(doc.Stmt.GrpHdr.MsgID)
	if msgID == "" {
		return nil, fail(0, 0, "GrpHdr/MsgId", "sepa.missing")
	}
	var out []Statement
	index := 0
	for si, xs := range doc.Stmt.Stmts {
		st := Statement{MsgID: msgID, ID: strings.TrimSpace(xs.ID), SeqNb: strings.TrimSpace(xs.SeqNb),
			IBAN: NormalizeIBAN(xs.Acct.IBAN), Currency: strings.TrimSpace(xs.Acct.Ccy)}
		where := fmt.Sprintf("Stmt[%d]/", si+1)
		if st.ID == "" {
			return nil, fail(0, 0, where+"Id", "sepa.missing")
		}
		if len(st.ID) > 35 {
			return nil, fail(0, 0, where+"Id", "sepa.longer_than_35_characters")
		}
		if st.IBAN == "" {
			return nil, fail(0, 0, where+"Acct/Id/IBAN", "sepa.missing_only_statements_iban")
		}
		if err := ValidateIBAN(st.IBAN); err != nil {
			return nil, fail(0, 0, where+"Acct/Id/IBAN", "sepa.detail", err)
		}
		if t, err := parseDateTime(xs.CreDtTm); err == nil {
			st.CreatedAt = t
		} else if xs.CreDtTm != "" {
			return nil, fail(0, 0, where+"CreDtTm", "sepa.detail", err)
		}
		for _, b := range xs.Bals {
			if b.Cd != "OPBD" && b.Cd != "CLBD" {
				continue
			}
			// A balance may be nil: a new or emptied account (only entries must move money).
			m, ccy, err := parseBalance(b.Amt)
			if err != nil {
				return nil, fail(0, 0, where+"Bal/"+b.Cd+"/Amt", "sepa.detail", err)
			}
			if st.Currency != "" && ccy != st.Currency {
				return nil, fail(0, 0, where+"Bal/"+b.Cd+"/Amt", "sepa.currency_s_differs_from", ccy, st.Currency)
			}
			switch b.CdtDbtInd {
			case "CRDT":
			case "DBIT":
				m = -m
			default:
				return nil, fail(0, 0, where+"Bal/"+b.Cd+"/CdtDbtInd", "sepa.must_crdt_dbit_not", b.CdtDbtInd)
			}
			d, err := parseXDate(b.Dt)
			if err != nil {
				return nil, fail(0, 0, where+"Bal/"+b.Cd+"/Dt", "sepa.detail", err)
			}
			bal := &Balance{Amount: m, Date: d}
			if b.Cd == "OPBD" {
				st.Opening = bal
			} else {
				st.Closing = bal
			}
		}
		if xs.Summary != nil && xs.Summary.NbOfNtries != "" {
			n, ok := atoiSmall(xs.Summary.NbOfNtries)
			if !ok {
				return nil, fail(0, 0, where+"TxsSummry/TtlNtries/NbOfNtries", "sepa.q_not_number", xs.Summary.NbOfNtries)
			}
			if n != len(xs.Ntries) {
				return nil, fail(0, 0, where+"TxsSummry/TtlNtries/NbOfNtries", "sepa.says_d_entries_but", n, len(xs.Ntries))
			}
		}
		var net terms.Money
		for _, xn := range xs.Ntries {
			index++
			if index > MaxStatementEntries {
				return nil, fail(0, 0, "", "sepa.more_than_d_entries", MaxStatementEntries)
			}
			e, err := parseEntry(name, index, xn)
			if err != nil {
				return nil, err
			}
			if st.Currency != "" && e.Currency != st.Currency {
				return nil, fail(index, 0, "Amt", "sepa.currency_s_differs_from", e.Currency, st.Currency)
			}
			if e.Status == "BOOK" {
				if e.Credit {
					net += e.Amount
				} else {
					net -= e.Amount
				}
			}
			st.Entries = append(st.Entries, e)
		}
		if st.Opening != nil && st.Closing != nil && st.Opening.Amount+net != st.Closing.Amount {
			return nil, fail(0, 0, where+"Bal", "sepa.opening_balance_s_plus",
				st.Opening.Amount, net, st.Opening.Amount+net, st.Closing.Amount)
		}
		out = append(out, st)
	}
	// Entry references must be unique within a file: they are what makes a second
	// import of the same booking recognisable.
	seen := map[string]int{}
	for _, st := range out {
		for _, e := range st.Entries {
			if e.AcctSvcrRef == "" {
				continue
			}
			k := st.IBAN + "|" + e.AcctSvcrRef
			if prev, dup := seen[k]; dup {
				return nil, fail(e.Index, 0, "AcctSvcrRef", "sepa.q_also_reference_entry", e.AcctSvcrRef, prev)
			}
			seen[k] = e.Index
		}
	}
	return out, nil
}

func parseEntry(name string, index int, xn xNtry) (Entry, error) {
	fail := func(tx int, field, key string, args ...any) error {
		return &ParseError{File: name, Entry: index, Tx: tx, Field: field, Msg: i18n.T(key, args...)}
	}
	e := Entry{Index: index, Status: strings.TrimSpace(xn.Sts), AcctSvcrRef: strings.TrimSpace(xn.AcctSvcrRef), NtryRef: strings.TrimSpace(xn.NtryRef)}
	if xn.Amt == nil {
		return e, fail(0, "Amt", "sepa.missing")
	}
	var err error
	if e.Amount, e.Currency, err = parseAmount(*xn.Amt); err != nil {
		return e, fail(0, "Amt", "sepa.detail", err)
	}
	switch xn.CdtDbtInd {
	case "CRDT":
		e.Credit = true
	case "DBIT":
	case "":
		return e, fail(0, "CdtDbtInd", "sepa.missing")
	default:
		return e, fail(0, "CdtDbtInd", "sepa.must_crdt_dbit_not", clip(xn.CdtDbtInd))
	}
	switch xn.RvslInd {
	case "", "false", "0":
	case "true", "1":
		e.Reversal = true
	default:
		return e, fail(0, "RvslInd", "sepa.must_true_false_not", clip(xn.RvslInd))
	}
	switch e.Status {
	case "BOOK", "PDNG", "INFO":
	case "":
		return e, fail(0, "Sts", "sepa.missing")
	default:
		return e, fail(0, "Sts", "sepa.must_book_pdng_info", clip(e.Status))
	}
	if xn.BookgDt == nil {
		return e, fail(0, "BookgDt", "sepa.missing")
	}
	if e.BookingDate, err = parseXDate(*xn.BookgDt); err != nil {
		return e, fail(0, "BookgDt", "sepa.detail", err)
	}
	e.ValueDate = e.BookingDate
	if xn.ValDt != nil {
		if e.ValueDate, err = parseXDate(*xn.ValDt); err != nil {
			return e, fail(0, "ValDt", "sepa.detail", err)
		}
	}
	for _, f := range []struct{ name, v string }{{"AcctSvcrRef", e.AcctSvcrRef}, {"NtryRef", e.NtryRef}} {
		if len(f.v) > 140 {
			return e, fail(0, f.name, "sepa.longer_than_140_characters")
		}
	}
	if c := xn.BkTxCd; c.Domn != "" {
		e.BankTxCode = strings.Join([]string{c.Domn, c.Fmly, c.SubFmly}, "/")
	} else {
		e.BankTxCode = c.PrtryCode
	}
	e.BankTxCode = clipLen(e.BankTxCode, 60)
	var xtxs []xTxDtls
	for _, d := range xn.NtryDtls {
		if d.Btch != nil {
			e.BatchPmtInf = clipLen(strings.TrimSpace(d.Btch.PmtInfID), 35)
			if d.Btch.NbOfTxs != "" {
				n, ok := atoiSmall(d.Btch.NbOfTxs)
				if !ok || n < 1 {
					return e, fail(0, "NtryDtls/Btch/NbOfTxs", "sepa.q_not_positive_number", clip(d.Btch.NbOfTxs))
				}
				e.BatchCount = n
			}
		}
		xtxs = append(xtxs, d.TxDtls...)
	}
	if len(xtxs) > MaxTxPerEntry {
		return e, fail(0, "NtryDtls/TxDtls", "sepa.more_than_d_transactions", MaxTxPerEntry)
	}
	if len(xtxs) == 0 {
		e.Txs = []Tx{{Amount: e.Amount, Currency: e.Currency, PmtInfID: e.BatchPmtInf}}
		return e, nil
	}
	var sum terms.Money
	allAmounts := true
	for i, xt := range xtxs {
		tx, err := parseTx(xt, e)
		if err != nil {
			var pe *ParseError
			if errors.As(err, &pe) {
				pe.File, pe.Entry, pe.Tx = name, index, i+1
			}
			return e, err
		}
		if xt.TxAmt == nil {
			allAmounts = false
			if len(xtxs) > 1 {
				return e, fail(i+1, "AmtDtls/TxAmt/Amt", "sepa.missing_entry_d_transactions", len(xtxs))
			}
		}
		sum += tx.Amount
		e.Txs = append(e.Txs, tx)
	}
	if allAmounts && sum != e.Amount {
		return e, fail(0, "NtryDtls", "sepa.transactions_add_up_s", sum, e.Amount)
	}
	return e, nil
}

func parseTx(xt xTxDtls, e Entry) (Tx, error) {
	fail := func(field, key string, args ...any) error {
		return &ParseError{Field: field, Msg: i18n.T(key, args...)}
	}
	tx := Tx{Amount: e.Amount, Currency: e.Currency,
		AcctSvcrRef: strings.TrimSpace(xt.Refs.AcctSvcrRef), EndToEndID: strings.TrimSpace(xt.Refs.EndToEndID),
		MandateID: strings.TrimSpace(xt.Refs.MndtID), PmtInfID: strings.TrimSpace(xt.Refs.PmtInfID),
		DebtorName: strings.TrimSpace(xt.RltdPts.Dbtr.Nm), DebtorIBAN: NormalizeIBAN(xt.RltdPts.DbtrIBAN),
		CreditorName: strings.TrimSpace(xt.RltdPts.Cdtr.Nm), CreditorIBAN: NormalizeIBAN(xt.RltdPts.CdtrIBAN)}
	if tx.PmtInfID == "" {
		tx.PmtInfID = e.BatchPmtInf
	}
	if tx.EndToEndID == "NOTPROVIDED" {
		tx.EndToEndID = ""
	}
	if xt.TxAmt != nil {
		var err error
		if tx.Amount, tx.Currency, err = parseAmount(*xt.TxAmt); err != nil {
			return tx, fail("AmtDtls/TxAmt/Amt", "sepa.detail", err)
		}
		if tx.Currency != e.Currency {
			return tx, fail("AmtDtls/TxAmt/Amt", "sepa.currency_s_differs_from2", tx.Currency, e.Currency)
		}
	}
	var refs []string
	for _, s := range xt.RmtInf.Strd {
		if r := strings.Join(strings.Fields(s.Ref), ""); r != "" {
			refs = append(refs, r)
		}
	}
	if len(refs) > 1 {
		return tx, fail("RmtInf/Strd/CdtrRefInf/Ref", "sepa.more_than_one_structured")
	}
	if len(refs) == 1 {
		tx.Reference = refs[0]
	}
	var ustrd []string
	for _, u := range xt.RmtInf.Ustrd {
		if s := strings.Join(strings.Fields(u.Value), " "); s != "" {
			ustrd = append(ustrd, s)
		}
	}
	tx.Unstructured = strings.Join(ustrd, " ")
	if xt.RtrInf != nil {
		tx.ReturnReason = strings.TrimSpace(xt.RtrInf.Cd)
		if tx.ReturnReason == "" {
			tx.ReturnReason = strings.TrimSpace(xt.RtrInf.Prtry)
		}
		if tx.ReturnReason == "" {
			return tx, fail("RtrInf/Rsn/Cd", "sepa.return_must_give_reason")
		}
		var info []string
		for _, a := range xt.RtrInf.AddtlInf {
			if s := strings.TrimSpace(a.Value); s != "" {
				info = append(info, s)
			}
		}
		tx.ReturnInfo = strings.Join(info, " ")
	}
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{
		{"Refs/AcctSvcrRef", &tx.AcctSvcrRef, 140}, {"Refs/EndToEndId", &tx.EndToEndID, 35}, {"Refs/MndtId", &tx.MandateID, 35},
		{"Refs/PmtInfId", &tx.PmtInfID, 35}, {"RmtInf/Strd/CdtrRefInf/Ref", &tx.Reference, 35},
		{"RmtInf/Ustrd", &tx.Unstructured, maxTextLen}, {"RltdPties/Dbtr/Nm", &tx.DebtorName, 140},
		{"RltdPties/Cdtr/Nm", &tx.CreditorName, 140}, {"RltdPties/DbtrAcct/Id/IBAN", &tx.DebtorIBAN, 34},
		{"RltdPties/CdtrAcct/Id/IBAN", &tx.CreditorIBAN, 34}, {"RtrInf/Rsn/Cd", &tx.ReturnReason, 35},
		{"RtrInf/AddtlInf", &tx.ReturnInfo, maxTextLen},
	} {
		if len(*f.v) > f.max {
			return tx, fail(f.name, "sepa.longer_than_d_characters", f.max)
		}
	}
	return tx, nil
}

// parseAmount reads an ISO 20022 amount of an entry or transaction: a positive decimal
// with at most two significant decimals (trailing zeros beyond them are allowed) and a
// three-letter currency.
func parseAmount(a xAmt) (terms.Money, string, error) {
	m, ccy, err := parseUnsigned(a)
	if err == nil && m == 0 {
		return 0, "", fmt.Errorf("amount %q must be more than zero", clip(strings.TrimSpace(a.Value)))
	}
	return m, ccy, err
}

// parseBalance reads a balance amount, which, unlike an entry's, may be 0.00.
func parseBalance(a xAmt) (terms.Money, string, error) { return parseUnsigned(a) }

func parseUnsigned(a xAmt) (terms.Money, string, error) {
	ccy := strings.TrimSpace(a.Ccy)
	if len(ccy) != 3 || !isUpper(ccy) {
		return 0, "", fmt.Errorf("currency %q is not a three-letter code", clip(a.Ccy))
	}
	v := strings.TrimSpace(a.Value)
	if len(v) > 24 {
		return 0, "", fmt.Errorf("amount %q is too long", clip(v))
	}
	if whole, frac, ok := strings.Cut(v, "."); ok && len(frac) > 2 {
		frac = strings.TrimRight(frac, "0")
		for len(frac) < 2 {
			frac += "0"
		}
		v = whole + "." + frac
	}
	if strings.HasPrefix(v, "-") || strings.HasPrefix(v, "+") {
		return 0, "", fmt.Errorf("amount %q must be unsigned; the direction is in CdtDbtInd", clip(v))
	}
	m, err := terms.ParseMoney(v)
	if err != nil {
		return 0, "", err
	}
	if m < 0 {
		return 0, "", fmt.Errorf("amount %q must be unsigned; the direction is in CdtDbtInd", clip(v))
	}
	return m, ccy, nil
}

func parseXDate(d xDate) (terms.Date, error) {
	switch {
	case d.Dt != "":
		return terms.ParseDate(strings.TrimSpace(d.Dt))
	case d.DtTm != "":
		t, err := parseDateTime(d.DtTm)
		if err != nil {
			return terms.Date{}, err
		}
		return terms.DateIn(t, clock.Amsterdam), nil
	}
	return terms.Date{}, errors.New("missing Dt or DtTm")
}

// parseDateTime reads an ISO date-time with or without zone; without one it is read
// as Amsterdam time, as Dutch banks write it.
func parseDateTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		loc := time.UTC
		if layout != time.RFC3339Nano {
			loc = clock.Amsterdam
		}
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			if t.Year() < terms.MinYear || t.Year() > terms.MaxYear {
				break
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("date-time %q is not in the form 2026-02-03T10:00:00", clip(s))
}

func atoiSmall(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if !isDigits(s) || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// clip shortens outside text quoted in an error message.
func clip(s string) string { return clipLen(s, 40) }

func clipLen(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
