package accounts

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/secure/precis"

	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/notify"
)

var errEmailForm = i18n.T("accounts.email_form")

// ValidateEmail checks an e-mail address and returns it in the one form in which it is
// stored and compared, so one mailbox is one account however it was typed (issue 8,
// finding 8):
//
//   - the domain through IDNA's lookup profile (UTS #46: case folded, full-width forms
//     mapped, NFC, hyphen and bidi rules), kept in its Unicode form (bücher.nl, also
//     when typed as xn--bcher-kva.nl);
//   - the local part through PRECIS' UsernameCaseMapped profile (RFC 8265: width
//     mapped, lower-cased, NFC, no spaces or controls);
//   - no invisible formatting characters anywhere, and no part that mixes look-alike
//     scripts (a Cyrillic "а" among Latin letters: pаypal@example.nl).
//
// EmailASCII gives the form for SMTP, DisplayEmail the form for staff pages.
func ValidateEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", i18n.T("accounts.email_empty")
	}
	if len(s) > 4*MaxEmailLen {
		return "", i18n.T("accounts.max_chars", MaxEmailLen)
	}
	if !utf8.ValidString(s) {
		return "", errEmailForm
	}
	for _, r := range s {
		if invisible(r) {
			return "", errInvisible(r)
		}
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return "", errEmailForm
	}
	local, err := precis.UsernameCaseMapped.String(s[:at])
	if err != nil {
		return "", errEmailForm
	}
	ascii, uni, err := normaliseDomain(s[at+1:])
	if err != nil {
		return "", err
	}
	if mixedScripts(local) {
		return "", errMixedScripts
	}
	for label := range strings.SplitSeq(uni, ".") {
		if mixedScripts(label) {
			return "", errMixedScripts
		}
	}
	out, wire := local+"@"+uni, local+"@"+ascii
	if len(out) > MaxEmailLen || len(wire) > MaxEmailLen {
		return "", i18n.T("accounts.max_chars", MaxEmailLen)
	}
	// net/mail checks the local part's syntax (RFC 5322 with RFC 6532's UTF-8); a quoted
	// or commented form comes back different and is refused.
	a, err := mail.ParseAddress(wire)
	if err != nil || a.Address != wire || a.Name != "" {
		return "", errEmailForm
	}
	return out, nil
}

var errMixedScripts = i18n.T("accounts.email_mixed_scripts")

// normaliseDomain returns the domain's ASCII (punycode) and Unicode forms.
func normaliseDomain(d string) (ascii, uni string, err error) {
	ascii, err = idna.Lookup.ToASCII(d)
	if err != nil || len(ascii) > 253 || !strings.Contains(ascii, ".") {
		return "", "", errEmailForm
	}
	for label := range strings.SplitSeq(ascii, ".") {
		if label == "" || len(label) > 63 {
			return "", "", errEmailForm
		}
	}
	if uni, err = idna.Lookup.ToUnicode(ascii); err != nil {
		return "", "", errEmailForm
	}
	return ascii, uni, nil
}

// EmailASCII returns a stored address with its domain in ASCII (punycode), the form an
// SMTP server without SMTPUTF8 accepts.
func EmailASCII(addr string) string { return notify.ASCIIDomain(addr) }

// DisplayEmail shows a stored address for staff: an internationalised domain with its
// punycode form beside it ("jan@bücher.nl (xn--bcher-kva.nl)"), so look-alike domains
// can be told apart.
func DisplayEmail(addr string) string {
	if a := EmailASCII(addr); a != addr {
		at := strings.LastIndexByte(a, '@')
		return addr + " (" + a[at+1:] + ")"
	}
	return addr
}

// mixedScripts reports whether s mixes scripts beyond what UTS #39 calls highly
// restrictive: one script, or Latin with the scripts written together in Japanese,
// Chinese or Korean. Digits and punctuation (Common) and combining marks (Inherited)
// belong to every script.
func mixedScripts(s string) bool {
	seen := map[string]bool{}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsNumber(r) {
			continue
		}
		if sc := scriptOf(r); sc != "" {
			seen[sc] = true
		}
	}
	if len(seen) <= 1 {
		return false
	}
	for _, allowed := range cjkMixes {
		ok := true
		for sc := range seen {
			if !strings.Contains(allowed, ","+sc+",") {
				ok = false
				break
			}
		}
		if ok {
			return false
		}
	}
	return true
}

var cjkMixes = []string{",Latin,Han,Hiragana,Katakana,", ",Latin,Han,Bopomofo,", ",Latin,Han,Hangul,"}

// commonScripts are tried first; any other script is found in unicode.Scripts.
var commonScripts = []string{"Latin", "Cyrillic", "Greek", "Han", "Hiragana", "Katakana", "Hangul", "Arabic", "Hebrew", "Armenian"}

func scriptOf(r rune) string {
	for _, name := range commonScripts {
		if unicode.Is(unicode.Scripts[name], r) {
			return name
		}
	}
	for name, table := range unicode.Scripts {
		if name != "Common" && name != "Inherited" && unicode.Is(table, r) {
			return name
		}
	}
	return ""
}
