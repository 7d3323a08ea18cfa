// Command hostpact is the back office and customer portal of a hosting provider.
// This file parses flags and calls into internal/app; it holds no business rules.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/agent/agentcli"
	"github.com/hostpact/hostpact/internal/app"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/bench"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/compensation/slacli"
	"github.com/hostpact/hostpact/internal/config"
	"github.com/hostpact/hostpact/internal/demo"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms/termscli"
)

const usage = `hostpact — the back office and customer portal of a hosting provider

usage:
  hostpact serve   [--config FILE] [--addr HOST:PORT] [--roles web,jobs,probe] [--location NAME]
  hostpact migrate [--config FILE]
  hostpact demo    [--addr HOST:PORT] [--db FILE]
  hostpact user create --email E --name N (--roles admin,billing,… | --org ID [--org-admin]) [--password-stdin]
  hostpact user reset-password --email E [--password-stdin]
  hostpact user disable --email E
  hostpact audit verify [--config FILE] [--db URL] [--key FILE] [--checkpoints DIR]
  hostpact audit checkpoint [--config FILE]   (signs the trail's head now)
  hostpact keygen  --out FILE          (writes a new secret key file, mode 0600)
  hostpact terms list|diff|explain …   (hostpact terms help)
  hostpact sla compute --policy P --kind K --month YYYY-MM --checks FILE …   (hostpact sla help)
  hostpact retention plan [--json] [--until YYYY-MM-DD]   what the retention job will delete or anonymise, and when
  hostpact bench billing --subscriptions N [--db URL] [--baseline]
  hostpact bench probes --checks N [--interval 60s] [--duration 2m]
  hostpact agent serve --config FILE   (the agent on a hosting server; hostpact agent help)
  hostpact totp SECRET                 (prints the current code; for the demo)
  hostpact version

Settings come from --config FILE (HOSTPACT_NAME=value lines) and HOSTPACT_* variables;
see README.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command; cancelling ctx (SIGINT, SIGTERM) shuts a server down
// gracefully.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "serve":
		err = cmdServe(ctx, rest, stderr)
	case "migrate":
		err = cmdMigrate(ctx, rest, stdout, stderr)
	case "demo":
		err = cmdDemo(ctx, rest, stdout, stderr)
	case "user":
		err = cmdUser(ctx, rest, stdin, stdout, stderr)
	case "audit":
		err = cmdAudit(ctx, rest, stdout, stderr)
	case "terms":
		return termscli.Run(rest, stdout, stderr)
	case "sla":
		return slacli.Run(rest, stdout, stderr)
	case "retention":
		err = cmdRetention(ctx, rest, stdout, stderr)
	case "keygen":
		err = cmdKeygen(rest, stdout, stderr)
	case "totp":
		err = cmdTOTP(rest, stdout)
	case "agent":
		return agentcli.Run(ctx, rest, stdout, stderr)
	case "bench":
		err = bench.Run(ctx, rest, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "hostpact", app.Version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "hostpact: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "hostpact %s: %v\n", cmd, err)
		return 2
	default:
		fmt.Fprintf(stderr, "hostpact %s: %v\n", cmd, err)
		return 1
	}
}

type usageError struct{ error }

func flagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	level, _ := cfg.SlogLevel() // config.Load refused an invalid level
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// open loads the configuration and opens (and migrates) the database.
func open(ctx context.Context, configFile string, stderr io.Writer, adjust func(*config.Config)) (*app.App, error) {
	cfg, err := config.Load(configFile, os.Environ())
	if err != nil {
		return nil, err
	}
	if adjust != nil {
		adjust(&cfg)
	}
	return app.Open(ctx, cfg, newLogger(cfg, stderr), clock.Real{})
}

func cmdServe(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flagSet("serve", stderr)
	configFile := fs.String("config", "", "settings file (HOSTPACT_NAME=value lines)")
	addr := fs.String("addr", "", "listen address (overrides HOSTPACT_ADDR)")
	roles := fs.String("roles", "", "web, jobs, probe or a combination, e.g. web,jobs (overrides HOSTPACT_ROLES)")
	location := fs.String("location", "", "probe location of the probe role, e.g. ams1 (overrides HOSTPACT_PROBE_LOCATION)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := config.CheckProbeLocation(*location); err != nil {
		return usageError{err}
	}
	var roleList []string
	if *roles != "" {
		var err error
		if roleList, err = config.ParseRoles(*roles); err != nil {
			return usageError{err}
		}
	}
	a, err := open(ctx, *configFile, stderr, func(c *config.Config) {
		if *addr != "" {
			c.Addr = *addr
		}
		if roleList != nil {
			c.Roles = roleList
		}
		if *location != "" {
			c.ProbeLocation = *location
		}
	})
	if err != nil {
		return err
	}
	defer a.Close()
	a.Logger.Info("hostpact starting", "version", app.Version, "database", string(a.DB.Dialect), "roles", strings.Join(a.Config.Roles, ","))
	return a.Serve(ctx, nil)
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("migrate", stderr)
	configFile := fs.String("config", "", "settings file")
	if err := parse(fs, args); err != nil {
		return err
	}
	a, err := open(ctx, *configFile, stderr, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	fmt.Fprintf(stdout, "database migrated (%s)\n", a.DB.Dialect)
	return nil
}

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("demo", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	db := fs.String("db", "hostpact-demo.db", "SQLite file for the demo")
	if err := parse(fs, args); err != nil {
		return err
	}
	// The demo's checkpoints describe its database: once that file is deleted (a demo
	// reset), they would report the new trail as a rewritten one.
	if _, err := os.Stat(*db); errors.Is(err, iofs.ErrNotExist) {
		if err := os.RemoveAll(*db + ".audit-checkpoints"); err != nil {
			return err
		}
	}
	// The demo keeps its secret key beside its database file, made on first start and
	// reused after; a real installation keeps it apart (HOSTPACT_SECRET_KEY_FILE).
	keys, created, err := secrets.LoadOrCreate(*db + ".key")
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(stdout, "secret key %s written to %s\n", keys.ID(), *db+".key")
	}
	a, err := open(ctx, "", stderr, func(c *config.Config) {
		c.Keys, c.SecretKeyFile = keys, *db+".key"
		c.Audit.CheckpointDir = *db + ".audit-checkpoints"
		c.DatabaseURL = *db
		c.Addr = *addr
		c.BaseURL = ""
		c.Demo = true
		c.Roles = []string{"web", "jobs"}
	})
	if err != nil {
		return err
	}
	defer a.Close()
	creds, err := demo.Seed(ctx, a)
	if err != nil {
		return fmt.Errorf("loading demo data: %w", err)
	}
	go func() {
		if err := demo.SimulateProbes(ctx, a); err != nil && ctx.Err() == nil {
			a.Logger.Warn("demo: simulated probe locations stopped", "err", err)
		}
	}()
	return a.Serve(ctx, func(listen string) {
		creds.Print(stdout, "http://"+listen)
	})
}

func cmdUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{errors.New("want create, reset-password or disable")}
	}
	sub, args := args[0], args[1:]
	fs := flagSet("user "+sub, stderr)
	configFile := fs.String("config", "", "settings file")
	email := fs.String("email", "", "the user's e-mail address")
	var name, roles *string
	var orgID *int64
	var orgAdmin, pwStdin *bool
	switch sub {
	case "create":
		name = fs.String("name", "", "full name")
		roles = fs.String("roles", "", "staff roles, comma separated: "+rolesList())
		orgID = fs.Int64("org", 0, "customer organisation id (for a customer user)")
		orgAdmin = fs.Bool("org-admin", false, "make the user its organisation's administrative user")
		pwStdin = fs.Bool("password-stdin", false, "read the password from the first line of stdin")
	case "reset-password":
		pwStdin = fs.Bool("password-stdin", false, "read the password from the first line of stdin")
	case "disable":
	default:
		return usageError{fmt.Errorf("unknown subcommand %q: want create, reset-password or disable", sub)}
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return usageError{errors.New("--email is required")}
	}
	var password string
	generated := false
	if pwStdin != nil {
		if *pwStdin {
			line, err := bufio.NewReader(stdin).ReadString('\n')
			if err != nil && line == "" {
				return usageError{errors.New("--password-stdin: no password on stdin")}
			}
			password = strings.TrimRight(line, "\r\n")
		} else {
			password, generated = generatePassword(), true
		}
	}
	var in accounts.UserInput
	if sub == "create" {
		in = accounts.UserInput{Email: *email, Name: *name, Password: password, OrgID: *orgID, OrgAdmin: *orgAdmin, Language: "nl"}
		if *roles != "" {
			for _, r := range strings.Split(*roles, ",") {
				in.Roles = append(in.Roles, accounts.Role(strings.TrimSpace(r)))
			}
		}
		if (*orgID == 0) == (len(in.Roles) == 0) {
			return usageError{errors.New("give --roles for a staff user or --org for a customer user")}
		}
	}
	a, err := open(ctx, *configFile, stderr, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	ctx = audit.WithActor(ctx, audit.System("cli"))
	switch sub {
	case "create":
		u, err := a.Accounts.CreateUserCLI(ctx, in)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created user %d <%s>\n", u.ID, u.Email)
	case "reset-password":
		if err := a.Accounts.AdminResetPassword(ctx, *email, password); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "password of <%s> reset; their sessions have ended\n", *email)
	case "disable":
		if err := a.Accounts.AdminDisable(ctx, *email); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "user <%s> disabled; their sessions have ended\n", *email)
	}
	if generated {
		fmt.Fprintf(stdout, "password: %s   (shown once; staff must set up TOTP at first login)\n", password)
	}
	return nil
}

func rolesList() string {
	var s []string
	for _, r := range accounts.Roles {
		s = append(s, string(r))
	}
	return strings.Join(s, ",")
}

// generatePassword returns a password that meets the policy (all four character
// classes, INTERPRETATION.md Accounts and security) with ~100 bits of randomness.
func generatePassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "Hp-" + string(b) + "a7" // prefix and suffix guarantee upper, symbol, lower, digit
}

// cmdAudit verifies the trail of any database, with the secret key and the signed
// checkpoints, without migrating or creating anything: it is pointed at copies and
// backups as well as the live database.
func cmdAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "checkpoint" {
		return cmdAuditCheckpoint(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "verify" {
		return usageError{errors.New("want: audit verify or audit checkpoint")}
	}
	fs := flagSet("audit verify", stderr)
	configFile := fs.String("config", "", "settings file")
	dbURL := fs.String("db", "", "the database to verify: a SQLite path or postgres://… (default HOSTPACT_DATABASE_URL)")
	keyFile := fs.String("key", "", "the secret key file (default HOSTPACT_SECRET_KEY_FILE)")
	cpDir := fs.String("checkpoints", "", "the directory of signed checkpoints (default HOSTPACT_AUDIT_CHECKPOINT_DIR)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	cfg, err := config.Load(*configFile, os.Environ())
	if err != nil {
		return err
	}
	url, kf, dir := cfg.DatabaseURL, cfg.SecretKeyFile, cfg.Audit.CheckpointDir
	if *dbURL != "" {
		url = *dbURL
	}
	if *keyFile != "" {
		if kf == "" || dir == config.DefaultCheckpointDir(kf) {
			dir = config.DefaultCheckpointDir(*keyFile)
		}
		kf = *keyFile
	}
	if *cpDir != "" {
		dir = *cpDir
	}
	if kf == "" {
		return usageError{errors.New("the trail is keyed: give the secret key with --key FILE or HOSTPACT_SECRET_KEY_FILE")}
	}
	keys, err := secrets.Load(kf)
	if err != nil {
		return err
	}
	db, err := openExisting(ctx, url)
	if err != nil {
		return err
	}
	defer db.Close()
	var cps []audit.Checkpoint
	var bad []audit.Problem
	if dir != "" {
		cps, bad, err = audit.ReadCheckpoints(dir, keys)
		if errors.Is(err, audit.ErrNoCheckpoints) {
			fmt.Fprintf(stdout, "WARNING no checkpoints at %s: entries removed from the end cannot be detected\n", dir)
		} else if err != nil {
			return err
		}
	}
	r, err := audit.VerifyWith(ctx, db, audit.VerifyOptions{Keys: keys, Checkpoints: cps})
	if err != nil {
		return fmt.Errorf("reading the audit trail (is this a hostpact database?): %w", err)
	}
	problems := append(bad, r.Problems...)
	for _, p := range problems {
		fmt.Fprintln(stdout, "BROKEN", p)
	}
	if len(problems) > 0 {
		return fmt.Errorf("audit trail is not intact: %d problem(s) in %d entries", len(problems), r.Checked)
	}
	fmt.Fprintf(stdout, "audit trail intact: %d entries verified with key %s", r.Checked, keys.ID())
	if n := len(cps); n > 0 {
		fmt.Fprintf(stdout, "; %d checkpoint(s), the latest signed entry %d at %s", n, cps[n-1].Seq, cps[n-1].At.Format(time.RFC3339))
	}
	fmt.Fprintln(stdout)
	return nil
}

// cmdAuditCheckpoint signs the trail's head now (before a backup, or to close a window
// before the hourly job would), in the configured checkpoint directory.
func cmdAuditCheckpoint(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("audit checkpoint", stderr)
	configFile := fs.String("config", "", "settings file")
	if err := parse(fs, args); err != nil {
		return err
	}
	a, err := open(ctx, *configFile, stderr, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	if a.Config.Audit.CheckpointDir == "" {
		return errors.New("no checkpoint directory: set HOSTPACT_AUDIT_CHECKPOINT_DIR")
	}
	c := &audit.Checkpointer{DB: a.DB, Keys: a.Config.Keys, Dir: a.Config.Audit.CheckpointDir, Every: 1,
		Mail: a.Config.Audit.CheckpointMail, Logger: a.Logger}
	if err := c.Run(ctx, a.Clock.Now()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "audit trail checkpointed in %s\n", a.Config.Audit.CheckpointDir)
	return nil
}

// openExisting opens a database that must already exist: a SQLite file is checked for
// and opened read-only, so a mistyped path is an error instead of a new empty database
// that verifies as "intact: 0 entries". PostgreSQL never creates a database on connect.
func openExisting(ctx context.Context, url string) (*store.DB, error) {
	if !strings.HasPrefix(url, "postgres://") && !strings.HasPrefix(url, "postgresql://") {
		path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "file:")
		path, query, _ := strings.Cut(path, "?")
		if fi, err := os.Stat(path); err != nil || fi.IsDir() {
			return nil, fmt.Errorf("no database file at %s (nothing was created)", path)
		}
		if query != "" {
			query += "&"
		}
		url = path + "?" + query + "mode=ro"
	}
	return store.Open(ctx, url)
}

func cmdKeygen(args []string, stdout, stderr io.Writer) error {
	fs := flagSet("keygen", stderr)
	out := fs.String("out", "", "the key file to create (must not exist)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{errors.New("--out FILE is required")}
	}
	k, err := secrets.Generate()
	if err != nil {
		return err
	}
	if err := secrets.Write(*out, k); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "secret key %s written to %s (mode 0600).\n", k.ID(), *out)
	fmt.Fprintf(stdout, "Set HOSTPACT_SECRET_KEY_FILE=%s, and keep a copy apart from the database's backups:\n", *out)
	fmt.Fprintln(stdout, "without it, encrypted values and the audit trail cannot be read or verified.")
	return nil
}

func cmdTOTP(args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return usageError{errors.New("want: totp SECRET")}
	}
	code, err := totp.GenerateCode(strings.ToUpper(args[0]), time.Now())
	if err != nil {
		return usageError{fmt.Errorf("secret: %w", err)}
	}
	fmt.Fprintln(stdout, code)
	return nil
}
