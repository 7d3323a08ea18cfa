package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/documents"
	"github.com/hostpact/hostpact/internal/privacy"
	"github.com/hostpact/hostpact/internal/terms"
)

// The published documents: public pages without sign-in (/terms, /privacy, …), each
// with the version in force in the reader's language, the earlier and announced
// versions, a diff between two versions and a PDF; and the staff pages that publish a
// new version after a preview. The documents service decides who may publish.

// documentRoutes registers the public pages of every kind and the staff pages.
func (s *server) documentRoutes(mux *http.ServeMux, staff func(string, handlerFunc)) {
	public := func(pattern string, h http.HandlerFunc) {
		s.patterns = append(s.patterns, pattern)
		mux.HandleFunc(pattern, h)
	}
	for _, k := range documents.Kinds {
		base := "/" + string(k)
		public("GET "+base, s.documentPage(k))
		public("GET "+base+"/pdf", s.documentPDF(k))
		public("GET "+base+"/v/{version}", s.documentPage(k))
		public("GET "+base+"/v/{version}/pdf", s.documentPDF(k))
	}
	// The Dutch address of the terms, as printed on letters and invoices.
	public("GET /voorwaarden", s.documentPage(documents.Terms))

	staff("GET /staff/documents", s.staffDocuments)
	staff("GET /staff/documents/new", s.staffDocumentNew)
	staff("POST /staff/documents/new", s.staffDocumentEdit)
	staff("POST /staff/documents/preview", s.staffDocumentPreview)
	staff("POST /staff/documents/publish", s.staffDocumentPublish)
	staff("GET /staff/documents/{id}", s.staffDocument)
}

// ---- public pages ----

// docLang is the language a document is shown in: ?lang= when it names one (the links
// between the two texts of a version), else the page's language.
func docLang(r *http.Request, pageLang string) string {
	if l := r.URL.Query().Get("lang"); slices.Contains(documents.Languages, l) {
		return l
	}
	return pageLang
}

type docVersionRow struct {
	Version     string
	EffectiveOn terms.Date
	Langs       []string
	State       string // "current", "earlier" or "upcoming"
	Shown       bool
	CompareURL  string // the diff of this version against the one shown
}

type docView struct {
	Kind     documents.Kind
	V        documents.Version
	HTML     template.HTML
	Fallback bool // the language asked for (Wanted) has no text: the other is shown
	Wanted   string
	State    string // of V: "current", "earlier" or "upcoming"
	Until    terms.Date
	Versions []docVersionRow
	PDF      string
	Other    string // the other language's text of this version, when there is one
	PrevDiff string // the diff against the version before V
	// Diff, when asked for with ?diff=OLD..NEW.
	Diff     []documents.DiffBlock
	DiffFrom string
	DiffTo   string
	Changed  bool
	// Subprocessors, under the privacy statement in force: read from the register
	// that /subprocessors and the processing register read, so the statement names
	// the same list.
	Subprocessors []privacy.Subprocessor
}

// docState tells where version label stands on today among vs (one kind, latest
// first), in lang: "current", "earlier" (then until is the day the next version took
// over) or "upcoming" (announced, not yet in force).
func docState(vs []documents.Version, label, lang string, today terms.Date) (state string, until terms.Date) {
	var self, inForce *documents.Version
	for i := range vs {
		v := &vs[i]
		if v.Lang != lang {
			continue
		}
		if v.Version == label && self == nil {
			self = v
		}
		if inForce == nil && !v.EffectiveOn.After(today) {
			inForce = v
		}
	}
	switch {
	case self == nil:
		return "", terms.Date{}
	case self.EffectiveOn.After(today):
		return "upcoming", terms.Date{}
	case inForce != nil && inForce.Version == label:
		return "current", terms.Date{}
	}
	for i := len(vs) - 1; i >= 0; i-- { // earliest first
		v := vs[i]
		if v.Lang == lang && v.Version != label && (v.EffectiveOn.After(self.EffectiveOn) || v.EffectiveOn == self.EffectiveOn && v.ID > self.ID) {
			return "earlier", v.EffectiveOn
		}
	}
	return "earlier", terms.Date{}
}

func (s *server) documentPage(k documents.Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := s.showDocument(w, r, k); err != nil {
			s.fail(w, r, err)
		}
	}
}

func (s *server) showDocument(w http.ResponseWriter, r *http.Request, k documents.Kind) error {
	ctx := r.Context()
	pg := s.newPage(w, r, "doc."+string(k))
	lang := docLang(r, pg.Lang)
	today := s.today()
	var v documents.Version
	var fallback bool
	var err error
	if label := r.PathValue("version"); label != "" {
		v, fallback, err = s.docs.Get(ctx, k, label, lang)
	} else {
		v, fallback, err = s.docs.Current(ctx, k, lang, today)
	}
	if errors.Is(err, accounts.ErrNotFound) {
		s.errorPage(w, r, http.StatusNotFound, "doc."+string(k), "doc.not_published")
		return nil
	} else if err != nil {
		return err
	}
	all, err := s.docs.History(ctx, k)
	if err != nil {
		return err
	}
	html, err := documents.RenderHTML(v.Body)
	if err != nil {
		return err
	}
	view := docView{Kind: k, V: v, HTML: template.HTML(html), Fallback: fallback, Wanted: lang, PDF: "/" + string(k) + "/v/" + v.Version + "/pdf?lang=" + v.Lang}
	view.State, view.Until = docState(all, v.Version, v.Lang, today)

	// One row per version label, latest first, with the languages it exists in.
	var rows []*docVersionRow
	byLabel := map[string]*docVersionRow{}
	var prev string
	for _, x := range all {
		row := byLabel[x.Version]
		if row == nil {
			row = &docVersionRow{Version: x.Version, EffectiveOn: x.EffectiveOn, Shown: x.Version == v.Version}
			row.State, _ = docState(all, x.Version, x.Lang, today)
			if !row.Shown {
				older, newer := x.Version, v.Version
				if x.EffectiveOn.After(v.EffectiveOn) {
					older, newer = newer, older
				}
				row.CompareURL = docDiffURL(k, older, newer, v.Lang)
			}
			byLabel[x.Version] = row
			rows = append(rows, row)
		}
		row.Langs = append(row.Langs, x.Lang)
		if x.Version != v.Version && x.Lang == v.Lang && !x.EffectiveOn.After(v.EffectiveOn) && x.ID < v.ID && prev == "" {
			prev = x.Version
		}
		if x.Version == v.Version && x.Lang != v.Lang {
			view.Other = x.Path()
		}
	}
	for _, row := range rows {
		slices.Sort(row.Langs)
		view.Versions = append(view.Versions, *row)
	}
	if prev != "" {
		view.PrevDiff = docDiffURL(k, prev, v.Version, v.Lang)
	}

	if d := r.URL.Query().Get("diff"); d != "" {
		from, to, ok := strings.Cut(d, "..")
		if !ok || from == "" || to == "" || !utf8.ValidString(d) || len(d) > 200 {
			s.errorPage(w, r, http.StatusBadRequest, "error.400.title", "doc.diff_bad")
			return nil
		}
		older, _, err := s.docs.Get(ctx, k, from, v.Lang)
		if err != nil {
			return err
		}
		newer, _, err := s.docs.Get(ctx, k, to, v.Lang)
		if err != nil {
			return err
		}
		full := documents.Diff(older.Body, newer.Body)
		view.Diff, view.DiffFrom, view.DiffTo, view.Changed = documents.Context(full, 1), from, to, documents.Changed(full)
	}
	if k == documents.Privacy && view.State == "current" && s.priv != nil {
		if view.Subprocessors, err = s.priv.Subprocessors(ctx); err != nil {
			return err
		}
	}
	pg.Title = v.Title
	pg.Data = view
	s.render(w, http.StatusOK, "document", pg)
	return nil
}

func docDiffURL(k documents.Kind, older, newer, lang string) string {
	return "/" + string(k) + "?lang=" + lang + "&diff=" + older + ".." + newer + "#diff"
}

func (s *server) documentPDF(k documents.Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		lang := docLang(r, s.language(r, principalFrom(ctx)))
		var v documents.Version
		var err error
		if label := r.PathValue("version"); label != "" {
			v, _, err = s.docs.Get(ctx, k, label, lang)
		} else {
			v, _, err = s.docs.Current(ctx, k, lang, s.today())
		}
		var pdf []byte
		if err == nil {
			pdf, err = documents.PDF(v, s.providerLegalName(), s.cfg.BaseURL)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		download(w, "application/pdf", fmt.Sprintf("%s-%s-%s.pdf", k, unsafeFileChars.ReplaceAllString(v.Version, "_"), v.Lang), pdf)
	}
}

// providerLegalName names the provider on a printed document: the legal name from its
// terms, else the name the pages show.
func (s *server) providerLegalName() string {
	if s.pack != nil && s.pack.Provider.LegalName != "" {
		return s.pack.Provider.LegalName
	}
	return s.cfg.ProviderName
}

// ---- staff pages ----

type staffDocRow struct {
	V     documents.Version
	State string
}

type staffDocsView struct {
	Kinds []staffDocKind
}

type staffDocKind struct {
	Kind     documents.Kind
	Versions []staffDocRow
}

func (s *server) staffDocuments(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	vs, err := s.docs.List(r.Context(), *p)
	if err != nil {
		return err
	}
	today := s.today()
	var view staffDocsView
	for _, k := range documents.Kinds {
		dk := staffDocKind{Kind: k}
		var ofKind []documents.Version
		for _, v := range vs {
			if v.Kind == k {
				ofKind = append(ofKind, v)
			}
		}
		for _, v := range ofKind {
			st, _ := docState(ofKind, v.Version, v.Lang, today)
			dk.Versions = append(dk.Versions, staffDocRow{V: v, State: st})
		}
		view.Kinds = append(view.Kinds, dk)
	}
	pg := s.newPage(w, r, "docs.staff_title")
	pg.Nav, pg.Data = "documents", view
	s.render(w, http.StatusOK, "staff_documents", pg)
	return nil
}

func docFieldsets() []fieldset {
	kinds := make([]option, len(documents.Kinds))
	for i, k := range documents.Kinds {
		kinds[i] = option{Value: string(k), Label: "doc." + string(k)}
	}
	return []fieldset{{Fields: []field{
		{Name: "kind", Label: "docs.kind", Type: "select", Options: kinds, Required: true},
		{Name: "lang", Label: "docs.lang", Type: "select", Options: []option{{Value: "nl", Label: "lang.nl"}, {Value: "en", Label: "lang.en"}}, Required: true},
		{Name: "version", Label: "docs.version", Type: "text", Required: true, Max: 64, Hint: "docs.version_hint"},
		{Name: "effective_on", Label: "docs.effective_on", Type: "date", Required: true, Hint: "docs.effective_hint"},
		{Name: "title", Label: "docs.title_field", Type: "text", Required: true, Max: 200, Wide: true},
		{Name: "body", Label: "docs.body", Type: "textarea", Required: true, Wide: true, Hint: "docs.body_hint"},
	}}}
}

func (s *server) docFormPage(w http.ResponseWriter, pg *page, status int) {
	pg.Nav = "documents"
	pg.Data = formView{Action: "/staff/documents/preview", Sets: pg.useFields(docFieldsets()...), Submit: "docs.preview",
		Cancel: "/staff/documents", Intro: pg.T("docs.new_intro")}
	s.render(w, status, "form", pg)
}

// staffDocumentNew starts a new version: of ?kind in ?lang, from the text of version
// ?from when given (a new version is usually an edit of the last).
func (s *server) staffDocumentNew(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "docs.new_title")
	q := r.URL.Query()
	f := newForm(nil)
	f.lang = pg.Lang
	f.set("kind", q.Get("kind"))
	f.set("lang", q.Get("lang"))
	today := s.today()
	f.set("effective_on", today.String())
	f.set("version", today.String())
	if id, err := strconv.ParseInt(q.Get("from"), 10, 64); err == nil && id > 0 {
		v, err := s.docs.Staff(r.Context(), *p, id)
		if err != nil {
			return err
		}
		f.set("kind", string(v.Kind))
		f.set("lang", v.Lang)
		f.set("title", v.Title)
		f.set("body", v.Body)
	} else if _, err := s.docs.List(r.Context(), *p); err != nil {
		return err // who may not publish sees no form
	}
	pg.Form = f
	s.docFormPage(w, pg, http.StatusOK)
	return nil
}

// readDocForm reads the document form. The body may be far longer than other fields
// (documents.MaxBody), so the form is read here instead of with readForm.
func (s *server) readDocForm(r *http.Request, lang string) (*form, documents.Input, error) {
	if err := parseForm(r); err != nil {
		return nil, documents.Input{}, err
	}
	f := newForm(map[string][]string(r.PostForm))
	f.lang = lang
	for name, vs := range r.PostForm {
		limit := maxField
		if name == "body" {
			limit = documents.MaxBody + documents.MaxBody/10 // CRLF line ends count before normalising
		}
		for _, v := range vs {
			if len(v) > limit {
				f.Errors[name] = translate(lang, "form.too_long", limit)
			} else if !utf8.ValidString(v) {
				f.Errors[name] = translate(lang, "form.bad_text")
			}
		}
	}
	in := documents.Input{Kind: documents.Kind(f.Get("kind")), Version: f.Get("version"), Lang: f.Get("lang"),
		Title: f.Get("title"), Body: f.Get("body"), EffectiveOn: parseDate(f, "effective_on")}
	requireFields(f, lang, map[string]string{"version": in.Version, "effective_on": f.Get("effective_on"), "title": in.Title, "body": in.Body})
	return f, in, nil
}

// docProblems puts the service's refusals into the form, in the reader's language.
func docProblems(f *form, err error) bool {
	var bad documents.Invalid
	if !errors.As(err, &bad) {
		return false
	}
	for field, pr := range bad {
		if _, dup := f.Errors[field]; !dup {
			f.Errors[field] = translate(f.lang, "docs.err."+pr.Key, docArgs(f.lang, pr.Args)...)
		}
	}
	return true
}

// docArgs formats a problem's dates in words.
func docArgs(lang string, args []any) []any {
	out := make([]any, len(args))
	p := &page{Lang: lang}
	for i, a := range args {
		switch v := a.(type) {
		case terms.Date:
			out[i] = p.Date(v)
		default:
			out[i] = v
		}
	}
	return out
}

// staffDocumentEdit shows the form again with what was posted (the preview's "edit").
func (s *server) staffDocumentEdit(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "docs.new_title")
	f, _, err := s.readDocForm(r, pg.Lang)
	if err != nil {
		return err
	}
	if _, err := s.docs.List(r.Context(), *p); err != nil {
		return err
	}
	f.Errors = map[string]string{}
	pg.Form = f
	s.docFormPage(w, pg, http.StatusOK)
	return nil
}

type docPreviewView struct {
	Draft   documents.Draft
	HTML    template.HTML
	Diff    []documents.DiffBlock
	Changed bool
	Fields  []field // the posted values, as hidden fields for the confirmation
}

func (s *server) staffDocumentPreview(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "docs.new_title")
	f, in, err := s.readDocForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	if len(f.Errors) > 0 {
		s.docFormPage(w, pg, http.StatusUnprocessableEntity)
		return nil
	}
	d, err := s.docs.Preview(r.Context(), *p, in)
	if docProblems(f, err) {
		s.docFormPage(w, pg, http.StatusUnprocessableEntity)
		return nil
	} else if err != nil {
		return err
	}
	view := docPreviewView{Draft: d, HTML: template.HTML(d.HTML)}
	if d.Previous != nil {
		full := documents.Diff(d.Previous.Body, d.Input.Body)
		view.Diff, view.Changed = documents.Context(full, 1), documents.Changed(full)
	}
	for _, name := range []string{"kind", "lang", "version", "effective_on", "title", "body"} {
		view.Fields = append(view.Fields, field{Name: name, Type: "hidden"})
	}
	f.set("body", d.Input.Body)
	f.set("expect_hash", d.Hash)
	view.Fields = append(view.Fields, field{Name: "expect_hash", Type: "hidden"})
	pg.Title = pg.T("docs.preview_title")
	pg.Nav, pg.Data = "documents", view
	s.render(w, http.StatusOK, "staff_document_preview", pg)
	return nil
}

func (s *server) staffDocumentPublish(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "docs.new_title")
	f, in, err := s.readDocForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	if len(f.Errors) > 0 {
		s.docFormPage(w, pg, http.StatusUnprocessableEntity)
		return nil
	}
	v, err := s.docs.Publish(r.Context(), *p, in, f.Get("expect_hash"))
	if docProblems(f, err) {
		s.docFormPage(w, pg, http.StatusUnprocessableEntity)
		return nil
	} else if err != nil {
		return err
	}
	s.flash(w, "document_published")
	s.redirect(w, r, "/staff/documents/"+strconv.FormatInt(v.ID, 10))
	return nil
}

type staffDocView struct {
	V        documents.Version
	HTML     template.HTML
	Verified bool
	State    string
	Public   string
}

func (s *server) staffDocument(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	v, err := s.docs.Staff(r.Context(), *p, id)
	if err != nil {
		return err
	}
	all, err := s.docs.History(r.Context(), v.Kind)
	if err != nil {
		return err
	}
	html, err := documents.RenderHTML(v.Body)
	if err != nil {
		return err
	}
	st, _ := docState(all, v.Version, v.Lang, s.today())
	pg := s.newPage(w, r, "")
	pg.Title = v.Title
	pg.Nav, pg.Data = "documents", staffDocView{V: v, HTML: template.HTML(html), Verified: v.Verify(), State: st, Public: v.Path()}
	s.render(w, http.StatusOK, "staff_document", pg)
	return nil
}
