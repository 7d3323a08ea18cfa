package contracts

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// Quote statuses.
const (
	QuoteDraft    = "draft"
	QuoteSent     = "sent"
	QuoteAccepted = "accepted"
	QuoteDeclined = "declined"
)

// Quote is an offer (offerte) staff draft and send (cp.av.2.1-2.2, fo.av.2.1-2.3).
type Quote struct {
	ID                    int64              `json:"id"`
	Pack                  string             `json:"pack"`
	OrgID                 int64              `json:"org_id"`
	Status                string             `json:"status"`
	Title                 string             `json:"title"`
	CustomerKind          terms.CustomerKind `json:"customer_kind"`
	Lines                 []Line             `json:"lines"`
	Totals                Totals             `json:"totals"`
	ValidUntil            terms.Date         `json:"valid_until,omitzero"` // the quote's own validity, if it states one
	TermsVersion          string             `json:"terms_version"`
	SentOn                terms.Date         `json:"sent_on,omitzero"`
	ExpiresOn             terms.Date         `json:"expires_on,omitzero"` // last day it can be accepted
	ExpiryExplanation     terms.Explanation  `json:"expiry_explanation,omitempty"`
	ContentJSON           string             `json:"content_json,omitempty"`
	ContentHash           string             `json:"content_hash,omitempty"`
	LateAcceptanceAllowed bool               `json:"late_acceptance_allowed"`
	DeclineReason         string             `json:"decline_reason,omitempty"`
	ContractID            int64              `json:"contract_id,omitempty"`
	CreatedAt             time.Time          `json:"created_at"`
}

// QuoteLineInput is a quote line: a catalog plan (PlanID; UnitPrice or SetupFee > 0
// override the catalog's) or a free line (PlanID 0).
type QuoteLineInput struct {
	PlanID            int64           `json:"plan_id"`
	Description       string          `json:"description"`
	Domain            string          `json:"domain"`
	Quantity          int             `json:"quantity"`
	Billing           catalog.Billing `json:"billing"`
	Period            string          `json:"period"`
	UnitPrice         terms.Money     `json:"unit_price"`
	SetupFee          terms.Money     `json:"setup_fee"`
	VATCategory       string          `json:"vat_category"`
	SLA               bool            `json:"sla"`
	RetentionCategory string          `json:"retention_category"`
}

// QuoteInput drafts a quote.
type QuoteInput struct {
	OrgID int64            `json:"org_id"`
	Title string           `json:"title"`
	Lines []QuoteLineInput `json:"lines"`
	// ValidUntil: the quote states its own validity (cp.av.2.2, fo.av.2.3 "unless the
	// quote states otherwise"); zero means the terms' period from sending.
	ValidUntil terms.Date `json:"valid_until"`
}

func (s *Service) quoteLines(ctx context.Context, pol *terms.Policy, in QuoteInput, fe accounts.FieldErrors) ([]Line, error) {
	if len(in.Lines) == 0 || len(in.Lines) > 100 {
		fe["lines"] = i18n.T("contracts.quote_has_between_1")
	}
	var out []Line
	for i, ql := range in.Lines {
		f := func(name string) string { return fmt.Sprintf("lines[%d].%s", i, name) }
		if ql.Quantity < 1 || ql.Quantity > 10000 {
			fe[f("quantity")] = i18n.T("contracts.give_quantity_between_1")
		}
		if ql.UnitPrice < 0 || ql.UnitPrice > terms.Euros(10_000_000) {
			fe[f("unit_price")] = i18n.T("contracts.give_price_least_0")
		}
		if ql.SetupFee < 0 || ql.SetupFee > terms.Euros(10_000_000) {
			fe[f("setup_fee")] = i18n.T("contracts.give_setup_fee_least")
		}
		l := Line{Position: i + 1, Quantity: ql.Quantity}
		if ql.PlanID != 0 {
			plan, err := s.plans.GetPlan(ctx, ql.PlanID)
			if errors.Is(err, accounts.ErrNotFound) || (err == nil && plan.Pack != s.pack.Name) {
				fe[f("plan_id")] = i18n.T("contracts.choose_plan_from_catalog")
				continue
			} else if err != nil {
				return nil, err
			}
			l.PlanID, l.Kind, l.Description, l.Billing, l.Period = plan.ID, plan.ProductKind, plan.Label(), plan.Billing, plan.Period
			l.UnitPrice, l.SetupFee, l.VATCategory, l.SLA, l.RetentionCategory = plan.Price, plan.SetupFee, plan.VATCategory, plan.SLA, plan.RetentionCategory
			if d := strings.TrimSpace(ql.Description); d != "" {
				l.Description = d
			}
			if ql.UnitPrice > 0 {
				l.UnitPrice = ql.UnitPrice
			}
			if ql.SetupFee > 0 {
				l.SetupFee = ql.SetupFee
			}
			l.Domain = checkDomain(fe, f("domain"), ql.Domain, plan.TLD)
		} else {
			l.Kind, l.Description, l.Billing = catalog.KindCustom, strings.TrimSpace(ql.Description), ql.Billing
			l.UnitPrice, l.SetupFee, l.SLA, l.RetentionCategory = ql.UnitPrice, ql.SetupFee, ql.SLA, ql.RetentionCategory
			l.VATCategory = ql.VATCategory
			if l.VATCategory == "" {
				l.VATCategory = terms.VATStandard
			}
			if l.Description == "" || len(l.Description) > 500 {
				fe[f("description")] = i18n.T("contracts.describe_line_most_500")
			}
			switch l.Billing {
			case catalog.Subscription:
				p, err := terms.ParsePeriod(ql.Period)
				if m, ok := p.InMonths(); err != nil || !ok || m <= 0 || 12%m != 0 {
					fe[f("period")] = i18n.T("contracts.subscriptions_price_per_month")
				}
				l.Period = p
			case catalog.OneOff:
				if ql.Period != "" {
					fe[f("period")] = i18n.T("contracts.one_off_line_has")
				}
			default:
				fe[f("billing")] = i18n.T("contracts.choose_subscription_one_off")
			}
			if !slices.Contains([]string{terms.VATStandard, terms.VATReduced, terms.VATZero}, l.VATCategory) {
				fe[f("vat_category")] = i18n.T("contracts.choose_standard_reduced_zero")
			}
			if l.SLA && !pol.Terms.SLA.Enabled {
				fe[f("sla")] = i18n.T("contracts.these_terms_give_no")
			}
			if l.RetentionCategory != "" && !slices.Contains(pol.RetentionCategories(), l.RetentionCategory) {
				fe[f("retention_category")] = i18n.T("contracts.retention_category", strings.Join(pol.RetentionCategories(), ", "))
			}
			l.Domain = checkDomain(fe, f("domain"), ql.Domain, "")
		}
		l.TermPrice, _ = termPrice(pol, l.Billing, l.Period, l.UnitPrice) // a line stores no explanation
		l.Amount = (l.TermPrice + l.SetupFee).Mul(int64(max(l.Quantity, 0)))
		out = append(out, l)
	}
	return out, nil
}

// draftQuote checks a quote as staff entered it — title, validity, whether the terms
// serve this kind of customer, every line — and prices it; CreateQuote and UpdateQuote
// both store what it returns.
func (s *Service) draftQuote(ctx context.Context, pol *terms.Policy, cust customer, in *QuoteInput, today terms.Date) ([]Line, Totals, string, error) {
	fe := accounts.FieldErrors{}
	in.Title = strings.TrimSpace(in.Title)
	if in.Title == "" || len(in.Title) > 200 {
		fe["title"] = i18n.T("contracts.give_title_most_200")
	}
	if !in.ValidUntil.IsZero() && in.ValidUntil.Before(today) {
		fe["valid_until"] = i18n.T("contracts.cannot_past")
	}
	if (cust.Kind == terms.Consumer && !pol.Terms.Customers.Consumers) || (cust.Kind == terms.Business && !pol.Terms.Customers.Businesses) {
		fe["org_id"] = i18n.T("contracts.these_terms_do_not", cust.Kind, joinClauses(pol.Terms.Customers.Clauses))
	}
	lines, err := s.quoteLines(ctx, pol, *in, fe)
	if err != nil {
		return nil, Totals{}, "", err
	}
	if len(fe) > 0 {
		return nil, Totals{}, "", fe
	}
	totals, _, err := computeTotals(pol, cust, lines, today)
	if err != nil {
		return nil, Totals{}, "", termsErr(err, "org_id")
	}
	vj, _ := json.Marshal(totals.VAT) // cannot fail: rates and amounts always encode
	return lines, totals, string(vj), nil
}

// CreateQuote drafts a quote from catalog plans or free lines. Staff with the sales role.
func (s *Service) CreateQuote(ctx context.Context, by accounts.Principal, in QuoteInput) (Quote, error) {
	if err := by.Check(accounts.QuoteManage, accounts.OrgID(in.OrgID)); err != nil {
		return Quote{}, err
	}
	cust, err := s.customer(ctx, by, in.OrgID)
	if errors.Is(err, accounts.ErrNotFound) {
		return Quote{}, accounts.FieldErrors{"org_id": i18n.T("contracts.no_such_customer")}
	} else if err != nil {
		return Quote{}, err
	}
	today := s.today()
	pol, err := s.policy(today)
	if err != nil {
		return Quote{}, err
	}
	lines, totals, vj, err := s.draftQuote(ctx, pol, cust, &in, today)
	if err != nil {
		return Quote{}, err
	}
	ctx = actorFor(ctx, by)
	var id int64
	err = s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		if err := q.QueryRowContext(ctx, `INSERT INTO quotes (pack, org_id, status, title, customer_kind, total_excl, vat, total_incl, vat_json,
			valid_until, created_by, created_at, updated_at) VALUES ($1, $2, 'draft', $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
			s.pack.Name, cust.ID, in.Title, string(cust.Kind), totals.TotalExcl, totals.VATTotal, totals.TotalIncl, vj,
			nullDate(in.ValidUntil), by.User.ID, now).Scan(&id); err != nil {
			return err
		}
		for _, l := range lines {
			if _, err := q.ExecContext(ctx, `INSERT INTO quote_lines (quote_id, position, plan_id, kind, description, domain, quantity, billing,
				period, unit_price, term_price, setup_fee, amount, vat_category, sla, retention_category)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
				id, l.Position, l.PlanID, string(l.Kind), l.Description, l.Domain, l.Quantity, string(l.Billing), periodString(l.Period),
				l.UnitPrice, l.TermPrice, l.SetupFee, l.Amount, l.VATCategory, l.SLA, l.RetentionCategory); err != nil {
				return err
			}
		}
		return record(ctx, q, now, cust.ID, "quote.create", "quote", id, fmt.Sprintf("quote %q drafted: %d lines, %s excl. VAT", in.Title, len(lines), totals.TotalExcl))
	})
	if err != nil {
		return Quote{}, err
	}
	return getQuote(ctx, s.db, id)
}

// SendQuote sends a draft to the customer by e-mail with a link to accept it and a
// link to its PDF; from then on its content is frozen and hashed, and it expires per
// the terms (C01: cp.av.2.2, fo.av.2.3) unless it states its own validity. The PDF is
// not attached: the outbox carries text only, so the portal renders it on request
// from the frozen content (QuotePDF), and it always matches the hashed content.
func (s *Service) SendQuote(ctx context.Context, by accounts.Principal, id int64) (Quote, error) {
	if err := by.Check(accounts.QuoteManage, accounts.Provider); err != nil {
		return Quote{}, err
	}
	qt, err := getQuote(ctx, s.db, id)
	if err != nil {
		return Quote{}, err
	}
	if qt.Status != QuoteDraft {
		return Quote{}, accounts.FieldErrors{"quote": i18n.T("contracts.only_draft_can_sent")}
	}
	cust, err := s.customer(ctx, by, qt.OrgID)
	if err != nil {
		return Quote{}, err
	}
	today := s.today()
	pol, err := s.policy(today)
	if err != nil {
		return Quote{}, err
	}
	res, ex, err := pol.QuoteExpiry(today)
	if err != nil {
		return Quote{}, err
	}
	expires := res.Expires
	if !qt.ValidUntil.IsZero() {
		expires = qt.ValidUntil
		ex = append(ex, terms.Step{Clause: joinClauses(pol.Terms.Quote.Clauses), Says: "The quote states its own validity, which applies instead.",
			Inputs: []terms.Input{{Name: "valid_until", Value: qt.ValidUntil.String()}}, Value: expires.String(),
			Key: "quote.own_validity", Args: terms.StepArgs(map[string]any{"expires": expires})})
	}
	version, err := s.currentTermsVersion(ctx, s.db, today)
	if err != nil {
		return Quote{}, err
	}
	body := content{Type: "quote", QuoteID: qt.ID, OrgID: qt.OrgID, CustomerKind: qt.CustomerKind, Lines: qt.Lines, Totals: qt.Totals,
		TermsVersion: version, Expires: expires}
	js, hash := body.hash()
	ctx = actorFor(ctx, by)
	err = s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		res, err := q.ExecContext(ctx, `UPDATE quotes SET status = 'sent', sent_on = $1, expires_on = $2, expiry_explanation = $3, terms_version = $4,
			content_json = $5, content_hash = $6, updated_at = $7 WHERE id = $8 AND status = 'draft'`,
			today, expires, exJSON(ex), version, js, hash, now, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return accounts.FieldErrors{"quote": i18n.T("contracts.only_draft_can_sent")}
		}
		if err := record(ctx, q, now, qt.OrgID, "quote.send", "quote", id, fmt.Sprintf("quote sent to %s, valid until %s; content sha256 %s", cust.Email, expires, hash)); err != nil {
			return err
		}
		var lines []mailLine
		for _, l := range qt.Lines {
			lines = append(lines, mailLine{Name: l.Description, Domain: l.Domain, Amount: l.Amount.In(cust.Lang)})
		}
		return s.mail(ctx, q, now, cust.ID, cust.Email, cust.Lang, "quote_sent", fmt.Sprintf("quote:%d:sent", id), map[string]any{
			"Name": cust.Name, "QuoteID": id, "Title": qt.Title, "Lines": lines, "TotalExcl": qt.Totals.TotalExcl,
			"TotalIncl": qt.Totals.TotalIncl, "Expires": expires, "TermsVersion": version,
			"Link": s.baseURL + fmt.Sprintf("/portal/quotes/%d", id), "PDF": s.baseURL + fmt.Sprintf("/portal/quotes/%d/pdf", id),
		})
	})
	if err != nil {
		return Quote{}, err
	}
	return getQuote(ctx, s.db, id)
}

// AcceptInput is a customer's acceptance of a quote.
type AcceptInput struct {
	IdempotencyKey string `json:"idempotency_key"`
	// ContentHash is the hash of the content the customer was shown; when given it must
	// match, so a customer never accepts something else than what was on screen.
	ContentHash string `json:"content_hash"`
	IP          string `json:"-"`
	UserAgent   string `json:"-"`
}

// AcceptQuote concludes the contract of a sent quote (cp.av.2.8, fo.av.2.4), recording
// who accepted, when, from which address and user agent, the sha256 of the exact
// content and the terms version. Staff with the sales role may record an acceptance
// received by e-mail (fo.av.2.4). After expiry it is refused unless staff allowed a
// late acceptance (fo.av.2.3). The same idempotency key returns the same contract.
func (s *Service) AcceptQuote(ctx context.Context, by accounts.Principal, id int64, in AcceptInput) (Contract, error) {
	qt, err := getQuote(ctx, s.db, id)
	if err != nil {
		return Contract{}, err
	}
	if err := by.Check(accounts.QuoteAccept, accounts.OrgID(qt.OrgID)); err != nil {
		return Contract{}, err
	}
	reqHash := requestHash(orderRequest{Type: "quote", OrgID: qt.OrgID, QuoteID: id, ContentHash: in.ContentHash})
	if c, ok, err := s.byKey(ctx, in.IdempotencyKey, qt.OrgID, reqHash); err != nil || ok {
		if ok && c.QuoteID != id {
			return Contract{}, ErrIdempotencyConflict
		}
		return c, err
	}
	fe := accounts.FieldErrors{}
	validKey(fe, in.IdempotencyKey)
	today := s.today()
	switch {
	case qt.Status == QuoteAccepted:
		fe["quote"] = i18n.T("contracts.this_quote_has_already")
	case qt.Status != QuoteSent:
		fe["quote"] = i18n.T("contracts.quote_not_acceptable", qt.Status)
	case today.After(qt.ExpiresOn) && !qt.LateAcceptanceAllowed:
		fe["quote"] = i18n.T("contracts.this_quote_expired_on", qt.ExpiresOn, cites(qt.ExpiryExplanation.Clauses()))
	}
	if in.ContentHash != "" && in.ContentHash != qt.ContentHash {
		fe["content_hash"] = i18n.T("contracts.quote_not_one_you")
	}
	if len(fe) > 0 {
		return Contract{}, fe
	}
	cust, err := s.customer(ctx, by, qt.OrgID)
	if err != nil {
		return Contract{}, err
	}
	if refused, err := s.refused(ctx, s.db, cust.ID); err != nil {
		return Contract{}, err
	} else if refused {
		return Contract{}, s.refusedErr()
	}
	pol, err := s.policy(today)
	if err != nil {
		return Contract{}, err
	}
	co := Checkout{OrgID: cust.ID, CustomerKind: cust.Kind, TermsVersion: qt.TermsVersion, Lines: qt.Lines, Totals: qt.Totals}
	if err := s.describeTerms(pol, cust.Kind, today, &co); err != nil {
		return Contract{}, err
	}
	channel := ChannelPortal
	if by.IsStaff() {
		channel = ChannelEmail
	}
	nc := newContract{cust: cust, source: "quote", quoteID: id, key: in.IdempotencyKey, requestHash: reqHash, channel: channel, co: co,
		contentJSON: qt.ContentJSON, contentHash: qt.ContentHash, by: by, ip: in.IP, ua: in.UserAgent}
	return s.conclude(actorFor(ctx, by), pol, nc, func(ctx context.Context, q store.Querier, contractID int64) error {
		now := s.now()
		res, err := q.ExecContext(ctx, `UPDATE quotes SET status = 'accepted', contract_id = $1, updated_at = $2 WHERE id = $3 AND status = 'sent'`, contractID, now, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return accounts.FieldErrors{"quote": i18n.T("contracts.this_quote_has_already2")}
		}
		late := ""
		if today.After(qt.ExpiresOn) {
			late = " after expiry, as staff allowed"
		}
		return record(ctx, q, now, qt.OrgID, "quote.accept", "quote", id, fmt.Sprintf("quote accepted%s by %s; contract %d", late, by.User.Email, contractID))
	})
}

// AllowLateAcceptance lets the customer accept a quote after it expired: the provider
// is never obliged to, but may (fo.av.2.3). Staff with the sales role.
func (s *Service) AllowLateAcceptance(ctx context.Context, by accounts.Principal, id int64) error {
	if err := by.Check(accounts.QuoteManage, accounts.Provider); err != nil {
		return err
	}
	qt, err := getQuote(ctx, s.db, id)
	if err != nil {
		return err
	}
	if qt.Status != QuoteSent {
		return accounts.FieldErrors{"quote": i18n.T("contracts.only_sent_quote_can")}
	}
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		if _, err := q.ExecContext(ctx, `UPDATE quotes SET late_acceptance_allowed = TRUE, late_allowed_by = $1, updated_at = $2 WHERE id = $3`, by.User.ID, now, id); err != nil {
			return err
		}
		return record(ctx, q, now, qt.OrgID, "quote.allow_late", "quote", id, "staff will accept this quote after its expiry on "+qt.ExpiresOn.String()+cites(qt.ExpiryExplanation.Clauses()))
	})
}

// DeclineQuote records that the customer declines a quote.
func (s *Service) DeclineQuote(ctx context.Context, by accounts.Principal, id int64, reason string) error {
	qt, err := getQuote(ctx, s.db, id)
	if err != nil {
		return err
	}
	if err := by.Check(accounts.QuoteAccept, accounts.OrgID(qt.OrgID)); err != nil {
		return err
	}
	if len(reason) > 2000 {
		return accounts.FieldErrors{"reason": i18n.T("contracts.most_2000_characters")}
	}
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		res, err := q.ExecContext(ctx, `UPDATE quotes SET status = 'declined', declined_at = $1, decline_reason = $2, updated_at = $1 WHERE id = $3 AND status = 'sent'`, now, reason, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return accounts.FieldErrors{"quote": i18n.T("contracts.only_sent_quote_can2")}
		}
		return record(ctx, q, now, qt.OrgID, "quote.decline", "quote", id, "quote declined")
	})
}

// GetQuote returns a quote. A customer sees only its own organisation's quotes, and
// not drafts.
func (s *Service) GetQuote(ctx context.Context, by accounts.Principal, id int64) (Quote, error) {
	qt, err := getQuote(ctx, s.db, id)
	if err != nil {
		return Quote{}, err
	}
	if err := by.Check(accounts.ContractRead, accounts.OrgID(qt.OrgID)); err != nil {
		return Quote{}, err
	}
	if !by.IsStaff() && qt.Status == QuoteDraft {
		return Quote{}, accounts.ErrNotFound
	}
	return qt, nil
}

const quoteCols = `id, pack, org_id, status, title, customer_kind, total_excl, vat, total_incl, vat_json, valid_until,
	terms_version, sent_on, expires_on, expiry_explanation, content_json, content_hash, late_acceptance_allowed, decline_reason, contract_id, created_at`

// quoteRow holds what a row of quoteCols scans into.
type quoteRow struct {
	q            Quote
	kind, vj, ex string
	contractID   sql.NullInt64
}

func (r *quoteRow) dests() []any {
	qt := &r.q
	return []any{&qt.ID, &qt.Pack, &qt.OrgID, &qt.Status, &qt.Title, &r.kind, &qt.Totals.TotalExcl, &qt.Totals.VATTotal,
		&qt.Totals.TotalIncl, &r.vj, &qt.ValidUntil, &qt.TermsVersion, &qt.SentOn, &qt.ExpiresOn, &r.ex, &qt.ContentJSON, &qt.ContentHash,
		&qt.LateAcceptanceAllowed, &qt.DeclineReason, &r.contractID, &qt.CreatedAt}
}

func (r *quoteRow) quote() (Quote, error) {
	qt := r.q
	qt.CustomerKind, qt.ContractID, qt.CreatedAt = terms.CustomerKind(r.kind), r.contractID.Int64, qt.CreatedAt.UTC()
	rec := fmt.Sprintf("quote %d", qt.ID)
	if err := store.DecodeJSON(rec, "vat_json", r.vj, &qt.Totals.VAT); err != nil {
		return Quote{}, err
	}
	var err error
	qt.ExpiryExplanation, err = parseEx(rec, r.ex)
	return qt, err
}

const lineCols = `position, plan_id, kind, description, domain, quantity, billing, period, unit_price, term_price,
	setup_fee, amount, vat_category, sla, retention_category`

// lineRow holds what a row of lineCols scans into.
type lineRow struct {
	l                     Line
	kind, billing, period string
}

func (r *lineRow) dests() []any {
	l := &r.l
	return []any{&l.Position, &l.PlanID, &r.kind, &l.Description, &l.Domain, &l.Quantity, &r.billing, &r.period, &l.UnitPrice, &l.TermPrice,
		&l.SetupFee, &l.Amount, &l.VATCategory, &l.SLA, &l.RetentionCategory}
}

func (r *lineRow) line() (Line, error) {
	l := r.l
	l.Kind, l.Billing = catalog.Kind(r.kind), catalog.Billing(r.billing)
	if r.period != "" {
		var err error
		if l.Period, err = terms.ParsePeriod(r.period); err != nil {
			return Line{}, err
		}
	}
	return l, nil
}

func getQuote(ctx context.Context, q store.Querier, id int64) (Quote, error) {
	var row quoteRow
	err := q.QueryRowContext(ctx, `SELECT `+quoteCols+` FROM quotes WHERE id = $1`, id).Scan(row.dests()...)
	if errors.Is(err, sql.ErrNoRows) {
		return Quote{}, accounts.ErrNotFound
	}
	if err != nil {
		return Quote{}, err
	}
	qt, err := row.quote()
	if err != nil {
		return Quote{}, err
	}
	rows, err := q.QueryContext(ctx, `SELECT `+lineCols+` FROM quote_lines WHERE quote_id = $1 ORDER BY position`, id)
	if err != nil {
		return Quote{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var lr lineRow
		if err := rows.Scan(lr.dests()...); err != nil {
			return Quote{}, err
		}
		l, err := lr.line()
		if err != nil {
			return Quote{}, err
		}
		qt.Lines = append(qt.Lines, l)
	}
	return qt, rows.Err()
}
