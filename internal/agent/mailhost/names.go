package mailhost

import (
	"fmt"
	"strings"
)

// Names end up in Dovecot's passwd-file, in Postfix's maps and in paths under the
// maildir base, so they are held to a small alphabet: no separator of those formats
// (colon, space, comma, slash) and no "." or ".." path element can get through.

// validDomain checks an ASCII (punycode) domain name in lower case with at least two
// labels of letters, digits and inner hyphens.
func validDomain(d string) error {
	if len(d) > 253 || !strings.Contains(d, ".") {
		return fmt.Errorf("domain %q is not a domain name with at least two labels", d)
	}
	for label := range strings.SplitSeq(d, ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("domain %q has an empty, too long or hyphen-edged label", d)
		}
		for i := 0; i < len(label); i++ {
			if !isLower(label[i]) && !isDigit(label[i]) && label[i] != '-' {
				return fmt.Errorf("domain %q must be lower-case ASCII letters, digits and hyphens (punycode)", d)
			}
		}
	}
	return nil
}

// validLocal checks the part before the @ of a mailbox or alias the module creates:
// lower-case letters, digits and inner ".", "_" or "-", at most 64 characters. "+" is
// left out because it is the usual recipient delimiter.
func validLocal(l string) error {
	if len(l) == 0 || len(l) > 64 {
		return fmt.Errorf("local part %q must be 1-64 characters", l)
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case isLower(c) || isDigit(c):
		case (c == '.' || c == '_' || c == '-') && i > 0 && i < len(l)-1:
			if c == '.' && l[i-1] == '.' {
				return fmt.Errorf("local part %q has two dots in a row", l)
			}
		default:
			return fmt.Errorf("local part %q must be lower-case letters, digits and inner . _ -", l)
		}
	}
	return nil
}

// validTarget checks an alias's destination: an address whose local part may also
// hold "+" (a forward to someone's tagged address) and whose domain is valid.
func validTarget(a string) error {
	local, domain, ok := strings.Cut(a, "@")
	if !ok || len(a) > 254 {
		return fmt.Errorf("target %q is not an address", a)
	}
	if err := validLocal(strings.ReplaceAll(local, "+", "-")); err != nil {
		return fmt.Errorf("target %q: %w", a, err)
	}
	return validDomain(domain)
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
