package documents

import (
	"fmt"
	"strings"

	"github.com/johnfercher/maroto/v2"
	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/line"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/components/text"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/props"

	"github.com/hostpact/hostpact/internal/pdfdoc"
)

var pdfText = map[string]map[string]string{
	"nl": {"version": "Versie %s, van kracht vanaf %s", "hash": "SHA-256 van deze versie: %s", "url": "Online: %s", "page": "Pagina {current} van {total}"},
	"en": {"version": "Version %s, in force from %s", "hash": "SHA-256 of this version: %s", "url": "Online: %s", "page": "Page {current} of {total}"},
}

var grey = &props.Color{Red: 110, Green: 110, Blue: 110}

// PDF renders v as a PDF in its own language: the text as plain paragraphs with each
// clause id in the margin, and the version, effective date, address and hash, so a
// printed copy can be matched to the version it is.
func PDF(v Version, provider, baseURL string) ([]byte, error) {
	w := pdfText[v.Lang]
	if w == nil {
		w = pdfText["nl"]
	}
	cb, err := pdfdoc.Config()
	if err != nil {
		return nil, err
	}
	cb = cb.WithTitle(v.Title, true).WithSubject(fmt.Sprintf(w["version"], v.Version, v.EffectiveOn.In(v.Lang)), true).
		WithAuthor(provider, true).WithCreationDate(v.PublishedAt).WithKeywords("sha256:"+v.Hash, false).
		WithBottomMargin(15).WithMaxGridSize(24).
		WithPageNumber(props.PageNumber{Pattern: w["page"], Place: props.RightBottom, Family: pdfdoc.Font, Size: 7, Color: grey})
	m := maroto.New(cb.Build())

	small := props.Text{Size: 7.5, Color: grey}
	m.AddRows(text.NewRow(6, provider, props.Text{Size: 9, Color: grey}))
	m.AddAutoRow(text.NewCol(24, v.Title, props.Text{Style: fontstyle.Bold, Size: 15, Bottom: 2}))
	m.AddRows(text.NewRow(5, fmt.Sprintf(w["version"], v.Version, v.EffectiveOn.In(v.Lang)), props.Text{Size: 9}))
	m.AddRows(line.NewRow(3))

	for _, b := range Blocks(v.Body) {
		// The clause id in the margin (4 of 24 columns), the text in the rest.
		clause := text.NewCol(4, b.Clause, props.Text{Size: 6.5, Color: grey, Top: 1})
		indent := min(b.Level, 4)
		switch b.Kind {
		case BlockHeading:
			size := map[int]float64{1: 13, 2: 11.5, 3: 10.5}[b.Level]
			if size == 0 {
				size = 10
			}
			m.AddRows(row.New(2))
			m.AddAutoRow(clause, text.NewCol(20, b.Text, props.Text{Style: fontstyle.Bold, Size: size, Bottom: 1.5}))
		case BlockParagraph, BlockCode, BlockRow:
			tp := props.Text{Size: 9.5, Bottom: 1.5}
			if b.Kind == BlockCode {
				tp.Size = 8.5
			}
			if indent > 0 {
				m.AddAutoRow(clause, col.New(indent), text.NewCol(20-indent, b.Text, tp))
			} else {
				m.AddAutoRow(clause, text.NewCol(20, b.Text, tp))
			}
		case BlockItem:
			tp := props.Text{Size: 9.5, Bottom: 1.5}
			cols := []core.Col{clause}
			if indent > 0 {
				cols = append(cols, col.New(indent))
			}
			m.AddAutoRow(append(cols, text.NewCol(1, b.Marker, props.Text{Size: 9.5}), text.NewCol(19-indent, b.Text, tp))...)
		case BlockRule:
			m.AddRows(line.NewRow(3))
		}
	}

	m.AddRows(row.New(4), line.NewRow(2))
	if baseURL != "" {
		m.AddAutoRow(text.NewCol(24, fmt.Sprintf(w["url"], strings.TrimRight(baseURL, "/")+v.Path()), small))
	}
	m.AddAutoRow(text.NewCol(24, fmt.Sprintf(w["hash"], v.Hash), small))
	doc, err := m.Generate()
	if err != nil {
		return nil, fmt.Errorf("documents: pdf of %s %s (%s): %w", v.Kind, v.Version, v.Lang, err)
	}
	return doc.GetBytes(), nil
}
