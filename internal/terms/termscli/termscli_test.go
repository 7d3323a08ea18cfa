package termscli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func run(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// explainJSON runs an explain question with --json and decodes the answer.
func explainJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	code, out, errs := run(append([]string{"explain"}, append(args, "--json")...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var a map[string]any
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("bad JSON %v:\n%s", err, out)
	}
	for _, k := range []string{"policy", "question", "result", "explanation"} {
		if _, ok := a[k]; !ok {
			t.Fatalf("answer lacks %q: %s", k, out)
		}
	}
	steps := a["explanation"].([]any)
	if len(steps) == 0 {
		t.Fatalf("no explanation: %s", out)
	}
	for _, s := range steps {
		m := s.(map[string]any)
		if m["clause"] == "" || m["says"] == "" || m["value"] == nil {
			t.Fatalf("incomplete step %v", m)
		}
	}
	return a
}

func TestExplainQuestions(t *testing.T) {
	tests := []struct {
		args []string
		want map[string]any
	}{
		{[]string{"business-days", "--policy", "cloudprovider", "--from", "2025-04-17", "--add", "1"}, map[string]any{"date": "2025-04-22"}},
		{[]string{"business-days", "--policy", "5online", "--from", "2025-05-02", "--add", "1"}, map[string]any{"date": "2025-05-06"}},
		{[]string{"add-months", "--policy", "cloudprovider", "--from", "2024-01-31", "--months", "1"}, map[string]any{"date": "2024-02-29"}},
		{[]string{"add-months", "--policy", "5online", "--from", "2025-03-31", "--months", "-1"}, map[string]any{"date": "2025-02-28"}},
		{[]string{"quote-expiry", "--policy", "cloudprovider", "--sent", "2025-01-31"}, map[string]any{"expires": "2025-03-02"}},
		{[]string{"quote-expiry", "--policy", "5online", "--sent", "2025-01-31"}, map[string]any{"expires": "2025-02-14"}},
		{[]string{"cancellation", "--policy", "cloudprovider", "--customer", "consumer", "--start", "2024-01-31", "--received", "2025-01-01"},
			map[string]any{"ends": "2025-02-01", "deadline": "2025-01-01", "renewed": true}},
		{[]string{"cancellation", "--policy", "cloudprovider", "--customer", "business", "--start", "2024-03-15", "--received", "2025-01-16"},
			map[string]any{"ends": "2026-03-15", "deadline": "2026-01-15", "renewed": true}},
		{[]string{"cancellation", "--policy", "5online", "--customer", "business", "--start", "2024-01-31", "--received", "2024-12-31"},
			map[string]any{"ends": "2025-01-31", "deadline": "2024-12-31", "renewed": false}},
		{[]string{"withdrawal", "--policy", "cloudprovider", "--concluded", "2025-01-31", "--received", "2025-02-14"},
			map[string]any{"allowed": true, "last_day": "2025-02-14", "refund_by": "2025-02-28"}},
		{[]string{"withdrawal", "--policy", "cloudprovider", "--concluded", "2025-01-02", "--received", "2025-01-03", "--domain", "--waived"},
			map[string]any{"allowed": false, "last_day": "2025-01-16"}},
		{[]string{"payment", "--policy", "cloudprovider", "--customer", "consumer", "--invoice-date", "2025-03-26"},
			map[string]any{"due": "2025-04-26", "reminder": "2025-04-28", "default_from": "2025-05-13"}},
		{[]string{"payment", "--policy", "cloudprovider", "--customer", "business", "--invoice-date", "2025-01-31"},
			map[string]any{"due": "2025-02-28", "default_from": "2025-03-15"}},
		{[]string{"payment", "--policy", "5online", "--customer", "business", "--invoice-date", "2025-01-31"},
			map[string]any{"due": "2025-02-14", "default_from": "2025-03-01"}},
		{[]string{"interest", "--policy", "cloudprovider", "--customer", "business", "--principal", "1000", "--from", "2023-03-01", "--to", "2025-03-15"},
			map[string]any{"amount": "257.17"}},
		{[]string{"interest", "--policy", "5online", "--customer", "business", "--principal", "1000.00", "--from", "2025-03-01", "--to", "2025-03-31"},
			map[string]any{"amount": "19.73"}},
		{[]string{"interest", "--policy", "cloudprovider", "--customer", "consumer", "--principal", "1000", "--from", "2025-03-01", "--to", "2025-03-01"},
			map[string]any{"amount": "0.00"}},
		{[]string{"collection-costs", "--policy", "cloudprovider", "--principal", "425.00"}, map[string]any{"amount": "63.75"}},
		{[]string{"collection-costs", "--policy", "5online", "--principal", "100"}, map[string]any{"amount": "40.00"}},
		{[]string{"collection-costs", "--policy", "cloudprovider", "--principal", "2000000"}, map[string]any{"amount": "6775.00"}},
		{[]string{"sla-credit", "--policy", "cloudprovider", "--downtime-minutes", "105", "--monthly-fee", "25.00"}, map[string]any{"percent": 40.0, "amount": "10.00"}},
		{[]string{"sla-credit", "--policy", "cloudprovider", "--downtime-minutes", "105", "--monthly-fee", "25", "--reading", "literal"}, map[string]any{"percent": 20.0, "amount": "5.00"}},
		{[]string{"sla-credit", "--policy", "cloudprovider", "--downtime-minutes", "60", "--monthly-fee", "25", "--reading", "full-hours"}, map[string]any{"percent": 20.0}},
		{[]string{"liability-cap", "--policy", "cloudprovider", "--annual-fees", "5000"}, map[string]any{"cap": "1000.00"}},
		{[]string{"liability-cap", "--policy", "5online", "--agreement-fees", "20000", "--months", "12", "--paid-last-6-months", "3000"}, map[string]any{"cap": "3000.00"}},
		{[]string{"liability-cap", "--policy", "5online", "--agreement-fees", "4000", "--months", "3"}, map[string]any{"cap": "4000.00"}},
		{[]string{"deadline", "--policy", "cloudprovider", "--process", "complaint", "--received", "2025-04-30"}, map[string]any{"deadline": "2025-05-08"}},
		{[]string{"deadline", "--policy", "cloudprovider", "--process", "ntd-urgent", "--received", "2025-05-28"}, map[string]any{"deadline": "2025-05-30"}},
		{[]string{"deadline", "--policy", "cloudprovider", "--process", "disclosure-fix", "--received", "2025-01-01"}, map[string]any{"deadline": "2025-03-02"}},
		{[]string{"deadline", "--policy", "cloudprovider", "--process", "dsar", "--received", "2025-01-31"}, map[string]any{"deadline": "2025-02-28"}},
		{[]string{"deadline", "--policy", "5online", "--process", "subprocessor-objection", "--received", "2025-02-20"}, map[string]any{"deadline": "2025-03-06"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[:3], " "), func(t *testing.T) {
			a := explainJSON(t, tt.args...)
			if a["question"] != tt.args[0] || a["policy"] != tt.args[2] {
				t.Errorf("answer names %v / %v", a["question"], a["policy"])
			}
			res := a["result"].(map[string]any)
			for k, want := range tt.want {
				if res[k] != want {
					t.Errorf("%s = %v (%T), want %v\nresult %v", k, res[k], res[k], want, res)
				}
			}
		})
	}
}

func TestExplainText(t *testing.T) {
	code, out, _ := run("explain", "collection-costs", "--policy", "cloudprovider", "--principal", "425")
	if code != 0 || !strings.Contains(out, "amount: 63.75") || !strings.Contains(out, "[cp.av.14.4, cp.av.14.7]") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	// Flags may come before the question.
	code, out, _ = run("explain", "--policy", "cloudprovider", "payment", "--customer", "business", "--invoice-date", "2025-01-31")
	if code != 0 || !strings.Contains(out, "due: 2025-02-28") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{}, "usage"},
		{[]string{"frobnicate"}, "unknown command"},
		{[]string{"explain"}, "needs a QUESTION"},
		{[]string{"explain", "weather", "--policy", "cloudprovider"}, `unknown question "weather"`},
		{[]string{"explain", "payment", "--customer", "business", "--invoice-date", "2025-01-31"}, "--policy"},
		{[]string{"explain", "payment", "--policy", "nosuch", "--customer", "business", "--invoice-date", "2025-01-31"}, "--policy"},
		{[]string{"explain", "payment", "--policy", "cloudprovider", "--invoice-date", "2025-01-31"}, "--customer"},
		{[]string{"explain", "payment", "--policy", "cloudprovider", "--customer", "alien", "--invoice-date", "2025-01-31"}, "--customer"},
		{[]string{"explain", "payment", "--policy", "cloudprovider", "--customer", "business", "--invoice-date", "2025-02-30"}, "--invoice-date"},
		{[]string{"explain", "payment", "--policy", "cloudprovider", "--customer", "business", "--invoice-date", "31-01-2025"}, "--invoice-date"},
		{[]string{"explain", "payment", "--policy", "cloudprovider", "--customer", "business", "--invoice-date"}, "--invoice-date"},
		{[]string{"explain", "payment", "--policy", "cloudprovider", "--customer", "business", "--invoice-date", "2025-01-31", "--principal", "1"}, "--principal"},
		{[]string{"explain", "interest", "--policy", "cloudprovider", "--customer", "business", "--principal", "1,00", "--from", "2025-01-01", "--to", "2025-02-01"}, "--principal"},
		{[]string{"explain", "interest", "--policy", "cloudprovider", "--customer", "business", "--principal", "100", "--from", "2025-02-01", "--to", "2025-01-01"}, "--to"},
		{[]string{"explain", "business-days", "--policy", "cloudprovider", "--from", "2025-01-01", "--add", "two"}, "--add"},
		{[]string{"explain", "sla-credit", "--policy", "cloudprovider", "--downtime-minutes", "50"}, "--monthly-fee"},
		{[]string{"explain", "sla-credit", "--policy", "cloudprovider", "--downtime-minutes", "50", "--monthly-fee", "10", "--reading", "kind"}, "--reading"},
		{[]string{"explain", "sla-credit", "--policy", "5online", "--downtime-minutes", "50", "--monthly-fee", "10"}, "no availability guarantee"},
		{[]string{"explain", "cancellation", "--policy", "cloudprovider", "--customer", "consumer", "--start", "2025-01-02", "--received", "2025-01-01"}, "--received"},
		{[]string{"explain", "liability-cap", "--policy", "cloudprovider"}, "--annual-fees"},
		{[]string{"explain", "liability-cap", "--policy", "5online", "--agreement-fees", "100", "--months", "12"}, "--paid-last-6-months"},
		{[]string{"explain", "deadline", "--policy", "5online", "--process", "complaint", "--received", "2025-01-01"}, "complaint"},
		{[]string{"explain", "quote-expiry", "--policy", "cloudprovider", "--sent", "2025-01-01", "extra"}, "one QUESTION"},
		{[]string{"explain", "quote-expiry", "--policy", "cloudprovider", "--sent", "2010-01-01"}, "no terms in force"},
		{[]string{"explain", "payment", "--policy", "5online", "--customer", "consumer", "--invoice-date", "2025-01-31"}, "business customers only"},
		{[]string{"list", "--policy", "nosuch"}, "--policy"},
		{[]string{"list", "--bogus"}, "--bogus"},
		{[]string{"diff", "cloudprovider"}, "two packs"},
		{[]string{"explain", "add-months", "--policy", "cloudprovider", "--from", "9999-12-31", "--months", "1"}, "beyond the year 9999"},
		{[]string{"explain", "interest", "--policy", "cloudprovider", "--customer", "business", "--principal", "1", "--from", "2020-01-01", "--to", "2090-01-01"}, "--to"},
		{[]string{"explain", "quote-expiry", "--pack-file", "/nonexistent/pack.yaml", "--sent", "2025-01-01"}, "--pack-file"},
	}
	for _, tt := range tests {
		code, out, errs := run(tt.args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (stdout %q)", tt.args, code, out)
		}
		if !strings.Contains(errs, tt.want) {
			t.Errorf("%v: stderr %q does not mention %q", tt.args, errs, tt.want)
		}
	}
}

func TestListAndDiff(t *testing.T) {
	code, out, errs := run("list", "--policy", "cloudprovider")
	if code != 0 || !strings.Contains(out, "payment.term") || !strings.Contains(out, "cp.av.14.1") || !strings.Contains(out, "sla.threshold_minutes") {
		t.Errorf("list: exit %d %s\n%s", code, errs, out)
	}
	code, out, _ = run("list")
	if code != 0 || !strings.Contains(out, "policy cloudprovider") || !strings.Contains(out, "policy 5online") {
		t.Errorf("list all: exit %d\n%s", code, out)
	}
	code, out, _ = run("list", "--policy", "5online", "--json")
	var l struct {
		Policy     string
		Parameters []struct {
			Path, Value string
			Clauses     []string
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &l) != nil || l.Policy != "5online" || len(l.Parameters) < 50 {
		t.Errorf("list json: exit %d\n%s", code, out)
	}
	code, out, _ = run("diff", "cloudprovider", "5online")
	if code != 0 || !strings.Contains(out, "quote.validity") || !strings.Contains(out, "P30D") || !strings.Contains(out, "P14D") {
		t.Errorf("diff: exit %d\n%s", code, out)
	}
	code, out, _ = run("diff", "cloudprovider", "cloudprovider")
	if code != 0 || !strings.HasPrefix(out, "0 parameters differ") {
		t.Errorf("self diff: exit %d\n%s", code, out)
	}
}

func TestPackFile(t *testing.T) {
	dir := t.TempDir()
	own := filepath.Join(dir, "myhost.yaml")
	src := `pack: myhost
extends: cloudprovider
provider: {legal_name: My Host B.V., kvk: "12345678", seat: Utrecht, clauses: [cp.av.1.1]}
versions:
  - version: "2026"
    effective_from: 2026-01-01
    quote: {validity: P10D, clauses: [cp.av.2.2]}
`
	if err := os.WriteFile(own, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	a := explainJSON(t, "quote-expiry", "--pack-file", own, "--sent", "2026-03-01")
	if a["policy"] != "myhost" || a["version"] != "2026" || a["result"].(map[string]any)["expires"] != "2026-03-11" {
		t.Errorf("own pack: %v", a)
	}
	a = explainJSON(t, "quote-expiry", "--pack-file", own, "--sent", "2025-03-01")
	if a["result"].(map[string]any)["expires"] != "2025-03-31" {
		t.Errorf("old version: %v", a)
	}
	code, out, _ := run("diff", "cloudprovider", own, "--on", "2026-06-01")
	if code != 0 || !strings.Contains(out, "quote.validity") {
		t.Errorf("diff with file: %d\n%s", code, out)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte(strings.Replace(src, "P10D", "ten days", 1)), 0o600)
	code, _, errs := run("explain", "quote-expiry", "--pack-file", bad, "--sent", "2026-03-01")
	if code != 2 || !strings.Contains(errs, "versions[0].quote.validity") {
		t.Errorf("bad pack: %d %s", code, errs)
	}
}

// The calculator never panics, whatever it is given.
func FuzzRun(f *testing.F) {
	f.Add("explain interest --policy cloudprovider --customer business --principal 1 --from 2025-01-01 --to 2026-01-01")
	f.Add("explain business-days --policy 5online --from 2025-12-31 --add -99999")
	f.Add("explain add-months --policy cloudprovider --from 9999-12-31 --months 12")
	f.Add("explain withdrawal --policy cloudprovider --concluded 1900-01-01 --received 9999-12-31 --service-started 1900-01-01 --price 9999999999999.99 --paid 1")
	f.Add("explain sla-credit --policy cloudprovider --downtime-minutes 100000 --monthly-fee 9999999999999.99")
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Fields(line)
		if len(args) > 20 {
			return
		}
		code := Run(args, &bytes.Buffer{}, &bytes.Buffer{})
		if code != 0 && code != 2 {
			t.Fatalf("exit %d for %q", code, line)
		}
	})
}

// TestExplainMovedStatutoryDays: `terms explain withdrawal|payment` give the last day
// moved off a closed day, and the text names both days.
func TestExplainMovedStatutoryDays(t *testing.T) {
	a := explainJSON(t, "withdrawal", "--policy", "cloudprovider", "--concluded", "2026-03-23", "--received", "2026-04-07")
	r := a["result"].(map[string]any)
	if r["allowed"] != true || r["period_end"] != "2026-04-06" || r["last_day"] != "2026-04-07" {
		t.Errorf("withdrawal: %v", r)
	}
	a = explainJSON(t, "payment", "--policy", "cloudprovider", "--customer", "consumer", "--invoice-date", "2026-02-20")
	r = a["result"].(map[string]any)
	if r["pay_within_end"] != "2026-04-06" || r["pay_by"] != "2026-04-07" || r["default_from"] != "2026-04-08" {
		t.Errorf("payment: %v", r)
	}
	for _, args := range [][]string{
		{"explain", "withdrawal", "--policy", "cloudprovider", "--concluded", "2026-01-03", "--received", "2026-01-19"},
		{"explain", "payment", "--policy", "cloudprovider", "--customer", "consumer", "--invoice-date", "2026-02-20"},
	} {
		code, out, errs := run(args...)
		if code != 0 {
			t.Fatalf("%v: exit %d %s", args, code, errs)
		}
		want := map[string][2]string{"withdrawal": {"2026-01-17 (Saturday)", "next werkdag, 2026-01-19"},
			"payment": {"2026-04-06 (Easter Monday)", "next werkdag, 2026-04-07"}}[args[1]]
		if !strings.Contains(out, want[0]) || !strings.Contains(out, want[1]) {
			t.Errorf("%s: the text lacks %q and %q:\n%s", args[1], want[0], want[1], out)
		}
	}
}
