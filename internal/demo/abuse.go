package demo

import (
	"context"
	"fmt"

	"github.com/hostpact/hostpact/internal/abuse"
	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/app"
	"github.com/hostpact/hostpact/internal/disclosure"
	"github.com/hostpact/hostpact/internal/terms"
)

// seedAbuse gives the desks something to look at: a takedown case (a photographer's
// notice about the consumer's web site, forwarded to him, his two werkdagen running)
// and a vulnerability report that was acknowledged and assessed with a fix date. It
// runs once: a database with cases already is left alone.
func seedAbuse(ctx context.Context, a *app.App) error {
	if a.Abuse == nil || a.Disclosure == nil {
		return nil
	}
	desk := accounts.Principal{User: accounts.User{ID: -1, Email: "abuse@cloudprovider.test", Roles: []accounts.Role{accounts.RoleAbuse}}}
	if u, err := a.Accounts.FindUserByEmail(ctx, "abuse@cloudprovider.test"); err == nil {
		desk = accounts.Principal{User: u}
	}
	have, err := a.Abuse.List(ctx, desk, abuse.Filter{Limit: 1})
	if err != nil || len(have) > 0 {
		return err
	}
	// The consumer's site: the domain of his web hosting service.
	var domain string
	if err := a.DB.QueryRowContext(ctx, `SELECT domain FROM provision_services WHERE domain <> '' AND state = 'active' ORDER BY id LIMIT 1`).Scan(&domain); err != nil {
		domain = "devries.test"
	}
	c, err := a.Abuse.Submit(ctx, abuse.Notice{NotifierName: "Femke Bakker", NotifierOrg: "Fotostudio Bakker", NotifierEmail: "femke@fotostudiobakker.test",
		NotifierPhone: "+31 20 555 0101", Lang: "nl", URLs: []string{fmt.Sprintf("https://www.%s/galerij/zomer.html", domain)}, AsksRemoval: true,
		Ground: "copyright", Description: "Op deze pagina staan zes van mijn foto's uit de serie 'Zomer aan de Amstel', zonder licentie en zonder naamsvermelding. Ik vraag om verwijdering.",
		Accurate: true, Key: "demo-ntd-1"})
	if err != nil {
		return fmt.Errorf("demo notice: %w", err)
	}
	if c.OrgID != 0 && c.State == abuse.StateNew {
		if err := a.Abuse.Forward(ctx, desk, c.ID); err != nil {
			return fmt.Errorf("demo notice forward: %w", err)
		}
	}
	sec := accounts.Principal{User: accounts.User{ID: -1, Email: "security@cloudprovider.test", Roles: []accounts.Role{accounts.RoleSecurity}}}
	if u, err := a.Accounts.FindUserByEmail(ctx, "security@cloudprovider.test"); err == nil {
		sec = accounts.Principal{User: u}
	}
	r, err := a.Disclosure.Submit(ctx, disclosure.Submission{Title: "Open redirect after sign-in", Affected: "https://portal.cloudprovider.test/login?next=",
		Description: "The next parameter of the sign-in form accepts an absolute URL on another host, so a phishing mail can send customers to a look-alike page after a real sign-in.",
		Name:        "Eva de Onderzoeker", Email: "eva@onderzoek.test", Lang: "nl", CreditWanted: true, CreditName: "Eva O.", Key: "demo-rd-1"})
	if err != nil {
		return fmt.Errorf("demo disclosure: %w", err)
	}
	if err := a.Disclosure.Acknowledge(ctx, sec, r.ID); err != nil {
		return err
	}
	fix := terms.DateIn(a.Clock.Now(), a.Clock.Now().Location()).AddDays(14)
	if fix.After(r.FixDue) {
		fix = r.FixDue
	}
	return a.Disclosure.Accept(ctx, sec, r.ID, "medium", "Confirmed: the redirect target is not checked against our own host. Medium: it needs a real sign-in first.", fix)
}
