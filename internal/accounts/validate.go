package accounts

import (
	"errors"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hostpact/hostpact/internal/i18n"
)

// Length limits on free text. They bound what a form can store and keep addresses
// printable on an invoice window envelope.
const (
	MaxNameLen       = 200
	MaxStreetLen     = 200
	MaxCityLen       = 100
	MaxPostalCodeLen = 16
	MaxPhoneLen      = 40
	MaxEmailLen      = 254 // RFC 5321 path limit
	MaxTokenNameLen  = 100
	MinPasswordLen   = 8 // cp.security.passwords.1
	MaxPasswordLen   = 256
	MaxAllowlist     = 50
)

// Countries lists the countries an address may be in (ISO 3166-1 alpha-2): the EU member
// states first, then common other countries of customers. Greece is GR here; its VAT ids
// start with EL.
var Countries = []string{
	"NL", "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
	"IE", "IT", "LT", "LU", "LV", "MT", "PL", "PT", "RO", "SE", "SI", "SK",
	"GB", "CH", "NO", "IS", "LI", "US", "CA",
}

// Languages lists the languages of the UI and of mail (DESIGN.md, principle 10).
var Languages = []string{"nl", "en"}

// ValidateKvK checks a Dutch Chamber of Commerce (KvK) number: eight digits, written with
// or without spaces and dots.
func ValidateKvK(s string) (string, error) {
	s = stripSeparators(s)
	if len(s) != 8 || !allDigits(s) {
		return "", i18n.T("accounts.kvk_digits")
	}
	return s, nil
}

// ValidatePassword applies the password policy: at least 8 characters with a lowercase
// letter, an uppercase letter, a digit and a symbol, all four (cp.security.passwords.1,
// INTERPRETATION.md "Accounts and security"); at most 256 characters, so hashing stays
// bounded.
func ValidatePassword(pw string) error {
	if !utf8.ValidString(pw) {
		return i18n.T("accounts.password_invalid")
	}
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLen {
		return i18n.T("accounts.min_chars", MinPasswordLen)
	}
	if n > MaxPasswordLen {
		return i18n.T("accounts.max_chars", MaxPasswordLen)
	}
	var lower, upper, digit, symbol bool
	for _, r := range pw {
		switch {
		case unicode.IsControl(r):
			return i18n.T("accounts.password_control")
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsLetter(r):
			// Letters without case (e.g. CJK) count towards length only.
		default:
			symbol = true
		}
	}
	var missing i18n.List
	if !lower {
		missing = append(missing, i18n.T("accounts.pw.lower"))
	}
	if !upper {
		missing = append(missing, i18n.T("accounts.pw.upper"))
	}
	if !digit {
		missing = append(missing, i18n.T("accounts.pw.digit"))
	}
	if !symbol {
		missing = append(missing, i18n.T("accounts.pw.symbol"))
	}
	if len(missing) > 0 {
		return i18n.T("accounts.password_add", missing)
	}
	return nil
}

var nlPostalCode = regexp.MustCompile(`^([1-9][0-9]{3}) ?([A-Z]{2})$`)

// ValidatePostalCode checks a postal code for country. Dutch codes are "1234 AB" (the
// letter pairs SA, SD and SS are not issued); elsewhere any short code is accepted.
func ValidatePostalCode(country, code string) (string, error) {
	code = strings.ToUpper(strings.Join(strings.Fields(code), " "))
	if code == "" {
		return "", i18n.T("accounts.postal_empty")
	}
	if strings.ToUpper(strings.TrimSpace(country)) == "NL" {
		m := nlPostalCode.FindStringSubmatch(code)
		if m == nil || m[2] == "SA" || m[2] == "SD" || m[2] == "SS" {
			return "", i18n.T("accounts.postal_nl")
		}
		return m[1] + " " + m[2], nil
	}
	if len(code) > MaxPostalCodeLen {
		return "", i18n.T("accounts.max_chars", MaxPostalCodeLen)
	}
	for _, r := range code {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == ' ' || r == '-') {
			return "", i18n.T("accounts.postal_chars")
		}
	}
	return code, nil
}

// ValidateCIDRs checks an IP allowlist and returns it normalised: a single address
// becomes a /32 (IPv4) or /128 (IPv6) range, host bits are cleared, duplicates and empty
// lines are dropped. cp.security.access.3 lets a customer restrict its accounts this way.
func ValidateCIDRs(list []string) ([]string, error) {
	var out []string
	for _, raw := range list {
		s := strings.TrimSpace(raw)
		if s == "" {
			continue
		}
		p, err := parsePrefix(s)
		if err != nil {
			return nil, i18n.T("accounts.not_cidr", truncate(s, 60))
		}
		if c := p.String(); !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	if len(out) > MaxAllowlist {
		return nil, i18n.T("accounts.cidr_count", MaxAllowlist)
	}
	return out, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if a.Zone() != "" {
		return netip.Prefix{}, errors.New("zoned address")
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// parseIP reads the client address the web layer passes; it tolerates a port.
func parseIP(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	return netip.Addr{}, false
}

// ipAllowed reports whether ip is in allowlist; an empty list allows every address.
func ipAllowed(allowlist []string, ip string) bool {
	if len(allowlist) == 0 {
		return true
	}
	a, ok := parseIP(ip)
	if !ok {
		return false
	}
	for _, c := range allowlist {
		if p, err := netip.ParsePrefix(c); err == nil && p.Contains(a) {
			return true
		}
	}
	return false
}

var phoneChars = regexp.MustCompile(`^\+?[0-9 ()./-]+$`)

func validatePhone(s string) (string, error) {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "", nil
	}
	if len(s) > MaxPhoneLen {
		return "", i18n.T("accounts.max_chars", MaxPhoneLen)
	}
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	if !phoneChars.MatchString(s) || digits < 6 {
		return "", i18n.T("accounts.phone_form")
	}
	return s, nil
}

// cleanText trims and collapses a one-line field and checks its length and characters.
func cleanText(s string, required bool, max int) (string, error) {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		if required {
			return "", i18n.T("accounts.required")
		}
		return "", nil
	}
	if !utf8.ValidString(s) {
		return "", i18n.T("accounts.invalid_chars")
	}
	if utf8.RuneCountInString(s) > max {
		return "", i18n.T("accounts.max_chars", max)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", i18n.T("accounts.control_char")
		}
		if invisible(r) {
			return "", errInvisible(r)
		}
	}
	return s, nil
}

// invisibleLetters are characters that print as nothing but are not of the format
// category: the combining grapheme joiner, Hangul and Khmer fillers, Mongolian and
// general variation selectors.
var invisibleLetters = &unicode.RangeTable{
	R16: []unicode.Range16{
		{Lo: 0x034f, Hi: 0x034f, Stride: 1},
		{Lo: 0x115f, Hi: 0x1160, Stride: 1},
		{Lo: 0x17b4, Hi: 0x17b5, Stride: 1},
		{Lo: 0x180b, Hi: 0x180f, Stride: 1},
		{Lo: 0x3164, Hi: 0x3164, Stride: 1},
		{Lo: 0xfe00, Hi: 0xfe0f, Stride: 1},
		{Lo: 0xffa0, Hi: 0xffa0, Stride: 1},
	},
	R32: []unicode.Range32{{Lo: 0xe0100, Hi: 0xe01ef, Stride: 1}},
}

// invisible reports whether r changes how text around it is shown without being seen
// itself: the format characters (bidi controls U+202A–U+202E and U+2066–U+2069, the
// zero-width characters U+200B–U+200F, U+2060, U+FEFF, the soft hyphen U+00AD, …) and
// the invisible letters above. In a name they let "Jan\u202Eevil" pose as another name
// on an invoice or in a list (issue 8, finding 8).
func invisible(r rune) bool {
	return unicode.Is(unicode.Cf, r) || unicode.Is(invisibleLetters, r)
}

func errInvisible(r rune) error {
	return i18n.T("accounts.invisible_char", r)
}

func validateLanguage(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "nl", nil // Dutch first (DESIGN.md, principle 10)
	}
	if !slices.Contains(Languages, s) {
		return "", i18n.T("accounts.language")
	}
	return s, nil
}

func validateCountry(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return "", i18n.T("accounts.country_empty")
	}
	if !slices.Contains(Countries, s) {
		return "", i18n.T("accounts.country_unknown")
	}
	return s, nil
}

// validateAddress checks a, normalising it in place, and files errors under prefix.
func validateAddress(a *Address, prefix string, fe FieldErrors) {
	var err error
	if a.Street, err = cleanText(a.Street, true, MaxStreetLen); err != nil {
		fe[prefix+".street"] = i18n.From(err)
	}
	if a.City, err = cleanText(a.City, true, MaxCityLen); err != nil {
		fe[prefix+".city"] = i18n.From(err)
	}
	country, cerr := validateCountry(a.Country)
	if cerr != nil {
		fe[prefix+".country"] = i18n.From(cerr)
	} else {
		a.Country = country
	}
	if pc, err := ValidatePostalCode(a.Country, a.PostalCode); err != nil {
		fe[prefix+".postal_code"] = i18n.From(err)
	} else {
		a.PostalCode = pc
	}
}

func (a Address) isZero() bool {
	return strings.TrimSpace(a.Street+a.PostalCode+a.City+a.Country) == ""
}

func stripSeparators(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '.' || r == '-' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
