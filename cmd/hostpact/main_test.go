package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageErrorsExitTwo(t *testing.T) {
	// A usage error must not touch a database: none is configured, so the default
	// file would appear in the working directory.
	t.Chdir(t.TempDir())
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"user"},
		{"user", "create", "--name", "X"},
		{"user", "create", "--email", "a@b.test", "--name", "X"}, // neither --roles nor --org
		{"audit"},
		{"keygen"},
		{"serve", "--roles", "cron"},
		{"serve", "--roles", "probe", "--location", "AMS 1"},
		{"terms", "explain", "cancellation", "--policy", "cloudprovider", "--customer", "consumer", "--start", "2026-02-30", "--received", "2026-03-01"},
	} {
		if code, _, _ := runCLI(t, "", args...); code != 2 {
			t.Errorf("hostpact %v: exit %d, want 2", args, code)
		}
	}
	if entries, _ := os.ReadDir("."); len(entries) != 0 {
		t.Fatalf("usage errors created %v", entries)
	}
}

// The operator's path through the binary: create a staff user, verify the audit trail,
// tamper with it behind hostpact's back, and see `audit verify` report it.
func TestUserCreateAndAuditVerify(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "cli.db")
	t.Setenv("HOSTPACT_DATABASE_URL", db)
	t.Setenv("HOSTPACT_LOG_LEVEL", "error")
	key := filepath.Join(dir, "secret.key")
	if code, out, errs := runCLI(t, "", "keygen", "--out", key); code != 0 || !strings.Contains(out, "HOSTPACT_SECRET_KEY_FILE="+key) {
		t.Fatalf("keygen: exit %d, out %q, err %q", code, out, errs)
	}
	t.Setenv("HOSTPACT_SECRET_KEY_FILE", key)

	code, out, errs := runCLI(t, "Sterk-wachtwoord-2026\n", "user", "create", "--email", "ops@cloudprovider.test", "--name", "Ops", "--roles", "admin", "--password-stdin")
	if code != 0 || !strings.Contains(out, "created user") {
		t.Fatalf("user create: exit %d, out %q, err %q", code, out, errs)
	}
	if code, _, errs := runCLI(t, "zwak\n", "user", "reset-password", "--email", "ops@cloudprovider.test", "--password-stdin"); code != 1 || !strings.Contains(errs, "password") {
		t.Fatalf("weak password: exit %d, err %q", code, errs)
	}
	if code, out, _ := runCLI(t, "", "user", "disable", "--email", "ops@cloudprovider.test"); code != 0 || !strings.Contains(out, "disabled") {
		t.Fatalf("user disable: exit %d, out %q", code, out)
	}
	code, out, _ = runCLI(t, "", "audit", "verify")
	if code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("audit verify on an untouched trail: exit %d, out %q", code, out)
	}

	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(context.Background(), `UPDATE audit_entries SET summary = 'nothing to see' WHERE seq = 1`); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCLI(t, "", "audit", "verify")
	if code != 1 || !strings.Contains(out, "BROKEN entry 1") {
		t.Fatalf("audit verify after tampering: exit %d, out %q", code, out)
	}
}

func TestTermsCalculatorIsWired(t *testing.T) {
	code, out, errs := runCLI(t, "", "terms", "explain", "quote-expiry", "--policy", "cloudprovider", "--sent", "2026-01-31", "--json")
	if code != 0 || !strings.Contains(out, `"expires"`) || !strings.Contains(out, "cp.av.2.2") {
		t.Fatalf("exit %d, out %q, err %q", code, out, errs)
	}
}

// Without the secret key nothing that opens the database runs, and the message says
// how to make one; keygen never overwrites a key.
func TestKeyRequired(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HOSTPACT_DATABASE_URL", filepath.Join(dir, "k.db"))
	t.Setenv("HOSTPACT_LOG_LEVEL", "error")
	code, _, errs := runCLI(t, "", "migrate")
	if code != 1 || !strings.Contains(errs, "HOSTPACT_SECRET_KEY_FILE") || !strings.Contains(errs, "hostpact keygen") {
		t.Fatalf("migrate without a key: exit %d, err %q", code, errs)
	}
	key := filepath.Join(dir, "secret.key")
	if code, _, _ := runCLI(t, "", "keygen", "--out", key); code != 0 {
		t.Fatal("keygen failed")
	}
	before, _ := os.ReadFile(key)
	if code, _, errs := runCLI(t, "", "keygen", "--out", key); code != 1 || !strings.Contains(errs, "exists") {
		t.Fatalf("second keygen: exit %d, err %q", code, errs)
	}
	if after, _ := os.ReadFile(key); string(after) != string(before) {
		t.Fatal("keygen overwrote a key file")
	}
	t.Setenv("HOSTPACT_SECRET_KEY_FILE", key)
	if code, out, errs := runCLI(t, "", "migrate"); code != 0 || !strings.Contains(out, "migrated") {
		t.Fatalf("migrate with a key: exit %d, out %q, err %q", code, out, errs)
	}
	if code, _, errs := runCLI(t, "Sterk-wachtwoord-2026\n", "user", "create", "--email", "ops@cloudprovider.test", "--name", "Ops", "--roles", "admin", "--password-stdin"); code != 0 {
		t.Fatalf("user create: %q", errs)
	}
	// A TOTP secret stored in plain text (before sealing existed) is sealed at start, once.
	raw, err := sql.Open("sqlite", filepath.Join(dir, "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`INSERT INTO user_totp (user_id, secret) SELECT id, 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' FROM users`); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if code, _, errs := runCLI(t, "", "migrate"); code != 0 {
			t.Fatalf("migrate: %q", errs)
		}
	}
	var secret string
	if err := raw.QueryRow(`SELECT secret FROM user_totp`).Scan(&secret); err != nil || !strings.HasPrefix(secret, "sealed:v1:") {
		t.Fatalf("TOTP secret after start: %q, %v", secret, err)
	}
	if code, out, _ := runCLI(t, "", "audit", "verify"); code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("verify after sealing: %q", out)
	}
	// Once the database holds protected values, the message names their key; another
	// key file is refused rather than writing a second, unverifiable chain.
	t.Setenv("HOSTPACT_SECRET_KEY_FILE", "")
	if code, _, errs := runCLI(t, "", "serve", "--addr", "127.0.0.1:0"); code != 1 || !strings.Contains(errs, "holds values protected with key") {
		t.Fatalf("serve without the key: exit %d, err %q", code, errs)
	}
	other := filepath.Join(dir, "other.key")
	runCLI(t, "", "keygen", "--out", other)
	t.Setenv("HOSTPACT_SECRET_KEY_FILE", other)
	if code, _, errs := runCLI(t, "", "serve", "--addr", "127.0.0.1:0"); code != 1 || !strings.Contains(errs, "use the key file this database was written with") {
		t.Fatalf("serve with another key: exit %d, err %q", code, errs)
	}
}
