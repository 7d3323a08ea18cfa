// Package app wires hostpact's packages into one process: it opens the database,
// applies every package's schema in dependency order and builds the services, the HTTP
// handler and the job runner. cmd/hostpact only parses flags and calls it.
package app

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/hostpact/hostpact/internal/abuse"
	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/backup"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/billing/ledger"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/compensation"
	"github.com/hostpact/hostpact/internal/config"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/disclosure"
	"github.com/hostpact/hostpact/internal/dns"
	"github.com/hostpact/hostpact/internal/documents"
	"github.com/hostpact/hostpact/internal/domains"
	"github.com/hostpact/hostpact/internal/domains/domainstest"
	"github.com/hostpact/hostpact/internal/domains/registry"
	"github.com/hostpact/hostpact/internal/dunning"
	"github.com/hostpact/hostpact/internal/files"
	"github.com/hostpact/hostpact/internal/inbound"
	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/metrics"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/newsletter"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/onetime"
	"github.com/hostpact/hostpact/internal/payments"
	"github.com/hostpact/hostpact/internal/privacy"
	"github.com/hostpact/hostpact/internal/provision"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/provision/drivers/agentdriver"
	demodriver "github.com/hostpact/hostpact/internal/provision/drivers/demo"
	"github.com/hostpact/hostpact/internal/provision/drivers/directadmin"
	"github.com/hostpact/hostpact/internal/provision/drivers/docker"
	"github.com/hostpact/hostpact/internal/provision/drivers/proxmox"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/signup"
	"github.com/hostpact/hostpact/internal/status"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/support"
	"github.com/hostpact/hostpact/internal/terms"
	"github.com/hostpact/hostpact/internal/usage"
	"github.com/hostpact/hostpact/internal/web"
	"github.com/hostpact/hostpact/internal/web/api"
)

// Version is set at build time with -ldflags "-X github.com/hostpact/hostpact/internal/app.Version=…".
var Version = "dev"

// Schemas lists every package's schema in the order they must be applied.
func Schemas() []store.Schema {
	return []store.Schema{audit.Schema, notify.Schema, jobs.Schema, accounts.Schema, catalog.Schema, contracts.Schema,
		billing.Schema, payments.Schema, dunning.Schema, documents.Schema, monitor.Schema, status.Schema, compensation.Schema, signup.Schema,
		provision.Schema, files.Schema, onetime.Schema, privacy.Schema, domains.Schema, dns.Schema, usage.Schema, backup.Schema, inbound.Schema, support.Schema, abuse.Schema, disclosure.Schema, newsletter.Schema}
}

// App is a running hostpact's services.
type App struct {
	Config    config.Config
	Logger    *slog.Logger
	Clock     clock.Clock
	DB        *store.DB
	Accounts  *accounts.Service
	Catalog   *catalog.Service
	Contracts *contracts.Service
	Billing   *billing.Service
	Payments  *payments.Service
	Dunning   *dunning.Service
	// Documents are the published terms, privacy statement, DPA, SLA and the other
	// documents, with the versions each order showed.
	Documents *documents.Service
	// Monitor measures the servers' components for the SLA and alerts staff.
	Monitor *monitor.Service
	// Status is the public status page, incidents and maintenance; it follows the
	// monitor's outages through monitor.Hooks.
	Status *status.Service
	// Compensation is the SLA's month figures, exclusions, claims and credit.
	Compensation *compensation.Service
	// Provision delivers the services on the provider's servers (issue 13).
	Provision *provision.Service
	Secrets   *onetime.Service
	// Privacy is the processor's and controller's duties (issue 12): subprocessors,
	// breaches, data subject requests, retention.
	Privacy *privacy.Service
	// Domains carries domain names through the product (issue 14).
	Domains *domains.Service
	// DemoRegistry is the in-memory registry of `hostpact demo` (nil otherwise).
	DemoRegistry *domainstest.Registry
	// DNS keeps the customers' zones on PowerDNS (issue 14).
	DNS *dns.Service
	// Usage meters services against their plans (issue 15).
	Usage *usage.Service
	// Backup makes, keeps, restores and tests the services' backups (issue 15).
	Backup *backup.Service
	// Support is the support desk; Inbound routes received mail by address to the
	// desks' handlers (support here; abuse and security register theirs), Receiver
	// parses and de-duplicates it for the listener and the IMAP poller (support.go).
	Support  *support.Service
	Inbound  *inbound.Router
	Receiver *inbound.Receiver
	// Abuse is the notice-and-takedown desk; Disclosure responsible disclosure (issue 11).
	Abuse      *abuse.Service
	Disclosure *disclosure.Service
	// Newsletter is the monthly newsletter with its consent history (issue 12).
	Newsletter *newsletter.Service
	// DemoPSP is the in-process payment provider of `hostpact demo` (nil otherwise):
	// the web layer shows its checkout page and calls Complete.
	DemoPSP *payments.DemoProvider
	Metrics *metrics.Registry
	// Pack is the provider's terms: the embedded pack named by HOSTPACT_POLICY, or the
	// provider's own file (HOSTPACT_POLICY_FILE).
	Pack *terms.Pack
	// ProbeStore is what the probe role leases checks from and records results in
	// (the monitor service).
	ProbeStore monitor.Store

	securityTxt *disclosure.Signer // clear-signs security.txt when a key is configured

	paid *paidQueue // invoices a payment was applied to, for dunning (ledger.go)
}

// LoadPack reads the configured terms pack.
func LoadPack(cfg config.Config) (*terms.Pack, error) {
	if cfg.PolicyFile != "" {
		b, err := os.ReadFile(cfg.PolicyFile)
		if err != nil {
			return nil, fmt.Errorf("HOSTPACT_POLICY_FILE: %w", err)
		}
		p, err := terms.ParsePack(b)
		if err != nil {
			return nil, fmt.Errorf("HOSTPACT_POLICY_FILE %s: %w", cfg.PolicyFile, err)
		}
		return p, nil
	}
	p, err := terms.LoadPack(cfg.Policy)
	if err != nil {
		return nil, fmt.Errorf("HOSTPACT_POLICY: %w", err)
	}
	return p, nil
}

// Open connects to the configured database, migrates it and builds the services. It
// needs the secret key (cfg.Keys, or the file HOSTPACT_SECRET_KEY_FILE names) and
// refuses a key other than the one the database was written with.
func Open(ctx context.Context, cfg config.Config, logger *slog.Logger, clk clock.Clock) (*App, error) {
	pack, err := LoadPack(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Keys == nil && cfg.SecretKeyFile != "" {
		if cfg.Keys, err = secrets.Load(cfg.SecretKeyFile); err != nil {
			return nil, fmt.Errorf("HOSTPACT_SECRET_KEY_FILE: %w", err)
		}
	}
	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, Schemas()...); err != nil {
		db.Close()
		return nil, err
	}
	if err := checkKey(ctx, db, cfg.Keys); err != nil {
		db.Close()
		return nil, err
	}
	if err := protectAtRest(ctx, db, cfg.Keys, clk.Now(), logger); err != nil {
		db.Close()
		return nil, err
	}
	a, err := Build(cfg, pack, db, logger, clk)
	if err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

// Build builds the services on a database that is open and migrated (Schemas) — what
// Open does after connecting; tests call it with a storetest database and a
// clock.Fake. In demo mode the provider's missing billing details get demo values
// (config.ApplyDemo) and online payments go to the in-process DemoProvider.
func Build(cfg config.Config, pack *terms.Pack, db *store.DB, logger *slog.Logger, clk clock.Clock) (*App, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Keys == nil {
		return nil, errNoKey
	}
	if cfg.Demo {
		cfg.ApplyDemo()
	}
	audit.UseKeys(cfg.Keys)
	a := &App{Config: cfg, Logger: logger, Clock: clk, DB: db, Metrics: metrics.NewRegistry(), Pack: pack}
	a.Accounts = accounts.New(db, clk, accounts.Config{
		BaseURL:      cfg.URL(),
		TOTPIssuer:   pack.Provider.LegalName,
		ProviderName: pack.Provider.LegalName,
		Keys:         cfg.Keys,
		Logger:       logger,
		HashWorkers:  cfg.PasswordHashWorkers,
		Argon2: accounts.Argon2Params{Memory: cfg.PasswordHashCost.MemoryKiB, Time: cfg.PasswordHashCost.Passes,
			Threads: cfg.PasswordHashCost.Threads},
	})
	a.Catalog = catalog.New(db, clk)
	a.Documents = documents.New(db, clk, documents.Config{BaseURL: cfg.URL()})
	a.Billing = billing.New(db, clk, billing.Deps{Pack: pack, Customers: a.Accounts, Claims: dunningClaims{a: a}, Logger: logger, Config: billing.Config{
		Provider: terms.Provider{VATID: cfg.Provider.VATID}, IBAN: cfg.Provider.IBAN, BIC: cfg.Provider.BIC, Mail: true,
	}})
	a.Contracts = contracts.New(db, clk, contracts.Deps{
		Pack: pack, Plans: a.Catalog, Customers: a.Accounts, Ledger: contractsLedger{b: a.Billing}, BaseURL: cfg.URL(), Logger: logger,
		Documents: contractsDocuments{d: a.Documents},
	})
	providers := map[string]payments.Provider{}
	online := ""
	if cfg.Mollie.APIKey != "" {
		providers["mollie"] = &payments.Mollie{APIKey: cfg.Mollie.APIKey, WebhookSecret: cfg.Mollie.WebhookSecret}
		online = "mollie"
	}
	if cfg.Demo {
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return nil, err
		}
		a.DemoPSP = payments.NewDemoProvider(hex.EncodeToString(secret), clk)
		providers["demo"] = a.DemoPSP
		online = "demo"
	}
	a.paid = newPaidQueue(clk)
	a.Payments = payments.New(db, clk, ledger.New(a.Billing, a.paid.add), payments.Config{
		Creditor: payments.Creditor{Name: pack.Provider.LegalName, IBAN: cfg.Provider.IBAN, BIC: cfg.Provider.BIC,
			CreditorID: cfg.Provider.SEPACreditorID},
		Accounts:  cfg.Provider.Accounts,
		Providers: providers, OnlineProvider: online, BaseURL: cfg.URL(), Pack: pack, Logger: logger,
		BillingStaff: func(ctx context.Context) ([]payments.StaffContact, error) { return billingStaff(ctx, a.Accounts) },
	})
	a.Dunning = dunning.New(db, clk, dunning.Deps{Pack: pack, Invoices: dunningInvoices{b: a.Billing}, Suspender: a.Contracts, Logger: logger})
	// The monitor tells the status page's incidents about outages (monitor.Hooks) and
	// the status page reads the monitor's servers and outages: the hooks are bound once
	// both exist.
	hooks := &outageHooks{}
	a.Monitor = monitor.New(db, clk, monitor.Deps{Pack: pack, Keys: cfg.Keys, Staff: monitorStaff{acc: a.Accounts}, Logger: logger,
		Hooks: hooks, Alerts: monitor.AlertConfig{Webhook: cfg.Alerts.Webhook, MailTo: cfg.Alerts.Mail,
			RecoverAfter: 5 * time.Minute, FlapWindow: time.Hour, FlapCount: 3}})
	a.Status = status.New(db, clk, status.Deps{Pack: pack, Monitor: a.Monitor, Customers: statusCustomers{}, Keys: cfg.Keys, BaseURL: cfg.URL(), Logger: logger})
	hooks.status = a.Status
	a.ProbeStore = a.Monitor
	a.Compensation = compensation.New(db, clk, compensation.Deps{Pack: pack, Monitor: a.Monitor, Maintenance: a.Status,
		Billing: a.Billing, Subscriptions: compensation.Contracts{Pack: pack}, Customers: slaCustomers{}, Logger: logger})
	// The driver types a provider can register servers of (issue 13); the demo type
	// runs nothing and exists only in the demo.
	types := []driver.Type{agentdriver.Type(), docker.Type(clk), proxmox.Type(), directadmin.Type()}
	if cfg.Demo {
		types = append(types, demodriver.Type())
	}
	a.Provision = provision.New(db, clk, provision.Deps{Keys: cfg.Keys, Types: types, Plans: a.Catalog, Monitor: a.Monitor, Logger: logger,
		Customers: provisionCustomers{}, BaseURL: cfg.URL(), Provider: pack.Provider.LegalName})
	// Contracts drives provisioning (orders, ends, suspensions, plan changes) and tells
	// it which data the terms let go; each was built without the other.
	a.Provision.SetDeletions(a.Contracts)
	a.Secrets = onetime.New(db, clk, cfg.Keys, pack, cfg.URL())
	a.Privacy = privacy.New(db, clk, privacy.Deps{Pack: pack, Customers: privacyCustomers{}, Subscriptions: privacySubscriptions{pack: pack.Name},
		Placements: privacyPlacements{m: a.Monitor}, Holders: PrivacyHolders(), Retention: RetentionSources(clk),
		BaseURL: cfg.URL(), Logger: logger, ReplyDomain: deskDomain(pack)})
	// A cancellation may rest on an objection to a subprocessor (cp.dpa.6.2, fo.dpa.2.2).
	a.Contracts.UseSubprocessorObjections(a.Privacy)
	// Domain plans go to the registry of their TLD over EPP (issue 14); the demo uses an
	// in-memory registry that says so.
	dial := domains.EPPDialer(clk)
	if cfg.Demo {
		a.DemoRegistry = domainstest.New(clk)
		dial = func(_ context.Context, c domains.Connection) (registry.Registry, error) {
			return a.DemoRegistry.Conn(c.Username), nil
		}
	}
	a.Domains = domains.New(db, clk, domains.Deps{Keys: cfg.Keys, Dial: dial, Customers: a.Accounts, Subscriptions: a.Contracts, Pack: pack,
		Logger: logger, BaseURL: cfg.URL(), Provider: pack.Provider.LegalName})
	a.Contracts.UseProvisioner(contracts.ByKind{Default: a.Provision, Kinds: map[catalog.Kind]contracts.Provisioner{catalog.KindDomain: a.Domains}})
	a.Contracts.UseDomainNames(a.Domains)
	a.DNS = dns.New(db, clk, dns.Deps{Keys: cfg.Keys, Customers: a.Accounts, Hosting: dnsHosting{prov: a.Provision}, Monitor: a.Monitor, Logger: logger})
	// A domain that becomes active gets its zone; one that leaves takes it along.
	a.Domains.SetZones(a.DNS)
	a.Usage = usage.New(db, clk, usage.Deps{Pack: pack, Directory: usageDirectory{a}, Meter: usageDirectory{a}, Customers: usageCustomers{},
		Measures: usageMeasures{a}, Plans: usagePlans{a}, BaseURL: cfg.URL(), Provider: pack.Provider.LegalName, Logger: logger,
		// Deliveries only store their samples; the usage.fold job adds them to the
		// months and sends the warnings, paying each series' cost once per chunk
		// rather than once per delivery (issue 15's ingest rate).
		FoldLater: true})
	a.Billing.UseUsage(a.Usage)
	// Backups with restic; the demo records runs on a demo backup server instead.
	// Services on agent servers are backed up by restic on their agent (Remote) and
	// enrolled by the backup.enrol job; other drivers expose no data directory yet.
	bd := backup.Deps{Keys: cfg.Keys, Pack: pack, Staff: backupStaff{a.Accounts}, Customers: backupCustomers{}, AddOns: backupAddOns{db},
		BaseURL: cfg.URL(), Provider: pack.Provider.LegalName, Logger: logger, Remote: backupRemote{a.Provision}}
	if cfg.Demo {
		bd.Engine, bd.Source = &backup.DemoEngine{}, backup.DemoSource{}
	}
	a.Backup = backup.New(db, clk, bd)
	a.buildSupport(pack)
	if err := a.buildDesks(); err != nil {
		return nil, err
	}
	// Notices and reports by e-mail reach the abuse and security desks (cp.ntd.2.1-2.6, cp.rd).
	a.Inbound.Handle(a.DeskAddress("abuse"), a.Abuse.MailHandler())
	a.Inbound.Handle(a.DeskAddress("security"), a.Disclosure.MailHandler())
	if err := a.buildNewsletter(); err != nil {
		return nil, err
	}
	a.Backup.SetProvisioning(backupProvisioning{db})
	return a, nil
}

// SettlePaid lets dunning settle the invoices payments were applied to in this
// process since the last call (dunning.OnPaid): a suspension for the invoice is lifted
// and interest and collection costs are charged. The "dunning.paid" job calls it every
// minute; dunning's hourly run does the same for any invoice it missed.
func (a *App) SettlePaid(ctx context.Context, _ time.Time) error {
	return settlePaid(ctx, a.Dunning, a.paid, a.Logger)
}

// NotePaid queues an invoice for SettlePaid after a payment was applied to it outside
// the payments service (a caller of billing.ApplyPayment); call it after the
// payment's transaction commits.
func (a *App) NotePaid(invoiceID int64) { a.paid.add(invoiceID) }

// Close releases the database.
func (a *App) Close() error { return a.DB.Close() }

// Handler builds the HTTP handler: pages, API, health and metrics.
func (a *App) Handler() (http.Handler, error) {
	apiHandler := api.New(api.Deps{DB: a.DB, Clock: a.Clock, Accounts: a.Accounts, Catalog: a.Catalog, Contracts: a.Contracts, Pack: a.Pack,
		Billing: a.Billing, Payments: a.Payments, Dunning: a.Dunning, Usage: a.Usage,
		Logger: a.Logger, Demo: a.Config.Demo, TokenRate: a.Config.APITokenRate})
	h, err := web.New(web.Deps{
		DB: a.DB, Clock: a.Clock, Accounts: a.Accounts, Logger: a.Logger,
		Catalog: a.Catalog, Contracts: a.Contracts, Pack: a.Pack,
		Billing: a.Billing, Payments: a.Payments, Dunning: a.Dunning, DemoPSP: a.DemoPSP,
		API: apiHandler, Metrics: a.mainMetrics(), Documents: a.Documents, Status: a.Status, Monitor: a.Monitor, Compensation: a.Compensation,
		Provision: a.Provision, Secrets: a.Secrets, Privacy: a.Privacy, Domains: a.Domains, DNS: a.DNS, Backup: a.Backup, Support: a.Support, Abuse: a.Abuse, Disclosure: a.Disclosure, SecurityContact: a.DeskAddress("security"), SecurityTxtSigner: a.signer(), Usage: a.Usage, Newsletter: a.Newsletter,
		Config: web.Config{BaseURL: a.Config.URL(), Demo: a.Config.Demo, ProviderName: a.Pack.Provider.LegalName, SecureCookies: a.Config.SecureCookies},
	})
	if err != nil {
		return nil, err
	}
	return a.Metrics.HTTPMiddleware(h), nil
}

// metricsHandler is /metrics as configured: behind the bearer token when one is set.
func (a *App) metricsHandler() http.Handler {
	h := a.Metrics.Handler()
	if a.Config.MetricsToken != "" {
		h = metrics.Bearer(a.Config.MetricsToken, h)
	}
	return h
}

// mainMetrics is /metrics on the main listener: only with a token and without a
// listener of its own; otherwise the public never reaches it (issue 8, finding 7).
func (a *App) mainMetrics() http.Handler {
	if a.Config.MetricsToken == "" || a.Config.MetricsAddr != "" {
		return nil
	}
	return a.metricsHandler()
}

// serveMetrics serves /metrics alone on HOSTPACT_METRICS_ADDR until ctx ends.
func (a *App) serveMetrics(ctx context.Context, errc chan<- error) error {
	ln, err := net.Listen("tcp", a.Config.MetricsAddr)
	if err != nil {
		return fmt.Errorf("listen %s (HOSTPACT_METRICS_ADDR): %w", a.Config.MetricsAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.metricsHandler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
		ErrorLog: slog.NewLogLogger(a.Logger.Handler(), slog.LevelWarn)}
	go func() {
		err := srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		errc <- err
	}()
	go func() {
		<-ctx.Done()
		shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutCtx); err != nil {
			a.Logger.Warn("metrics: shutdown", "err", err)
		}
	}()
	a.Logger.Info("metrics listening", "addr", ln.Addr().String(), "token", a.Config.MetricsToken != "")
	return nil
}

// Runner builds the job runner with every periodic job registered.
func (a *App) Runner() *jobs.Runner {
	host, err := os.Hostname()
	if err != nil {
		host = "hostpact" // the process id still tells instances on one machine apart
	}
	r := jobs.New(a.DB, a.Clock, a.Logger, fmt.Sprintf("%s-%d", host, os.Getpid()))
	var d notify.Deliverer
	if a.Config.SMTP.Host == "" {
		d = notify.LogDeliverer{Logger: a.Logger}
	}
	sender := notify.NewSender(a.DB, a.Clock, notify.SMTPConfig{
		Host: a.Config.SMTP.Host, Port: a.Config.SMTP.Port, Username: a.Config.SMTP.Username,
		Password: a.Config.SMTP.Password, From: a.Config.SMTP.From, FromName: a.Config.SMTP.FromName, TLS: a.Config.SMTP.TLS,
	}, a.Logger, d)
	sender.Keys = a.Config.Keys
	r.Register(sender.Job())
	a.registerSupportJobs(r)
	// Renewals, scheduled plan and price changes, contract ends and provisioning retries.
	// Each step is idempotent by its own keys, so an hourly sweep is safe and picks up
	// a day that a stopped instance missed.
	r.Register(jobs.Job{Name: "contracts.due", Every: time.Hour, Run: a.Contracts.RunDue})
	// The billing run, withdrawal refunds and overpayment checks; every period is
	// billed once however often it runs.
	r.Register(a.Billing.Job())
	// Dunning: reminders, default, suspension, termination, and settling paid invoices.
	r.Register(a.Dunning.Job())
	// Payments applied in this process are settled by dunning within a minute instead
	// of at the next hourly dunning run.
	r.Register(jobs.Job{Name: "dunning.paid", Every: time.Minute, Run: a.SettlePaid})
	// Monitoring: results to confirmed outages and alerts, webhook delivery, retention.
	r.Register(a.Monitor.EvaluateJob())
	r.Register(a.Monitor.AlertsJob())
	r.Register(a.Monitor.RetentionJob())
	// SLA month figures, written once an hour after the month ends, and the claims the
	// pack lets approve automatically.
	r.Register(a.Abuse.DeadlinesJob())
	r.Register(a.Disclosure.Job())
	r.Register(jobs.Job{Name: "sla.freeze", Every: time.Hour, Run: a.Compensation.Freeze})
	// Provisioning: the steps on the servers, and the comparison with what they list.
	r.Register(a.Provision.RunJob())
	r.Register(a.Provision.SyncJob())
	// Privacy: breach notices within 24 hours with alerts from 12, and the retention
	// schedule (issue 12).
	r.Register(a.Privacy.BreachJob())
	r.Register(a.Privacy.RetentionJob())
	// The newsletter: batches of a newsletter being sent, expired sign-ups.
	r.Register(a.Newsletter.Job())
	// Domains: registry steps, and the comparison with the registry's view.
	r.Register(a.Domains.RunJob())
	r.Register(a.Domains.SyncJob())
	// Usage: the drivers asked each hour; the samples folded into the months each
	// minute; last month's usage above the plan priced.
	r.Register(a.Usage.CollectJob())
	r.Register(a.Usage.SettleJob())
	r.Register(a.Usage.FoldJob())
	// Backups: the day's runs, the retention rule, restores and the quarterly test.
	r.Register(a.Backup.RunJob())
	r.Register(a.Backup.EnrolJob())
	r.Register(a.Backup.ForgetJob())
	r.Register(a.Backup.RestoreJob())
	r.Register(a.Backup.RestoreTestJob())
	// The audit trail's text search index on SQLite, written after the entries
	// (audit.SearchIndexer).
	r.Register((&audit.SearchIndexer{DB: a.DB}).Job())
	// Signed checkpoints of the audit trail, outside the database.
	if a.Config.Audit.CheckpointDir != "" {
		r.Register((&audit.Checkpointer{DB: a.DB, Keys: a.Config.Keys, Dir: a.Config.Audit.CheckpointDir,
			Every: a.Config.Audit.CheckpointEvery, Mail: a.Config.Audit.CheckpointMail, Logger: a.Logger}).Job())
	}
	// Direct debits booked after their settlement date, refunds the provider paid,
	// warnings before refund deadlines.
	r.Register(a.Payments.Job())
	// The query planner's statistics: PRAGMA optimize on SQLite, nothing on PostgreSQL,
	// where autovacuum analyses (docs/architecture.md).
	// One-time secrets that nobody opened go when they expire (cp.security.passwords.4).
	r.Register(jobs.Job{Name: "onetime.purge", Every: 15 * time.Minute, Run: func(ctx context.Context, now time.Time) error {
		_, err := a.Secrets.Purge(ctx, now)
		return err
	}})
	r.Register(jobs.Job{Name: "store.optimize", Every: 6 * time.Hour, Run: func(ctx context.Context, _ time.Time) error { return a.DB.Optimize(ctx) }})
	return r
}

// Serve runs the roles the configuration asks for until ctx is cancelled, then shuts
// down gracefully: the server stops accepting, finishes requests in flight, and the
// runner finishes the job it is running. ready, when non-nil, receives the listen
// address once the server accepts connections.
func (a *App) Serve(ctx context.Context, ready func(addr string)) error {
	errc := make(chan error, 3)
	running := 0
	if a.Config.Has("jobs") {
		running++
		r := a.Runner()
		go func() { errc <- r.Run(ctx) }()
	}
	if err := a.serveInbound(ctx); err != nil {
		return err
	}
	if a.Config.Has("probe") {
		r, err := a.probeRunner()
		if err != nil {
			return err
		}
		running++
		go func() { errc <- r.Run(ctx) }()
	}
	if a.Config.Has("web") {
		h, err := a.Handler()
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", a.Config.Addr)
		if err != nil {
			return fmt.Errorf("listen %s: %w", a.Config.Addr, err)
		}
		switch {
		case a.Config.MetricsAddr != "":
			if err := a.serveMetrics(ctx, errc); err != nil {
				ln.Close()
				return err
			}
			running++
		case a.Config.MetricsToken == "":
			a.Logger.Info("metrics not served: set HOSTPACT_METRICS_TOKEN to serve /metrics to scrapers that send it, or HOSTPACT_METRICS_ADDR to serve it on an address of its own")
		}
		srv := &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      60 * time.Second,
			IdleTimeout:       120 * time.Second,
			ErrorLog:          slog.NewLogLogger(a.Logger.Handler(), slog.LevelWarn),
			// cp.security.crypto.2: transport encryption; TLS 1.2 is the floor.
			TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12},
		}
		running++
		go func() {
			var err error
			if a.Config.TLSCert != "" {
				err = srv.ServeTLS(ln, a.Config.TLSCert, a.Config.TLSKey)
			} else {
				err = srv.Serve(ln)
			}
			if errors.Is(err, http.ErrServerClosed) {
				err = nil
			}
			errc <- err
		}()
		go func() {
			<-ctx.Done()
			shutCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := srv.Shutdown(shutCtx); err != nil {
				a.Logger.Warn("web: shutdown: requests still open were cut off", "err", err)
			}
		}()
		a.Logger.Info("web listening", "url", a.Config.URL(), "addr", ln.Addr().String())
		if ready != nil {
			ready(ln.Addr().String())
		}
	}
	var first error
	for range running {
		if err := <-errc; err != nil && first == nil {
			first = err
		}
	}
	return first
}
