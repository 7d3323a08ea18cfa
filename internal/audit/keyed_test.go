package audit_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

var schemas = []store.Schema{audit.Schema, notify.Schema}

func writeKeyed(t *testing.T, db *store.DB, keys *secrets.Keyring, from, n int) {
	t.Helper()
	ctx := audit.WithActor(context.Background(), audit.Actor{Kind: audit.ActorStaff, ID: 7, Label: "anna@cloudprovider.test", IP: "192.0.2.1"})
	for i := from; i < from+n; i++ {
		if err := db.InTx(ctx, func(q store.Querier) error {
			return audit.RecordKeyed(ctx, q, t0.Add(time.Duration(i)*time.Minute), audit.Change{OrgID: 1, Action: "invoice.credit",
				ObjectKind: "invoice", ObjectID: fmt.Sprint(i), Summary: fmt.Sprintf("credit note %d", i)}, keys)
		}); err != nil {
			t.Fatal(err)
		}
	}
}

func allEntries(t *testing.T, db *store.DB) []audit.Entry {
	t.Helper()
	es, err := audit.List(context.Background(), db, audit.Filter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(es)
	return es
}

// rechain does what someone with the database but without the key can do: change entry
// edit with change, then recompute every hash from there on with hash and move the head.
func rechain(t *testing.T, db *store.DB, edit int64, change func(*audit.Entry), hash func(audit.Entry) string) {
	t.Helper()
	prev := ""
	for _, e := range allEntries(t, db) {
		if e.Seq >= edit {
			if e.Seq == edit {
				change(&e)
			}
			e.PrevHash = prev
			e.Hash = hash(e)
			if _, err := db.Exec(`UPDATE audit_entries SET summary = $1, prev_hash = $2, hash = $3 WHERE seq = $4`, e.Summary, e.PrevHash, e.Hash, e.Seq); err != nil {
				t.Fatal(err)
			}
		}
		prev = e.Hash
	}
	if _, err := db.Exec(`UPDATE audit_head SET hash = $1 WHERE id = 1`, prev); err != nil {
		t.Fatal(err)
	}
}

// truncate removes the entries after keep and moves the head back onto entry keep, so the
// rest of the trail is a valid chain.
func truncate(t *testing.T, db *store.DB, keep int64) {
	t.Helper()
	var hash string
	if err := db.QueryRow(`SELECT hash FROM audit_entries WHERE seq = $1`, keep).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`DELETE FROM audit_entries WHERE seq > $1`, `UPDATE audit_head SET seq = $1 WHERE id = 1`} {
		if _, err := db.Exec(s, keep); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`UPDATE audit_head SET hash = $1 WHERE id = 1`, hash); err != nil {
		t.Fatal(err)
	}
}

func problemText(r audit.Report) string {
	var all []string
	for _, p := range r.Problems {
		all = append(all, p.String())
	}
	return strings.Join(all, "\n")
}

// The two attacks of issue 8 on a keyed trail: an edited entry with the chain
// recomputed (without the key: plain SHA-256, another key, or the right key id with
// another key's MAC), and entries cut from the end with the head moved back. The first
// is found by the MACs alone; the second needs a signed checkpoint from outside the
// database, which also pins the edited entry.
func TestKeyedTrailAgainstDatabaseAccess(t *testing.T) {
	keys := secrets.Ephemeral()
	thief := secrets.Ephemeral()
	edit := func(e *audit.Entry) { e.Summary = "nothing happened" }
	cases := []struct {
		name       string
		checkpoint bool
		tamper     func(t *testing.T, db *store.DB)
		want       []string // substrings of the problems; none: intact
	}{
		{"intact", true, func(*testing.T, *store.DB) {}, nil},
		{"re-chained with plain SHA-256", false, func(t *testing.T, db *store.DB) { rechain(t, db, 3, edit, audit.PlainHash) },
			[]string{"entry 3: not keyed with the secret key", "entry 5: not keyed"}},
		{"re-chained with another key", false, func(t *testing.T, db *store.DB) {
			rechain(t, db, 3, edit, func(e audit.Entry) string { return audit.MACWith(e, thief) })
		}, []string{"entry 3: keyed with key " + thief.ID() + ", which the configured key file does not hold"}},
		{"re-chained under the right key id with another key", false, func(t *testing.T, db *store.DB) {
			rechain(t, db, 3, edit, func(e audit.Entry) string {
				return strings.Replace(audit.MACWith(e, thief), thief.ID(), keys.ID(), 1)
			})
		}, []string{"entry 3: content does not match its MAC (edited)", "entry 5: content does not match its MAC"}},
		{"re-chained, checkpointed", true, func(t *testing.T, db *store.DB) { rechain(t, db, 3, edit, audit.PlainHash) },
			[]string{"entry 5: is not the entry checkpoint checkpoint-00000000000000000005.json signed"}},
		{"truncated tail with a moved head", true, func(t *testing.T, db *store.DB) { truncate(t, db, 3) },
			[]string{"entry 5: the trail ends at entry 3, but checkpoint checkpoint-00000000000000000005.json signed entry 5"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				dir := t.TempDir()
				writeKeyed(t, db, keys, 1, 5)
				if tc.checkpoint {
					cp := &audit.Checkpointer{DB: db, Keys: keys, Dir: dir}
					if err := cp.Run(ctx, t0.Add(time.Hour)); err != nil {
						t.Fatal(err)
					}
				}
				tc.tamper(t, db)
				cps, bad, err := audit.ReadCheckpoints(dir, keys)
				if err != nil || len(bad) != 0 || len(cps) != map[bool]int{true: 1}[tc.checkpoint] {
					t.Fatalf("checkpoints %v, problems %v, err %v", cps, bad, err)
				}
				r, err := audit.VerifyWith(ctx, db, audit.VerifyOptions{Keys: keys, Checkpoints: cps})
				if err != nil {
					t.Fatal(err)
				}
				got := problemText(r)
				if len(tc.want) == 0 && got != "" {
					t.Fatalf("intact trail reported:\n%s", got)
				}
				for _, w := range tc.want {
					if !strings.Contains(got, w) {
						t.Errorf("problems do not mention %q:\n%s", w, got)
					}
				}
			}, schemas...)
		})
	}
}

// Without a checkpoint a cut tail is a valid shorter chain: that is why checkpoints exist,
// and the test pins the limit down rather than pretending otherwise.
func TestTruncationNeedsACheckpoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		keys := secrets.Ephemeral()
		writeKeyed(t, db, keys, 1, 5)
		truncate(t, db, 3)
		r, err := audit.VerifyWith(context.Background(), db, audit.VerifyOptions{Keys: keys})
		if err != nil || len(r.Problems) != 0 || r.Checked != 3 {
			t.Fatalf("%+v %v", r, err)
		}
	}, schemas...)
}

// A trail written before the key existed is keyed once, after its plain chain checked
// out; a legacy trail that was tampered with is not keyed (that would bless the change).
func TestRekey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		keys := secrets.Ephemeral()
		writeN(t, db, 4) // legacy: no key
		if r, _ := audit.VerifyWith(ctx, db, audit.VerifyOptions{Keys: keys}); !strings.Contains(problemText(r), "entry 1: not keyed") {
			t.Fatalf("legacy entries accepted with a key: %v", r.Problems)
		}
		n, err := audit.Rekey(ctx, db, keys)
		if err != nil || n != 4 {
			t.Fatalf("rekey: %d, %v", n, err)
		}
		writeKeyed(t, db, keys, 5, 2)
		if n, err := audit.Rekey(ctx, db, keys); err != nil || n != 0 {
			t.Fatalf("second rekey: %d, %v", n, err)
		}
		r, err := audit.VerifyWith(ctx, db, audit.VerifyOptions{Keys: keys})
		if err != nil || len(r.Problems) != 0 || r.Checked != 6 {
			t.Fatalf("after rekey: %+v %v", r, err)
		}
		if id, _ := audit.HeadKeyID(ctx, db); id != keys.ID() {
			t.Fatalf("head key %q", id)
		}
	}, schemas...)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		writeN(t, db, 4)
		if _, err := db.Exec(`UPDATE audit_entries SET summary = 'x' WHERE seq = 2`); err != nil {
			t.Fatal(err)
		}
		before := allEntries(t, db)
		if _, err := audit.Rekey(ctx, db, secrets.Ephemeral()); !errors.Is(err, audit.ErrLegacyBroken) || !strings.Contains(err.Error(), "entry 2") {
			t.Fatalf("rekey of a broken legacy trail: %v", err)
		}
		if after := allEntries(t, db); after[3].Hash != before[3].Hash {
			t.Fatal("a refused rekey changed the trail")
		}
	}, schemas...)
}

func files(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func count(t *testing.T, db *store.DB, query string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Checkpoints come every Every entries and at least hourly while entries are written,
// never for a head already signed.
func TestCheckpointSchedule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		keys := secrets.Ephemeral()
		dir := filepath.Join(t.TempDir(), "cps")
		c := &audit.Checkpointer{DB: db, Keys: keys, Dir: dir, Every: 3, Mail: "audit@provider.test"}
		run := func(at time.Time) {
			t.Helper()
			if err := c.Run(ctx, at); err != nil {
				t.Fatal(err)
			}
		}
		run(t0) // nothing written yet: nothing to sign
		writeKeyed(t, db, keys, 1, 1)
		run(t0.Add(time.Minute)) // the first head is signed at once
		writeKeyed(t, db, keys, 2, 2)
		run(t0.Add(2 * time.Minute))  // 2 entries, 1 minute: not due
		run(t0.Add(61 * time.Minute)) // an hour: due
		run(t0.Add(62 * time.Minute)) // head unchanged
		writeKeyed(t, db, keys, 4, 3)
		run(t0.Add(63 * time.Minute)) // 3 entries: due
		want := []string{"checkpoint-00000000000000000001.json", "checkpoint-00000000000000000003.json", "checkpoint-00000000000000000006.json"}
		if got := files(t, dir); !slices.Equal(got, want) {
			t.Fatalf("files %v, want %v", got, want)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM audit_checkpoints`); n != 3 {
			t.Fatalf("%d recorded", n)
		}
		ms, err := notify.List(ctx, db, 0, 0, 10)
		if err != nil || len(ms) != 3 || !strings.Contains(ms[0].Text, `"seq": 6`) || !strings.Contains(ms[0].Subject, "checkpoint 6") {
			t.Fatalf("checkpoint mails: %+v %v", ms, err)
		}
	}, schemas...)
}

// Crash test: a run killed after writing the file and before recording it is finished
// by the next run, which writes no second or different file and records and mails it
// once; a file at the head's number that signs another hash stops the job.
func TestCheckpointCrashAndConflict(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		keys := secrets.Ephemeral()
		dir := t.TempDir()
		writeKeyed(t, db, keys, 1, 4)
		var hash string
		if err := db.QueryRow(`SELECT hash FROM audit_head`).Scan(&hash); err != nil {
			t.Fatal(err)
		}
		if err := audit.WriteCheckpointFile(dir, audit.SignCheckpoint(keys, 4, hash, t0)); err != nil {
			t.Fatal(err) // ... and the process dies here
		}
		c := &audit.Checkpointer{DB: db, Keys: keys, Dir: dir, Mail: "audit@provider.test"}
		for i := range 2 {
			if err := c.Run(ctx, t0.Add(time.Duration(i)*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		if got := files(t, dir); len(got) != 1 || got[0] != "checkpoint-00000000000000000004.json" {
			t.Fatalf("files %v", got)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM audit_checkpoints`); n != 1 {
			t.Fatalf("%d recorded", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM mail_outbox`); n != 1 {
			t.Fatalf("%d mails", n)
		}

		writeKeyed(t, db, keys, 5, 1)
		var head string
		if err := db.QueryRow(`SELECT hash FROM audit_head`).Scan(&head); err != nil {
			t.Fatal(err)
		}
		// Someone signed entry 5 as something else (a checkpoint of a rewritten trail).
		if err := audit.WriteCheckpointFile(dir, audit.SignCheckpoint(keys, 5, "hmac:v1:"+keys.ID()+":00", t0)); err != nil {
			t.Fatal(err)
		}
		if err := c.Run(ctx, t0.Add(2*time.Hour)); err == nil || !strings.Contains(err.Error(), "rewritten") {
			t.Fatalf("conflicting checkpoint: %v", err)
		}
		// Writing it again over the conflicting file is refused as well, and never replaces it.
		if err := audit.WriteCheckpointFile(dir, audit.SignCheckpoint(keys, 5, head, t0)); err == nil {
			t.Fatal("a checkpoint file was replaced")
		}
	}, schemas...)
}

// The job does not sign a trail that is already broken, and a forged checkpoint file is a
// problem for verify and stops the job.
func TestCheckpointRefusesBrokenTrailAndForgery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		keys := secrets.Ephemeral()
		dir := t.TempDir()
		writeKeyed(t, db, keys, 1, 3)
		c := &audit.Checkpointer{DB: db, Keys: keys, Dir: dir}
		if err := c.Run(ctx, t0); err != nil {
			t.Fatal(err)
		}
		writeKeyed(t, db, keys, 4, 2)
		rechain(t, db, 4, func(e *audit.Entry) { e.Summary = "x" }, audit.PlainHash)
		if err := c.Run(ctx, t0.Add(2*time.Hour)); err == nil || !strings.Contains(err.Error(), "entry 4: not keyed") {
			t.Fatalf("signed a broken trail: %v", err)
		}
		forged := audit.SignCheckpoint(secrets.Ephemeral(), 2, "x", t0)
		forged.KeyID = keys.ID()
		if err := os.WriteFile(filepath.Join(dir, "checkpoint-00000000000000000002.json"), forged.Marshal(), 0o600); err != nil {
			t.Fatal(err)
		}
		_, bad, err := audit.ReadCheckpoints(dir, keys)
		if err != nil || len(bad) != 1 || !strings.Contains(bad[0].String(), "forged or altered") {
			t.Fatalf("forged checkpoint: %v %v", bad, err)
		}
		if err := c.Run(ctx, t0.Add(3*time.Hour)); err == nil || !strings.Contains(err.Error(), "bad one") {
			t.Fatalf("job with a forged checkpoint: %v", err)
		}
	}, schemas...)
}

func FuzzParseCheckpoint(f *testing.F) {
	f.Add(string(audit.SignCheckpoint(secrets.Ephemeral(), 3, "h", t0).Marshal()))
	f.Add(`{"format":"hostpact audit checkpoint v1","seq":1}`)
	f.Fuzz(func(t *testing.T, in string) {
		c, err := audit.ParseCheckpoint([]byte(in))
		if err == nil {
			if _, err := audit.ParseCheckpoint(c.Marshal()); err != nil {
				t.Fatalf("round trip: %v", err)
			}
		}
	})
}
