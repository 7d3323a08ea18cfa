package payments

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"

	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/terms"
)

//go:embed mail/*.txt
var mailFS embed.FS

var templates = notify.NewTemplates(mustSub(mailFS, "mail"))

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// moneyText writes an amount for a reader of lang: "€ 1.234,50" in Dutch, "€1,234.50"
// in English.
func moneyText(lang string, m terms.Money) string {
	s := m.String() // 1234.50
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	sep, dec := ",", "."
	if lang != "en" {
		sep, dec = ".", ","
	}
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	out := b.String() + dec + frac
	if neg {
		out = "-" + out
	}
	if lang != "en" {
		return "€ " + out
	}
	return "€" + out
}

var dutchMonths = [...]string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"}
var dutchDays = [...]string{"zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"}

// dateText writes a date for a reader of lang: "dinsdag 7 april 2026", "Tuesday 7 April 2026".
func dateText(lang string, d terms.Date) string {
	if lang == "en" {
		return fmt.Sprintf("%s %d %s %d", d.Weekday(), d.Day(), d.Month(), d.Year())
	}
	return fmt.Sprintf("%s %d %s %d", dutchDays[d.Weekday()], d.Day(), dutchMonths[d.Month()-1], d.Year())
}
