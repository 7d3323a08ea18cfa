// Package config reads hostpact's settings from an optional file and HOSTPACT_*
// environment variables. The file uses the same names as the environment, one
// NAME=value per line, so there is one list of settings to learn; the environment wins.
package config

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/payments/sepa"
	"github.com/hostpact/hostpact/internal/secrets"
)

// Config is every setting of a hostpact process.
type Config struct {
	DatabaseURL   string   // HOSTPACT_DATABASE_URL: a SQLite path (default hostpact.db) or postgres://…
	Addr          string   // HOSTPACT_ADDR: listen address, default 127.0.0.1:8080
	BaseURL       string   // HOSTPACT_BASE_URL: public URL for links in mail; default from Addr
	Roles         []string // HOSTPACT_ROLES: web, jobs, probe (default web,jobs)
	TLSCert       string   // HOSTPACT_TLS_CERT and HOSTPACT_TLS_KEY: serve TLS (1.2 minimum) itself
	TLSKey        string
	SecureCookies bool   // HOSTPACT_SECURE_COOKIES: default true when TLS is on or BaseURL is https
	Policy        string // HOSTPACT_POLICY: the terms pack, default cloudprovider
	PolicyFile    string // HOSTPACT_POLICY_FILE: a provider's own pack file
	LogLevel      string // HOSTPACT_LOG_LEVEL: debug, info, warn, error
	LogFormat     string // HOSTPACT_LOG_FORMAT: text or json
	// MetricsToken (HOSTPACT_METRICS_TOKEN) lets a scraper that sends it as a bearer
	// token read /metrics; MetricsAddr (HOSTPACT_METRICS_ADDR) serves /metrics on a
	// listener of its own instead of the main one. Without either, /metrics is not
	// served (issue 8, finding 7).
	MetricsToken string
	MetricsAddr  string
	SMTP         SMTP
	Provider     Provider
	Mollie       Mollie
	Demo         bool // set by `hostpact demo`
	// ProbeLocation (HOSTPACT_PROBE_LOCATION) is the probe location a process with the
	// probe role measures from, e.g. ams1; the role needs it.
	ProbeLocation string
	// Alerts are where monitoring alerts go besides the support role's mailboxes.
	Alerts Alerts
	// Inbound is the provider's received mail (internal/inbound).
	Inbound Inbound

	// SecretKeyFile (HOSTPACT_SECRET_KEY_FILE) is the file holding the secret key that
	// encrypts secrets at rest and keys the audit trail; kept outside the database.
	// Keys is that key once loaded (app.Open loads it; the demo and tests set it).
	SecretKeyFile string
	Keys          *secrets.Keyring
	Audit         Audit
	// PasswordHashWorkers (HOSTPACT_PASSWORD_HASH_WORKERS): how many argon2id password
	// computations run at once, each holding 64 MiB; the others queue. 0 (default): as
	// many as fit in 128 MiB, which is one.
	PasswordHashWorkers int
	// APITokenRate, when positive, replaces the API's per-token rate limit (requests
	// per second). It has no environment variable: only hostpact bench portal sets it,
	// to measure the handlers at 50 connections rather than the limiter (issue 16).
	APITokenRate float64
	// SecurityTxtKey (HOSTPACT_SECURITY_TXT_KEY) is the path of an armored OpenPGP
	// private key without passphrase; when set, /.well-known/security.txt is
	// clear-signed with it (RFC 9116 section 2.3).
	SecurityTxtKey string
	// PasswordHashCost, when set, replaces the argon2id cost of new password hashes
	// (accounts.DefaultArgon2: 64 MiB, two passes). It has no environment variable:
	// tests set a light cost, since one hash at the default takes many seconds under
	// the race detector. A stored hash keeps its own cost (its PHC string holds it).
	PasswordHashCost PasswordHashCost
}

// PasswordHashCost is an argon2id cost; the zero value means the default.
type PasswordHashCost struct {
	MemoryKiB uint32
	Passes    uint32
	Threads   uint8
}

// Inbound: the addresses whose mail hostpact handles and the listener the provider's
// mail server delivers to. HOSTPACT_SUPPORT_ADDRESS, HOSTPACT_ABUSE_ADDRESS and
// HOSTPACT_SECURITY_ADDRESS (empty: the desk's role at the pack's provider domain);
// HOSTPACT_INBOUND_LISTEN (host:port on loopback or a private network; empty: no
// listener) and HOSTPACT_INBOUND_LMTP (true: speak LMTP instead of SMTP).
type Inbound struct {
	Support, Abuse, Security string
	Listen                   string
	LMTP                     bool
}

// Alerts: HOSTPACT_ALERT_MAIL (comma-separated addresses; empty: the staff with the
// support role) and HOSTPACT_ALERT_WEBHOOK (an http(s) URL that receives every alert as
// JSON; it may carry a token, so it is never logged).
type Alerts struct {
	Mail    []string
	Webhook string
}

// Audit configures the signed checkpoints of the audit trail, written outside the
// database so that a trail cut short or rewritten there is found by `audit verify`.
type Audit struct {
	// CheckpointDir (HOSTPACT_AUDIT_CHECKPOINT_DIR): one signed file per checkpoint.
	// Default: audit-checkpoints beside the key file.
	CheckpointDir string
	// CheckpointEvery (HOSTPACT_AUDIT_CHECKPOINT_EVERY): a checkpoint after this many
	// entries, and at least hourly while entries are written. Default 1000.
	CheckpointEvery int64
	// CheckpointMail (HOSTPACT_AUDIT_CHECKPOINT_MAIL): optional address that receives
	// every checkpoint, a second copy out of reach of the server.
	CheckpointMail string
}

// Provider holds the provider's billing and payment details that the terms pack does
// not carry. All are optional; billing refuses to issue invoices without a VAT id, and
// direct debits need the IBAN, BIC and creditor identifier.
type Provider struct {
	VATID          string // HOSTPACT_PROVIDER_VAT_ID: the provider's VAT id (btw-id), e.g. NL812345678B01
	IBAN           string // HOSTPACT_PROVIDER_IBAN: the account customers pay to (on invoices, SEPA)
	BIC            string // HOSTPACT_PROVIDER_BIC
	SEPACreditorID string // HOSTPACT_SEPA_CREDITOR_ID: the incassant-id for SEPA direct debit
	// Accounts (HOSTPACT_PROVIDER_ACCOUNTS, comma-separated) are the provider's other
	// accounts whose bank statements may be imported besides IBAN's.
	Accounts []string
}

// Mollie configures online payments through Mollie; without an API key there is none
// (the demo uses its built-in provider).
type Mollie struct {
	APIKey        string // HOSTPACT_MOLLIE_API_KEY: live_… or test_… (never logged)
	WebhookSecret string // HOSTPACT_MOLLIE_WEBHOOK_SECRET: optional; verifies signed webhooks
}

// Demo values for `hostpact demo`: valid in form and check digits, and no one's.
const (
	DemoVATID          = "NL812345678B01"
	DemoIBAN           = "NL91ABNA0417164300"
	DemoBIC            = "ABNANL2A"
	DemoSEPACreditorID = "NL27ZZZ558886740000"
)

// ApplyDemo fills the provider's billing details the demo needs with the demo values,
// where nothing is configured.
func (c *Config) ApplyDemo() {
	set := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	set(&c.Provider.VATID, DemoVATID)
	set(&c.Provider.IBAN, DemoIBAN)
	set(&c.Provider.BIC, DemoBIC)
	set(&c.Provider.SEPACreditorID, DemoSEPACreditorID)
}

// SMTP configures outgoing mail. With no host, mail is logged and marked sent.
type SMTP struct {
	Host     string // HOSTPACT_SMTP_HOST
	Port     int    // HOSTPACT_SMTP_PORT (default 587)
	Username string // HOSTPACT_SMTP_USERNAME
	Password string // HOSTPACT_SMTP_PASSWORD (never logged)
	From     string // HOSTPACT_SMTP_FROM
	FromName string // HOSTPACT_SMTP_FROM_NAME
	TLS      string // HOSTPACT_SMTP_TLS: starttls (default), tls, none
}

// Load reads file (when non-empty) and then the environment.
func Load(file string, environ []string) (Config, error) {
	vals := map[string]string{}
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return Config{}, fmt.Errorf("config: %w", err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			k, v, ok := strings.Cut(line, "=")
			k = strings.TrimSpace(k)
			if !ok || !strings.HasPrefix(k, "HOSTPACT_") {
				return Config{}, fmt.Errorf("config: %s line %d: want HOSTPACT_NAME=value", file, n)
			}
			vals[k] = strings.Trim(strings.TrimSpace(v), `"`)
		}
		if err := sc.Err(); err != nil {
			return Config{}, fmt.Errorf("config: %s: %w", file, err)
		}
	}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "HOSTPACT_") {
			vals[k] = v
		}
	}
	get := func(k, def string) string {
		if v, ok := vals[k]; ok && v != "" {
			return v
		}
		return def
	}
	c := Config{
		DatabaseURL:  get("HOSTPACT_DATABASE_URL", "hostpact.db"),
		Addr:         get("HOSTPACT_ADDR", "127.0.0.1:8080"),
		BaseURL:      get("HOSTPACT_BASE_URL", ""),
		TLSCert:      get("HOSTPACT_TLS_CERT", ""),
		TLSKey:       get("HOSTPACT_TLS_KEY", ""),
		Policy:       get("HOSTPACT_POLICY", "cloudprovider"),
		PolicyFile:   get("HOSTPACT_POLICY_FILE", ""),
		LogLevel:     get("HOSTPACT_LOG_LEVEL", "info"),
		LogFormat:    get("HOSTPACT_LOG_FORMAT", "text"),
		MetricsToken: get("HOSTPACT_METRICS_TOKEN", ""),
		MetricsAddr:  get("HOSTPACT_METRICS_ADDR", ""),
		Inbound: Inbound{
			Support: get("HOSTPACT_SUPPORT_ADDRESS", ""), Abuse: get("HOSTPACT_ABUSE_ADDRESS", ""),
			Security: get("HOSTPACT_SECURITY_ADDRESS", ""), Listen: get("HOSTPACT_INBOUND_LISTEN", ""),
			LMTP: get("HOSTPACT_INBOUND_LMTP", "") == "true",
		},
		SMTP: SMTP{
			Host: get("HOSTPACT_SMTP_HOST", ""), Username: get("HOSTPACT_SMTP_USERNAME", ""),
			Password: get("HOSTPACT_SMTP_PASSWORD", ""), From: get("HOSTPACT_SMTP_FROM", "noreply@localhost"),
			FromName: get("HOSTPACT_SMTP_FROM_NAME", "hostpact"), TLS: get("HOSTPACT_SMTP_TLS", "starttls"),
		},
		Provider: Provider{
			VATID: get("HOSTPACT_PROVIDER_VAT_ID", ""), IBAN: get("HOSTPACT_PROVIDER_IBAN", ""),
			BIC: get("HOSTPACT_PROVIDER_BIC", ""), SEPACreditorID: get("HOSTPACT_SEPA_CREDITOR_ID", ""),
			Accounts: splitList(get("HOSTPACT_PROVIDER_ACCOUNTS", "")),
		},
		Mollie:        Mollie{APIKey: get("HOSTPACT_MOLLIE_API_KEY", ""), WebhookSecret: get("HOSTPACT_MOLLIE_WEBHOOK_SECRET", "")},
		SecretKeyFile: get("HOSTPACT_SECRET_KEY_FILE", ""),
		Audit: Audit{
			CheckpointDir:  get("HOSTPACT_AUDIT_CHECKPOINT_DIR", ""),
			CheckpointMail: get("HOSTPACT_AUDIT_CHECKPOINT_MAIL", ""),
		},
	}
	var err error
	if c.SMTP.Port, err = strconv.Atoi(get("HOSTPACT_SMTP_PORT", "587")); err != nil || c.SMTP.Port <= 0 || c.SMTP.Port > 65535 {
		return Config{}, fmt.Errorf("config: HOSTPACT_SMTP_PORT: want a port number, got %q", get("HOSTPACT_SMTP_PORT", ""))
	}
	if c.PasswordHashWorkers, err = strconv.Atoi(get("HOSTPACT_PASSWORD_HASH_WORKERS", "0")); err != nil || c.PasswordHashWorkers < 0 {
		return Config{}, fmt.Errorf("config: HOSTPACT_PASSWORD_HASH_WORKERS: want a number (0 for the default), got %q", get("HOSTPACT_PASSWORD_HASH_WORKERS", ""))
	}
	if c.Audit.CheckpointEvery, err = strconv.ParseInt(get("HOSTPACT_AUDIT_CHECKPOINT_EVERY", "1000"), 10, 64); err != nil || c.Audit.CheckpointEvery < 1 {
		return Config{}, fmt.Errorf("config: HOSTPACT_AUDIT_CHECKPOINT_EVERY: want a number of entries (1 or more), got %q", get("HOSTPACT_AUDIT_CHECKPOINT_EVERY", ""))
	}
	if a := c.Audit.CheckpointMail; a != "" {
		if addr, err := mail.ParseAddress(a); err != nil || addr.Name != "" {
			return Config{}, fmt.Errorf("config: HOSTPACT_AUDIT_CHECKPOINT_MAIL: want one e-mail address, got %q", a)
		}
	}
	if c.Audit.CheckpointDir == "" && c.SecretKeyFile != "" {
		c.Audit.CheckpointDir = DefaultCheckpointDir(c.SecretKeyFile)
	}
	c.Roles, err = ParseRoles(get("HOSTPACT_ROLES", "web,jobs"))
	if err != nil {
		return Config{}, err
	}
	secureDefault := c.TLSCert != "" || strings.HasPrefix(c.BaseURL, "https://")
	if c.SecureCookies, err = strconv.ParseBool(get("HOSTPACT_SECURE_COOKIES", strconv.FormatBool(secureDefault))); err != nil {
		return Config{}, fmt.Errorf("config: HOSTPACT_SECURE_COOKIES: want true or false")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return Config{}, fmt.Errorf("config: HOSTPACT_TLS_CERT and HOSTPACT_TLS_KEY go together")
	}
	if !slices.Contains([]string{"starttls", "tls", "none"}, c.SMTP.TLS) {
		return Config{}, fmt.Errorf("config: HOSTPACT_SMTP_TLS: want starttls, tls or none")
	}
	if !slices.Contains([]string{"text", "json"}, c.LogFormat) {
		return Config{}, fmt.Errorf("config: HOSTPACT_LOG_FORMAT: want text or json")
	}
	if _, err := c.SlogLevel(); err != nil {
		return Config{}, err
	}
	c.ProbeLocation = get("HOSTPACT_PROBE_LOCATION", "")
	if err := CheckProbeLocation(c.ProbeLocation); err != nil {
		return Config{}, err
	}
	for _, m := range strings.Split(get("HOSTPACT_ALERT_MAIL", ""), ",") {
		if m = strings.TrimSpace(m); m != "" {
			if _, err := mail.ParseAddress(m); err != nil {
				return Config{}, fmt.Errorf("config: HOSTPACT_ALERT_MAIL: %q is not an e-mail address", m)
			}
			c.Alerts.Mail = append(c.Alerts.Mail, m)
		}
	}
	if c.Alerts.Webhook = get("HOSTPACT_ALERT_WEBHOOK", ""); c.Alerts.Webhook != "" {
		u, err := url.Parse(c.Alerts.Webhook)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return Config{}, errors.New("config: HOSTPACT_ALERT_WEBHOOK: want an http(s) URL")
		}
	}
	if err := c.checkMetrics(); err != nil {
		return Config{}, err
	}
	c.SecurityTxtKey = get("HOSTPACT_SECURITY_TXT_KEY", "")
	if err := c.Provider.normalise(); err != nil {
		return Config{}, err
	}
	if k := c.Mollie.APIKey; k != "" && !strings.HasPrefix(k, "live_") && !strings.HasPrefix(k, "test_") {
		return Config{}, fmt.Errorf("config: HOSTPACT_MOLLIE_API_KEY: want a Mollie API key (live_… or test_…)")
	}
	if c.Mollie.WebhookSecret != "" && c.Mollie.APIKey == "" {
		return Config{}, fmt.Errorf("config: HOSTPACT_MOLLIE_WEBHOOK_SECRET needs HOSTPACT_MOLLIE_API_KEY")
	}
	return c, nil
}

// SlogLevel is the configured log level; a misspelt one is refused at start rather than
// silently logging at info.
func (c Config) SlogLevel() (slog.Level, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return 0, fmt.Errorf("config: HOSTPACT_LOG_LEVEL: want debug, info, warn or error, got %q", c.LogLevel)
	}
	return level, nil
}

// DefaultCheckpointDir is where audit checkpoints go when HOSTPACT_AUDIT_CHECKPOINT_DIR
// is not set: beside the key file, outside the database like the key.
func DefaultCheckpointDir(keyFile string) string {
	return filepath.Join(filepath.Dir(keyFile), "audit-checkpoints")
}

// ParseRoles reads a comma-separated list of process roles.
func ParseRoles(s string) ([]string, error) {
	var roles []string
	for _, r := range strings.Split(s, ",") {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		if r != "web" && r != "jobs" && r != "probe" {
			return nil, fmt.Errorf("config: HOSTPACT_ROLES: role %q: want web, jobs or probe", r)
		}
		if !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	if len(roles) == 0 {
		return nil, fmt.Errorf("config: HOSTPACT_ROLES: no roles: want web, jobs, probe or a combination")
	}
	return roles, nil
}

// CheckProbeLocation accepts a probe location name: empty (no probe role), or 1-32
// lower-case letters, digits and hyphens, as results and the status page show it.
func CheckProbeLocation(s string) error {
	if s == "" {
		return nil
	}
	ok := len(s) <= 32 && s[0] != '-'
	for _, c := range s {
		ok = ok && (c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-')
	}
	if !ok {
		return fmt.Errorf("config: HOSTPACT_PROBE_LOCATION: want a short name of lower-case letters, digits and hyphens (e.g. ams1), got %q", s)
	}
	return nil
}

// Has reports whether the process runs role r.
func (c Config) Has(role string) bool { return slices.Contains(c.Roles, role) }

// URL is the public base URL: BaseURL, or derived from Addr.
func (c Config) URL() string {
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/")
	}
	scheme := "http"
	if c.TLSCert != "" {
		scheme = "https"
	}
	return scheme + "://" + c.Addr
}

// minMetricsToken is the shortest scrape token accepted: long enough that guessing it
// over the network is hopeless.
const minMetricsToken = 20

func (c Config) checkMetrics() error {
	if c.MetricsToken != "" && len(c.MetricsToken) < minMetricsToken {
		return fmt.Errorf("config: HOSTPACT_METRICS_TOKEN: use at least %d characters (e.g. openssl rand -hex 32)", minMetricsToken)
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			return fmt.Errorf("config: HOSTPACT_METRICS_ADDR: want host:port, got %q", c.MetricsAddr)
		}
		if c.MetricsAddr == c.Addr {
			return fmt.Errorf("config: HOSTPACT_METRICS_ADDR: must differ from HOSTPACT_ADDR (%s)", c.Addr)
		}
	}
	return nil
}

// normalise checks the provider's payment details (each optional) and writes them in
// their canonical form.
func (p *Provider) normalise() error {
	if p.VATID != "" {
		v, err := accounts.ValidateVATID(p.VATID)
		if err != nil {
			return fmt.Errorf("config: HOSTPACT_PROVIDER_VAT_ID: %v", err)
		}
		p.VATID = v
	}
	if p.IBAN != "" {
		p.IBAN = sepa.NormalizeIBAN(p.IBAN)
		if err := sepa.ValidateIBAN(p.IBAN); err != nil {
			return fmt.Errorf("config: HOSTPACT_PROVIDER_IBAN: %v", err)
		}
	}
	for i, a := range p.Accounts {
		p.Accounts[i] = sepa.NormalizeIBAN(a)
		if err := sepa.ValidateIBAN(p.Accounts[i]); err != nil {
			return fmt.Errorf("config: HOSTPACT_PROVIDER_ACCOUNTS: %s: %v", a, err)
		}
	}
	if p.BIC != "" {
		p.BIC = strings.ToUpper(strings.TrimSpace(p.BIC))
		if err := sepa.ValidateBIC(p.BIC); err != nil {
			return fmt.Errorf("config: HOSTPACT_PROVIDER_BIC: %v", err)
		}
	}
	if p.SEPACreditorID != "" {
		p.SEPACreditorID = sepa.NormalizeCreditorID(p.SEPACreditorID)
		if err := sepa.ValidateCreditorID(p.SEPACreditorID); err != nil {
			return fmt.Errorf("config: HOSTPACT_SEPA_CREDITOR_ID: %v", err)
		}
	}
	return nil
}

// splitList reads a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
