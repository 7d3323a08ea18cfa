package terms

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Date is a calendar date without a time of day or zone. The terms count in calendar
// days as read in Europe/Amsterdam (INTERPRETATION.md, Time); a Date is what callers get
// after converting an instant to that zone (see DateIn).
//
// The zero Date is "no date": IsZero reports it, JSON encodes it as null and rules
// reject it as a missing input. Dates are comparable with == and usable as map keys.
type Date struct {
	y int
	m time.Month
	d int
}

// MinYear and MaxYear bound the dates this package accepts. They keep every date
// four-digit so that the YYYY-MM-DD form stays unambiguous.
const (
	MinYear = 1900
	MaxYear = 9999
)

// ErrNoDate is returned where a date is required but the zero Date was given.
var ErrNoDate = errors.New("no date given")

// NewDate returns the date y-m-d, or an error when that day does not exist
// (31 April, 29 February in a common year) or lies outside MinYear..MaxYear.
func NewDate(y int, m time.Month, d int) (Date, error) {
	if y < MinYear || y > MaxYear {
		return Date{}, fmt.Errorf("year %d outside %d-%d", y, MinYear, MaxYear)
	}
	if m < time.January || m > time.December {
		return Date{}, fmt.Errorf("month %d does not exist", int(m))
	}
	if d < 1 || d > daysIn(y, m) {
		return Date{}, fmt.Errorf("%04d-%02d has no day %d", y, int(m), d)
	}
	return Date{y, m, d}, nil
}

// D returns the date y-m-d and panics when it does not exist. It is meant for
// literals in tests and tables, never for outside input (use ParseDate).
func D(y int, m time.Month, d int) Date {
	dt, err := NewDate(y, m, d)
	if err != nil {
		panic(err)
	}
	return dt
}

// ParseDate reads a date in the form YYYY-MM-DD, rejecting any other form and days
// that do not exist.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, fmt.Errorf("date %q is not in the form YYYY-MM-DD", s)
	}
	y, ok1 := atoiDigits(s[0:4])
	m, ok2 := atoiDigits(s[5:7])
	d, ok3 := atoiDigits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return Date{}, fmt.Errorf("date %q is not in the form YYYY-MM-DD", s)
	}
	dt, err := NewDate(y, time.Month(m), d)
	if err != nil {
		return Date{}, fmt.Errorf("date %q does not exist: %v", s, err)
	}
	return dt, nil
}

func atoiDigits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// DateIn returns the calendar date of instant t in loc. Callers pass the
// Europe/Amsterdam zone: an e-mail received at 23:30 UTC on 31 March is received on
// 1 April in the terms' calendar.
func DateIn(t time.Time, loc *time.Location) Date {
	t = t.In(loc)
	return Date{t.Year(), t.Month(), t.Day()}
}

// InRange reports whether d is a date ParseDate would accept: arithmetic far into the
// future can leave MinYear..MaxYear.
func (d Date) InRange() bool { return !d.IsZero() && d.y >= MinYear && d.y <= MaxYear }

// IsZero reports whether d is the zero Date ("no date").
func (d Date) IsZero() bool { return d == Date{} }

// Year, Month and Day return the parts of d.
func (d Date) Year() int { return d.y }

// Month returns the month of d.
func (d Date) Month() time.Month { return d.m }

// Day returns the day of the month of d.
func (d Date) Day() int { return d.d }

// String returns d as YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	// Written by hand: the billing run formats several dates per invoice, and
	// fmt.Sprintf was a tenth of its Go CPU (issue 16). Years outside 0–9999, which
	// no document has, keep fmt's rendering.
	if d.y < 0 || d.y > 9999 || d.m < 1 || d.m > 12 || d.d < 0 || d.d > 99 {
		return fmt.Sprintf("%04d-%02d-%02d", d.y, int(d.m), d.d)
	}
	var b [10]byte
	y, m := d.y, int(d.m)
	b[0], b[1], b[2], b[3] = byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10)
	b[4] = '-'
	b[5], b[6] = byte('0'+m/10), byte('0'+m%10)
	b[7] = '-'
	b[8], b[9] = byte('0'+d.d/10), byte('0'+d.d%10)
	return string(b[:])
}

// Time returns midnight at the start of d in loc.
func (d Date) Time(loc *time.Location) time.Time {
	return time.Date(d.y, d.m, d.d, 0, 0, 0, 0, loc)
}

// dayNumber counts days since 1970-01-01; it is the basis of day arithmetic.
func (d Date) dayNumber() int64 {
	return time.Date(d.y, d.m, d.d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

func fromDayNumber(n int64) Date {
	t := time.Unix(n*86400, 0).UTC()
	return Date{t.Year(), t.Month(), t.Day()}
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	// 1970-01-01 was a Thursday.
	return time.Weekday(((d.dayNumber() % 7) + 7 + int64(time.Thursday)) % 7)
}

// AddDays returns d plus n calendar days (n may be negative).
func (d Date) AddDays(n int) Date { return fromDayNumber(d.dayNumber() + int64(n)) }

// DaysUntil returns the number of days from d to e (negative when e is before d).
func (d Date) DaysUntil(e Date) int { return int(e.dayNumber() - d.dayNumber()) }

// AddMonths returns d plus n months by the rule of INTERPRETATION.md (A08; HR 1
// September 2017): the day with the same number n months later, or the last day of
// that month when it is too short. 31 January + 1 month is 28 February (29 in a leap
// year); the same rule applies backwards. Go's time.AddDate overflows into the next
// month instead and must not be used for the terms.
func (d Date) AddMonths(n int) Date {
	total := d.y*12 + int(d.m-1) + n
	y, m := total/12, time.Month(total%12+1)
	day := d.d
	if last := daysIn(y, m); day > last {
		day = last
	}
	return Date{y, m, day}
}

// AddYears returns d plus n years: 29 February + 1 year is 28 February.
func (d Date) AddYears(n int) Date { return d.AddMonths(12 * n) }

// AddMonths is the package-level form of Date.AddMonths, for callers that think of
// month arithmetic as a rule rather than a method.
func AddMonths(d Date, n int) Date { return d.AddMonths(n) }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.y != e.y:
		return sign(d.y - e.y)
	case d.m != e.m:
		return sign(int(d.m) - int(e.m))
	default:
		return sign(d.d - e.d)
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// MaxDate returns the later of a and b.
func MaxDate(a, b Date) Date {
	if a.After(b) {
		return a
	}
	return b
}

// MinDate returns the earlier of a and b.
func MinDate(a, b Date) Date {
	if a.Before(b) {
		return a
	}
	return b
}

// LastOfMonth returns the last day of d's month.
func (d Date) LastOfMonth() Date { return Date{d.y, d.m, daysIn(d.y, d.m)} }

// FirstOfMonth returns the first day of d's month.
func (d Date) FirstOfMonth() Date { return Date{d.y, d.m, 1} }

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if isLeap(y) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// MarshalText encodes d as YYYY-MM-DD (empty for the zero Date).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads YYYY-MM-DD; empty text gives the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalJSON encodes d as "YYYY-MM-DD", or null for the zero Date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + d.String() + `"`), nil
}

// UnmarshalJSON reads "YYYY-MM-DD" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		*d = Date{}
		return nil
	}
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return fmt.Errorf("date must be a JSON string, got %s", s)
	}
	return d.UnmarshalText([]byte(s[1 : len(s)-1]))
}

// Value stores d as the text 'YYYY-MM-DD' (NULL for the zero Date), which sorts and
// compares correctly in both SQLite and PostgreSQL.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan reads a date stored as text, bytes or a time.Time (PostgreSQL's DATE type),
// and NULL as the zero Date. A time.Time is taken at its own calendar date, which
// is how drivers hand back DATE columns (midnight UTC).
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
		return nil
	case string:
		return d.scanText(v)
	case []byte:
		return d.scanText(string(v))
	case time.Time:
		*d = Date{v.Year(), v.Month(), v.Day()}
		return nil
	}
	return fmt.Errorf("terms.Date: cannot scan %T", src)
}

func (d *Date) scanText(s string) error {
	// SQLite drivers may hand back a DATE written by another tool with a time part.
	if len(s) > 10 && (s[10] == 'T' || s[10] == ' ') {
		s = s[:10]
	}
	return d.UnmarshalText([]byte(s))
}

var monthNames = [2][12]string{
	{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"},
	{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
}

// In writes d for a reader of lang in words: "4 december 2026" in Dutch, "4 December
// 2026" in English; "—" for the zero Date. Pages, mails and PDFs use it; CSV and the
// API keep String's machine form.
func (d Date) In(lang string) string {
	if d.IsZero() {
		return "—"
	}
	i := 0
	if lang == "en" {
		i = 1
	}
	return strconv.Itoa(d.d) + " " + monthNames[i][d.m-1] + " " + strconv.Itoa(d.y)
}
