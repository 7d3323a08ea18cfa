// Package demo loads the demonstration provider behind `hostpact demo`: staff with one
// user per role, and customers of every kind the terms distinguish — a consumer, a
// business with an administrative user and a sub-user, and a reseller with a customer of
// its own (cp.av.7.1) — and its published documents (terms, privacy statement, DPA, SLA,
// notice-and-takedown and disclosure policies, withdrawal information, disclaimer) in
// Dutch and English. Running it again on the same database changes nothing.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/app"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/contracts"
)

// Password is every demo user's password (it meets the policy: INTERPRETATION.md,
// Accounts and security).
const Password = "Demo-2026-hostpact!"

// StaffTOTPSecret is the TOTP secret of every demo staff user; `hostpact totp SECRET`
// prints the current code.
const StaffTOTPSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

// Login is one demo account.
type Login struct {
	Who   string
	Email string
	TOTP  bool
}

// Credentials lists the demo accounts.
type Credentials struct {
	Staff     []Login
	Customers []Login
}

var staff = []struct {
	role  accounts.Role
	email string
	name  string
}{
	{accounts.RoleAdmin, "admin@cloudprovider.test", "Anna de Boer"},
	{accounts.RoleSales, "sales@cloudprovider.test", "Sven Mulder"},
	{accounts.RoleBilling, "billing@cloudprovider.test", "Bart Visser"},
	{accounts.RoleSupport, "support@cloudprovider.test", "Sanne Smit"},
	{accounts.RoleAbuse, "abuse@cloudprovider.test", "Abdel Amrani"},
	{accounts.RoleSecurity, "security@cloudprovider.test", "Sofie Meijer"},
	{accounts.RolePrivacy, "privacy@cloudprovider.test", "Pim de Graaf"},
}

func addr(street, pc, city string) accounts.Address {
	return accounts.Address{Street: street, PostalCode: pc, City: city, Country: "NL"}
}

// Seed loads the demo data unless it is there already, and returns the logins.
func Seed(ctx context.Context, a *app.App) (Credentials, error) {
	ctx = audit.WithActor(ctx, audit.System("demo"))
	var creds Credentials
	for _, s := range staff {
		creds.Staff = append(creds.Staff, Login{Who: fmt.Sprintf("staff, %s (%s)", s.role, s.name), Email: s.email, TOTP: true})
	}
	customers := []Login{
		{Who: "consumer", Email: "jan@devries.test"},
		{Who: "business, administrative user", Email: "marieke@bakkerijjansen.test"},
		{Who: "business, sub-user (billing)", Email: "piet@bakkerijjansen.test"},
		{Who: "reseller, administrative user", Email: "info@webbouwers.test"},
		{Who: "reseller's customer", Email: "henk@fietsenpietersen.test"},
	}
	creds.Customers = customers

	// The catalog seed is idempotent on its own, so a database from before the catalog
	// existed gets one too.
	if err := catalog.SeedDemo(ctx, a.Catalog, a.Pack.Name); err != nil {
		return creds, fmt.Errorf("catalog: %w", err)
	}
	if _, err := a.Accounts.FindUserByEmail(ctx, staff[0].email); err == nil {
		return creds, seedRest(ctx, a) // accounts seeded before; documents and contracts may be new
	} else if !errors.Is(err, accounts.ErrNotFound) {
		return creds, err
	}

	var admin accounts.User
	for i, s := range staff {
		u, err := a.Accounts.CreateUserCLI(ctx, accounts.UserInput{Email: s.email, Name: s.name, Language: "nl", Password: Password, Roles: []accounts.Role{s.role}})
		if err != nil {
			return creds, fmt.Errorf("staff %s: %w", s.email, err)
		}
		if err := a.Accounts.SetTOTPSecretForDemo(ctx, u.ID, StaffTOTPSecret); err != nil {
			return creds, err
		}
		if i == 0 {
			admin = u
		}
	}
	by := accounts.Principal{User: admin}

	if _, err := a.Accounts.CreateOrganisation(ctx, by, accounts.OrganisationInput{
		Kind: accounts.Consumer, LegalName: "Jan de Vries", ContactName: "Jan de Vries",
		Email: "jan@devries.test", Phone: "+31 6 12345678", Language: "nl",
		PostalAddress: addr("Prinsengracht 263", "1016 GV", "Amsterdam"),
	}, &accounts.UserInput{Email: "jan@devries.test", Name: "Jan de Vries", Language: "nl", Password: Password}); err != nil {
		return creds, fmt.Errorf("consumer: %w", err)
	}

	bakkerij, err := a.Accounts.CreateOrganisation(ctx, by, accounts.OrganisationInput{
		Kind: accounts.Business, LegalName: "Bakkerij Jansen B.V.", ContactName: "Marieke Jansen",
		Email: "administratie@bakkerijjansen.test", Phone: "+31 30 2345678", Language: "nl",
		PostalAddress: addr("Oudegracht 12", "3511 AP", "Utrecht"),
		KvK:           "30123456", VATID: "NL123456782B01",
	}, &accounts.UserInput{Email: "marieke@bakkerijjansen.test", Name: "Marieke Jansen", Language: "nl", Password: Password})
	if err != nil {
		return creds, fmt.Errorf("business: %w", err)
	}
	if _, err := a.Accounts.CreateUser(ctx, by, accounts.UserInput{OrgID: bakkerij.ID, Email: "piet@bakkerijjansen.test", Name: "Piet Jansen",
		Language: "nl", Password: Password, Permissions: []accounts.Permission{accounts.PermBilling}}); err != nil {
		return creds, fmt.Errorf("business sub-user: %w", err)
	}

	reseller, err := a.Accounts.CreateOrganisation(ctx, by, accounts.OrganisationInput{
		Kind: accounts.Business, LegalName: "WebBouwers B.V.", ContactName: "Lotte Bakker",
		Email: "info@webbouwers.test", Phone: "+31 20 7654321", Language: "en",
		PostalAddress: addr("Stationsplein 45", "3013 AK", "Rotterdam"),
		KvK:           "24123456", IsReseller: true,
	}, &accounts.UserInput{Email: "info@webbouwers.test", Name: "Lotte Bakker", Language: "en", Password: Password})
	if err != nil {
		return creds, fmt.Errorf("reseller: %w", err)
	}
	if _, err := a.Accounts.CreateOrganisation(ctx, by, accounts.OrganisationInput{
		Kind: accounts.Business, LegalName: "Fietsenmaker Pietersen", ContactName: "Henk Pietersen",
		Email: "henk@fietsenpietersen.test", Phone: "+31 50 3456789", Language: "nl",
		PostalAddress: addr("Vismarkt 8", "9712 CB", "Groningen"),
		KvK:           "02123456", ResellerID: reseller.ID,
	}, &accounts.UserInput{Email: "henk@fietsenpietersen.test", Name: "Henk Pietersen", Language: "nl", Password: Password}); err != nil {
		return creds, fmt.Errorf("reseller's customer: %w", err)
	}
	return creds, seedRest(ctx, a)
}

// seedRest publishes the demo documents, then places the demo orders, which record
// the document versions they showed. Each is idempotent on its own.
func seedRest(ctx context.Context, a *app.App) error {
	if err := seedDocuments(ctx, a); err != nil {
		return fmt.Errorf("documents: %w", err)
	}
	if err := seedSupport(ctx, a); err != nil {
		return fmt.Errorf("support: %w", err)
	}
	if err := seedContracts(ctx, a); err != nil {
		return err
	}
	if err := seedNewsletter(ctx, a); err != nil {
		return fmt.Errorf("newsletter: %w", err)
	}
	return seedAbuse(ctx, a)
}

// demoOrder is what one demo customer has ordered: catalog plans by product and plan
// code, each with the domain it is for.
type demoOrder struct {
	user  string // the customer's administrative user
	key   string // the order's idempotency key: a second Seed finds the contract
	lines [][3]string
}

// demoOrders are realistic contracts per shipped pack: the consumer a webhosting plan
// and a .nl domain, the business a VPS with backups and e-mail hosting.
var demoOrders = map[string][]demoOrder{
	"cloudprovider": {
		{"jan@devries.test", "demo-order-consumer", [][3]string{{"webhosting", "pro", "devries.test"}, {"domains", "nl", "janvries.nl"}}},
		{"marieke@bakkerijjansen.test", "demo-order-business", [][3]string{{"vps", "m", "vps1.bakkerijjansen.nl"},
			{"vps-backup", "m", "vps1.bakkerijjansen.nl"}, {"email", "plus", "bakkerijjansen.nl"}}},
		{"marieke@bakkerijjansen.test", "demo-order-business-vpn", [][3]string{{"vpn", "standard", ""}}},
		{"info@webbouwers.test", "demo-order-reseller", [][3]string{{"webhosting", "business", "webbouwers.nl"}}},
		{"henk@fietsenpietersen.test", "demo-order-reseller-customer", [][3]string{{"webhosting", "start", "fietsenpietersen.nl"},
			{"domains", "nl", "fietsenpietersen.nl"}}},
	},
	"5online": {
		{"jan@devries.test", "demo-order-consumer", [][3]string{{"hosting", "basic", "devries.test"}, {"domains", "nl", "janvries.nl"}}},
		{"marieke@bakkerijjansen.test", "demo-order-business", [][3]string{{"hosting", "plus", "bakkerijjansen.nl"}, {"domains", "nl", "bakkerijjansen.nl"}}},
		{"info@webbouwers.test", "demo-order-reseller", [][3]string{{"hosting", "plus", "webbouwers.nl"}}},
		{"henk@fietsenpietersen.test", "demo-order-reseller-customer", [][3]string{{"hosting", "basic", "fietsenpietersen.nl"}}},
	},
}

// seedContracts places the demo customers' orders, as the sales desk would, and runs
// billing once, so every demo customer has an open invoice to pay in the portal. The
// orders start today (the real clock cannot start them months back); an order placed
// before is found by its idempotency key and billing bills each period once, so
// running it again adds nothing.
func seedContracts(ctx context.Context, a *app.App) error {
	orders, ok := demoOrders[a.Pack.Name]
	if !ok {
		return nil
	}
	admin, err := a.Accounts.FindUserByEmail(ctx, staff[0].email)
	if err != nil {
		return fmt.Errorf("demo staff: %w", err)
	}
	by := accounts.Principal{User: admin}
	if err := seedDomainRegistry(ctx, a, by); err != nil {
		return fmt.Errorf("demo registry: %w", err)
	}
	var subs []contracts.Subscription
	for _, o := range orders {
		u, err := a.Accounts.FindUserByEmail(ctx, o.user)
		if err != nil {
			return fmt.Errorf("demo customer %s: %w", o.user, err)
		}
		org, err := a.Accounts.GetOrganisation(ctx, by, u.OrgID)
		if err != nil {
			return fmt.Errorf("demo customer %s: %w", o.user, err)
		}
		consumer := org.Kind == accounts.Consumer
		in := contracts.CheckoutInput{OrgID: u.OrgID}
		for _, l := range o.lines {
			plan, err := a.Catalog.PlanByCode(ctx, a.Pack.Name, l[0], l[1])
			if err != nil {
				return fmt.Errorf("demo plan %s/%s: %w", l[0], l[1], err)
			}
			in.Lines = append(in.Lines, contracts.OrderLine{PlanID: plan.ID, Quantity: 1, Domain: l[2], WaiveWithdrawal: consumer && plan.WithdrawalWaivable})
		}
		co, err := a.Contracts.Checkout(ctx, by, in)
		if err != nil {
			return fmt.Errorf("demo order %s: %w", o.key, err)
		}
		c, err := a.Contracts.PlaceOrder(ctx, by, contracts.OrderInput{OrgID: u.OrgID, Lines: in.Lines, TermsVersion: co.TermsVersion,
			AcceptTerms: true, ExpressStart: consumer, IdempotencyKey: o.key})
		if err != nil {
			return fmt.Errorf("demo order %s: %w", o.key, err)
		}
		subs = append(subs, c.Subscriptions...)
	}
	if _, err := a.Billing.RunBilling(ctx, a.Clock.Now()); err != nil {
		return fmt.Errorf("demo billing run: %w", err)
	}
	if err := seedMonitoring(ctx, a, by, subs); err != nil {
		return fmt.Errorf("demo monitoring: %w", err)
	}
	if err := seedProvisioning(ctx, a, by, subs); err != nil {
		return fmt.Errorf("demo provisioning: %w", err)
	}
	if err := seedPrivacy(ctx, a, by); err != nil {
		return fmt.Errorf("demo privacy: %w", err)
	}
	if err := seedAudits(ctx, a, by); err != nil {
		return fmt.Errorf("demo audits: %w", err)
	}
	if err := seedDomains(ctx, a); err != nil {
		return fmt.Errorf("demo domains: %w", err)
	}
	if err := seedDNS(ctx, a, by, subs); err != nil {
		return fmt.Errorf("demo DNS: %w", err)
	}
	if err := seedUsage(ctx, a, by, subs); err != nil {
		return fmt.Errorf("demo usage: %w", err)
	}
	if err := seedBackups(ctx, a, by, subs); err != nil {
		return fmt.Errorf("demo backups: %w", err)
	}
	return nil
}

// Print tells a newcomer where to go and how to log in.
func (c Credentials) Print(w io.Writer, url string) {
	fmt.Fprintf(w, "\nhostpact demo is running at %s\n\n", url)
	fmt.Fprintf(w, "Staff app:        %s/staff/   (sign in at %s/login)\n", url, url)
	fmt.Fprintf(w, "Customer portal:  %s/portal/\n", url)
	fmt.Fprintf(w, "Password for every demo account: %s\n", Password)
	fmt.Fprintf(w, "Staff also need a TOTP code: add secret %s to an authenticator app,\n", StaffTOTPSecret)
	fmt.Fprintf(w, "or run: go run ./cmd/hostpact totp %s\n\n", StaffTOTPSecret)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tE-MAIL\tMFA")
	for _, l := range append(append([]Login{}, c.Staff...), c.Customers...) {
		mfa := "-"
		if l.TOTP {
			mfa = "TOTP"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", l.Who, l.Email, mfa)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nStatus page: %s/status · Sent e-mail (demo): %s/staff/mail · API: %s/api/openapi.json · Stop with Ctrl+C.\n", url, url, url)
}
