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
		{"serve", "--roles", "cron"},
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
	db := filepath.Join(t.TempDir(), "cli.db")
	t.Setenv("HOSTPACT_DATABASE_URL", db)
	t.Setenv("HOSTPACT_LOG_LEVEL", "error")

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
