package terms

import "testing"

// TestAuditSchedule: cp.dpa.11.2 two weeks' notice and once per rolling 12 months
// after the existing reports; cp.dpa.11.3 information within two weeks; fo.dpa.7.1
// once per 12 months on a suspicion, no notice; fo.dpa.7.2 a second request within
// the 12 months may be answered with the report.
func TestAuditSchedule(t *testing.T) {
	t.Parallel()
	cp, fo := mustPolicy(t, "cloudprovider"), mustPolicy(t, "5online")
	cases := []struct {
		name        string
		pol         *Policy
		in          AuditScheduleInput
		allowed     bool
		earliest    Date
		withReport  bool
		information Date
		cites       string
	}{
		{"cp too early: under two weeks", cp, AuditScheduleInput{Requested: D(2026, 3, 2), Proposed: D(2026, 3, 13)}, false, D(2026, 3, 16), false, D(2026, 3, 16), "cp.dpa.11.2"},
		{"cp two weeks on the day", cp, AuditScheduleInput{Requested: D(2026, 3, 2), Proposed: D(2026, 3, 16)}, true, D(2026, 3, 16), false, D(2026, 3, 16), "cp.dpa.11.3"},
		{"cp once per 12 months", cp, AuditScheduleInput{Requested: D(2026, 3, 2), Previous: []Date{D(2025, 1, 10), D(2025, 6, 1)}, Proposed: D(2026, 5, 29)}, false, D(2026, 6, 1), false, D(2026, 3, 16), "cp.dpa.11.2"},
		{"cp 12 months after", cp, AuditScheduleInput{Requested: D(2026, 3, 2), Previous: []Date{D(2025, 6, 1)}, Proposed: D(2026, 6, 1)}, true, D(2026, 6, 1), false, D(2026, 3, 16), "cp.dpa.11.5"},
		{"fo no notice", fo, AuditScheduleInput{Requested: D(2026, 3, 2), Proposed: D(2026, 3, 3)}, true, D(2026, 3, 2), false, Date{}, "fo.dpa.7.1"},
		{"fo second request answered with report", fo, AuditScheduleInput{Requested: D(2026, 3, 2), Previous: []Date{D(2025, 11, 20)}, Proposed: D(2026, 4, 1)}, false, D(2026, 11, 20), true, Date{}, "fo.dpa.7.2"},
		{"fo after 12 months", fo, AuditScheduleInput{Requested: D(2026, 12, 1), Previous: []Date{D(2025, 11, 20)}}, false, D(2026, 12, 1), false, Date{}, "fo.dpa.7.4"},
	}
	for _, c := range cases {
		res, ex, err := c.pol.AuditSchedule(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if res.Allowed != c.allowed || res.Earliest != c.earliest || res.AnswerWithReport != c.withReport || res.InformationBy != c.information {
			t.Errorf("%s: %+v", c.name, res)
		}
		found := false
		for _, id := range ex.Clauses() {
			found = found || id == c.cites
		}
		if !found {
			t.Errorf("%s: the explanation does not cite %s: %v", c.name, c.cites, ex.Clauses())
		}
		for _, st := range ex {
			if st.Key == "" {
				t.Errorf("%s: a step without a key: %+v", c.name, st)
			}
		}
	}
	if _, _, err := cp.AuditSchedule(AuditScheduleInput{}); err == nil {
		t.Error("a request without a day is accepted")
	}
}
