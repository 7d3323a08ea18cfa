package terms

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSLAClaimDeadline(t *testing.T) {
	t.Parallel()
	cp := mustPolicy(t, "cloudprovider")
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	for _, tt := range []struct {
		ended time.Time
		last  Date
	}{
		// Ended 4 March 11:47: the last day is 19 March, all of it.
		{time.Date(2026, 3, 4, 11, 47, 0, 0, ams), D(2026, 3, 19)},
		// 23:30 UTC on 31 March is already 1 April in Amsterdam: counted from 1 April.
		{time.Date(2026, 3, 31, 23, 30, 0, 0, time.UTC), D(2026, 4, 16)},
	} {
		c, ex, err := cp.SLAClaimDeadline(tt.ended)
		if err != nil || c.LastDay != tt.last {
			t.Fatalf("%s: %v %v, want %s", tt.ended, c.LastDay, err, tt.last)
		}
		if want := tt.last.AddDays(1).Time(ams); !c.Until.Equal(want) {
			t.Errorf("until %s, want %s", c.Until, want)
		}
		if !c.InTime(c.Until.Add(-time.Second)) || c.InTime(c.Until) {
			t.Errorf("InTime at the boundary is wrong: %+v", c)
		}
		if !strings.Contains(ex[0].Clause, "cp.sla.compensation.4") || !strings.Contains(ex[0].Reading, "A02") {
			t.Errorf("explanation: %+v", ex)
		}
	}
	if _, _, err := mustPolicy(t, "5online").SLAClaimDeadline(time.Now()); !errors.Is(err, ErrNotInTerms) {
		t.Errorf("5online: %v", err)
	}
	if _, _, err := cp.SLAClaimDeadline(time.Time{}); err == nil {
		t.Error("zero end accepted")
	}
}
