package terms

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestMaintenanceNotice(t *testing.T) {
	t.Parallel()
	announced := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, pack := range []string{"cloudprovider", "5online"} {
		pol := mustPolicy(t, pack)
		for _, tc := range []struct {
			starts time.Time
			want   bool
		}{
			{announced.Add(48 * time.Hour), true},
			{announced.Add(72 * time.Hour), true},
			{announced.Add(48*time.Hour - time.Minute), false},
			{announced.Add(time.Hour), false},
		} {
			res, ex, err := pol.MaintenanceNotice(announced, tc.starts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Announced != tc.want || !res.EarliestStart.Equal(announced.Add(48*time.Hour)) {
				t.Errorf("%s starts %s: %+v, want announced=%v", pack, tc.starts, res, tc.want)
			}
			if len(ex.Clauses()) == 0 || strings.Join(ex.Clauses(), ",") != strings.Join(pol.Terms.Maintenance.Clauses, ",") {
				t.Errorf("%s: clauses %v, want the pack's maintenance clauses", pack, ex.Clauses())
			}
			if !tc.want && !strings.Contains(ex[len(ex)-1].Says, "not excluded") {
				t.Errorf("too late should say it is not excluded: %q", ex[len(ex)-1].Says)
			}
		}
	}
}

func TestMaintenanceNoticeWerkdagen(t *testing.T) {
	t.Parallel()
	pol := *mustPolicy(t, "cloudprovider")
	pol.Terms.Maintenance.Notice = MustPeriod("P2WD")
	// Friday 6 March 2026 10:00 in Amsterdam: two werkdagen later is Tuesday 10 March.
	loc, _ := time.LoadLocation("Europe/Amsterdam")
	announced := time.Date(2026, 3, 6, 10, 0, 0, 0, loc)
	res, _, err := pol.MaintenanceNotice(announced, time.Date(2026, 3, 10, 10, 0, 0, 0, loc))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Announced || !res.EarliestStart.Equal(time.Date(2026, 3, 10, 10, 0, 0, 0, loc)) {
		t.Fatalf("got %+v", res)
	}
	if res, _, _ := pol.MaintenanceNotice(announced, time.Date(2026, 3, 9, 23, 0, 0, 0, loc)); res.Announced {
		t.Fatal("Monday is only one werkdag later")
	}
	if _, _, err := pol.MaintenanceNotice(time.Time{}, announced); err == nil {
		t.Fatal("want an input error")
	}
	pol.Terms.Maintenance.Notice = Period{}
	if _, _, err := pol.MaintenanceNotice(announced, announced); !errors.Is(err, ErrNotInTerms) {
		t.Fatalf("err = %v", err)
	}
}
