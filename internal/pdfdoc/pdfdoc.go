// Package pdfdoc holds what the PDF documents (invoices, quotes) share: the embedded
// fonts and the page set-up, so that every document the provider sends looks alike.
package pdfdoc

import (
	"sync"

	"github.com/johnfercher/maroto/v2/pkg/config"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
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

// Euro formats an amount as "€ 1234.56".
func Euro(m terms.Money) string { return "€ " + m.String() }
