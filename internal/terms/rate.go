package terms

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// Rate is a percentage held exactly in hundredths of a percent (basis points):
// 10.15% is Rate(1015), 2% is Rate(200). Statutory interest rates, VAT rates and the
// collection-cost brackets all have at most two decimals, so no rate in the terms is
// ever rounded. A Rate encodes to JSON as a number (10.15), as the calculator promises.
type Rate int64

// Percent returns a whole percentage as a Rate.
func Percent(n int64) Rate { return Rate(n * 100) }

// ParseRate reads a non-negative percentage with at most two decimals ("21", "10.15",
// "0.5"), without a percent sign.
func ParseRate(s string) (Rate, error) {
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || !allDigits(whole) || (hasDot && (frac == "" || !allDigits(frac))) {
		return 0, fmt.Errorf("percentage %q is not a number like 10.15", s)
	}
	if len(frac) > 2 {
		return 0, fmt.Errorf("percentage %q has more than two decimals", s)
	}
	if len(strings.TrimLeft(whole, "0")) > 9 {
		return 0, fmt.Errorf("percentage %q is too large", s)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("percentage %q is not a number like 10.15", s)
	}
	r := w * 100
	for i, f := 0, int64(10); i < len(frac); i, f = i+1, f/10 {
		r += int64(frac[i]-'0') * f
	}
	return Rate(r), nil
}

// BasisPoints returns r in hundredths of a percent.
func (r Rate) BasisPoints() int64 { return int64(r) }

// Fraction returns r as an exact fraction (10.15% → 1015/10000).
func (r Rate) Fraction() *big.Rat { return big.NewRat(int64(r), 10000) }

// String returns r as the shortest decimal: "10.15", "2", "0.5".
func (r Rate) String() string {
	n := int64(r)
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	s := fmt.Sprintf("%s%d", sign, n/100)
	if f := n % 100; f != 0 {
		fs := fmt.Sprintf("%02d", f)
		s += "." + strings.TrimRight(fs, "0")
	}
	return s
}

// MarshalText encodes r as its decimal string.
func (r Rate) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads r with ParseRate.
func (r *Rate) UnmarshalText(b []byte) error {
	v, err := ParseRate(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// MarshalJSON encodes r as a JSON number such as 10.15.
func (r Rate) MarshalJSON() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalJSON reads a JSON number with at most two decimals.
func (r *Rate) UnmarshalJSON(b []byte) error { return r.UnmarshalText(b) }
