package contracts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// Contract statuses.
const (
	ContractActive    = "active"
	ContractEnded     = "ended"
	ContractWithdrawn = "withdrawn"
)

// Subscription statuses.
const (
	SubPending = "pending" // waiting for provisioning
	SubActive  = "active"
	SubEnded   = "ended"
)

// Channels through which a cancellation or withdrawal is received (cp.av.13.4).
const (
	ChannelPortal = "portal"
	ChannelEmail  = "email"
	ChannelLetter = "letter"
	ChannelPhone  = "phone"
	ChannelOrder  = "order-channel" // the channel through which the agreement was concluded
)

// Channels lists the accepted channels.
var Channels = []string{ChannelPortal, ChannelEmail, ChannelLetter, ChannelPhone, ChannelOrder}

// Contract is an agreement (Overeenkomst), concluded when the provider receives the
// acceptance of a quote or an order (cp.av.2.8, fo.av.2.4).
type Contract struct {
	ID             int64              `json:"id"`
	Pack           string             `json:"pack"`
	OrgID          int64              `json:"org_id"`
	Source         string             `json:"source"` // order or quote
	QuoteID        int64              `json:"quote_id,omitempty"`
	Status         string             `json:"status"`
	CustomerKind   terms.CustomerKind `json:"customer_kind"`
	OrgName        string             `json:"org_name"`
	OrgEmail       string             `json:"org_email"`
	Lang           string             `json:"lang"`
	TermsVersion   string             `json:"terms_version"`
	ConcludedOn    terms.Date         `json:"concluded_on"`
	Channel        string             `json:"channel"`
	AcceptedAt     time.Time          `json:"accepted_at"`
	AcceptedBy     int64              `json:"accepted_by"`
	AcceptedLabel  string             `json:"accepted_by_label"`
	AcceptedIP     string             `json:"accepted_ip"`
	AcceptedUA     string             `json:"accepted_user_agent"`
	ContentJSON    string             `json:"content_json"` // exactly what was hashed
	ContentHash    string             `json:"content_hash"` // sha256, hex
	WithdrawalInfo string             `json:"withdrawal_info,omitempty"`
	ExpressStart   bool               `json:"express_start"`
	TotalExcl      terms.Money        `json:"total_excl"`
	VAT            terms.Money        `json:"vat"`
	TotalIncl      terms.Money        `json:"total_incl"`
	EndedOn        terms.Date         `json:"ended_on,omitzero"`
	CreatedAt      time.Time          `json:"created_at"`
	Subscriptions  []Subscription     `json:"subscriptions"`
}

// Subscription is one service under a contract: a plan (or a free quote line), with a
// snapshot of what was sold. A one-off project has no term.
type Subscription struct {
	ID                int64           `json:"id"`
	ContractID        int64           `json:"contract_id"`
	OrgID             int64           `json:"org_id"`
	Pack              string          `json:"pack"`
	Position          int             `json:"position"`
	PlanID            int64           `json:"plan_id"`
	Kind              catalog.Kind    `json:"kind"`
	Name              string          `json:"name"`
	Domain            string          `json:"domain,omitempty"`
	Quantity          int             `json:"quantity"`
	Billing           catalog.Billing `json:"billing"`
	Period            terms.Period    `json:"period"`
	Price             terms.Money     `json:"price"` // per Period, excl. VAT
	SetupFee          terms.Money     `json:"setup_fee"`
	VATCategory       string          `json:"vat_category"`
	SLA               bool            `json:"sla"`
	RetentionCategory string          `json:"retention_category"`
	Status            string          `json:"status"`
	StartOn           terms.Date      `json:"start_on"`
	TermNo            int             `json:"term_no"`
	TermStart         terms.Date      `json:"term_start,omitzero"`
	TermEnd           terms.Date      `json:"term_end,omitzero"` // the next renewal date
	EndsOn            terms.Date      `json:"ends_on,omitzero"`  // set once cancelled: first day it no longer runs
	EndReason         string          `json:"end_reason,omitempty"`
	EndedOn           terms.Date      `json:"ended_on,omitzero"`
	WithdrawalWaived  bool            `json:"withdrawal_waived"`
	ServiceStartedOn  terms.Date      `json:"service_started_on,omitzero"`
	PendingPlanID     int64           `json:"pending_plan_id,omitempty"`
	PendingPlanOn     terms.Date      `json:"pending_plan_on,omitzero"`
	CreatedAt         time.Time       `json:"created_at"`
}

// IsDomain reports whether the subscription is a domain registration.
func (s Subscription) IsDomain() bool { return s.Kind == catalog.KindDomain }

// termPrice is the price of one term of a subscription line (terms.Policy.TermPrice);
// a one-off line's price is its price.
func termPrice(pol *terms.Policy, billing catalog.Billing, period terms.Period, unit terms.Money) (terms.Money, terms.Explanation) {
	if billing != catalog.Subscription {
		return unit, nil
	}
	return pol.TermPrice(unit, period)
}

const contractCols = `id, pack, org_id, source, COALESCE(quote_id, 0), status, customer_kind, org_name, org_email, org_lang, terms_version,
	concluded_on, channel, accepted_at, accepted_by, accepted_by_label, accepted_ip, accepted_user_agent, content_json, content_hash,
	withdrawal_info, express_start, total_excl, vat, total_incl, ended_on, created_at`

type scanner interface{ Scan(dest ...any) error }

// contractRow holds what a row of contractCols scans into.
type contractRow struct {
	c    Contract
	kind string
}

func (r *contractRow) dests() []any {
	c := &r.c
	return []any{&c.ID, &c.Pack, &c.OrgID, &c.Source, &c.QuoteID, &c.Status, &r.kind, &c.OrgName, &c.OrgEmail, &c.Lang, &c.TermsVersion,
		&c.ConcludedOn, &c.Channel, &c.AcceptedAt, &c.AcceptedBy, &c.AcceptedLabel, &c.AcceptedIP, &c.AcceptedUA, &c.ContentJSON, &c.ContentHash,
		&c.WithdrawalInfo, &c.ExpressStart, &c.TotalExcl, &c.VAT, &c.TotalIncl, &c.EndedOn, &c.CreatedAt}
}

func (r *contractRow) contract() Contract {
	c := r.c
	c.CustomerKind = terms.CustomerKind(r.kind)
	c.AcceptedAt, c.CreatedAt = c.AcceptedAt.UTC(), c.CreatedAt.UTC()
	return c
}

func scanContract(r scanner) (Contract, error) {
	var row contractRow
	err := r.Scan(row.dests()...)
	if errors.Is(err, sql.ErrNoRows) {
		return Contract{}, accounts.ErrNotFound
	}
	return row.contract(), err
}

const subCols = `id, contract_id, org_id, pack, position, plan_id, kind, name, domain, quantity, billing, period, price, setup_fee,
	vat_category, sla, retention_category, status, start_on, term_no, term_start, term_end, ends_on, end_reason, ended_on,
	withdrawal_waived, service_started_on, pending_plan_id, pending_plan_on, created_at`

// subRow holds what a row of subCols scans into.
type subRow struct {
	s                     Subscription
	kind, billing, period string
}

func (r *subRow) dests() []any {
	s := &r.s
	return []any{&s.ID, &s.ContractID, &s.OrgID, &s.Pack, &s.Position, &s.PlanID, &r.kind, &s.Name, &s.Domain, &s.Quantity, &r.billing, &r.period,
		&s.Price, &s.SetupFee, &s.VATCategory, &s.SLA, &s.RetentionCategory, &s.Status, &s.StartOn, &s.TermNo, &s.TermStart, &s.TermEnd,
		&s.EndsOn, &s.EndReason, &s.EndedOn, &s.WithdrawalWaived, &s.ServiceStartedOn, &s.PendingPlanID, &s.PendingPlanOn, &s.CreatedAt}
}

func (r *subRow) subscription() (Subscription, error) {
	s := r.s
	s.Kind, s.Billing, s.CreatedAt = catalog.Kind(r.kind), catalog.Billing(r.billing), s.CreatedAt.UTC()
	if r.period != "" {
		var err error
		if s.Period, err = terms.ParsePeriod(r.period); err != nil {
			return Subscription{}, fmt.Errorf("contracts: subscription %d: %w", s.ID, err)
		}
	}
	return s, nil
}

func scanSub(r scanner) (Subscription, error) {
	var row subRow
	err := r.Scan(row.dests()...)
	if errors.Is(err, sql.ErrNoRows) {
		return Subscription{}, accounts.ErrNotFound
	}
	if err != nil {
		return Subscription{}, err
	}
	return row.subscription()
}

func getContract(ctx context.Context, q store.Querier, id int64) (Contract, error) {
	c, err := scanContract(q.QueryRowContext(ctx, `SELECT `+contractCols+` FROM contracts WHERE id = $1`, id))
	if err != nil {
		return Contract{}, err
	}
	c.Subscriptions, err = listSubs(ctx, q, `WHERE contract_id = $1 ORDER BY position`, id)
	return c, err
}

func getSub(ctx context.Context, q store.Querier, id int64) (Subscription, error) {
	return scanSub(q.QueryRowContext(ctx, `SELECT `+subCols+` FROM subscriptions WHERE id = $1`, id))
}

func listSubs(ctx context.Context, q store.Querier, where string, args ...any) ([]Subscription, error) {
	return listSubsCap(ctx, q, 0, where, args...)
}

// listSubsCap is listSubs with room for capacity rows from the start: the billing
// feed's pages of thousands of subscriptions were copied a dozen times each as the
// slice grew (issue 16).
func listSubsCap(ctx context.Context, q store.Querier, capacity int, where string, args ...any) ([]Subscription, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+subCols+` FROM subscriptions `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Subscription // nil when nothing matches, as callers have always had it
	if capacity > 0 {
		out = make([]Subscription, 0, capacity)
	}
	for rows.Next() {
		s, err := scanSub(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// GetContract returns a contract with its subscriptions.
func (s *Service) GetContract(ctx context.Context, by accounts.Principal, id int64) (Contract, error) {
	c, err := getContract(ctx, s.db, id)
	if err != nil {
		return Contract{}, err
	}
	if err := by.Check(accounts.ContractRead, accounts.OrgID(c.OrgID)); err != nil {
		return Contract{}, err
	}
	return c, nil
}

// GetSubscription returns a subscription.
func (s *Service) GetSubscription(ctx context.Context, by accounts.Principal, id int64) (Subscription, error) {
	sub, err := getSub(ctx, s.db, id)
	if err != nil {
		return Subscription{}, err
	}
	if err := by.Check(accounts.ContractRead, accounts.OrgID(sub.OrgID)); err != nil {
		return Subscription{}, err
	}
	return sub, nil
}
