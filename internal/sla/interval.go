package sla

import (
	"slices"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
)

// Interval is the half-open stretch of time [From, To).
type Interval struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Duration is the interval's length (zero for an empty or inverted one).
func (iv Interval) Duration() time.Duration {
	if !iv.To.After(iv.From) {
		return 0
	}
	return iv.To.Sub(iv.From)
}

// Union returns the intervals covered by any of the lists, sorted, with overlapping and
// touching intervals merged and empty ones dropped.
func Union(lists ...[]Interval) []Interval {
	var all []Interval
	for _, l := range lists {
		for _, iv := range l {
			if iv.To.After(iv.From) {
				all = append(all, iv)
			}
		}
	}
	slices.SortFunc(all, func(a, b Interval) int { return a.From.Compare(b.From) })
	var out []Interval
	for _, iv := range all {
		if n := len(out); n > 0 && !iv.From.After(out[n-1].To) {
			if iv.To.After(out[n-1].To) {
				out[n-1].To = iv.To
			}
			continue
		}
		out = append(out, iv)
	}
	return out
}

// Intersect returns the time covered by both a and b.
func Intersect(a, b []Interval) []Interval {
	a, b = Union(a), Union(b)
	var out []Interval
	for i, j := 0, 0; i < len(a) && j < len(b); {
		from, to := Later(a[i].From, b[j].From), Earlier(a[i].To, b[j].To)
		if to.After(from) {
			out = append(out, Interval{from, to})
		}
		if a[i].To.Before(b[j].To) {
			i++
		} else {
			j++
		}
	}
	return out
}

// IntersectAll returns the time covered by every list; no lists cover nothing.
func IntersectAll(lists [][]Interval) []Interval {
	if len(lists) == 0 {
		return nil
	}
	out := Union(lists[0])
	for _, l := range lists[1:] {
		out = Intersect(out, l)
	}
	return out
}

// Subtract returns the time in a not covered by b.
func Subtract(a, b []Interval) []Interval {
	a, b = Union(a), Union(b)
	var out []Interval
	j := 0
	for _, iv := range a {
		cur := iv.From
		for j < len(b) && !b[j].To.After(cur) {
			j++
		}
		for k := j; k < len(b) && b[k].From.Before(iv.To); k++ {
			if b[k].From.After(cur) {
				out = append(out, Interval{cur, b[k].From})
			}
			if b[k].To.After(cur) {
				cur = b[k].To
			}
		}
		if iv.To.After(cur) {
			out = append(out, Interval{cur, iv.To})
		}
	}
	return out
}

// Length is the total time the intervals cover, overlaps counted once.
func Length(ivs []Interval) time.Duration {
	var d time.Duration
	for _, iv := range Union(ivs) {
		d += iv.Duration()
	}
	return d
}

// WholeMinutes is d in whole minutes, rounded down (INTERPRETATION.md, Measuring
// availability: D is counted in whole minutes rounded down).
func WholeMinutes(d time.Duration) int { return int(d / time.Minute) }

// Month is a calendar month in Europe/Amsterdam, where the terms are read.
type Month struct {
	Year  int
	Month time.Month
}

// MonthOf returns the Amsterdam calendar month containing t.
func MonthOf(t time.Time) Month {
	a := t.In(clock.Amsterdam)
	return Month{a.Year(), a.Month()}
}

// Interval is the month from its first midnight to the next month's, Amsterdam time;
// its length follows the clock changes (743 hours in March, 745 in October).
func (m Month) Interval() Interval {
	from := time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, clock.Amsterdam)
	return Interval{from.UTC(), from.AddDate(0, 1, 0).UTC()}
}

// Next is the following month.
func (m Month) Next() Month { return MonthOf(m.Interval().To) }

func (m Month) String() string { return m.Interval().From.In(clock.Amsterdam).Format("2006-01") }

// ByMonth splits intervals at month boundaries: an interval that crosses one counts in
// each month for its part.
func ByMonth(ivs []Interval) map[Month][]Interval {
	out := map[Month][]Interval{}
	for _, iv := range Union(ivs) {
		for m := MonthOf(iv.From); m.Interval().From.Before(iv.To); m = m.Next() {
			if part := Intersect([]Interval{iv}, []Interval{m.Interval()}); len(part) > 0 {
				out[m] = append(out[m], part...)
			}
		}
	}
	return out
}

// Later is the later of two moments.
func Later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Earlier is the earlier of two moments.
func Earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
