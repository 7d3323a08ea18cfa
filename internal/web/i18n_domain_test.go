package web

import (
	"errors"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/i18n"
)

// TestServiceMessagesAreTranslated feeds the accounts validators bad input and checks
// that every message they produce is a catalogue key the page renders as a Dutch and an
// English sentence (no English left in the Dutch, no ⟦key⟧).
func TestServiceMessagesAreTranslated(t *testing.T) {
	t.Parallel()
	var msgs []i18n.Msg
	collect := func(_ any, err error) {
		if err == nil {
			return
		}
		var m i18n.Msg
		if !errors.As(err, &m) || m.Key == "raw" {
			t.Errorf("%q is not a catalogue message", err)
			return
		}
		msgs = append(msgs, m)
	}
	for _, s := range []string{"", "geen-adres", "a@b", "pаypal@example.nl", "jan\u200b@example.nl"} {
		collect(accounts.ValidateEmail(s))
	}
	for _, s := range []string{"123", "NL123", "NL004495445B02", "XX123", "EL", "GR123456789"} {
		collect(accounts.ValidateVATID(s))
	}
	collect(accounts.ValidateKvK("1234"))
	collect(accounts.ValidatePostalCode("NL", "35111"))
	collect(accounts.ValidateCIDRs([]string{"kantoor"}))
	for _, pw := range []string{"kort", "alleenkleineletters", "Geen-cijfers!", "geen-hoofdletter1"} {
		collect(nil, accounts.ValidatePassword(pw))
	}
	if len(msgs) < 12 {
		t.Fatalf("only %d messages collected", len(msgs))
	}
	for _, m := range msgs {
		nl, en := say("nl", m), say("en", m)
		if strings.Contains(nl, "⟦") || strings.Contains(en, "⟦") {
			t.Errorf("%s: untranslated: %q / %q", m.Key, nl, en)
		}
		if strings.EqualFold(strings.TrimSuffix(nl, "."), m.Error()) {
			t.Errorf("%s: no Dutch text: %q", m.Key, nl)
		}
		if !strings.HasSuffix(en, ".") || !(en[0] >= 'A' && en[0] <= 'Z' || en[0] == '"') {
			t.Errorf("English %q is not a sentence", en)
		}
	}
	if got := say("nl", i18n.From(accounts.ValidatePassword("alleenkleineletters"))); got != "Voeg een hoofdletter, een cijfer en een leesteken toe." {
		t.Errorf("password rule: %q", got)
	}
}

// TestCataloguesDoNotOverlap: a key means one thing, whichever catalogue holds it.
func TestCataloguesDoNotOverlap(t *testing.T) {
	t.Parallel()
	for _, k := range i18n.Keys() {
		if _, ok := messages[k]; ok {
			t.Errorf("%s is in the page catalogue and the domain catalogue", k)
		}
	}
}
