package web

import (
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/terms"
	"github.com/hostpact/hostpact/internal/usage"
)

// The usage pages (issue 15, "Usage"): the customer sees each metered service's
// figures this month against its plan (cp.av.9.2, cp.av.9.3, cp.av.5.11) and, per
// service, the months as bar charts drawn on the server (inline SVG, no script) with
// the plan's limit as a line, the same numbers as a table, the warnings sent, the
// usage charged and the fair-use steps taken (fo.av.12.4). Where the pack lets the
// customer choose (cp.av.9.1, cp.av.9.4) they choose between paying for usage above
// the plan and having the plan raised. The usage service decides who may see what.

// usageWindow is how many months the service page shows.
const usageWindow = 12

func (s *server) usageRoutes(staff, portal func(string, handlerFunc)) {
	portal("GET /portal/usage", s.portalUsage)
	portal("GET /portal/usage/{id}", s.portalUsageService)
	portal("GET /portal/usage/{id}/mode", s.confirmGet(s.usageModePage))
	portal("POST /portal/usage/{id}/mode", s.confirmPost(s.usageModePage, nil, s.usageSetMode))
	s.usageStaffRoutes(staff)
}

// UsageNav: the portal offers the usage pages.
func (p *page) UsageNav() bool {
	return p.Usage && p.P != nil && p.P.Org != nil && p.P.Can(accounts.UsageRead, p.P.Org.Ref())
}

// UsageStaffNav: the staff navigation offers the usage report.
func (p *page) UsageStaffNav() bool {
	return p.Usage && p.P != nil && p.P.Can(accounts.UsageManage, accounts.Provider)
}

// usageLine is one resource of one month against the plan, written for people.
type usageLine struct {
	Used      string // "12,34 GB"
	Limit     string // "100 GB", or the words for unlimited
	Unlimited bool
	Percent   int // share of the limit used; 0 when unlimited
	Over      bool
	None      bool // nothing measured in the month: no figure, not a figure of zero
}

// usageOf writes used bytes against a limit in bytes (nil: the plan states none, shown
// in words, never as a number).
func (p *page) usageOf(used int64, limit *int64) usageLine {
	l := usageLine{Used: p.GBText(used)}
	if limit == nil {
		l.Unlimited, l.Limit = true, p.T("usage.unlimited")
		return l
	}
	l.Limit = p.GBText(*limit)
	if *limit > 0 {
		l.Percent = int(used * 100 / *limit)
	}
	l.Over = used > *limit
	return l
}

// GBText writes bytes as GB (10^9 bytes, as the terms count) with two decimals, or
// without when whole.
func (p *page) GBText(n int64) string {
	r := terms.GB(n)
	s := r.FloatString(2)
	if r.IsInt() {
		s = r.FloatString(0)
	}
	if p.Lang == "nl" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + " GB"
}

type usageListRow struct {
	Service usage.Metered
	Traffic usageLine
	Storage usageLine
}

type portalUsageView struct {
	Month string
	Rows  []usageListRow
}

func (s *server) portalUsage(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	ctx := r.Context()
	list, err := s.usage.OrgServices(ctx, *p, p.Org.ID)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "usage.title")
	v := portalUsageView{Month: usage.MonthOf(s.clock.Now())}
	for _, m := range list {
		su, err := s.usage.ServiceMonths(ctx, *p, m.ServiceID, 1)
		if err != nil {
			return err
		}
		f := su.Months[len(su.Months)-1]
		v.Rows = append(v.Rows, usageListRow{Service: m, Traffic: pg.usageOf(f.Traffic, su.TrafficCap), Storage: pg.usageOf(f.Storage, su.StorageCap)})
	}
	pg.Nav, pg.Data = "usage", v
	s.render(w, http.StatusOK, "portal_usage", pg)
	return nil
}

// usageMonthRow is a month in the table under the charts.
type usageMonthRow struct {
	Month   string
	Traffic usageLine
	Storage usageLine
	Resets  int64
}

type usageServiceView struct {
	U         usage.ServiceUsage
	Traffic   usageChart
	Storage   usageChart
	Rows      []usageMonthRow // newest first
	Mode      string          // the mode in force: bill, raise or fair_use
	MayChoose bool            // the customer may choose, and this person may change the plan
	Staff     bool
}

func (s *server) usageServiceView(pg *page, p *accounts.Principal, su usage.ServiceUsage) usageServiceView {
	v := usageServiceView{U: su, Mode: su.PackMode, Staff: p.IsStaff()}
	if su.Mode != "" && su.MayChoose {
		v.Mode = su.Mode
	}
	v.MayChoose = su.MayChoose && su.Service.Active && !p.IsStaff() && p.Can(accounts.PlanChange, accounts.OrgID(su.Service.OrgID)) &&
		(su.TrafficCap != nil || su.StorageCap != nil)
	traffic := make([]int64, len(su.Months))
	storage := make([]int64, len(su.Months))
	for i, f := range su.Months {
		traffic[i], storage[i] = f.Traffic, f.Storage
	}
	v.Traffic = pg.chart(fmt.Sprintf("usage-traffic-%d", su.Service.ServiceID), "usage.traffic", su.Months, traffic, su.TrafficCap)
	v.Storage = pg.chart(fmt.Sprintf("usage-storage-%d", su.Service.ServiceID), "usage.storage", su.Months, storage, su.StorageCap)
	for i := len(su.Months) - 1; i >= 0; i-- {
		f := su.Months[i]
		row := usageMonthRow{Month: f.Month, Traffic: pg.usageOf(f.Traffic, su.TrafficCap), Storage: pg.usageOf(f.Storage, su.StorageCap), Resets: f.Resets}
		row.Traffic.None, row.Storage.None = f.Samples == 0, f.Samples == 0
		v.Rows = append(v.Rows, row)
	}
	return v
}

func (s *server) portalUsageService(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	su, err := s.usage.ServiceMonths(r.Context(), *p, id, usageWindow)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	pg.Title, pg.Nav = pg.T("usage.service_title", su.Service.Name), "usage"
	pg.Data = s.usageServiceView(pg, p, su)
	s.render(w, http.StatusOK, "portal_usage_service", pg)
	return nil
}

// usageChart is one resource's months as bars, laid out here so the template only
// draws. Coordinates are in the SVG's own units; the SVG scales to its container.
type usageChart struct {
	ID        string
	Title     string
	Desc      string
	W, H      int
	Base      int // y of the axis
	Bars      []chartBar
	HasLimit  bool
	LimitY    int
	LimitText string
	Unlimited bool
}

type chartBar struct {
	X, Y, W, H int
	LabelX     int
	Label      string // the month, short
	Value      string // for the bar's own title
	Over       bool
}

var shortMonths = map[string][12]string{
	"nl": {"jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"},
	"en": {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
}

func (p *page) shortMonth(month string) string {
	n, err := strconv.Atoi(month[len(month)-2:])
	if err != nil || n < 1 || n > 12 {
		return month
	}
	names, ok := shortMonths[p.Lang]
	if !ok {
		names = shortMonths["nl"]
	}
	return names[n-1]
}

// chart lays out values (bytes, one per month) against limit (bytes; nil: unlimited,
// so no line and the words instead).
func (p *page) chart(id, key string, months []usage.Figures, values []int64, limit *int64) usageChart {
	const w, h, top, base, left = 600, 220, 24, 190, 8
	c := usageChart{ID: id, Title: p.T(key), W: w, H: h, Base: base}
	res := p.T("usage.res." + strings.TrimPrefix(key, "usage."))
	top1 := int64(0)
	for _, v := range values {
		top1 = max(top1, v)
	}
	if limit != nil {
		top1 = max(top1, *limit)
	}
	// Headroom above the highest of the bars and the limit, so the line is visible.
	scale := new(big.Rat).SetFrac64(max(top1, 1)*11/10+1, int64(base-top))
	ypos := func(v int64) int {
		q := new(big.Rat).Quo(big.NewRat(v, 1), scale)
		f, _ := q.Float64()
		return base - int(f)
	}
	slot := (w - 2*left) / max(len(values), 1)
	for i, v := range values {
		y := ypos(v)
		b := chartBar{X: left + i*slot + slot/6, W: slot * 2 / 3, Y: y, H: base - y, Label: p.shortMonth(months[i].Month),
			Value: p.MonthName(months[i].Month) + ": " + p.GBText(v)}
		if months[i].Samples == 0 {
			b.Value = p.T("usage.not_measured", p.MonthName(months[i].Month))
		}
		b.LabelX = b.X + b.W/2
		b.Over = limit != nil && v > *limit
		c.Bars = append(c.Bars, b)
	}
	first, last := p.MonthName(months[0].Month), p.MonthName(months[len(months)-1].Month)
	if limit == nil {
		c.Unlimited = true
		c.LimitText = p.T("usage.unlimited")
		c.Desc = p.T("usage.chart_desc_unlimited", res, first, last, p.GBText(top1))
	} else {
		c.HasLimit, c.LimitY = true, ypos(*limit)
		c.LimitText = p.T("usage.limit_line", p.GBText(*limit))
		over := 0
		for _, b := range c.Bars {
			if b.Over {
				over++
			}
		}
		c.Desc = p.T("usage.chart_desc", res, first, last, p.GBText(*limit), over)
	}
	return c
}

// usageModePage asks the customer to choose what happens with usage above the plan
// (cp.av.9.1, cp.av.9.4).
func (s *server) usageModePage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	su, err := s.usage.ServiceMonths(r.Context(), *p, id, 1)
	if err != nil {
		return err
	}
	if !su.MayChoose {
		return accounts.ErrNotFound
	}
	pg.Title, pg.Nav = pg.T("usage.mode_title"), "usage"
	base := "/portal/usage/" + strconv.FormatInt(id, 10)
	cur := su.Mode
	if cur == "" {
		cur = su.PackMode
	}
	if pg.Form == nil {
		pg.Form = newForm(map[string][]string{"mode": {cur}})
	}
	pg.Data = confirmView{Question: pg.T("usage.mode_question", su.Service.Name),
		Details: []string{pg.T("usage.mode_bill_detail"), pg.T("usage.mode_raise_detail")},
		Action:  base + "/mode", Submit: "usage.mode_save", Cancel: base,
		Sets: []fieldset{{Fields: []field{{Name: "mode", Label: "usage.mode", Type: "select", Required: true,
			Options: []option{{Value: "bill", Label: "usage.mode.bill"}, {Value: "raise", Label: "usage.mode.raise"}}}}}}}
	s.render(w, status, "confirm", pg)
	return nil
}

func (s *server) usageSetMode(r *http.Request, p *accounts.Principal, pg *page, f *form, id int64) (string, string, error) {
	if err := s.usage.SetMode(r.Context(), *p, id, f.Get("mode")); err != nil {
		return "", "", err
	}
	return "usage_mode_saved", "/portal/usage/" + strconv.FormatInt(id, 10), nil
}

// usageTokenFields is the token form with the usage scope too, for those who may
// deliver usage samples: a provider's collector gets a token that does nothing else.
func usageTokenFields() fieldset {
	fs := fieldset{Fields: slices.Clone(tokenFields.Fields)}
	for i, f := range fs.Fields {
		if f.Name == "scopes" {
			f.Options = append(slices.Clone(f.Options), option{Value: string(accounts.ScopeUsage), Label: "scope.usage"})
			f.Hint = "tokens.scopes_usage_hint"
			fs.Fields[i] = f
		}
	}
	return fs
}
