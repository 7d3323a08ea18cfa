package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/provision"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/usage"
)

// testUsageDirectory tells usage about the page tests' services the way the app's
// directory does (provisioning, contracts, the catalog); services a test registers
// with fake stand for customers that need no provisioning (the fair-use peers).
type testUsageDirectory struct {
	db   *store.DB
	prov *provision.Service
	cat  *catalog.Service
}

var usageFakes = struct {
	sync.Mutex
	m map[*store.DB]map[int64]usage.Metered
}{m: map[*store.DB]map[int64]usage.Metered{}}

func (d testUsageDirectory) MeteredService(ctx context.Context, id int64) (usage.Metered, error) {
	usageFakes.Lock()
	m, ok := usageFakes.m[d.db][id]
	usageFakes.Unlock()
	if ok {
		return m, nil
	}
	by := accounts.Principal{User: accounts.User{ID: -1, Email: "usage@test", Roles: []accounts.Role{accounts.RoleSupport}}}
	v, err := d.prov.Service(ctx, by, id)
	if err != nil {
		return usage.Metered{}, err
	}
	m = usage.Metered{ServiceID: v.ID, OrgID: v.OrgID, SubscriptionID: v.SubscriptionID, Kind: string(v.Kind), Name: v.Name,
		Active: v.State == provision.StateActive || v.State == provision.StateSuspended}
	if v.Domain != "" {
		m.Name = v.Domain
	}
	sub, err := contracts.SubscriptionForBilling(ctx, d.db, v.SubscriptionID)
	if err != nil {
		return m, err
	}
	pl, err := d.cat.GetPlan(ctx, sub.PlanID)
	if err != nil {
		return m, err
	}
	m.PlanID, m.PlanName = pl.ID, pl.Label()
	if l := pl.TrafficLimit(); !l.Unlimited {
		m.TrafficGB = &l.Amount
	}
	if l := pl.StorageLimit(); !l.Unlimited {
		m.StorageMB = &l.Amount
	}
	return m, nil
}

// fakeMetered registers a service that exists for usage only.
func (e *env) fakeMetered(m usage.Metered) {
	usageFakes.Lock()
	defer usageFakes.Unlock()
	if usageFakes.m[e.db] == nil {
		usageFakes.m[e.db] = map[int64]usage.Metered{}
	}
	usageFakes.m[e.db][m.ServiceID] = m
}

// meter delivers samples of a service: traffic counters reaching trafficGB (in and
// out) and disk at diskGB, at the given moments.
func (e *env) meter(serviceID int64, at time.Time, trafficGB, diskGB int64) {
	e.t.Helper()
	key := fmt.Sprintf("t:%d:%d", serviceID, at.Unix())
	in := trafficGB * 1_000_000_000 / 3
	_, err := e.usage.Ingest(e.ctx, []usage.Sample{
		{Key: key + ":in", ServiceID: serviceID, Metric: usage.TrafficIn, Value: in, MeasuredAt: at},
		{Key: key + ":out", ServiceID: serviceID, Metric: usage.TrafficOut, Value: trafficGB*1_000_000_000 - in, MeasuredAt: at},
		{Key: key + ":disk", ServiceID: serviceID, Metric: usage.Disk, Value: diskGB * 1_000_000_000, MeasuredAt: at},
	}, "test")
	if err != nil {
		e.t.Fatal(err)
	}
}

var svgBar = regexp.MustCompile(`<rect x="\d+" y="\d+" width="\d+" height="\d+"`)

// TestUsagePages: the customer sees this month's figures against the plan's limits,
// and per service the months as server-drawn SVG bar charts with the limit as a line,
// a title and description, and the same numbers as a table, in Dutch and English; a
// limit the plan does not state is the word "unlimited", never a number; the customer
// chooses between paying for usage above the plan and a raised plan (cp.av.9.1).
func TestUsagePages(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		_, u := e.customer("Slagerij Bos", "gert@slagerijbos.test")
		c := e.client()
		c.login("gert@slagerijbos.test", "", "/portal/")
		contains(t, c.get("/portal/").Body, `href="/portal/usage"`)
		r := c.get("/portal/usage")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Er is nog geen verbruik gemeten van je diensten.")

		e.provServer("web01.ams", "Amsterdam", 10)
		svc := e.provision(e.order(e.customerPrincipal(u), "webhosting", "start", "slagerijbos.nl").Subscriptions[0])
		// February: 40 GB; March (t0 is 2 March) so far 85 GB of the 100 GB limit.
		feb := time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC)
		e.meter(svc.ID, feb, 0, 2)
		e.meter(svc.ID, feb.AddDate(0, 0, 20), 40, 3)
		e.meter(svc.ID, e.clk.Now().Add(-time.Hour), 125, 4)
		r = c.get("/portal/usage")
		c.expect(r, http.StatusOK, "")
		base := "/portal/usage/" + itoa(svc.ID)
		contains(t, r.Body, `href="`+base+`"`, "slagerijbos.nl", "maart 2026", "85 GB van 100 GB (85%)", "4 GB van 10,24 GB (39%)")

		r = c.get(base)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, `<svg role="img" aria-labelledby="usage-traffic-`+itoa(svc.ID)+`-title usage-traffic-`+itoa(svc.ID)+`-desc"`,
			`<title id="usage-traffic-`+itoa(svc.ID)+`-title">Dataverkeer</title>`, "met de grens van het pakket (100 GB) als lijn",
			"grens 100 GB", "stroke-dasharray", "<caption>Verbruik per maand</caption>", "februari 2026", "40 GB van 100 GB (40%)",
			"85 GB van 100 GB (85%)", "mrt", "Waarschuwingen", "80% van het pakket")
		lacks(t, r.Body, "<script", "-1 GB", "⟦")
		if n := len(svgBar.FindAllString(r.Body, -1)); n != 2*usageWindow {
			t.Errorf("%d bars, want %d (two charts of %d months)", n, 2*usageWindow, usageWindow)
		}

		// Choosing a raised plan instead of paying for the extra (the cp pack lets the
		// customer choose).
		contains(t, r.Body, `href="`+base+`/mode"`)
		r = c.get(base + "/mode")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Het pakket verhogen", "Bijbetalen per GB")
		r = c.post(base+"/mode", url.Values{"mode": {"nonsense"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		r = c.post(base+"/mode", url.Values{"mode": {"raise"}})
		c.expect(r, http.StatusSeeOther, base)
		contains(t, c.get(base).Body, "Je keuze is opgeslagen.", "het pakket verhoogd vanaf het begin van de maand")

		// English.
		c.cookies[langCookie] = "en"
		contains(t, c.get("/portal/usage").Body, "85 GB of 100 GB (85%)", "March 2026")
		r = c.get(base)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, `<title id="usage-traffic-`+itoa(svc.ID)+`-title">Data traffic</title>`, "limit (100 GB) as a line",
			"February 2026", "Usage per month", "Mar", "raises the plan from the start of the month")
		lacks(t, r.Body, "⟦")

		// A limit the plan does not state is shown in words.
		m, err := e.usage.OrgServices(e.ctx, e.customerPrincipal(u), u.OrgID)
		if err != nil || len(m) != 1 {
			t.Fatalf("services: %v %v", m, err)
		}
		m[0].TrafficGB = nil
		e.fakeMetered(m[0])
		e.meter(svc.ID, e.clk.Now().Add(-30*time.Minute), 126, 4)
		r = c.get(base)
		contains(t, r.Body, "86 GB (unlimited)", "40 GB (unlimited)", "Bar chart of data traffic", "the plan sets no limit for it (unlimited)", "April 2025: not measured")
		c.cookies[langCookie] = "nl"
		contains(t, c.get("/portal/usage").Body, "86 GB (onbeperkt)")

		// Another customer's service is not found; a person without access is refused.
		c.expect(c.get("/portal/usage/999999"), http.StatusNotFound, "")
	})
}

// TestUsageStaffPages: under 5online's fair-use rule (fo.av.12.3, fo.av.12.4) staff
// see per plan the heaviest users and the service above twice the mean of six peers;
// a measure before a warning is refused; they warn, then limit, each after a
// confirmation, the evidence kept and shown unchanged by later samples; and they
// download the month as CSV.
func TestUsageStaffPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnvPack(t, db, Config{Demo: true, ProviderName: "5online", BaseURL: "https://portal.example"}, "5online")
		org, _ := e.customer("Drukkerij Veen", "anna@veen.test")
		at := e.clk.Now().Add(-time.Hour)
		fifty := int64(50)
		for i := int64(1); i <= 7; i++ {
			m := usage.Metered{ServiceID: 9000 + i, OrgID: org.ID + 100 + i, SubscriptionID: i, PlanID: 77, PlanName: "Hosting M",
				Kind: "webhosting", Name: fmt.Sprintf("site%d.nl", i), Active: true, TrafficGB: &fifty}
			if i == 7 {
				m.OrgID, m.Name = org.ID, "veen.nl"
			}
			e.fakeMetered(m)
			e.meter(m.ServiceID, at.Add(-24*time.Hour), 0, 1)
			gb := int64(10)
			if i == 7 {
				gb = 45 // above 2 × the mean of 10 GB of the six others
			}
			e.meter(m.ServiceID, at, gb, 1)
		}
		e.staff("sam@provider.test", accounts.RoleSupport)
		s := e.client()
		s.login("sam@provider.test", staffSecret, "/staff/")
		contains(t, s.get("/staff/").Body, `href="/staff/usage"`)
		r := s.get("/staff/usage")
		s.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Hosting M", "7 diensten gemeten", "Boven redelijk gebruik", "veen.nl", "Zwaarste gebruikers",
			"20.00 GB (2 × gemiddeld 10.00 GB van 6 anderen)", `href="/staff/usage/9007/fair-use?month=2026-03&amp;step=warn"`)
		lacks(t, r.Body, "⟦")

		// Support staff may make a collector's token that only delivers usage.
		contains(t, s.get("/staff/tokens").Body, `value="usage"`, "Alleen verbruik doorgeven")
		r = s.post("/staff/tokens", url.Values{"name": {"Meter"}, "scopes": {"usage"}, "expires_in_days": {"30"}})
		s.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Alleen verbruik doorgeven")

		// A measure before a warning is refused.
		r = s.post("/staff/usage/9007/fair-use?month=2026-03&step=limit", url.Values{"note": {"te veel"}})
		s.expect(r, http.StatusUnprocessableEntity, "")
		contains(t, r.Body, "eerst een waarschuwing")
		r = s.get("/staff/usage/9007/fair-use?month=2026-03&step=warn")
		s.expect(r, http.StatusOK, "")
		contains(t, r.Body, "De klant van veen.nl waarschuwen voor het gebruik in maart 2026?")
		r = s.post("/staff/usage/9007/fair-use?month=2026-03&step=warn", url.Values{"note": {"eerste waarschuwing"}})
		s.expect(r, http.StatusSeeOther, "/staff/usage/9007")
		r = s.post("/staff/usage/9007/fair-use?month=2026-03&step=limit", url.Values{"note": {"na waarschuwing"}})
		s.expect(r, http.StatusSeeOther, "/staff/usage/9007")
		r = s.get("/staff/usage/9007")
		s.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Bewaard bewijs", "45 GB dataverkeer; 6 andere klanten op het pakket, gemiddeld 10.00 GB; grens 20.00 GB.",
			"site1.nl (#9001)", "na waarschuwing", "Beperken")
		// The figures change afterwards; the evidence does not.
		e.meter(9001, at.Add(30*time.Minute), 40, 1)
		contains(t, s.get("/staff/usage/9007").Body, "gemiddeld 10.00 GB")
		// A plan of no number is a field error.
		r = s.post("/staff/usage/9007/fair-use?month=2026-03&step=convert", url.Values{"plan_id": {"x"}})
		s.expect(r, http.StatusUnprocessableEntity, "")

		s.cookies[langCookie] = "en"
		r = s.get("/staff/usage")
		contains(t, r.Body, "Heaviest users", "Above fair use", "Warn", "Limit")
		lacks(t, r.Body, "⟦")

		r = s.get("/staff/usage/export.csv?month=2026-03")
		s.expect(r, http.StatusOK, "")
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("CSV content type %q", ct)
		}
		contains(t, r.Body, "month,service_id,org_id,service,plan,traffic_bytes", "2026-03,9007,"+itoa(org.ID)+",veen.nl,Hosting M,45000000000,")

		// The customer sees their own service's page, without the staff's evidence.
		c := e.client()
		c.login("anna@veen.test", "", "/portal/")
		r = c.get("/portal/usage/9007")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Redelijk gebruik", "Waarschuwen", "Beperken")
		lacks(t, r.Body, "Bewaard bewijs", "site1.nl", "na waarschuwing")
		c.expect(c.get("/portal/usage/9001"), http.StatusNotFound, "")
		c.expect(c.get("/staff/usage"), http.StatusForbidden, "")
		lacks(t, c.get("/portal/tokens").Body, `value="usage"`)
	}, schemas...)
}
