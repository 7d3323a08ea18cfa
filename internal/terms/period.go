package terms

import (
	"fmt"
	"strconv"
	"strings"
)

// Unit is the unit in which a Period counts.
type Unit int

// The units of a Period. Werkdag is the Dutch working day of the Calendar; weeks are
// seven calendar days; months and years follow the month rule of Date.AddMonths.
const (
	Days Unit = iota + 1
	Weeks
	Werkdagen
	Months
	Years
)

// Period is a length of time as the terms state it, written in ISO-8601 form as
// clauses.yaml does: P14D, P2W, P1M, P1Y, and the extension P2WD for two werkdagen.
// The zero Period means "not set".
type Period struct {
	N    int
	Unit Unit
}

// ParsePeriod reads P<n>D, P<n>W, P<n>WD, P<n>M or P<n>Y with n ≥ 0.
func ParsePeriod(s string) (Period, error) {
	bad := fmt.Errorf("%q is not a duration like P14D, P2W, P1M, P1Y or P2WD", s)
	if !strings.HasPrefix(s, "P") || len(s) < 3 {
		return Period{}, bad
	}
	body := s[1:]
	var unit Unit
	switch {
	case strings.HasSuffix(body, "WD"):
		unit, body = Werkdagen, body[:len(body)-2]
	case strings.HasSuffix(body, "D"):
		unit, body = Days, body[:len(body)-1]
	case strings.HasSuffix(body, "W"):
		unit, body = Weeks, body[:len(body)-1]
	case strings.HasSuffix(body, "M"):
		unit, body = Months, body[:len(body)-1]
	case strings.HasSuffix(body, "Y"):
		unit, body = Years, body[:len(body)-1]
	default:
		return Period{}, bad
	}
	if body == "" || !allDigits(body) || len(body) > 5 {
		return Period{}, bad
	}
	n, err := strconv.Atoi(body)
	if err != nil {
		return Period{}, bad
	}
	return Period{N: n, Unit: unit}, nil
}

// MustPeriod is ParsePeriod for literals; it panics on a malformed period.
func MustPeriod(s string) Period {
	p, err := ParsePeriod(s)
	if err != nil {
		panic(err)
	}
	return p
}

// IsZero reports whether p is unset.
func (p Period) IsZero() bool { return p == Period{} }

// String returns p in its ISO-8601 form.
func (p Period) String() string {
	if p.IsZero() {
		return ""
	}
	suffix := map[Unit]string{Days: "D", Weeks: "W", Werkdagen: "WD", Months: "M", Years: "Y"}[p.Unit]
	return fmt.Sprintf("P%d%s", p.N, suffix)
}

// Words returns p as English words ("1 month", "5 werkdagen") for explanations.
func (p Period) Words() string {
	name := map[Unit][2]string{
		Days: {"day", "days"}, Weeks: {"week", "weeks"}, Werkdagen: {"werkdag", "werkdagen"},
		Months: {"month", "months"}, Years: {"year", "years"},
	}[p.Unit]
	if p.N == 1 {
		return "1 " + name[0]
	}
	return fmt.Sprintf("%d %s", p.N, name[1])
}

// InMonths reports p as a number of months when it is counted in months or years.
func (p Period) InMonths() (int, bool) {
	switch p.Unit {
	case Months:
		return p.N, true
	case Years:
		return 12 * p.N, true
	}
	return 0, false
}

// AddTo returns d plus p; werkdagen are counted on cal ("within N werkdagen of d" ends
// on the Nth werkdag after d, INTERPRETATION.md A11).
func (p Period) AddTo(d Date, cal *Calendar) Date {
	switch p.Unit {
	case Days:
		return d.AddDays(p.N)
	case Weeks:
		return d.AddDays(7 * p.N)
	case Werkdagen:
		return cal.AddWerkdagen(d, p.N)
	case Months:
		return d.AddMonths(p.N)
	case Years:
		return d.AddMonths(12 * p.N)
	}
	return d
}

// SubtractFrom returns d minus p (months by the same-day-or-last-day rule backwards).
func (p Period) SubtractFrom(d Date, cal *Calendar) Date {
	return Period{N: -p.N, Unit: p.Unit}.AddTo(d, cal)
}

// MarshalText encodes p in ISO-8601 form.
func (p Period) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads p with ParsePeriod.
func (p *Period) UnmarshalText(b []byte) error {
	v, err := ParsePeriod(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}
