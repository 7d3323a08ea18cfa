package terms

import (
	"encoding/json"
	"math/big"
	"testing"
)

func TestParseMoney(t *testing.T) {
	tests := []struct {
		in   string
		want Money
		ok   bool
	}{
		{"425.00", 42500, true},
		{"425", 42500, true},
		{"425.5", 42550, true},
		{"0.01", 1, true},
		{"0", 0, true},
		{"007.10", 710, true},
		{"-12.30", -1230, true},
		{"9999999999999.99", 999999999999999, true},
		{"425.001", 0, false},
		{"425,00", 0, false},
		{"1.234,56", 0, false},
		{"1,234.56", 0, false},
		{"€425", 0, false},
		{" 425", 0, false},
		{"425.", 0, false},
		{".5", 0, false},
		{"1e3", 0, false},
		{"--1", 0, false},
		{"+1", 0, false},
		{"", 0, false},
		{"-", 0, false},
		{"99999999999999", 0, false},
		{"NaN", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseMoney(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestMoneyString(t *testing.T) {
	for m, want := range map[Money]string{0: "0.00", 1: "0.01", 42500: "425.00", -50: "-0.50", -123456: "-1234.56", 677500: "6775.00"} {
		if got := m.String(); got != want {
			t.Errorf("Money(%d) = %q, want %q", m, got, want)
		}
	}
	b, _ := json.Marshal(Money(42500))
	if string(b) != `"425.00"` {
		t.Errorf("json = %s", b)
	}
	var m Money
	if err := json.Unmarshal([]byte(`"63.75"`), &m); err != nil || m != 6375 {
		t.Errorf("unmarshal = %d, %v", m, err)
	}
	if err := json.Unmarshal([]byte(`63.75`), &m); err == nil {
		t.Error("JSON number accepted as money")
	}
}

func TestRoundCents(t *testing.T) {
	tests := []struct {
		num, den int64
		want     Money
	}{
		{5, 2, 3}, {-5, 2, -3}, // half away from zero
		{7, 2, 4}, {-7, 2, -4},
		{249, 100, 2}, {251, 100, 3}, {-251, 100, -3},
		{1, 3, 0}, {2, 3, 1}, {0, 1, 0},
	}
	for _, tt := range tests {
		if got := RoundCents(big.NewRat(tt.num, tt.den)); got != tt.want {
			t.Errorf("RoundCents(%d/%d) = %d, want %d", tt.num, tt.den, got, tt.want)
		}
	}
	// 20% of €12.34 is 246.8 cents; 15% of €0.10 is 1.5 cents.
	if got := Money(1234).MulRate(Percent(20)); got != 247 {
		t.Errorf("20%% of 12.34 = %s", got)
	}
	if got := Money(10).MulRate(Percent(15)); got != 2 {
		t.Errorf("15%% of 0.10 = %s", got)
	}
	if got := Money(-10).MulRate(Percent(15)); got != -2 {
		t.Errorf("15%% of -0.10 = %s", got)
	}
}

func TestRateAndPeriod(t *testing.T) {
	for in, want := range map[string]Rate{"21": 2100, "10.15": 1015, "0.5": 50, "8.05": 805, "25.5": 2550, "0": 0} {
		got, err := ParseRate(in)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %d, %v", in, got, err)
		}
		if got.String() != in {
			t.Errorf("Rate(%d).String() = %q, want %q", got, got.String(), in)
		}
	}
	for _, bad := range []string{"", "-1", "10.155", "10%", "1e2", "."} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) accepted", bad)
		}
	}
	b, _ := json.Marshal(struct{ R Rate }{1015})
	if string(b) != `{"R":10.15}` {
		t.Errorf("rate json = %s", b)
	}
	for in, want := range map[string]Period{"P14D": {14, Days}, "P2W": {2, Weeks}, "P1M": {1, Months}, "P1Y": {1, Years}, "P5WD": {5, Werkdagen}, "P0D": {0, Days}} {
		got, err := ParsePeriod(in)
		if err != nil || got != want || got.String() != in {
			t.Errorf("ParsePeriod(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "P", "14D", "P14", "P-1D", "PT45M", "P1.5M", "P1MD", "p1m", "P999999D"} {
		if _, err := ParsePeriod(bad); err == nil {
			t.Errorf("ParsePeriod(%q) accepted", bad)
		}
	}
	cal := NewCalendar()
	if got := MustPeriod("P2W").AddTo(D(2025, 2, 20), cal); got != D(2025, 3, 6) {
		t.Errorf("P2W = %s", got)
	}
	if got := MustPeriod("P1M").SubtractFrom(D(2025, 3, 31), cal); got != D(2025, 2, 28) {
		t.Errorf("-P1M = %s", got)
	}
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"425.00", "425", "425.5", "-0.01", "0", "1,00", "1e9", "", ".", "9999999999999.99", "00000000000000000001.10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMoney(s)
		if err != nil {
			return
		}
		back, err := ParseMoney(m.String())
		if err != nil || back != m {
			t.Fatalf("%q → %d → %q → %d, %v", s, m, m.String(), back, err)
		}
		// Taking a percentage never overflows for parsed amounts.
		if r := m.MulRate(Percent(100)); r != m {
			t.Fatalf("100%% of %s = %s", m, r)
		}
	})
}

func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"10.15", "2", "0.5", "100", "1.234", "-1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRate(s)
		if err != nil {
			return
		}
		if back, err := ParseRate(r.String()); err != nil || back != r {
			t.Fatalf("%q → %d → %q", s, r, r.String())
		}
	})
}

func TestMoneyIn(t *testing.T) {
	for _, tt := range []struct {
		cents  int64
		nl, en string
	}{
		{299, "€ 2,99", "€2.99"},
		{123456, "€ 1.234,56", "€1,234.56"},
		{-100000000, "-€ 1.000.000,00", "-€1,000,000.00"},
		{5, "€ 0,05", "€0.05"},
	} {
		m := Money(tt.cents)
		if got := m.In("nl"); got != tt.nl {
			t.Errorf("%d nl: %q, want %q", tt.cents, got, tt.nl)
		}
		if got := m.In("en"); got != tt.en {
			t.Errorf("%d en: %q, want %q", tt.cents, got, tt.en)
		}
	}
}
