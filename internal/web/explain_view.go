package web

import (
	"html/template"
	"net/url"
	"strings"

	"github.com/hostpact/hostpact/internal/documents"
	"github.com/hostpact/hostpact/internal/terms"
)

// Explanations on pages (issue 9, part E): a customer reads the decision as one or two
// plain sentences in the page's language, each followed by a link to the paragraph of
// the document it rests on; "Why?" unfolds every step as a sentence; staff can unfold
// each step further to the technical trace (the clause ids, the reading chosen, the
// inputs and the value), which stays in English as the calculator writes it.

// explainView hands the explanation partial its steps.
type explainView struct {
	Steps terms.Explanation
	Open  bool // shown unfolded: the page is about this decision
	// Docs maps a document kind ("terms") to the version label that applied, so the
	// clause links open that version; a kind not in it links to the version in force.
	Docs map[string]string
}

// Lead is what the customer reads first.
func (v explainView) Lead() terms.Explanation { return v.Steps.Lead() }

// clauseDocs maps the document code in a clause id (cp.av.13.3 → "av") to the
// published document that holds its paragraph.
var clauseDocs = map[string]documents.Kind{
	"av": documents.Terms, "sla": documents.SLA, "privacy": documents.Privacy, "dpa": documents.DPA,
	"ntd": documents.NTD, "rd": documents.Disclosure, "withdrawal": documents.Withdrawal, "disclaimer": documents.Disclaimer,
}

// clauseLinks writes the clause ids of a step ("cp.av.13.1, cp.av.13.3") as links to
// their paragraphs, named in lang: "artikel 13.1 van de voorwaarden".
func clauseLinks(lang, clauses string, docs map[string]string) template.HTML {
	var parts []string
	for _, id := range strings.Split(clauses, ",") {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		label, code := terms.ClauseName(lang, id)
		kind, ok := clauseDocs[code]
		if !ok {
			parts = append(parts, template.HTMLEscapeString(label))
			continue
		}
		href := "/" + string(kind)
		if v := docs[string(kind)]; v != "" {
			href += "/v/" + url.PathEscape(v)
		}
		href += "?lang=" + lang + "#" + url.PathEscape(id)
		parts = append(parts, `<a class="clause-link" href="`+template.HTMLEscapeString(href)+`" data-clause="`+template.HTMLEscapeString(id)+`">`+template.HTMLEscapeString(label)+`</a>`)
	}
	if len(parts) == 0 {
		return ""
	}
	return template.HTML("(" + strings.Join(parts, ", ") + ")")
}

func init() {
	funcs["explain"] = func(ex terms.Explanation, open bool) explainView { return explainView{Steps: ex, Open: open} }
	funcs["explainAt"] = func(ex terms.Explanation, open bool, docs map[string]string) explainView {
		return explainView{Steps: ex, Open: open, Docs: docs}
	}
	funcs["stepText"] = func(lang string, s terms.Step) string { return s.Text(lang) }
	funcs["clauseLinks"] = clauseLinks
}
