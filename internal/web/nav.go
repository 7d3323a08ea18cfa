package web

import (
	"html/template"
	"strings"
)

// navLink is one entry of the main navigation: the Nav value of the pages it leads to,
// where it leads and the catalogue key of its label.
type navLink struct{ nav, href, key string }

// navLinks lists the main navigation of the page's area for the signed-in principal,
// in the order it shows. Each entry is there when its pages are mounted and the
// principal may use them; the service still decides for real on each page.
func (p *page) navLinks() []navLink {
	var out []navLink
	add := func(on bool, nav, href, key string) {
		if on {
			out = append(out, navLink{nav, href, key})
		}
	}
	if p.Area == "staff" {
		add(true, "dashboard", "/staff/", "nav.dashboard")
		add(true, "customers", "/staff/customers", "nav.customers")
		add(p.Shop, "contracts", "/staff/contracts", "nav.contracts")
		add(p.Shop, "quotes", "/staff/quotes", "nav.quotes")
		add(p.Shop, "catalog", "/staff/catalog", "nav.catalog")
		add(p.Shop, "terms", "/staff/terms", "nav.terms")
		add(p.Billing, "invoices", "/staff/invoices", "nav.invoices")
		payments := "/staff/refunds"
		if p.Payments {
			payments = "/staff/payments/unmatched"
		}
		add(p.Billing, "payments", payments, "nav.payments")
		add(p.Billing, "reports", "/staff/reports", "nav.reports")
		add(p.TicketsNav(), "tickets", "/staff/tickets", "nav.tickets")
		add(p.ProvisionNav(), "provisioning", "/staff/provisioning", "nav.provisioning")
		add(p.DomainsNav(), "domains", "/staff/domains", "nav.domains")
		add(p.DNSStaffNav(), "dns", "/staff/dns", "nav.dns")
		add(p.BackupsStaffNav(), "backups", "/staff/backups", "nav.backups")
		add(p.UsageStaffNav(), "usage", "/staff/usage", "nav.usage")
		add(p.MonitorNav(), "monitoring", "/staff/monitoring", "nav.monitoring")
		add(p.Status, "incidents", "/staff/incidents", "nav.incidents")
		add(p.Status, "maintenance", "/staff/maintenance", "nav.maintenance")
		add(p.AbuseNav(), "abuse", "/staff/abuse", "nav.abuse")
		add(p.SecurityNav(), "security-reports", "/staff/security-reports", "nav.security_reports")
		add(p.SLA, "sla", "/staff/sla", "nav.sla")
		add(p.Docs, "documents", "/staff/documents", "nav.documents")
		add(true, "users", "/staff/users", "nav.staff_users")
		add(p.NewsletterNav(), "newsletter", "/staff/newsletter", "nav.newsletter")
		add(p.Privacy, "privacy", "/staff/privacy", "nav.privacy")
		add(true, "audit", "/staff/audit", "nav.audit")
		add(p.Demo, "mail", "/staff/mail", "nav.mail")
		add(true, "tokens", "/staff/tokens", "nav.tokens")
		add(true, "security", "/staff/security", "nav.security")
		return out
	}
	acting := p.P != nil && p.P.Acting()
	add(true, "overview", "/portal/", "nav.overview")
	add(p.IsResellerAdmin(), "customers", "/portal/customers", "nav.my_customers")
	add(p.Shop, "catalog", "/portal/catalog", "nav.catalog")
	add(p.Shop, "contracts", "/portal/contracts", "nav.contracts")
	add(p.Shop, "quotes", "/portal/quotes", "nav.quotes")
	add(p.ServicesNav(), "services", "/portal/services", "nav.services")
	add(p.PortalDomainsNav(), "domains", "/portal/domains", "nav.domains")
	add(p.DNSNav(), "dns", "/portal/dns", "nav.dns")
	add(p.BackupsNav(), "backups", "/portal/backups", "nav.backups")
	add(p.AbusePortalNav(), "abuse", "/portal/abuse", "nav.abuse_portal")
	add(p.UsageNav(), "usage", "/portal/usage", "nav.usage")
	add(p.SLA, "availability", "/portal/availability", "nav.availability")
	add(p.Billing, "invoices", "/portal/invoices", "nav.invoices")
	add(p.Privacy, "privacy", "/portal/privacy", "nav.privacy")
	add(p.TicketsNav(), "tickets", "/portal/tickets", "nav.tickets")
	add(true, "profile", "/portal/profile", "nav.profile")
	add(true, "users", "/portal/users", "nav.users")
	add(!acting, "tokens", "/portal/tokens", "nav.tokens")
	add(true, "allowlist", "/portal/allowlist", "nav.allowlist")
	add(true, "activity", "/portal/activity", "nav.activity")
	add(!acting, "security", "/portal/security", "nav.security")
	return out
}

// MainNav is the main navigation's list items. They are written here rather than by
// the layout template: as some forty template conditions and comparisons they were a
// sixth of the rendering of a list page (issue 16). Links are constants; labels are
// escaped.
func (p *page) MainNav() template.HTML {
	var b strings.Builder
	b.Grow(2048)
	for _, l := range p.navLinks() {
		b.WriteString(`<li><a href="`)
		b.WriteString(template.HTMLEscapeString(l.href))
		b.WriteByte('"')
		if l.nav == p.Nav {
			b.WriteString(` aria-current="page"`)
		}
		b.WriteByte('>')
		b.WriteString(template.HTMLEscapeString(p.T(l.key)))
		b.WriteString("</a></li>\n")
	}
	return template.HTML(b.String())
}
