package terms

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func mustPack(t *testing.T, name string) *Pack {
	t.Helper()
	pk, err := LoadPack(name)
	if err != nil {
		t.Fatal(err)
	}
	return pk
}

func mustPolicy(t *testing.T, name string) *Policy {
	t.Helper()
	return mustPack(t, name).Latest()
}

func TestEmbeddedPacks(t *testing.T) {
	if got := EmbeddedPackNames(); strings.Join(got, ",") != "5online,cloudprovider" {
		t.Fatalf("embedded packs = %v", got)
	}
	cp := mustPack(t, "cloudprovider")
	if cp.Provider.LegalName != "Cloud Provider B.V." || cp.Provider.KvK != "55888674" || cp.Provider.Seat != "Amsterdam" {
		t.Errorf("cp provider = %+v", cp.Provider)
	}
	fo := mustPack(t, "5online")
	if fo.Provider.KvK != "1111421" || fo.Provider.Seat != "Wommels" {
		t.Errorf("fo provider = %+v", fo.Provider)
	}
	if _, err := LoadPack("nosuch"); err == nil {
		t.Error("unknown pack loaded")
	}
	if _, err := cp.At(D(2010, 1, 1)); err == nil {
		t.Error("At before the first version should fail")
	}
	p, err := cp.At(D(2025, 6, 1))
	if err != nil || p.Version != "2018-10-01" || p.PackName() != "cloudprovider" {
		t.Errorf("At = %v, %v", p, err)
	}
	if _, err := cp.At(Date{}); err == nil {
		t.Error("At(zero) accepted")
	}
}

// loadClauses reads ../shared/clauses.yaml, or skips when it is not there.
func loadClauses(t *testing.T) map[string]map[string]any {
	t.Helper()
	path := filepath.Join("..", "..", "..", "shared", "clauses.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("clause register not available (%v); skipping", err)
	}
	var doc struct {
		Clauses []map[string]any `yaml:"clauses"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := map[string]map[string]any{}
	for _, c := range doc.Clauses {
		out[c["id"].(string)] = c
	}
	return out
}

func TestPackClausesExist(t *testing.T) {
	clauses := loadClauses(t)
	for _, name := range EmbeddedPackNames() {
		pk := mustPack(t, name)
		for _, id := range pk.Clauses() {
			if clauses[id] == nil {
				t.Errorf("pack %s cites %s, which is not in clauses.yaml", name, id)
			}
		}
		for _, na := range pk.NotAutomated {
			if clauses[na.Clause] == nil {
				t.Errorf("pack %s lists %s as not automated, but it is not in clauses.yaml", name, na.Clause)
			}
		}
	}
}

// Every clause of kind rule in the areas the engine covers is used by its provider's
// pack or listed, with a reason, among the clauses it does not automate.
func TestRuleClausesCovered(t *testing.T) {
	clauses := loadClauses(t)
	areas := map[string]bool{"contracts": true, "quotes": true, "billing": true, "dunning": true, "sla": true, "usage": true, "complaints": true}
	prefix := map[string]string{"cloudprovider": "cp.", "5online": "fo."}
	for name, pre := range prefix {
		pk := mustPack(t, name)
		covered := map[string]string{}
		for _, id := range pk.Clauses() {
			covered[id] = "used"
		}
		for _, na := range pk.NotAutomated {
			if covered[na.Clause] == "used" {
				t.Errorf("%s: %s is both used and listed as not automated", name, na.Clause)
			}
			covered[na.Clause] = "not automated: " + na.Reason
		}
		var missing []string
		for id, c := range clauses {
			if strings.HasPrefix(id, pre) && c["kind"] == "rule" && areas[c["area"].(string)] && covered[id] == "" {
				missing = append(missing, id)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("pack %s neither uses nor lists as not automated: %s", name, strings.Join(missing, ", "))
		}
	}
}

// Clause ids cited in the Go sources of the package must exist too.
func TestSourceClauseIDsExist(t *testing.T) {
	clauses := loadClauses(t)
	re := regexp.MustCompile(`\b(?:cp|fo)\.[a-z]+\.[a-z0-9]+\.[0-9]+(?:\.[0-9]+)?\b`)
	files, _ := filepath.Glob("*.go")
	more, _ := filepath.Glob("termscli/*.go")
	for _, f := range append(files, more...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range re.FindAllString(string(b), -1) {
			if clauses[id] == nil {
				t.Errorf("%s cites %s, which is not in clauses.yaml", f, id)
			}
		}
	}
}

func TestPackValidation(t *testing.T) {
	src, err := EmbeddedPackSource("cloudprovider")
	if err != nil {
		t.Fatal(err)
	}
	base := string(src)
	tests := []struct {
		name, old, new, want string
	}{
		{"period", "      term: P1M\n", "      term: 1 month\n", "versions[0].payment.term: must be a duration like P1M"},
		{"unknown field", "      term: P1M\n", "      term: P1M\n      colour: blue\n", "versions[0].payment.colour: unknown field"},
		{"date", "effective_from: 2018-10-01", "effective_from: 2018-02-30", "versions[0].effective_from: must be a date"},
		{"clauses", "      clauses: [cp.av.2.2]\n", "      clauses: []\n", "versions[0].quote.clauses: must cite at least one clause id"},
		{"clause id", "      clauses: [cp.av.2.2]\n", "      clauses: [\"see article 2\"]\n", "versions[0].quote.clauses[0]: must be a clause id"},
		{"enum", "credit_reading: favourable", "credit_reading: generous", "versions[0].sla.credit_reading: must be one of"},
		{"money", `absolute_cap: "1000.00"`, `absolute_cap: "1.000,00"`, "versions[0].liability.absolute_cap: must be an amount"},
		{"rate", "{from: 2016-07-01, rate: 8}", "{from: 2016-07-01, rate: 8%}", "tables.statutory_interest.commercial[1].rate: must be a percentage"},
		{"table order", "{from: 2016-07-01, rate: 8}", "{from: 2014-07-01, rate: 8}", "tables.statutory_interest.commercial[1].from: must be after"},
		{"term unit", "initial_term: P1Y", "initial_term: P365D", "versions[0].contract.initial_term: must be counted in M or Y"},
		{"int", "threshold_minutes: 45", "threshold_minutes: 45.5", "versions[0].sla.threshold_minutes: must be a whole number"},
		{"measurement", "confirm_failures: 2", "confirm_failures: 0", "versions[0].sla.measurement.confirm_failures: must be at least 1"},
		{"measurement gap", "max_check_gap_minutes: 3", "max_check_gap_minutes: 0", "versions[0].sla.measurement.max_check_gap_minutes: must be at least 1"},
		{"measured kind", "vpn: [wireguard]", "vpn: []", "versions[0].sla.measurement.components.vpn: must list at least one component"},
		{"exclusion clause", "ddos: cp.sla.exclusions.5", "ddos: sla-5", "versions[0].sla.exclusions.ddos[0]: must be a clause id"},
		{"bool", "carry_over: false", "carry_over: nope", "versions[0].usage.carry_over: must be true or false"},
		{"reason", "reason: Changing an accepted agreement needs both parties' consent; contracts records the agreed change, there is nothing to compute.", `reason: ""`, "not_automated[1].reason: must say why"},
		{"yaml", "pack: cloudprovider", "pack: [cloudprovider", "not valid YAML"},
		{"last bracket", "      - {rate: 0.5}\n", "      - {up_to: \"300000.00\", rate: 0.5}\n", "tables.collection_costs.brackets[4].up_to: must be left out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(base, tt.old) {
				t.Fatalf("test is stale: %q not in the pack", tt.old)
			}
			_, err := ParsePack([]byte(strings.Replace(base, tt.old, tt.new, 1)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
	// Several problems are reported together.
	bad := strings.Replace(strings.Replace(base, "      term: P1M\n", "      term: soon\n", 1), "validity: P30D", "validity: P30X", 1)
	_, err = ParsePack([]byte(bad))
	if pe, ok := err.(*PackError); !ok || len(pe.Problems) != 2 {
		t.Errorf("want two problems, got %v", err)
	}
}

func TestPackExtends(t *testing.T) {
	own := `
pack: myhost
extends: cloudprovider
provider:
  legal_name: My Host B.V.
  kvk: "12345678"
  seat: Utrecht
  clauses: [cp.av.1.1]
tables:
  closed_days:
    - {date: 2026-12-24, name: Christmas Eve}
versions:
  - version: "2026-01-01"
    effective_from: 2026-01-01
    payment:
      term: P14D
    deadlines:
      complaint:
        period: P3WD
        from: receipt of the complaint
        meaning: the complaint is answered
        clauses: [cp.av.17.1]
`
	pk, err := ParsePack([]byte(own))
	if err != nil {
		t.Fatal(err)
	}
	if pk.Name != "myhost" || pk.Provider.LegalName != "My Host B.V." || len(pk.Versions()) != 2 {
		t.Fatalf("pack = %s %+v, %d versions", pk.Name, pk.Provider, len(pk.Versions()))
	}
	old, _ := pk.At(D(2025, 6, 1))
	cur, _ := pk.At(D(2026, 6, 1))
	if old.Terms.Payment.Term != MustPeriod("P1M") || cur.Terms.Payment.Term != MustPeriod("P14D") {
		t.Errorf("payment terms: old %s, new %s", old.Terms.Payment.Term, cur.Terms.Payment.Term)
	}
	// What the new version does not state it inherits.
	if cur.Terms.Payment.DefaultAfter != MustPeriod("P14D") || cur.Terms.Quote.Validity != MustPeriod("P30D") || len(cur.Terms.Payment.Clauses) == 0 {
		t.Errorf("inheritance lost: %+v", cur.Terms.Payment)
	}
	if cur.Terms.Deadlines["complaint"].Period != MustPeriod("P3WD") || cur.Terms.Deadlines["ntd"].Period != MustPeriod("P2WD") {
		t.Errorf("deadlines not merged: %+v", cur.Terms.Deadlines)
	}
	if old.Terms.Deadlines["complaint"].Period != MustPeriod("P5WD") {
		t.Errorf("old version changed: %+v", old.Terms.Deadlines["complaint"])
	}
	if len(pk.Tables.StatutoryInterest.Commercial) == 0 {
		t.Error("tables not inherited")
	}
	if pk.Calendar().IsWerkdag(D(2026, 12, 24)) {
		t.Error("closed day of the override ignored")
	}
	// The built-in pack is untouched.
	if mustPack(t, "cloudprovider").Calendar().ClosedReason(D(2026, 12, 24)) != "" {
		t.Error("override leaked into the built-in pack")
	}

	for _, bad := range []struct{ src, want string }{
		{"pack: x\nextends: nosuch\n", "extends: no built-in policy pack"},
		{own + "  - version: \"2025-01-01\"\n    effective_from: 2025-01-01\n", "must be after the previous version"},
		{strings.Replace(own, `version: "2026-01-01"`, `version: "2018-10-01"`, 1), "is used by an earlier version"},
	} {
		if _, err := ParsePack([]byte(bad.src)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("error = %v, want %q", err, bad.want)
		}
	}
}

func TestParametersAndDiff(t *testing.T) {
	cp, fo := mustPolicy(t, "cloudprovider"), mustPolicy(t, "5online")
	params := Parameters(cp)
	byPath := map[string]Parameter{}
	for _, p := range params {
		byPath[p.Path] = p
	}
	if p := byPath["payment.term"]; p.Value != "P1M" || strings.Join(p.Clauses, ",") != "cp.av.14.1,cp.av.14.2,cp.av.14.3" {
		t.Errorf("payment.term = %+v", p)
	}
	if p := byPath["deadlines.complaint.period"]; p.Value != "P5WD" || p.Clauses[0] != "cp.av.17.1" {
		t.Errorf("complaint = %+v", p)
	}
	diffs := Diff(cp, fo)
	found := map[string]ParamDiff{}
	for _, d := range diffs {
		found[d.Path] = d
	}
	if d := found["quote.validity"]; d.A != "P30D" || d.B != "P14D" {
		t.Errorf("quote diff = %+v", d)
	}
	if d, ok := found["deadlines.complaint.period"]; !ok || d.B != "" {
		t.Errorf("complaint only in cp: %+v", d)
	}
	if _, ok := found["payment.default_after"]; ok {
		t.Error("equal parameter reported as different")
	}
	if len(Diff(cp, cp)) != 0 {
		t.Error("a policy differs from itself")
	}
}
