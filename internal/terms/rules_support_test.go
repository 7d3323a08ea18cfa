package terms

import (
	"strings"
	"testing"
	"time"
)

func ams(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, amsterdam())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestSupportHoursAcrossChristmas: cp.sla.support.2 opens Monday to Friday 9:00-16:30;
// Christmas Day (Friday 25 December 2026) and New Year's Day are closed.
func TestSupportHoursAcrossChristmas(t *testing.T) {
	t.Parallel()
	for _, pack := range []string{"cloudprovider", "5online"} {
		pol := mustPolicy(t, pack)
		if !pol.SupportOpen(ams(t, "2026-12-24 10:00")) || pol.SupportOpen(ams(t, "2026-12-25 10:00")) ||
			pol.SupportOpen(ams(t, "2026-12-24 16:30")) || pol.SupportOpen(ams(t, "2026-12-24 08:59")) {
			t.Errorf("%s: open hours wrong around Christmas", pack)
		}
		// Thursday 24 December 15:30: one open hour that day, then Monday 28 December.
		if got := pol.SupportTimeBetween(ams(t, "2026-12-24 15:30"), ams(t, "2026-12-28 10:00")); got != 2*time.Hour {
			t.Errorf("%s: open time %v, want 2h", pack, got)
		}
		due, ex, err := pol.ResponseDue(ams(t, "2026-12-24 15:30"), 0)
		if err != nil {
			t.Fatal(err)
		}
		// 1h on the 24th and 7h on the 28th make 8h at 16:00.
		if want := ams(t, "2026-12-28 16:00"); !due.Equal(want) {
			t.Errorf("%s: due %v, want %v", pack, due.In(amsterdam()), want)
		}
		if len(ex) == 0 || !strings.Contains(ex[0].Says, "8 hours") {
			t.Errorf("%s: explanation %+v", pack, ex)
		}
		// Paused with 7h used: one open hour remains.
		due, _, _ = pol.ResponseDue(ams(t, "2026-12-31 16:00"), 7*time.Hour)
		if want := ams(t, "2027-01-04 09:30"); !due.Equal(want) {
			t.Errorf("%s: resumed clock due %v, want %v (New Year's Day closed)", pack, due.In(amsterdam()), want)
		}
	}
}

// TestComplaintDeadlineSkipsHolidays: cp.av.17.1, five werkdagen from receipt.
func TestComplaintDeadlineSkipsHolidays(t *testing.T) {
	t.Parallel()
	pol := mustPolicy(t, "cloudprovider")
	last, due, ex, err := pol.ComplaintDue(ams(t, "2026-12-18 20:00"))
	if err != nil {
		t.Fatal(err)
	}
	// 21, 22, 23, 24 and (after Christmas and the weekend) 28 December.
	if last.String() != "2026-12-28" || !due.Equal(ams(t, "2026-12-29 00:00")) {
		t.Errorf("last %s due %v", last, due.In(amsterdam()))
	}
	if len(ex) == 0 || ex[0].Clause != "cp.av.17.1" || !strings.Contains(ex[0].Says, "Christmas") && !strings.Contains(ex[0].Says, "Kerst") {
		t.Errorf("explanation %+v", ex)
	}
	// King's Day 2027 is a Tuesday (27 April): 26, 28, 29, 30 April and 3 May.
	last, _, _, _ = pol.ComplaintDue(ams(t, "2027-04-23 09:00"))
	if last.String() != "2027-05-03" {
		t.Errorf("across King's Day: %s", last)
	}
}
