package mailhost

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/provision/driver"
)

// These tests run the module on files in a temporary directory, without Dovecot or
// Postfix (TestRealMailhost has those): what it writes and what it refuses.

type env struct {
	m   *Mailhost
	cfg Config
}

func newEnv(t *testing.T, edit ...func(*Config)) env {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"data", "vmail", "dovecot", "postfix"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	uid, gid := os.Getuid(), os.Getgid()
	if uid == 0 {
		uid, gid = 65534, 65534
	}
	cfg := Config{
		DataDir: filepath.Join(dir, "data"), PasswdFile: filepath.Join(dir, "dovecot", "users"),
		MailDir: filepath.Join(dir, "vmail"), UID: uid, GID: gid,
		DomainsMap: filepath.Join(dir, "postfix", "domains"), MailboxesMap: filepath.Join(dir, "postfix", "mailboxes"),
		AliasesMap: filepath.Join(dir, "postfix", "aliases"),
		Host:       "mail.provider.test", IMAPPort: 993,
		Clock: clock.NewFake(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)),
	}
	for _, e := range edit {
		e(&cfg)
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m.noSettle = true
	return env{m: m, cfg: m.cfg}
}

func (e env) read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func newAccount(ref, domain string, p driver.Package) driver.Account {
	return driver.Account{Ref: ref, Kind: driver.KindEmail, Domain: domain, Package: p, Secret: "Secret-of-" + ref}
}

func mustRefuse(t *testing.T, what string, err error) {
	t.Helper()
	if !driver.IsRefusal(err) {
		t.Errorf("%s: %v, want a refusal", what, err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestFilesFollowTheAccounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	c, err := e.m.Create(ctx, newAccount("hp1", "Shop.Example.", driver.Package{Name: "m", DiskMB: 250, Mailboxes: 5}))
	must(t, err)
	want := map[string]string{"domain": "shop.example", "username": "postmaster@shop.example", "host": "mail.provider.test", "imap_port": "993"}
	if len(c.Details) != len(want) {
		t.Errorf("details %v, want %v", c.Details, want)
	}
	for k, v := range want {
		if c.Details[k] != v {
			t.Errorf("details[%s] = %q, want %q", k, c.Details[k], v)
		}
	}
	must(t, e.m.AddMailbox(ctx, "hp1", "info", "Inf0-Passw0rd!"))
	must(t, e.m.AddAlias(ctx, "hp1", "sales", []string{"Info@Shop.Example", "boss+shop@elsewhere.example"}))
	_, err = e.m.Create(ctx, newAccount("hp2", "other.example", driver.Package{Name: "s"}))
	must(t, err)
	must(t, e.m.Suspend(ctx, "hp2", driver.SuspendNonPayment))

	passwd := strings.Split(strings.TrimSpace(e.read(t, e.cfg.PasswdFile)), "\n")
	if len(passwd) != 3 {
		t.Fatalf("passwd-file has %d lines, want 3:\n%s", len(passwd), strings.Join(passwd, "\n"))
	}
	for i, w := range []struct{ user, home, extra string }{
		{"postmaster@shop.example", "shop.example/postmaster", "userdb_quota_rule=*:storage=250M"},
		{"info@shop.example", "shop.example/info", "userdb_quota_rule=*:storage=250M"},
		{"postmaster@other.example", "other.example/postmaster", "nologin=y reason=suspended"},
	} {
		f := strings.Split(passwd[i], ":")
		// user:hash:uid:gid:gecos:home:shell:extra — the extra fields hold one colon
		// of their own in the quota rule.
		if len(f) < 8 || f[0] != w.user || !strings.HasPrefix(f[1], "{ARGON2ID}$argon2id$") ||
			f[5] != filepath.Join(e.cfg.MailDir, w.home) || strings.Join(f[7:], ":") != w.extra {
			t.Errorf("passwd line %d: %q, want %s with home %s and %q", i, passwd[i], w.user, w.home, w.extra)
		}
	}
	if got, want := e.read(t, e.cfg.DomainsMap), "shop.example OK\nother.example OK\n"; got != want {
		t.Errorf("domains map %q, want %q", got, want)
	}
	if got, want := e.read(t, e.cfg.MailboxesMap), "postmaster@shop.example OK\ninfo@shop.example OK\npostmaster@other.example OK\n"; got != want {
		t.Errorf("mailboxes map %q, want %q", got, want)
	}
	if got, want := e.read(t, e.cfg.AliasesMap), "sales@shop.example info@shop.example,boss+shop@elsewhere.example\n"; got != want {
		t.Errorf("aliases map %q, want %q", got, want)
	}
	if fi, err := os.Stat(e.cfg.PasswdFile); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("passwd-file mode: %v %v, want 0640", fi.Mode(), err)
	}

	// Terminated: gone from every file, mail kept.
	must(t, e.m.Terminate(ctx, "hp1"))
	if p := e.read(t, e.cfg.PasswdFile); strings.Contains(p, "shop.example") {
		t.Errorf("a terminated account is still in the passwd-file:\n%s", p)
	}
	for _, f := range []string{e.cfg.DomainsMap, e.cfg.MailboxesMap, e.cfg.AliasesMap} {
		if strings.Contains(e.read(t, f), "shop.example") {
			t.Errorf("a terminated account is still in %s", f)
		}
	}
	if _, err := os.Stat(filepath.Join(e.cfg.MailDir, "shop.example", "info")); err != nil {
		t.Errorf("a terminated account's mail is gone: %v", err)
	}
	l, err := e.m.List(ctx)
	must(t, err)
	if len(l) != 2 || l[0] != (driver.Listed{Ref: "hp1", Kind: driver.KindEmail, Suspended: true}) || !l[1].Suspended {
		t.Errorf("list: %+v", l)
	}
	must(t, e.m.DeleteData(ctx, "hp1"))
	if _, err := os.Stat(filepath.Join(e.cfg.MailDir, "shop.example")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("deleted account's maildirs: %v", err)
	}
	if _, err := e.m.Usage(ctx, "hp1"); !errors.Is(err, driver.ErrNotFound) {
		t.Errorf("usage of a deleted account: %v, want ErrNotFound", err)
	}
}

// Another first mailbox than postmaster@ leaves postmaster@ an alias of it (RFC 5321
// section 4.5.1), until the customer makes postmaster@ a mailbox of its own.
func TestPostmasterAlias(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.FirstMailbox = "info" })
	ctx := context.Background()
	c, err := e.m.Create(ctx, newAccount("hp1", "shop.example", driver.Package{Name: "m"}))
	must(t, err)
	if c.Details["username"] != "info@shop.example" {
		t.Errorf("username %q", c.Details["username"])
	}
	if got, want := e.read(t, e.cfg.AliasesMap), "postmaster@shop.example info@shop.example\n"; got != want {
		t.Errorf("aliases map %q, want %q", got, want)
	}
	must(t, e.m.AddMailbox(ctx, "hp1", "postmaster", "P0stmaster-pw!"))
	if got := e.read(t, e.cfg.AliasesMap); got != "" {
		t.Errorf("aliases map %q, want none", got)
	}
}

func TestCreateIsIdempotentAndRefusesConflicts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	a := newAccount("hp1", "shop.example", driver.Package{Name: "m", DiskMB: 100, Mailboxes: 2})
	first, err := e.m.Create(ctx, a)
	must(t, err)
	before := e.read(t, e.cfg.PasswdFile)
	again, err := e.m.Create(ctx, a)
	must(t, err)
	if e.read(t, e.cfg.PasswdFile) != before {
		t.Error("creating again with the same secret rewrote the password hash")
	}
	if first.Details["username"] != again.Details["username"] {
		t.Errorf("details differ: %v, %v", first.Details, again.Details)
	}
	a.Package.DiskMB = 200
	_, err = e.m.Create(ctx, a)
	must(t, err)
	if !strings.Contains(e.read(t, e.cfg.PasswdFile), "storage=200M") {
		t.Error("creating again did not apply the package")
	}

	moved := a
	moved.Domain = "other.example"
	_, err = e.m.Create(ctx, moved)
	mustRefuse(t, "same ref, other domain", err)
	taken := newAccount("hp2", "shop.example", a.Package)
	_, err = e.m.Create(ctx, taken)
	mustRefuse(t, "domain of another account", err)
	for name, bad := range map[string]driver.Account{
		"kind":         {Ref: "hp3", Kind: driver.KindVPS, Domain: "a.example", Secret: "x"},
		"ref":          {Ref: "HP3", Domain: "a.example", Secret: "x"},
		"domain":       {Ref: "hp3", Domain: "a_b.example", Secret: "x"},
		"single label": {Ref: "hp3", Domain: "localhost", Secret: "x"},
		"path":         {Ref: "hp3", Domain: "../etc", Secret: "x"},
		"secret":       {Ref: "hp3", Domain: "a.example", Secret: ""},
		"control":      {Ref: "hp3", Domain: "a.example", Secret: "a\nb"},
		"package":      {Ref: "hp3", Domain: "a.example", Secret: "x", Package: driver.Package{Mailboxes: -1}},
	} {
		_, err := e.m.Create(ctx, bad)
		mustRefuse(t, name, err)
	}
	l, err := e.m.List(ctx)
	must(t, err)
	if len(l) != 1 {
		t.Errorf("list after refusals: %+v", l)
	}
}

func TestMailboxLimitAndPackageChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.m.Create(ctx, newAccount("hp1", "shop.example", driver.Package{Name: "duo", Mailboxes: 2}))
	must(t, err)
	must(t, e.m.AddMailbox(ctx, "hp1", "info", "Inf0-Passw0rd!"))
	mustRefuse(t, "third mailbox", e.m.AddMailbox(ctx, "hp1", "sales", "S4les-Passw0rd!"))
	// Adding an existing mailbox again sets its password: a retried request is harmless.
	before := e.read(t, e.cfg.PasswdFile)
	must(t, e.m.AddMailbox(ctx, "hp1", "info", "An0ther-Passw0rd!"))
	if e.read(t, e.cfg.PasswdFile) == before {
		t.Error("adding an existing mailbox with another password kept the old one")
	}
	mustRefuse(t, "package with fewer mailboxes", e.m.ChangePackage(ctx, "hp1", driver.Package{Name: "solo", Mailboxes: 1}))
	must(t, e.m.ChangePackage(ctx, "hp1", driver.Package{Name: "trio", Mailboxes: 3, DiskMB: 2048}))
	must(t, e.m.AddMailbox(ctx, "hp1", "sales", "S4les-Passw0rd!"))
	if n := strings.Count(e.read(t, e.cfg.PasswdFile), "storage=2048M"); n != 3 {
		t.Errorf("%d mailboxes have the new quota, want 3", n)
	}
	mustRefuse(t, "weak password", e.m.AddMailbox(ctx, "hp1", "x", "password"))
	mustRefuse(t, "bad name", e.m.AddMailbox(ctx, "hp1", "a:b", "S4les-Passw0rd!"))
	mustRefuse(t, "first mailbox's password", e.m.SetMailboxPassword(ctx, "hp1", "postmaster", "N3w-Passw0rd!"))
	mustRefuse(t, "remove first mailbox", e.m.RemoveMailbox(ctx, "hp1", "postmaster"))
	if err := e.m.SetMailboxPassword(ctx, "hp1", "nobody", "N3w-Passw0rd!"); !errors.Is(err, driver.ErrNotFound) {
		t.Errorf("password of an unknown mailbox: %v, want ErrNotFound", err)
	}
	must(t, e.m.RemoveMailbox(ctx, "hp1", "sales"))
	must(t, e.m.RemoveMailbox(ctx, "hp1", "sales"))
	if _, err := os.Stat(filepath.Join(e.cfg.MailDir, "shop.example", "sales")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("removed mailbox's home: %v", err)
	}
	u, err := e.m.Usage(ctx, "hp1")
	must(t, err)
	if u.Mailboxes != 2 || !u.MeasuredAt.Equal(e.cfg.Clock.Now()) {
		t.Errorf("usage %+v", u)
	}
	if err := e.m.AddMailbox(ctx, "nope", "info", "Inf0-Passw0rd!"); !errors.Is(err, driver.ErrNotFound) {
		t.Errorf("mailbox in an unknown account: %v", err)
	}
	must(t, e.m.Terminate(ctx, "hp1"))
	mustRefuse(t, "mailbox in a terminated account", e.m.AddMailbox(ctx, "hp1", "new", "Inf0-Passw0rd!"))
}

func TestAliasRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.MaxAliases = 2 })
	ctx := context.Background()
	_, err := e.m.Create(ctx, newAccount("hp1", "shop.example", driver.Package{Name: "m"}))
	must(t, err)
	must(t, e.m.AddMailbox(ctx, "hp1", "info", "Inf0-Passw0rd!"))
	mustRefuse(t, "alias to a missing mailbox", e.m.AddAlias(ctx, "hp1", "sales", []string{"nobody@shop.example"}))
	mustRefuse(t, "alias over a mailbox", e.m.AddAlias(ctx, "hp1", "info", []string{"postmaster@shop.example"}))
	mustRefuse(t, "alias to itself", e.m.AddAlias(ctx, "hp1", "loop", []string{"loop@shop.example"}))
	mustRefuse(t, "no targets", e.m.AddAlias(ctx, "hp1", "sales", nil))
	mustRefuse(t, "bad target", e.m.AddAlias(ctx, "hp1", "sales", []string{"a b@x.example"}))
	many := make([]string, MaxAliasTargets+1)
	for i := range many {
		many[i] = "info@shop.example"
	}
	mustRefuse(t, "too many targets", e.m.AddAlias(ctx, "hp1", "sales", many))
	must(t, e.m.AddAlias(ctx, "hp1", "sales", []string{"info@shop.example"}))
	must(t, e.m.AddAlias(ctx, "hp1", "team", []string{"sales@shop.example", "x@elsewhere.example"}))
	mustRefuse(t, "aliases over the limit", e.m.AddAlias(ctx, "hp1", "third", []string{"info@shop.example"}))
	mustRefuse(t, "mailbox over an alias", e.m.AddMailbox(ctx, "hp1", "sales", "S4les-Passw0rd!"))
	mustRefuse(t, "remove a mailbox an alias forwards to", e.m.RemoveMailbox(ctx, "hp1", "info"))
	mustRefuse(t, "remove an alias another forwards to", e.m.RemoveAlias(ctx, "hp1", "sales"))
	must(t, e.m.RemoveAlias(ctx, "hp1", "team"))
	must(t, e.m.RemoveAlias(ctx, "hp1", "team"))
	must(t, e.m.RemoveAlias(ctx, "hp1", "sales"))
	must(t, e.m.RemoveMailbox(ctx, "hp1", "info"))
	v, err := e.m.Show(ctx, "hp1")
	must(t, err)
	if len(v.Mailboxes) != 1 || len(v.Aliases) != 0 {
		t.Errorf("view %+v", v)
	}
}

// The account files are the truth: files lost or left half-written by a crash between
// saving an account and rendering are rendered again by Sync (which the agent runs at
// start) or by the next change.
func TestSyncRestoresTheFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.m.Create(ctx, newAccount("hp1", "shop.example", driver.Package{Name: "m", DiskMB: 10}))
	must(t, err)
	must(t, e.m.AddAlias(ctx, "hp1", "sales", []string{"postmaster@shop.example"}))
	files := []string{e.cfg.PasswdFile, e.cfg.DomainsMap, e.cfg.MailboxesMap, e.cfg.AliasesMap}
	want := map[string]string{}
	for _, f := range files {
		want[f] = e.read(t, f)
	}
	must(t, os.Remove(e.cfg.PasswdFile))
	must(t, os.WriteFile(e.cfg.DomainsMap, []byte("half"), 0o644))
	must(t, os.WriteFile(e.cfg.AliasesMap, nil, 0o644))

	restarted, err := New(e.cfg)
	must(t, err)
	restarted.noSettle = true
	must(t, restarted.Sync(ctx))
	for _, f := range files {
		if got := e.read(t, f); got != want[f] {
			t.Errorf("%s after Sync: %q, want %q", f, got, want[f])
		}
	}
	// A deletion cut short after the maildirs went: the record is still there and a
	// retry finishes.
	must(t, e.m.Terminate(ctx, "hp1"))
	record := e.read(t, filepath.Join(e.cfg.DataDir, "accounts", "hp1.json"))
	must(t, e.m.DeleteData(ctx, "hp1"))
	must(t, os.WriteFile(filepath.Join(e.cfg.DataDir, "accounts", "hp1.json"), []byte(record), 0o600))
	must(t, restarted.DeleteData(ctx, "hp1"))
	if l, _ := restarted.List(ctx); len(l) != 0 {
		t.Errorf("list after the retried deletion: %+v", l)
	}
}

func TestNotFoundAndIdempotentRemovals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	for name, err := range map[string]error{
		"suspend":   e.m.Suspend(ctx, "hp9", driver.SuspendStaff),
		"unsuspend": e.m.Unsuspend(ctx, "hp9"),
		"package":   e.m.ChangePackage(ctx, "hp9", driver.Package{}),
	} {
		if !errors.Is(err, driver.ErrNotFound) {
			t.Errorf("%s of an unknown account: %v, want ErrNotFound", name, err)
		}
	}
	if _, err := e.m.ResetCredentials(ctx, "hp9", "x"); !errors.Is(err, driver.ErrNotFound) {
		t.Errorf("reset of an unknown account: %v", err)
	}
	must(t, e.m.Terminate(ctx, "hp9"))
	must(t, e.m.DeleteData(ctx, "hp9"))
	if _, err := e.m.Show(ctx, "../x"); !errors.Is(err, driver.ErrNotFound) {
		t.Errorf("show with a path as ref: %v", err)
	}
}

func TestTestChecksTheDirectories(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.PostfixReload = []string{"true"} })
	must(t, e.m.Test(context.Background()))
	must(t, os.RemoveAll(e.cfg.MailDir))
	if err := e.m.Test(context.Background()); err == nil {
		t.Error("Test passed without the maildir base")
	}
	e = newEnv(t, func(c *Config) { c.Doveadm = []string{"/nonexistent/doveadm"} })
	if err := e.m.Test(context.Background()); err == nil {
		t.Error("Test passed without doveadm")
	}
	for name, edit := range map[string]func(*Config){
		"relative":  func(c *Config) { c.PasswdFile = "users" },
		"root":      func(c *Config) { c.UID = 0 },
		"first box": func(c *Config) { c.FirstMailbox = "Post Master" },
	} {
		cfg := e.cfg
		edit(&cfg)
		if _, err := New(cfg); err == nil {
			t.Errorf("New accepted a config with a bad %s", name)
		}
	}
}

func TestPasswords(t *testing.T) {
	t.Parallel()
	h, err := hashPassword("Grüne Tee! 42")
	must(t, err)
	if !passwordMatches(h, "Grüne Tee! 42") || passwordMatches(h, "Grüne Tee! 43") || passwordMatches("{PLAIN}x", "x") {
		t.Error("passwordMatches")
	}
	if strings.ContainsAny(h, ": \n") {
		t.Errorf("hash %q holds a passwd-file separator", h)
	}
	for pw, ok := range map[string]bool{
		"Abcdef1!": true, "abcdef1!": false, "ABCDEF1!": false, "Abcdefg!": false, "Abcdefg1": false,
		"Ab1!": false, "Abcdef1!\n": false, strings.Repeat("Ab1!", 65): false,
	} {
		if err := checkPassword(pw); (err == nil) != ok {
			t.Errorf("checkPassword(%q) = %v, want ok=%v", pw, err, ok)
		}
	}
}

func TestNames(t *testing.T) {
	t.Parallel()
	for d, ok := range map[string]bool{
		"example.nl": true, "xn--bcher-kva.example": true, "a-b.c.example": true,
		"example": false, "-a.example": false, "a-.example": false, "a..example": false,
		"Example.nl": false, "a_b.example": false, "a/b.example": false, ".example": false,
		strings.Repeat("a", 64) + ".example": false,
	} {
		if err := validDomain(d); (err == nil) != ok {
			t.Errorf("validDomain(%q) = %v, want ok=%v", d, err, ok)
		}
	}
	for l, ok := range map[string]bool{
		"info": true, "first.last": true, "a_b-c": true, "0": true,
		"": false, ".a": false, "a.": false, "a..b": false, "a+b": false, "A": false, "a:b": false,
		"a b": false, "a,b": false, "..": false, strings.Repeat("a", 65): false,
	} {
		if err := validLocal(l); (err == nil) != ok {
			t.Errorf("validLocal(%q) = %v, want ok=%v", l, err, ok)
		}
	}
	for a, ok := range map[string]bool{
		"a@b.example": true, "a+tag@b.example": true, "a@b": false, "@b.example": false,
		"a@b@c.example": false, "a+@b.example": false, "a,b@c.example": false,
	} {
		if err := validTarget(a); (err == nil) != ok {
			t.Errorf("validTarget(%q) = %v, want ok=%v", a, err, ok)
		}
	}
}

func TestFactory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cfg := e.cfg
	cfg.DataDir = ""
	raw, err := json.Marshal(cfg)
	must(t, err)
	dataDir := t.TempDir()
	d, err := Factory(raw, dataDir)
	must(t, err)
	if m := d.(*Mailhost); m.cfg.DataDir != dataDir {
		t.Errorf("data dir %q, want the agent's %q", m.cfg.DataDir, dataDir)
	}
	if _, err := os.Stat(cfg.PasswdFile); err != nil {
		t.Errorf("Factory did not render the files: %v", err)
	}
	if _, err := Factory([]byte(`{"passwd_fil": "/x"}`), dataDir); err == nil {
		t.Error("a misspelt setting was accepted")
	}
	if _, err := Factory([]byte(`{}`), dataDir); err == nil {
		t.Error("empty settings were accepted")
	}
}
