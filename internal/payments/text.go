package payments

import (
	"embed"
	"io/fs"

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

var dutchDays = [...]string{"zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"}

// dateText writes a date for a reader of lang with its weekday, since a collection or
// refund day is one to act on: "dinsdag 7 april 2026", "Tuesday 7 April 2026".
func dateText(lang string, d terms.Date) string {
	if lang == "en" {
		return d.Weekday().String() + " " + d.In(lang)
	}
	return dutchDays[d.Weekday()] + " " + d.In(lang)
}
