package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

// operatorTrail makes a database with a trail the way an operator does (keygen, user
// commands, a checkpoint, more entries after it) and returns its URL and key file.
func operatorTrail(t *testing.T, d store.Dialect) (url, key string) {
	t.Helper()
	dir := t.TempDir()
	url = storetest.URL(t, d)
	key = filepath.Join(dir, "secret.key")
	t.Setenv("HOSTPACT_DATABASE_URL", url)
	t.Setenv("HOSTPACT_LOG_LEVEL", "error")
	t.Setenv("HOSTPACT_SECRET_KEY_FILE", key)
	must := func(stdin string, args ...string) {
		t.Helper()
		if code, out, errs := runCLI(t, stdin, args...); code != 0 {
			t.Fatalf("hostpact %v: exit %d, out %q, err %q", args, code, out, errs)
		}
	}
	must("", "keygen", "--out", key)
	must("Sterk-wachtwoord-2026\n", "user", "create", "--email", "ops@cloudprovider.test", "--name", "Ops", "--roles", "admin", "--password-stdin")
	must("Ander-wachtwoord-2026\n", "user", "reset-password", "--email", "ops@cloudprovider.test", "--password-stdin")
	must("", "audit", "checkpoint")
	must("", "user", "disable", "--email", "ops@cloudprovider.test")
	return url, key
}

func rawDB(t *testing.T, url string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// plainHash is what someone with the database and hostpact's source, but not the key,
// computes for an entry.
func plainHash(e audit.Entry) string {
	h := sha256.New()
	for _, f := range []string{strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(time.RFC3339Nano), string(e.Actor.Kind),
		strconv.FormatInt(e.Actor.ID, 10), e.Actor.Label, strconv.FormatInt(e.OrgID, 10), e.Action, e.ObjectKind, e.ObjectID,
		e.Summary, e.Actor.IP, e.Actor.UserAgent, e.PrevHash} {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// The tampering of issue 8 through the binary, on both engines: `audit verify --db`
// passes an intact trail and fails one cut short with its head moved back, and one with
// an entry edited and the chain recomputed without the key.
func TestAuditVerifyAgainstDatabaseAccess(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(t *testing.T, db *store.DB)
		want   string
	}{
		{"intact", func(*testing.T, *store.DB) {}, ""},
		{"truncated tail with a moved head", func(t *testing.T, db *store.DB) {
			var seq int64
			var hash string
			if err := db.QueryRow(`SELECT seq, hash FROM audit_entries WHERE seq = 1`).Scan(&seq, &hash); err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{`DELETE FROM audit_entries WHERE seq > 1`, `UPDATE audit_head SET seq = 1 WHERE id = 1`} {
				if _, err := db.Exec(s); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := db.Exec(`UPDATE audit_head SET hash = $1`, hash); err != nil {
				t.Fatal(err)
			}
		}, "entries were removed from the end"},
		{"edited and re-chained without the key", func(t *testing.T, db *store.DB) {
			es, err := audit.List(context.Background(), db, audit.Filter{Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			slices.Reverse(es)
			prev := ""
			for _, e := range es {
				if e.Seq == 1 {
					e.Summary = "nothing to see"
				}
				e.PrevHash, e.Hash = prev, plainHash(e)
				prev = e.Hash
				if _, err := db.Exec(`UPDATE audit_entries SET summary = $1, prev_hash = $2, hash = $3 WHERE seq = $4`, e.Summary, e.PrevHash, e.Hash, e.Seq); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := db.Exec(`UPDATE audit_head SET hash = $1`, prev); err != nil {
				t.Fatal(err)
			}
		}, "BROKEN entry 1: not keyed with the secret key"},
	}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		for _, tc := range cases {
			t.Run(string(d)+"/"+tc.name, func(t *testing.T) {
				url, key := operatorTrail(t, d)
				tc.tamper(t, rawDB(t, url))
				// Verify another database than the configured one: --db and --key win.
				t.Setenv("HOSTPACT_DATABASE_URL", filepath.Join(t.TempDir(), "other.db"))
				t.Setenv("HOSTPACT_SECRET_KEY_FILE", "")
				code, out, errs := runCLI(t, "", "audit", "verify", "--db", url, "--key", key)
				if tc.want == "" {
					if code != 0 || !strings.Contains(out, "audit trail intact") || !strings.Contains(out, "1 checkpoint(s)") {
						t.Fatalf("intact: exit %d, out %q, err %q", code, out, errs)
					}
					return
				}
				if code != 1 || !strings.Contains(out, tc.want) || !strings.Contains(errs, "not intact") {
					t.Fatalf("exit %d, out %q, err %q; want %q", code, out, errs, tc.want)
				}
			})
		}
	}
}

// Verify never creates the database it is pointed at, and needs the key.
func TestAuditVerifyMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HOSTPACT_LOG_LEVEL", "error")
	key := filepath.Join(dir, "secret.key")
	if code, _, _ := runCLI(t, "", "keygen", "--out", key); code != 0 {
		t.Fatal("keygen")
	}
	missing := filepath.Join(dir, "nope.db")
	code, out, errs := runCLI(t, "", "audit", "verify", "--db", missing, "--key", key)
	if code != 1 || !strings.Contains(errs, "no database file at "+missing) || strings.Contains(out, "intact") {
		t.Fatalf("missing file: exit %d, out %q, err %q", code, out, errs)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Fatalf("verify created %s", missing)
	}
	t.Chdir(dir)
	t.Setenv("HOSTPACT_DATABASE_URL", "")
	if code, _, _ := runCLI(t, "", "audit", "verify", "--key", key); code != 1 {
		t.Fatalf("default database: exit %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "hostpact.db")); !os.IsNotExist(err) {
		t.Fatal("verify created hostpact.db")
	}
	if code, _, errs := runCLI(t, "", "audit", "verify", "--db", missing); code != 2 || !strings.Contains(errs, "--key") {
		t.Fatalf("without a key: exit %d, err %q", code, errs)
	}
	if base := os.Getenv(storetest.EnvPostgres); base != "" {
		pg := strings.Replace(base, "/hostpact_test", "/hostpact_no_such_db", 1)
		if code, out, _ := runCLI(t, "", "audit", "verify", "--db", pg, "--key", key); code != 1 || strings.Contains(out, "intact") {
			t.Fatalf("missing PostgreSQL database: exit %d, out %q", code, out)
		}
	}
}
