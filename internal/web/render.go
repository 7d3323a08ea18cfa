package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/terms"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// page is what every template receives. Page-specific values go in Data.
type page struct {
	Lang     string
	Title    string // translated
	P        *accounts.Principal
	Area     string // "staff", "portal" or "" for public pages: selects the navigation
	Nav      string // the active navigation entry
	Flash    string // translated one-shot confirmation
	Path     string // this page's path and query, to come back to after switching language
	Provider string
	Demo     bool
	Shop     bool // the catalog, contracts and quotes pages are mounted
	Billing  bool // the invoice and report pages are mounted
	Payments bool // the payment pages are mounted
	Docs     bool // the published documents and their staff pages are mounted
	Monitor  bool // the staff monitoring pages are mounted
	Status   bool // the status page and the staff incident and maintenance pages are mounted
	SLA      bool // the availability and SLA pages are mounted
	Privacy  bool // the privacy pages are mounted
	// Provision: the staff provisioning pages and the portal's service pages are mounted.
	Provision bool
	// SecretsOn: the one-time secret links are mounted.
	SecretsOn bool
	Domains   bool
	Backups   bool // the backup pages are mounted
	Usage     bool // the usage pages are mounted
	Today     terms.Date
	AssetVer  string
	Form      *form
	Data      any
	// DNS: the DNS zone pages are mounted.
	DNS bool
	// Support: the ticket pages are mounted.
	Support bool
	// ExplainDocs maps a document kind to the version the page's explanations cite
	// (explain_docs.go); the explanation partial links its clauses there.
	ExplainDocs map[string]string
	// Abuse and Disclose: the notice-and-takedown and vulnerability pages are mounted.
	Abuse, Disclose bool
	// Newsletter: the newsletter pages are mounted.
	Newsletter bool
}

// T translates key into the page's language; args fill its %-verbs.
func (p *page) T(key string, args ...any) string { return translate(p.Lang, key, args...) }

// Time formats t in the Amsterdam zone, where the provider and its customers read it.
func (p *page) Time(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	t = t.In(clock.Amsterdam)
	if p.Lang == "en" {
		return t.Format("2 Jan 2006 15:04")
	}
	return t.Format("02-01-2006 15:04")
}

// TimeP formats an optional time.
func (p *page) TimeP(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return p.Time(*t)
}

// Staff reports whether the signed-in principal is provider staff.
func (p *page) Staff() bool { return p.P != nil && p.P.IsStaff() }

// CanManageUsers reports whether the portal should offer to manage its organisation's
// users; the service decides for real.
func (p *page) CanManageUsers() bool {
	return p.P != nil && p.P.Org != nil && p.P.Can(accounts.UserManage, p.P.Org.Ref())
}

// Narrow reports whether the page is a small centred card (the sign-in pages).
func (p *page) Narrow() bool {
	v, ok := p.Data.(formView)
	return ok && v.Narrow
}

// Signed reports whether a full (not MFA-pending) session is present.
func (p *page) Signed() bool {
	return p.P != nil && p.P.Session != nil && !p.P.Session.MFAPending && !p.P.Session.MFAEnrolRequired
}

// field describes one form control. Label, Hint and option labels are catalogue keys.
type field struct {
	Name     string
	Label    string
	Type     string // text, email, tel, password, number, select, checkbox, checkboxes, textarea, hidden
	Options  []option
	Required bool
	Auto     string // autocomplete token
	Mode     string // inputmode
	Hint     string
	Max      int // maxlength; 0: none
	Wide     bool
	// Text, when set, is the label shown as is instead of Label: a name that comes
	// from outside the catalogue (a driver's setting or credential field).
	Text string
}

type option struct {
	Value string
	Label string // catalogue key; empty: Text is shown as is
	Text  string
}

type fieldset struct {
	Legend string
	Hint   string
	Fields []field
}

// form carries a form's values and errors between a failed POST and its re-rendering,
// so the user keeps what they typed.
type form struct {
	Values  map[string][]string
	Errors  map[string]string // field name → message
	General []string          // messages that belong to no field, already translated
	labels  map[string]string // field name → label key, for the error summary
	texts   map[string]string // field name → label shown as is (field.Text)
	order   []string          // field names in the order the page shows them
	lang    string            // for translating the services' messages
}

func newForm(values map[string][]string) *form {
	if values == nil {
		values = map[string][]string{}
	}
	return &form{Values: values, Errors: map[string]string{}}
}

// Get returns a field's first value.
func (f *form) Get(name string) string {
	if f == nil || len(f.Values[name]) == 0 {
		return ""
	}
	return f.Values[name][0]
}

// Has reports whether value is among a multi-valued field's values.
func (f *form) Has(name, value string) bool {
	if f == nil {
		return false
	}
	for _, v := range f.Values[name] {
		if v == value {
			return true
		}
	}
	return false
}

// Err returns a field's error message.
func (f *form) Err(name string) string {
	if f == nil {
		return ""
	}
	return f.Errors[name]
}

func (f *form) set(name, value string) { f.Values[name] = []string{value} }

type summaryItem struct {
	Anchor, Label, Message string
}

// Summary lists the errors in the order of the form, for the box at the top of the page
// that links to each field.
func (p *page) Summary() []summaryItem {
	f := p.Form
	if f == nil {
		return nil
	}
	var out []summaryItem
	for _, m := range f.General {
		out = append(out, summaryItem{Message: m})
	}
	// Fields the page shows come in page order, then any others the service named.
	keys := make([]string, 0, len(f.Errors))
	var rest []string
	for _, k := range f.order {
		if _, ok := f.Errors[k]; ok {
			keys = append(keys, k)
		}
	}
	for k := range f.Errors {
		if _, shown := f.labels[k]; !shown {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range append(keys, rest...) {
		it := summaryItem{Message: f.Errors[k]}
		if l, ok := f.labels[k]; ok {
			it.Anchor, it.Label = fieldID(k), p.T(l)
			if t, ok := f.texts[k]; ok {
				it.Label = t
			}
		}
		out = append(out, it)
	}
	return out
}

// useFields tells the form which fields the page shows, so the summary can name and link
// them; it returns sets for the template.
func (p *page) useFields(sets ...fieldset) []fieldset {
	if p.Form == nil {
		p.Form = newForm(nil)
	}
	if p.Form.labels == nil {
		p.Form.labels = map[string]string{}
	}
	for _, s := range sets {
		for _, f := range s.Fields {
			if _, dup := p.Form.labels[f.Name]; !dup && f.Type != "hidden" {
				p.Form.labels[f.Name] = f.Label
				if f.Text != "" {
					if p.Form.texts == nil {
						p.Form.texts = map[string]string{}
					}
					p.Form.texts[f.Name] = f.Text
				}
				p.Form.order = append(p.Form.order, f.Name)
			}
		}
	}
	return sets
}

func fieldID(name string) string { return "f-" + strings.NewReplacer(".", "-", "_", "-").Replace(name) }

type fieldView struct {
	P         *page
	F         field
	ID        string
	Value     string
	Err       string
	Described string
}

// LabelText is the field's label in the page's language.
func (v fieldView) LabelText() string {
	if v.F.Text != "" {
		return v.F.Text
	}
	return v.P.T(v.F.Label)
}

type pairView struct {
	P *page
	V any
}

type fieldsView struct {
	P    *page
	Sets []fieldset
}

var funcs = template.FuncMap{
	"fields": func(p *page, sets []fieldset) fieldsView { return fieldsView{P: p, Sets: sets} },
	"field": func(p *page, f field) fieldView {
		v := fieldView{P: p, F: f, ID: fieldID(f.Name), Value: p.Form.Get(f.Name), Err: p.Form.Err(f.Name)}
		var ids []string
		if f.Hint != "" {
			ids = append(ids, v.ID+"-hint")
		}
		if v.Err != "" {
			ids = append(ids, v.ID+"-error")
		}
		v.Described = strings.Join(ids, " ")
		return v
	},
	// email shows an address with its internationalised domain also in punycode, so
	// look-alike domains can be told apart (issue 8, finding 8).
	"email": accounts.DisplayEmail,
	// stateClass is the badge class of a service's state (stateBadgeClass).
	"stateClass": func(state any) string { return stateBadgeClass(fmt.Sprint(state)) },
	// pair hands a partial template the page (for T) and one value.
	"pair": func(p *page, v any) pairView { return pairView{P: p, V: v} },
	"asset": func(p *page, name string) string {
		return "/static/" + name + "?v=" + p.AssetVer
	},
}

// parsePages parses the layout, the partials and every page into one set. Each page's
// "content" becomes "content:NAME", and "layout:NAME" is the layout calling it, so the
// partials are parsed and escaped once rather than once per page (which held a copy of
// every partial's tree per page: some 40 MiB of the process's memory at rest).
// translateTo, when set, writes fixed translations into the trees (languagePages).
func parsePages(translateTo string) (*template.Template, error) {
	set, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/_*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	layout := set.Lookup("layout")
	if layout == nil {
		return nil, errors.New("web: templates: no layout")
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if strings.HasPrefix(name, "_") {
			continue
		}
		src, err := fs.ReadFile(templateFS, n)
		if err != nil {
			return nil, err
		}
		const content = `{{define "content"}}`
		if strings.Count(string(src), content) != 1 {
			return nil, fmt.Errorf("web: template %s: it must define \"content\" once", name)
		}
		src = []byte(strings.Replace(string(src), content, `{{define "content:`+name+`"}}`, 1))
		if _, err := set.New(n).Parse(string(src)); err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		tree := layout.Tree.Copy()
		tree.Name, tree.ParseName = "layout:"+name, n
		if !renameCall(tree.Root, "content", "content:"+name) {
			return nil, errors.New(`web: templates: the layout calls no "content"`)
		}
		if _, err := set.AddParseTree(tree.Name, tree); err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
	}
	if translateTo != "" {
		for _, x := range set.Templates() {
			if x.Tree != nil {
				compileTranslations(x.Tree.Root, translateTo)
			}
		}
	}
	return set, nil
}

func assetVersion() string {
	h := sha256.New()
	// The files are embedded in the binary: walking and reading them cannot fail.
	_ = fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(staticFS, p)
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:10]
}

func staticHandler() http.Handler {
	sub, _ := fs.Sub(staticFS, "static") // "static" is a valid path of the embedded FS
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // no directory listings
			return
		}
		// Asset URLs carry a content hash (asset), so a long cache is safe.
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}

// newPage starts a page for r: language, principal, and the flash message (which it
// consumes).
func (s *server) newPage(w http.ResponseWriter, r *http.Request, titleKey string) *page {
	p := principalFrom(r.Context())
	pg := &page{
		Lang:      s.language(r, p),
		P:         p,
		Path:      r.URL.RequestURI(),
		Provider:  s.cfg.ProviderName,
		Demo:      s.cfg.Demo,
		Shop:      s.contractsEnabled(),
		Billing:   s.billingEnabled(),
		Payments:  s.billingEnabled() && s.pay != nil,
		Docs:      s.docs != nil,
		Monitor:   s.mon != nil,
		Status:    s.status != nil,
		SLA:       s.comp != nil,
		Privacy:   s.priv != nil,
		Provision: s.prov != nil,
		SecretsOn: s.secrets != nil,
		Domains:   s.domains != nil,
		DNS:       s.zones != nil,
		Backups:   s.bk != nil,
		Support:   s.sup != nil,
		Usage:     s.usage != nil,
		Today:     s.today(),
		AssetVer:  s.assetVer,
	}
	pg.Abuse, pg.Disclose = s.abuse != nil, s.disc != nil
	pg.Newsletter = s.news != nil
	switch {
	case strings.HasPrefix(r.URL.Path, "/staff/"):
		pg.Area = "staff"
	case strings.HasPrefix(r.URL.Path, "/portal/"):
		pg.Area = "portal"
	}
	if titleKey != "" {
		pg.Title = pg.T(titleKey)
	}
	if c, err := r.Cookie(flashCookie); err == nil {
		// Only catalogue keys travel in the cookie, so a forged cookie can at most show
		// one of our own messages.
		if key := "flash." + c.Value; hasMessage(key) {
			pg.Flash = pg.T(key)
		}
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true,
			Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	}
	return pg
}

const flashCookie = "hostpact_flash"

// flash queues a one-shot confirmation (a catalogue key under "flash.") for the next page.
func (s *server) flash(w http.ResponseWriter, key string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: key, Path: "/", MaxAge: 120, HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
}

// render writes a page. It renders into a buffer first so that a template error becomes
// a clean 500 page rather than half a page.
func (s *server) render(w http.ResponseWriter, status int, name string, pg *page) {
	t := s.pages[pg.Lang]
	if t == nil || t.Lookup("layout:"+name) == nil {
		panic("web: no template " + name)
	}
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer putRenderBuffer(buf)
	if err := t.ExecuteTemplate(buf, "layout:"+name, pg); err != nil {
		s.log.Error("render template", "template", name, "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Pages show personal data and one-time secrets: keep them out of every cache and
	// the back/forward cache of a shared computer.
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// renderBuffers hold pages while they render: a fresh buffer doubled its way up to the
// page's size, a ninth of what the portal home allocated (issue 16).
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putRenderBuffer keeps a buffer for the next page unless a very large page (a report)
// grew it: that memory goes back to the collector.
func putRenderBuffer(b *bytes.Buffer) {
	if b.Cap() > 1<<20 {
		return
	}
	b.Reset()
	renderBuffers.Put(b)
}

func (s *server) redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

type errorView struct {
	Status  int
	Message string
	Back    string
}

// errorPage renders a full error page with a translated message.
func (s *server) errorPage(w http.ResponseWriter, r *http.Request, status int, titleKey, msgKey string, args ...any) {
	pg := s.newPage(w, r, titleKey)
	pg.Data = errorView{Status: status, Message: pg.T(msgKey, args...)}
	s.render(w, status, "error", pg)
}
