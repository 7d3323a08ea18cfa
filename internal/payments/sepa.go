package payments

import (
	"io"
	"unicode/utf8"

	"github.com/hostpact/hostpact/internal/payments/sepa"
)

// The SEPA and ISO 20022 formats live in package sepa, which has no database: its
// parser is fuzzed there without the weight of the storage engines. These names keep
// the payments API in one place.
type (
	Creditor           = sepa.Creditor
	Amendment          = sepa.Amendment
	Statement          = sepa.Statement
	Entry              = sepa.Entry
	Tx                 = sepa.Tx
	ParseError         = sepa.ParseError
	Collection         = sepa.Collection
	DirectDebitFile    = sepa.DirectDebitFile
	Debtor             = sepa.Debtor
	Transfer           = sepa.Transfer
	CreditTransferFile = sepa.CreditTransferFile
)

// Pain001Namespace is the version of the credit transfer files written.
const Pain001Namespace = sepa.Pain001Namespace

// MarshalPain001 writes a pain.001.001.03 document.
func MarshalPain001(f CreditTransferFile) ([]byte, error) { return sepa.MarshalPain001(f) }

// Sequence types of a SEPA direct debit.
const (
	SeqFirst     = sepa.SeqFirst
	SeqRecurring = sepa.SeqRecurring
)

// Pain008Namespace is the version of the direct debit files written.
const Pain008Namespace = sepa.Pain008Namespace

// ParseCAMT053 reads a camt.053.001.02 bank statement (see sepa.ParseCAMT053).
func ParseCAMT053(name string, r io.Reader) ([]Statement, error) {
	return sepa.ParseCAMT053(name, r)
}

// NormalizeIBAN removes spaces and upper-cases an IBAN.
func NormalizeIBAN(s string) string { return sepa.NormalizeIBAN(s) }

// ValidateIBAN checks a SEPA IBAN (length per country, mod 97).
func ValidateIBAN(iban string) error { return sepa.ValidateIBAN(iban) }

// ValidateBIC checks the form of a BIC.
func ValidateBIC(bic string) error { return sepa.ValidateBIC(bic) }

// NormalizeCreditorID removes spaces and upper-cases a creditor identifier.
func NormalizeCreditorID(s string) string { return sepa.NormalizeCreditorID(s) }

// ValidateCreditorID checks a SEPA creditor identifier (ISO 7064 mod 97-10).
func ValidateCreditorID(id string) error { return sepa.ValidateCreditorID(id) }

// MarshalPain008 writes a pain.008.001.02 document.
func MarshalPain008(f DirectDebitFile) ([]byte, error) { return sepa.MarshalPain008(f) }

// PmtInfID returns the payment information id of the part of msgID with sequence seq.
func PmtInfID(msgID, seq string) string { return sepa.PmtInfID(msgID, seq) }

// SEPAText reduces s to the SEPA Latin character set and cuts it to max characters.
func SEPAText(s string, max int) string { return sepa.SEPAText(s, max) }

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
