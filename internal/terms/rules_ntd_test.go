package terms

import (
	"errors"
	"testing"
	"time"
)

// The customer answers a forwarded notice within 2 werkdagen (cp.ntd.2.3); an urgent
// notice is handled within 1 werkdag of receipt (cp.ntd.2.6). Across Easter 2026:
// Good Friday 3 April and Easter Monday 6 April are closed.
func TestNTDDueAcrossEaster(t *testing.T) {
	t.Parallel()
	for _, pack := range []string{"cloudprovider", "5online"} {
		pol := mustPolicy(t, pack)
		r, ex, err := pol.NTDDue(false, D(2026, 4, 2))
		if err != nil || r.Deadline != D(2026, 4, 8) || len(ex.Clauses()) == 0 {
			t.Fatalf("%s response: %+v %v", pack, r, err)
		}
		r, _, err = pol.NTDDue(true, D(2026, 4, 2))
		if err != nil || r.Deadline != D(2026, 4, 7) {
			t.Fatalf("%s urgent: %+v %v", pack, r, err)
		}
	}
	if r, ex, _ := mustPolicy(t, "cloudprovider").NTDDue(true, D(2026, 4, 2)); ex.Clauses()[0] != "cp.ntd.2.6" || r.Period.String() != "P1WD" {
		t.Fatalf("urgent cites %v", ex.Clauses())
	}
}

func TestNTDEscalation(t *testing.T) {
	t.Parallel()
	pol := mustPolicy(t, "cloudprovider")
	for _, tc := range []struct {
		kind  string
		count int
		want  bool
	}{{"phishing", 1, true}, {"spam", 4, false}, {"spam", 5, true}, {"malware", 1, true}} {
		got, ex, err := pol.NTDEscalation(tc.kind, tc.count)
		if err != nil || got != tc.want || len(ex) != 1 || ex[0].Key != "ntd.escalation" {
			t.Errorf("%s×%d: %v %v", tc.kind, tc.count, got, err)
		}
	}
	if _, _, err := pol.NTDEscalation("unknown", 9); !errors.Is(err, ErrNotInTerms) {
		t.Fatalf("unknown kind: %v", err)
	}
	now := time.Date(2026, 5, 10, 12, 0, 0, 0, time.UTC)
	if got := pol.NTDWindowStart(now); !got.Equal(now.Add(-7 * 24 * time.Hour)) {
		t.Fatalf("window starts %s", got)
	}
}

func TestDisclosureDeadlines(t *testing.T) {
	t.Parallel()
	for _, pack := range []string{"cloudprovider", "5online"} {
		pol := mustPolicy(t, pack)
		// Thursday 23 April 2026: King's Day Monday 27 April is closed.
		due, ex, err := pol.DisclosureDeadlines(D(2026, 4, 23))
		if err != nil {
			t.Fatal(err)
		}
		if due.Ack != D(2026, 4, 24) || due.Assessment != D(2026, 4, 29) || due.Fix != D(2026, 6, 22) {
			t.Fatalf("%s: %+v", pack, due)
		}
		if len(ex) != 3 {
			t.Fatalf("%s: %d steps", pack, len(ex))
		}
		if _, err := pol.DisclosureReward(Euros(300)); err != nil {
			t.Fatalf("%s: 300: %v", pack, err)
		}
		if _, err := pol.DisclosureReward(Euros(300) + 1); err == nil {
			t.Fatalf("%s: 300.01 accepted", pack)
		}
	}
	pol := mustPolicy(t, "cloudprovider")
	due, ex, _ := pol.DisclosureDeadlines(D(2026, 4, 23))
	if ex[0].Clause != "cp.rd.expect.4" || ex[1].Clause != "cp.rd.expect.5" || ex[2].Clause != "cp.rd.expect.7" {
		t.Fatalf("clauses %v %v %v (%+v)", ex[0].Clause, ex[1].Clause, ex[2].Clause, due)
	}
}

func TestSecurityTxtExpires(t *testing.T) {
	t.Parallel()
	pol := mustPolicy(t, "cloudprovider")
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	exp := pol.SecurityTxtExpires(now)
	if !exp.After(now.AddDate(0, 10, 0)) || exp.After(now.AddDate(1, 0, 0)) {
		t.Fatalf("expires %s", exp)
	}
	if later := pol.SecurityTxtExpires(now.AddDate(0, 3, 0)); !later.After(exp) {
		t.Fatal("Expires does not move with the clock")
	}
}
