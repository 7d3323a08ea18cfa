package api

import (
	"net/http"
	"strings"
	"testing"
)

// TestExplanationSentenceInRequestedLanguage: every explanation step keeps its key and
// machine arguments, and `sentence` is written in the language asked for by ?lang=
// (which huma would otherwise reject as an unknown parameter) or Accept-Language,
// Dutch by default.
func TestExplanationSentenceInRequestedLanguage(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		pro := f.plan("webhosting", "pro")
		body := map[string]any{"lines": []map[string]any{{"plan_id": pro.ID, "domain": "www.klant-a.nl"}}}
		for _, tt := range []struct {
			name, path, lang string
			header           map[string]string
		}{
			{"default", "/api/v1/checkout", "nl", nil},
			{"query", "/api/v1/checkout?lang=en", "en", nil},
			{"header", "/api/v1/checkout", "en", map[string]string{"Accept-Language": "en-GB,en;q=0.9,nl;q=0.5"}},
			{"query over header", "/api/v1/checkout?lang=nl", "nl", map[string]string{"Accept-Language": "en"}},
			{"unknown language", "/api/v1/checkout?lang=de", "nl", nil},
		} {
			rec := f.do(request{method: "POST", path: tt.path, token: f.a.token, body: body, header: tt.header})
			var co Checkout
			expect(t, rec, http.StatusOK, &co)
			steps := append(append(append([]ExplanationStep{}, co.Renewal...), co.Cancellation...), co.VATExplanation...)
			if co.Withdrawal != nil {
				steps = append(steps, co.Withdrawal.Explanation...)
			}
			if len(steps) == 0 {
				t.Fatalf("%s: no explanation steps", tt.name)
			}
			for _, s := range steps {
				want := s.Text.NL
				if tt.lang == "en" {
					want = s.Text.EN
				}
				if s.Key == "" {
					t.Errorf("%s: step lost its key: %+v", tt.name, s)
				}
				if s.Key == "withdrawal.period" && (s.Args["end"] == "" || len(s.Args["end"]) != 10) {
					t.Errorf("%s: arguments not in machine form: %+v", tt.name, s.Args)
				}
				if s.Sentence == "" || s.Sentence != want {
					t.Errorf("%s: sentence %q, want the %s text %q", tt.name, s.Sentence, tt.lang, want)
				}
			}
			// The text fields follow the same language (issue 9: no English left in a
			// Dutch answer, no Dutch in an English one).
			textIn(t, tt.name+" term_text", co.TermText, append(append([]ExplanationStep{}, co.Renewal...), co.Cancellation...), tt.lang)
			if co.Withdrawal != nil {
				textIn(t, tt.name+" withdrawal.text", co.Withdrawal.Text, co.Withdrawal.Explanation, tt.lang)
			}
			if got := rec.Header().Get("Content-Language"); got != tt.lang {
				t.Errorf("%s: Content-Language %q, want %q", tt.name, got, tt.lang)
			}
		}
		// ?lang= rides along with an operation's own query parameters.
		var list ContractList
		expect(t, f.get("/api/v1/contracts?status=active&lang=en", f.a.token), http.StatusOK, &list)
	})
}

// textIn fails unless text holds every step's sentence in lang and none written only
// in the other language.
func textIn(t *testing.T, name, text string, steps []ExplanationStep, lang string) {
	t.Helper()
	if text == "" || len(steps) == 0 {
		t.Errorf("%s: empty (%d steps)", name, len(steps))
	}
	for _, s := range steps {
		want, other := s.Text.NL, s.Text.EN
		if lang == "en" {
			want, other = other, want
		}
		if !strings.Contains(text, want) {
			t.Errorf("%s: lacks the %s sentence %q:\n%s", name, lang, want, text)
		}
		if other != want && strings.Contains(text, other) {
			t.Errorf("%s: holds the other language's sentence %q", name, other)
		}
	}
}

func TestAcceptLanguage(t *testing.T) {
	t.Parallel()
	for h, want := range map[string]string{
		"": "", "de": "", "en": "en", "nl-NL": "nl", "de,en;q=0.8,nl;q=0.9": "nl", "en;q=x,nl;q=0.1": "nl", "EN-us": "en", "nl;q=2": "",
	} {
		if got := acceptLanguage(h); got != want {
			t.Errorf("acceptLanguage(%q) = %q, want %q", h, got, want)
		}
	}
}

func FuzzAcceptLanguage(f *testing.F) {
	for _, s := range []string{"", "nl", "en-GB,en;q=0.9,nl;q=0.5", "*;q=0", ";;,,q=", "en;q=1e309"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if l := acceptLanguage(h); l != "" && l != "nl" && l != "en" {
			t.Fatalf("acceptLanguage(%q) = %q", h, l)
		}
	})
}
