package terms

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTARGET2Calendar(t *testing.T) {
	cases := []struct {
		d    Date
		want string
	}{
		{D(2026, 1, 1), "New Year's Day"},
		{D(2026, 1, 2), ""},
		{D(2026, 4, 3), "Good Friday"},
		{D(2026, 4, 6), "Easter Monday"},
		{D(2026, 4, 27), ""}, // King's Day: not a werkdag, but TARGET2 is open
		{D(2026, 5, 1), "Labour Day"},
		{D(2026, 5, 14), ""}, // Ascension Day
		{D(2026, 12, 24), ""},
		{D(2026, 12, 25), "Christmas Day"},
		{D(2026, 12, 26), "Saturday"},
		{D(2027, 12, 27), ""},
		{D(2025, 12, 26), "Boxing Day"},
		{D(2026, 2, 7), "Saturday"},
		{D(2026, 2, 8), "Sunday"},
		{D(2027, 3, 26), "Good Friday"},
		{D(2027, 3, 29), "Easter Monday"},
	}
	for _, c := range cases {
		if got := TARGET2Closed(c.d); got != c.want {
			t.Errorf("%s: %q, want %q", c.d, got, c.want)
		}
	}
	for _, c := range []struct{ from, want Date }{
		{D(2026, 4, 3), D(2026, 4, 7)},     // Good Friday → past the Easter weekend
		{D(2026, 12, 24), D(2026, 12, 24)}, // open
		{D(2026, 12, 25), D(2026, 12, 28)},
		{D(2026, 12, 31), D(2026, 12, 31)},
		{D(2027, 1, 1), D(2027, 1, 4)},
	} {
		if got := NextTARGET2Day(c.from); got != c.want {
			t.Errorf("next after %s: %s, want %s", c.from, got, c.want)
		}
	}
	// Every result is open, and nothing open is skipped.
	for d := D(2024, 1, 1); d.Before(D(2030, 1, 1)); d = d.AddDays(1) {
		n := NextTARGET2Day(d)
		if !IsTARGET2Day(n) || n.Before(d) || (IsTARGET2Day(d) && n != d) {
			t.Fatalf("NextTARGET2Day(%s) = %s", d, n)
		}
		if wd := d.Weekday(); IsTARGET2Day(d) && (wd == time.Saturday || wd == time.Sunday) {
			t.Fatalf("%s is a weekend day", d)
		}
	}
}

func TestDirectDebitDate(t *testing.T) {
	for _, pack := range []string{"cloudprovider", "5online"} {
		p := mustPolicy(t, pack)
		today := D(2026, 3, 20) // a Friday
		cases := []struct {
			name         string
			invoice, req Date
			want         Date
			errHas       []string
		}{
			{name: "proposed: pre-notification wins", want: D(2026, 4, 7)}, // 3 Apr is Good Friday, 6 Apr Easter Monday
			{name: "proposed: invoice date plus offset", invoice: D(2026, 4, 1), want: D(2026, 4, 15)},
			{name: "proposed on a weekend moves", invoice: D(2026, 4, 4), want: D(2026, 4, 20)},
			{name: "requested ok", req: D(2026, 4, 8), want: D(2026, 4, 8)},
			{name: "Saturday refused", req: D(2026, 4, 11), errHas: []string{"2026-04-11 is Saturday", "not a TARGET2 business day", "next one is 2026-04-13"}},
			{name: "Easter Monday refused", req: D(2026, 4, 6), errHas: []string{"2026-04-06 is Easter Monday", "next one is 2026-04-07"}},
			{name: "too soon refused", req: D(2026, 3, 30), errHas: []string{"less than 14 days after today", "pre-notified", "earliest collection date is 2026-04-07"}},
		}
		for _, c := range cases {
			res, ex, err := p.DirectDebitDate(DirectDebitInput{Today: today, InvoiceDate: c.invoice, Requested: c.req})
			if len(c.errHas) > 0 {
				var ie *InputError
				if !errors.As(err, &ie) || ie.Field != "collection_date" {
					t.Errorf("%s %s: err = %v", pack, c.name, err)
					continue
				}
				for _, w := range c.errHas {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("%s %s: %q lacks %q", pack, c.name, err, w)
					}
				}
				continue
			}
			if err != nil || res.Date != c.want || res.Earliest != D(2026, 4, 3) {
				t.Errorf("%s %s: %+v %v, want %s", pack, c.name, res, err, c.want)
			}
			if !strings.Contains(ex.Text(), "14 days") || !strings.Contains(ex.Text(), "TARGET2") {
				t.Errorf("%s %s: explanation %s", pack, c.name, ex.Text())
			}
		}
	}
}

func TestMandateAndRefundWarning(t *testing.T) {
	p := mustPolicy(t, "cloudprovider")
	until, ex, err := p.MandateValidThrough(D(2023, 5, 31))
	if err != nil || until != D(2026, 5, 31) || !strings.Contains(ex.Text(), "36 months") {
		t.Fatalf("mandate: %s %v %s", until, err, ex.Text())
	}
	// 3 werkdagen before Tuesday 7 April 2026, counting back over Easter Monday and
	// Good Friday: Tuesday 31 March.
	on, ex, err := p.RefundWarningDate(D(2026, 4, 7))
	if err != nil || on != D(2026, 3, 31) || !strings.Contains(ex.Text(), "3 werkdagen") || ex.Clauses()[0] != "cp.withdrawal.right.3" {
		t.Fatalf("warning: %s %v %s", on, err, ex.Text())
	}
	var empty Policy
	empty.pack = p.pack
	if _, _, err := empty.RefundWarningDate(D(2026, 4, 7)); !errors.Is(err, ErrNotInTerms) {
		t.Fatalf("unset: %v", err)
	}
	if _, _, err := empty.DirectDebitDate(DirectDebitInput{Today: D(2026, 4, 7)}); !errors.Is(err, ErrNotInTerms) {
		t.Fatalf("unset: %v", err)
	}
}
