package api

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/terms"
)

// today is the fixture clock's date in Amsterdam.
var today = terms.D(2026, time.March, 2)

func (f *fixture) plan(product, code string) catalog.Plan {
	f.t.Helper()
	p, err := f.cat.PlanByCode(seedCtx(), f.pack.Name, product, code)
	must(f.t, err)
	return p
}

func (f *fixture) termsVersion() string {
	f.t.Helper()
	v, err := f.con.CurrentTermsVersion(seedCtx())
	must(f.t, err)
	return v
}

var seedKeys struct {
	sync.Mutex
	n int
}

func seedKey() string {
	seedKeys.Lock()
	defer seedKeys.Unlock()
	seedKeys.n++
	return fmt.Sprintf("seed-key-%06d", seedKeys.n)
}

// order places a web order of webhosting pro for the tenant, through the service.
func (f *fixture) order(tn tenant) contracts.Contract {
	f.t.Helper()
	c, err := f.con.PlaceOrder(seedCtx(), tn.p, contracts.OrderInput{OrgID: tn.org.ID,
		Lines:        []contracts.OrderLine{{PlanID: f.plan("webhosting", "pro").ID, Quantity: 1, Domain: "www.voorbeeld.nl"}},
		TermsVersion: f.termsVersion(), AcceptTerms: true, IdempotencyKey: seedKey(), IP: "198.51.100.1", UserAgent: "seed"})
	must(f.t, err)
	return c
}

// sell gives the tenant a contract from a web order and a quote staff sent it.
func (f *fixture) sell(tn *tenant) {
	f.t.Helper()
	tn.contract = f.order(*tn)
	q, err := f.con.CreateQuote(seedCtx(), f.staff, contracts.QuoteInput{OrgID: tn.org.ID, Title: "Offerte " + tn.org.LegalName,
		Lines: []contracts.QuoteLineInput{{PlanID: f.plan("webhosting", "start").ID, Quantity: 1}}})
	must(f.t, err)
	tn.quote, err = f.con.SendQuote(seedCtx(), f.staff, q.ID)
	must(f.t, err)
}

// staffObjects publishes a terms version and records a force majeure.
func (f *fixture) staffObjects() {
	f.t.Helper()
	pol, err := f.pack.At(today)
	must(f.t, err)
	res, _, err := pol.TermsChange(today)
	must(f.t, err)
	tv, err := f.con.PublishTermsVersion(seedCtx(), f.staff, contracts.TermsVersionInput{Version: "2099-test", Effective: res.Effective, Summary: "Test"})
	must(f.t, err)
	fm, err := f.con.RecordForceMajeure(seedCtx(), f.staff, today.AddDays(-1), "Stroomstoring in het datacenter")
	must(f.t, err)
	f.tvID, f.fmID = tv.ID, fm.ID
}

func planBody(name, price string) map[string]any {
	return map[string]any{"name": name, "billing": "subscription", "period": "P1M", "price": price}
}

func (f *fixture) contractCount() int {
	f.t.Helper()
	n := 0
	for _, tn := range []tenant{f.a, f.b} {
		cs, _, err := f.con.ListContracts(seedCtx(), f.staff, contracts.ContractFilter{OrgID: tn.org.ID}, contracts.Page{Limit: contracts.MaxLimit})
		must(f.t, err)
		n += len(cs)
	}
	return n
}

func contractPath(id int64) string { return "/api/v1/contracts/" + itoa(id) }
func subPath(id int64) string      { return "/api/v1/subscriptions/" + itoa(id) }
func quotePath(id int64) string    { return "/api/v1/quotes/" + itoa(id) }
func planPath(id int64) string     { return "/api/v1/catalog/plans/" + itoa(id) }

// hasClause reports whether an explanation cites a clause starting with prefix.
func hasClause(ex []ExplanationStep, id string) bool {
	return slices.ContainsFunc(ex, func(s ExplanationStep) bool {
		return strings.Contains(s.Clause, id) && s.Says != "" && s.Value != ""
	})
}

// TestCatalog: everyone reads the catalog; staff change it.
func TestCatalog(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		var products ProductList
		expect(t, f.get("/api/v1/catalog/products", f.a.readToken), http.StatusOK, &products)
		if len(products.Items) == 0 || products.Items[0].Pack != "cloudprovider" {
			t.Fatalf("products %+v", products)
		}
		pro := f.plan("webhosting", "pro")
		var plans PlanList
		expect(t, f.get("/api/v1/catalog/plans?product_id="+itoa(pro.ProductID), f.a.token), http.StatusOK, &plans)
		if len(plans.Items) != 3 || !slices.ContainsFunc(plans.Items, func(p Plan) bool { return p.ID == pro.ID && p.Price == "7.95" && p.Period == "P1M" }) {
			t.Errorf("webhosting plans %+v", plans.Items)
		}
		expect(t, f.get("/api/v1/catalog/plans?kind=domain", f.a.token), http.StatusOK, &plans)
		for _, p := range plans.Items {
			if p.ProductKind != "domain" || p.TLD == "" {
				t.Errorf("kind filter: %+v", p)
			}
		}
		var plan Plan
		expect(t, f.get(planPath(pro.ID), f.a.token), http.StatusOK, &plan)
		if plan.Label != "Webhosting Pro" || plan.Billing != "subscription" {
			t.Errorf("plan %+v", plan)
		}
		expectProblem(t, f.get(planPath(999999), f.a.token), http.StatusNotFound)

		// Staff add a plan and retire it; customers no longer see it.
		body := planBody("Mega", "29.95")
		body["product_id"], body["code"], body["storage_mb"] = pro.ProductID, "mega", 512000
		expect(t, f.do(request{method: "POST", path: "/api/v1/catalog/plans", token: f.staffToken, body: body}), http.StatusCreated, &plan)
		if plan.Code != "mega" || plan.Price != "29.95" || !plan.Active {
			t.Errorf("created %+v", plan)
		}
		upd := planBody("Mega", "31.00")
		upd["active"] = false
		expect(t, f.do(request{method: "PUT", path: planPath(plan.ID), token: f.staffToken, body: upd}), http.StatusOK, &plan)
		if plan.Price != "31.00" || plan.Active {
			t.Errorf("updated %+v", plan)
		}
		expectProblem(t, f.get(planPath(plan.ID), f.a.token), http.StatusNotFound)
		expect(t, f.get(planPath(plan.ID), f.staffToken), http.StatusOK, nil)

		// Customers cannot change the catalog.
		expectProblem(t, f.do(request{method: "PUT", path: planPath(pro.ID), token: f.a.token, body: planBody("Pro", "0.01")}), http.StatusForbidden)
		expect(t, f.get(planPath(pro.ID), f.a.token), http.StatusOK, &plan)
		if plan.Price != "7.95" {
			t.Errorf("price changed by a customer: %+v", plan)
		}
	})
}

// TestOrderFlow: checkout, order, the contract, cancellation and withdrawal, as the
// portal does them, with the explanations.
func TestOrderFlow(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		pro := f.plan("webhosting", "pro")
		lines := []map[string]any{{"plan_id": pro.ID, "domain": "www.klant-a.nl"}}
		var co Checkout
		expect(t, f.do(request{method: "POST", path: "/api/v1/checkout", token: f.a.token, body: map[string]any{"lines": lines}}), http.StatusOK, &co)
		if co.OrgID != f.a.org.ID || co.CustomerKind != "consumer" || len(co.Lines) != 1 || co.Lines[0].UnitPrice != "7.95" ||
			co.Totals.TotalExcl == "" || co.Totals.TotalIncl == co.Totals.TotalExcl || co.TermsVersion == "" {
			t.Fatalf("checkout %+v", co)
		}
		if co.FirstRenewal == "" || co.CancelDeadline == "" || co.EarliestEnd == "" || !hasClause(co.Renewal, "cp.") ||
			!hasClause(co.Cancellation, "cp.") || len(co.VATExplanation) == 0 {
			t.Errorf("checkout terms %+v", co)
		}
		if co.Withdrawal == nil || co.Withdrawal.LastDay == "" || len(co.Withdrawal.Explanation) == 0 {
			t.Errorf("a consumer's checkout without withdrawal information: %+v", co.Withdrawal)
		}
		// Staff price an order for a customer; they must say which.
		expect(t, f.do(request{method: "POST", path: "/api/v1/checkout", token: f.staffToken, body: map[string]any{"org_id": f.a.org.ID, "lines": lines}}), http.StatusOK, nil)
		expectProblem(t, f.do(request{method: "POST", path: "/api/v1/checkout", token: f.staffToken, body: map[string]any{"lines": lines}}), http.StatusUnprocessableEntity)

		// The order, with the key in the header.
		var c Contract
		expect(t, f.do(request{method: "POST", path: "/api/v1/orders", token: f.a.token, body: map[string]any{
			"lines": lines, "terms_version": co.TermsVersion, "accept_terms": true,
		}, header: map[string]string{"Idempotency-Key": "order-flow-0001"}}), http.StatusCreated, &c)
		if c.OrgID != f.a.org.ID || c.Source != "order" || c.TermsVersion != co.TermsVersion || c.AcceptedIP != testIP ||
			c.AcceptedUA != testUA || c.AcceptedBy != f.a.admin.Email || len(c.ContentHash) != 64 || c.TotalIncl != co.Totals.TotalIncl ||
			len(c.Subscriptions) != 1 || c.ConcludedOn != "2026-03-02" {
			t.Fatalf("contract %+v", c)
		}
		var got Contract
		expect(t, f.get(contractPath(c.ID), f.a.readToken), http.StatusOK, &got)
		if got.ID != c.ID || got.ContentHash != c.ContentHash {
			t.Errorf("get contract %+v", got)
		}
		var list ContractList
		expect(t, f.get("/api/v1/contracts", f.a.token), http.StatusOK, &list)
		if list.Total != 1 || list.Items[0].ID != c.ID {
			t.Errorf("A's contracts %+v", list)
		}
		f.sell(&f.b)
		expect(t, f.get("/api/v1/contracts", f.staffToken), http.StatusOK, &list)
		if list.Total != 2 {
			t.Errorf("staff see %d contracts, want 2", list.Total)
		}
		expect(t, f.get("/api/v1/contracts?org_id="+itoa(f.b.org.ID)+"&status=active", f.staffToken), http.StatusOK, &list)
		if list.Total != 1 || list.Items[0].OrgID != f.b.org.ID {
			t.Errorf("staff filter: %+v", list)
		}
		expect(t, f.get("/api/v1/contracts?status=ended", f.staffToken), http.StatusOK, &list)
		if list.Total != 0 || list.Items == nil {
			t.Errorf("status filter: %+v", list)
		}

		// Cancellation: the preview says when and why; confirming with that date records it.
		sub := c.Subscriptions[0]
		var s Subscription
		expect(t, f.get(subPath(sub.ID), f.a.token), http.StatusOK, &s)
		if s.Status != "active" || s.TermEnd == "" || s.Price != "7.95" {
			t.Errorf("subscription %+v", s)
		}
		var pv CancellationPreview
		expect(t, f.do(request{method: "POST", path: subPath(sub.ID) + "/cancellation-preview", token: f.a.token, body: map[string]any{}}), http.StatusOK, &pv)
		if pv.EndsOn == "" || pv.Deadline == "" || pv.Received != "2026-03-02" || pv.Basis != "regular" || !hasClause(pv.Explanation, "cp.av.13.1") {
			t.Fatalf("preview %+v", pv)
		}
		textIn(t, "cancellation text", pv.Text, pv.Explanation, "nl")
		var pvEN CancellationPreview
		expect(t, f.do(request{method: "POST", path: subPath(sub.ID) + "/cancellation-preview?lang=en", token: f.a.token, body: map[string]any{}}), http.StatusOK, &pvEN)
		textIn(t, "cancellation text in English", pvEN.Text, pvEN.Explanation, "en")
		expectProblem(t, f.do(request{method: "POST", path: subPath(sub.ID) + "/cancel", token: f.a.token,
			body: map[string]any{"expect_ends_on": "2030-01-01"}}), http.StatusUnprocessableEntity)
		var cn Cancellation
		expect(t, f.do(request{method: "POST", path: subPath(sub.ID) + "/cancel", token: f.a.token,
			body: map[string]any{"expect_ends_on": pv.EndsOn}}), http.StatusCreated, &cn)
		if cn.ID == 0 || cn.EndsOn != pv.EndsOn || cn.Channel != "portal" || cn.ByStaff || len(cn.Explanation) == 0 {
			t.Errorf("cancellation %+v", cn)
		}
		expect(t, f.get(subPath(sub.ID), f.a.token), http.StatusOK, &s)
		if s.EndsOn != pv.EndsOn || s.EndReason != "cancelled" {
			t.Errorf("cancelled subscription %+v", s)
		}
		// Twice is refused.
		expectProblem(t, f.do(request{method: "POST", path: subPath(sub.ID) + "/cancel", token: f.a.token, body: map[string]any{}}), http.StatusUnprocessableEntity)

		// Staff record B's cancellation received by letter yesterday.
		bsub := f.b.contract.Subscriptions[0]
		expect(t, f.do(request{method: "POST", path: subPath(bsub.ID) + "/cancel", token: f.staffToken, body: map[string]any{
			"channel": "letter", "received_at": "2026-03-02T08:00:00Z", "note": "brief ontvangen",
		}}), http.StatusCreated, &cn)
		if cn.Channel != "letter" || !cn.ByStaff || cn.Received != "2026-03-02" {
			t.Errorf("recorded cancellation %+v", cn)
		}

		// Withdrawal by the consumer: preview, then confirm.
		c2 := f.order(f.a)
		var w Withdrawal
		expect(t, f.do(request{method: "POST", path: contractPath(c2.ID) + "/withdrawal-preview", token: f.a.token, body: map[string]any{}}), http.StatusOK, &w)
		if w.ID != 0 || !w.Allowed || w.Status != "accepted" || len(w.Items) != 1 || len(w.Items[0].Explanation) == 0 {
			t.Fatalf("withdrawal preview %+v", w)
		}
		textIn(t, "withdrawal text", w.Text, w.Items[0].Explanation, "nl")
		var wEN Withdrawal
		expect(t, f.do(request{method: "POST", path: contractPath(c2.ID) + "/withdrawal-preview", token: f.a.token, body: map[string]any{},
			header: map[string]string{"Accept-Language": "en"}}), http.StatusOK, &wEN)
		textIn(t, "withdrawal text in English", wEN.Text, wEN.Items[0].Explanation, "en")
		expect(t, f.do(request{method: "POST", path: contractPath(c2.ID) + "/withdraw", token: f.a.token, body: map[string]any{}}), http.StatusCreated, &w)
		if w.ID == 0 || w.Status != "accepted" || w.Refund == "" {
			t.Errorf("withdrawal %+v", w)
		}
		expect(t, f.get(subPath(c2.Subscriptions[0].ID), f.a.token), http.StatusOK, &s)
		if s.EndReason != "withdrawal" {
			t.Errorf("withdrawn subscription %+v", s)
		}

		// Change of plan: a raise is at once, with a prorated charge.
		c3 := f.order(f.a)
		var pc PlanChange
		expect(t, f.do(request{method: "POST", path: subPath(c3.Subscriptions[0].ID) + "/change-plan", token: f.a.token,
			body: map[string]any{"plan_id": f.plan("webhosting", "business").ID}}), http.StatusCreated, &pc)
		if pc.Direction != "up" || pc.EffectiveOn != "2026-03-02" || pc.Charge == "0.00" || len(pc.Explanation) == 0 {
			t.Errorf("plan change %+v", pc)
		}

		// A read-only sub-user sees but does not cancel.
		subTok, _ := f.token(accounts.Principal{User: f.a.sub, Org: &f.a.org, Session: &accounts.Session{UserID: f.a.sub.ID}}, accounts.ScopeRead)
		expect(t, f.get(contractPath(c3.ID), subTok), http.StatusOK, nil)
		expectProblem(t, f.do(request{method: "POST", path: subPath(c3.Subscriptions[0].ID) + "/cancel", token: subTok, body: map[string]any{}}), http.StatusForbidden)
	})
}

// TestQuoteFlow: staff draft and send, the customer accepts (recording where from),
// declines, and staff allow a late acceptance.
func TestQuoteFlow(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		st := f.staffToken
		pro := f.plan("webhosting", "pro")
		var q Quote
		expect(t, f.do(request{method: "POST", path: "/api/v1/quotes", token: st, body: map[string]any{
			"org_id": f.a.org.ID, "title": "Hosting en ontwerp", "lines": []map[string]any{
				{"plan_id": pro.ID, "unit_price": "6.50"},
				{"description": "Ontwerp website", "billing": "one-off", "unit_price": "1250.00"},
			}}}), http.StatusCreated, &q)
		if q.Status != "draft" || len(q.Lines) != 2 || q.Lines[0].UnitPrice != "6.50" || q.Lines[1].Amount != "1250.00" {
			t.Fatalf("quote %+v", q)
		}
		// A draft is not the customer's to see.
		expectProblem(t, f.get(quotePath(q.ID), f.a.token), http.StatusNotFound)
		expectProblem(t, f.get(quotePath(q.ID)+"/pdf", f.a.token), http.StatusNotFound)
		rec := f.get(quotePath(q.ID)+"/pdf", st)
		expect(t, rec, http.StatusOK, nil)
		if !bytes.HasPrefix(rec.Body.Bytes(), []byte("%PDF-")) || bytes.Contains(rec.Body.Bytes(), []byte("sha256:")) {
			t.Errorf("draft PDF for staff: %q", rec.Body.Bytes()[:min(20, rec.Body.Len())])
		}
		expectProblem(t, f.do(request{method: "POST", path: quotePath(q.ID) + "/send", token: f.a.token}), http.StatusForbidden)
		expect(t, f.do(request{method: "POST", path: quotePath(q.ID) + "/send", token: st}), http.StatusOK, &q)
		if q.Status != "sent" || q.ExpiresOn == "" || len(q.ContentHash) != 64 || !hasClause(q.Explanation, "cp.av.2.2") {
			t.Fatalf("sent %+v", q)
		}
		// The sent quote as PDF, for the customer: its number and content hash in the metadata.
		rec = f.get(quotePath(q.ID)+"/pdf", f.a.token)
		expect(t, rec, http.StatusOK, nil)
		if b := rec.Body.Bytes(); !bytes.HasPrefix(b, []byte("%PDF-")) || rec.Header().Get("Content-Type") != "application/pdf" ||
			!bytes.Contains(b, []byte("sha256:"+q.ContentHash)) || !bytes.Contains(b, []byte(" "+itoa(q.ID))) {
			t.Errorf("quote PDF: %q %q", rec.Header().Get("Content-Type"), b[:min(20, len(b))])
		}
		if cd := rec.Header().Get("Content-Disposition"); cd != "attachment; filename=quote-"+itoa(q.ID)+".pdf" {
			t.Errorf("Content-Disposition %q", cd)
		}
		var qs QuoteList
		expect(t, f.get("/api/v1/quotes", f.a.token), http.StatusOK, &qs)
		if len(qs.Items) != 1 || qs.Items[0].ID != q.ID {
			t.Errorf("A's quotes %+v", qs)
		}
		expect(t, f.get("/api/v1/quotes?status=sent", st), http.StatusOK, &qs)
		if len(qs.Items) != 1 {
			t.Errorf("staff's sent quotes %+v", qs)
		}

		// Acceptance of something else than shown is refused.
		expectProblem(t, f.do(request{method: "POST", path: quotePath(q.ID) + "/accept", token: f.a.token,
			body: map[string]any{"idempotency_key": "accept-0001", "content_hash": strings.Repeat("0", 64)}}), http.StatusUnprocessableEntity)
		var c Contract
		req := request{method: "POST", path: quotePath(q.ID) + "/accept", token: f.a.token, ip: "203.0.113.9", ua: "Browser/1",
			body: map[string]any{"content_hash": q.ContentHash}, header: map[string]string{"Idempotency-Key": "accept-0002"}}
		expect(t, f.do(req), http.StatusCreated, &c)
		if c.Source != "quote" || c.QuoteID != q.ID || c.AcceptedIP != "203.0.113.9" || c.AcceptedUA != "Browser/1" || c.ContentHash != q.ContentHash {
			t.Errorf("contract from quote %+v", c)
		}
		var again Contract
		expect(t, f.do(req), http.StatusOK, &again)
		if again.ID != c.ID {
			t.Errorf("retry created contract %d, first %d", again.ID, c.ID)
		}
		expect(t, f.get(quotePath(q.ID), f.a.token), http.StatusOK, &q)
		if q.Status != "accepted" || q.ContractID != c.ID {
			t.Errorf("accepted quote %+v", q)
		}

		// Decline another.
		f.sell(&f.a)
		expect(t, f.do(request{method: "POST", path: quotePath(f.a.quote.ID) + "/decline", token: f.a.token, body: map[string]any{"reason": "te duur"}}), http.StatusNoContent, nil)
		expect(t, f.get(quotePath(f.a.quote.ID), f.a.token), http.StatusOK, &q)
		if q.Status != "declined" || q.DeclineReason != "te duur" {
			t.Errorf("declined %+v", q)
		}

		// An expired quote is accepted only when staff allow it.
		f.sell(&f.b)
		f.clk.Advance(90 * 24 * time.Hour)
		rec = f.do(request{method: "POST", path: quotePath(f.b.quote.ID) + "/accept", token: f.b.token, body: map[string]any{"idempotency_key": "late-000001"}})
		if p := expectProblem(t, rec, http.StatusUnprocessableEntity); !slices.Contains(p.locations(), "body.quote") {
			t.Errorf("expired acceptance: %v", p)
		}
		expectProblem(t, f.do(request{method: "POST", path: quotePath(f.b.quote.ID) + "/allow-late-acceptance", token: f.b.token}), http.StatusForbidden)
		expect(t, f.do(request{method: "POST", path: quotePath(f.b.quote.ID) + "/allow-late-acceptance", token: st}), http.StatusNoContent, nil)
		expect(t, f.do(request{method: "POST", path: quotePath(f.b.quote.ID) + "/accept", token: f.b.token, body: map[string]any{"idempotency_key": "late-000002"}}), http.StatusCreated, nil)
	})
}

// TestStaffTermsOperations: price increases, terms versions, objections, force
// majeure and refusing a customer.
func TestStaffTermsOperations(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		st := f.staffToken
		f.sell(&f.a)
		pro := f.plan("webhosting", "pro")

		// A price increase with too little notice is refused and saves nothing; one
		// with enough notice is scheduled, per subscription, with its explanation.
		p := expectProblem(t, f.do(request{method: "POST", path: "/api/v1/price-increases", token: st,
			body: map[string]any{"plan_id": pro.ID, "new_price": "8.25", "effective": "2026-03-03"}}), http.StatusUnprocessableEntity)
		if !slices.Contains(p.locations(), "body.effective") {
			t.Errorf("short notice: %v", p.locations())
		}
		var pi PriceIncrease
		expect(t, f.do(request{method: "POST", path: "/api/v1/price-increases", token: st,
			body: map[string]any{"plan_id": pro.ID, "new_price": "8.25", "effective": "2026-07-01"}}), http.StatusCreated, &pi)
		if pi.ID == 0 || pi.EffectiveOn != "2026-07-01" || len(pi.Items) != 1 || pi.Items[0].OldPrice != "7.95" || len(pi.Explanation) == 0 {
			t.Errorf("price increase %+v", pi)
		}
		expectProblem(t, f.do(request{method: "POST", path: "/api/v1/price-increases", token: f.a.token,
			body: map[string]any{"plan_id": pro.ID, "new_price": "9.25", "effective": "2026-08-01"}}), http.StatusForbidden)

		// Terms versions.
		var cur TermsVersions
		expect(t, f.get("/api/v1/terms-versions", f.a.token), http.StatusOK, &cur)
		if cur.Current == "" {
			t.Error("no current terms version")
		}
		p = expectProblem(t, f.do(request{method: "POST", path: "/api/v1/terms-versions", token: st,
			body: map[string]any{"version": "2026-03", "effective": "2026-03-03"}}), http.StatusUnprocessableEntity)
		if !slices.Contains(p.locations(), "body.effective") {
			t.Errorf("early terms: %v", p.locations())
		}
		var tv TermsVersion
		expect(t, f.do(request{method: "POST", path: "/api/v1/terms-versions", token: st,
			body: map[string]any{"version": "2026-09", "effective": "2026-09-01", "summary": "Nieuwe prijzen"}}), http.StatusCreated, &tv)
		if tv.ID == 0 || tv.EffectiveOn != "2026-09-01" || tv.TerminationAsOf == "" || !hasClause(tv.Explanation, "cp.av.18.2") {
			t.Errorf("terms version %+v", tv)
		}
		// cloudprovider's terms have no objection procedure (cp.av.18.3): refused with the reason.
		p = expectProblem(t, f.do(request{method: "POST", path: "/api/v1/terms-versions/" + itoa(tv.ID) + "/objection", token: f.a.token,
			body: map[string]any{"reason": "Niet akkoord"}}), http.StatusUnprocessableEntity)
		if !slices.Contains(p.locations(), "body.terms_version") {
			t.Errorf("objection: %v", p.locations())
		}
		expectProblem(t, f.do(request{method: "POST", path: "/api/v1/terms-versions/999999/objection", token: f.a.token,
			body: map[string]any{"reason": "Niet akkoord"}}), http.StatusNotFound)

		// Force majeure.
		var fm ForceMajeure
		expect(t, f.do(request{method: "POST", path: "/api/v1/force-majeure", token: st,
			body: map[string]any{"started_on": "2026-03-01", "description": "Overstroming"}}), http.StatusCreated, &fm)
		if fm.ID == 0 || fm.RightsFrom == "" || len(fm.Explanation) == 0 {
			t.Errorf("force majeure %+v", fm)
		}
		expect(t, f.do(request{method: "POST", path: "/api/v1/force-majeure/" + itoa(fm.ID) + "/end", token: st,
			body: map[string]any{"ended_on": "2026-03-02"}}), http.StatusNoContent, nil)
		expectProblem(t, f.do(request{method: "POST", path: "/api/v1/force-majeure/" + itoa(fm.ID) + "/end", token: st,
			body: map[string]any{"ended_on": "2026-03-02"}}), http.StatusUnprocessableEntity)

		// Refusing a customer stops its orders until the refusal is lifted.
		order := func(key string) *request {
			return &request{method: "POST", path: "/api/v1/orders", token: f.a.token, body: map[string]any{
				"lines": []map[string]any{{"plan_id": pro.ID}}, "terms_version": f.termsVersion(), "accept_terms": true, "idempotency_key": key}}
		}
		expect(t, f.do(request{method: "POST", path: orgPath(f.a.org.ID) + "/refuse", token: st, body: map[string]any{"reason": "fraude"}}), http.StatusNoContent, nil)
		rec := f.do(*order("refused-0001"))
		if p := expectProblem(t, rec, http.StatusForbidden); !strings.Contains(p.Detail, "cp.av.2.6") {
			t.Errorf("refused order: %+v", p)
		}
		expectProblem(t, f.do(request{method: "POST", path: orgPath(f.a.org.ID) + "/accept-customer", token: f.a.token}), http.StatusForbidden)
		expect(t, f.do(request{method: "POST", path: orgPath(f.a.org.ID) + "/accept-customer", token: st}), http.StatusNoContent, nil)
		expect(t, f.do(*order("refused-0002")), http.StatusCreated, nil)
	})
}

// TestOrderIdempotency: a double submit — one after the other, and at the same time —
// with the same Idempotency-Key creates one contract; the first answer is 201, the
// repeats 200 with the same contract.
func TestOrderIdempotency(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		pro := f.plan("webhosting", "pro")
		order := func(key string, inBody bool) request {
			b := map[string]any{"lines": []map[string]any{{"plan_id": pro.ID}}, "terms_version": f.termsVersion(), "accept_terms": true}
			r := request{method: "POST", path: "/api/v1/orders", token: f.a.token, body: b}
			if inBody {
				b["idempotency_key"] = key
			} else {
				r.header = map[string]string{"Idempotency-Key": key}
			}
			return r
		}
		before := f.contractCount()
		var first, second, third Contract
		expect(t, f.do(order("double-submit-1", false)), http.StatusCreated, &first)
		expect(t, f.do(order("double-submit-1", false)), http.StatusOK, &second)
		expect(t, f.do(order("double-submit-1", true)), http.StatusOK, &third)
		if first.ID == 0 || second.ID != first.ID || third.ID != first.ID {
			t.Fatalf("contracts %d, %d, %d", first.ID, second.ID, third.ID)
		}
		if n := f.contractCount(); n != before+1 {
			t.Fatalf("%d contracts after a double submit, want %d", n, before+1)
		}
		// Header and body disagreeing is an error, not a guess.
		r := order("double-submit-1", false)
		r.body.(map[string]any)["idempotency_key"] = "double-submit-2"
		expectProblem(t, f.do(r), http.StatusUnprocessableEntity)
		// Another customer's key is not a way into A's contract.
		rb := order("double-submit-1", false)
		rb.token = f.b.token
		if rec := f.do(rb); rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("B reusing A's key: %d %s", rec.Code, rec.Body.String())
		}

		// Concurrently.
		const n = 6
		var wg sync.WaitGroup
		codes := make([]int, n)
		ids := make([]int64, n)
		for i := range n {
			wg.Go(func() {
				rec := f.do(order("double-submit-3", i%2 == 0))
				codes[i] = rec.Code
				var c Contract
				if rec.Code < 300 {
					expect(t, rec, rec.Code, &c)
				}
				ids[i] = c.ID
			})
		}
		wg.Wait()
		created := 0
		for i := range n {
			switch codes[i] {
			case http.StatusCreated:
				created++
			case http.StatusOK:
			default:
				t.Errorf("concurrent submit %d: %d", i, codes[i])
			}
			if ids[i] != ids[0] {
				t.Errorf("concurrent submits got contracts %v", ids)
			}
		}
		if created != 1 {
			t.Errorf("%d answers 201, want 1: %v", created, codes)
		}
		if got := f.contractCount(); got != before+2 {
			t.Errorf("%d contracts after concurrent submits, want %d", got, before+2)
		}
	})
}

// TestContractBadInput: invalid orders, cancellations, quotes, plans and staff
// operations answer 422 naming the field, and save nothing.
func TestContractBadInput(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		f.sell(&f.a)
		pro := f.plan("webhosting", "pro")
		sub := subPath(f.a.contract.Subscriptions[0].ID)
		lines := []map[string]any{{"plan_id": pro.ID}}
		order := func(mod func(b map[string]any)) map[string]any {
			b := map[string]any{"lines": lines, "terms_version": f.termsVersion(), "accept_terms": true, "idempotency_key": "bad-input-0001"}
			mod(b)
			return b
		}
		st := f.staffToken
		cases := []struct {
			name         string
			method, path string
			token        string
			body         any
			field        string
		}{
			{"order without accepted terms", "POST", "/api/v1/orders", f.a.token, order(func(b map[string]any) { b["accept_terms"] = false }), "body.accept_terms"},
			{"order with old terms", "POST", "/api/v1/orders", f.a.token, order(func(b map[string]any) { b["terms_version"] = "1999-01" }), "body.terms_version"},
			{"order without key", "POST", "/api/v1/orders", f.a.token, order(func(b map[string]any) { delete(b, "idempotency_key") }), "body.idempotency_key"},
			{"order short key", "POST", "/api/v1/orders", f.a.token, order(func(b map[string]any) { b["idempotency_key"] = "k" }), "body.idempotency_key"},
			{"order unknown plan", "POST", "/api/v1/orders", f.a.token, order(func(b map[string]any) { b["lines"] = []map[string]any{{"plan_id": 999999}} }), "body.lines[0].plan_id"},
			{"order no lines", "POST", "/api/v1/orders", f.a.token, order(func(b map[string]any) { b["lines"] = []map[string]any{} }), "body.lines"},
			{"order waiver on hosting", "POST", "/api/v1/orders", f.a.token, order(func(b map[string]any) {
				b["lines"] = []map[string]any{{"plan_id": pro.ID, "waive_withdrawal": true}}
			}), "body.lines[0].waive_withdrawal"},
			{"checkout quantity", "POST", "/api/v1/checkout", f.a.token, map[string]any{"lines": []map[string]any{{"plan_id": pro.ID, "quantity": 1000}}}, "body.lines[0].quantity"},
			{"cancellation unknown channel", "POST", sub + "/cancel", st, map[string]any{"channel": "pigeon", "received_at": "2026-03-01T10:00:00Z"}, "body.channel"},
			{"cancellation without receipt", "POST", sub + "/cancel", st, map[string]any{"channel": "email"}, "body.received_at"},
			{"cancellation received in the future", "POST", sub + "/cancel", st, map[string]any{"channel": "email", "received_at": "2026-04-01T10:00:00Z"}, "body.received_at"},
			{"customer gives a channel", "POST", sub + "/cancel", f.a.token, map[string]any{"channel": "letter"}, "body.channel"},
			{"cancellation basis", "POST", sub + "/cancel", f.a.token, map[string]any{"basis": "boredom"}, "body.basis"},
			{"cancellation basis id", "POST", sub + "/cancel", f.a.token, map[string]any{"basis": "price-increase", "basis_id": 999}, "body.basis_id"},
			{"cancellation expected date", "POST", sub + "/cancel", f.a.token, map[string]any{"expect_ends_on": "1 april"}, "body.expect_ends_on"},
			{"withdrawal channel", "POST", contractPath(f.a.contract.ID) + "/withdraw", st, map[string]any{"channel": "fax", "received_at": "2026-03-01T10:00:00Z"}, "body.channel"},
			{"change to another product", "POST", sub + "/change-plan", f.a.token, map[string]any{"plan_id": f.plan("email", "plus").ID}, "body.plan_id"},
			{"quote with a negative price", "POST", "/api/v1/quotes", st, map[string]any{"org_id": f.a.org.ID, "title": "Negatief",
				"lines": []map[string]any{{"description": "Korting", "billing": "one-off", "unit_price": "-5.00"}}}, "body.lines[0].unit_price"},
			{"quote free line without billing", "POST", "/api/v1/quotes", st, map[string]any{"org_id": f.a.org.ID, "title": "X",
				"lines": []map[string]any{{"description": "Iets", "unit_price": "5.00"}}}, "body.lines[0].billing"},
			{"quote for nobody", "POST", "/api/v1/quotes", st, map[string]any{"org_id": 999999, "title": "X",
				"lines": []map[string]any{{"plan_id": pro.ID}}}, "body.org_id"},
			{"quote valid in the past", "POST", "/api/v1/quotes", st, map[string]any{"org_id": f.a.org.ID, "title": "X", "valid_until": "2026-01-01",
				"lines": []map[string]any{{"plan_id": pro.ID}}}, "body.valid_until"},
			{"accept without key", "POST", quotePath(f.a.quote.ID) + "/accept", f.a.token, map[string]any{}, "body.idempotency_key"},
			{"plan with a negative price", "POST", "/api/v1/catalog/plans", st, func() map[string]any {
				b := planBody("Neg", "-1.00")
				b["product_id"], b["code"] = pro.ProductID, "neg"
				return b
			}(), "body.price"},
			{"plan period", "PUT", planPath(pro.ID), st, func() map[string]any {
				b := planBody("Pro", "7.95")
				b["period"] = "P7D"
				return b
			}(), "body.period"},
			{"price increase not an increase", "POST", "/api/v1/price-increases", st, map[string]any{"plan_id": pro.ID, "new_price": "7.00", "effective": "2026-07-01"}, "body.new_price"},
			{"price increase date", "POST", "/api/v1/price-increases", st, map[string]any{"plan_id": pro.ID, "new_price": "9.00", "effective": "next year"}, "body.effective"},
			{"terms version name", "POST", "/api/v1/terms-versions", st, map[string]any{"version": "v 2", "effective": "2026-12-01"}, "body.version"},
			{"force majeure in the future", "POST", "/api/v1/force-majeure", st, map[string]any{"started_on": "2026-04-01", "description": "x"}, "body.started_on"},
			{"refusal reason", "POST", orgPath(f.a.org.ID) + "/refuse", st, map[string]any{"reason": strings.Repeat("r", 2001)}, "body.reason"},
			{"contract status", "GET", "/api/v1/contracts?status=paused", f.a.token, nil, "query.status"},
		}
		before := f.snapshot(f.a)
		contractsBefore := f.contractCount()
		plansBefore, err := f.cat.ListPlans(seedCtx(), catalog.PlanFilter{Pack: f.pack.Name})
		must(t, err)
		for _, c := range cases {
			rec := f.do(request{method: c.method, path: c.path, token: c.token, body: c.body})
			if rec.Code != http.StatusUnprocessableEntity {
				t.Errorf("%s: %d, want 422: %s", c.name, rec.Code, rec.Body.String())
				continue
			}
			p := expectProblem(t, rec, http.StatusUnprocessableEntity)
			if !slices.ContainsFunc(p.locations(), func(l string) bool { return strings.HasPrefix(l, c.field) }) {
				t.Errorf("%s: errors at %v, want %s", c.name, p.locations(), c.field)
			}
			for _, e := range p.Errors {
				if e.Message == "" {
					t.Errorf("%s: error at %s without a message", c.name, e.Location)
				}
			}
		}
		if after := f.snapshot(f.a); after != before {
			t.Errorf("invalid input changed data:\nbefore %s\nafter  %s", before, after)
		}
		if n := f.contractCount(); n != contractsBefore {
			t.Errorf("%d contracts after invalid input, want %d", n, contractsBefore)
		}
		plansAfter, err := f.cat.ListPlans(seedCtx(), catalog.PlanFilter{Pack: f.pack.Name})
		must(t, err)
		if !slices.Equal(plansAfter, plansBefore) {
			t.Errorf("invalid input changed the catalog")
		}
	})
}

// Finding 9 of issue 8: the same Idempotency-Key with a different body is a 409 with a
// message saying so, not the first contract.
func TestOrderIdempotencyKeyWithAnotherBody(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		pro := f.plan("webhosting", "pro")
		start := f.plan("webhosting", "start")
		order := func(planID int64) request {
			return request{method: "POST", path: "/api/v1/orders", token: f.a.token, header: map[string]string{"Idempotency-Key": "other-body-0001"},
				body: map[string]any{"lines": []map[string]any{{"plan_id": planID}}, "terms_version": f.termsVersion(), "accept_terms": true}}
		}
		var first Contract
		expect(t, f.do(order(pro.ID)), http.StatusCreated, &first)
		before := f.contractCount()
		p := expectProblem(t, f.do(order(start.ID)), http.StatusConflict)
		if !strings.Contains(p.Detail, "Idempotency-Key") || !strings.Contains(p.Detail, "different") {
			t.Errorf("409 detail %q does not explain", p.Detail)
		}
		if n := f.contractCount(); n != before {
			t.Fatalf("%d contracts, want %d", n, before)
		}
		var again Contract
		expect(t, f.do(order(pro.ID)), http.StatusOK, &again)
		if again.ID != first.ID {
			t.Fatalf("retry got contract %d, want %d", again.ID, first.ID)
		}
	})
}
