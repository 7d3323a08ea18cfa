package terms

import (
	"math/rand"
	"testing"
	"time"
)

func TestEaster(t *testing.T) {
	for y, want := range map[int]Date{
		2000: D(2000, 4, 23), 2008: D(2008, 3, 23), 2019: D(2019, 4, 21), 2024: D(2024, 3, 31),
		2025: D(2025, 4, 20), 2026: D(2026, 4, 5), 2038: D(2038, 4, 25),
	} {
		if got := Easter(y); got != want {
			t.Errorf("Easter %d = %s, want %s", y, got, want)
		}
	}
}

func TestKingsDay(t *testing.T) {
	for y, want := range map[int]Date{
		2025: D(2025, 4, 26), // 27 April 2025 was a Sunday
		2014: D(2014, 4, 26), // the first King's Day, 27 April 2014 a Sunday
		2023: D(2023, 4, 27),
		2026: D(2026, 4, 27),
		2013: D(2013, 4, 30), // Queen's Day
		2006: D(2006, 4, 29), // 30 April 2006 was a Sunday
	} {
		if got := KingsDay(y); got != want {
			t.Errorf("King's Day %d = %s, want %s", y, got, want)
		}
	}
}

func TestIsWerkdag(t *testing.T) {
	cal := NewCalendar(ClosedDay{Date: D(2025, 12, 24), Name: "office closed"})
	tests := []struct {
		d    Date
		want bool
		why  string
	}{
		{D(2025, 1, 1), false, "New Year's Day"},
		{D(2025, 1, 2), true, ""},
		{D(2025, 4, 18), false, "Good Friday"},
		{D(2025, 4, 20), false, "Sunday"},
		{D(2025, 4, 21), false, "Easter Monday"},
		{D(2025, 4, 26), false, "Saturday"}, // King's Day on a Saturday
		{D(2025, 4, 27), false, "Sunday"},
		{D(2025, 4, 28), true, ""}, // no substitute Monday
		{D(2023, 4, 27), false, "King's Day"},
		{D(2026, 4, 27), false, "King's Day"},
		{D(2013, 4, 30), false, "King's Day"},
		{D(2013, 4, 29), true, ""},
		{D(2025, 5, 5), false, "Liberation Day"},
		{D(2026, 5, 5), false, "Liberation Day"}, // not a lustrum year: still a holiday
		{D(2011, 5, 5), false, "Liberation Day"},
		{D(2025, 5, 29), false, "Ascension Day"},
		{D(2025, 6, 9), false, "Whit Monday"},
		{D(2024, 5, 9), false, "Ascension Day"},
		{D(2024, 5, 20), false, "Whit Monday"},
		{D(2025, 12, 24), false, "office closed"},
		{D(2025, 12, 25), false, "Christmas Day"},
		{D(2025, 12, 26), false, "Boxing Day"},
		{D(2025, 12, 29), true, ""},
		{D(2025, 6, 10), true, ""},
	}
	for _, tt := range tests {
		if got := cal.IsWerkdag(tt.d); got != tt.want {
			t.Errorf("IsWerkdag(%s) = %v, want %v", tt.d, got, tt.want)
		}
		if got := cal.ClosedReason(tt.d); got != tt.why {
			t.Errorf("ClosedReason(%s) = %q, want %q", tt.d, got, tt.why)
		}
	}
	if (*Calendar)(nil).IsWerkdag(D(2025, 12, 24)) != true {
		t.Error("nil calendar should only know public holidays")
	}
}

func TestAddWerkdagen(t *testing.T) {
	cal := NewCalendar()
	tests := []struct {
		from Date
		n    int
		want Date
	}{
		{D(2025, 4, 17), 1, D(2025, 4, 22)},   // Good Friday, weekend, Easter Monday
		{D(2025, 4, 25), 1, D(2025, 4, 28)},   // King's Day on Saturday changes nothing
		{D(2023, 4, 26), 2, D(2023, 5, 1)},    // King's Day Thursday 27 April 2023
		{D(2025, 4, 30), 5, D(2025, 5, 8)},    // 5 May on a Monday
		{D(2025, 5, 28), 1, D(2025, 5, 30)},   // Ascension Day
		{D(2025, 6, 6), 1, D(2025, 6, 10)},    // Whit Monday
		{D(2025, 12, 23), 3, D(2025, 12, 30)}, // Christmas
		{D(2025, 12, 31), 1, D(2026, 1, 2)},   // New Year's Day
		{D(2013, 4, 29), 1, D(2013, 5, 1)},    // Queen's Day 30 April 2013
		{D(2025, 4, 18), 2, D(2025, 4, 23)},   // counting from a holiday
		{D(2025, 4, 22), -1, D(2025, 4, 17)},  // backwards over Easter
		{D(2025, 4, 19), 0, D(2025, 4, 19)},
	}
	for _, tt := range tests {
		if got := cal.AddWerkdagen(tt.from, tt.n); got != tt.want {
			t.Errorf("AddWerkdagen(%s, %d) = %s, want %s", tt.from, tt.n, got, tt.want)
		}
	}
	if got := NewCalendar(ClosedDay{Date: D(2025, 12, 24)}).AddWerkdagen(D(2025, 12, 23), 1); got != D(2025, 12, 29) {
		t.Errorf("extra closed day ignored: %s", got)
	}
}

// Property: counting the werkdagen up to the Nth werkdag after d gives N, and the result
// is itself a werkdag.
func TestWerkdagenCountInvertsAdd(t *testing.T) {
	cal := NewCalendar(ClosedDay{Date: D(2024, 12, 27)})
	rng := rand.New(rand.NewSource(7))
	for i := 0; i < 2000; i++ {
		d := D(2010, 1, 1).AddDays(rng.Intn(365 * 20))
		n := rng.Intn(40) - 20
		got := cal.AddWerkdagen(d, n)
		if c := cal.CountWerkdagen(d, got); c != n {
			t.Fatalf("CountWerkdagen(%s, AddWerkdagen(%s, %d) = %s) = %d", d, d, n, got, c)
		}
		if n != 0 && !cal.IsWerkdag(got) {
			t.Fatalf("AddWerkdagen(%s, %d) = %s is not a werkdag", d, n, got)
		}
		if wd := got.Weekday(); n != 0 && (wd == time.Saturday || wd == time.Sunday) {
			t.Fatalf("weekend day %s", got)
		}
	}
}
