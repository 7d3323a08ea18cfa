package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/compensation"
	"github.com/hostpact/hostpact/internal/sla"
	"github.com/hostpact/hostpact/internal/terms"
)

// The availability pages of the portal and the SLA pages of the staff app (issue 10,
// part C). The service decides who may see and do what; the handlers only read forms
// and choose pages.

func (s *server) slaRoutes(staff, portal func(string, handlerFunc)) {
	portal("GET /portal/availability", s.portalAvailability)
	portal("GET /portal/availability/{id}/{month}", s.portalAvailabilityMonth)
	portal("POST /portal/availability/{id}/{month}/claim", s.portalAvailabilityClaim)
	staff("GET /staff/sla", s.staffSLA)
	staff("GET /staff/sla/claims/{id}", s.staffSLAClaim)
	staff("POST /staff/sla/claims/{id}/decide", s.staffSLADecide)
	staff("GET /staff/sla/months/{id}/{month}", s.staffSLAMonth)
	staff("GET /staff/sla/months/{id}/{month}/breach", s.staffSLABreachConfirm)
	staff("POST /staff/sla/months/{id}/{month}/{action}", s.staffSLAMonthAction)
	staff("GET /staff/sla/exclusions", s.staffSLAExclusions)
	staff("POST /staff/sla/exclusions", s.staffSLAExclusionCreate)
}

// slaView is one month on a page, with its sentences prepared.
type slaView struct {
	M       compensation.Month
	Base    string // /portal/availability or /staff/sla/months
	Path    string // Base/{sub}/{month}
	Lines   []string
	Credit  string
	Claim   string
	Reasons []option
	Claims  []compensation.Claim
	Breach  []compensation.Breach
	Excl    []compensation.Exclusion
	Items   []slaOverview
	Sets    []fieldset
}

type slaOverview struct {
	Name   string
	Months []compensation.Month
}

// monthName is "maart 2026" / "March 2026".
func (p *page) MonthName(month string) string {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return month
	}
	// The first of the month in words, without its day: "maart 2026".
	return strings.TrimPrefix(terms.D(t.Year(), t.Month(), 1).In(p.Lang), "1 ")
}

// Minutes is a number of minutes as hours and minutes: "1 uur 47 min." / "1 h 47 min".
func (p *page) Minutes(n int) string {
	if n < 60 {
		return p.T("sla.minutes", n)
	}
	return p.T("sla.hours_minutes", n/60, n%60)
}

// Percent formats the availability with a decimal comma in Dutch.
func (p *page) Percent(s string) string {
	if s == "" {
		return "—"
	}
	if p.Lang == "nl" {
		return strings.ReplaceAll(s, ".", ",") + "%"
	}
	return s + "%"
}

// sentences writes the month in plain sentences for the customer: what was down when,
// what did not count and why, and the credit.
func sentences(pg *page, m compensation.Month, now time.Time) (lines []string, credit, claim string) {
	f := m.Figure
	res := f.Result
	if f.Frozen {
		lines = append(lines, pg.T("sla.say.frozen", pg.MonthName(f.Month), pg.Percent(f.Availability)))
	} else {
		lines = append(lines, pg.T("sla.say.live", pg.MonthName(f.Month), pg.Time(f.UpTo), pg.Percent(f.Availability), pg.Time(m.FinalAt)))
	}
	if len(res.Intervals) == 0 {
		lines = append(lines, pg.T("sla.say.no_outage"))
	}
	for _, iv := range res.Intervals {
		lines = append(lines, pg.T("sla.say.down", pg.Time(iv.From), pg.Time(iv.To), pg.Minutes(sla.WholeMinutes(iv.Duration()))))
	}
	for _, e := range f.Detail.Exclusions {
		if len(sla.Intersect(res.Intervals, []sla.Interval{{From: e.From, To: e.To}})) == 0 {
			continue
		}
		lines = append(lines, pg.T("sla.say.excluded", pg.Time(e.From), pg.Time(e.To), pg.T("sla.reason."+e.Reason)))
	}
	for _, o := range f.Detail.Overdue {
		for _, iv := range res.Intervals {
			if !iv.From.Before(o.From) && iv.From.Before(o.To) {
				lines = append(lines, pg.T("sla.say.overdue", pg.Time(iv.From)))
			}
		}
	}
	for _, iv := range f.Detail.Manual {
		lines = append(lines, pg.T("sla.say.manual", pg.Time(iv.From), pg.Time(iv.To)))
	}
	lines = append(lines, pg.T("sla.say.counted", pg.Minutes(f.DownMinutes)))
	if f.Correction != nil && f.Correction.DownMinutes != f.Result.DownMinutes {
		lines = append(lines, pg.T("sla.say.corrected", pg.Minutes(f.Correction.DownMinutes), f.Correction.Reason))
	}
	switch {
	case m.Breach != "":
		credit = pg.T("sla.say.breach")
	case f.Credit > 0:
		credit = pg.T("sla.say.credit", f.CreditPercent, pg.Money(f.Credit))
	default:
		credit = pg.T("sla.say.no_credit", m.ThresholdMinutes)
	}
	switch c := m.Claim; {
	case c != nil && c.Status == compensation.ClaimApproved:
		claim = pg.T("sla.say.claim_approved", pg.Time(c.ReceivedAt), pg.Money(c.Credit))
	case c != nil && c.Status == compensation.ClaimRejected:
		claim = pg.T("sla.say.claim_rejected", pg.Time(c.ReceivedAt), c.Note)
	case c != nil:
		claim = pg.T("sla.say.claim_pending", pg.Time(c.ReceivedAt))
	case m.CanClaim && m.OutageOngoing:
		claim = pg.T("sla.say.claim_ongoing", periodWords(pg.Lang, m.ClaimWindow))
	case m.CanClaim:
		claim = pg.T("sla.say.claim_until", pg.Date(m.Deadline.LastDay))
	case f.Credit > 0 && !m.Deadline.Until.IsZero() && !m.Deadline.InTime(now):
		claim = pg.T("sla.say.claim_late", pg.Date(m.Deadline.LastDay))
	}
	return lines, credit, claim
}

func (s *server) portalAvailability(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	ov, err := s.comp.Availability(r.Context(), *p, p.Org.ID, 12)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "sla.portal.title")
	pg.Nav = "availability"
	v := slaView{Base: "/portal/availability"}
	for _, o := range ov {
		v.Items = append(v.Items, slaOverview{Name: o.Subscription.Name, Months: o.Months})
	}
	pg.Data = v
	s.render(w, http.StatusOK, "portal_availability", pg)
	return nil
}

// monthParams reads {id} and {month}; a month that is not one is not found.
func monthParams(r *http.Request) (int64, string, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, "", err
	}
	month := r.PathValue("month")
	if _, err := time.Parse("2006-01", month); err != nil {
		month = ""
	}
	return id, month, nil
}

func (s *server) monthView(w http.ResponseWriter, r *http.Request, p *accounts.Principal, base string) (*page, slaView, error) {
	id, month, err := monthParams(r)
	if err != nil {
		return nil, slaView{}, err
	}
	m, err := s.comp.MonthOf(r.Context(), *p, id, month)
	if err != nil {
		return nil, slaView{}, err
	}
	pg := s.newPage(w, r, "")
	pg.Title = pg.T("sla.month.title", m.Subscription.Name, pg.MonthName(m.Figure.Month))
	v := slaView{M: m, Base: base, Path: fmt.Sprintf("%s/%d/%s", base, id, m.Figure.Month)}
	v.Lines, v.Credit, v.Claim = sentences(pg, m, s.clock.Now())
	pg.ExplainDocs = s.docsAt(r.Context(), pg.Lang, monthEnd(m.Figure.Month))
	return pg, v, nil
}

// slaError turns the SLA's refusals into 404 (no guarantee: nothing to show) and lets
// the rest through.
func slaError(err error) error {
	if errors.Is(err, compensation.ErrNoSLA) {
		return accounts.ErrNotFound
	}
	var fe accounts.FieldErrors
	if errors.As(err, &fe) && !fe["month"].IsZero() {
		return accounts.ErrNotFound
	}
	return err
}

func (s *server) portalAvailabilityMonth(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg, v, err := s.monthView(w, r, p, "/portal/availability")
	if err != nil {
		return slaError(err)
	}
	pg.Nav = "availability"
	pg.Data = v
	s.render(w, http.StatusOK, "portal_availability_month", pg)
	return nil
}

// claimFlash is the flash for a claim that was refused for a reason the person can
// understand.
func claimFlash(err error) (string, bool) {
	switch {
	case errors.Is(err, compensation.ErrLate):
		return "sla_claim_late", true
	case errors.Is(err, compensation.ErrClaimed):
		return "sla_claim_exists", true
	case errors.Is(err, compensation.ErrNoCredit):
		return "sla_claim_no_credit", true
	case errors.Is(err, compensation.ErrNotFrozen):
		return "sla_not_frozen", true
	case errors.Is(err, compensation.ErrDecided):
		return "sla_claim_decided", true
	}
	return "", false
}

func (s *server) portalAvailabilityClaim(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, month, err := monthParams(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	_, err = s.comp.Claim(r.Context(), *p, id, month, r.PostForm.Get("message"))
	if key, ok := claimFlash(err); ok {
		s.flash(w, key)
	} else if err != nil {
		return slaError(err)
	} else {
		s.flash(w, "sla_claimed")
	}
	s.redirect(w, r, fmt.Sprintf("/portal/availability/%d/%s", id, url.PathEscape(month)))
	return nil
}

// ---- staff ----

func (s *server) staffSLA(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	claims, err := s.comp.Claims(r.Context(), *p, 200)
	if err != nil {
		return err
	}
	br, err := s.comp.Breaches(r.Context(), *p)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "sla.staff.title")
	pg.Nav = "sla"
	pg.Data = slaView{Claims: claims, Breach: br}
	s.render(w, http.StatusOK, "staff_sla", pg)
	return nil
}

func (s *server) staffSLAClaim(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c, m, err := s.comp.GetClaim(r.Context(), *p, id)
	if err != nil {
		return slaError(err)
	}
	pg := s.newPage(w, r, "")
	pg.Title = pg.T("sla.claim.title", c.ID)
	pg.Nav = "sla"
	v := slaView{M: m, Claims: []compensation.Claim{c}, Base: "/staff/sla/months", Path: fmt.Sprintf("/staff/sla/months/%d/%s", c.SubscriptionID, c.Month)}
	v.Lines, v.Credit, v.Claim = sentences(pg, m, s.clock.Now())
	pg.Data = v
	pg.ExplainDocs = s.docsAt(r.Context(), pg.Lang, monthEnd(m.Figure.Month))
	s.render(w, http.StatusOK, "staff_sla_claim", pg)
	return nil
}

func (s *server) staffSLADecide(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	approve := r.PostForm.Get("decision") == "approve"
	_, err = s.comp.Decide(r.Context(), *p, id, approve, r.PostForm.Get("note"))
	var fe accounts.FieldErrors
	switch key, ok := claimFlash(err); {
	case ok:
		s.flash(w, key)
	case errors.As(err, &fe):
		s.flash(w, "sla_note_required")
	case err != nil:
		return err
	case approve:
		s.flash(w, "sla_claim_approved")
	default:
		s.flash(w, "sla_claim_rejected")
	}
	s.redirect(w, r, fmt.Sprintf("/staff/sla/claims/%d", id))
	return nil
}

func (s *server) staffSLAMonth(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg, v, err := s.monthView(w, r, p, "/staff/sla/months")
	if err != nil {
		return slaError(err)
	}
	pg.Nav = "sla"
	pg.Form = newForm(nil)
	pg.Data = v
	s.render(w, http.StatusOK, "staff_sla_month", pg)
	return nil
}

// staffSLABreachConfirm asks before a breach is recorded: it voids the month's credit
// (cp.sla.exclusions.4) and cannot be withdrawn here.
func (s *server) staffSLABreachConfirm(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg, v, err := s.monthView(w, r, p, "/staff/sla/months")
	if err != nil {
		return slaError(err)
	}
	pg.Nav = "sla"
	pg.Title = pg.T("sla.staff.breach")
	pg.Data = confirmView{Question: pg.T("sla.breach.question", v.M.Subscription.Name, pg.MonthName(v.M.Figure.Month), pg.Money(v.M.Figure.Credit)),
		Action: v.Path + "/breach", Submit: "sla.staff.save", Cancel: v.Path, Danger: true,
		Sets: pg.useFields(fieldset{Fields: []field{{Name: "reason", Label: "sla.staff.reason", Type: "textarea", Required: true, Wide: true}}})}
	s.render(w, http.StatusOK, "confirm", pg)
	return nil
}

// localTime reads a datetime-local value as Amsterdam time.
func localTime(v string) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01-02T15:04", strings.TrimSpace(v), clock.Amsterdam)
	return t, err == nil
}

// staffSLAMonthAction records a correction, a breach, an e-mail claim or a manual outage
// for the month; a refused input comes back as a flash on the month page.
func (s *server) staffSLAMonthAction(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, month, err := monthParams(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	ctx, f := r.Context(), r.PostForm
	flash := ""
	switch r.PathValue("action") {
	case "correct":
		n, perr := strconv.Atoi(strings.TrimSpace(f.Get("down_minutes")))
		if perr != nil {
			n = -1
		}
		_, err = s.comp.Correct(ctx, *p, id, month, n, f.Get("reason"))
		flash = "sla_corrected"
	case "breach":
		err, flash = s.comp.RecordBreach(ctx, *p, id, month, f.Get("reason")), "sla_breach_recorded"
	case "claim":
		at, _ := localTime(f.Get("received_at"))
		_, err = s.comp.RecordEmailClaim(ctx, *p, id, month, at, f.Get("message"))
		flash = "sla_claimed"
	case "manual":
		from, _ := localTime(f.Get("from"))
		to, _ := localTime(f.Get("to"))
		_, err = s.comp.RecordManual(ctx, *p, id, from, to, f.Get("evidence"))
		flash = "sla_manual_recorded"
	default:
		return accounts.ErrNotFound
	}
	var fe accounts.FieldErrors
	if key, ok := claimFlash(err); ok {
		flash = key
	} else if errors.As(err, &fe) {
		flash = "sla_input_invalid"
	} else if err != nil {
		return slaError(err)
	}
	s.flash(w, flash)
	s.redirect(w, r, fmt.Sprintf("/staff/sla/months/%d/%s", id, url.PathEscape(month)))
	return nil
}

func (s *server) staffSLAExclusions(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	return s.showExclusions(w, r, p, newForm(nil), http.StatusOK)
}

func (s *server) showExclusions(w http.ResponseWriter, r *http.Request, p *accounts.Principal, f *form, status int) error {
	list, err := s.comp.Exclusions(r.Context(), *p, 200)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "sla.exclusions.title")
	pg.Nav = "sla"
	pg.Form = f
	v := slaView{Excl: list}
	for _, reason := range s.comp.RecordableReasons() {
		v.Reasons = append(v.Reasons, option{Value: reason, Label: "sla.reason." + reason})
	}
	v.Sets = pg.useFields(fieldset{Fields: []field{
		{Name: "scope", Label: "sla.exclusions.scope", Type: "select", Required: true, Options: []option{
			{Value: "server", Label: "sla.exclusions.server"}, {Value: "subscription", Label: "sla.exclusions.sub"}}},
		{Name: "target", Label: "sla.exclusions.target", Type: "text", Mode: "numeric", Required: true, Max: 20},
		{Name: "from", Label: "sla.col.from", Type: "datetime-local", Required: true},
		{Name: "to", Label: "sla.col.to", Type: "datetime-local", Required: true},
		{Name: "reason", Label: "sla.col.reason", Type: "select", Required: true, Options: v.Reasons},
		{Name: "evidence", Label: "sla.col.evidence", Type: "textarea", Required: true, Wide: true},
	}})
	pg.Data = v
	s.render(w, status, "staff_sla_exclusions", pg)
	return nil
}

func (s *server) staffSLAExclusionCreate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	lang := s.language(r, p)
	f, err := s.readForm(r, lang)
	if err != nil {
		return err
	}
	in := compensation.ExclusionInput{Reason: f.Get("reason"), Evidence: f.Get("evidence")}
	target, _ := strconv.ParseInt(strings.TrimSpace(f.Get("target")), 10, 64)
	if f.Get("scope") == "server" {
		in.ServerID = target
	} else {
		in.SubscriptionID = target
	}
	var ok bool
	if in.From, ok = localTime(f.Get("from")); !ok {
		f.Errors["from"] = translate(lang, "sla.err.time")
	}
	if in.To, ok = localTime(f.Get("to")); !ok {
		f.Errors["to"] = translate(lang, "sla.err.time")
	}
	if target <= 0 {
		f.Errors["target"] = translate(lang, "sla.err.target")
	}
	if len(f.Errors) == 0 {
		_, err = s.comp.RecordExclusion(r.Context(), *p, in)
		if err == nil {
			s.flash(w, "sla_exclusion_recorded")
			s.redirect(w, r, "/staff/sla/exclusions")
			return nil
		}
		if !fieldErrors(f, err, map[string]string{"scope": "target"}) {
			return slaError(err)
		}
	}
	return s.showExclusions(w, r, p, f, http.StatusUnprocessableEntity)
}

// Join lists names with commas.
func (p *page) Join(names []string) string { return strings.Join(names, ", ") }

// SLAReason names an exclusion reason.
func (p *page) SLAReason(reason string) string { return p.T("sla.reason." + reason) }

// ClaimStatus names a claim's status.
func (p *page) ClaimStatus(status string) string { return p.T("sla.claim.status." + status) }
