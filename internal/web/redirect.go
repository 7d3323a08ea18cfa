package web

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxRedirectLen bounds a redirect target; a page's path and query never need more.
const maxRedirectLen = 2048

// safeRedirect returns p when it is an absolute path on this site, else "/". Every
// redirect whose target comes from input (a form's next, a provider's return address)
// goes through it, so hostpact is never an open redirect (issue 8, finding 5).
//
// A browser reads a Location header leniently: it drops tabs and newlines, treats a
// backslash as a slash and "//host" as another site. So a target is refused when it
// does not start with exactly one "/", contains a backslash, any control or space
// character (C0, DEL, C1, Unicode spaces), is not valid UTF-8, or parses with a scheme
// or a host.
func safeRedirect(p string) string {
	if len(p) > maxRedirectLen || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") ||
		strings.ContainsRune(p, '\\') || !utf8.ValidString(p) {
		return "/"
	}
	for _, r := range p {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return "/"
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	return p
}
