package i18n

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// TestEveryKeyHasBothLanguages: a text added in one language only, or with other
// %-verbs in the other, fails here.
func TestEveryKeyHasBothLanguages(t *testing.T) {
	t.Parallel()
	verbs := regexp.MustCompile(`%(\[\d\])?[-+# 0-9]*[dsvqxX]`)
	if len(Keys()) < 200 {
		t.Fatalf("only %d keys", len(Keys()))
	}
	for _, k := range Keys() {
		nl, _ := Lookup("nl", k)
		en, _ := Lookup("en", k)
		if strings.TrimSpace(nl) == "" || strings.TrimSpace(en) == "" {
			t.Errorf("%s: a language is missing: nl %q, en %q", k, nl, en)
		}
		if nl == en && !strings.HasPrefix(nl, "%") {
			t.Errorf("%s: the Dutch text is the English one: %q", k, nl)
		}
		// Dutch quotes a value with ‘%s’ where English uses %q.
		q := strings.NewReplacer("%q", "%s")
		a, b := verbs.FindAllString(q.Replace(nl), -1), verbs.FindAllString(q.Replace(en), -1)
		if strings.Join(a, " ") != strings.Join(b, " ") {
			t.Errorf("%s: verbs differ: %v vs %v", k, a, b)
		}
	}
}

type money int

func (m money) In(lang string) string {
	if lang == "en" {
		return fmt.Sprintf("€%d.00", int(m))
	}
	return fmt.Sprintf("€ %d,00", int(m))
}

type reason struct{}

func (reason) Text(lang string) string { return "text in " + lang }
func (reason) Error() string           { return "text in en" }

func TestMsgRendersPerLanguage(t *testing.T) {
	t.Parallel()
	m := T("billing.most_lines_amount_s", money(12))
	if got := m.In("nl"); got != "hoogstens het bedrag van de regel, € 12,00" {
		t.Errorf("nl: %q", got)
	}
	if got := m.Error(); got != "at most the line's amount, €12.00" {
		t.Errorf("en: %q", got)
	}
	pw := T("accounts.password_add", List{T("accounts.pw.lower"), T("accounts.pw.digit"), T("accounts.pw.symbol")})
	if got := Sentence(pw.In("nl")); got != "Voeg een kleine letter, een cijfer en een leesteken toe." {
		t.Errorf("list nl: %q", got)
	}
	if got := pw.Error(); got != "add a lowercase letter, a digit and a symbol" {
		t.Errorf("list en: %q", got)
	}
	if got := T("no.such.key").In("nl"); got != Missing("no.such.key") || !strings.HasPrefix(got, "⟦") {
		t.Errorf("missing key: %q", got)
	}
	if got := From(errors.New("line 3: bad")).In("nl"); got != "line 3: bad" {
		t.Errorf("raw: %q", got)
	}
	if got := From(fmt.Errorf("wrapped: %w", T("accounts.required"))).In("nl"); got != "vul dit veld in" {
		t.Errorf("wrapped msg: %q", got)
	}
	if got := From(reason{}).In("nl"); got != "text in nl" {
		t.Errorf("texter: %q", got)
	}
}
