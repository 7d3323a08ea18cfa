package api

import (
	"fmt"
	"strconv"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/terms"
)

// Types of the catalog, quotes, orders and contracts. Amounts are decimal strings in
// euros ("425.00"), dates "YYYY-MM-DD" in Europe/Amsterdam, and every decision the
// terms drive carries its explanation: the clauses it rests on, what they say and the
// value they produced (DESIGN.md, principle 2).

// --- explanations ---

// ExplanationStep is one step of the reasoning behind a decision.
type ExplanationStep struct {
	Clause  string             `json:"clause" example:"cp.av.13.1, cp.av.13.3" doc:"The clause id(s) of the terms the step rests on."`
	Says    string             `json:"says" doc:"The rule, as hostpact reads it."`
	Reading string             `json:"reading,omitempty" doc:"The interpretation chosen where the terms are open or conflict."`
	Inputs  []ExplanationInput `json:"inputs,omitempty" doc:"The values the step used."`
	Value   string             `json:"value" example:"2027-03-02" doc:"What the step produced (a date, an amount, a yes or no)."`
	Key     string             `json:"key,omitempty" example:"cancel.deadline" doc:"The message key of the step's sentence; absent on explanations stored before keys existed."`
	Args    map[string]string  `json:"args,omitempty" doc:"The sentence's arguments in machine form (dates YYYY-MM-DD, amounts 425.00, periods P3M)."`
	Text    ExplanationText    `json:"text" doc:"The step as a plain sentence in Dutch and in English."`
	// Sentence is filled per request by localizeExplanations (lang.go).
	Sentence string `json:"sentence" example:"Je kunt opzeggen tot en met 4 november 2027; de dienst eindigt dan op 4 december 2027." doc:"The step as a plain sentence in the requested language (?lang=nl|en or Accept-Language)."`
}

// ExplanationText is a step's sentence in both languages.
type ExplanationText struct {
	NL string `json:"nl" example:"Je kunt opzeggen tot en met 4 november 2027; de dienst eindigt dan op 4 december 2027." doc:"Dutch."`
	EN string `json:"en" example:"You can cancel up to and including 4 November 2027; the service then ends on 4 December 2027." doc:"English."`
}

// ExplanationInput is a named value a step used.
type ExplanationInput struct {
	Name  string `json:"name" example:"received" doc:"Name."`
	Value string `json:"value" example:"2026-03-02" doc:"Value."`
}

func explanationOut(ex terms.Explanation) []ExplanationStep {
	out := make([]ExplanationStep, len(ex))
	for i, s := range ex {
		out[i] = ExplanationStep{Clause: s.Clause, Says: s.Says, Reading: s.Reading, Value: s.Value, Key: s.Key, Args: s.Args,
			Text: ExplanationText{NL: s.Text("nl"), EN: s.Text("en")}}
		for _, in := range s.Inputs {
			out[i].Inputs = append(out[i].Inputs, ExplanationInput{Name: in.Name, Value: in.Value})
		}
	}
	return out
}

// dateOut renders a date, or "" (omitted) when it is not set.
func dateOut(d terms.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func periodOut(p terms.Period) string {
	if p.IsZero() {
		return ""
	}
	return p.String()
}

// parseMoney reads an amount the schema has already checked; "" is zero.
func parseMoney(fe accounts.FieldErrors, field, s string) terms.Money {
	if s == "" {
		return 0
	}
	m, err := terms.ParseMoney(s)
	if err != nil {
		fe[field] = i18n.From(err)
	}
	return m
}

// parseDate reads a date the schema has already checked; "" is the zero date.
func parseDate(fe accounts.FieldErrors, field, s string) terms.Date {
	if s == "" {
		return terms.Date{}
	}
	d, err := terms.ParseDate(s)
	if err != nil {
		fe[field] = i18n.T("api.give_date_as_yyyy")
	}
	return d
}

// fieldErrs returns fe as an error, or nil when it is empty.
func fieldErrs(fe accounts.FieldErrors) error {
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// --- catalog ---

// Product is something the provider sells.
type Product struct {
	ID                int64     `json:"id" example:"3" doc:"Product id."`
	Pack              string    `json:"pack" example:"cloudprovider" doc:"The policy pack (terms) it is sold under."`
	Code              string    `json:"code" example:"webhosting" doc:"Short code."`
	Kind              string    `json:"kind" example:"webhosting" doc:"What kind of product it is."`
	Name              string    `json:"name" example:"Webhosting" doc:"Name."`
	Description       string    `json:"description" doc:"Description."`
	RetentionCategory string    `json:"retention_category" example:"hosting-data" doc:"The terms' retention category of the service's data."`
	Active            bool      `json:"active" doc:"Whether it is on sale."`
	CreatedAt         time.Time `json:"created_at" doc:"When it was added."`
}

func productOut(p catalog.Product) Product {
	return Product{ID: p.ID, Pack: p.Pack, Code: p.Code, Kind: string(p.Kind), Name: p.Name, Description: p.Description,
		RetentionCategory: p.RetentionCategory, Active: p.Active, CreatedAt: p.CreatedAt}
}

// ProductList is the catalog's products.
type ProductList struct {
	Items []Product `json:"items" doc:"The products."`
}

// Plan is one way of buying a product.
type Plan struct {
	ID                 int64  `json:"id" example:"12" doc:"Plan id."`
	ProductID          int64  `json:"product_id" example:"3" doc:"The product."`
	Pack               string `json:"pack" example:"cloudprovider" doc:"The policy pack (terms) it is sold under."`
	ProductCode        string `json:"product_code" example:"webhosting" doc:"The product's code."`
	ProductKind        string `json:"product_kind" example:"webhosting" doc:"The product's kind."`
	ProductName        string `json:"product_name" example:"Webhosting" doc:"The product's name."`
	Code               string `json:"code" example:"pro" doc:"Short code, unique within the product."`
	Name               string `json:"name" example:"Pro" doc:"Name."`
	Label              string `json:"label" example:"Webhosting Pro" doc:"Name with the product, for display."`
	Description        string `json:"description" doc:"Description."`
	Billing            string `json:"billing" enum:"subscription,one-off" doc:"A renewing subscription or a one-off project."`
	Period             string `json:"period,omitempty" example:"P1M" doc:"What the price buys (ISO 8601 period); absent for a one-off."`
	Price              string `json:"price" example:"7.95" doc:"Price per period (or of the project), excl. VAT, in euros."`
	SetupFee           string `json:"setup_fee" example:"0.00" doc:"One-time setup fee excl. VAT, in euros."`
	StorageMB          int64  `json:"storage_mb" example:"51200" doc:"Storage in MB; 0: no limit stated."`
	TrafficGB          int64  `json:"traffic_gb" example:"500" doc:"Traffic per calendar month in GB; 0: no limit stated."`
	SLA                bool   `json:"sla" doc:"Whether the availability guarantee applies."`
	WithdrawalWaivable bool   `json:"withdrawal_waivable" doc:"Whether a consumer may waive the right of withdrawal for immediate delivery (domain registrations, cp.av.13.9)."`
	TLD                string `json:"tld,omitempty" example:"nl" doc:"Domain plans: the extension registered."`
	VATCategory        string `json:"vat_category" enum:"standard,reduced,zero" doc:"VAT category."`
	RetentionCategory  string `json:"retention_category" doc:"The terms' retention category of the service's data."`
	Active             bool   `json:"active" doc:"Whether it can be ordered."`
}

func planOut(p catalog.Plan) Plan {
	return Plan{ID: p.ID, ProductID: p.ProductID, Pack: p.Pack, ProductCode: p.ProductCode, ProductKind: string(p.ProductKind),
		ProductName: p.ProductName, Code: p.Code, Name: p.Name, Label: p.Label(), Description: p.Description, Billing: string(p.Billing),
		Period: periodOut(p.Period), Price: p.Price.String(), SetupFee: p.SetupFee.String(), StorageMB: p.StorageMB, TrafficGB: p.TrafficGB,
		SLA: p.SLA, WithdrawalWaivable: p.WithdrawalWaivable, TLD: p.TLD, VATCategory: p.VATCategory, RetentionCategory: p.RetentionCategory,
		Active: p.Active}
}

// PlanList is a list of plans.
type PlanList struct {
	Items []Plan `json:"items" doc:"The plans, by product and price."`
}

// PlanFields are a plan's editable details.
type PlanFields struct {
	Name               string `json:"name" minLength:"1" maxLength:"200" example:"Pro" doc:"Name."`
	Description        string `json:"description,omitempty" maxLength:"4000" doc:"Description."`
	Billing            string `json:"billing" enum:"subscription,one-off" doc:"A renewing subscription or a one-off project."`
	Period             string `json:"period,omitempty" maxLength:"8" example:"P1M" doc:"Subscriptions: what the price buys (P1M, P3M, P6M, P1Y). Omit for a one-off."`
	Price              string `json:"price" pattern:"^[0-9]{1,10}(\\.[0-9]{1,2})?$" example:"7.95" doc:"Price per period (or of the project), excl. VAT, in euros."`
	SetupFee           string `json:"setup_fee,omitempty" pattern:"^[0-9]{1,10}(\\.[0-9]{1,2})?$" example:"0.00" doc:"One-time setup fee excl. VAT, in euros."`
	StorageMB          int64  `json:"storage_mb,omitempty" minimum:"0" doc:"Storage in MB; 0: no limit stated."`
	TrafficGB          int64  `json:"traffic_gb,omitempty" minimum:"0" doc:"Traffic per calendar month in GB; 0: no limit stated."`
	SLA                bool   `json:"sla,omitempty" doc:"Whether the availability guarantee applies (only where the terms give one)."`
	WithdrawalWaivable bool   `json:"withdrawal_waivable,omitempty" doc:"Domain plans: a consumer may waive withdrawal for immediate delivery (cp.av.13.9)."`
	TLD                string `json:"tld,omitempty" maxLength:"64" example:"nl" doc:"Domain plans: the extension."`
	VATCategory        string `json:"vat_category,omitempty" enum:"standard,reduced,zero" default:"standard" doc:"VAT category."`
	Active             *bool  `json:"active,omitempty" doc:"Whether it can be ordered; default true."`
}

func (in PlanFields) toCatalog(fe accounts.FieldErrors) catalog.PlanInput {
	return catalog.PlanInput{Name: in.Name, Description: in.Description, Billing: catalog.Billing(in.Billing), Period: in.Period,
		Price: parseMoney(fe, "price", in.Price), SetupFee: parseMoney(fe, "setup_fee", in.SetupFee), StorageMB: in.StorageMB,
		TrafficGB: in.TrafficGB, SLA: in.SLA, WithdrawalWaivable: in.WithdrawalWaivable, TLD: in.TLD, VATCategory: in.VATCategory,
		Active: in.Active}
}

// NewPlan adds a plan to a product.
type NewPlan struct {
	ProductID int64  `json:"product_id" minimum:"1" example:"3" doc:"The product."`
	Code      string `json:"code" minLength:"1" maxLength:"63" example:"pro" doc:"Short code, unique within the product: lower-case letters, digits, dots, dashes."`
	PlanFields
}

// --- lines and totals ---

// Line is one priced line of a checkout, a quote or a contract.
type Line struct {
	Position        int    `json:"position" example:"1" doc:"Line number."`
	PlanID          int64  `json:"plan_id,omitempty" example:"12" doc:"The catalog plan; absent for a free quote line."`
	Kind            string `json:"kind" example:"webhosting" doc:"Kind of product."`
	Description     string `json:"description" example:"Webhosting Pro" doc:"What is sold."`
	Domain          string `json:"domain,omitempty" example:"voorbeeld.nl" doc:"The domain registered or served."`
	Quantity        int    `json:"quantity" example:"1" doc:"Quantity."`
	Billing         string `json:"billing" enum:"subscription,one-off" doc:"Subscription or one-off."`
	Period          string `json:"period,omitempty" example:"P1M" doc:"What the unit price buys."`
	UnitPrice       string `json:"unit_price" example:"7.95" doc:"Price per period (or per piece), excl. VAT."`
	TermPrice       string `json:"term_price" example:"95.40" doc:"Price of one term of the contract (or of the project), per piece, excl. VAT."`
	SetupFee        string `json:"setup_fee" example:"0.00" doc:"Setup fee per piece, excl. VAT."`
	Amount          string `json:"amount" example:"95.40" doc:"(Term price + setup fee) × quantity, excl. VAT."`
	VATCategory     string `json:"vat_category" enum:"standard,reduced,zero" doc:"VAT category."`
	SLA             bool   `json:"sla" doc:"Whether the availability guarantee applies."`
	WaiverAvailable bool   `json:"waiver_available" doc:"Whether the customer may waive withdrawal for this line (cp.av.13.9)."`
	WaiveWithdrawal bool   `json:"waive_withdrawal" doc:"Whether the customer waives withdrawal for it."`
}

func linesOut(ls []contracts.Line) []Line {
	out := make([]Line, len(ls))
	for i, l := range ls {
		out[i] = Line{Position: l.Position, PlanID: l.PlanID, Kind: string(l.Kind), Description: l.Description, Domain: l.Domain,
			Quantity: l.Quantity, Billing: string(l.Billing), Period: periodOut(l.Period), UnitPrice: l.UnitPrice.String(),
			TermPrice: l.TermPrice.String(), SetupFee: l.SetupFee.String(), Amount: l.Amount.String(), VATCategory: l.VATCategory,
			SLA: l.SLA, WaiverAvailable: l.WaiverAvailable, WaiveWithdrawal: l.WaiveWithdrawal}
	}
	return out
}

// VATLine is the VAT of one rate.
type VATLine struct {
	Category string `json:"category" enum:"standard,reduced,zero" doc:"VAT category."`
	Rate     string `json:"rate" example:"21" doc:"Rate in percent."`
	Base     string `json:"base" example:"95.40" doc:"Amount excl. VAT the rate applies to."`
	VAT      string `json:"vat" example:"20.03" doc:"VAT."`
}

// Totals are a document's amounts; VAT is computed once per rate.
type Totals struct {
	VAT       []VATLine `json:"vat" doc:"VAT per rate."`
	TotalExcl string    `json:"total_excl" example:"95.40" doc:"Total excl. VAT."`
	VATTotal  string    `json:"vat_total" example:"20.03" doc:"Total VAT."`
	TotalIncl string    `json:"total_incl" example:"115.43" doc:"Total incl. VAT."`
}

func totalsOut(t contracts.Totals) Totals {
	out := Totals{VAT: make([]VATLine, len(t.VAT)), TotalExcl: t.TotalExcl.String(), VATTotal: t.VATTotal.String(), TotalIncl: t.TotalIncl.String()}
	for i, v := range t.VAT {
		out.VAT[i] = VATLine{Category: v.Category, Rate: v.Rate.String(), Base: v.Base.String(), VAT: v.VAT.String()}
	}
	return out
}

// --- checkout and orders ---

// OrderLineInput is one line of a web order.
type OrderLineInput struct {
	PlanID          int64  `json:"plan_id" minimum:"1" example:"12" doc:"The catalog plan."`
	Quantity        int    `json:"quantity,omitempty" minimum:"1" maximum:"100" default:"1" doc:"Quantity; one per domain name."`
	Domain          string `json:"domain,omitempty" maxLength:"253" example:"voorbeeld.nl" doc:"The domain to register (domain plans) or the service's host name."`
	WaiveWithdrawal bool   `json:"waive_withdrawal,omitempty" doc:"A consumer ordering a domain registration consents to immediate delivery and waives the right of withdrawal for it (cp.av.13.9)."`
}

func orderLines(in []OrderLineInput) []contracts.OrderLine {
	out := make([]contracts.OrderLine, len(in))
	for i, l := range in {
		q := l.Quantity
		if q == 0 {
			q = 1
		}
		out[i] = contracts.OrderLine{PlanID: l.PlanID, Quantity: q, Domain: l.Domain, WaiveWithdrawal: l.WaiveWithdrawal}
	}
	return out
}

// CheckoutInput asks what an order would cost and on which terms.
type CheckoutInput struct {
	OrgID int64            `json:"org_id,omitempty" minimum:"0" example:"42" doc:"The ordering organisation; a customer's own by default. Staff must give it."`
	Lines []OrderLineInput `json:"lines" minItems:"1" maxItems:"50" doc:"What is ordered."`
}

// WithdrawalInfo is what a consumer is told about the right of withdrawal before ordering.
type WithdrawalInfo struct {
	LastDay     string            `json:"last_day" format:"date" example:"2026-03-16" doc:"The last day a withdrawal is in time, if the order is placed today."`
	Text        string            `json:"text" doc:"The information, as numbered sentences in the requested language (?lang=nl|en or Accept-Language)."`
	Explanation []ExplanationStep `json:"explanation" doc:"Why."`
}

// Checkout is an order's price and terms, shown before the customer confirms.
type Checkout struct {
	OrgID          int64             `json:"org_id" example:"42" doc:"The ordering organisation."`
	CustomerKind   string            `json:"customer_kind" enum:"consumer,business" doc:"Consumers and businesses fall under different rules."`
	TermsVersion   string            `json:"terms_version" example:"2026-01" doc:"The version of the terms the order accepts: send it with the order."`
	Lines          []Line            `json:"lines" doc:"The priced lines."`
	Totals         Totals            `json:"totals" doc:"Totals excl. and incl. VAT."`
	VATExplanation []ExplanationStep `json:"vat_explanation" doc:"Why these VAT rates."`
	FirstRenewal   string            `json:"first_renewal" format:"date" doc:"The day the contract first renews, if ordered today."`
	CancelDeadline string            `json:"cancel_deadline" format:"date" doc:"The last day a cancellation ends the contract at the end of the first term."`
	EarliestEnd    string            `json:"earliest_end" format:"date" doc:"The earliest day the contract can end by cancellation."`
	TermText       string            `json:"term_text" doc:"Term, renewal and cancellation rules, as numbered sentences in the requested language (?lang=nl|en or Accept-Language)."`
	Renewal        []ExplanationStep `json:"renewal" doc:"Why it renews then."`
	Cancellation   []ExplanationStep `json:"cancellation" doc:"How it is cancelled."`
	Withdrawal     *WithdrawalInfo   `json:"withdrawal,omitempty" doc:"Consumers: the right of withdrawal."`
}

// checkoutOut renders c; the text fields are in lang (see langOf), the explanations
// carry both languages and their sentence.
func checkoutOut(c contracts.Checkout, lang string) Checkout {
	out := Checkout{OrgID: c.OrgID, CustomerKind: string(c.CustomerKind), TermsVersion: c.TermsVersion, Lines: linesOut(c.Lines),
		Totals: totalsOut(c.Totals), VATExplanation: explanationOut(c.VATExplanation), FirstRenewal: dateOut(c.FirstRenewal),
		CancelDeadline: dateOut(c.CancelDeadline), EarliestEnd: dateOut(c.EarliestEnd), TermText: c.Renewal.Plain(lang) + c.Cancellation.Plain(lang),
		Renewal: explanationOut(c.Renewal), Cancellation: explanationOut(c.Cancellation)}
	if c.Withdrawal != nil {
		out.Withdrawal = &WithdrawalInfo{LastDay: dateOut(c.Withdrawal.LastDay), Text: c.Withdrawal.Explanation.Plain(lang), Explanation: explanationOut(c.Withdrawal.Explanation)}
	}
	return out
}

// OrderInput places a web order.
type OrderInput struct {
	OrgID          int64            `json:"org_id,omitempty" minimum:"0" example:"42" doc:"The ordering organisation; a customer's own by default. Staff must give it."`
	Lines          []OrderLineInput `json:"lines" minItems:"1" maxItems:"50" doc:"What is ordered."`
	TermsVersion   string           `json:"terms_version" maxLength:"64" example:"2026-01" doc:"The terms version the customer was shown (from checkout); it must be the current one."`
	AcceptTerms    bool             `json:"accept_terms" doc:"The customer accepts the terms; required."`
	ExpressStart   bool             `json:"express_start,omitempty" doc:"A consumer asks for the service to start during the withdrawal period; the days used are deducted on withdrawal."`
	IdempotencyKey string           `json:"idempotency_key,omitempty" maxLength:"200" doc:"A unique key per submission (8-200 characters), here or in the Idempotency-Key header: a retry with the same key returns the same contract."`
}

// --- contracts ---

// Subscription is one service under a contract.
type Subscription struct {
	ID               int64  `json:"id" example:"88" doc:"Subscription id."`
	ContractID       int64  `json:"contract_id" example:"31" doc:"The contract."`
	OrgID            int64  `json:"org_id" example:"42" doc:"The customer."`
	Position         int    `json:"position" example:"1" doc:"Line of the contract."`
	PlanID           int64  `json:"plan_id,omitempty" example:"12" doc:"The catalog plan; absent for a free quote line."`
	Kind             string `json:"kind" example:"webhosting" doc:"Kind of product."`
	Name             string `json:"name" example:"Webhosting Pro" doc:"What was sold."`
	Domain           string `json:"domain,omitempty" example:"voorbeeld.nl" doc:"The domain registered or served."`
	Quantity         int    `json:"quantity" example:"1" doc:"Quantity."`
	Billing          string `json:"billing" enum:"subscription,one-off" doc:"Subscription or one-off project."`
	Period           string `json:"period,omitempty" example:"P1M" doc:"What the price buys."`
	Price            string `json:"price" example:"7.95" doc:"Price per period, excl. VAT."`
	SetupFee         string `json:"setup_fee" example:"0.00" doc:"Setup fee, excl. VAT."`
	VATCategory      string `json:"vat_category" enum:"standard,reduced,zero" doc:"VAT category."`
	SLA              bool   `json:"sla" doc:"Whether the availability guarantee applies."`
	Status           string `json:"status" enum:"pending,active,ended" doc:"pending: being provisioned."`
	StartOn          string `json:"start_on" format:"date" doc:"The day it started."`
	TermNo           int    `json:"term_no" example:"1" doc:"The current term, 1-based."`
	TermStart        string `json:"term_start,omitempty" format:"date" doc:"Start of the current term."`
	TermEnd          string `json:"term_end,omitempty" format:"date" doc:"The next renewal date."`
	EndsOn           string `json:"ends_on,omitempty" format:"date" doc:"Once cancelled or withdrawn: the first day it no longer runs."`
	EndReason        string `json:"end_reason,omitempty" example:"cancelled" doc:"Why it ends."`
	EndedOn          string `json:"ended_on,omitempty" format:"date" doc:"The day it ended."`
	WithdrawalWaived bool   `json:"withdrawal_waived" doc:"Whether the consumer waived withdrawal for it (cp.av.13.9)."`
	ServiceStartedOn string `json:"service_started_on,omitempty" format:"date" doc:"When the service started being delivered."`
	PendingPlanID    int64  `json:"pending_plan_id,omitempty" doc:"A reduction of plan scheduled for the end of the term."`
	PendingPlanOn    string `json:"pending_plan_on,omitempty" format:"date" doc:"When that reduction takes effect."`
}

func subscriptionOut(s contracts.Subscription) Subscription {
	return Subscription{ID: s.ID, ContractID: s.ContractID, OrgID: s.OrgID, Position: s.Position, PlanID: s.PlanID, Kind: string(s.Kind),
		Name: s.Name, Domain: s.Domain, Quantity: s.Quantity, Billing: string(s.Billing), Period: periodOut(s.Period), Price: s.Price.String(),
		SetupFee: s.SetupFee.String(), VATCategory: s.VATCategory, SLA: s.SLA, Status: s.Status, StartOn: dateOut(s.StartOn), TermNo: s.TermNo,
		TermStart: dateOut(s.TermStart), TermEnd: dateOut(s.TermEnd), EndsOn: dateOut(s.EndsOn), EndReason: s.EndReason,
		EndedOn: dateOut(s.EndedOn), WithdrawalWaived: s.WithdrawalWaived, ServiceStartedOn: dateOut(s.ServiceStartedOn),
		PendingPlanID: s.PendingPlanID, PendingPlanOn: dateOut(s.PendingPlanOn)}
}

// Contract is an agreement with its subscriptions.
type Contract struct {
	ID             int64          `json:"id" example:"31" doc:"Contract id."`
	Pack           string         `json:"pack" example:"cloudprovider" doc:"The policy pack (terms) it runs under."`
	OrgID          int64          `json:"org_id" example:"42" doc:"The customer."`
	OrgName        string         `json:"org_name" example:"Voorbeeld B.V." doc:"The customer's name at conclusion."`
	Source         string         `json:"source" enum:"order,quote" doc:"How it was concluded."`
	QuoteID        int64          `json:"quote_id,omitempty" example:"7" doc:"The accepted quote."`
	Status         string         `json:"status" enum:"active,ended,withdrawn" doc:"Status."`
	CustomerKind   string         `json:"customer_kind" enum:"consumer,business" doc:"Consumer or business, at conclusion."`
	TermsVersion   string         `json:"terms_version" example:"2026-01" doc:"The version of the terms accepted."`
	ConcludedOn    string         `json:"concluded_on" format:"date" doc:"The day the agreement was concluded."`
	Channel        string         `json:"channel" example:"portal" doc:"How the acceptance was received."`
	AcceptedAt     time.Time      `json:"accepted_at" doc:"When it was accepted."`
	AcceptedBy     string         `json:"accepted_by" example:"jan@voorbeeld.nl" doc:"Who accepted it."`
	AcceptedIP     string         `json:"accepted_ip,omitempty" example:"192.0.2.10" doc:"From which address."`
	AcceptedUA     string         `json:"accepted_user_agent,omitempty" doc:"With which client software."`
	ContentHash    string         `json:"content_hash" example:"3f7a…" doc:"SHA-256 of exactly what was accepted."`
	WithdrawalInfo string         `json:"withdrawal_info,omitempty" doc:"The withdrawal information given at conclusion (consumers)."`
	ExpressStart   bool           `json:"express_start" doc:"Whether the consumer asked for the service to start during the withdrawal period."`
	TotalExcl      string         `json:"total_excl" example:"95.40" doc:"Total excl. VAT of the first term."`
	VAT            string         `json:"vat" example:"20.03" doc:"VAT."`
	TotalIncl      string         `json:"total_incl" example:"115.43" doc:"Total incl. VAT."`
	EndedOn        string         `json:"ended_on,omitempty" format:"date" doc:"The day it ended."`
	CreatedAt      time.Time      `json:"created_at" doc:"When it was recorded."`
	Subscriptions  []Subscription `json:"subscriptions" doc:"Its services."`
}

func contractOut(c contracts.Contract) Contract {
	out := Contract{ID: c.ID, Pack: c.Pack, OrgID: c.OrgID, OrgName: c.OrgName, Source: c.Source, QuoteID: c.QuoteID, Status: c.Status,
		CustomerKind: string(c.CustomerKind), TermsVersion: c.TermsVersion, ConcludedOn: dateOut(c.ConcludedOn), Channel: c.Channel,
		AcceptedAt: c.AcceptedAt, AcceptedBy: c.AcceptedLabel, AcceptedIP: c.AcceptedIP, AcceptedUA: c.AcceptedUA, ContentHash: c.ContentHash,
		WithdrawalInfo: c.WithdrawalInfo, ExpressStart: c.ExpressStart, TotalExcl: c.TotalExcl.String(), VAT: c.VAT.String(),
		TotalIncl: c.TotalIncl.String(), EndedOn: dateOut(c.EndedOn), CreatedAt: c.CreatedAt,
		Subscriptions: make([]Subscription, len(c.Subscriptions))}
	for i, s := range c.Subscriptions {
		out.Subscriptions[i] = subscriptionOut(s)
	}
	return out
}

// ContractList is one page of contracts, newest first.
type ContractList struct {
	Items   []Contract `json:"items" doc:"The contracts on this page."`
	Total   int        `json:"total" example:"12" doc:"How many contracts match in all."`
	Page    int        `json:"page" example:"1" doc:"This page, 1-based."`
	PerPage int        `json:"per_page" example:"25" doc:"Page size."`
}

// --- cancellation ---

// CancellationInput asks when a subscription would end, or cancels it.
type CancellationInput struct {
	Basis   string `json:"basis,omitempty" enum:"regular,price-increase,terms-change,force-majeure" default:"regular" doc:"regular: the ordinary notice; or the right a price increase, a change of terms or force majeure gives."`
	BasisID int64  `json:"basis_id,omitempty" minimum:"0" doc:"The price increase, terms version or force majeure the cancellation rests on."`
	// Staff only.
	Channel    string     `json:"channel,omitempty" enum:"portal,email,letter,phone,order-channel" doc:"Staff recording a cancellation: how it was received (cp.av.13.4)."`
	ReceivedAt *time.Time `json:"received_at,omitempty" doc:"Staff: when it was received. A customer's cancellation is received now."`
	Note       string     `json:"note,omitempty" maxLength:"2000" doc:"Staff: a note."`
	// ExpectEndsOn: the end date the customer was shown.
	ExpectEndsOn string `json:"expect_ends_on,omitempty" format:"date" doc:"The end date the preview showed; the cancellation is refused when it would now be different."`
}

// CancellationPreviewInput asks when a subscription would end if cancelled.
type CancellationPreviewInput struct {
	Basis      string     `json:"basis,omitempty" enum:"regular,price-increase,terms-change,force-majeure" default:"regular" doc:"regular: the ordinary notice; or the right a price increase, a change of terms or force majeure gives."`
	BasisID    int64      `json:"basis_id,omitempty" minimum:"0" doc:"The price increase, terms version or force majeure the cancellation rests on."`
	ReceivedAt *time.Time `json:"received_at,omitempty" doc:"Staff: when it would be (was) received; default now."`
}

// CancellationPreview is when a subscription would end, and why.
type CancellationPreview struct {
	SubscriptionID int64             `json:"subscription_id" example:"88" doc:"The subscription."`
	Basis          string            `json:"basis" enum:"regular,price-increase,terms-change,force-majeure" doc:"The basis."`
	Received       string            `json:"received" format:"date" doc:"The day the cancellation is (was) received."`
	EndsOn         string            `json:"ends_on" format:"date" doc:"The first day the service no longer runs."`
	Deadline       string            `json:"deadline" format:"date" doc:"The last day a cancellation still ends it on ends_on."`
	Renewed        bool              `json:"renewed" doc:"Whether it renews once more before ending."`
	Text           string            `json:"text" doc:"The explanation as numbered sentences in the requested language (?lang=nl|en or Accept-Language)."`
	Explanation    []ExplanationStep `json:"explanation" doc:"Why it ends then."`
}

func cancellationPreviewOut(p contracts.CancellationPreview, lang string) CancellationPreview {
	return CancellationPreview{SubscriptionID: p.SubscriptionID, Basis: p.Basis, Received: dateOut(p.Received), EndsOn: dateOut(p.EndsOn),
		Deadline: dateOut(p.Deadline), Renewed: p.Renewed, Text: p.Explanation.Plain(lang), Explanation: explanationOut(p.Explanation)}
}

// Cancellation is a recorded cancellation.
type Cancellation struct {
	ID int64 `json:"id" example:"5" doc:"Cancellation id."`
	CancellationPreview
	Channel    string    `json:"channel" enum:"portal,email,letter,phone,order-channel" doc:"How it was received."`
	ReceivedAt time.Time `json:"received_at" doc:"When it was received."`
	ByStaff    bool      `json:"by_staff" doc:"Whether staff recorded it."`
}

// --- withdrawal ---

// WithdrawalInput is a withdrawal, or asks about one.
type WithdrawalInput struct {
	Channel    string     `json:"channel,omitempty" enum:"portal,email,letter,phone,order-channel" doc:"Staff recording a withdrawal: how it was received."`
	ReceivedAt *time.Time `json:"received_at,omitempty" doc:"Staff: when it was received. A customer's withdrawal is received now."`
}

// WithdrawalItem is the decision for one subscription.
type WithdrawalItem struct {
	SubscriptionID int64             `json:"subscription_id" example:"88" doc:"The subscription."`
	Service        string            `json:"service" example:"Webhosting Pro" doc:"The service."`
	Allowed        bool              `json:"allowed" doc:"Whether it can be withdrawn from."`
	Reason         string            `json:"reason" doc:"Why (not)."`
	Deduction      string            `json:"deduction" example:"1.32" doc:"What is kept for the days the service was used."`
	Paid           string            `json:"paid" example:"9.62" doc:"What was paid for the service, incl. VAT."`
	Refund         string            `json:"refund" example:"8.30" doc:"What is refunded: what was paid less the deduction."`
	Unpaid         string            `json:"unpaid" example:"0.00" doc:"Invoiced but not paid; cancelled by a credit note."`
	RefundBy       string            `json:"refund_by,omitempty" format:"date" doc:"The refund is due by this day."`
	Explanation    []ExplanationStep `json:"explanation" doc:"Why."`
}

// Withdrawal is a withdrawal decision, previewed or recorded.
type Withdrawal struct {
	ID         int64            `json:"id,omitempty" example:"3" doc:"Withdrawal id; absent in a preview."`
	ContractID int64            `json:"contract_id" example:"31" doc:"The contract."`
	Received   string           `json:"received" format:"date" doc:"The day it is (was) received."`
	Status     string           `json:"status" enum:"accepted,partial,refused" doc:"The outcome."`
	Allowed    bool             `json:"allowed" doc:"Whether anything is withdrawn from."`
	Items      []WithdrawalItem `json:"items" doc:"Per service."`
	Refund     string           `json:"refund" example:"8.30" doc:"Total refund: what was paid less the deductions."`
	Unpaid     string           `json:"unpaid" example:"0.00" doc:"Total invoiced but not paid, cancelled by credit notes."`
	RefundBy   string           `json:"refund_by,omitempty" format:"date" doc:"The refund is due by this day."`
	Text       string           `json:"text" doc:"The explanation per service, as numbered sentences in the requested language (?lang=nl|en or Accept-Language)."`
}

func withdrawalOut(w contracts.Withdrawal, lang string) Withdrawal {
	out := Withdrawal{ID: w.ID, ContractID: w.ContractID, Received: dateOut(w.Received), Status: w.Status, Allowed: w.Allowed,
		Items: make([]WithdrawalItem, len(w.Items)), Refund: w.Refund.String(), Unpaid: w.Unpaid.String(), RefundBy: dateOut(w.RefundBy)}
	for i, it := range w.Items {
		out.Items[i] = WithdrawalItem{SubscriptionID: it.SubscriptionID, Service: it.Service, Allowed: it.Allowed, Reason: it.Reason,
			Deduction: it.Deduction.String(), Paid: it.Paid.String(), Refund: it.Refund.String(), Unpaid: it.Unpaid.String(), RefundBy: dateOut(it.RefundBy), Explanation: explanationOut(it.Explanation)}
		out.Text += fmt.Sprintf("%s:\n%s", it.Service, it.Explanation.Plain(lang))
	}
	return out
}

// --- plan changes ---

// ChangePlanInput moves a subscription to another plan of the same product.
type ChangePlanInput struct {
	PlanID int64 `json:"plan_id" minimum:"1" example:"13" doc:"The new plan."`
}

// PlanChange is a recorded change of plan.
type PlanChange struct {
	ID          int64             `json:"id" example:"4" doc:"Plan change id."`
	Direction   string            `json:"direction" enum:"up,down" doc:"up: at once, with a prorated charge; down: at the end of the term (cp.av.9.1)."`
	FromPlanID  int64             `json:"from_plan_id" example:"12" doc:"The old plan."`
	ToPlanID    int64             `json:"to_plan_id" example:"13" doc:"The new plan."`
	EffectiveOn string            `json:"effective_on" format:"date" doc:"When it takes effect."`
	Charge      string            `json:"charge" example:"3.50" doc:"Prorated charge of a raise, excl. VAT."`
	Explanation []ExplanationStep `json:"explanation" doc:"Why."`
}

func planChangeOut(p contracts.PlanChange) PlanChange {
	return PlanChange{ID: p.ID, Direction: p.Direction, FromPlanID: p.FromPlanID, ToPlanID: p.ToPlanID, EffectiveOn: dateOut(p.EffectiveOn),
		Charge: p.Charge.String(), Explanation: explanationOut(p.Explanation)}
}

// --- quotes ---

// QuoteLineInput is a quote line: a catalog plan, or a free line without plan_id.
type QuoteLineInput struct {
	PlanID            int64  `json:"plan_id,omitempty" minimum:"0" example:"12" doc:"A catalog plan; omit for a free line."`
	Description       string `json:"description,omitempty" maxLength:"500" doc:"What is offered; required for a free line, overrides the plan's name otherwise."`
	Domain            string `json:"domain,omitempty" maxLength:"253" example:"voorbeeld.nl" doc:"The domain registered or served."`
	Quantity          int    `json:"quantity,omitempty" minimum:"1" maximum:"10000" default:"1" doc:"Quantity."`
	Billing           string `json:"billing,omitempty" enum:"subscription,one-off" doc:"Free lines: subscription or one-off."`
	Period            string `json:"period,omitempty" maxLength:"8" example:"P1M" doc:"Free subscription lines: what the price buys."`
	UnitPrice         string `json:"unit_price,omitempty" pattern:"^[0-9]{1,10}(\\.[0-9]{1,2})?$" example:"7.95" doc:"Price excl. VAT; for a plan, overrides the catalog's when above 0."`
	SetupFee          string `json:"setup_fee,omitempty" pattern:"^[0-9]{1,10}(\\.[0-9]{1,2})?$" example:"0.00" doc:"Setup fee excl. VAT; for a plan, overrides the catalog's when above 0."`
	VATCategory       string `json:"vat_category,omitempty" enum:"standard,reduced,zero" doc:"Free lines: VAT category (default standard)."`
	SLA               bool   `json:"sla,omitempty" doc:"Free lines: whether the availability guarantee applies."`
	RetentionCategory string `json:"retention_category,omitempty" maxLength:"64" doc:"Free lines: the terms' retention category of the data."`
}

// QuoteInput drafts a quote.
type QuoteInput struct {
	OrgID      int64            `json:"org_id" minimum:"1" example:"42" doc:"The customer."`
	Title      string           `json:"title" minLength:"1" maxLength:"200" example:"Hosting voor voorbeeld.nl" doc:"Title."`
	ValidUntil string           `json:"valid_until,omitempty" format:"date" doc:"The quote's own validity; omit for the terms' period from sending."`
	Lines      []QuoteLineInput `json:"lines" minItems:"1" maxItems:"100" doc:"The lines."`
}

func (in QuoteInput) toContracts(fe accounts.FieldErrors) contracts.QuoteInput {
	out := contracts.QuoteInput{OrgID: in.OrgID, Title: in.Title, ValidUntil: parseDate(fe, "valid_until", in.ValidUntil),
		Lines: make([]contracts.QuoteLineInput, len(in.Lines))}
	for i, l := range in.Lines {
		q := l.Quantity
		if q == 0 {
			q = 1
		}
		f := func(name string) string { return "lines[" + strconv.Itoa(i) + "]." + name }
		out.Lines[i] = contracts.QuoteLineInput{PlanID: l.PlanID, Description: l.Description, Domain: l.Domain, Quantity: q,
			Billing: catalog.Billing(l.Billing), Period: l.Period, UnitPrice: parseMoney(fe, f("unit_price"), l.UnitPrice),
			SetupFee: parseMoney(fe, f("setup_fee"), l.SetupFee), VATCategory: l.VATCategory, SLA: l.SLA, RetentionCategory: l.RetentionCategory}
	}
	return out
}

// Quote is an offer staff draft and send.
type Quote struct {
	ID                    int64             `json:"id" example:"7" doc:"Quote id."`
	Pack                  string            `json:"pack" example:"cloudprovider" doc:"The policy pack (terms) it is offered under."`
	OrgID                 int64             `json:"org_id" example:"42" doc:"The customer."`
	Status                string            `json:"status" enum:"draft,sent,accepted,declined" doc:"Status."`
	Title                 string            `json:"title" doc:"Title."`
	CustomerKind          string            `json:"customer_kind" enum:"consumer,business" doc:"Consumer or business."`
	Lines                 []Line            `json:"lines" doc:"The lines."`
	Totals                Totals            `json:"totals" doc:"Totals excl. and incl. VAT."`
	ValidUntil            string            `json:"valid_until,omitempty" format:"date" doc:"The quote's own validity, if it states one."`
	TermsVersion          string            `json:"terms_version,omitempty" doc:"The terms version it is offered under (once sent)."`
	SentOn                string            `json:"sent_on,omitempty" format:"date" doc:"When it was sent."`
	ExpiresOn             string            `json:"expires_on,omitempty" format:"date" doc:"The last day it can be accepted."`
	Explanation           []ExplanationStep `json:"explanation" doc:"Why it expires then."`
	ContentHash           string            `json:"content_hash,omitempty" doc:"SHA-256 of the content offered; send it with the acceptance."`
	LateAcceptanceAllowed bool              `json:"late_acceptance_allowed" doc:"Whether staff allowed acceptance after expiry (fo.av.2.3)."`
	DeclineReason         string            `json:"decline_reason,omitempty" doc:"Why it was declined."`
	ContractID            int64             `json:"contract_id,omitempty" example:"31" doc:"The contract its acceptance concluded."`
	CreatedAt             time.Time         `json:"created_at" doc:"When it was drafted."`
}

func quoteOut(q contracts.Quote) Quote {
	return Quote{ID: q.ID, Pack: q.Pack, OrgID: q.OrgID, Status: q.Status, Title: q.Title, CustomerKind: string(q.CustomerKind),
		Lines: linesOut(q.Lines), Totals: totalsOut(q.Totals), ValidUntil: dateOut(q.ValidUntil), TermsVersion: q.TermsVersion,
		SentOn: dateOut(q.SentOn), ExpiresOn: dateOut(q.ExpiresOn), Explanation: explanationOut(q.ExpiryExplanation),
		ContentHash: q.ContentHash, LateAcceptanceAllowed: q.LateAcceptanceAllowed, DeclineReason: q.DeclineReason,
		ContractID: q.ContractID, CreatedAt: q.CreatedAt}
}

// QuoteList is one page of quotes, newest first.
type QuoteList struct {
	Items   []Quote `json:"items" doc:"The quotes on this page."`
	Total   int     `json:"total" example:"4" doc:"How many quotes match in all."`
	Page    int     `json:"page" example:"1" doc:"This page, 1-based."`
	PerPage int     `json:"per_page" example:"25" doc:"Page size."`
}

// AcceptQuoteInput accepts a quote.
type AcceptQuoteInput struct {
	IdempotencyKey string `json:"idempotency_key,omitempty" maxLength:"200" doc:"A unique key per submission (8-200 characters), here or in the Idempotency-Key header."`
	ContentHash    string `json:"content_hash,omitempty" maxLength:"64" doc:"The content_hash of the quote as shown; refused when the quote differs."`
}

// ReasonInput gives an optional reason.
type ReasonInput struct {
	Reason string `json:"reason,omitempty" maxLength:"2000" doc:"The reason."`
}

// --- staff: price increases, terms versions, force majeure ---

// PriceIncreaseInput schedules a price increase of a plan for running subscriptions.
type PriceIncreaseInput struct {
	PlanID    int64  `json:"plan_id" minimum:"1" example:"12" doc:"The plan."`
	NewPrice  string `json:"new_price" pattern:"^[0-9]{1,10}(\\.[0-9]{1,2})?$" example:"8.50" doc:"The new price per the plan's period, excl. VAT."`
	Effective string `json:"effective" format:"date" doc:"The day the new price applies."`
	Index     string `json:"index,omitempty" pattern:"^[0-9]{1,3}(\\.[0-9]{1,2})?$" example:"3.2" doc:"The CBS price index change in percent, where the terms cap increases by it."`
	Note      string `json:"note,omitempty" maxLength:"2000" doc:"A note."`
}

// PriceIncreaseItem is the decision for one subscription.
type PriceIncreaseItem struct {
	SubscriptionID int64             `json:"subscription_id" example:"88" doc:"The subscription."`
	OrgID          int64             `json:"org_id" example:"42" doc:"The customer."`
	Allowed        bool              `json:"allowed" doc:"Whether the increase applies to it."`
	Reasons        []string          `json:"reasons,omitempty" doc:"Why not."`
	OldPrice       string            `json:"old_price" example:"7.95" doc:"The price now."`
	NewPrice       string            `json:"new_price" example:"8.50" doc:"The new price."`
	Explanation    []ExplanationStep `json:"explanation" doc:"Why."`
}

// PriceIncrease is a scheduled increase.
type PriceIncrease struct {
	ID          int64               `json:"id" example:"2" doc:"Price increase id."`
	PlanID      int64               `json:"plan_id" example:"12" doc:"The plan."`
	Increase    string              `json:"increase" example:"6.92" doc:"The increase in percent."`
	AnnouncedOn string              `json:"announced_on" format:"date" doc:"When it was announced."`
	EffectiveOn string              `json:"effective_on" format:"date" doc:"When it applies."`
	Items       []PriceIncreaseItem `json:"items" doc:"Per subscription."`
	Explanation []ExplanationStep   `json:"explanation" doc:"Why it is allowed."`
}

func priceIncreaseOut(p contracts.PriceIncrease) PriceIncrease {
	out := PriceIncrease{ID: p.ID, PlanID: p.PlanID, Increase: p.Increase.String(), AnnouncedOn: dateOut(p.AnnouncedOn),
		EffectiveOn: dateOut(p.EffectiveOn), Items: make([]PriceIncreaseItem, len(p.Items)), Explanation: explanationOut(p.Explanation)}
	for i, it := range p.Items {
		out.Items[i] = PriceIncreaseItem{SubscriptionID: it.SubscriptionID, OrgID: it.OrgID, Allowed: it.Allowed, Reasons: it.Reasons,
			OldPrice: it.OldPrice.String(), NewPrice: it.NewPrice.String(), Explanation: explanationOut(it.Explanation)}
	}
	return out
}

// TermsVersionInput publishes a new version of the terms.
type TermsVersionInput struct {
	Version   string `json:"version" minLength:"1" maxLength:"64" example:"2026-07" doc:"The version's name."`
	Effective string `json:"effective" format:"date" doc:"The day it takes effect; not earlier than the terms allow."`
	Summary   string `json:"summary,omitempty" maxLength:"4000" doc:"What changes, for the customers' notice."`
}

// TermsVersion is a published version of the terms.
type TermsVersion struct {
	ID              int64             `json:"id" example:"3" doc:"Terms version id."`
	Pack            string            `json:"pack" example:"cloudprovider" doc:"The policy pack."`
	Version         string            `json:"version" example:"2026-07" doc:"The version's name."`
	Summary         string            `json:"summary" doc:"What changes."`
	AnnouncedOn     string            `json:"announced_on" format:"date" doc:"When it was announced."`
	EffectiveOn     string            `json:"effective_on" format:"date" doc:"When it takes effect."`
	ObjectionBy     string            `json:"objection_by,omitempty" format:"date" doc:"Where the terms provide for objection: the last day for it."`
	TerminationAsOf string            `json:"termination_as_of" format:"date" doc:"A customer who does not accept may end the contract as of this day."`
	Explanation     []ExplanationStep `json:"explanation" doc:"Why these dates."`
}

func termsVersionOut(tv contracts.TermsVersion) TermsVersion {
	return TermsVersion{ID: tv.ID, Pack: tv.Pack, Version: tv.Version, Summary: tv.Summary, AnnouncedOn: dateOut(tv.AnnouncedOn),
		EffectiveOn: dateOut(tv.EffectiveOn), ObjectionBy: dateOut(tv.ObjectionBy), TerminationAsOf: dateOut(tv.TerminationAsOf),
		Explanation: explanationOut(tv.Explanation)}
}

// TermsVersions says which version of the terms a new order accepts, and lists the
// versions published.
type TermsVersions struct {
	Current string         `json:"current" example:"2026-01" doc:"The version a new order accepts today."`
	Items   []TermsVersion `json:"items" doc:"The versions published, newest first."`
}

// ObjectionInput is a customer's written, reasoned objection to announced terms.
type ObjectionInput struct {
	OrgID  int64  `json:"org_id,omitempty" minimum:"0" example:"42" doc:"The objecting organisation; a customer's own by default. Staff recording one must give it."`
	Reason string `json:"reason" minLength:"1" maxLength:"4000" doc:"The reasons."`
}

// ForceMajeureInput records the start of force majeure.
type ForceMajeureInput struct {
	StartedOn   string `json:"started_on" format:"date" doc:"The day it started (not in the future)."`
	Description string `json:"description" minLength:"1" maxLength:"2000" doc:"What happened."`
}

// ForceMajeureEndInput records the end of force majeure.
type ForceMajeureEndInput struct {
	EndedOn string `json:"ended_on" format:"date" doc:"The day it ended (not in the future)."`
}

// ForceMajeure is a recorded period of force majeure.
type ForceMajeure struct {
	ID          int64             `json:"id" example:"1" doc:"Force majeure id."`
	Description string            `json:"description" doc:"What happened."`
	StartedOn   string            `json:"started_on" format:"date" doc:"The day it started."`
	EndedOn     string            `json:"ended_on,omitempty" format:"date" doc:"The day it ended."`
	RightsFrom  string            `json:"rights_from" format:"date" doc:"From this day, if it still lasts, contracts may be ended."`
	Explanation []ExplanationStep `json:"explanation" doc:"Why."`
}

func forceMajeureOut(f contracts.ForceMajeure) ForceMajeure {
	return ForceMajeure{ID: f.ID, Description: f.Description, StartedOn: dateOut(f.StartedOn), EndedOn: dateOut(f.EndedOn),
		RightsFrom: dateOut(f.RightsFrom), Explanation: explanationOut(f.Explanation)}
}
