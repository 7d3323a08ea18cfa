package demo

import (
	"context"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/app"
	"github.com/hostpact/hostpact/internal/domains"
)

// seedDomainRegistry connects the demo to its in-memory registry for .nl, .be and
// .eu (it holds a few well-known names for other registrars, so the order form shows a
// taken name), before the demo orders are placed. The registry answers in the same
// process and reaches nothing outside; its connection says so.
func seedDomainRegistry(ctx context.Context, a *app.App, by accounts.Principal) error {
	if a.Domains == nil || a.DemoRegistry == nil {
		return nil
	}
	if have, err := a.Domains.Connections(ctx, by); err != nil || len(have) > 0 {
		return err
	}
	for _, n := range []string{"google.nl", "nu.nl", "bol.be", "europa.eu"} {
		a.DemoRegistry.Hold(n, "another-registrar", "")
	}
	for _, tld := range []string{"nl", "be", "eu"} {
		if _, err := a.Domains.SaveConnection(ctx, by, domains.ConnectionInput{TLD: tld, Address: "127.0.0.1:700", Username: "demo-registrar",
			Credentials: map[string]string{"note": "demo registry: in memory, nothing is registered anywhere"}, Enabled: true}); err != nil {
			return err
		}
	}
	return nil
}

// seedDomains runs the registry steps of the demo orders, so their domains are
// registered at the demo registry, and compares the registry's view once.
func seedDomains(ctx context.Context, a *app.App) error {
	if a.Domains == nil || a.DemoRegistry == nil {
		return nil
	}
	if err := a.Domains.Run(ctx, a.Clock.Now()); err != nil {
		return err
	}
	return a.Domains.Sync(ctx, a.Clock.Now())
}
