package sepa

import (
	"fmt"
	"strings"
)

// ibanLengths is the length of an IBAN per country of the SEPA scheme area (EPC409-09,
// "EPC list of SEPA scheme countries"; lengths from the SWIFT IBAN registry).
var ibanLengths = map[string]int{
	"AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22,
	"DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27,
	"HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20,
	"LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24,
	"SE": 24, "SI": 19, "SK": 24, "SM": 27, "VA": 22,
	// French overseas departments and territories use FR-format IBANs of their own code.
	"GF": 27, "GP": 27, "MQ": 27, "RE": 27, "YT": 27, "PM": 27, "BL": 27, "MF": 27,
}

// NormalizeIBAN removes spaces and upper-cases s ("nl91 abna 0417 1643 00" →
// "NL91ABNA0417164300").
func NormalizeIBAN(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

// ValidateIBAN checks an IBAN of a SEPA country: the country's length, letters and
// digits only, and the ISO 13616 check (the rearranged number mod 97 is 1). It takes a
// normalised IBAN (see NormalizeIBAN) and returns a message a person can act on.
func ValidateIBAN(iban string) error {
	if iban == "" {
		return fmt.Errorf("enter an IBAN")
	}
	if len(iban) < 4 {
		return fmt.Errorf("IBAN %q is too short", iban)
	}
	cc := iban[:2]
	want, ok := ibanLengths[cc]
	if !ok {
		if !isUpper(cc) {
			return fmt.Errorf("IBAN %q must start with a country code like NL", iban)
		}
		return fmt.Errorf("IBAN %q is not from a SEPA country", iban)
	}
	if len(iban) != want {
		return fmt.Errorf("an IBAN from %s has %d characters, %q has %d", cc, want, iban, len(iban))
	}
	if !isDigits(iban[2:4]) {
		return fmt.Errorf("IBAN %q must have two check digits after the country code", iban)
	}
	for i := 4; i < len(iban); i++ {
		if !isAlnumUpper(iban[i]) {
			return fmt.Errorf("IBAN %q may contain only letters and digits", iban)
		}
	}
	if mod97(iban[4:]+iban[:4]) != 1 {
		return fmt.Errorf("IBAN %q has wrong check digits; check for a typing error", iban)
	}
	return nil
}

// NormalizeCreditorID removes spaces and upper-cases a SEPA creditor identifier.
func NormalizeCreditorID(s string) string { return NormalizeIBAN(s) }

// ValidateCreditorID checks a SEPA creditor identifier (EPC262-08): a country code, two
// check digits, a three-character creditor business code (ZZZ when unused) and the
// national identifier (in the Netherlands the KvK number and a suffix). The check
// digits are ISO 7064 mod 97-10 over the national identifier followed by the country
// code and "00"; the business code is not part of the check.
func ValidateCreditorID(id string) error {
	if len(id) < 8 || len(id) > 35 {
		return fmt.Errorf("creditor identifier %q must have 8 to 35 characters", id)
	}
	cc := id[:2]
	if _, ok := ibanLengths[cc]; !ok {
		return fmt.Errorf("creditor identifier %q must start with the code of a SEPA country", id)
	}
	if !isDigits(id[2:4]) {
		return fmt.Errorf("creditor identifier %q must have two check digits after the country code", id)
	}
	for i := 4; i < len(id); i++ {
		if !isAlnumUpper(id[i]) {
			return fmt.Errorf("creditor identifier %q may contain only letters and digits", id)
		}
	}
	national := id[7:]
	if cc == "NL" && len(id) != 19 {
		return fmt.Errorf("a Dutch creditor identifier has 19 characters (NLkkZZZ + KvK number + 4), %q has %d", id, len(id))
	}
	want := 98 - mod97(national+cc+"00")
	if fmt.Sprintf("%02d", want) != id[2:4] {
		return fmt.Errorf("creditor identifier %q has wrong check digits", id)
	}
	return nil
}

// ValidateBIC checks the form of a BIC (ISO 9362): 4 letters (bank), 2 letters
// (country), 2 letters or digits (location), optionally 3 more (branch).
func ValidateBIC(bic string) error {
	if len(bic) != 8 && len(bic) != 11 {
		return fmt.Errorf("BIC %q must have 8 or 11 characters", bic)
	}
	if !isUpper(bic[:6]) {
		return fmt.Errorf("BIC %q must start with six letters (bank and country)", bic)
	}
	for i := 6; i < len(bic); i++ {
		if !isAlnumUpper(bic[i]) {
			return fmt.Errorf("BIC %q may contain only letters and digits", bic)
		}
	}
	return nil
}

// mod97 computes the ISO 7064 mod 97-10 remainder of s with letters as 10..35.
func mod97(s string) int {
	r := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			r = (r*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			r = (r*100 + int(c-'A') + 10) % 97
		default:
			return -1
		}
	}
	return r
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return s != ""
}

func isAlnumUpper(c byte) bool { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') }
