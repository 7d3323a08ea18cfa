package billing

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

//go:embed migrations/*.sql
var migrations embed.FS

//go:embed mail/*.txt
var mailFS embed.FS

// Schema holds the billing tables. It references no other package's tables.
var Schema = store.SchemaFrom("billing", migrations, "migrations")

var templates = notify.NewTemplates(mustSub(mailFS, "mail"))

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// Customers reads an organisation; the accounts service implements it.
type Customers interface {
	GetOrganisation(ctx context.Context, by accounts.Principal, id int64) (accounts.Organisation, error)
}

// Config holds the provider's billing settings that are not terms.
type Config struct {
	// Provider overrides the pack's provider details (a pack ships without a VAT id,
	// which a Dutch invoice must show). Empty fields fall back to the pack.
	Provider terms.Provider
	// IBAN and BIC of the account customers pay to; shown on invoices and in UBL.
	IBAN, BIC string
	// InvoiceAhead: a period is invoiced this many days before it starts (0: on its
	// first day). The terms require payment in advance (cp.av.14.2, fo.av.16.2) but
	// name no lead time.
	InvoiceAhead int
	// Mail: enqueue an e-mail to the customer for every document issued.
	Mail bool
	// RunBatch: customers per transaction in the billing run (see runBatch); 0 means
	// DefaultRunBatch for the engine, 1 one transaction per customer.
	RunBatch int
}

// DefaultRunBatch is the billing run's customers per transaction. On SQLite fewer
// commits save WAL writes; beyond 100 the run's CPU does not drop (measured with
// `hostpact bench billing --batch`), while every other writer waits for the batch.
// On PostgreSQL the run is round-trip bound, and a batch is issued with one statement
// per table (issueAll: one number reservation, one audit RecordMany, COPY of the
// invoices, lines, billed items and states, and one EnqueueMany), so the statements per invoice fall with the batch size; on a
// loaded two-core machine 500 ran about a third faster than 100 (issue 16). The series
// counter and audit head stay locked for the batch's writing only (its customers are
// prepared before, beside the previous batch's write: RunBilling), which other
// issuers wait out.
func DefaultRunBatch(d store.Dialect) int {
	if d == store.Postgres {
		return 500
	}
	return 100
}

// Claims names the interest and collection costs charged on an invoice before it was
// paid, which a payment on the invoice pays before its principal (art. 6:44 BW); the
// dunning service implements it through internal/app. q is the payment's transaction.
type Claims interface {
	ChargedOn(ctx context.Context, q store.Querier, invoiceID int64) (ChargedClaim, bool, error)
}

// ChargedClaim is a charge invoice of interest and collection costs on an invoice.
type ChargedClaim struct {
	ChargeInvoiceID int64
	Costs, Interest terms.Money
}

// UsageLines are usage above the plan billed at the published price (cp.av.5.11,
// cp.av.9.4), which the run puts on the customer's next invoice; the usage service
// implements it. Mark is called in the transaction that issues the invoice.
type UsageLines interface {
	OpenUsageLines(ctx context.Context, q store.Querier) ([]UsageLine, error)
	MarkUsageLineInvoiced(ctx context.Context, q store.Querier, id int64) error
}

// UsageLine is one usage charge, excl. VAT, with the computation that produced it.
type UsageLine struct {
	ID             int64
	OrgID          int64
	SubscriptionID int64
	Description    string
	Amount         terms.Money
	Explanation    terms.Explanation
}

// Deps are the collaborators of the service.
type Deps struct {
	Pack      *terms.Pack
	Customers Customers
	// Usage: nil means no usage is billed.
	Usage UsageLines
	// Claims: nil means a payment always pays the invoice it names.
	Claims Claims
	Config Config
	Logger *slog.Logger
	// JobPrincipal reads customers for the billing run; by default a system staff
	// principal with the billing role.
	JobPrincipal *accounts.Principal
}

// Service is the billing domain's operations.
type Service struct {
	db        *store.DB
	clock     clock.Clock
	pack      *terms.Pack
	customers Customers
	claims    Claims
	usage     UsageLines
	cfg       Config
	provider  Party
	log       *slog.Logger
	job       accounts.Principal

	// failpoint, when set (tests), is called at named points of the billing run and
	// of issuing; an error it returns aborts there as a crash would.
	failpoint func(point string) error

	stmts *stmtCache
}

// SystemPrincipal is the principal the billing run reads customers with.
var SystemPrincipal = accounts.Principal{User: accounts.User{ID: -1, Email: "billing-run@system", Roles: []accounts.Role{accounts.RoleBilling}}}

// New returns the billing service for one policy pack.
func New(db *store.DB, clk clock.Clock, d Deps) *Service {
	if d.Pack == nil {
		panic("billing: a policy pack is required")
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{db: db, clock: clk, pack: d.Pack, customers: d.Customers, claims: d.Claims, usage: d.Usage, cfg: d.Config, log: d.Logger, job: SystemPrincipal,
		stmts: &stmtCache{db: db.DB, off: db.Dialect == store.Postgres}}
	if s.cfg.RunBatch == 0 {
		s.cfg.RunBatch = DefaultRunBatch(db.Dialect)
	}
	if d.JobPrincipal != nil {
		s.job = *d.JobPrincipal
	}
	s.provider = providerParty(d.Pack.Provider, d.Config)
	return s
}

// UseUsage sets where the run finds usage charges (wiring: the usage service is built
// after billing).
func (s *Service) UseUsage(u UsageLines) { s.usage = u }

func (s *Service) now() time.Time { return store.Now(s.clock.Now()) }

func (s *Service) today() terms.Date { return terms.DateIn(s.clock.Now(), clock.Amsterdam) }

func (s *Service) fail(point string) error {
	if s.failpoint == nil {
		return nil
	}
	return s.failpoint(point)
}

// providerParty merges the pack's provider with the configured overrides and splits
// the pack's one-line address ("Street 1, 1234AB City, NL").
func providerParty(p terms.Provider, c Config) Party {
	o := c.Provider
	pick := func(a, b string) string {
		if strings.TrimSpace(a) != "" {
			return strings.TrimSpace(a)
		}
		return strings.TrimSpace(b)
	}
	pt := Party{Name: pick(o.LegalName, p.LegalName), KvK: pick(o.KvK, p.KvK), VATID: pick(o.VATID, p.VATID),
		Email: pick(o.Email, p.Email), Website: pick(o.Website, p.Website), IBAN: strings.ReplaceAll(c.IBAN, " ", ""), BIC: c.BIC, Country: "NL"}
	addr := pick(o.Address, p.Address)
	parts := strings.Split(addr, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	if len(parts) >= 1 {
		pt.Street = parts[0]
	}
	if len(parts) >= 2 {
		f := strings.Fields(parts[1])
		// A Dutch postcode is 4 digits and 2 letters, written with or without a space.
		switch {
		case len(f) >= 3 && len(f[0]) == 4 && len(f[1]) == 2:
			pt.PostalCode, pt.City = f[0]+" "+f[1], strings.Join(f[2:], " ")
		case len(f) >= 2:
			pt.PostalCode, pt.City = f[0], strings.Join(f[1:], " ")
		default:
			pt.City = parts[1]
		}
	}
	if len(parts) >= 3 && len(parts[2]) == 2 {
		pt.Country = strings.ToUpper(parts[2])
	}
	return pt
}

func (s *Service) checkProvider() error {
	p := s.provider
	if p.Name == "" || p.KvK == "" || p.VATID == "" || p.Street == "" || p.City == "" {
		return ErrProviderIncomplete
	}
	return nil
}

// customerParty snapshots an organisation for an invoice.
func customerParty(o accounts.Organisation) (Party, terms.CustomerKind, string) {
	a := o.BillingAddress
	if a.Street == "" && a.City == "" {
		a = o.PostalAddress
	}
	kind := terms.Business
	if o.Kind == accounts.Consumer {
		kind = terms.Consumer
	}
	country := strings.ToUpper(a.Country)
	if country == "" {
		country = "NL"
	}
	lang := o.Language
	if lang != "en" {
		lang = "nl"
	}
	return Party{Name: o.LegalName, Street: a.Street, PostalCode: a.PostalCode, City: a.City, Country: country,
		KvK: o.KvK, VATID: o.VATID, Email: o.Email, Kind: string(kind)}, kind, lang
}

func actorFor(ctx context.Context, by accounts.Principal) context.Context {
	return accounts.ActorContext(ctx, by)
}

func jobCtx(ctx context.Context, name string) context.Context { return audit.JobContext(ctx, name) }

func record(ctx context.Context, q store.Querier, at time.Time, orgID int64, action, kind string, id int64, summary string) error {
	return audit.Record(ctx, q, at, audit.Change{OrgID: orgID, Action: action, ObjectKind: kind, ObjectID: fmt.Sprint(id), Summary: summary})
}

func exJSON(ex terms.Explanation) string {
	if ex == nil {
		ex = terms.Explanation{}
	}
	b, _ := json.Marshal(ex) // cannot fail: steps are strings, and Money and Date always encode
	return string(b)
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func nullDate(d terms.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.String()
}

func dateText(d terms.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}
