package slacli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// checkFile writes one location's once-a-minute HTTP checks around an outage of the
// given length: failing from 10:00 UTC on 4 March 2026, up again after down minutes.
// With tail false the last check is still failing (an open interval).
func checkFile(t *testing.T, down int, tail bool) string {
	t.Helper()
	var b strings.Builder
	start := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	for i := -5; i < down+5; i++ {
		ok := i < 0 || i >= down
		if !tail && i >= down {
			break
		}
		fmt.Fprintf(&b, `{"component":"http","target":"web1","location":"ams1","at":%q,"ok":%v}`+"\n", start.Add(time.Duration(i)*time.Minute).Format(time.RFC3339), ok)
	}
	return writeTemp(t, "checks.jsonl", b.String())
}

func writeTemp(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func compute(t *testing.T, args ...string) Output {
	t.Helper()
	var out, errb bytes.Buffer
	all := append([]string{"compute", "--policy", "cloudprovider", "--kind", "webhosting", "--month", "2026-03", "--json"}, args...)
	if code := Run(all, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var o Output
	if err := json.Unmarshal(out.Bytes(), &o); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	// The shape: result keys as named.
	var raw map[string]map[string]any
	_ = json.Unmarshal(out.Bytes(), &raw)
	for _, k := range []string{"down_minutes", "excluded_minutes", "credit_percent", "credit", "intervals"} {
		if _, ok := raw["result"][k]; !ok {
			t.Fatalf("result lacks %q: %s", k, out.String())
		}
	}
	return o
}

func TestComputeCreditSteps(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		down, pct int
		credit    string
	}{{44, 0, "0.00"}, {45, 20, "20.00"}, {104, 20, "20.00"}, {105, 40, "40.00"}, {284, 80, "80.00"}, {285, 100, "100.00"}, {600, 100, "100.00"}} {
		t.Run(fmt.Sprint(c.down), func(t *testing.T) {
			t.Parallel()
			o := compute(t, "--checks", checkFile(t, c.down, true), "--monthly-fee", "100.00")
			if o.Result.DownMinutes != c.down || o.Result.CreditPercent != c.pct || o.Result.Credit.String() != c.credit {
				t.Fatalf("D=%d: got D=%d %d%% %s, want %d%% %s", c.down, o.Result.DownMinutes, o.Result.CreditPercent, o.Result.Credit, c.pct, c.credit)
			}
			if len(o.Explanation) == 0 || !strings.Contains(o.Explanation[len(o.Explanation)-1].Clause, "cp.sla.compensation.2") {
				t.Fatalf("explanation lacks the credit clause: %+v", o.Explanation)
			}
		})
	}
}

func TestComputeOpenIntervalEndsAtLastCheck(t *testing.T) {
	t.Parallel()
	// Failing from 10:00 through the last check at 10:49: down 49 minutes, not to the
	// month's end.
	o := compute(t, "--checks", checkFile(t, 50, false), "--monthly-fee", "10.00")
	if o.Result.DownMinutes != 49 || o.Result.CreditPercent != 20 || o.Result.Credit.String() != "2.00" {
		t.Fatalf("got %+v", o.Result)
	}
	want := time.Date(2026, 3, 4, 10, 49, 0, 0, time.UTC)
	if len(o.Result.Intervals) != 1 || !o.Result.Intervals[0].To.Equal(want) {
		t.Fatalf("intervals %+v, want one ending %s", o.Result.Intervals, want)
	}
}

func TestComputeExclusionsOverdueBreach(t *testing.T) {
	t.Parallel()
	checks := checkFile(t, 107, true) // 10:00-11:47
	// 30 minutes of announced maintenance inside the outage: D 77 → 20%.
	excl := writeTemp(t, "excl.jsonl", `{"from":"2026-03-04T10:30:00Z","to":"2026-03-04T11:00:00Z","reason":"maintenance-announced"}`+"\n")
	o := compute(t, "--checks", checks, "--exclusions", excl, "--monthly-fee", "50.00")
	if o.Result.DownMinutes != 77 || o.Result.ExcludedMinutes != 30 || o.Result.CreditPercent != 20 || o.Result.Credit.String() != "10.00" {
		t.Fatalf("exclusion: %+v", o.Result)
	}
	// An invoice overdue when the outage began: nothing counts.
	over := writeTemp(t, "over.jsonl", `{"from":"2026-03-01T00:00:00Z","to":"2026-03-04T10:05:00Z"}`+"\n")
	o = compute(t, "--checks", checks, "--overdue", over, "--monthly-fee", "50.00")
	if o.Result.DownMinutes != 0 || o.Result.ExcludedMinutes != 107 || o.Result.CreditPercent != 0 {
		t.Fatalf("overdue: %+v", o.Result)
	}
	// A breach voids the credit but not D.
	o = compute(t, "--checks", checks, "--breach", "--monthly-fee", "50.00")
	if o.Result.DownMinutes != 107 || o.Result.CreditPercent != 0 || o.Result.Credit != 0 {
		t.Fatalf("breach: %+v", o.Result)
	}
}

func TestComputeText(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	code := Run([]string{"compute", "--policy", "cloudprovider", "--kind", "vps", "--month", "2026-03", "--checks", writeTemp(t, "c.jsonl",
		`{"component":"network","target":"vps1","location":"ams1","at":"2026-03-04T10:00:00Z","ok":false}
{"component":"network","target":"vps1","location":"ams1","at":"2026-03-04T10:01:00Z","ok":false}
{"component":"network","target":"vps1","location":"ams1","at":"2026-03-04T11:00:00Z","ok":true}
`)}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	// The 59-minute gap between the second and third check leaves the run open until
	// the last check before the gap: 1 minute.
	if !strings.Contains(out.String(), "unavailable minutes (D): 1\n") || !strings.Contains(out.String(), "cp.sla") {
		t.Fatalf("text output:\n%s", out.String())
	}
}

func TestComputeBadInput(t *testing.T) {
	t.Parallel()
	good := checkFile(t, 10, true)
	for name, c := range map[string]struct {
		args []string
		want string
	}{
		"no kind":         {[]string{"compute", "--policy", "cloudprovider", "--month", "2026-03", "--checks", good}, "--kind"},
		"bad kind":        {[]string{"compute", "--policy", "cloudprovider", "--kind", "ftp", "--month", "2026-03", "--checks", good}, "kind"},
		"bad month":       {[]string{"compute", "--policy", "cloudprovider", "--kind", "vps", "--month", "2026-13", "--checks", good}, "--month"},
		"no sla":          {[]string{"compute", "--policy", "5online", "--kind", "vps", "--month", "2026-03", "--checks", good}, "no availability guarantee"},
		"unknown flag":    {[]string{"compute", "--polcy", "x"}, "--polcy"},
		"wrong component": {[]string{"compute", "--policy", "cloudprovider", "--kind", "vpn", "--month", "2026-03", "--checks", good}, "http"},
		"bad line":        {[]string{"compute", "--policy", "cloudprovider", "--kind", "vps", "--month", "2026-03", "--checks", writeTemp(t, "x", "{\"component\":\"network\",\"location\":\"a\",\"at\":\"2026-03-01T00:00:00Z\",\"okk\":true}\n")}, "line 1"},
		"bad reason":      {[]string{"compute", "--policy", "cloudprovider", "--kind", "webhosting", "--month", "2026-03", "--checks", good, "--exclusions", writeTemp(t, "e", `{"from":"2026-03-04T10:00:00Z","to":"2026-03-04T11:00:00Z","reason":"holiday"}`)}, "reason"},
		"negative fee":    {[]string{"compute", "--policy", "cloudprovider", "--kind", "webhosting", "--month", "2026-03", "--checks", good, "--monthly-fee", "-1"}, "negative"},
		"unknown command": {[]string{"frobnicate"}, "unknown command"},
	} {
		var out, errb bytes.Buffer
		if code := Run(c.args, &out, &errb); code != 2 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%s: exit %d, stderr %q, want 2 and %q", name, code, errb.String(), c.want)
		}
	}
}

func FuzzParseChecks(f *testing.F) {
	f.Add(`{"component":"http","target":"web1","location":"ams1","at":"2026-03-04T10:00:00Z","ok":false}`)
	f.Add("\n\n{\"component\":\"dns\",\"location\":\"x\",\"at\":\"2026-03-04T10:00:00+01:00\",\"ok\":true}\n{}")
	f.Add(`{"from":"2026-03-04T10:00:00Z","to":"2026-03-04T09:00:00Z","reason":""}`)
	f.Add("{\"component\":1}")
	f.Fuzz(func(t *testing.T, s string) {
		cs, err := ParseChecks(strings.NewReader(s))
		if err == nil {
			for _, c := range cs {
				if c.Component == "" || c.Location == "" || c.At.IsZero() {
					t.Fatalf("accepted an incomplete check %+v", c)
				}
			}
		}
		if ex, err := ParseExclusions(strings.NewReader(s)); err == nil {
			for _, e := range ex {
				if !e.To.After(e.From) || e.Reason == "" {
					t.Fatalf("accepted %+v", e)
				}
			}
		}
		if ivs, err := ParseIntervals(strings.NewReader(s)); err == nil {
			for _, iv := range ivs {
				if !iv.To.After(iv.From) {
					t.Fatalf("accepted %+v", iv)
				}
			}
		}
	})
}
