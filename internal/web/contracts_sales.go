package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/terms"
)

// The sales side of the staff app: the catalog, quotes, price increases, new terms
// versions and force majeure. The services decide who may (sales, support, admin).

func (s *server) staffSalesRoutes(staff func(string, handlerFunc)) {
	staff("GET /staff/catalog", s.staffCatalog)
	staff("GET /staff/catalog/plans/new", s.staffPlanNew)
	staff("POST /staff/catalog/plans/new", s.staffPlanCreate)
	staff("GET /staff/catalog/plans/{id}", s.staffPlanEdit)
	staff("POST /staff/catalog/plans/{id}", s.staffPlanUpdate)
	staff("GET /staff/quotes", s.staffQuotes)
	staff("GET /staff/quotes/new", s.staffQuoteNew)
	staff("POST /staff/quotes/new", s.staffQuoteCreate)
	staff("GET /staff/quotes/{id}", s.staffQuote)
	staff("GET /staff/quotes/{id}/pdf", s.quotePDF)
	staff("GET /staff/quotes/{id}/edit", s.staffQuoteEdit)
	staff("POST /staff/quotes/{id}/edit", s.staffQuoteUpdate)
	staff("POST /staff/quotes/{id}/send", s.staffQuoteSend)
	staff("POST /staff/quotes/{id}/allow-late", s.staffQuoteAllowLate)
	staff("GET /staff/price-increases", s.staffPriceIncreaseForm)
	staff("POST /staff/price-increases", s.staffPriceIncrease)
	staff("GET /staff/terms", s.staffTermsForm)
	staff("POST /staff/terms", s.staffTermsPublish)
	staff("GET /staff/force-majeure", s.staffForceMajeureForm)
	staff("POST /staff/force-majeure", s.staffForceMajeure)
	staff("POST /staff/force-majeure/end", s.staffForceMajeureEnd)
}

// ---- catalog ----

func (s *server) staffCatalog(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	rows, err := s.catalogRows(r, false)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "catalog.staff_title")
	pg.Nav, pg.Data = "catalog", catalogView{Products: rows, Staff: true}
	s.render(w, http.StatusOK, "catalog", pg)
	return nil
}

var billingOptions = []option{{Value: string(catalog.Subscription), Label: "billing.subscription"}, {Value: string(catalog.OneOff), Label: "billing.one-off"}}

// periodOptions say durations in words ("per 3 maanden"), never as ISO 8601 (P3M).
var periodOptions = []option{{Value: "", Label: "period.none"}, {Value: "P1M", Label: "period.month"}, {Value: "P3M", Label: "period.p3m"},
	{Value: "P6M", Label: "period.p6m"}, {Value: "P1Y", Label: "period.year"}, {Value: "P2Y", Label: "period.p2y"}}

var vatOptions = []option{{Value: terms.VATStandard, Label: "vat.standard"}, {Value: terms.VATReduced, Label: "vat.reduced"}, {Value: terms.VATZero, Label: "vat.zero"}}

func (s *server) productOptions(r *http.Request) ([]option, error) {
	products, err := s.catalog.ListProducts(r.Context(), s.pack.Name, false)
	if err != nil {
		return nil, err
	}
	out := make([]option, len(products))
	for i, pr := range products {
		out[i] = option{Value: strconv.FormatInt(pr.ID, 10), Text: pr.Name}
	}
	return out, nil
}

func planFieldsets(products []option, create bool) []fieldset {
	var fs []field
	if create {
		fs = append(fs, field{Name: "product_id", Label: "plan.product", Type: "select", Options: products, Required: true},
			field{Name: "code", Label: "plan.code", Type: "text", Required: true, Max: 63, Hint: "plan.code_hint"})
	}
	fs = append(fs,
		field{Name: "name", Label: "field.name", Type: "text", Required: true, Max: 200},
		field{Name: "description", Label: "plan.description", Type: "textarea", Wide: true},
		field{Name: "billing", Label: "plan.billing", Type: "select", Options: billingOptions},
		field{Name: "period", Label: "plan.period", Type: "select", Options: periodOptions},
		field{Name: "price", Label: "plan.price", Type: "text", Mode: "decimal", Required: true, Hint: "plan.price_hint"},
		field{Name: "setup_fee", Label: "plan.setup_fee", Type: "text", Mode: "decimal"},
		field{Name: "storage_mb", Label: "plan.storage_mb", Type: "number", Mode: "numeric"},
		field{Name: "traffic_gb", Label: "plan.traffic_gb", Type: "number", Mode: "numeric"},
		field{Name: "vat_category", Label: "plan.vat", Type: "select", Options: vatOptions},
		field{Name: "tld", Label: "plan.tld", Type: "text", Max: 63, Hint: "plan.tld_hint"},
		field{Name: "sla", Label: "plan.sla", Type: "checkbox"},
		field{Name: "withdrawal_waivable", Label: "plan.waivable", Type: "checkbox", Hint: "plan.waivable_hint"},
		field{Name: "active", Label: "plan.active", Type: "checkbox"},
	)
	return []fieldset{{Fields: fs}}
}

func planInputFrom(f *form) catalog.PlanInput {
	active := f.Get("active") != ""
	return catalog.PlanInput{
		ProductID: parseInt(f, "product_id"), Code: strings.TrimSpace(f.Get("code")), Name: strings.TrimSpace(f.Get("name")),
		Description: strings.TrimSpace(f.Get("description")), Billing: catalog.Billing(f.Get("billing")), Period: f.Get("period"),
		Price: parseMoney(f, "price"), SetupFee: parseMoney(f, "setup_fee"), StorageMB: parseInt(f, "storage_mb"),
		TrafficGB: parseInt(f, "traffic_gb"), SLA: f.Get("sla") != "", WithdrawalWaivable: f.Get("withdrawal_waivable") != "",
		TLD: strings.TrimSpace(f.Get("tld")), VATCategory: f.Get("vat_category"), Active: &active,
	}
}

func planForm(pl catalog.Plan) *form {
	f := newForm(nil)
	f.set("name", pl.Name)
	f.set("description", pl.Description)
	f.set("billing", string(pl.Billing))
	f.set("period", pl.Period.String())
	f.set("price", pl.Price.String())
	f.set("setup_fee", pl.SetupFee.String())
	f.set("storage_mb", strconv.FormatInt(pl.StorageMB, 10))
	f.set("traffic_gb", strconv.FormatInt(pl.TrafficGB, 10))
	f.set("vat_category", pl.VATCategory)
	f.set("tld", pl.TLD)
	for name, on := range map[string]bool{"sla": pl.SLA, "withdrawal_waivable": pl.WithdrawalWaivable, "active": pl.Active} {
		if on {
			f.set(name, "1")
		}
	}
	return f
}

func (s *server) planFormPage(w http.ResponseWriter, r *http.Request, pg *page, id int64, status int) error {
	products, err := s.productOptions(r)
	if err != nil {
		return err
	}
	action, submit := "/staff/catalog/plans/new", "plan.create"
	if id > 0 {
		action, submit = "/staff/catalog/plans/"+strconv.FormatInt(id, 10), "plan.save"
	}
	pg.Nav = "catalog"
	pg.Data = formView{Action: action, Sets: pg.useFields(planFieldsets(products, id == 0)...), Submit: submit, Cancel: "/staff/catalog"}
	s.render(w, status, "form", pg)
	return nil
}

func (s *server) staffPlanNew(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "plan.new_title")
	pg.Form = newForm(nil)
	pg.Form.set("billing", string(catalog.Subscription))
	pg.Form.set("period", "P1M")
	pg.Form.set("active", "1")
	return s.planFormPage(w, r, pg, 0, http.StatusOK)
}

func (s *server) staffPlanCreate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "plan.new_title")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	in := planInputFrom(f)
	if len(f.Errors) == 0 {
		_, err := s.catalog.CreatePlan(r.Context(), *p, in)
		switch {
		case err == nil:
			s.flash(w, "plan_saved")
			s.redirect(w, r, "/staff/catalog")
			return nil
		case fieldErrors(f, err, nil):
		default:
			return err
		}
	}
	return s.planFormPage(w, r, pg, 0, http.StatusUnprocessableEntity)
}

func (s *server) staffPlanEdit(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	pl, err := s.catalog.GetPlan(r.Context(), id)
	if err != nil {
		return err
	}
	if pl.Pack != s.pack.Name {
		return accounts.ErrNotFound
	}
	pg := s.newPage(w, r, "")
	pg.Title, pg.Form = pg.T("plan.edit_title", pl.Label()), planForm(pl)
	return s.planFormPage(w, r, pg, id, http.StatusOK)
}

func (s *server) staffPlanUpdate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "plan.edit_plain")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	in := planInputFrom(f)
	if len(f.Errors) == 0 {
		_, err := s.catalog.UpdatePlan(r.Context(), *p, id, in)
		switch {
		case err == nil:
			s.flash(w, "plan_saved")
			s.redirect(w, r, "/staff/catalog")
			return nil
		case fieldErrors(f, err, nil):
		default:
			return err
		}
	}
	return s.planFormPage(w, r, pg, id, http.StatusUnprocessableEntity)
}

// ---- quotes ----

func (s *server) staffQuotes(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	v := quotesView{Status: statusParam(r, quoteStatusOptions), Statuses: quoteStatusOptions, Base: "/staff",
		Customer: strings.TrimSpace(r.URL.Query().Get("customer"))}
	customer, _ := strconv.ParseInt(v.Customer, 10, 64)
	v.Filtered = v.Status != "" || v.Customer != ""
	return s.quotesPage(w, r, p, v, max(customer, 0))
}

// quoteCatalogLines and quoteFreeLines are how many lines of each kind the new-quote
// form offers at first; "more lines" adds one of each, up to quoteMaxSlots, and a line
// left empty (or marked to remove) is skipped. The counts travel in hidden fields.
const (
	quoteCatalogLines = 3
	quoteFreeLines    = 2
	quoteMaxSlots     = 50
)

// quoteSlots reads how many lines of each kind the form has.
func quoteSlots(f *form) (catalogN, freeN int) {
	catalogN, freeN = quoteCatalogLines, quoteFreeLines
	if n, err := strconv.Atoi(f.Get("slots_catalog")); err == nil && n > 0 {
		catalogN = min(n, quoteMaxSlots)
	}
	if n, err := strconv.Atoi(f.Get("slots_free")); err == nil && n > 0 {
		freeN = min(n, quoteMaxSlots)
	}
	return catalogN, freeN
}

func (s *server) quoteFieldsets(r *http.Request, f *form) ([]fieldset, error) {
	catalogN, freeN := quoteSlots(f)
	f.set("slots_catalog", strconv.Itoa(catalogN))
	f.set("slots_free", strconv.Itoa(freeN))
	plans, err := s.catalog.ListPlans(r.Context(), catalog.PlanFilter{Pack: s.pack.Name, ActiveOnly: true})
	if err != nil {
		return nil, err
	}
	planOpts := []option{{Value: "", Text: "—"}}
	for _, pl := range plans {
		planOpts = append(planOpts, option{Value: strconv.FormatInt(pl.ID, 10), Text: pl.Label() + " — " + pl.Price.String()})
	}
	sets := []fieldset{{Legend: "quote.new_details", Fields: []field{
		{Name: "customer", Label: "contracts.customer", Type: "text", Required: true, Max: 200, Hint: "quote.customer_hint"},
		{Name: "title", Label: "quote.title_field", Type: "text", Required: true, Max: 200, Wide: true},
		{Name: "valid_until", Label: "quote.valid_until", Type: "date", Hint: "quote.valid_until_hint"},
		{Name: "slots_catalog", Type: "hidden"},
		{Name: "slots_free", Type: "hidden"},
	}}}
	for i := range catalogN {
		n := strconv.Itoa(i)
		sets = append(sets, fieldset{Legend: "quote.catalog_line", Fields: []field{
			{Name: "plan_id." + n, Label: "plan.plan", Type: "select", Options: planOpts},
			{Name: "quantity." + n, Label: "lines.quantity", Type: "number", Mode: "numeric"},
			{Name: "domain." + n, Label: "order.domain", Type: "text", Max: 253},
			{Name: "unit_price." + n, Label: "quote.price_override", Type: "text", Mode: "decimal", Hint: "quote.price_override_hint"},
			{Name: "remove." + n, Label: "quote.remove_line", Type: "checkbox"},
		}})
	}
	for i := range freeN {
		n := strconv.Itoa(quoteMaxSlots + i)
		sets = append(sets, fieldset{Legend: "quote.free_line", Fields: []field{
			{Name: "description." + n, Label: "lines.description", Type: "text", Max: 500, Wide: true},
			{Name: "billing." + n, Label: "plan.billing", Type: "select", Options: billingOptions},
			{Name: "period." + n, Label: "plan.period", Type: "select", Options: periodOptions},
			{Name: "unit_price." + n, Label: "plan.price", Type: "text", Mode: "decimal"},
			{Name: "quantity." + n, Label: "lines.quantity", Type: "number", Mode: "numeric"},
			{Name: "remove." + n, Label: "quote.remove_line", Type: "checkbox"},
		}})
	}
	return sets, nil
}

func (s *server) quoteFormPage(w http.ResponseWriter, r *http.Request, pg *page, status int) error {
	return s.quoteEditorPage(w, r, pg, 0, status)
}

// quoteEditorPage shows the quote form: a new quote (id 0) or a draft being edited,
// whose customer is fixed.
func (s *server) quoteEditorPage(w http.ResponseWriter, r *http.Request, pg *page, id int64, status int) error {
	sets, err := s.quoteFieldsets(r, pg.Form)
	if err != nil {
		return err
	}
	pg.Nav = "quotes"
	v := formView{Action: "/staff/quotes/new", Sets: pg.useFields(sets...), Submit: "quote.create", Cancel: "/staff/quotes", More: "quote.more_lines"}
	if id > 0 {
		v.Sets[0].Fields = v.Sets[0].Fields[1:]
		base := "/staff/quotes/" + strconv.FormatInt(id, 10)
		v.Action, v.Submit, v.Cancel = base+"/edit", "quote.save", base
	}
	pg.Data = v
	s.render(w, status, "form", pg)
	return nil
}

func (s *server) staffQuoteNew(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "quote.new_title")
	pg.Form = newForm(nil)
	if c, err := strconv.ParseInt(r.URL.Query().Get("customer"), 10, 64); err == nil && c > 0 {
		pg.Form.set("customer", strconv.FormatInt(c, 10))
	}
	return s.quoteFormPage(w, r, pg, http.StatusOK)
}

// quoteInputFrom reads the lines that were filled in; the service's "lines[i].x"
// errors map back to the form's "x.n" fields through rename.
func quoteInputFrom(f *form) (contracts.QuoteInput, map[string]string) {
	in := contracts.QuoteInput{Title: strings.TrimSpace(f.Get("title")), ValidUntil: parseDate(f, "valid_until")}
	rename := map[string]string{"org_id": "customer", "lines": "title", "valid_until": "valid_until"}
	catalogN, freeN := quoteSlots(f)
	var slots []int
	for i := range catalogN {
		slots = append(slots, i)
	}
	for i := range freeN {
		slots = append(slots, quoteMaxSlots+i)
	}
	for _, i := range slots {
		n := strconv.Itoa(i)
		if f.Get("remove."+n) != "" {
			continue
		}
		planID := parseInt(f, "plan_id."+n)
		desc := strings.TrimSpace(f.Get("description." + n))
		if planID == 0 && desc == "" {
			continue
		}
		qty := parseInt(f, "quantity."+n)
		if qty == 0 {
			qty = 1
		}
		l := contracts.QuoteLineInput{PlanID: planID, Description: desc, Domain: strings.TrimSpace(f.Get("domain." + n)),
			Quantity: int(min(qty, 1_000_000)), UnitPrice: parseMoney(f, "unit_price."+n)}
		if planID == 0 {
			l.Billing, l.Period = catalog.Billing(f.Get("billing."+n)), f.Get("period."+n)
		}
		k := "lines[" + strconv.Itoa(len(in.Lines)) + "]."
		for _, name := range []string{"quantity", "domain", "unit_price", "description", "billing", "period"} {
			rename[k+name] = name + "." + n
		}
		rename[k+"plan_id"] = "plan_id." + n
		rename[k+"setup_fee"], rename[k+"vat_category"] = "unit_price."+n, "unit_price."+n
		in.Lines = append(in.Lines, l)
	}
	return in, rename
}

func (s *server) staffQuoteCreate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "quote.new_title")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	if moreLines(f) {
		return s.quoteFormPage(w, r, pg, http.StatusOK)
	}
	in, rename := quoteInputFrom(f)
	requireFields(f, pg.Lang, map[string]string{"customer": f.Get("customer"), "title": f.Get("title")})
	if len(f.Errors) == 0 {
		if in.OrgID, err = s.findCustomer(r, p, pg, f); err != nil {
			return err
		}
	}
	if len(f.Errors) == 0 {
		q, err := s.con.CreateQuote(r.Context(), *p, in)
		switch {
		case err == nil:
			s.flash(w, "quote_created")
			s.redirect(w, r, "/staff/quotes/"+strconv.FormatInt(q.ID, 10))
			return nil
		case fieldErrors(f, err, rename):
		default:
			return err
		}
	}
	return s.quoteFormPage(w, r, pg, http.StatusUnprocessableEntity)
}

func (s *server) staffQuote(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.quotePage(w, r, p, s.newPage(w, r, ""), id, "/staff", http.StatusOK)
}

func (s *server) staffQuoteSend(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := s.con.SendQuote(r.Context(), *p, id); err != nil {
		return err
	}
	s.flash(w, "quote_sent")
	s.redirect(w, r, "/staff/quotes/"+strconv.FormatInt(id, 10))
	return nil
}

func (s *server) staffQuoteAllowLate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.con.AllowLateAcceptance(r.Context(), *p, id); err != nil {
		return err
	}
	s.flash(w, "quote_late_allowed")
	s.redirect(w, r, "/staff/quotes/"+strconv.FormatInt(id, 10))
	return nil
}

// ---- price increases, terms versions, force majeure ----

// changeView is a staff form whose POST answers with the decision and its reasons.
type changeView struct {
	Intro   string
	Action  string
	Submit  string
	Sets    []fieldset
	Current string // terms: the version new orders accept
	Price   *contracts.PriceIncrease
	Terms   *contracts.TermsVersion
	FM      *contracts.ForceMajeure
	// The lists below the form: the increases announced (with their plans' names), the
	// versions published and the periods of force majeure, each newest first.
	Increases []contracts.PriceIncrease
	Plans     map[int64]string
	Versions  []contracts.TermsVersion
	Periods   []contracts.ForceMajeure
	Today     string // the default end date of force majeure, YYYY-MM-DD
}

// changeListLimit is how many price increases the staff page lists.
const changeListLimit = 100

var priceIncreaseFields = fieldset{Fields: []field{
	{Name: "plan_id", Label: "plan.plan", Type: "select", Required: true},
	{Name: "new_price", Label: "increase.new_price", Type: "text", Mode: "decimal", Required: true, Hint: "plan.price_hint"},
	{Name: "effective", Label: "increase.effective", Type: "date", Required: true},
	{Name: "index", Label: "increase.index", Type: "text", Mode: "decimal", Hint: "increase.index_hint"},
	{Name: "note", Label: "cancel.note", Type: "textarea", Wide: true},
}}

func (s *server) priceIncreasePage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, pi *contracts.PriceIncrease, status int) error {
	ctx := r.Context()
	plans, err := s.catalog.ListPlans(ctx, catalog.PlanFilter{Pack: s.pack.Name})
	if err != nil {
		return err
	}
	increases, _, err := s.con.ListPriceIncreases(ctx, *p, contracts.PriceIncreaseFilter{}, contracts.Page{Limit: changeListLimit})
	if err != nil {
		return err
	}
	fs := priceIncreaseFields
	fs.Fields = append([]field(nil), fs.Fields...)
	names := map[int64]string{}
	for _, pl := range plans {
		names[pl.ID] = pl.Label()
		if pl.Active && pl.Billing == catalog.Subscription {
			fs.Fields[0].Options = append(fs.Fields[0].Options, option{Value: strconv.FormatInt(pl.ID, 10), Text: pl.Label() + " — " + pl.Price.String()})
		}
	}
	pg.Nav = "catalog"
	pg.Data = changeView{Intro: pg.T("increase.intro"), Action: "/staff/price-increases", Submit: "increase.submit",
		Sets: pg.useFields(fs), Price: pi, Increases: increases, Plans: names}
	s.render(w, status, "staff_change", pg)
	return nil
}

func (s *server) staffPriceIncreaseForm(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "increase.title")
	pg.Form = newForm(nil)
	return s.priceIncreasePage(w, r, p, pg, nil, http.StatusOK)
}

func (s *server) staffPriceIncrease(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "increase.title")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	in := contracts.PriceIncreaseInput{PlanID: parseInt(f, "plan_id"), NewPrice: parseMoney(f, "new_price"),
		Effective: parseDate(f, "effective"), Note: strings.TrimSpace(f.Get("note"))}
	if v := strings.TrimSpace(strings.ReplaceAll(f.Get("index"), ",", ".")); v != "" {
		rate, err := terms.ParseRate(v)
		if err != nil {
			f.Errors["index"] = pg.T("form.not_a_number")
		}
		in.Index = rate
	}
	requireFields(f, pg.Lang, map[string]string{"new_price": f.Get("new_price"), "effective": f.Get("effective")})
	if len(f.Errors) == 0 {
		pi, err := s.con.SchedulePriceIncrease(r.Context(), *p, in)
		switch {
		case err == nil:
			return s.priceIncreasePage(w, r, p, pg, &pi, http.StatusOK)
		case fieldErrors(f, err, nil):
		default:
			return err
		}
	}
	return s.priceIncreasePage(w, r, p, pg, nil, http.StatusUnprocessableEntity)
}

var termsFields = fieldset{Fields: []field{
	{Name: "version", Label: "termsv.version", Type: "text", Required: true, Max: 64},
	{Name: "effective", Label: "termsv.effective", Type: "date", Required: true, Hint: "termsv.effective_hint"},
	{Name: "summary", Label: "termsv.summary", Type: "textarea", Wide: true},
}}

func (s *server) termsPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, tv *contracts.TermsVersion, status int) error {
	cur, err := s.con.CurrentTermsVersion(r.Context())
	if err != nil {
		return err
	}
	versions, err := s.con.ListTermsVersions(r.Context(), *p)
	if err != nil {
		return err
	}
	pg.Nav = "terms"
	pg.Data = changeView{Intro: pg.T("termsv.intro"), Action: "/staff/terms", Submit: "termsv.submit", Sets: pg.useFields(termsFields),
		Current: cur, Terms: tv, Versions: versions}
	s.render(w, status, "staff_change", pg)
	return nil
}

func (s *server) staffTermsForm(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "termsv.title")
	pg.Form = newForm(nil)
	return s.termsPage(w, r, p, pg, nil, http.StatusOK)
}

func (s *server) staffTermsPublish(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "termsv.title")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	in := contracts.TermsVersionInput{Version: strings.TrimSpace(f.Get("version")), Effective: parseDate(f, "effective"), Summary: strings.TrimSpace(f.Get("summary"))}
	requireFields(f, pg.Lang, map[string]string{"version": f.Get("version"), "effective": f.Get("effective")})
	if len(f.Errors) == 0 {
		tv, err := s.con.PublishTermsVersion(r.Context(), *p, in)
		switch {
		case err == nil:
			pg.Form = newForm(nil)
			pg.Flash = pg.T("flash.terms_published")
			return s.termsPage(w, r, p, pg, &tv, http.StatusOK)
		case fieldErrors(f, err, nil):
		default:
			return err
		}
	}
	return s.termsPage(w, r, p, pg, nil, http.StatusUnprocessableEntity)
}

var fmFields = fieldset{Legend: "fm.record", Fields: []field{
	{Name: "started_on", Label: "fm.started_on", Type: "date", Required: true},
	{Name: "description", Label: "fm.description", Type: "textarea", Required: true, Wide: true},
}}

func (s *server) fmPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, fm *contracts.ForceMajeure, status int) error {
	periods, err := s.con.ListForceMajeure(r.Context(), *p)
	if err != nil {
		return err
	}
	pg.Nav = "terms"
	pg.Data = changeView{Intro: pg.T("fm.intro"), Action: "/staff/force-majeure", Submit: "fm.submit", Sets: pg.useFields(fmFields),
		FM: fm, Periods: periods, Today: s.today().String()}
	s.render(w, status, "staff_change", pg)
	return nil
}

func (s *server) staffForceMajeureForm(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "fm.title")
	pg.Form = newForm(nil)
	return s.fmPage(w, r, p, pg, nil, http.StatusOK)
}

func (s *server) staffForceMajeure(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "fm.title")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	started := parseDate(f, "started_on")
	requireFields(f, pg.Lang, map[string]string{"started_on": f.Get("started_on"), "description": f.Get("description")})
	if len(f.Errors) == 0 {
		fm, err := s.con.RecordForceMajeure(r.Context(), *p, started, strings.TrimSpace(f.Get("description")))
		switch {
		case err == nil:
			pg.Form = newForm(nil)
			return s.fmPage(w, r, p, pg, &fm, http.StatusOK)
		case fieldErrors(f, err, nil):
		default:
			return err
		}
	}
	return s.fmPage(w, r, p, pg, nil, http.StatusUnprocessableEntity)
}

// staffForceMajeureEnd records the end of the period in the row whose "end" button was
// pressed (fm_id), on the day entered in that row.
func (s *server) staffForceMajeureEnd(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "fm.title")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	id, ended := parseInt(f, "fm_id"), parseDate(f, "ended_on")
	requireFields(f, pg.Lang, map[string]string{"fm_id": f.Get("fm_id"), "ended_on": f.Get("ended_on")})
	if len(f.Errors) == 0 {
		err := s.con.EndForceMajeure(r.Context(), *p, id, ended)
		switch {
		case err == nil:
			s.flash(w, "fm_ended")
			s.redirect(w, r, "/staff/force-majeure")
			return nil
		case fieldErrors(f, err, nil):
		default:
			return err
		}
	}
	// The row's fields are not the form's: say what went wrong above the page, naming
	// the period.
	keys := make([]string, 0, len(f.Errors))
	for k := range f.Errors {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		f.General = append(f.General, pg.T("fm.end_error", f.Get("fm_id"), f.Errors[k]))
	}
	pg.Form = newForm(nil)
	pg.Form.General = f.General
	return s.fmPage(w, r, p, pg, nil, http.StatusUnprocessableEntity)
}

// findCustomer resolves the quote form's customer: a customer number, or (part of) a
// name, e-mail or KvK number that matches one customer. Several matches are named in
// the error, with their numbers, so the next try is one of them.
func (s *server) findCustomer(r *http.Request, p *accounts.Principal, pg *page, f *form) (int64, error) {
	v := strings.TrimSpace(f.Get("customer"))
	if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 && len(v) < 8 {
		return id, nil
	}
	orgs, total, err := s.acc.ListOrganisations(r.Context(), *p, accounts.OrgFilter{Query: truncate(v, 200), Page: 1, PerPage: 5})
	if err != nil {
		return 0, err
	}
	switch {
	case total == 1:
		f.set("customer", strconv.FormatInt(orgs[0].ID, 10))
		return orgs[0].ID, nil
	case total == 0:
		f.Errors["customer"] = pg.T("quote.no_customer", v)
	default:
		names := make([]string, len(orgs))
		for i, o := range orgs {
			names[i] = pg.T("quote.customer_choice", o.LegalName, o.ID)
		}
		f.Errors["customer"] = pg.T("quote.several_customers", total, strings.Join(names, "; "))
	}
	return 0, nil
}

// quoteForm fills the quote form from a draft: its catalog lines first, then its free
// lines, each kind with one empty line to add.
func quoteForm(q contracts.Quote) *form {
	f := newForm(nil)
	f.set("customer", strconv.FormatInt(q.OrgID, 10))
	f.set("title", q.Title)
	if !q.ValidUntil.IsZero() {
		f.set("valid_until", q.ValidUntil.String())
	}
	var cat, free int
	for _, l := range q.Lines {
		if l.PlanID > 0 {
			n := strconv.Itoa(cat)
			f.set("plan_id."+n, strconv.FormatInt(l.PlanID, 10))
			f.set("domain."+n, l.Domain)
			f.set("unit_price."+n, l.UnitPrice.String())
			f.set("quantity."+n, strconv.Itoa(l.Quantity))
			cat++
			continue
		}
		n := strconv.Itoa(quoteMaxSlots + free)
		f.set("description."+n, l.Description)
		f.set("billing."+n, string(l.Billing))
		f.set("period."+n, l.Period.String())
		f.set("unit_price."+n, l.UnitPrice.String())
		f.set("quantity."+n, strconv.Itoa(l.Quantity))
		free++
	}
	f.set("slots_catalog", strconv.Itoa(min(max(cat+1, quoteCatalogLines), quoteMaxSlots)))
	f.set("slots_free", strconv.Itoa(min(max(free+1, quoteFreeLines), quoteMaxSlots)))
	return f
}

// draftQuote fetches the quote in the path when it is a draft; a quote already sent
// is frozen, and the editor sends the reader back to it with a word why.
func (s *server) draftQuote(w http.ResponseWriter, r *http.Request, p *accounts.Principal) (contracts.Quote, bool, error) {
	id, err := pathID(r)
	if err != nil {
		return contracts.Quote{}, false, err
	}
	q, err := s.con.GetQuote(r.Context(), *p, id)
	if err != nil {
		return q, false, err
	}
	if q.Status != contracts.QuoteDraft {
		s.flash(w, "quote_not_draft")
		s.redirect(w, r, "/staff/quotes/"+strconv.FormatInt(id, 10))
		return q, false, nil
	}
	return q, true, nil
}

func (s *server) staffQuoteEdit(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	q, ok, err := s.draftQuote(w, r, p)
	if err != nil || !ok {
		return err
	}
	pg := s.newPage(w, r, "")
	pg.Title, pg.Form = pg.T("quote.edit_title", q.Title), quoteForm(q)
	return s.quoteEditorPage(w, r, pg, q.ID, http.StatusOK)
}

func (s *server) staffQuoteUpdate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	q, ok, err := s.draftQuote(w, r, p)
	if err != nil || !ok {
		return err
	}
	pg := s.newPage(w, r, "")
	pg.Title = pg.T("quote.edit_title", q.Title)
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	if moreLines(f) {
		return s.quoteEditorPage(w, r, pg, q.ID, http.StatusOK)
	}
	in, rename := quoteInputFrom(f)
	requireFields(f, pg.Lang, map[string]string{"title": f.Get("title")})
	if len(f.Errors) == 0 {
		_, err := s.con.UpdateQuote(r.Context(), *p, q.ID, in)
		switch {
		case err == nil:
			s.flash(w, "quote_saved")
			s.redirect(w, r, "/staff/quotes/"+strconv.FormatInt(q.ID, 10))
			return nil
		case fieldErrors(f, err, rename):
		default:
			return err
		}
	}
	return s.quoteEditorPage(w, r, pg, q.ID, http.StatusUnprocessableEntity)
}

// moreLines handles the editor's "more lines" button: one more line of each kind, and
// the form shown again as it was filled in.
func moreLines(f *form) bool {
	if f.Get("op") != "more" {
		return false
	}
	catalogN, freeN := quoteSlots(f)
	f.set("slots_catalog", strconv.Itoa(min(catalogN+1, quoteMaxSlots)))
	f.set("slots_free", strconv.Itoa(min(freeN+1, quoteMaxSlots)))
	return true
}
