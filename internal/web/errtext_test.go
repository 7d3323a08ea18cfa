package web

import (
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
)

// TestServiceMessagesAreTranslated feeds the accounts validators bad input and checks
// that the Dutch UI knows each message they produce.
func TestServiceMessagesAreTranslated(t *testing.T) {
	var msgs []string
	collect := func(_ any, err error) {
		if err == nil {
			return
		}
		msgs = append(msgs, err.Error())
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
		t.Fatalf("only %d messages collected: %q", len(msgs), msgs)
	}
	for _, m := range msgs {
		nl := localiseError("nl", m)
		if strings.EqualFold(strings.TrimSuffix(nl, "."), m) {
			t.Errorf("no Dutch text for %q", m)
		}
		if en := localiseError("en", m); !strings.HasSuffix(en, ".") || !(en[0] >= 'A' && en[0] <= 'Z' || en[0] == '"') {
			t.Errorf("English %q is not a sentence", en)
		}
	}
	if got := localiseError("nl", "add a lowercase letter, a digit and a symbol"); got != "Voeg een kleine letter, een cijfer en een leesteken toe." {
		t.Errorf("password rule: %q", got)
	}
	if got := localiseError("nl", "something new"); got != "Something new." {
		t.Errorf("unknown message: %q", got)
	}
}
