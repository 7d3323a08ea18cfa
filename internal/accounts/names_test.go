package accounts

import (
	"net/mail"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// Finding 8 of issue 8: names refuse invisible formatting characters (bidi controls,
// zero-width characters, the soft hyphen), so "Jan\u202Eevil" cannot pose as another
// name on an invoice or in the staff lists.
func TestNamesRefuseInvisibleCharacters(t *testing.T) {
	for _, bad := range []string{"\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069", "\ufeff", "\u00ad", "\u2060", "\u034f", "\u3164"} {
		_, err := cleanText("Jan"+bad+"de Vries", true, MaxNameLen)
		if err == nil || !strings.Contains(err.Error(), "invisible") {
			t.Errorf("name with U+%04X: err = %v, want a refusal naming the invisible character", []rune(bad)[0], err)
		}
	}
	for _, good := range []string{"Jan de Vries", "Zoë van Dijk-Ørsted", "山田 太郎", "Иван Петров", "O'Brien & Zn."} {
		if _, err := cleanText(good, true, MaxNameLen); err != nil {
			t.Errorf("%q: %v", good, err)
		}
	}
	each(t, func(t *testing.T, e *env) {
		staff := e.staff("sales@provider.test", RoleSales)
		before := e.snapshot()
		in := business("Bakkerij Jansen")
		in.LegalName = "Bakkerij\u202e Jansen"
		in.ContactName = "Jan\u200bde Vries"
		_, err := e.s.CreateOrganisation(e.ctx, staff, in, &UserInput{Email: "admin@jansen.nl", Name: "Admin\ufeff", Password: goodPW})
		wantFields(t, err, "legal_name", "contact_name", "admin.name")
		e.sameAs(before)
		org, admin := e.customer(staff, business("Bakkerij Jansen"))
		_, err = e.s.CreateUser(e.ctx, admin, UserInput{OrgID: org.ID, Email: "x@jansen.nl", Name: "X\u2066Y", Password: goodPW})
		wantFields(t, err, "name")
	})
}

// Finding 8 of issue 8: e-mail addresses are stored in one form (IDNA for the domain,
// PRECIS for the local part), so one mailbox is one account however it is typed, and
// addresses mixing look-alike scripts are refused.
func TestValidateEmailNormalises(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{" Jan@Example.NL ", "jan@example.nl"},
		{"Jan@BÜCHER.nl", "jan@bücher.nl"},
		{"jan@xn--bcher-kva.nl", "jan@bücher.nl"},
		{"jan@bu\u0308cher.nl", "jan@bücher.nl"}, // decomposed ü
		{"ｊａｎ@ｅｘａｍｐｌｅ.nl", "jan@example.nl"},     // full-width forms
		{"jan.de.vries+factuur@example.nl", "jan.de.vries+factuur@example.nl"},
		{"Zoë@example.nl", "zoë@example.nl"},
		{"иван@пример.рф", "иван@пример.рф"},
		{"山田たろう@例え.jp", "山田たろう@例え.jp"},
		{"jan@例え.jp", "jan@例え.jp"}, // labels differ in script; each label is one
	} {
		got, err := ValidateEmail(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ValidateEmail(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, why string }{
		{"pаypal@example.nl", "mixes"}, // Cyrillic а among Latin letters
		{"jan@pаypal.nl", "mixes"},     // the same in the domain
		{"jan@exаmple.nl", "mixes"},    // and in another label
		{"jοhn@example.nl", "mixes"},   // Greek omicron
		{"jan\u200b@example.nl", "invisible"},
		{"jan@exam\u200dple.nl", "invisible"},
		{"jan@\u202eln.elpmaxe", "invisible"},
		{"jan de vries@example.nl", "like"},
		{"jan@example", "like"},
		{"jan@-example.nl", "like"},
		{"jan@exa_mple.nl", "like"},
		{"Jan <jan@example.nl>", "like"},
		{"@example.nl", "like"},
		{"jan@", "like"},
	} {
		got, err := ValidateEmail(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("ValidateEmail(%q) = %q, %v; want an error about %q", tc.in, got, err, tc.why)
		}
	}
	if got := DisplayEmail("jan@bücher.nl"); got != "jan@bücher.nl (xn--bcher-kva.nl)" {
		t.Errorf("DisplayEmail = %q", got)
	}
	if got := DisplayEmail("jan@example.nl"); got != "jan@example.nl" {
		t.Errorf("DisplayEmail = %q", got)
	}
	if got := EmailASCII("jan@bücher.nl"); got != "jan@xn--bcher-kva.nl" {
		t.Errorf("EmailASCII = %q", got)
	}
	each(t, func(t *testing.T, e *env) {
		staff := e.staff("sales@provider.test", RoleSales)
		org, admin := e.customer(staff, business("Bakkerij Jansen"))
		if _, err := e.s.CreateUser(e.ctx, admin, UserInput{OrgID: org.ID, Email: "Jan@Bücher.NL", Name: "Jan", Password: goodPW}); err != nil {
			t.Fatal(err)
		}
		_, err := e.s.CreateUser(e.ctx, admin, UserInput{OrgID: org.ID, Email: "JAN@xn--bcher-kva.nl", Name: "Jan", Password: goodPW})
		wantFields(t, err, "email")
		if _, err := e.login("jan@XN--BCHER-KVA.NL", goodPW, homeIP); err != nil {
			t.Fatalf("sign-in with the punycode form: %v", err)
		}
	})
}

func FuzzValidateEmail(f *testing.F) {
	for _, s := range []string{"jan@example.nl", "Jan@BÜCHER.nl", "jan@xn--bcher-kva.nl", "pаypal@example.nl", "a@b.c", "\u200b@x.nl", "ｊａｎ@ｅｘａｍｐｌｅ.nl", "иван@пример.рф", "a@xn--.nl", "a@xn--ls8h.la"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ValidateEmail(s)
		if err != nil {
			return
		}
		again, err := ValidateEmail(got)
		if err != nil || again != got {
			t.Fatalf("not idempotent: %q → %q → %q, %v", s, got, again, err)
		}
		if !utf8.ValidString(got) || len(got) > MaxEmailLen {
			t.Fatalf("%q → %q: invalid or too long", s, got)
		}
		for _, r := range got {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.IsSpace(r) || unicode.IsUpper(r) {
				t.Fatalf("%q → %q keeps %U", s, got, r)
			}
		}
		ascii := EmailASCII(got)
		if a, err := mail.ParseAddress(ascii); err != nil || a.Address != ascii {
			t.Fatalf("%q → %q → %q: not an address for SMTP: %v", s, got, ascii, err)
		}
	})
}
