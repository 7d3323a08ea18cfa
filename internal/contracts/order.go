package contracts

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"golang.org/x/net/idna"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// Line is one priced line of a checkout, a quote or a contract's content.
type Line struct {
	Position          int             `json:"position"`
	PlanID            int64           `json:"plan_id"`
	Kind              catalog.Kind    `json:"kind"`
	Description       string          `json:"description"`
	Domain            string          `json:"domain"`
	Quantity          int             `json:"quantity"`
	Billing           catalog.Billing `json:"billing"`
	Period            terms.Period    `json:"period"`
	UnitPrice         terms.Money     `json:"unit_price"` // per Period (subscription) or per piece (one-off), excl. VAT
	TermPrice         terms.Money     `json:"term_price"` // one term (or the project), per piece
	SetupFee          terms.Money     `json:"setup_fee"`
	Amount            terms.Money     `json:"amount"` // (term price + setup fee) × quantity
	VATCategory       string          `json:"vat_category"`
	SLA               bool            `json:"sla"`
	RetentionCategory string          `json:"retention_category"`
	WaiverAvailable   bool            `json:"waiver_available"`
	WaiveWithdrawal   bool            `json:"waive_withdrawal"`
}

// VATLine is the VAT of one rate over the lines in its category.
type VATLine struct {
	Category string      `json:"category"`
	Rate     terms.Rate  `json:"rate"`
	Base     terms.Money `json:"base"`
	VAT      terms.Money `json:"vat"`
}

// Totals are a document's amounts: VAT once per rate (DESIGN.md, principle 7).
type Totals struct {
	VAT       []VATLine   `json:"vat"`
	TotalExcl terms.Money `json:"total_excl"`
	VATTotal  terms.Money `json:"vat_total"`
	TotalIncl terms.Money `json:"total_incl"`
}

// content is what acceptance is given to and hashed: canonical JSON (fixed field
// order, amounts as strings, dates as YYYY-MM-DD) of the lines, totals and terms.
type content struct {
	Type         string             `json:"type"` // order or quote
	QuoteID      int64              `json:"quote_id,omitempty"`
	OrgID        int64              `json:"org_id"`
	CustomerKind terms.CustomerKind `json:"customer_kind"`
	Lines        []Line             `json:"lines"`
	Totals       Totals             `json:"totals"`
	TermsVersion string             `json:"terms_version"`
	Expires      terms.Date         `json:"expires,omitzero"`
}

func (c content) hash() (string, string) {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // every field marshals
	}
	sum := sha256.Sum256(b)
	return string(b), hex.EncodeToString(sum[:])
}

// vatRate decides the VAT rate of a line for a customer (prices exclude VAT:
// cp.av.4.1, fo.av.15.1). A business outside the Netherlands with a VAT id is
// reverse-charged; a consumer in another member state pays that state's standard rate
// (One-Stop-Shop); everyone else the Dutch rate of the category.
func vatRate(pol *terms.Policy, c customer, category string, on terms.Date) (terms.Rate, terms.Explanation, error) {
	if c.Kind == terms.Business && c.Country != "NL" && c.VATID != "" {
		return 0, terms.Explanation{{Clause: joinClauses(pol.Terms.VAT.Clauses),
			Says:   "Prices exclude VAT; a business customer in another member state with a VAT id is invoiced without Dutch VAT (reverse charge).",
			Inputs: []terms.Input{{Name: "country", Value: c.Country}, {Name: "vat_id", Value: c.VATID}}, Value: "0%",
			Key: "vat.reverse_charge", Args: terms.StepArgs(map[string]any{"country": c.Country})}}, nil
	}
	if c.Kind == terms.Consumer && c.Country != "NL" && category == terms.VATStandard {
		if r, ex, err := pol.VATRate(c.Country, category, on); err == nil {
			return r, ex, nil
		}
	}
	return pol.VATRate("NL", category, on)
}

func computeTotals(pol *terms.Policy, c customer, lines []Line, on terms.Date) (Totals, terms.Explanation, error) {
	base := map[string]terms.Money{}
	for _, l := range lines {
		base[l.VATCategory] += l.Amount
	}
	cats := make([]string, 0, len(base))
	for k := range base {
		cats = append(cats, k)
	}
	sort.Strings(cats)
	var t Totals
	var ex terms.Explanation
	for _, cat := range cats {
		r, e, err := vatRate(pol, c, cat, on)
		if err != nil {
			return Totals{}, nil, err
		}
		ex = append(ex, e...)
		v := terms.VATAmount(base[cat], r)
		t.VAT = append(t.VAT, VATLine{Category: cat, Rate: r, Base: base[cat], VAT: v})
		t.TotalExcl += base[cat]
		t.VATTotal += v
	}
	t.TotalIncl = t.TotalExcl + t.VATTotal
	return t, ex, nil
}

var (
	domainRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
)

// checkDomain checks a domain name's syntax. A name in another script (bücher.nl) is
// converted to its ASCII form (xn--bcher-kva.nl) by IDNA 2008's registration rules,
// which also refuse what a registry would (mixed directions, disallowed characters);
// the ASCII form is what is stored and registered. Whether the name is still free is
// for a registrar driver, which does not exist yet.
func checkDomain(fe accounts.FieldErrors, field, name, tld string) string {
	name = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
	if name != "" {
		ascii, err := idna.Registration.ToASCII(name)
		if err != nil {
			fe[field] = i18n.T("contracts.not_valid_domain_name")
			return name
		}
		name = ascii
	}
	switch {
	case tld != "" && name == "":
		fe[field] = i18n.T("contracts.give_domain_name_register")
	case name == "":
	case len(name) > 253 || !domainRE.MatchString(name):
		fe[field] = i18n.T("contracts.not_valid_domain_name")
	case tld != "" && (!strings.HasSuffix(name, "."+tld) || strings.Count(strings.TrimSuffix(name, "."+tld), ".") > 0):
		fe[field] = i18n.T("contracts.this_plan_registers_name", tld, tld)
	}
	return name
}

// OrderLine is one line of a web order.
type OrderLine struct {
	PlanID   int64  `json:"plan_id"`
	Quantity int    `json:"quantity"` // at least 1
	Domain   string `json:"domain"`   // the domain to register (domain plans) or the service's host name
	// WaiveWithdrawal: a consumer consents to immediate delivery of a domain
	// registration and waives the right of withdrawal for it (cp.av.13.9).
	WaiveWithdrawal bool `json:"waive_withdrawal"`
}

// CheckoutInput asks what an order would cost and on which terms.
type CheckoutInput struct {
	OrgID int64       `json:"org_id"`
	Lines []OrderLine `json:"lines"`
}

// WithdrawalInfo is what a consumer is told about the right of withdrawal before
// ordering (cp.av.13.9, cp.withdrawal.right.1).
type WithdrawalInfo struct {
	LastDay     terms.Date        `json:"last_day"`
	Explanation terms.Explanation `json:"explanation"`
	Text        string            `json:"text"`
}

// Checkout is an order's price and terms, shown before the customer confirms.
type Checkout struct {
	OrgID          int64              `json:"org_id"`
	CustomerKind   terms.CustomerKind `json:"customer_kind"`
	TermsVersion   string             `json:"terms_version"` // what PlaceOrder must accept
	Lines          []Line             `json:"lines"`
	Totals         Totals             `json:"totals"`
	VATExplanation terms.Explanation  `json:"vat_explanation"`
	// The term: FirstRenewal is start + the initial term; a cancellation received on or
	// before CancelDeadline ends the contract on EarliestEnd.
	FirstRenewal   terms.Date        `json:"first_renewal"`
	CancelDeadline terms.Date        `json:"cancel_deadline"`
	EarliestEnd    terms.Date        `json:"earliest_end"`
	Renewal        terms.Explanation `json:"renewal"`
	Cancellation   terms.Explanation `json:"cancellation"`
	TermText       string            `json:"term_text"`
	Withdrawal     *WithdrawalInfo   `json:"withdrawal,omitempty"`
}

// Checkout prices an order for the customer: excl. and incl. VAT, the term, renewal
// and cancellation rules and, for a consumer, the withdrawal information.
func (s *Service) Checkout(ctx context.Context, by accounts.Principal, in CheckoutInput) (Checkout, error) {
	if err := by.Check(accounts.ContractRead, accounts.OrgID(in.OrgID)); err != nil {
		return Checkout{}, err
	}
	_, _, co, err := s.buildOrder(ctx, by, in)
	return co, err
}

func (s *Service) buildOrder(ctx context.Context, by accounts.Principal, in CheckoutInput) (customer, *terms.Policy, Checkout, error) {
	cust, err := s.customer(ctx, by, in.OrgID)
	if err != nil {
		return customer{}, nil, Checkout{}, err
	}
	today := s.today()
	pol, err := s.policy(today)
	if err != nil {
		return customer{}, nil, Checkout{}, err
	}
	fe := accounts.FieldErrors{}
	if (cust.Kind == terms.Consumer && !pol.Terms.Customers.Consumers) || (cust.Kind == terms.Business && !pol.Terms.Customers.Businesses) {
		fe["org_id"] = i18n.T("contracts.these_terms_do_not", cust.Kind, joinClauses(pol.Terms.Customers.Clauses))
	}
	if len(in.Lines) == 0 || len(in.Lines) > 50 {
		fe["lines"] = i18n.T("contracts.order_between_1_50")
	}
	co := Checkout{OrgID: cust.ID, CustomerKind: cust.Kind}
	for i, ol := range in.Lines {
		f := func(name string) string { return fmt.Sprintf("lines[%d].%s", i, name) }
		if ol.Quantity < 1 || ol.Quantity > 100 {
			fe[f("quantity")] = i18n.T("contracts.order_between_1_100")
		}
		var plan catalog.Plan
		if s.plans == nil {
			return customer{}, nil, Checkout{}, errors.New("contracts: no catalog configured")
		}
		plan, err := s.plans.GetPlan(ctx, ol.PlanID)
		if errors.Is(err, accounts.ErrNotFound) || (err == nil && (plan.Pack != s.pack.Name || !plan.Active)) {
			fe[f("plan_id")] = i18n.T("contracts.choose_plan_from_catalog")
			continue
		} else if err != nil {
			return customer{}, nil, Checkout{}, err
		}
		domain := checkDomain(fe, f("domain"), ol.Domain, plan.TLD)
		if err := s.orderableDomain(ctx, fe, f("domain"), cust.ID, plan, domain); err != nil {
			return customer{}, nil, Checkout{}, err
		}
		if plan.ProductKind == catalog.KindDomain && ol.Quantity != 1 {
			fe[f("quantity")] = i18n.T("contracts.register_one_domain_name")
		}
		waivable := plan.WithdrawalWaivable && cust.Kind == terms.Consumer && pol.Terms.Withdrawal.Enabled
		if ol.WaiveWithdrawal && !waivable {
			fe[f("waive_withdrawal")] = i18n.T("contracts.waiver_domain_only", cites(pol.WaiverClauses()))
		}
		l := Line{Position: i + 1, PlanID: plan.ID, Kind: plan.ProductKind, Description: plan.Label(), Domain: domain, Quantity: ol.Quantity,
			Billing: plan.Billing, Period: plan.Period, UnitPrice: plan.Price, SetupFee: plan.SetupFee, VATCategory: plan.VATCategory,
			SLA: plan.SLA, RetentionCategory: plan.RetentionCategory, WaiverAvailable: waivable, WaiveWithdrawal: ol.WaiveWithdrawal && waivable}
		l.TermPrice, _ = termPrice(pol, l.Billing, l.Period, l.UnitPrice) // a line stores no explanation
		l.Amount = (l.TermPrice + l.SetupFee).Mul(int64(max(l.Quantity, 0)))
		co.Lines = append(co.Lines, l)
	}
	if len(fe) > 0 {
		return customer{}, nil, Checkout{}, fe
	}
	if co.Totals, co.VATExplanation, err = computeTotals(pol, cust, co.Lines, today); err != nil {
		return customer{}, nil, Checkout{}, termsErr(err, "org_id")
	}
	if co.TermsVersion, err = s.currentTermsVersion(ctx, s.db, today); err != nil {
		return customer{}, nil, Checkout{}, err
	}
	if err := s.describeTerms(pol, cust.Kind, today, &co); err != nil {
		return customer{}, nil, Checkout{}, err
	}
	return cust, pol, co, nil
}

// describeTerms fills the term, renewal, cancellation and withdrawal information of a
// contract concluded on start, all from the terms engine.
func (s *Service) describeTerms(pol *terms.Policy, kind terms.CustomerKind, start terms.Date, co *Checkout) error {
	ren, rex, err := pol.Renewals(start, 1)
	if err != nil {
		return err
	}
	can, cex, err := pol.Cancellation(terms.CancellationInput{Customer: kind, Start: start, Received: start})
	if err != nil {
		return termsErr(err, "org_id")
	}
	co.FirstRenewal, co.CancelDeadline, co.EarliestEnd = ren.Renewals[0], can.Deadline, can.Ends
	co.Renewal, co.Cancellation = rex, cex
	co.TermText = rex.Text() + cex.Text()
	if kind == terms.Consumer && pol.Terms.Withdrawal.Enabled {
		w, wex, err := pol.Withdrawal(terms.WithdrawalInput{Customer: kind, Concluded: start, Received: start})
		if err != nil {
			return err
		}
		co.Withdrawal = &WithdrawalInfo{LastDay: w.LastDay, Explanation: wex, Text: wex.Text()}
	}
	return nil
}

// OrderInput places a web order (cp.av.2.1: the electronic ordering process).
type OrderInput struct {
	OrgID int64       `json:"org_id"`
	Lines []OrderLine `json:"lines"`
	// TermsVersion is the version the customer was shown and accepts; it must be the
	// current one. AcceptTerms is the tick in the box.
	TermsVersion string `json:"terms_version"`
	AcceptTerms  bool   `json:"accept_terms"`
	// ExpressStart: the consumer asks for the service to start during the withdrawal
	// period (the days used are then deducted on withdrawal, cp.withdrawal.*).
	ExpressStart   bool   `json:"express_start"`
	IdempotencyKey string `json:"idempotency_key"`
	IP             string `json:"-"`
	UserAgent      string `json:"-"`
}

// PlaceOrder concludes a contract from a web order. A second submission with the same
// idempotency key returns the first contract and creates nothing.
func (s *Service) PlaceOrder(ctx context.Context, by accounts.Principal, in OrderInput) (Contract, error) {
	if err := by.Check(accounts.OrderPlace, accounts.OrgID(in.OrgID)); err != nil {
		return Contract{}, err
	}
	reqHash := requestHash(orderRequest{Type: "order", OrgID: in.OrgID, Lines: in.Lines, TermsVersion: in.TermsVersion,
		AcceptTerms: in.AcceptTerms, ExpressStart: in.ExpressStart})
	if c, ok, err := s.byKey(ctx, in.IdempotencyKey, in.OrgID, reqHash); err != nil || ok {
		return c, err
	}
	cust, pol, co, err := s.buildOrder(ctx, by, CheckoutInput{OrgID: in.OrgID, Lines: in.Lines})
	if err != nil {
		return Contract{}, err
	}
	fe := accounts.FieldErrors{}
	validKey(fe, in.IdempotencyKey)
	if !in.AcceptTerms {
		fe["accept_terms"] = i18n.T("contracts.accept_terms_order")
	}
	if in.TermsVersion != co.TermsVersion {
		fe["terms_version"] = i18n.T("contracts.accept_current_terms_version", co.TermsVersion)
	}
	if len(fe) > 0 {
		return Contract{}, fe
	}
	if refused, err := s.refused(ctx, s.db, cust.ID); err != nil {
		return Contract{}, err
	} else if refused {
		return Contract{}, s.refusedErr()
	}
	body := content{Type: "order", OrgID: cust.ID, CustomerKind: cust.Kind, Lines: co.Lines, Totals: co.Totals, TermsVersion: co.TermsVersion}
	js, hash := body.hash()
	channel := ChannelPortal
	if by.IsStaff() {
		channel = ChannelOrder
	}
	nc := newContract{cust: cust, source: "order", key: in.IdempotencyKey, requestHash: reqHash, channel: channel, co: co, contentJSON: js, contentHash: hash,
		by: by, ip: in.IP, ua: in.UserAgent, expressStart: in.ExpressStart}
	return s.conclude(actorFor(ctx, by), pol, nc, nil)
}

// ErrIdempotencyConflict: the idempotency key was already used for a different request.
// A key makes a retry of the same request safe; it never answers another request with
// the first one's contract (issue 8, finding 9).
var ErrIdempotencyConflict = errors.New("contracts: this idempotency key was already used for a different request; send a new key with each new request")

// orderRequest is what identifies an order under its idempotency key: everything the
// customer chose, not where it came from (a retry may come from another address).
type orderRequest struct {
	Type         string      `json:"type"`
	OrgID        int64       `json:"org_id"`
	QuoteID      int64       `json:"quote_id,omitempty"`
	ContentHash  string      `json:"content_hash,omitempty"`
	Lines        []OrderLine `json:"lines,omitempty"`
	TermsVersion string      `json:"terms_version,omitempty"`
	AcceptTerms  bool        `json:"accept_terms,omitempty"`
	ExpressStart bool        `json:"express_start,omitempty"`
}

func requestHash(r orderRequest) string {
	b, err := json.Marshal(r)
	if err != nil {
		panic(err) // every field marshals
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// byKey returns the contract a previous submission with this key created, when that
// submission was the same request (reqHash); another request under the key is
// ErrIdempotencyConflict.
func (s *Service) byKey(ctx context.Context, key string, orgID int64, reqHash string) (Contract, bool, error) {
	if key == "" {
		return Contract{}, false, nil
	}
	var id, org int64
	var stored string
	err := s.db.QueryRowContext(ctx, `SELECT id, org_id, request_hash FROM contracts WHERE idempotency_key = $1`, key).Scan(&id, &org, &stored)
	if errors.Is(err, sql.ErrNoRows) {
		return Contract{}, false, nil
	} else if err != nil {
		return Contract{}, false, err
	}
	if org != orgID {
		return Contract{}, false, accounts.FieldErrors{"idempotency_key": i18n.T("contracts.this_key_was_already")}
	}
	if stored != "" && stored != reqHash {
		return Contract{}, false, ErrIdempotencyConflict
	}
	c, err := getContract(ctx, s.db, id)
	return c, err == nil, err
}

type newContract struct {
	cust         customer
	source       string
	quoteID      int64
	key          string
	requestHash  string
	channel      string
	co           Checkout
	contentJSON  string
	contentHash  string
	by           accounts.Principal
	ip, ua       string
	expressStart bool
}

var (
	errExists     = errors.New("contract exists")
	errQuoteTaken = errors.New("quote already accepted")
)

// conclude creates the contract and its subscriptions in one transaction (the first
// statement claims the idempotency key, so a concurrent double submit waits and then
// finds it taken), then provisions the services. extra runs in the same transaction
// after the contract exists (a quote's status change).
func (s *Service) conclude(ctx context.Context, pol *terms.Policy, nc newContract, extra func(ctx context.Context, q store.Querier, contractID int64) error) (Contract, error) {
	var id int64
	err := s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		today := dateOf(now)
		winfo := ""
		if nc.co.Withdrawal != nil {
			winfo = nc.co.Withdrawal.Text
		}
		var quoteID any
		if nc.quoteID != 0 {
			quoteID = nc.quoteID
		}
		err := q.QueryRowContext(ctx, `INSERT INTO contracts (pack, org_id, source, quote_id, idempotency_key, status, customer_kind, org_name, org_email,
			org_lang, org_country, terms_version, concluded_on, channel, accepted_at, accepted_by, accepted_by_label, accepted_ip, accepted_user_agent,
			content_json, content_hash, withdrawal_info, express_start, total_excl, vat, total_incl, created_at, request_hash)
			VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $14, $26)
			ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
			s.pack.Name, nc.cust.ID, nc.source, quoteID, nc.key, string(nc.cust.Kind), nc.cust.Name, nc.cust.Email,
			nc.cust.Lang, nc.cust.Country, nc.co.TermsVersion, today, nc.channel, now, nc.by.User.ID, nc.by.User.Email, nc.ip, nc.ua,
			nc.contentJSON, nc.contentHash, winfo, nc.expressStart, nc.co.Totals.TotalExcl, nc.co.Totals.VATTotal, nc.co.Totals.TotalIncl, nc.requestHash).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return errExists
		}
		if store.IsUniqueViolation(err) {
			// Another contract holds the quote. On PostgreSQL a concurrent submission with
			// the same key can meet the quote's unique index before the key's, so this
			// may still be our own double submit: decided after the transaction.
			return errQuoteTaken
		}
		if err != nil {
			return err
		}
		var waived []string
		for _, l := range nc.co.Lines {
			var termStart, termEnd terms.Date
			if l.Billing == catalog.Subscription {
				r, _, err := pol.Renewals(today, 1)
				if err != nil {
					return err
				}
				termStart, termEnd = today, r.Renewals[0]
			}
			var started, waivedAt any
			if nc.expressStart || l.WaiveWithdrawal || nc.cust.Kind == terms.Business {
				started = today.String()
			}
			if l.WaiveWithdrawal {
				waivedAt = now
				waived = append(waived, l.Domain)
			}
			if _, err := q.ExecContext(ctx, `INSERT INTO subscriptions (contract_id, org_id, pack, position, plan_id, kind, name, domain, quantity,
				billing, period, price, setup_fee, vat_category, sla, retention_category, status, start_on, term_no, term_start, term_end,
				withdrawal_waived, waived_at, service_started_on, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 'pending', $17, 1, $18, $19, $20, $21, $22, $23, $23)`,
				id, nc.cust.ID, s.pack.Name, l.Position, l.PlanID, string(l.Kind), l.Description, l.Domain, l.Quantity,
				string(l.Billing), periodString(l.Period), l.UnitPrice, l.SetupFee, l.VATCategory, l.SLA, l.RetentionCategory, today,
				nullDate(termStart), nullDate(termEnd), l.WaiveWithdrawal, waivedAt, started, now); err != nil {
				return err
			}
		}
		summary := fmt.Sprintf("contract concluded from %s (%d lines, %s excl. VAT), terms version %s accepted by %s from %s; content sha256 %s",
			nc.source, len(nc.co.Lines), nc.co.Totals.TotalExcl, nc.co.TermsVersion, nc.by.User.Email, nc.ip, nc.contentHash)
		if len(waived) > 0 {
			summary += fmt.Sprintf("; consent to immediate delivery and waiver of withdrawal for %s%s", strings.Join(waived, ", "), cites(pol.WaiverClauses()))
		}
		if err := record(ctx, q, now, nc.cust.ID, "contract.conclude", "contract", id, summary); err != nil {
			return err
		}
		if extra != nil {
			if err := extra(ctx, q, id); err != nil {
				return err
			}
		}
		var shown []ShownDocument
		if s.docs != nil {
			if shown, err = s.docs.RecordShown(ctx, q, id, nc.cust.ID, nc.cust.Kind == terms.Consumer, nc.cust.Lang, today); err != nil {
				return err
			}
		}
		return s.mailConcluded(ctx, q, now, id, nc, waived, shown)
	})
	if errors.Is(err, errQuoteTaken) {
		if c, ok, kerr := s.byKey(ctx, nc.key, nc.cust.ID, nc.requestHash); errors.Is(kerr, ErrIdempotencyConflict) {
			return Contract{}, kerr
		} else if kerr != nil || !ok || c.QuoteID != nc.quoteID {
			return Contract{}, accounts.FieldErrors{"quote": i18n.T("contracts.this_quote_has_already")}
		}
		err = errExists
	}
	if errors.Is(err, errExists) {
		c, ok, err := s.byKey(ctx, nc.key, nc.cust.ID, nc.requestHash)
		if err != nil {
			return Contract{}, err
		}
		if !ok {
			return Contract{}, accounts.FieldErrors{"idempotency_key": i18n.T("contracts.this_key_was_already")}
		}
		if c.ContentHash != nc.contentHash {
			return Contract{}, ErrIdempotencyConflict
		}
		return c, nil
	}
	if err != nil {
		return Contract{}, err
	}
	s.provisionContract(ctx, id)
	return getContract(ctx, s.db, id)
}

func periodString(p terms.Period) string {
	if p.IsZero() {
		return ""
	}
	return p.String()
}

type mailLine struct {
	Name   string
	Domain string
	Amount string
}

func (s *Service) mailConcluded(ctx context.Context, q store.Querier, now time.Time, id int64, nc newContract, waived []string, shown []ShownDocument) error {
	var lines []mailLine
	for _, l := range nc.co.Lines {
		lines = append(lines, mailLine{Name: l.Description, Domain: l.Domain, Amount: l.Amount.In(nc.cust.Lang)})
	}
	data := map[string]any{
		"Name": nc.cust.Name, "ContractID": id, "Lines": lines, "TotalExcl": nc.co.Totals.TotalExcl,
		"VAT": nc.co.Totals.VATTotal, "TotalIncl": nc.co.Totals.TotalIncl, "TermsVersion": nc.co.TermsVersion,
		"FirstRenewal": nc.co.FirstRenewal, "CancelDeadline": nc.co.CancelDeadline, "Hash": nc.contentHash,
		"Withdrawal": nc.co.Withdrawal != nil, "WithdrawalLastDay": "", "Waived": strings.Join(waived, ", "),
		"Link": s.baseURL + fmt.Sprintf("/portal/contracts/%d", id), "Documents": shown,
	}
	if nc.co.Withdrawal != nil {
		data["WithdrawalLastDay"] = nc.co.Withdrawal.LastDay
	}
	return s.mail(ctx, q, now, nc.cust.ID, nc.cust.Email, nc.cust.Lang, "contract_concluded", fmt.Sprintf("contract:%d:concluded", id), data)
}

// provisionContract provisions the contract's pending services; failures stay pending
// for ProvisionPending.
func (s *Service) provisionContract(ctx context.Context, contractID int64) {
	subs, err := listSubs(ctx, s.db, `WHERE contract_id = $1 AND status = 'pending' ORDER BY position`, contractID)
	if err != nil {
		s.log.Error("contracts: list pending subscriptions", "contract", contractID, "err", err)
		return
	}
	for _, sub := range subs {
		if err := s.provision(ctx, sub); err != nil {
			s.log.Error("contracts: provision", "subscription", sub.ID, "err", err)
		}
	}
}

func (s *Service) provision(ctx context.Context, sub Subscription) error {
	if err := s.prov.Provision(ctx, sub); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		res, err := q.ExecContext(ctx, `UPDATE subscriptions SET status = 'active', provisioned_at = $1, updated_at = $1 WHERE id = $2 AND status = 'pending'`, now, sub.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return nil
		}
		return record(jobCtx(ctx, "provision"), q, now, sub.OrgID, "subscription.activate", "subscription", sub.ID, fmt.Sprintf("%s provisioned and active", sub.Name))
	})
}

// ProvisionPending retries provisioning of services still pending.
func (s *Service) ProvisionPending(ctx context.Context) error {
	subs, err := listSubs(ctx, s.db, `WHERE pack = $1 AND status = 'pending' AND (ends_on IS NULL) ORDER BY id`, s.pack.Name)
	if err != nil {
		return err
	}
	var errs []error
	for _, sub := range subs {
		errs = append(errs, s.provision(ctx, sub))
	}
	return errors.Join(errs...)
}
