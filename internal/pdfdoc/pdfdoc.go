// Package pdfdoc holds what the PDF documents (invoices, quotes) share: the embedded
// fonts and the page set-up, so that every document the provider sends looks alike.
package pdfdoc

import (
	"strings"
	"sync"

	"github.com/johnfercher/go-tree/node"
	"github.com/johnfercher/maroto/v2/pkg/config"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/core/entity"
	"github.com/johnfercher/maroto/v2/pkg/props"
	"github.com/johnfercher/maroto/v2/pkg/repository"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/hostpact/hostpact/internal/terms"
)

// Font is the family name of the embedded Go fonts (BSD licence,
// golang.org/x/image/font/gofont): UTF-8, so names like "Müller" or "Čapek" print as
// written.
const Font = "go"

var (
	fontsOnce sync.Once
	fonts     []*entity.CustomFont
	fontsErr  error
)

// Fonts returns the embedded fonts, loaded once.
func Fonts() ([]*entity.CustomFont, error) {
	fontsOnce.Do(func() {
		fonts, fontsErr = repository.New().
			AddUTF8FontFromBytes(Font, fontstyle.Normal, goregular.TTF).
			AddUTF8FontFromBytes(Font, fontstyle.Bold, gobold.TTF).
			AddUTF8FontFromBytes(Font, fontstyle.Italic, goregular.TTF).
			AddUTF8FontFromBytes(Font, fontstyle.BoldItalic, gobold.TTF).
			Load()
	})
	return fonts, fontsErr
}

// Config returns a maroto configuration builder with the embedded fonts, a 9 pt
// default font and 15 mm margins; the caller adds the metadata and builds it.
func Config() (config.Builder, error) {
	fs, err := Fonts()
	if err != nil {
		return nil, err
	}
	return config.NewBuilder().WithCustomFonts(fs).WithDefaultFont(&props.Font{Family: Font, Size: 9}).
		WithLeftMargin(15).WithRightMargin(15).WithTopMargin(15), nil
}

// Period writes a period between two dates in lang: "1 december 2026 – 31 december
// 2026"; "" when from is zero.
func Period(from, to terms.Date, lang string) string {
	if from.IsZero() {
		return ""
	}
	return from.In(lang) + " – " + to.In(lang)
}

// Number writes an amount in lang without the euro sign, for the narrow unit-price
// column: "1.234,56" in Dutch, "1,234.56" in English.
func Number(m terms.Money, lang string) string {
	return strings.Replace(strings.Replace(m.In(lang), "€ ", "", 1), "€", "", 1)
}

// Percent writes a VAT rate in lang: "21%", "5,5%" in Dutch, "5.5%" in English.
func Percent(r terms.Rate, lang string) string {
	s := r.String()
	if lang != "en" {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return s + "%"
}

// Texts returns the text of every text component of m in order, so tests can check
// what a document says (the PDF stream itself is compressed and glyph-encoded).
func Texts(m core.Maroto) []string {
	var out []string
	var walk func(n *node.Node[core.Structure])
	walk = func(n *node.Node[core.Structure]) {
		if d := n.GetData(); d.Type == "text" {
			if s, ok := d.Value.(string); ok {
				out = append(out, s)
			}
		}
		for _, c := range n.GetNexts() {
			walk(c)
		}
	}
	walk(m.GetStructure())
	return out
}
