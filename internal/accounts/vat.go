package accounts

import (
	"regexp"
	"strings"

	"github.com/hostpact/hostpact/internal/i18n"
)

// vatFormats are the VAT identification number formats of the EU member states (as VIES
// checks them) and XI, Northern Ireland. Greece uses EL, not its ISO code GR. Only NL is
// checked beyond its format (see validDutchVAT); the others get a format check, which
// catches typing errors without pretending to know the number exists.
var vatFormats = map[string]*regexp.Regexp{
	"AT": regexp.MustCompile(`^ATU\d{8}$`),
	"BE": regexp.MustCompile(`^BE[01]\d{9}$`),
	"BG": regexp.MustCompile(`^BG\d{9,10}$`),
	"CY": regexp.MustCompile(`^CY\d{8}[A-Z]$`),
	"CZ": regexp.MustCompile(`^CZ\d{8,10}$`),
	"DE": regexp.MustCompile(`^DE\d{9}$`),
	"DK": regexp.MustCompile(`^DK\d{8}$`),
	"EE": regexp.MustCompile(`^EE\d{9}$`),
	"EL": regexp.MustCompile(`^EL\d{9}$`),
	"ES": regexp.MustCompile(`^ES[A-Z0-9]\d{7}[A-Z0-9]$`),
	"FI": regexp.MustCompile(`^FI\d{8}$`),
	"FR": regexp.MustCompile(`^FR[0-9A-Z]{2}\d{9}$`),
	"HR": regexp.MustCompile(`^HR\d{11}$`),
	"HU": regexp.MustCompile(`^HU\d{8}$`),
	"IE": regexp.MustCompile(`^IE(\d{7}[A-W][A-I]?|\d[A-Z0-9+*]\d{5}[A-W])$`),
	"IT": regexp.MustCompile(`^IT\d{11}$`),
	"LT": regexp.MustCompile(`^LT(\d{9}|\d{12})$`),
	"LU": regexp.MustCompile(`^LU\d{8}$`),
	"LV": regexp.MustCompile(`^LV\d{11}$`),
	"MT": regexp.MustCompile(`^MT\d{8}$`),
	"NL": regexp.MustCompile(`^NL\d{9}B\d{2}$`),
	"PL": regexp.MustCompile(`^PL\d{10}$`),
	"PT": regexp.MustCompile(`^PT\d{9}$`),
	"RO": regexp.MustCompile(`^RO\d{2,10}$`),
	"SE": regexp.MustCompile(`^SE\d{10}01$`),
	"SI": regexp.MustCompile(`^SI\d{8}$`),
	"SK": regexp.MustCompile(`^SK\d{10}$`),
	"XI": regexp.MustCompile(`^XI(\d{9}|\d{12}|GD\d{3}|HA\d{3})$`),
}

// ValidateVATID checks a VAT identification number and returns it normalised: spaces,
// dots and hyphens removed, upper case. A Dutch number (NL + 9 digits + B + 2 digits) is
// valid when its 9 digits pass the eleven-test (the RSIN of a legal entity) or when the
// whole number passes ISO 7064 mod 97-10 (the btw-id given to sole traders since 2020,
// which is no longer derived from the BSN).
func ValidateVATID(s string) (string, error) {
	s = strings.ToUpper(stripSeparators(s))
	if s == "" {
		return "", i18n.T("accounts.vat_empty")
	}
	if len(s) < 4 {
		return "", i18n.T("accounts.vat_country")
	}
	cc := s[:2]
	if cc == "GR" {
		return "", i18n.T("accounts.vat_greek")
	}
	re, ok := vatFormats[cc]
	if !ok {
		return "", i18n.T("accounts.vat_eu")
	}
	if !re.MatchString(s) {
		return "", i18n.T("accounts.vat_format", cc)
	}
	if cc == "NL" && !validDutchVAT(s) {
		return "", i18n.T("accounts.vat_check")
	}
	return s, nil
}

// validDutchVAT expects the format already checked: NL, 9 digits, B, 2 digits.
func validDutchVAT(s string) bool {
	return elevenTest(s[2:11]) || mod97(s) == 1
}

// elevenTest is the Dutch "elfproef" of a BSN/RSIN: digits weighted 9..2 and the last
// digit -1; the sum must be a multiple of 11. All zeros is not a number anyone holds.
func elevenTest(digits string) bool {
	if len(digits) != 9 || digits == "000000000" {
		return false
	}
	sum := 0
	for i := range 8 {
		sum += int(digits[i]-'0') * (9 - i)
	}
	sum -= int(digits[8] - '0')
	return sum%11 == 0
}

// mod97 reads s with letters as numbers (A=10 … Z=35) and returns it modulo 97.
func mod97(s string) int {
	r := 0
	for _, c := range s {
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
