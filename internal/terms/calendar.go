package terms

import (
	"fmt"
	"strings"
	"time"
)

// Calendar decides which days are werkdagen. The terms count several deadlines in
// werkdagen (cp.av.17.1, cp.ntd.2.3, cp.ntd.2.6, cp.rd.expect.4, cp.rd.expect.5) without
// defining the word (A11). hostpact reads it as INTERPRETATION.md does: Monday to
// Friday, except the general public holidays of art. 3 Algemene termijnenwet and the
// extra closed days the provider lists in its pack.
//
// A Calendar is immutable after construction and safe for concurrent use. The zero
// value and a nil *Calendar are the plain Dutch calendar without extra closed days.
type Calendar struct {
	closed map[Date]string
}

// ClosedDay is an extra day on which the provider is closed, with a reason for the
// explanation ("Christmas Eve office closure").
type ClosedDay struct {
	Date Date   `yaml:"date" json:"date"`
	Name string `yaml:"name" json:"name"`
}

// NewCalendar returns the Dutch calendar plus the provider's extra closed days.
func NewCalendar(extra ...ClosedDay) *Calendar {
	c := &Calendar{closed: make(map[Date]string, len(extra))}
	for _, e := range extra {
		c.closed[e.Date] = e.Name
	}
	return c
}

// Easter returns Easter Sunday of year y in the Gregorian calendar (the anonymous
// Gregorian algorithm, also known as Meeus/Jones/Butcher).
func Easter(y int) Date {
	a := y % 19
	b, c := y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return Date{y, time.Month(month), day}
}

// KingsDay returns the day the birthday of the King (or before 2014 the Queen) is
// celebrated, which is the day art. 3 Algemene termijnenwet counts as a holiday: from
// 2014 on 27 April, or 26 April when 27 April is a Sunday (King's Day 2025 fell on
// Saturday 26 April, 2014 as well); before 2014 30 April, or 29 April when 30 April
// was a Sunday.
func KingsDay(y int) Date {
	if y >= 2014 {
		d := Date{y, time.April, 27}
		if d.Weekday() == time.Sunday {
			return Date{y, time.April, 26}
		}
		return d
	}
	d := Date{y, time.April, 30}
	if d.Weekday() == time.Sunday {
		return Date{y, time.April, 29}
	}
	return d
}

// PublicHoliday returns the name of the art. 3 Algemene termijnenwet holiday on d, if
// any. Sundays and Saturdays are not listed here: they are never werkdagen anyway.
func PublicHoliday(d Date) (string, bool) {
	y := d.y
	easter := Easter(y)
	switch d {
	case Date{y, time.January, 1}:
		return "New Year's Day", true
	case easter.AddDays(-2):
		return "Good Friday", true
	case easter.AddDays(1):
		return "Easter Monday", true
	case KingsDay(y):
		return "King's Day", true
	case Date{y, time.May, 5}:
		// The termijnenwet counts Liberation Day every year, not only each fifth year.
		return "Liberation Day", true
	case easter.AddDays(39):
		return "Ascension Day", true
	case easter.AddDays(50):
		return "Whit Monday", true
	case Date{y, time.December, 25}:
		return "Christmas Day", true
	case Date{y, time.December, 26}:
		return "Boxing Day", true
	}
	return "", false
}

// ClosedReason returns why d is not a werkdag ("Saturday", "King's Day", the name of
// an extra closed day), or "" when it is one.
func (c *Calendar) ClosedReason(d Date) string {
	switch d.Weekday() {
	case time.Saturday, time.Sunday:
		return d.Weekday().String()
	}
	if name, ok := PublicHoliday(d); ok {
		return name
	}
	if c != nil {
		if name, ok := c.closed[d]; ok {
			if name == "" {
				name = "provider closed"
			}
			return name
		}
	}
	return ""
}

// IsWerkdag reports whether d is a werkdag.
func (c *Calendar) IsWerkdag(d Date) bool { return c.ClosedReason(d) == "" }

// AddWerkdagen returns the nth werkdag after d (n > 0) or before d (n < 0); d itself
// when n is 0. "Within 5 werkdagen of receipt on d" ends on AddWerkdagen(d, 5).
func (c *Calendar) AddWerkdagen(d Date, n int) Date {
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d = d.AddDays(step)
		if c.IsWerkdag(d) {
			n--
		}
	}
	return d
}

// CountWerkdagen returns the number of werkdagen after from up to and including to.
// When to is before from it counts backwards, as AddWerkdagen does, and returns minus
// the number of werkdagen from to up to but not including from. So
// CountWerkdagen(d, AddWerkdagen(d, n)) == n for every n.
func (c *Calendar) CountWerkdagen(from, to Date) int {
	n := 0
	if to.Before(from) {
		for d := to; d.Before(from); d = d.AddDays(1) {
			if c.IsWerkdag(d) {
				n--
			}
		}
		return n
	}
	for d := from.AddDays(1); !d.After(to); d = d.AddDays(1) {
		if c.IsWerkdag(d) {
			n++
		}
	}
	return n
}

// ClosedDays lists the days in [from, to] that are not werkdagen although they fall on
// Monday to Friday, with their reasons; explanations use it to show why a werkdagen
// deadline moved.
func (c *Calendar) ClosedDays(from, to Date) []ClosedDay {
	var out []ClosedDay
	for d := from; !d.After(to); d = d.AddDays(1) {
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		if r := c.ClosedReason(d); r != "" {
			out = append(out, ClosedDay{Date: d, Name: r})
		}
	}
	return out
}

// describeClosed renders ClosedDays for an explanation.
func describeClosed(days []ClosedDay) string {
	if len(days) == 0 {
		return "no holidays or closed days on weekdays in between"
	}
	s := "skipping "
	for i, d := range days {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s (%s)", d.Date, d.Name)
	}
	return s
}

// NextWerkdag returns d when it is a werkdag, else the first werkdag after it.
func (c *Calendar) NextWerkdag(d Date) Date {
	for !c.IsWerkdag(d) {
		d = d.AddDays(1)
	}
	return d
}

// statutoryLastDay returns the last day of a period the law gives the customer: last,
// or when rule says so and last is not a werkdag, the next werkdag. A moved day adds a
// step that shows both days.
func (p *Policy) statutoryLastDay(last Date, rule StatutoryEnd, clauses []string, what string, ex *Explanation) Date {
	if !rule.MovesToWerkdag {
		return last
	}
	cal := p.Calendar()
	moved := cal.NextWerkdag(last)
	if moved == last {
		return last
	}
	var closed []string
	for d := last; d.Before(moved); d = d.AddDays(1) {
		closed = append(closed, fmt.Sprintf("%s %s", d, cal.ClosedReason(d)))
	}
	ex.add(clauses,
		fmt.Sprintf("The last day %s, %s (%s), is not a werkdag, so it moves to the next werkdag, %s.",
			what, last, cal.ClosedReason(last), moved),
		rule.Basis, inputs("last_day", last, "closed", strings.Join(closed, "; ")), moved)
	ex.key("last_day.moved", kv{"what": what, "last": last, "moved": moved})
	return moved
}
