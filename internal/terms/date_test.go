package terms

import (
	"encoding/json"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want Date
		ok   bool
	}{
		{"2025-01-31", D(2025, 1, 31), true},
		{"2024-02-29", D(2024, 2, 29), true},
		{"2000-02-29", D(2000, 2, 29), true},
		{"1900-02-28", D(1900, 2, 28), true},
		{"2025-02-29", Date{}, false}, // common year
		{"1900-02-29", Date{}, false}, // century, not divisible by 400
		{"2025-04-31", Date{}, false},
		{"2025-13-01", Date{}, false},
		{"2025-00-10", Date{}, false},
		{"2025-01-00", Date{}, false},
		{"2025-1-31", Date{}, false},
		{"25-01-31", Date{}, false},
		{"2025/01/31", Date{}, false},
		{"2025-01-31T00:00:00Z", Date{}, false},
		{"+025-01-31", Date{}, false},
		{"1899-12-31", Date{}, false},
		{"", Date{}, false},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseDate(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if tt.ok && got.String() != tt.in {
			t.Errorf("ParseDate(%q).String() = %q", tt.in, got.String())
		}
	}
}

func TestAddMonths(t *testing.T) {
	tests := []struct {
		from Date
		n    int
		want Date
	}{
		{D(2025, 1, 31), 1, D(2025, 2, 28)},
		{D(2024, 1, 31), 1, D(2024, 2, 29)}, // leap year
		{D(2025, 2, 28), 1, D(2025, 3, 28)},
		{D(2025, 3, 31), -1, D(2025, 2, 28)},
		{D(2024, 3, 31), -1, D(2024, 2, 29)},
		{D(2024, 2, 29), 12, D(2025, 2, 28)},
		{D(2024, 2, 29), 48, D(2028, 2, 29)},
		{D(2025, 8, 31), 1, D(2025, 9, 30)},
		{D(2025, 12, 31), 2, D(2026, 2, 28)},
		{D(2025, 1, 15), -13, D(2023, 12, 15)},
		{D(2025, 5, 31), 0, D(2025, 5, 31)},
		{D(1999, 12, 31), 2, D(2000, 2, 29)},
		{D(2099, 12, 31), 2, D(2100, 2, 28)},
	}
	for _, tt := range tests {
		if got := tt.from.AddMonths(tt.n); got != tt.want {
			t.Errorf("%s + %d months = %s, want %s", tt.from, tt.n, got, tt.want)
		}
	}
	if got := D(2024, 2, 29).AddYears(1); got != D(2025, 2, 28) {
		t.Errorf("29 Feb + 1 year = %s", got)
	}
}

func TestDayArithmetic(t *testing.T) {
	if got := D(2024, 2, 28).AddDays(1); got != D(2024, 2, 29) {
		t.Errorf("got %s", got)
	}
	if got := D(2025, 1, 1).AddDays(-1); got != D(2024, 12, 31) {
		t.Errorf("got %s", got)
	}
	if n := D(2024, 1, 1).DaysUntil(D(2025, 1, 1)); n != 366 {
		t.Errorf("days in 2024 = %d", n)
	}
	if n := D(1960, 1, 1).DaysUntil(D(1959, 12, 31)); n != -1 {
		t.Errorf("DaysUntil backwards = %d", n)
	}
	for _, tt := range []struct {
		d  Date
		wd time.Weekday
	}{
		{D(2025, 4, 26), time.Saturday}, {D(2025, 4, 27), time.Sunday}, {D(1969, 12, 31), time.Wednesday},
		{D(1900, 1, 1), time.Monday}, {D(2026, 1, 1), time.Thursday},
	} {
		if got := tt.d.Weekday(); got != tt.wd {
			t.Errorf("%s is a %s, got %s", tt.d, tt.wd, got)
		}
	}
	if !D(2025, 1, 1).Before(D(2025, 1, 2)) || D(2025, 1, 2).Before(D(2025, 1, 2)) || !D(2025, 2, 1).After(D(2025, 1, 31)) {
		t.Error("Before/After wrong")
	}
}

func TestDateEncodings(t *testing.T) {
	d := D(2025, 3, 9)
	b, _ := json.Marshal(struct {
		D Date `json:"d"`
		Z Date `json:"z"`
	}{D: d})
	if string(b) != `{"d":"2025-03-09","z":null}` {
		t.Errorf("json = %s", b)
	}
	var back struct{ D, Z Date }
	if err := json.Unmarshal([]byte(`{"D":"2025-03-09","Z":null}`), &back); err != nil || back.D != d || !back.Z.IsZero() {
		t.Errorf("unmarshal = %v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"D":20250309}`), &back); err == nil {
		t.Error("numeric JSON date accepted")
	}
	v, _ := d.Value()
	if v != "2025-03-09" {
		t.Errorf("Value = %v", v)
	}
	if v, _ := (Date{}).Value(); v != nil {
		t.Errorf("zero Value = %v", v)
	}
	for _, src := range []any{"2025-03-09", []byte("2025-03-09"), "2025-03-09 00:00:00", time.Date(2025, 3, 9, 0, 0, 0, 0, time.UTC)} {
		var got Date
		if err := got.Scan(src); err != nil || got != d {
			t.Errorf("Scan(%#v) = %v, %v", src, got, err)
		}
	}
	var got Date
	if err := got.Scan(42); err == nil {
		t.Error("Scan(int) accepted")
	}
	if err := got.Scan(nil); err != nil || !got.IsZero() {
		t.Error("Scan(nil) is not the zero date")
	}
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err == nil {
		// 23:30 UTC on 31 March is 1 April in Amsterdam (summer time).
		if got := DateIn(time.Date(2025, 3, 31, 23, 30, 0, 0, time.UTC), ams); got != D(2025, 4, 1) {
			t.Errorf("DateIn = %s", got)
		}
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2025-01-31", "2024-02-29", "2025-02-29", "0000-00-00", "9999-12-31", "2025-1-1", "", "abcd-ef-gh", "2025-04-31\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			if !d.IsZero() {
				t.Fatalf("error with non-zero date %v", d)
			}
			return
		}
		if d.String() != s {
			t.Fatalf("ParseDate(%q) round-trips to %q", s, d.String())
		}
		if back := d.AddDays(1).AddDays(-1); back != d {
			t.Fatalf("day arithmetic does not round-trip: %s", back)
		}
		if m := d.AddMonths(1); m.Day() > d.Day() || m.AddMonths(-1).Month() != d.Month() {
			t.Fatalf("month arithmetic broke at %s: %s", d, m)
		}
	})
}
