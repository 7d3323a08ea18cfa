package web

import (
	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/contracts"
)

func (e *env) seedCatalog() {
	e.t.Helper()
	if err := catalog.SeedDemo(e.ctx, e.cat, "cloudprovider"); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) plan(product, code string) catalog.Plan {
	e.t.Helper()
	pl, err := e.cat.PlanByCode(e.ctx, "cloudprovider", product, code)
	if err != nil {
		e.t.Fatalf("plan %s/%s: %v", product, code, err)
	}
	return pl
}

// order places an order for one plan as the customer principal, through the service.
func (e *env) order(by accounts.Principal, product, code, domain string) contracts.Contract {
	e.t.Helper()
	v, err := e.con.CurrentTermsVersion(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	c, err := e.con.PlaceOrder(e.ctx, by, contracts.OrderInput{OrgID: by.Org.ID,
		Lines:        []contracts.OrderLine{{PlanID: e.plan(product, code).ID, Quantity: 1, Domain: domain}},
		TermsVersion: v, AcceptTerms: true, IdempotencyKey: "test-" + product + "-" + code + "-" + itoa(by.Org.ID)})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// sentQuote drafts a quote for an organisation with one catalog and one free line, and
// sends it.
func (e *env) sentQuote(orgID int64, title string) contracts.Quote {
	e.t.Helper()
	q, err := e.con.CreateQuote(e.ctx, e.admin(), contracts.QuoteInput{OrgID: orgID, Title: title, Lines: []contracts.QuoteLineInput{
		{PlanID: e.plan("webhosting", "pro").ID, Quantity: 1},
		{Description: "Migratie van de oude website", Quantity: 1, Billing: catalog.OneOff, UnitPrice: 15000},
	}})
	if err != nil {
		e.t.Fatal(err)
	}
	if q, err = e.con.SendQuote(e.ctx, e.admin(), q.ID); err != nil {
		e.t.Fatal(err)
	}
	return q
}

// consumer creates a consumer customer with an admin user (password testPW).
func (e *env) consumer(name, email string) (accounts.Organisation, accounts.User) {
	e.t.Helper()
	org, err := e.acc.CreateOrganisation(e.ctx, e.admin(), accounts.OrganisationInput{
		Kind: accounts.Consumer, LegalName: name, ContactName: name, Email: email, Language: "nl",
		PostalAddress: accounts.Address{Street: "Lange Nieuwstraat 8", PostalCode: "3512 PH", City: "Utrecht", Country: "NL"},
	}, &accounts.UserInput{Email: email, Name: name, Language: "nl", Password: testPW})
	if err != nil {
		e.t.Fatal(err)
	}
	u, err := e.acc.FindUserByEmail(e.ctx, email)
	if err != nil {
		e.t.Fatal(err)
	}
	return org, u
}
