package web

import (
	"strings"
	"testing"
)

// A legal name ending in "B.V." that closes a sentence is written with one dot.
func TestTranslateWritesOneDotAfterBV(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"nl", "en"} {
		got := translate(lang, "acting.banner", "Alfa B.V.", "Reseller B.V.")
		if strings.Contains(got, "B.V..") || !strings.Contains(got, "Reseller B.V. ") {
			t.Errorf("%s: %q", lang, got)
		}
	}
}
