package i18n

import "testing"

func TestOneDot(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Er is een account voor u aangemaakt bij Cloudprovider B.V..": "Er is een account voor u aangemaakt bij Cloudprovider B.V.",
		"Je werkt namens Alfa B.V.. Alles staat op jouw naam.":        "Je werkt namens Alfa B.V. Alles staat op jouw naam.",
		"Klanten: Alfa B.V., Beta N.V..\nKies er één.":                "Klanten: Alfa B.V., Beta N.V.\nKies er één.",
		"Even geduld...":               "Even geduld...",
		"Zie versie 1.2.":              "Zie versie 1.2.",
		"Bedrag: € 1.234,56.":          "Bedrag: € 1.234,56.",
		"no dots":                      "no dots",
		"Alfa B.V.. Beta B.V.. Gamma.": "Alfa B.V. Beta B.V. Gamma.",
	} {
		if got := OneDot(in); got != want {
			t.Errorf("OneDot(%q) = %q, want %q", in, got, want)
		}
	}
}
