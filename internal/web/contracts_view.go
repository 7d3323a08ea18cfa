package web

import (
	"crypto/rand"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/terms"
)

// The pages of catalog, orders, contracts and quotes show amounts, dates and the
// terms engine's explanations; these helpers format them for the page's language.

// contractsEnabled reports whether the catalog and contracts pages are mounted.
func (s *server) contractsEnabled() bool {
	return s.catalog != nil && s.con != nil && s.pack != nil
}

// today is the calendar date in Amsterdam, the day the services decide on.
func (s *server) today() terms.Date { return terms.DateIn(s.clock.Now(), clock.Amsterdam) }

// Money formats an amount in euros: "€ 1.234,50" in Dutch, "€1,234.50" in English.
func (p *page) Money(m terms.Money) string { return m.In(p.Lang) }

// Date formats a calendar date in words: "15 april 2027", "15 April 2027".
func (p *page) Date(d terms.Date) string { return d.In(p.Lang) }

// Per names what a price buys: "per maand", "per 3 maanden", "per jaar".
func (p *page) Per(period terms.Period) string {
	if period.IsZero() {
		return p.T("period.once")
	}
	m, ok := period.InMonths()
	switch {
	case ok && m == 1:
		return p.T("period.month")
	case ok && m == 12:
		return p.T("period.year")
	case ok && m%12 == 0:
		return p.T("period.years", m/12)
	case ok:
		return p.T("period.months", m)
	}
	return period.String()
}

// Rate formats a VAT rate as a percentage.
func (p *page) Rate(r terms.Rate) string {
	s := r.String()
	if p.Lang == "nl" {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return s + "%"
}

// Label translates key when the catalogue has it (statuses, channels), else shows it
// as it is, so a status a newer service introduces still shows.
func (p *page) Label(prefix, value string) string {
	if hasMessage(prefix + value) {
		return p.T(prefix + value)
	}
	return value
}

// newKey is a fresh idempotency key for a form that concludes a contract: a double
// submit sends the same key twice, and the service creates one contract.
func newKey() string { return rand.Text() }

// parseDate reads a date field (YYYY-MM-DD, as <input type="date"> sends it).
func parseDate(f *form, name string) terms.Date {
	v := strings.TrimSpace(f.Get(name))
	if v == "" {
		return terms.Date{}
	}
	d, err := terms.ParseDate(v)
	if err != nil {
		f.Errors[name] = translate(f.lang, "form.not_a_date")
	}
	return d
}

// parseDateTime reads a moment (<input type="datetime-local">), in Amsterdam time.
func parseDateTime(f *form, name string) time.Time {
	v := strings.TrimSpace(f.Get(name))
	if v == "" {
		return time.Time{}
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, v, clock.Amsterdam); err == nil {
			return t
		}
	}
	f.Errors[name] = translate(f.lang, "form.not_a_datetime")
	return time.Time{}
}

// parseMoney reads an amount in euros; a Dutch decimal comma is accepted.
func parseMoney(f *form, name string) terms.Money {
	v := strings.TrimSpace(f.Get(name))
	if v == "" {
		return 0
	}
	v = strings.TrimSpace(strings.TrimPrefix(v, "€"))
	if strings.Count(v, ",") == 1 && !strings.Contains(v, ".") {
		v = strings.Replace(v, ",", ".", 1)
	}
	m, err := terms.ParseMoney(v)
	if err != nil {
		f.Errors[name] = translate(f.lang, "form.not_an_amount")
	}
	return m
}

func parseInt(f *form, name string) int64 {
	v := strings.TrimSpace(f.Get(name))
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		f.Errors[name] = translate(f.lang, "form.not_a_number")
	}
	return n
}

func init() {
	funcs["serviceName"] = serviceName
}
