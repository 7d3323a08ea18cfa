package bench

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/app"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/config"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/demo"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// PagesConfig is one `hostpact bench pages` run.
type PagesConfig struct {
	Customers   int
	Invoices    int           // at least; the billing run bills every customer once per month, so ⌈Invoices/Customers⌉ runs
	DatabaseURL string        // "" = a temporary SQLite file; postgres://… = a fresh schema there
	Paid        int           // invoices paid through imported CAMT.053 bank statements (the oldest first)
	Requests    int           // timed requests per route (after one untimed warm-up)
	RouteBudget time.Duration // stop timing a route after this long, warm-up included (at least one timed request)
	Progress    io.Writer     // seeding progress; nil: none
	// Keep names a seeded database that outlives the run: a SQLite file in the
	// temporary directory or a PostgreSQL schema, both called after it. A later run
	// with the same name and size measures it again without seeding, with the
	// current code's migrations applied: seeding 1,000,000 invoices takes far longer
	// than timing the pages.
	Keep string
}

// RouteTiming is one route's server times.
type RouteTiming struct {
	Route    string
	Status   int
	Samples  int
	Median   time.Duration
	P99      time.Duration
	Bytes    int
	Next     bool // the route is the second page, reached through the first page's rel="next" link
	Parent   string
	Failures int
}

// PagesResult is what a run seeded and measured.
type PagesResult struct {
	Engine    string
	Customers int
	Invoices  int
	Paid      int
	Seed      time.Duration
	Reused    bool // the database was kept by an earlier run: Seed is only its migration and ANALYZE
	Routes    []RouteTiming
}

// Pages parses flags and runs the page benchmark.
func Pages(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench pages", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("customers", 1000, "customers to create (each with one monthly subscription under a contract of its own)")
	m := fs.Int("invoices", 10000, "invoices to create, at least (billing runs of one invoice per customer each)")
	dbURL := fs.String("db", "", "database URL (postgres://...: a fresh schema is made there and dropped after); default: a temporary SQLite file")
	paid := fs.Int("paid", 5000, "invoices to pay through imported CAMT.053 bank statements (the oldest first)")
	reqs := fs.Int("requests", 31, "timed requests per route")
	budget := fs.Duration("route-budget", 15*time.Second, "stop timing a route after this long, its warm-up included (at least one timed request)")
	keep := fs.String("keep", "", "keep the seeded database under this name (letters, digits, _) and reuse it when a run with the same name and size finds it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "bench pages: %d customers, %d invoices, %s\n", *n, *m, engineOf(*dbURL))
	res, err := PagesRun(ctx, PagesConfig{Customers: *n, Invoices: *m, DatabaseURL: *dbURL, Paid: *paid, Requests: *reqs, RouteBudget: *budget, Progress: stdout, Keep: *keep})
	if err != nil {
		return err
	}
	verb := "seeded"
	if res.Reused {
		verb = "reused (seeded by an earlier run)"
	}
	fmt.Fprintf(stdout, "%s %d customers, %d invoices (%d paid by bank statement) in %s\n", verb, res.Customers, res.Invoices, res.Paid, res.Seed.Round(time.Second))
	fmt.Fprintf(stdout, "server time through the real handler (httptest recorder, signed-in administrator), %d requests per route or %s:\n", *reqs, *budget)
	printRoutes(stdout, res.Routes)
	fmt.Fprintf(stdout, "%s\nload average:          %s\n", memoryLine(), loadAverage())
	return nil
}

func printRoutes(w io.Writer, routes []RouteTiming) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "ROUTE\tSTATUS\tN\tMEDIAN\tP99\tBYTES\t")
	for _, r := range routes {
		name := r.Route
		if r.Next {
			name = "  page 2: " + name
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%d\t\n", name, r.Status, r.Samples, ms(r.Median), ms(r.P99), r.Bytes)
	}
	tw.Flush()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// Sample ids the route list fills in: a customer, an invoice and a contract from the
// middle of the bulk-loaded ones, so no page is cheap because its rows come first.
type sampleIDs struct {
	org, invoice, contract int64
	number                 string // the sample invoice's number
}

// staffRoutes are the staff app's list, search, filter, report and detail pages, from
// its navigation (templates/_layout.html) and the filter forms of each list.
func staffRoutes(ids sampleIDs, today terms.Date) []string {
	o, inv, c := fmt.Sprint(ids.org), fmt.Sprint(ids.invoice), fmt.Sprint(ids.contract)
	from := today.AddDays(-365).String()
	return []string{
		"/staff/",
		"/staff/customers",
		"/staff/customers?q=jansen",
		"/staff/customers?q=" + url.QueryEscape("klant "+o),
		"/staff/customers?q=example.nl",
		"/staff/customers?q=kl", // two letters: a prefix, common
		"/staff/customers?q=zq", // two letters: a prefix, rare
		"/staff/customers?kind=business",
		"/staff/customers/" + o,
		"/staff/contracts",
		"/staff/contracts?status=active",
		"/staff/contracts?status=ended",
		"/staff/contracts?customer=" + o,
		"/staff/contracts/" + c,
		"/staff/quotes",
		"/staff/invoices",
		"/staff/invoices?status=open",
		"/staff/invoices?status=paid",
		"/staff/invoices?kind=credit_note",
		"/staff/invoices?customer=" + o,
		"/staff/invoices?q=" + url.QueryEscape(ids.number),
		"/staff/invoices?q=" + url.QueryEscape(ids.number[:min(len(ids.number), 5)]),
		"/staff/invoices/" + inv,
		"/staff/reports",
		"/staff/reports?from=" + from + "&to=" + today.String(),
		"/staff/reports/receivables.csv",
		"/staff/reports/revenue.csv?from=" + from + "&to=" + today.String(),
		"/staff/reports/vat.csv?from=" + from + "&to=" + today.String(),
		"/staff/mandates",
		"/staff/direct-debits",
		"/staff/payments/unmatched",
		"/staff/refunds",
		"/staff/price-increases",
		"/staff/audit",
		"/staff/audit?q=invoice",
		"/staff/audit?q=" + url.QueryEscape(ids.number),
		"/staff/audit?org=" + o,
		"/staff/mail",
		"/staff/users",
		"/staff/catalog",
		"/staff/terms",
		"/staff/documents",
		"/staff/provisioning",
		"/staff/provisioning/queue",
		"/staff/monitoring",
		"/staff/monitoring/outages",
		"/staff/incidents",
		"/staff/maintenance",
		"/staff/sla",
		"/staff/sla/exclusions",
		"/staff/force-majeure",
	}
}

// benchEpoch is when the bench's customers sign their contracts; the billing runs
// follow month by month.
var benchEpoch = time.Date(2025, 1, 2, 9, 0, 0, 0, time.UTC)

// PagesRun seeds a fresh database and times every staff page through the real handler,
// then the portal pages of one of the seeded customers.
func PagesRun(ctx context.Context, cfg PagesConfig) (PagesResult, error) {
	if cfg.Customers <= 0 || cfg.Invoices < 0 {
		return PagesResult{}, errors.New("customers must be positive")
	}
	if cfg.Requests <= 0 {
		cfg.Requests = 31
	}
	if cfg.RouteBudget <= 0 {
		cfg.RouteBudget = 15 * time.Second
	}
	progress := cfg.Progress
	if progress == nil {
		progress = io.Discard
	}
	res := PagesResult{Engine: engineOf(cfg.DatabaseURL)}
	dsn, cleanup, err := keptDatabase(ctx, cfg.DatabaseURL, cfg.Keep)
	if err != nil {
		return res, err
	}
	defer cleanup()
	clk := clock.NewFake(benchEpoch)
	keys, err := keptKeys(cfg.Keep)
	if err != nil {
		return res, err
	}
	a, err := openBenchApp(ctx, dsn, clk, 0, keys)
	if err != nil {
		return res, err
	}
	defer a.Close()
	runs := max(1, (cfg.Invoices+cfg.Customers-1)/cfg.Customers)
	t0 := time.Now()
	first, err := seededBefore(ctx, a.DB, cfg)
	if err != nil {
		return res, err
	}
	res.Customers = cfg.Customers
	day := benchEpoch.AddDate(0, runs, 0)
	if first != 0 {
		fmt.Fprintf(progress, "reusing the database kept as %q\n", cfg.Keep)
		res.Reused = true
		var reuses int
		if err := a.DB.QueryRowContext(ctx, `UPDATE bench_seeded SET reuses = reuses + 1 RETURNING paid, reuses`).Scan(&res.Paid, &reuses); err != nil {
			return res, err
		}
		// A minute later per reuse: the staff sign-in's TOTP code of an earlier run is
		// spent (replay protection), as it would be on a live system.
		clk.Set(day.AddDate(0, 0, -20).Add(time.Duration(reuses) * time.Minute))
	} else {
		if first, res.Paid, err = seedPages(ctx, a, clk, cfg, runs, progress); err != nil {
			return res, err
		}
	}
	if err := a.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM invoices`).Scan(&res.Invoices); err != nil {
		return res, err
	}
	// The audit.search job's work on a live system, before the search is timed.
	if _, err := (&audit.SearchIndexer{DB: a.DB}).Run(ctx); err != nil {
		return res, err
	}
	if err := analyse(ctx, a.DB); err != nil {
		return res, err
	}
	res.Seed = time.Since(t0)

	ids, err := pickSamples(ctx, a.DB, first, cfg.Customers)
	if err != nil {
		return res, err
	}
	h, err := a.Handler()
	if err != nil {
		return res, err
	}
	c := &benchClient{h: h, cookies: map[string]string{}}
	if err := c.staffLogin(demoStaffEmail, clk.Now()); err != nil {
		return res, err
	}
	today := terms.DateIn(clk.Now(), clock.Amsterdam)
	for _, route := range staffRoutes(ids, today) {
		rt, body := c.time(route, cfg.Requests, cfg.RouteBudget)
		res.Routes = append(res.Routes, rt)
		fmt.Fprintf(progress, "%s: %d, median %s\n", route, rt.Status, ms(rt.Median))
		if next := nextLink(body); next != "" {
			rt, _ := c.time(next, cfg.Requests, cfg.RouteBudget)
			rt.Next, rt.Parent = true, route
			res.Routes = append(res.Routes, rt)
		}
	}
	// A customer's own pages, as the sample customer's administrative user: their cost
	// must not grow with what other customers hold (issue 16).
	ctxAudit := audit.WithActor(ctx, audit.System("bench"))
	email := fmt.Sprintf("bench%d@example.nl", ids.org)
	if _, err := a.Accounts.FindUserByEmail(ctx, email); err != nil {
		if _, err := a.Accounts.CreateUserCLI(ctxAudit, accounts.UserInput{OrgID: ids.org, Email: email, Name: "Bench", Language: "nl",
			Password: demo.Password, OrgAdmin: true}); err != nil {
			return res, fmt.Errorf("customer user: %w", err)
		}
	}
	cc := &benchClient{h: h, cookies: map[string]string{}}
	if err := cc.customerLogin(email); err != nil {
		return res, err
	}
	for _, route := range []string{"/portal/", "/portal/invoices", "/portal/invoices?status=open", "/portal/contracts",
		"/portal/invoices/" + fmt.Sprint(ids.invoice), "/portal/contracts/" + fmt.Sprint(ids.contract)} {
		rt, _ := cc.time(route, cfg.Requests, cfg.RouteBudget)
		res.Routes = append(res.Routes, rt)
		fmt.Fprintf(progress, "%s: %d, median %s\n", route, rt.Status, ms(rt.Median))
	}
	return res, nil
}

const demoStaffEmail = "admin@cloudprovider.test"

// seedPages fills a migrated database: the demo, cfg.Customers bulk-loaded customers,
// runs monthly billing runs from benchEpoch and cfg.Paid payments; with cfg.Keep it
// records what it seeded in bench_seeded for a later run. It returns the first
// customer's id and the invoices paid.
func seedPages(ctx context.Context, a *app.App, clk *clock.Fake, cfg PagesConfig, runs int, progress io.Writer) (int64, int, error) {
	if _, err := demo.Seed(ctx, a); err != nil {
		return 0, 0, fmt.Errorf("demo data: %w", err)
	}
	first, err := seedCustomers(ctx, a.DB, a.Pack.Name, cfg.Customers, progress)
	if err != nil {
		return 0, 0, err
	}
	day := benchEpoch
	for k := range runs {
		t := time.Now()
		rr, err := a.Billing.RunBilling(ctx, day)
		if err != nil {
			return 0, 0, fmt.Errorf("billing run %d (%s): %w", k+1, day.Format("2006-01-02"), err)
		}
		fmt.Fprintf(progress, "billing run %d/%d on %s: %d invoices in %s\n", k+1, runs, day.Format("2006-01-02"), rr.Invoices, time.Since(t).Round(time.Millisecond))
		day = day.AddDate(0, 1, 0)
	}
	clk.Set(day.AddDate(0, 0, -20))
	paid := 0
	if cfg.Paid > 0 {
		t := time.Now()
		if paid, err = payInvoices(ctx, a, cfg.Paid); err != nil {
			return 0, 0, fmt.Errorf("payments: %w", err)
		}
		fmt.Fprintf(progress, "%d invoices paid by bank statement in %s\n", paid, time.Since(t).Round(time.Millisecond))
	}
	if cfg.Keep != "" {
		if _, err := a.DB.ExecContext(ctx, `CREATE TABLE bench_seeded (customers BIGINT NOT NULL, invoices BIGINT NOT NULL, first_org BIGINT NOT NULL, paid BIGINT NOT NULL, reuses BIGINT NOT NULL DEFAULT 0)`); err != nil {
			return 0, 0, err
		}
		if _, err := a.DB.ExecContext(ctx, `INSERT INTO bench_seeded (customers, invoices, first_org, paid) VALUES ($1, $2, $3, $4)`, cfg.Customers, cfg.Invoices, first, paid); err != nil {
			return 0, 0, err
		}
	}
	return first, paid, nil
}

// keptKeys is the secret key of a kept database (nil without keep: an ephemeral one).
// It lives in a file of its own next to where a kept SQLite database goes, outside the
// database, so what the seeding sealed (the staff's TOTP secrets) opens again.
func keptKeys(keep string) (*secrets.Keyring, error) {
	if keep == "" {
		return nil, nil
	}
	path := filepath.Join(os.TempDir(), "hostpact-bench-"+keep+".key")
	m, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		m = make([]byte, 32)
		if _, err := rand.Read(m); err != nil {
			return nil, err
		}
		err = os.WriteFile(path, m, 0o600)
	}
	if err != nil {
		return nil, err
	}
	return secrets.New(m)
}

// seededBefore is the first customer's id in a database kept by an earlier run of the
// same size, or 0 when there is none to reuse.
func seededBefore(ctx context.Context, db *store.DB, cfg PagesConfig) (int64, error) {
	if cfg.Keep == "" {
		return 0, nil
	}
	var customers, invoices int
	var first int64
	err := db.QueryRowContext(ctx, `SELECT customers, invoices, first_org FROM bench_seeded`).Scan(&customers, &invoices, &first)
	if err != nil {
		return 0, nil // not seeded yet (no such table)
	}
	if customers != cfg.Customers || invoices != cfg.Invoices {
		return 0, fmt.Errorf("the database kept as %q holds %d customers and %d invoices, not %d and %d", cfg.Keep, customers, invoices, cfg.Customers, cfg.Invoices)
	}
	return first, nil
}

// openBenchApp builds the application as `hostpact demo` does (demo mode: the demo
// payment provider and the outbox page), on a migrated database at dsn; apiTokenRate,
// when positive, replaces the API's per-token rate limit.
func openBenchApp(ctx context.Context, dsn string, clk clock.Clock, apiTokenRate float64, keys *secrets.Keyring) (*app.App, error) {
	if keys == nil {
		keys = secrets.Ephemeral()
	}
	cfg, err := config.Load("", nil)
	if err != nil {
		return nil, err
	}
	cfg.Demo, cfg.Keys, cfg.DatabaseURL, cfg.APITokenRate = true, keys, dsn, apiTokenRate
	pack, err := app.LoadPack(cfg)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, app.Schemas()...); err != nil {
		db.Close()
		return nil, err
	}
	a, err := app.Build(cfg, pack, db, nil, clk)
	if err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

// analyse gives the planner statistics on what was bulk loaded, as autovacuum (or
// the store.optimize job on SQLite) would on a live database.
func analyse(ctx context.Context, db *store.DB) error {
	if db.Dialect == store.SQLite {
		return db.Analyze(ctx)
	}
	return db.Analyze(ctx, "organisations", "users", "contracts", "subscriptions", "invoices", "invoice_lines", "invoice_state", "audit_entries", "mail_outbox")
}

var (
	firstNames = []string{"Jan", "Marieke", "Piet", "Sanne", "Daan", "Emma", "Lucas", "Julia", "Sem", "Tess", "Bram", "Anouk", "Thijs", "Fleur", "Ruben"}
	lastNames  = []string{"de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot",
		"Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra"}
	cities = []string{"Amsterdam", "Rotterdam", "Utrecht", "Groningen", "Eindhoven", "Zwolle", "Leeuwarden", "Maastricht", "Delft", "Haarlem"}
)

// seedCustomers inserts n organisations with multi-row INSERTs (what the accounts
// service would write for them, without users or audit entries) and one active monthly
// subscription under a contract of its own for each through contracts.BulkLoad; it
// returns the first organisation's id (the ids are consecutive).
func seedCustomers(ctx context.Context, db *store.DB, pack string, n int, progress io.Writer) (int64, error) {
	t := time.Now()
	const cols, batch, perTx = 10, 500, 20000
	now := store.Now(benchEpoch)
	var ids []int64
	for start := 0; start < n; start += perTx {
		end := min(start+perTx, n)
		err := db.InTx(ctx, func(q store.Querier) error {
			for i := start; i < end; i += batch {
				k := min(batch, end-i)
				var sb strings.Builder
				sb.WriteString(`INSERT INTO organisations (kind, legal_name, contact_name, email, language, postal_street, postal_code, postal_city,
					postal_country, billing_street, billing_postal_code, billing_city, billing_country, kvk, vat_id, created_at, updated_at) VALUES `)
				args := make([]any, 0, k*cols)
				for j := range k {
					if j > 0 {
						sb.WriteString(", ")
					}
					b := j * cols
					fmt.Fprintf(&sb, "($%d, $%d, $%d, $%d, 'nl', $%d, $%d, $%d, 'NL', $%d, $%d, $%d, 'NL', $%d, $%d, $%d, $%d)",
						b+1, b+2, b+3, b+4, b+5, b+6, b+7, b+5, b+6, b+7, b+8, b+9, b+10, b+10)
					x := i + j + 1
					person := firstNames[x%len(firstNames)] + " " + lastNames[(x/len(firstNames))%len(lastNames)]
					kind, name, kvk, vat := accounts.Consumer, person, "", ""
					if x%2 == 0 {
						kind, name = accounts.Business, fmt.Sprintf("%s Hosting %d B.V.", lastNames[x%len(lastNames)], x)
						kvk, vat = fmt.Sprintf("%08d", 10000000+x), fmt.Sprintf("NL%09dB01", 100000000+x)
					}
					if x%3 == 0 {
						name = fmt.Sprintf("Klant %d %s", x, name)
					}
					args = append(args, string(kind), name, person, fmt.Sprintf("klant%d@example.nl", x),
						fmt.Sprintf("Dorpsstraat %d", x%300+1), fmt.Sprintf("%04d AB", 1000+x%9000), cities[x%len(cities)], kvk, vat, now)
				}
				sb.WriteString(" RETURNING id")
				rows, err := q.QueryContext(ctx, sb.String(), args...)
				if err != nil {
					return err
				}
				for rows.Next() {
					var id int64
					if err := rows.Scan(&id); err != nil {
						rows.Close()
						return err
					}
					ids = append(ids, id)
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return 0, fmt.Errorf("organisations: %w", err)
		}
	}
	slices.Sort(ids)
	if len(ids) != n || ids[n-1]-ids[0] != int64(n-1) {
		return 0, fmt.Errorf("organisations: %d ids, not consecutive", len(ids))
	}
	fmt.Fprintf(progress, "%d organisations in %s\n", n, time.Since(t).Round(time.Millisecond))
	t = time.Now()
	day := terms.DateIn(benchEpoch, clock.Amsterdam)
	subs := make([]contracts.BulkSubscription, 0, 10000)
	for i, id := range ids {
		kind := terms.Consumer
		if (i+1)%2 == 0 {
			kind = terms.Business
		}
		b := contracts.BulkSubscription{OrgID: id, CustomerKind: kind, OrgName: fmt.Sprintf("Klant %d", i+1), Country: "NL",
			Name: "Webhosting Pro", Kind: catalog.KindWebhosting, Billing: catalog.Subscription, Period: terms.MustPeriod("P1M"),
			Price: 795, VATCategory: terms.VATStandard, StartOn: day, TermEnd: day.AddYears(1)}
		subs = append(subs, b)
		if len(subs) == cap(subs) || i == len(ids)-1 {
			if err := contracts.BulkLoad(ctx, db, pack, subs); err != nil {
				return 0, err
			}
			subs = subs[:0]
		}
	}
	fmt.Fprintf(progress, "%d contracts and subscriptions in %s\n", n, time.Since(t).Round(time.Millisecond))
	return ids[0], nil
}

func pickSamples(ctx context.Context, db *store.DB, first int64, n int) (sampleIDs, error) {
	ids := sampleIDs{org: first + int64(n/2)}
	if err := db.QueryRowContext(ctx, `SELECT MIN(id) FROM invoices WHERE org_id = $1`, ids.org).Scan(&ids.invoice); err != nil {
		return ids, fmt.Errorf("sample invoice: %w", err)
	}
	if err := db.QueryRowContext(ctx, `SELECT number FROM invoices WHERE id = $1`, ids.invoice).Scan(&ids.number); err != nil {
		return ids, fmt.Errorf("sample invoice: %w", err)
	}
	if err := db.QueryRowContext(ctx, `SELECT MIN(id) FROM contracts WHERE org_id = $1`, ids.org).Scan(&ids.contract); err != nil {
		return ids, fmt.Errorf("sample contract: %w", err)
	}
	return ids, nil
}

var nextRE = regexp.MustCompile(`href="([^"]+)" rel="next"`)

// nextLink is the page's rel="next" link, the way a browser would follow it.
func nextLink(body string) string {
	m := nextRE.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// benchClient is a browser against the handler: it keeps cookies and calls ServeHTTP
// directly, so what it times is the server's work only.
type benchClient struct {
	h       http.Handler
	cookies map[string]string
	header  http.Header
}

func (c *benchClient) do(method, path string, form url.Values) *httptest.ResponseRecorder {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	req.RemoteAddr = "127.0.0.1:40000"
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for k, vs := range c.header {
		req.Header[k] = vs
	}
	for name, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: v})
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	for _, ck := range rec.Result().Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	return rec
}

// staffLogin signs in with the demo password and the TOTP step.
func (c *benchClient) staffLogin(email string, now time.Time) error {
	if r := c.do(http.MethodPost, "/login", url.Values{"email": {email}, "password": {demo.Password}}); r.Code != http.StatusSeeOther {
		return fmt.Errorf("sign-in as %s: status %d", email, r.Code)
	}
	code, err := totp.GenerateCode(demo.StaffTOTPSecret, now)
	if err != nil {
		return err
	}
	if r := c.do(http.MethodPost, "/login/mfa", url.Values{"code": {code}}); r.Code != http.StatusSeeOther {
		return fmt.Errorf("sign-in as %s: TOTP step: status %d", email, r.Code)
	}
	if r := c.do(http.MethodGet, "/staff/", nil); r.Code != http.StatusOK {
		return fmt.Errorf("sign-in as %s: /staff/ answers %d", email, r.Code)
	}
	return nil
}

// customerLogin signs in a customer user (no second factor in the demo).
func (c *benchClient) customerLogin(email string) error {
	if r := c.do(http.MethodPost, "/login", url.Values{"email": {email}, "password": {demo.Password}}); r.Code != http.StatusSeeOther {
		return fmt.Errorf("sign-in as %s: status %d", email, r.Code)
	}
	if r := c.do(http.MethodGet, "/portal/", nil); r.Code != http.StatusOK {
		return fmt.Errorf("sign-in as %s: /portal/ answers %d", email, r.Code)
	}
	return nil
}

// time requests path once untimed, then up to n times (at most budget long, at least
// once), and returns the timings and the warm-up's body.
func (c *benchClient) time(path string, n int, budget time.Duration) (RouteTiming, string) {
	rt := RouteTiming{Route: path}
	// The budget counts the warm-up too: a page that takes a minute (the reports at a
	// million invoices did) gets one timed request, not three.
	deadline := time.Now().Add(budget)
	warm := c.do(http.MethodGet, path, nil)
	rt.Status, rt.Bytes = warm.Code, warm.Body.Len()
	body := warm.Body.String()
	var samples []time.Duration
	for i := 0; i < n && (i == 0 || time.Now().Before(deadline)); i++ {
		t := time.Now()
		r := c.do(http.MethodGet, path, nil)
		samples = append(samples, time.Since(t))
		if r.Code != rt.Status {
			rt.Failures++
		}
	}
	rt.Samples = len(samples)
	rt.Median, rt.P99 = percentile(samples, 50), percentile(samples, 99)
	return rt, body
}

// percentile is the nearest-rank percentile p of samples.
func percentile(samples []time.Duration, p int) time.Duration {
	if len(samples) == 0 {
		return 0
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	k := (p*len(s) + 99) / 100
	return s[max(k, 1)-1]
}
