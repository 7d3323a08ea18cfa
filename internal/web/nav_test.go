package web

import (
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
)

// TestMainNav: the navigation offers a page when it is mounted and the principal may
// use it, marks the current entry and no other, names every entry in both languages
// and leads nowhere twice.
func TestMainNav(t *testing.T) {
	t.Parallel()
	admin := &accounts.Principal{User: accounts.User{ID: 1, Roles: []accounts.Role{accounts.RoleAdmin}}, Session: &accounts.Session{}}
	org := &accounts.Organisation{ID: 7}
	customer := &accounts.Principal{User: accounts.User{ID: 2, OrgID: 7, OrgAdmin: true}, Org: org, Session: &accounts.Session{}}
	acting := &accounts.Principal{User: accounts.User{ID: 3, OrgID: 8, OrgAdmin: true}, Org: org,
		Reseller: &accounts.Organisation{ID: 8, IsReseller: true}, Session: &accounts.Session{}}
	everything := func(p *page) *page {
		p.Shop, p.Billing, p.Payments, p.Docs, p.Monitor, p.Status, p.SLA, p.Privacy = true, true, true, true, true, true, true, true
		p.Provision, p.Domains, p.Backups, p.Usage, p.DNS, p.Support, p.Abuse, p.Disclose, p.Newsletter = true, true, true, true, true, true, true, true, true
		return p
	}
	hrefs := func(p *page) map[string]bool {
		out := map[string]bool{}
		for _, l := range p.navLinks() {
			if out[l.href] {
				t.Errorf("%s: %s twice", p.Area, l.href)
			}
			out[l.href] = true
			for _, lang := range []string{"nl", "en"} {
				if !hasMessage(l.key) || strings.HasPrefix(translate(lang, l.key), "nav.") {
					t.Errorf("%s: no %s label for %s", l.href, lang, l.key)
				}
			}
		}
		return out
	}

	staffAll := hrefs(everything(&page{Area: "staff", Lang: "nl", P: admin}))
	staffBare := hrefs(&page{Area: "staff", Lang: "nl", P: admin})
	for _, h := range []string{"/staff/contracts", "/staff/invoices", "/staff/payments/unmatched", "/staff/incidents", "/staff/sla", "/staff/tickets", "/staff/provisioning"} {
		if !staffAll[h] {
			t.Errorf("staff with every page mounted: no %s", h)
		}
		if staffBare[h] {
			t.Errorf("staff with nothing mounted: %s offered", h)
		}
	}
	for _, h := range []string{"/staff/", "/staff/customers", "/staff/users", "/staff/audit", "/staff/security"} {
		if !staffBare[h] {
			t.Errorf("staff with nothing mounted: no %s", h)
		}
	}
	if refunds := hrefs(&page{Area: "staff", Lang: "nl", P: admin, Billing: true}); !refunds["/staff/refunds"] || refunds["/staff/payments/unmatched"] {
		t.Errorf("billing without the payment pages: payments should lead to the refunds, got %v", refunds)
	}

	own := hrefs(everything(&page{Area: "portal", Lang: "en", P: customer}))
	other := hrefs(everything(&page{Area: "portal", Lang: "en", P: acting}))
	for _, h := range []string{"/portal/tokens", "/portal/security"} {
		if !own[h] {
			t.Errorf("customer: no %s", h)
		}
		if other[h] {
			t.Errorf("reseller acting for a customer: %s offered, though it is the reseller's own", h)
		}
	}
	for _, h := range []string{"/portal/", "/portal/contracts", "/portal/invoices", "/portal/availability", "/portal/profile", "/portal/activity"} {
		if !own[h] || !other[h] {
			t.Errorf("portal: no %s", h)
		}
	}

	pg := everything(&page{Area: "portal", Lang: "en", P: customer, Nav: "invoices"})
	html := string(pg.MainNav())
	if strings.Count(html, `aria-current="page"`) != 1 || !strings.Contains(html, `<a href="/portal/invoices" aria-current="page">Invoices</a>`) {
		t.Errorf("current entry not marked once on the invoices page:\n%s", html)
	}
	pg.Nav = "nothing"
	if strings.Contains(string(pg.MainNav()), "aria-current") {
		t.Error("a page outside the navigation marks an entry")
	}
}
