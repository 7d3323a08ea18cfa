package pin

import (
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	want := strings.Repeat("ab", 32)
	for _, in := range []string{strings.Repeat("AB:", 31) + "AB", want, " " + strings.ToUpper(want) + " "} {
		if got, err := Normalize(in); err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "ab:cd", strings.Repeat("zz", 32)} {
		if _, err := Normalize(in); err == nil {
			t.Errorf("Normalize(%q) accepted", in)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	f.Add("AB:CD")
	f.Add(strings.Repeat("0f", 32))
	f.Fuzz(func(t *testing.T, s string) {
		if got, err := Normalize(s); err == nil && len(got) != 64 {
			t.Errorf("Normalize(%q) = %q", s, got)
		}
	})
}
