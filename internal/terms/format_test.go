package terms

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// The hand-written Date.String and Money.String render exactly what fmt did.
func TestFormattingMatchesFmt(t *testing.T) {
	for _, d := range []Date{D(2027, 1, 1), {y: 1, m: time.February, d: 3}, {y: 999, m: time.December, d: 31}, D(9999, 12, 31), D(1900, 1, 1), D(2024, 2, 29), {y: 10000, m: time.January, d: 1}, {y: -1, m: time.March, d: 5}} {
		if got, want := d.String(), fmt.Sprintf("%04d-%02d-%02d", d.y, int(d.m), d.d); got != want {
			t.Errorf("%#v: %q, want %q", d, got, want)
		}
	}
	for _, c := range []int64{0, 1, 9, 10, 99, 100, 101, 795, 42500, -1, -50, -100, -12345, math.MaxInt64, math.MinInt64, math.MinInt64 + 1} {
		sign, u := "", uint64(c)
		if c < 0 {
			sign, u = "-", uint64(-(c+1))+1
		}
		if got, want := Money(c).String(), fmt.Sprintf("%s%d.%02d", sign, u/100, u%100); got != want {
			t.Errorf("%d: %q, want %q", c, got, want)
		}
	}
}
