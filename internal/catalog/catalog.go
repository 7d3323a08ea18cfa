// Package catalog owns what a provider sells: products (webhosting, e-mail, a VPS, a
// domain extension, a website project…) and their plans, per policy pack. A plan has a
// price per period excluding VAT (cp.av.4.1, fo.av.15.1), a setup fee, limits (storage,
// monthly traffic), whether the SLA applies, whether it is a subscription or a one-off
// project, and whether a consumer may waive the right of withdrawal for it (domain
// registrations, cp.av.13.9).
//
// The catalog is public to read. Staff with the sales role (or admin) change it; every
// change is audited in its own transaction. Contracts keep the plan id and a snapshot of
// what was sold, so a later catalog change never rewrites a running contract.
package catalog

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Schema holds the catalog tables.
var Schema = store.SchemaFrom("catalog", migrations, "migrations")

// Kind is what a product is; it decides how a subscription to it behaves (a domain can
// be cancelled on its own, cp.av.13.1; a VPS backup is an add-on).
type Kind string

// The kinds of product of the two shipped packs.
const (
	KindWebhosting     Kind = "webhosting"
	KindEmail          Kind = "email"
	KindVPS            Kind = "vps"
	KindVPSBackup      Kind = "vps-backup"
	KindContainers     Kind = "containers"
	KindVPN            Kind = "vpn"
	KindDomain         Kind = "domain"
	KindEmailMarketing Kind = "email-marketing"
	KindWebsite        Kind = "website"
	KindDesign         Kind = "design"
	KindLivestream     Kind = "livestream"
	KindDrone          Kind = "drone"
	KindPrint          Kind = "print"
	KindHosting        Kind = "hosting"
	KindCustom         Kind = "custom" // a free quote line
)

// Kinds lists every product kind.
var Kinds = []Kind{KindWebhosting, KindEmail, KindVPS, KindVPSBackup, KindContainers, KindVPN, KindDomain,
	KindEmailMarketing, KindWebsite, KindDesign, KindLivestream, KindDrone, KindPrint, KindHosting, KindCustom}

// Billing says whether a plan is a subscription (renewing terms, cp.av.13.1,
// fo.av.20.1) or a one-off project delivered once (fo.av.20.1: the term is the time
// needed to deliver).
type Billing string

const (
	Subscription Billing = "subscription"
	OneOff       Billing = "one-off"
)

// Product is something the provider sells.
type Product struct {
	ID                int64     `json:"id"`
	Pack              string    `json:"pack"`
	Code              string    `json:"code"`
	Kind              Kind      `json:"kind"`
	Name              string    `json:"name"`
	Description       string    `json:"description"`
	RetentionCategory string    `json:"retention_category"` // terms.Retention category for the service's data
	Active            bool      `json:"active"`
	CreatedAt         time.Time `json:"created_at"`
}

// Plan is one way of buying a product.
type Plan struct {
	ID          int64  `json:"id"`
	ProductID   int64  `json:"product_id"`
	Pack        string `json:"pack"`
	ProductCode string `json:"product_code"`
	ProductKind Kind   `json:"product_kind"`
	ProductName string `json:"product_name"`
	Code        string `json:"code"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Billing     Billing
	// Period is what Price buys (P1M, P1Y) for a subscription; zero for a one-off.
	Period    terms.Period `json:"period"`
	Price     terms.Money  `json:"price"` // excl. VAT
	SetupFee  terms.Money  `json:"setup_fee"`
	StorageMB int64        `json:"storage_mb"` // 0 with StorageUnlimited
	TrafficGB int64        `json:"traffic_gb"` // per calendar month; 0 with TrafficUnlimited
	// StorageUnlimited and TrafficUnlimited say in so many words that the plan states
	// no limit (cp.av.5.11, cp.av.9.4; fo.av.12.1: then fair use applies), so no reader
	// ever mistakes a number for "unlimited". Read limits through StorageLimit and
	// TrafficLimit.
	StorageUnlimited   bool   `json:"storage_unlimited"`
	TrafficUnlimited   bool   `json:"traffic_unlimited"`
	SLA                bool   `json:"sla"`
	WithdrawalWaivable bool   `json:"withdrawal_waivable"`
	TLD                string `json:"tld,omitempty"` // domain plans: "nl", "be", "eu", "com"
	VATCategory        string `json:"vat_category"`
	RetentionCategory  string `json:"retention_category"`
	Active             bool   `json:"active"`
}

// Label is the plan's display name with its product.
func (p Plan) Label() string {
	if p.ProductName == "" || strings.HasPrefix(p.Name, p.ProductName) {
		return p.Name
	}
	return p.ProductName + " " + p.Name
}

// ProductInput creates a product.
type ProductInput struct {
	Pack              string `json:"pack"`
	Code              string `json:"code"`
	Kind              Kind   `json:"kind"`
	Name              string `json:"name"`
	Description       string `json:"description"`
	RetentionCategory string `json:"retention_category"`
}

// PlanInput creates or edits a plan. Period is an ISO-8601 period ("P1M", "P1Y").
type PlanInput struct {
	ProductID   int64       `json:"product_id"`
	Code        string      `json:"code"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Billing     Billing     `json:"billing"`
	Period      string      `json:"period"`
	Price       terms.Money `json:"price"`
	SetupFee    terms.Money `json:"setup_fee"`
	StorageMB   int64       `json:"storage_mb"`
	TrafficGB   int64       `json:"traffic_gb"`
	// StorageUnlimited and TrafficUnlimited: nil means "unlimited when the amount is
	// 0", which is what callers from before the flags meant; true with an amount above
	// 0, or false with 0, is refused.
	StorageUnlimited   *bool  `json:"storage_unlimited,omitempty"`
	TrafficUnlimited   *bool  `json:"traffic_unlimited,omitempty"`
	SLA                bool   `json:"sla"`
	WithdrawalWaivable bool   `json:"withdrawal_waivable"`
	TLD                string `json:"tld"`
	VATCategory        string `json:"vat_category"`
	Active             *bool  `json:"active,omitempty"` // nil: active
}

// Service is the catalog's operations.
type Service struct {
	db    *store.DB
	clock clock.Clock
}

// New returns the catalog service.
func New(db *store.DB, clk clock.Clock) *Service { return &Service{db: db, clock: clk} }

func (s *Service) now() time.Time { return store.Now(s.clock.Now()) }

// mayEdit: whoever may manage the catalog (accounts.CatalogManage).
func mayEdit(by accounts.Principal) error { return by.Check(accounts.CatalogManage, accounts.Provider) }

func withActor(ctx context.Context, by accounts.Principal) context.Context {
	a := audit.ActorFrom(ctx)
	if a == audit.System("unknown") {
		a = audit.Actor{}
	}
	a.Kind, a.ID, a.Label = audit.ActorStaff, by.User.ID, by.User.Email
	return audit.WithActor(ctx, a)
}

var codeRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{0,62}$`)

// waiverClauses cites the clauses of a pack's newest terms under which a consumer
// waives withdrawal for immediate delivery (cp.av.13.9), or nothing.
func waiverClauses(pack string) string {
	pk, err := terms.LoadPack(pack)
	if err != nil || len(pk.Latest().WaiverClauses()) == 0 {
		return ""
	}
	return " (" + terms.ClauseRef(pk.Latest().WaiverClauses()) + ")"
}

func validPack(name string) (*terms.Pack, error) {
	if name == "" {
		return nil, errors.New("choose a policy pack")
	}
	pk, err := terms.LoadPack(name)
	if err != nil {
		return nil, fmt.Errorf("unknown policy pack (have %s)", strings.Join(terms.EmbeddedPackNames(), ", "))
	}
	return pk, nil
}

func validateProduct(in *ProductInput) accounts.FieldErrors {
	fe := accounts.FieldErrors{}
	in.Code = strings.TrimSpace(in.Code)
	in.Name = strings.TrimSpace(in.Name)
	pk, err := validPack(in.Pack)
	if err != nil {
		fe["pack"] = i18n.From(err)
	}
	if !codeRE.MatchString(in.Code) {
		fe["code"] = i18n.T("catalog.use_1_63_lower")
	}
	if !slices.Contains(Kinds, in.Kind) || in.Kind == KindCustom {
		fe["kind"] = i18n.T("catalog.choose_product_kind")
	}
	if in.Name == "" || len(in.Name) > 200 {
		fe["name"] = i18n.T("catalog.give_name_most_200")
	}
	if len(in.Description) > 4000 {
		fe["description"] = i18n.T("catalog.most_4000_characters")
	}
	if in.RetentionCategory != "" && pk != nil {
		if !slices.Contains(pk.Latest().RetentionCategories(), in.RetentionCategory) {
			fe["retention_category"] = i18n.T("catalog.retention_category", strings.Join(pk.Latest().RetentionCategories(), ", "))
		}
	}
	return fe
}

func validatePlan(in *PlanInput, product Product) (terms.Period, accounts.FieldErrors) {
	fe := accounts.FieldErrors{}
	in.Code = strings.TrimSpace(in.Code)
	in.Name = strings.TrimSpace(in.Name)
	in.TLD = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(in.TLD)), ".")
	if !codeRE.MatchString(in.Code) {
		fe["code"] = i18n.T("catalog.use_1_63_lower")
	}
	if in.Name == "" || len(in.Name) > 200 {
		fe["name"] = i18n.T("catalog.give_name_most_200")
	}
	if len(in.Description) > 4000 {
		fe["description"] = i18n.T("catalog.most_4000_characters")
	}
	var period terms.Period
	switch in.Billing {
	case Subscription:
		p, err := terms.ParsePeriod(in.Period)
		if _, months := p.InMonths(); err != nil || !months || p.N <= 0 {
			fe["period"] = i18n.T("catalog.subscriptions_price_per_month")
		} else if m, _ := p.InMonths(); 12%m != 0 {
			fe["period"] = i18n.T("catalog.period_must_divide_year")
		}
		period = p
	case OneOff:
		if in.Period != "" {
			fe["period"] = i18n.T("catalog.one_off_project_has")
		}
	default:
		fe["billing"] = i18n.T("catalog.choose_subscription_one_off")
	}
	if in.Price < 0 || in.Price > terms.Euros(10_000_000) {
		fe["price"] = i18n.T("catalog.give_price_least_0")
	}
	if in.SetupFee < 0 || in.SetupFee > terms.Euros(10_000_000) {
		fe["setup_fee"] = i18n.T("catalog.give_setup_fee_least")
	}
	if in.StorageMB < 0 {
		fe["storage_mb"] = i18n.T("catalog.cannot_negative")
	}
	if in.TrafficGB < 0 {
		fe["traffic_gb"] = i18n.T("catalog.cannot_negative")
	}
	checkLimit(fe, "storage_mb", in.StorageMB, in.StorageUnlimited)
	checkLimit(fe, "traffic_gb", in.TrafficGB, in.TrafficUnlimited)
	if in.VATCategory == "" {
		in.VATCategory = terms.VATStandard
	}
	if !slices.Contains([]string{terms.VATStandard, terms.VATReduced, terms.VATZero}, in.VATCategory) {
		fe["vat_category"] = i18n.T("catalog.choose_standard_reduced_zero")
	}
	if pk, err := terms.LoadPack(product.Pack); err == nil && in.SLA && !pk.Latest().Terms.SLA.Enabled {
		fe["sla"] = i18n.T("catalog.no_sla", strings.Join(pk.Latest().Terms.SLA.Clauses, ", "))
	}
	if product.Kind == KindDomain {
		if !regexp.MustCompile(`^[a-z]{2,63}(\.[a-z]{2,63})?$`).MatchString(in.TLD) {
			fe["tld"] = i18n.T("catalog.domain_plan_needs_extension")
		}
		if in.Billing != Subscription {
			fe["billing"] = i18n.T("catalog.domain_registration_subscription")
		}
	} else {
		if in.TLD != "" {
			fe["tld"] = i18n.T("catalog.only_domain_plans_have")
		}
		if in.WithdrawalWaivable {
			fe["withdrawal_waivable"] = i18n.T("catalog.waiver_domain_only", waiverClauses(product.Pack))
		}
	}
	return period, fe
}

// CreateProduct adds a product.
func (s *Service) CreateProduct(ctx context.Context, by accounts.Principal, in ProductInput) (Product, error) {
	if err := mayEdit(by); err != nil {
		return Product{}, err
	}
	if fe := validateProduct(&in); len(fe) > 0 {
		return Product{}, fe
	}
	ctx = withActor(ctx, by)
	var p Product
	err := s.db.InTx(ctx, func(q store.Querier) error {
		var err error
		p, err = insertProduct(ctx, q, s.now(), in)
		if store.IsUniqueViolation(err) {
			return accounts.FieldErrors{"code": i18n.T("catalog.product_with_this_code")}
		}
		return err
	})
	return p, err
}

func insertProduct(ctx context.Context, q store.Querier, now time.Time, in ProductInput) (Product, error) {
	var id int64
	if err := q.QueryRowContext(ctx, `INSERT INTO catalog_products (pack, code, kind, name, description, retention_category, active, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7, $7) RETURNING id`,
		in.Pack, in.Code, string(in.Kind), in.Name, in.Description, in.RetentionCategory, now).Scan(&id); err != nil {
		return Product{}, err
	}
	if err := audit.Record(ctx, q, now, audit.Change{Action: "catalog.product_create", ObjectKind: "product",
		ObjectID: fmt.Sprint(id), Summary: fmt.Sprintf("product %s/%s (%s) %q created", in.Pack, in.Code, in.Kind, in.Name)}); err != nil {
		return Product{}, err
	}
	return getProduct(ctx, q, id)
}

// CreatePlan adds a plan to a product.
func (s *Service) CreatePlan(ctx context.Context, by accounts.Principal, in PlanInput) (Plan, error) {
	if err := mayEdit(by); err != nil {
		return Plan{}, err
	}
	product, err := getProduct(ctx, s.db, in.ProductID)
	if errors.Is(err, accounts.ErrNotFound) {
		return Plan{}, accounts.FieldErrors{"product_id": i18n.T("catalog.no_such_product")}
	} else if err != nil {
		return Plan{}, err
	}
	if _, fe := validatePlan(&in, product); len(fe) > 0 {
		return Plan{}, fe
	}
	ctx = withActor(ctx, by)
	var p Plan
	err = s.db.InTx(ctx, func(q store.Querier) error {
		var err error
		p, err = insertPlan(ctx, q, s.now(), product, in)
		if store.IsUniqueViolation(err) {
			return accounts.FieldErrors{"code": i18n.T("catalog.this_product_has_plan")}
		}
		return err
	})
	return p, err
}

func insertPlan(ctx context.Context, q store.Querier, now time.Time, product Product, in PlanInput) (Plan, error) {
	active := in.Active == nil || *in.Active
	var id int64
	if err := q.QueryRowContext(ctx, `INSERT INTO catalog_plans (product_id, code, name, description, billing, period, price, setup_fee,
		storage_mb, traffic_gb, sla, withdrawal_waivable, tld, vat_category, active, created_at, updated_at, storage_unlimited, traffic_unlimited)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $17, $18) RETURNING id`,
		product.ID, in.Code, in.Name, in.Description, string(in.Billing), in.Period, in.Price, in.SetupFee,
		in.StorageMB, in.TrafficGB, in.SLA, in.WithdrawalWaivable, in.TLD, in.VATCategory, active, now,
		unlimited(in.StorageMB, in.StorageUnlimited), unlimited(in.TrafficGB, in.TrafficUnlimited)).Scan(&id); err != nil {
		return Plan{}, err
	}
	if err := audit.Record(ctx, q, now, audit.Change{Action: "catalog.plan_create", ObjectKind: "plan", ObjectID: fmt.Sprint(id),
		Summary: fmt.Sprintf("plan %s/%s %q created: %s per %s excl. VAT, setup %s", product.Code, in.Code, in.Name, in.Price, periodText(in.Period), in.SetupFee)}); err != nil {
		return Plan{}, err
	}
	return getPlan(ctx, q, id)
}

func periodText(p string) string {
	if p == "" {
		return "project"
	}
	return p
}

// UpdatePlan changes a plan for new orders. Running subscriptions keep the price they
// were sold at; raising their price is a price increase (cp.av.4.3, fo.av.15.3), which
// the contracts package schedules under the terms.
func (s *Service) UpdatePlan(ctx context.Context, by accounts.Principal, id int64, in PlanInput) (Plan, error) {
	if err := mayEdit(by); err != nil {
		return Plan{}, err
	}
	cur, err := getPlan(ctx, s.db, id)
	if err != nil {
		return Plan{}, err
	}
	product, err := getProduct(ctx, s.db, cur.ProductID)
	if err != nil {
		return Plan{}, err
	}
	in.ProductID, in.Code = cur.ProductID, cur.Code
	if _, fe := validatePlan(&in, product); len(fe) > 0 {
		return Plan{}, fe
	}
	active := in.Active == nil || *in.Active
	ctx = withActor(ctx, by)
	var p Plan
	err = s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		if _, err := q.ExecContext(ctx, `UPDATE catalog_plans SET name = $1, description = $2, billing = $3, period = $4, price = $5,
			setup_fee = $6, storage_mb = $7, traffic_gb = $8, sla = $9, withdrawal_waivable = $10, tld = $11, vat_category = $12,
			active = $13, updated_at = $14, storage_unlimited = $16, traffic_unlimited = $17 WHERE id = $15`,
			in.Name, in.Description, string(in.Billing), in.Period, in.Price, in.SetupFee, in.StorageMB, in.TrafficGB,
			in.SLA, in.WithdrawalWaivable, in.TLD, in.VATCategory, active, now, id,
			unlimited(in.StorageMB, in.StorageUnlimited), unlimited(in.TrafficGB, in.TrafficUnlimited)); err != nil {
			return err
		}
		if err := audit.Record(ctx, q, now, audit.Change{Action: "catalog.plan_update", ObjectKind: "plan", ObjectID: fmt.Sprint(id),
			Summary: fmt.Sprintf("plan %s/%s updated: %s per %s (was %s), setup %s, active %v", product.Code, cur.Code, in.Price, periodText(in.Period), cur.Price, in.SetupFee, active)}); err != nil {
			return err
		}
		p, err = getPlan(ctx, q, id)
		return err
	})
	return p, err
}

// GetProduct returns a product.
func (s *Service) GetProduct(ctx context.Context, id int64) (Product, error) {
	return getProduct(ctx, s.db, id)
}

// GetPlan returns a plan with its product's details.
func (s *Service) GetPlan(ctx context.Context, id int64) (Plan, error) {
	return getPlan(ctx, s.db, id)
}

// PlanByCode finds a plan by its product and plan codes within a pack.
func (s *Service) PlanByCode(ctx context.Context, pack, product, plan string) (Plan, error) {
	return scanPlan(s.db.QueryRowContext(ctx, planSelect+` WHERE pr.pack = $1 AND pr.code = $2 AND pl.code = $3`, pack, product, plan))
}

// ListProducts returns a pack's products by kind and code.
func (s *Service) ListProducts(ctx context.Context, pack string, activeOnly bool) ([]Product, error) {
	rows, err := s.db.QueryContext(ctx, productSelect+` WHERE pack = $1 AND (active OR NOT $2) ORDER BY kind, code`, pack, activeOnly)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PlanFilter selects plans.
type PlanFilter struct {
	Pack       string
	ProductID  int64 // 0: all products of the pack
	Kind       Kind  // "": every kind
	ActiveOnly bool
}

// ListPlans returns plans ordered by product and price.
func (s *Service) ListPlans(ctx context.Context, f PlanFilter) ([]Plan, error) {
	rows, err := s.db.QueryContext(ctx, planSelect+` WHERE pr.pack = $1 AND (CAST($2 AS BIGINT) = 0 OR pr.id = CAST($2 AS BIGINT)) AND (CAST($3 AS TEXT) = '' OR pr.kind = CAST($3 AS TEXT))
		AND ((pl.active AND pr.active) OR NOT $4) ORDER BY pr.kind, pr.code, pl.price, pl.code`, f.Pack, f.ProductID, string(f.Kind), f.ActiveOnly)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Plan
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

type scanner interface{ Scan(dest ...any) error }

var errNoRows = sql.ErrNoRows

const productSelect = `SELECT id, pack, code, kind, name, description, retention_category, active, created_at FROM catalog_products`

func scanProduct(r scanner) (Product, error) {
	var p Product
	var kind string
	err := r.Scan(&p.ID, &p.Pack, &p.Code, &kind, &p.Name, &p.Description, &p.RetentionCategory, &p.Active, &p.CreatedAt)
	if errors.Is(err, errNoRows) {
		return Product{}, accounts.ErrNotFound
	}
	p.Kind, p.CreatedAt = Kind(kind), p.CreatedAt.UTC()
	return p, err
}

func getProduct(ctx context.Context, q store.Querier, id int64) (Product, error) {
	return scanProduct(q.QueryRowContext(ctx, productSelect+` WHERE id = $1`, id))
}

const planSelect = `SELECT pl.id, pl.product_id, pr.pack, pr.code, pr.kind, pr.name, pl.code, pl.name, pl.description, pl.billing, pl.period,
	pl.price, pl.setup_fee, pl.storage_mb, pl.traffic_gb, pl.sla, pl.withdrawal_waivable, pl.tld, pl.vat_category,
	pr.retention_category, pl.active AND pr.active, pl.storage_unlimited, pl.traffic_unlimited
	FROM catalog_plans pl JOIN catalog_products pr ON pr.id = pl.product_id`

func scanPlan(r scanner) (Plan, error) {
	var p Plan
	var kind, billing, period string
	err := r.Scan(&p.ID, &p.ProductID, &p.Pack, &p.ProductCode, &kind, &p.ProductName, &p.Code, &p.Name, &p.Description, &billing, &period,
		&p.Price, &p.SetupFee, &p.StorageMB, &p.TrafficGB, &p.SLA, &p.WithdrawalWaivable, &p.TLD, &p.VATCategory,
		&p.RetentionCategory, &p.Active, &p.StorageUnlimited, &p.TrafficUnlimited)
	if errors.Is(err, errNoRows) {
		return Plan{}, accounts.ErrNotFound
	}
	if err != nil {
		return Plan{}, err
	}
	p.ProductKind, p.Billing = Kind(kind), Billing(billing)
	if period != "" {
		if p.Period, err = terms.ParsePeriod(period); err != nil {
			return Plan{}, fmt.Errorf("catalog: plan %d: %w", p.ID, err)
		}
	}
	return p, nil
}

func getPlan(ctx context.Context, q store.Querier, id int64) (Plan, error) {
	return scanPlan(q.QueryRowContext(ctx, planSelect+` WHERE pl.id = $1`, id))
}

// Limit is a plan's limit on one resource: an amount, or unlimited. There is no
// number that means "unlimited".
type Limit struct {
	Unlimited bool  `json:"unlimited"`
	Amount    int64 `json:"amount,omitempty"` // in the unit the accessor names
}

// StorageLimit is the plan's storage limit in MB (cp.av.5.11).
func (p Plan) StorageLimit() Limit {
	return Limit{Unlimited: p.StorageUnlimited || p.StorageMB <= 0, Amount: max(p.StorageMB, 0)}
}

// TrafficLimit is the plan's traffic limit per calendar month in GB (cp.av.9.4).
func (p Plan) TrafficLimit() Limit {
	return Limit{Unlimited: p.TrafficUnlimited || p.TrafficGB <= 0, Amount: max(p.TrafficGB, 0)}
}

// unlimited is the stored flag for an amount and an optional explicit choice.
func unlimited(amount int64, flag *bool) bool {
	if flag == nil {
		return amount == 0
	}
	return *flag
}

// checkLimit refuses a limit that says two things: unlimited with an amount, or a
// limit of 0 (nothing may be used) that was meant as unlimited.
func checkLimit(fe accounts.FieldErrors, field string, amount int64, flag *bool) {
	if _, bad := fe[field]; flag == nil || bad {
		return
	}
	if *flag && amount != 0 || !*flag && amount == 0 {
		fe[field] = i18n.T("catalog.limit_or_unlimited")
	}
}
