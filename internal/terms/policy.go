package terms

import (
	"fmt"
	"reflect"
	"sort"
	"time"
)

// Pack is a provider's terms as data: who the provider is, the data tables that
// change with the law rather than with the terms (statutory interest, the
// collection-cost scale, VAT, closed days), the clauses hostpact deliberately leaves
// to people, and one or more versions of the terms, each effective from a date.
//
// Contracts, invoices and decisions keep the version that applied when they were made:
// ask At for the version in force on that date.
type Pack struct {
	Name         string
	Title        string
	Provider     Provider
	Tables       Tables
	NotAutomated []NotAutomated
	versions     []*Policy
	cal          *Calendar
}

// Provider identifies the party whose terms a pack encodes.
type Provider struct {
	LegalName  string   `yaml:"legal_name" json:"legal_name"`
	TradeNames []string `yaml:"trade_names" json:"trade_names,omitempty"`
	KvK        string   `yaml:"kvk" json:"kvk"`
	VATID      string   `yaml:"vat_id" json:"vat_id,omitempty"`
	Seat       string   `yaml:"seat" json:"seat"`
	Address    string   `yaml:"address" json:"address,omitempty"`
	Email      string   `yaml:"email" json:"email,omitempty"`
	Phone      string   `yaml:"phone" json:"phone,omitempty"`
	Website    string   `yaml:"website" json:"website,omitempty"`
	Clauses    []string `yaml:"clauses" json:"clauses"`
	Reading    string   `yaml:"reading" json:"reading,omitempty"`
}

// NotAutomated records a clause the engine deliberately does not compute, and why
// (a judgement for staff, a document's content, a capability of another package).
type NotAutomated struct {
	Clause string `yaml:"clause" json:"clause"`
	Reason string `yaml:"reason" json:"reason"`
}

// Tables are the data of a pack that follow the law or the provider's office rather
// than the terms; a provider updates them by editing its pack file, without a release.
type Tables struct {
	StatutoryInterest InterestTables  `yaml:"statutory_interest"`
	CollectionCosts   CollectionScale `yaml:"collection_costs"`
	VAT               VATTables       `yaml:"vat"`
	ClosedDays        []ClosedDay     `yaml:"closed_days"`
}

// InterestTables hold the statutory interest rates by the date they took effect.
type InterestTables struct {
	Source     string     `yaml:"source"`
	Consumer   []RateFrom `yaml:"consumer"`   // art. 6:119 BW
	Commercial []RateFrom `yaml:"commercial"` // art. 6:119a BW
}

// RateFrom is a rate that applies from a date until the next entry.
type RateFrom struct {
	From Date   `yaml:"from" json:"from"`
	Rate Rate   `yaml:"rate" json:"rate"`
	Note string `yaml:"note" json:"note,omitempty"`
}

// CollectionScale is the statutory scale of extrajudicial collection costs (Besluit
// vergoeding voor buitengerechtelijke incassokosten).
type CollectionScale struct {
	Source   string    `yaml:"source"`
	Brackets []Bracket `yaml:"brackets"`
	Minimum  Money     `yaml:"minimum"`
	Maximum  Money     `yaml:"maximum"`
}

// Bracket is one step of the scale: Rate on the part of the principal up to UpTo
// (the zero UpTo on the last bracket means "no upper bound").
type Bracket struct {
	UpTo Money `yaml:"up_to"`
	Rate Rate  `yaml:"rate"`
}

// VATTables hold Dutch VAT rates and the standard rates of the EU member states
// (for the One-Stop-Shop), each by the date they took effect.
type VATTables struct {
	Source     string                `yaml:"source"`
	NL         []NLVATRates          `yaml:"nl"`
	EUStandard map[string][]RateFrom `yaml:"eu_standard"`
}

// NLVATRates are the Dutch rates from a date; the zero rate is always 0.
type NLVATRates struct {
	From     Date `yaml:"from"`
	Standard Rate `yaml:"standard"`
	Reduced  Rate `yaml:"reduced"`
}

// Policy is one version of a provider's terms. Its Terms hold every number and choice
// in them, each with the clause ids it comes from and, where the terms are open, the
// reading chosen (INTERPRETATION.md). The rule methods on Policy compute dates, amounts
// and outcomes from them; nothing else in hostpact hard-codes a period, a rate or a
// percentage.
type Policy struct {
	Version       string
	EffectiveFrom Date
	Terms         Terms

	pack *Pack
}

// Terms is the content of one version in a pack file.
type Terms struct {
	Version         string                    `yaml:"version"`
	EffectiveFrom   Date                      `yaml:"effective_from"`
	Customers       CustomersTerms            `yaml:"customers"`
	Quote           QuoteTerms                `yaml:"quote"`
	Contract        ContractTerms             `yaml:"contract"`
	Withdrawal      WithdrawalTerms           `yaml:"withdrawal"`
	Payment         PaymentTerms              `yaml:"payment"`
	Reminder        ReminderTerms             `yaml:"reminder"`
	Dunning         DunningTerms              `yaml:"dunning"`
	Interest        InterestTerms             `yaml:"interest"`
	CollectionCosts CollectionTerms           `yaml:"collection_costs"`
	SLA             SLATerms                  `yaml:"sla"`
	Maintenance     MaintenanceTerms          `yaml:"maintenance"`
	Support         SupportTerms              `yaml:"support"`
	Monitoring      MonitoringTerms           `yaml:"monitoring"`
	SecretLinks     SecretLinkTerms           `yaml:"secret_links"`
	Usage           UsageTerms                `yaml:"usage"`
	Backups         BackupTerms               `yaml:"backups"`
	Liability       LiabilityTerms            `yaml:"liability"`
	PriceIncrease   PriceIncreaseTerms        `yaml:"price_increase"`
	TermsChange     TermsChangeTerms          `yaml:"terms_change"`
	Audit           AuditTerms                `yaml:"audit"`
	Domains         DomainTerms               `yaml:"domains"`
	VAT             VATTerms                  `yaml:"vat"`
	DirectDebit     DirectDebitTerms          `yaml:"direct_debit"`
	Refunds         RefundTerms               `yaml:"refunds"`
	Deadlines       map[string]DeadlineTerms  `yaml:"deadlines"`
	NTD             NTDTerms                  `yaml:"ntd"`
	Disclosure      DisclosureTerms           `yaml:"disclosure"`
	Retention       map[string]RetentionTerms `yaml:"retention"`
	Privacy         PrivacyTerms              `yaml:"privacy"`
}

// Pack returns the pack this version belongs to.
func (p *Policy) Pack() *Pack { return p.pack }

// PackName returns the name of the pack ("cloudprovider").
func (p *Policy) PackName() string { return p.pack.Name }

// Calendar returns the werkdagen calendar of the provider.
func (p *Policy) Calendar() *Calendar { return p.pack.cal }

// Tables returns the pack's data tables.
func (p *Policy) Tables() *Tables { return &p.pack.Tables }

// CustomersTerms says which kinds of customer the terms serve.
type CustomersTerms struct {
	Consumers  bool     `yaml:"consumers"`
	Businesses bool     `yaml:"businesses"`
	Clauses    []string `yaml:"clauses"`
	Reading    string   `yaml:"reading"`
	// RefusalClauses let the provider refuse a prospective customer (cp.av.2.6); none
	// where the terms say nothing and refusal rests on freedom of contract alone.
	RefusalClauses []string `yaml:"refusal_clauses"`
}

// RefusalClauses returns the clauses on which the provider refuses a customer, for
// the refusal's audit entry and the error the customer sees (empty when the terms
// name none).
func (p *Policy) RefusalClauses() []string { return p.Terms.Customers.RefusalClauses }

// WaiverClauses returns the clauses under which a consumer consents to immediate
// delivery of a domain registration and waives withdrawal (cp.av.13.9; empty when the
// terms give no right of withdrawal).
func (p *Policy) WaiverClauses() []string { return p.Terms.Withdrawal.WaiverClauses }

// PlanChangeClauses returns the clauses on which a plan is raised or reduced
// (cp.av.9.1, fo.av.12.4).
func (p *Policy) PlanChangeClauses() []string { return p.Terms.Usage.Clauses }

// QuoteTerms: how long a quote stays valid after it is sent.
type QuoteTerms struct {
	Validity Period   `yaml:"validity"`
	Clauses  []string `yaml:"clauses"`
	Reading  string   `yaml:"reading"`
}

// ContractTerms: the term of a subscription, its renewal, and cancellation.
type ContractTerms struct {
	InitialTerm Period      `yaml:"initial_term"`
	RenewalTerm Period      `yaml:"renewal_term"`
	Clauses     []string    `yaml:"clauses"`
	Reading     string      `yaml:"reading"`
	Consumer    CancelTerms `yaml:"consumer"`
	Business    CancelTerms `yaml:"business"`
}

// CancelTerms: how one kind of customer cancels. A cancellation received at least
// NoticeBeforeTermEnd before a term end ends the contract at that term end. When
// NoticeAfterRenewal is set, a later cancellation ends the contract that period after
// receipt (the consumer's right after tacit renewal); otherwise it ends at the next
// term end that can still be reached.
type CancelTerms struct {
	NoticeBeforeTermEnd Period   `yaml:"notice_before_term_end"`
	NoticeAfterRenewal  Period   `yaml:"notice_after_renewal"`
	Clauses             []string `yaml:"clauses"`
	Reading             string   `yaml:"reading"`
}

// WithdrawalTerms: the consumer's right of withdrawal.
type WithdrawalTerms struct {
	Enabled bool   `yaml:"enabled"`
	Period  Period `yaml:"period"`
	// DomainExclusion: with_waiver (excluded only when the order recorded consent to
	// immediate delivery and the waiver), always, or never.
	DomainExclusion       string `yaml:"domain_exclusion"`
	ProportionalDeduction bool   `yaml:"proportional_deduction"`
	RefundWithin          Period `yaml:"refund_within"`
	// LastDay: whether the last day to withdraw moves off a closed day.
	LastDay StatutoryEnd `yaml:"last_day"`
	Clauses []string     `yaml:"clauses"`
	Reading string       `yaml:"reading"`
	// WaiverClauses: the consumer's consent to immediate delivery and waiver of
	// withdrawal for a domain registration (cp.av.13.9).
	WaiverClauses []string `yaml:"waiver_clauses"`
}

// StatutoryEnd says whether the last day of a period the law gives the customer moves
// to the next werkdag when it falls on a Saturday, Sunday or holiday (art. 1 Algemene
// termijnenwet; for the withdrawal period Reg. 1182/71 art. 3 lid 4; INTERPRETATION.md,
// Time). Periods the provider owes and contractual periods never move.
type StatutoryEnd struct {
	MovesToWerkdag bool `yaml:"moves_to_werkdag"`
	// Basis names the statute the move rests on, shown in the explanation.
	Basis string `yaml:"basis"`
}

// PaymentTerms: payment term, default and billing.
type PaymentTerms struct {
	Term         Period `yaml:"term"`
	DefaultAfter Period `yaml:"default_after"`
	// BillingPeriod is how long a subscription's billing period is when its price
	// names no period of months (cp.av.14.2: each month in advance); unset, the
	// contract's initial term.
	BillingPeriod Period `yaml:"billing_period"`
	// Proration is how a billing period cut short (a subscription that ends, a plan
	// raised during its term) is charged: days_in_period charges the period's price ×
	// days charged ÷ days in the period.
	Proration            string   `yaml:"proration"`
	InvoiceInAdvance     bool     `yaml:"invoice_in_advance"`
	DepositPercent       Rate     `yaml:"deposit_percent"`
	SuspendWhenInDefault bool     `yaml:"suspend_when_in_default"`
	Clauses              []string `yaml:"clauses"`
	Reading              string   `yaml:"reading"`
}

// DunningTerms: what follows when a customer stays in default. The terms give the right
// to suspend (cp.av.3.8, fo.av.16.5.2, fo.av.16.6) and to terminate (cp.av.13.10,
// fo.av.20.4) but name no period; the pack records the provider's choice so that the
// dunning package, like every other, reads its numbers here.
type DunningTerms struct {
	// Suspension: the services are suspended this long after the default notice
	// that warns of it. A zero period leaves suspension to staff.
	Suspension DunningStep `yaml:"suspension"`
	// Termination: the agreements end this long after the suspension (or after the
	// default notice when nothing is suspended). A zero period leaves it to staff.
	Termination DunningStep `yaml:"termination"`
	// OverdueNotice mails a business customer the day after the due date; consumers
	// get the reminder instead. A courtesy, not a requirement of the terms.
	OverdueNotice bool `yaml:"overdue_notice"`
	// MinimumCharge: interest and collection costs that together stay below it are
	// recorded but not charged.
	MinimumCharge Money `yaml:"minimum_charge"`
}

// DunningStep is one escalation: how long after the previous step, and on which clauses.
type DunningStep struct {
	After   Period   `yaml:"after"`
	Clauses []string `yaml:"clauses"`
	Reading string   `yaml:"reading"`
}

// ReminderTerms: the consumer's payment reminder (14-day letter, art. 6:96 lid 6 BW).
type ReminderTerms struct {
	Enabled      bool   `yaml:"enabled"`
	SendAfterDue Period `yaml:"send_after_due"`
	PayWithin    Period `yaml:"pay_within"`
	// LastDay: whether the last day to pay the reminder gives moves off a closed day.
	LastDay StatutoryEnd `yaml:"last_day"`
	Clauses []string     `yaml:"clauses"`
	Reading string       `yaml:"reading"`
}

// InterestTerms: late-payment interest for each kind of customer.
type InterestTerms struct {
	Consumer         InterestKind `yaml:"consumer"`
	Business         InterestKind `yaml:"business"`
	CapitaliseYearly bool         `yaml:"capitalise_yearly"`
	DayCount         int          `yaml:"day_count"`
}

// InterestKind: which statutory table applies, from when, and an optional monthly
// rate that applies instead when it gives more (5online's 2% a month).
type InterestKind struct {
	Table           string   `yaml:"table"` // consumer (6:119) or commercial (6:119a)
	From            string   `yaml:"from"`  // day_after_due or default
	HigherOfMonthly Rate     `yaml:"higher_of_monthly"`
	Clauses         []string `yaml:"clauses"`
	Reading         string   `yaml:"reading"`
}

// CollectionTerms: extrajudicial collection costs.
type CollectionTerms struct {
	Scale               string   `yaml:"scale"` // statutory
	BusinessActualCosts bool     `yaml:"business_actual_costs"`
	VATOnTop            bool     `yaml:"vat_on_top"`
	Clauses             []string `yaml:"clauses"`
	Reading             string   `yaml:"reading"`
}

// SLATerms: the availability guarantee and its credits.
type SLATerms struct {
	Enabled          bool   `yaml:"enabled"`
	Target           Rate   `yaml:"target"`
	ThresholdMinutes int    `yaml:"threshold_minutes"`
	StepMinutes      int    `yaml:"step_minutes"`
	StepPercent      int    `yaml:"step_percent"`
	CapPercent       int    `yaml:"cap_percent"`
	CreditReading    string `yaml:"credit_reading"` // favourable, literal or full-hours
	ClaimWindow      Period `yaml:"claim_window"`
	ClaimFrom        string `yaml:"claim_from"`
	OpenInvoiceMeans string `yaml:"open_invoice_means"` // overdue or unpaid
	// ExcludedCauses lose their minutes; VoidingCauses void the month's credit.
	ExcludedCauses []string `yaml:"excluded_causes"`
	VoidingCauses  []string `yaml:"voiding_causes"`
	// CreditClauses back the credit computation, ExclusionClauses the exclusions;
	// Clauses the guarantee itself.
	CreditClauses    []string `yaml:"credit_clauses"`
	ExclusionClauses []string `yaml:"exclusion_clauses"`
	Clauses          []string `yaml:"clauses"`
	Reading          string   `yaml:"reading"`
	// Exclusions maps the reason an excluded interval gives (maintenance, ddos, …) to
	// the clause that excludes it; OverdueClauses exclude an outage that began while an
	// invoice was overdue (A03).
	Exclusions     map[string]string `yaml:"exclusions"`
	OverdueClauses []string          `yaml:"overdue_clauses"`
	// Measurement is how unavailability is measured (internal/sla).
	Measurement SLAMeasurement `yaml:"measurement"`
	// FreezeAfterMinutes: a month's figures are written once, this long after the month
	// ends; a later change is a recorded correction (INTERPRETATION.md, SLA).
	FreezeAfterMinutes int `yaml:"freeze_after_minutes"`
	// AutoApproveClaims lets a claim whose month was measured without manual intervals,
	// corrections or open questions become account credit without a staff decision.
	AutoApproveClaims bool `yaml:"auto_approve_claims"`
}

// MaintenanceTerms: planned maintenance and its announcement (cp.av.12.1, cp.av.12.2,
// fo.av.7.2, fo.av.7.3). Notice is how far ahead planned maintenance is announced to
// the customers it touches; the terms name no minimum (A03), the pack chooses one.
type MaintenanceTerms struct {
	Notice  Period   `yaml:"notice"`
	Clauses []string `yaml:"clauses"`
	Reading string   `yaml:"reading"`
}

// MonitoringTerms: what the provider keeps of its measurements. Raw check results are
// kept KeepResults (down intervals indefinitely: they are the evidence of the SLA
// figures, cp.av.19.5).
type MonitoringTerms struct {
	KeepResults Period   `yaml:"keep_results"`
	Clauses     []string `yaml:"clauses"`
	Reading     string   `yaml:"reading"`
}

// SecretLinkTerms bound the one-time links through which passwords are handed over
// instead of by mail, phone or chat (cp.security.passwords.4). The clause leaves the
// lifetime open; the pack states the shortest and longest a creator may choose.
type SecretLinkTerms struct {
	Shortest Duration `yaml:"shortest"`
	Longest  Duration `yaml:"longest"`
	MaxBytes int      `yaml:"max_bytes"`
	Clauses  []string `yaml:"clauses"`
	Reading  string   `yaml:"reading"`
}

// Duration is a length of time shorter than a day as a pack states it ("1h", "168h").
type Duration struct{ time.Duration }

// UnmarshalText reads a Go duration.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration back.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// SLAMeasurement: how the provider measures unavailability (cp.sla.availability.2;
// INTERPRETATION.md, "Measuring availability").
type SLAMeasurement struct {
	// ConfirmFailures is the run of consecutive failed checks that makes a component
	// down, from the first of them.
	ConfirmFailures int `yaml:"confirm_failures"`
	// MaxCheckGapMinutes: a location that has not checked a component for longer than
	// this has no known state in between (unknown counts as available).
	MaxCheckGapMinutes int `yaml:"max_check_gap_minutes"`
	// Components lists per service kind the components whose outage makes the service
	// unavailable; AllTargetsDown lists the components that are down only while every
	// target (every nameserver) is down.
	Components     map[string][]string `yaml:"components"`
	AllTargetsDown []string            `yaml:"all_targets_down"`
	Clauses        []string            `yaml:"clauses"`
	Reading        string              `yaml:"reading"`
}

// UsageTerms: metering, overage and fair use.
type UsageTerms struct {
	MeterPeriod        Period       `yaml:"meter_period"`
	CarryOver          bool         `yaml:"carry_over"`
	Overage            string       `yaml:"overage"` // published_price, fair_use
	UpgradeEffective   string       `yaml:"upgrade_effective"`
	DowngradeEffective string       `yaml:"downgrade_effective"`
	Clauses            []string     `yaml:"clauses"`
	Reading            string       `yaml:"reading"`
	FairUse            FairUseTerms `yaml:"fair_use"`
	// WarnAt are the shares of a plan's limit, in percent, at which the customer is
	// warned, once per month per resource per threshold (issue 15; provider default).
	WarnAt []int `yaml:"warn_at"`
	// OverageMode is what happens to usage above a limit when the customer chose
	// nothing: "bill" (published overage price, cp.av.5.11, cp.av.9.4), "raise" (the
	// plan is raised from the start of the month, cp.av.9.1) or "fair_use" (fo.av.12.4:
	// staff decide after a warning).
	OverageMode string `yaml:"overage_mode"`
	// CustomerChoosesMode: the customer may choose between bill and raise.
	CustomerChoosesMode bool          `yaml:"customer_chooses_mode"`
	OveragePrices       OveragePrices `yaml:"overage_prices"`
	TrafficClauses      []string      `yaml:"traffic_clauses"`
	// RaiseClauses allow raising the plan instead of billing the overage (cp.av.9.1).
	RaiseClauses   []string `yaml:"raise_clauses"`
	StorageClauses []string `yaml:"storage_clauses"`
}

// OveragePrices are the published prices of usage above a plan, per GB (10^9 bytes)
// excluding VAT: traffic per GB in the month, storage per GB of the month's highest
// use.
type OveragePrices struct {
	TrafficGB Money  `yaml:"traffic_gb"`
	StorageGB Money  `yaml:"storage_gb"`
	Reading   string `yaml:"reading"`
}

// FairUseTerms: the threshold above which a customer's use is unfair.
type FairUseTerms struct {
	Enabled          bool     `yaml:"enabled"`
	Multiplier       int      `yaml:"multiplier"`
	Statistic        string   `yaml:"statistic"` // mean
	MinPeers         int      `yaml:"min_peers"`
	WarningsRequired int      `yaml:"warnings_required"`
	Clauses          []string `yaml:"clauses"`
	Reading          string   `yaml:"reading"`
}

// LiabilityTerms: the cap on liability for direct damage per event.
type LiabilityTerms struct {
	Model               string   `yaml:"model"` // annual_fees or agreement_fees
	AbsoluteCap         Money    `yaml:"absolute_cap"`
	BusinessOnly        bool     `yaml:"business_only"`
	LongAgreementMonths int      `yaml:"long_agreement_months"`
	Clauses             []string `yaml:"clauses"`
	Reading             string   `yaml:"reading"`
}

// PriceIncreaseTerms: when and how prices of a running contract may rise.
type PriceIncreaseTerms struct {
	Enabled              bool     `yaml:"enabled"`
	FirstAfter           Period   `yaml:"first_after"`
	MaxOncePer           string   `yaml:"max_once_per"` // calendar_year or 12_months
	Notice               Period   `yaml:"notice"`
	IndexCapped          bool     `yaml:"index_capped"`
	CustomerCancelNotice Period   `yaml:"customer_cancel_notice"`
	ObjectionWithin      Period   `yaml:"objection_within"`
	Clauses              []string `yaml:"clauses"`
	Reading              string   `yaml:"reading"`
}

// TermsChangeTerms: when changed terms apply to existing contracts.
type TermsChangeTerms struct {
	EffectiveAfter  Period   `yaml:"effective_after"`
	ObjectionWithin Period   `yaml:"objection_within"`
	Clauses         []string `yaml:"clauses"`
	Reading         string   `yaml:"reading"`
}

// AuditTerms: the controller's audit of the provider as processor.
type AuditTerms struct {
	Notice      Period   `yaml:"notice"`
	MinInterval Period   `yaml:"min_interval"`
	Clauses     []string `yaml:"clauses"`
	Reading     string   `yaml:"reading"`
	// Precondition is what must come before an audit: AuditReportsFirst (the existing
	// reports are requested and found insufficient, cp.dpa.11.2) or AuditSuspicion (a
	// reasonable, written, substantiated suspicion of breach, fo.dpa.7.1).
	Precondition        string   `yaml:"precondition"`
	PreconditionClauses []string `yaml:"precondition_clauses"`
	// RepeatWithReport: a second request within MinInterval may be answered with the
	// relevant parts of the existing report (fo.dpa.7.2).
	RepeatWithReport bool     `yaml:"repeat_with_report"`
	RepeatClauses    []string `yaml:"repeat_clauses"`
	// CostClauses: who bears the audit's costs (the customer: cp.dpa.11.5, fo.dpa.7.4).
	CostClauses []string `yaml:"cost_clauses"`
}

// VATTerms: whether published prices include VAT.
type VATTerms struct {
	PricesIncludeVAT bool     `yaml:"prices_include_vat"`
	Clauses          []string `yaml:"clauses"`
}

// DeadlineTerms: a process deadline, counted from the event named in From.
type DeadlineTerms struct {
	Period  Period   `yaml:"period"`
	From    string   `yaml:"from"`
	Meaning string   `yaml:"meaning"`
	Clauses []string `yaml:"clauses"`
	Reading string   `yaml:"reading"`
}

// RetentionTerms: how long a category of data is kept after its trigger. Basis names
// a statute where no clause states the period (fiscal retention).
type RetentionTerms struct {
	Period  Period   `yaml:"period"`
	From    string   `yaml:"from"`
	Basis   string   `yaml:"basis"`
	Clauses []string `yaml:"clauses"`
	Reading string   `yaml:"reading"`
}

// Versions returns the pack's versions, oldest first.
func (pk *Pack) Versions() []*Policy { return append([]*Policy(nil), pk.versions...) }

// Latest returns the newest version.
func (pk *Pack) Latest() *Policy { return pk.versions[len(pk.versions)-1] }

// Calendar returns the provider's werkdagen calendar.
func (pk *Pack) Calendar() *Calendar { return pk.cal }

// At returns the version in force on d: the last one whose effective_from is on or
// before d.
func (pk *Pack) At(d Date) (*Policy, error) {
	if d.IsZero() {
		return nil, ErrNoDate
	}
	i := sort.Search(len(pk.versions), func(i int) bool { return pk.versions[i].EffectiveFrom.After(d) })
	if i == 0 {
		return nil, fmt.Errorf("pack %s has no terms in force on %s (the first version is effective from %s)",
			pk.Name, d, pk.versions[0].EffectiveFrom)
	}
	return pk.versions[i-1], nil
}

// Version returns the version with the given name.
func (pk *Pack) Version(name string) (*Policy, bool) {
	for _, v := range pk.versions {
		if v.Version == name {
			return v, true
		}
	}
	return nil, false
}

// Clauses returns every clause id the pack cites, sorted.
func (pk *Pack) Clauses() []string {
	seen := map[string]bool{}
	for _, c := range pk.Provider.Clauses {
		seen[c] = true
	}
	for _, v := range pk.versions {
		collectClauses(reflect.ValueOf(v), seen)
	}
	out := make([]string, 0, len(seen))
	for c := range seen {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// DomainTerms: domain names (cp.av.6.1-6.9, fo.av.10.1-10.6). DefaultCancelNotice is the notice
// before a domain is cancelled at the registry after the agreement was dissolved for
// non-payment (cp.av.6.9, fo.av.10.6); DataSharing cites where the terms tell the
// customer that the registrant's data go to the registry, recorded with each domain.
type DomainTerms struct {
	DefaultCancelNotice Period   `yaml:"default_cancel_notice"`
	Clauses             []string `yaml:"clauses"`
	DataSharing         []string `yaml:"data_sharing"`
	Reading             string   `yaml:"reading"`
}
