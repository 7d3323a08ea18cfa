package sla_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/sla"
	"github.com/hostpact/hostpact/internal/terms"
)

func policy(t testing.TB, name string) *terms.Policy {
	t.Helper()
	pk, err := terms.LoadPack(name)
	if err != nil {
		t.Fatal(err)
	}
	return pk.Latest()
}

func rules(t testing.TB) sla.Rules {
	t.Helper()
	r, err := sla.RulesOf(policy(t, "cloudprovider"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var t0 = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

// series turns a pattern into checks one minute apart from start: '.' succeeded, 'x'
// failed, ' ' no check (the monitor was down).
func series(component, target, location string, start time.Time, pattern string) []sla.Check {
	var out []sla.Check
	for i, ch := range pattern {
		if ch == ' ' {
			continue
		}
		out = append(out, sla.Check{Component: component, Target: target, Location: location, At: start.Add(time.Duration(i) * time.Minute), OK: ch == '.'})
	}
	return out
}

func iv(fromMin, toMin int) sla.Interval {
	return sla.Interval{From: t0.Add(time.Duration(fromMin) * time.Minute), To: t0.Add(time.Duration(toMin) * time.Minute)}
}

func equal(a, b []sla.Interval) bool {
	return slices.EqualFunc(a, b, func(x, y sla.Interval) bool { return x.From.Equal(y.From) && x.To.Equal(y.To) })
}

func TestLocationDown(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		pattern string
		confirm int
		down    []sla.Interval
	}{
		{"one failure is no outage", "..x..", 2, nil},
		{"two failures", "..xx..", 2, []sla.Interval{iv(2, 4)}},
		{"from the first failure to the first success", ".xxxxx.", 2, []sla.Interval{iv(1, 6)}},
		{"not consecutive", ".x.x.x.", 2, nil},
		{"still failing at the last check ends there", "..xxx", 2, []sla.Interval{iv(2, 4)}},
		{"two outages", "xx..xxx.", 2, []sla.Interval{iv(0, 2), iv(4, 7)}},
		{"three needed", "..xx..xxx.", 3, []sla.Interval{iv(6, 9)}},
		{"a gap breaks a run", "..x     x..", 2, nil},
		{"a gap ends an outage", "..xxx     xx.", 2, []sla.Interval{iv(2, 4), iv(10, 12)}},
		{"a short gap does not", "..xx  xx.", 2, []sla.Interval{iv(2, 8)}},
		{"nothing measured", "", 2, nil},
	} {
		down, _ := sla.LocationDown(series("http", "web1", "ams1", t0, tt.pattern), tt.confirm, 3*time.Minute)
		if !equal(down, tt.down) {
			t.Errorf("%s: %v, want %v", tt.name, down, tt.down)
		}
	}
	_, known := sla.LocationDown(series("http", "web1", "ams1", t0, "...     ..."), 2, 3*time.Minute)
	if !equal(known, []sla.Interval{iv(0, 2), iv(8, 10)}) {
		t.Errorf("known %v", known)
	}
}

func TestComponentDownMajority(t *testing.T) {
	t.Parallel()
	r := rules(t)
	for _, tt := range []struct {
		name      string
		locations map[string]string
		down      []sla.Interval
	}{
		{"two of three", map[string]string{"ams1": "..xxxx..", "fra1": "..xxxx..", "lon1": "........"}, []sla.Interval{iv(2, 6)}},
		{"one of three is that location's trouble", map[string]string{"ams1": "..xxxx..", "fra1": "........", "lon1": "........"}, nil},
		{"one of two is no majority", map[string]string{"ams1": "..xxxx..", "fra1": "........"}, nil},
		{"only while the majority lasts", map[string]string{"ams1": ".xxxxxx.", "fra1": "...xxx..", "lon1": "........"}, []sla.Interval{iv(3, 6)}},
		{"the unmeasured location does not count", map[string]string{"ams1": "..xxxx..", "fra1": "..xxxx..", "lon1": "        "}, []sla.Interval{iv(2, 6)}},
		{"a single measuring location decides", map[string]string{"ams1": "..xxxx..", "fra1": "        "}, []sla.Interval{iv(2, 6)}},
		{"one location alone", map[string]string{"ams1": "..xxxx.."}, []sla.Interval{iv(2, 6)}},
	} {
		var checks []sla.Check
		for loc, p := range tt.locations {
			checks = append(checks, series("imap", "mail1", loc, t0, p)...)
		}
		if got := sla.ComponentDown(checks, r); !equal(got, tt.down) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.down)
		}
	}
}

func TestServiceDown(t *testing.T) {
	t.Parallel()
	r := rules(t)
	var checks []sla.Check
	checks = append(checks, series("http", "web1", "ams1", t0, "..xxxx......")...)
	checks = append(checks, series("imap", "mail1", "ams1", t0, "....xxxxx...")...)
	checks = append(checks, series("dns", "ns1", "ams1", t0, "xxxxxxxxxxx.")...)
	checks = append(checks, series("dns", "ns2", "ams1", t0, "............")...)
	got, err := sla.ServiceDown("webhosting", checks, r)
	if err != nil || !equal(got, []sla.Interval{iv(2, 9)}) {
		t.Errorf("union of components: %v %v", got, err)
	}
	// DNS is down only while every nameserver is.
	dnsOnly := slices.Concat(
		series("dns", "ns1", "ams1", t0, "xxxxxxxxxxx."),
		series("dns", "ns2", "ams1", t0, "....xxx....."),
		series("dns", "ns3", "ams1", t0, "...xxxxx...."),
	)
	if got, _ := sla.ServiceDown("email", dnsOnly, r); !equal(got, []sla.Interval{iv(4, 7)}) {
		t.Errorf("all nameservers: %v", got)
	}
	if got, _ := sla.ServiceDown("email", dnsOnly[:12], r); !equal(got, []sla.Interval{iv(0, 11)}) {
		t.Errorf("the only nameserver: %v", got)
	}
	var ce *sla.ComponentError
	if _, err := sla.ServiceDown("vpn", checks, r); !errors.As(err, &ce) || ce.Component != "http" {
		t.Errorf("http for a vpn: %v", err)
	}
	var ie *terms.InputError
	if _, err := sla.ServiceDown("hosting", nil, r); !errors.As(err, &ie) {
		t.Errorf("unknown kind: %v", err)
	}
	vps := slices.Concat(series("network", "vps1", "ams1", t0, "..xx....."), series("platform", "hv3", "ams1", t0, "......xx."))
	if got, _ := sla.ServiceDown("vps", vps, r); !equal(got, []sla.Interval{iv(2, 4), iv(6, 8)}) {
		t.Errorf("vps: %v", got)
	}
}

// minutes repeats a pattern character n times.
func minutes(ch string, n int) string { return strings.Repeat(ch, n) }

// TestComputeScenario is issue 10's scenario: a shared server's IMAP is down for 107
// minutes from two of three locations, the third has network trouble of its own at
// another time, announced maintenance covers 30 minutes of the outage; one customer had
// an overdue invoice when it began, the other did not.
func TestComputeScenario(t *testing.T) {
	t.Parallel()
	cp := policy(t, "cloudprovider")
	start := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
	outage := minutes(".", 60) + minutes("x", 107) + minutes(".", 60)
	lonTrouble := minutes(".", 10) + minutes("x", 20) + minutes(".", 197)
	var checks []sla.Check
	checks = append(checks, series("imap", "mail1", "ams1", start, outage)...)
	checks = append(checks, series("imap", "mail1", "fra1", start, outage)...)
	checks = append(checks, series("imap", "mail1", "lon1", start, lonTrouble)...)
	checks = append(checks, series("http", "web1", "ams1", start, minutes(".", 227))...)
	maint := sla.Exclusion{From: start.Add(90 * time.Minute), To: start.Add(120 * time.Minute), Reason: "maintenance-announced"}
	in := sla.MonthInput{Kind: "webhosting", Month: sla.Month{Year: 2026, Month: time.March}, Checks: checks,
		Exclusions: []sla.Exclusion{maint}, MonthlyFee: 2500}

	res, ex, err := sla.Compute(cp, in)
	if err != nil {
		t.Fatal(err)
	}
	// D = 107 − 30 = 77 → 20% × (1 + ⌊32/60⌋) = 20% of €25.00.
	if res.DownMinutes != 77 || res.ExcludedMinutes != 30 || res.CreditPercent != 20 || res.Credit != 500 {
		t.Errorf("without overdue invoice: %+v", res)
	}
	if len(res.Intervals) != 1 || res.Intervals[0].Duration() != 107*time.Minute {
		t.Errorf("intervals %v", res.Intervals)
	}
	for _, id := range []string{"cp.sla.availability.2", "cp.sla.exclusions.1", "cp.sla.compensation.2"} {
		if !slices.Contains(ex.Clauses(), id) {
			t.Errorf("explanation lacks %s:\n%s", id, ex.Text())
		}
	}

	in.OpenInvoices = []sla.Interval{{From: start.Add(-48 * time.Hour), To: start.Add(61 * time.Minute)}}
	res, ex, err = sla.Compute(cp, in)
	if err != nil {
		t.Fatal(err)
	}
	if res.DownMinutes != 0 || res.ExcludedMinutes != 107 || res.CreditPercent != 0 || res.Credit != 0 {
		t.Errorf("with overdue invoice: %+v", res)
	}
	if !slices.Contains(ex.Clauses(), "cp.sla.exclusions.8") {
		t.Errorf("explanation lacks exclusion 8:\n%s", ex.Text())
	}
	// An invoice that became overdue after the outage began does not exclude it.
	in.OpenInvoices = []sla.Interval{{From: start.Add(61 * time.Minute), To: start.Add(48 * time.Hour)}}
	if res, _, _ := sla.Compute(cp, in); res.DownMinutes != 77 {
		t.Errorf("invoice overdue later: %+v", res)
	}
}

func TestComputeMonths(t *testing.T) {
	t.Parallel()
	cp := policy(t, "cloudprovider")
	ams := clock.Amsterdam
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, ams) }
	compute := func(m sla.Month, manual ...sla.Interval) sla.MonthResult {
		t.Helper()
		res, _, err := sla.Compute(cp, sla.MonthInput{Kind: "vpn", Month: m, Manual: manual, MonthlyFee: 1000})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	mar, apr, oct := sla.Month{Year: 2026, Month: time.March}, sla.Month{Year: 2026, Month: time.April}, sla.Month{Year: 2026, Month: time.October}
	for _, tt := range []struct {
		name   string
		month  sla.Month
		manual sla.Interval
		d      int
	}{
		// 23:30 on 31 March to 00:45 on 1 April, Amsterdam time: 30 + 45 minutes.
		{"crossing into April: March's part", mar, sla.Interval{From: at(2026, 3, 31, 23, 30), To: at(2026, 4, 1, 0, 45)}, 30},
		{"crossing into April: April's part", apr, sla.Interval{From: at(2026, 3, 31, 23, 30), To: at(2026, 4, 1, 0, 45)}, 45},
		// 29 March 2026 01:30 CET to 03:30 CEST is one real hour, not two on the wall.
		{"over the spring clock change", mar, sla.Interval{From: at(2026, 3, 29, 1, 30), To: at(2026, 3, 29, 3, 30)}, 60},
		// 25 October 2026 01:30 CEST to 02:30 CET (the second 02:30): two real hours.
		{"over the autumn clock change", oct, sla.Interval{From: time.Date(2026, 10, 24, 23, 30, 0, 0, time.UTC), To: time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC)}, 120},
		{"rounded down", apr, sla.Interval{From: at(2026, 4, 2, 10, 0), To: at(2026, 4, 2, 10, 45).Add(59 * time.Second)}, 45},
		{"not in this month", apr, sla.Interval{From: at(2026, 3, 2, 10, 0), To: at(2026, 3, 2, 12, 0)}, 0},
	} {
		if res := compute(tt.month, tt.manual); res.DownMinutes != tt.d {
			t.Errorf("%s: D = %d, want %d", tt.name, res.DownMinutes, tt.d)
		}
	}
	if d := mar.Interval().Duration(); d != 743*time.Hour {
		t.Errorf("March 2026 lasts %v", d)
	}
	if d := oct.Interval().Duration(); d != 745*time.Hour {
		t.Errorf("October 2026 lasts %v", d)
	}
	if got := mar.Interval().To; !got.Equal(time.Date(2026, 3, 31, 22, 0, 0, 0, time.UTC)) {
		t.Errorf("March ends %v", got)
	}
	// The worked credits of INTERPRETATION.md (A01, favourable reading) through Compute.
	for d, pct := range map[int]int{44: 0, 45: 20, 104: 20, 105: 40, 165: 60, 225: 80, 285: 100, 600: 100} {
		res := compute(apr, sla.Interval{From: at(2026, 4, 10, 0, 0), To: at(2026, 4, 10, 0, 0).Add(time.Duration(d) * time.Minute)})
		if res.DownMinutes != d || res.CreditPercent != pct {
			t.Errorf("D %d: %+v, want %d%%", d, res, pct)
		}
	}
}

func TestComputeUnknownAndBreach(t *testing.T) {
	t.Parallel()
	cp := policy(t, "cloudprovider")
	// The monitor was down between 10:10 and 11:00 during an outage: that time counts as
	// available; the customer's own evidence for it can be recorded as a manual interval.
	checks := series("wireguard", "vpn1", "ams1", t0, "xxxxxxxxxx"+minutes(" ", 50)+"xxxxxx.")
	in := sla.MonthInput{Kind: "vpn", Month: sla.Month{Year: 2026, Month: time.March}, Checks: checks, MonthlyFee: 1000}
	res, _, err := sla.Compute(cp, in)
	if err != nil || res.DownMinutes != 9+6 {
		t.Errorf("unknown gap: %+v %v", res, err)
	}
	in.Manual = []sla.Interval{iv(9, 60)}
	if res, _, _ := sla.Compute(cp, in); res.DownMinutes != 66 || res.CreditPercent != 20 {
		t.Errorf("with manual evidence: %+v", res)
	}
	in.Breach = true
	if res, _, _ := sla.Compute(cp, in); res.DownMinutes != 66 || res.CreditPercent != 0 || res.Credit != 0 {
		t.Errorf("breach: %+v", res)
	}
	// Exclusions of other kinds and their clauses.
	in.Breach = false
	in.Exclusions = []sla.Exclusion{{From: iv(0, 5).From, To: iv(0, 5).To, Reason: "ddos"}}
	res, ex, _ := sla.Compute(cp, in)
	if res.DownMinutes != 61 || res.ExcludedMinutes != 5 || !slices.Contains(ex.Clauses(), "cp.sla.exclusions.5") {
		t.Errorf("ddos: %+v\n%s", res, ex.Text())
	}
}

func TestComputeBadInput(t *testing.T) {
	t.Parallel()
	cp := policy(t, "cloudprovider")
	m := sla.Month{Year: 2026, Month: time.March}
	var ie *terms.InputError
	for name, in := range map[string]sla.MonthInput{
		"reason":   {Kind: "vpn", Month: m, Exclusions: []sla.Exclusion{{From: t0, To: t0.Add(time.Hour), Reason: "because"}}},
		"inverted": {Kind: "vpn", Month: m, Exclusions: []sla.Exclusion{{From: t0, To: t0.Add(-time.Hour), Reason: "ddos"}}},
		"manual":   {Kind: "vpn", Month: m, Manual: []sla.Interval{{From: t0, To: t0}}},
		"month":    {Kind: "vpn"},
		"kind":     {Kind: "shared", Month: m},
	} {
		if _, _, err := sla.Compute(cp, in); !errors.As(err, &ie) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, _, err := sla.Compute(policy(t, "5online"), sla.MonthInput{Kind: "vpn", Month: m}); !errors.Is(err, terms.ErrNotInTerms) {
		t.Errorf("5online: %v", err)
	}
}

// randomIntervals makes up to n intervals within about a year from the start of 2026.
func randomIntervals(rng *rand.Rand, n int) []sla.Interval {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]sla.Interval, rng.IntN(n+1))
	for i := range out {
		from := base.Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour))))
		out[i] = sla.Interval{From: from, To: from.Add(time.Duration(rng.Int64N(int64(40 * 24 * time.Hour))))}
	}
	return out
}

func TestIntervalProperties(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(10, 2026))
	for range 500 {
		a, b := randomIntervals(rng, 8), randomIntervals(rng, 8)
		u := sla.Union(a)
		if !equal(sla.Union(u, u), u) || !equal(sla.Union(u), u) || !equal(sla.Union(a, a), u) {
			t.Fatalf("union not idempotent: %v", a)
		}
		if sla.Length(a)+sla.Length(b) != sla.Length(sla.Union(a, b))+sla.Length(sla.Intersect(a, b)) {
			t.Fatalf("inclusion-exclusion fails for %v and %v", a, b)
		}
		if sla.Length(sla.Subtract(a, b))+sla.Length(sla.Intersect(a, b)) != sla.Length(a) {
			t.Fatalf("subtract fails for %v and %v", a, b)
		}
		var sum time.Duration
		for m, parts := range sla.ByMonth(a) {
			mi := m.Interval()
			for _, p := range parts {
				if p.From.Before(mi.From) || p.To.After(mi.To) {
					t.Fatalf("%v outside %s", p, m)
				}
			}
			sum += sla.Length(parts)
		}
		if sum != sla.Length(a) {
			t.Fatalf("month parts sum to %v, not %v", sum, sla.Length(a))
		}
	}
}

// TestMonotonicity: another failed check never shortens an outage, and another
// exclusion never raises D.
func TestMonotonicity(t *testing.T) {
	t.Parallel()
	r := rules(t)
	cp := policy(t, "cloudprovider")
	rng := rand.New(rand.NewPCG(3, 1))
	locs := []string{"ams1", "fra1", "lon1"}
	for range 300 {
		var checks []sla.Check
		for _, loc := range locs[:1+rng.IntN(3)] {
			var p strings.Builder
			for range 60 {
				switch x := rng.IntN(10); {
				case x < 6:
					p.WriteByte('.')
				case x < 9:
					p.WriteByte('x')
				default:
					p.WriteByte(' ')
				}
			}
			checks = append(checks, series("imap", "mail1", loc, t0, p.String())...)
		}
		before := sla.ComponentDown(checks, r)
		more := slices.Clone(checks)
		i := rng.IntN(len(more))
		more[i].OK = false
		after := sla.ComponentDown(more, r)
		if len(sla.Subtract(before, after)) != 0 {
			t.Fatalf("failing check %d shrank the outage: %v → %v", i, before, after)
		}
		in := sla.MonthInput{Kind: "email", Month: sla.Month{Year: 2026, Month: time.March}, Checks: more}
		d1, _, err := sla.Compute(cp, in)
		if err != nil {
			t.Fatal(err)
		}
		from := t0.Add(time.Duration(rng.IntN(60)) * time.Minute)
		in.Exclusions = []sla.Exclusion{{From: from, To: from.Add(time.Duration(1+rng.IntN(30)) * time.Minute), Reason: "maintenance-emergency"}}
		d2, _, err := sla.Compute(cp, in)
		if err != nil {
			t.Fatal(err)
		}
		if d2.DownMinutes > d1.DownMinutes || d2.CreditPercent > d1.CreditPercent {
			t.Fatalf("an exclusion raised D: %d → %d", d1.DownMinutes, d2.DownMinutes)
		}
	}
}
