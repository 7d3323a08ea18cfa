package privacy

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/johnfercher/maroto/v2"
	"github.com/johnfercher/maroto/v2/pkg/components/text"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/props"

	"github.com/hostpact/hostpact/internal/csvsafe"
	"github.com/hostpact/hostpact/internal/pdfdoc"
)

// The register exported for the supervisory authority or an auditor (AVG art. 30(4)):
// CSV (formula-safe, internal/csvsafe) and PDF (internal/pdfdoc), headings in the
// reader's language.

var registerHeads = map[string][]string{
	"nl": {"Rol", "Activiteit", "Doel", "Gegevens", "Betrokkenen", "Grondslag", "Bewaartermijn", "Ontvangers", "Subverwerkers", "Doorgifte buiten de EER", "Bepalingen"},
	"en": {"Role", "Activity", "Purpose", "Data", "Data subjects", "Legal basis", "Retention", "Recipients", "Subprocessors", "Transfers outside the EEA", "Clauses"},
}

var roleWords = map[string]map[string]string{
	"nl": {RoleController: "verwerkingsverantwoordelijke", RoleProcessor: "verwerker"},
	"en": {RoleController: "controller", RoleProcessor: "processor"},
}

func (a Activity) cells(l string) []string {
	var subs []string
	for _, sp := range a.Subprocessors {
		subs = append(subs, sp.Name+" ("+sp.Location+")")
	}
	transfers := strings.Join(a.OutsideEEA(), "; ")
	if transfers == "" {
		transfers = map[string]string{"nl": "geen", "en": "none"}[l]
	}
	return []string{roleWords[l][a.Role], a.Name, a.Purpose, a.DataCategories, a.SubjectCategories, a.LegalBasis, a.Retention, a.Recipients,
		strings.Join(subs, "; "), transfers, a.Clauses}
}

// RegisterCSV writes the register as CSV.
func RegisterCSV(acts []Activity, l string) ([]byte, error) {
	l = lang(l)
	var buf bytes.Buffer
	w := csvsafe.NewWriter(&buf)
	if err := w.Write(registerHeads[l]); err != nil {
		return nil, err
	}
	for _, a := range acts {
		if err := w.Write(a.cells(l)); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// RegisterPDF writes the register as a PDF: one block per activity.
func RegisterPDF(acts []Activity, provider, l string, at time.Time) ([]byte, error) {
	l = lang(l)
	title := map[string]string{"nl": "Register van verwerkingsactiviteiten", "en": "Register of processing activities"}[l]
	cb, err := pdfdoc.Config()
	if err != nil {
		return nil, err
	}
	cb = cb.WithTitle(title+" — "+provider, true).WithAuthor(provider, true).WithCreationDate(at)
	m := maroto.New(cb.Build())
	m.AddRow(10, text.NewCol(12, title+" — "+provider, props.Text{Style: fontstyle.Bold, Size: 14}))
	m.AddRow(6, text.NewCol(12, at.Format("2006-01-02"), props.Text{Size: 8}))
	heads := registerHeads[l]
	for _, a := range acts {
		cells := a.cells(l)
		m.AddRow(9, text.NewCol(12, fmt.Sprintf("%s (%s)", a.Name, cells[0]), props.Text{Style: fontstyle.Bold, Size: 11, Top: 3}))
		for i := 2; i < len(heads); i++ {
			if cells[i] == "" {
				continue
			}
			m.AddAutoRow(text.NewCol(3, heads[i], props.Text{Style: fontstyle.Bold, Size: 8}), text.NewCol(9, cells[i], props.Text{Size: 8}))
		}
	}
	doc, err := m.Generate()
	if err != nil {
		return nil, fmt.Errorf("privacy: register pdf: %w", err)
	}
	return doc.GetBytes(), nil
}
