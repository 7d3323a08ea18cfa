package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Finding 5 of issue 8: a redirect target taken from input is a same-site absolute path
// or it is "/".
func TestRedirectTargetIsSameSitePath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"/portal/invoices?status=open", "/portal/invoices?status=open"},
		{"/login", "/login"},
		{"/staff/customers/7#users", "/staff/customers/7#users"},
		{"", "/"},
		{"login", "/"},
		{"//evil.example/", "/"},
		{"///evil.example/", "/"},
		{"/\\evil.example", "/"},
		{"\\\\evil.example", "/"},
		{"/foo\\..\\..\\/evil.example", "/"},
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"/\r\nSet-Cookie: x=1", "/"},
		{"/\x00", "/"},
		{"/\x7f", "/"},
		{"/\u0085/evil.example", "/"},
		{"/ /evil.example", "/"},
		{"https://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{"/javascript:alert(1)", "/javascript:alert(1)"}, // a path on this site
		{"/\xff", "/"},
		{"/" + strings.Repeat("a", 3000), "/"},
	} {
		if got := safeRedirect(tc.in); got != tc.want {
			t.Errorf("safeRedirect(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzSafeRedirect checks that whatever it accepts stays on this site, read as a
// browser reads a Location header (tabs and newlines dropped, backslashes as slashes,
// WHATWG URL parsing) and as Go reads it.
func FuzzSafeRedirect(f *testing.F) {
	for _, s := range []string{"/", "/a?b=c", "//x", "/\\x", "/\tx", "https://x/", "/%2f%2fx", "/%5cx", "/..//x", "/./x"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://portal.example/staff/")
	f.Fuzz(func(t *testing.T, s string) {
		got := safeRedirect(s)
		if got != "/" && got != s {
			t.Fatalf("safeRedirect(%q) = %q: rewritten instead of refused", s, got)
		}
		browser := strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(strings.TrimLeft(got, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "))
		if !strings.HasPrefix(browser, "/") || strings.HasPrefix(browser, "//") {
			t.Fatalf("safeRedirect(%q) = %q leaves the site in a browser", s, got)
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("safeRedirect(%q) = %q does not parse: %v", s, got, err)
		}
		if u.Scheme != "" || u.Host != "" || u.User != nil || base.ResolveReference(u).Host != base.Host {
			t.Fatalf("safeRedirect(%q) = %q leaves the site", s, got)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
				t.Fatalf("safeRedirect(%q) = %q keeps a control character", s, got)
			}
		}
	})
}

// Every redirect target from input goes through safeRedirect: the language switcher.
func TestLanguageSwitcherRefusesForeignTargets(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		c := e.client()
		for _, next := range []string{"/\t/evil.example/", "/\n/evil.example", "/a\\..\\\\evil.example", "/\x00x"} {
			c.expect(c.post("/lang", url.Values{"lang": {"en"}, "next": {next}}), http.StatusSeeOther, "/")
		}
		c.expect(c.post("/lang", url.Values{"lang": {"en"}, "next": {"/forgot?x=1"}}), http.StatusSeeOther, "/forgot?x=1")
	})
}
