package web

import (
	"fmt"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/documents"
	"github.com/hostpact/hostpact/internal/terms"
)

// TestExplanationLinksTheVersionThatApplied: explanations link the paragraphs of the
// document version in force on the decision's day: a contract's the terms in force
// when the page is read (announced new terms are not linked before they take effect),
// an SLA month's the SLA in force in that month even after a new one took effect.
func TestExplanationLinksTheVersionThatApplied(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ams := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, clock.Amsterdam) }
		e.clk.Set(ams(time.March, 1, 9))
		e.seedCatalog()
		const sla = "# SLA\n\nDe beschikbaarheid is minstens 99,9%. {#cp.sla.availability.1}\n\nVergoeding. {#cp.sla.compensation.2}\n"
		march, april := terms.D(2026, 3, 1), terms.D(2026, 4, 1)
		e.publishDoc(documents.Terms, "2026-03", "nl", march, "Algemene voorwaarden", webTermsNL)
		e.publishDoc(documents.SLA, "sla-2026-03", "nl", march, "SLA", sla)
		_, u := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		con := e.order(e.customerPrincipal(u), "webhosting", "start", "")
		sub := con.Subscriptions[0].ID
		// What internal/app does in the order's transaction (the test kit's contracts
		// service records no documents).
		if _, err := e.docs.RecordShown(e.ctx, e.db, con.ID, u.OrgID, false, "nl", march); err != nil {
			t.Fatal(err)
		}
		// A consumer is given the withdrawal information in force at the order; a
		// version published after it does not change that contract's right.
		const wd = "# Herroeping\n\nJe mag binnen 14 dagen herroepen. {#cp.withdrawal.right.1}\n"
		e.publishDoc(documents.Withdrawal, "w-1", "nl", march, "Herroeping", wd)
		_, jan := e.consumer("Jan de Vries", "jan@devries.test")
		jcon := e.order(e.customerPrincipal(jan), "webhosting", "start", "")
		if _, err := e.docs.RecordShown(e.ctx, e.db, jcon.ID, jan.OrgID, true, "nl", march); err != nil {
			t.Fatal(err)
		}
		e.publishDoc(documents.Withdrawal, "w-2", "nl", terms.D(2026, 3, 5), "Herroeping", wd+"\nNieuw.\n")
		e.clk.Set(ams(time.March, 6, 12))
		jc := e.client()
		jc.login("jan@devries.test", "", "/portal/")
		r := jc.get(fmt.Sprintf("/portal/contracts/%d/withdraw", jcon.ID))
		jc.expect(r, http.StatusOK, "")
		contains(t, r.Body, `href="/withdrawal/v/w-1?lang=nl#cp.withdrawal.right.1"`)
		lacks(t, r.Body, "/withdrawal/v/w-2")

		e.publishDoc(documents.Terms, "2026-04", "nl", april, "Algemene voorwaarden", webTermsNL+"\nNieuw.\n")
		e.publishDoc(documents.SLA, "sla-2026-04", "nl", april, "SLA", sla+"\nNieuw.\n")
		e.slaMon.outage(ams(time.March, 4, 10), 107)
		e.clk.Set(ams(time.March, 20, 12))

		c := e.client()
		c.login("marieke@jansen.test", "", "/portal/")
		r = c.get(fmt.Sprintf("/portal/contracts/%d", con.ID))
		c.expect(r, http.StatusOK, "")
		linksArticle13(t, r.Body, "2026-03")
		contains(t, r.Body, "van de voorwaarden")
		lacks(t, r.Body, `href="/terms/v/2026-04`)
		r = c.get(fmt.Sprintf("/portal/subscriptions/%d/cancel", sub))
		c.expect(r, http.StatusOK, "")
		linksArticle13(t, r.Body, "2026-03")

		e.clk.Set(ams(time.April, 2, 12))
		c = e.client()
		c.login("marieke@jansen.test", "", "/portal/")
		r = c.get(fmt.Sprintf("/portal/subscriptions/%d/cancel", sub))
		c.expect(r, http.StatusOK, "")
		linksArticle13(t, r.Body, "2026-04")

		month := fmt.Sprintf("/portal/availability/%d/2026-03", sub)
		r = c.get(month)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, `href="/sla/v/sla-2026-03?lang=nl#cp.sla.`, "explain-lead", "maart 2026")
		lacks(t, r.Body, "sla-2026-04")

		e.staff("sam@provider.test", accounts.RoleSupport)
		sc := e.client()
		sc.login("sam@provider.test", staffSecret, "/staff/")
		r = sc.get(fmt.Sprintf("/staff/sla/months/%d/2026-03", sub))
		sc.expect(r, http.StatusOK, "")
		contains(t, r.Body, `href="/sla/v/sla-2026-03?lang=nl#cp.sla.`, "explain-trace", "sla.month.outages")
		r = sc.get(fmt.Sprintf("/staff/contracts/%d", con.ID))
		sc.expect(r, http.StatusOK, "")
		linksArticle13(t, r.Body, "2026-04")
	})
}

// linksArticle13 fails unless body links a paragraph of article 13 (cancellation) of
// the given version of the terms.
func linksArticle13(t *testing.T, body, version string) {
	t.Helper()
	re := regexp.MustCompile(`href="/terms/v/` + regexp.QuoteMeta(version) + `\?lang=nl#cp\.av\.13\.[0-9]+"`)
	if !re.MatchString(body) {
		t.Errorf("no link to a paragraph of article 13 of version %s", version)
	}
}
