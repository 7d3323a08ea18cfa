package terms

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Money is an amount in euro cents. Amounts in the terms are exact (DESIGN.md,
// principle 7): they are never held in floating point, and rounding happens only where a
// rule says so, half away from zero.
//
// Money encodes to JSON and text as a decimal string in euros with two decimals
// ("425.00"); it stores in SQL as its integer number of cents.
type Money int64

// Euros returns whole euros as Money.
func Euros(n int64) Money { return Money(n * 100) }

// Cents returns m as a number of cents.
func (m Money) Cents() int64 { return int64(m) }

// maxMoneyDigits keeps parsed amounts far from int64 overflow even after the
// multiplications the rules perform (interest over decades, percentages).
const maxMoneyDigits = 13 // up to 9,999,999,999,999.99 euros

// ParseMoney reads an amount in euros: digits with an optional '.' and at most two
// decimals, optionally preceded by '-': "425", "425.5", "425.00", "-12.30". Thousands
// separators, commas, currency signs, exponents and spaces are rejected rather than
// guessed at.
func ParseMoney(s string) (Money, error) {
	orig := s
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || !allDigits(whole) || (hasDot && (frac == "" || !allDigits(frac))) {
		return 0, fmt.Errorf("amount %q is not a number of euros like 425.00", orig)
	}
	if len(frac) > 2 {
		return 0, fmt.Errorf("amount %q has more than two decimals", orig)
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > maxMoneyDigits {
		return 0, fmt.Errorf("amount %q is too large", orig)
	}
	var cents int64
	if whole != "" {
		w, err := strconv.ParseInt(whole, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("amount %q is not a number of euros like 425.00", orig)
		}
		cents = w * 100
	}
	switch len(frac) {
	case 1:
		cents += int64(frac[0]-'0') * 10
	case 2:
		cents += int64(frac[0]-'0')*10 + int64(frac[1]-'0')
	}
	if neg {
		cents = -cents
	}
	return Money(cents), nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String returns m in euros with two decimals, "425.00" or "-0.50".
func (m Money) String() string {
	c := int64(m)
	sign := ""
	if c < 0 {
		sign = "-"
	}
	u := uint64(c)
	if c < 0 {
		u = uint64(-(c + 1)) + 1 // safe for math.MinInt64
	}
	// strconv rather than fmt.Sprintf: the billing run formats amounts for every
	// audit entry, mail and explanation (issue 16).
	b := make([]byte, 0, 24)
	b = append(b, sign...)
	b = strconv.AppendUint(b, u/100, 10)
	r := u % 100
	b = append(b, '.', byte('0'+r/10), byte('0'+r%10))
	return string(b)
}

// Add, Sub and Neg are the exact arithmetic of cents.
func (m Money) Add(o Money) Money { return m + o }

// Sub returns m - o.
func (m Money) Sub(o Money) Money { return m - o }

// Neg returns -m.
func (m Money) Neg() Money { return -m }

// Mul returns m times n.
func (m Money) Mul(n int64) Money { return m * Money(n) }

// Rat returns m in cents as an exact rational.
func (m Money) Rat() *big.Rat { return new(big.Rat).SetInt64(int64(m)) }

// MulRate returns m × r, rounded half away from zero to cents. It is how a percentage
// of an amount is taken (VAT per rate, SLA credit, collection-cost brackets).
func (m Money) MulRate(r Rate) Money {
	x := m.Rat()
	x.Mul(x, r.Fraction())
	return RoundCents(x)
}

// RoundCents rounds an exact amount in cents to whole cents, half away from zero
// (INTERPRETATION.md, Payment: "rounded to cents, half away from zero"). Amounts
// beyond the range of Money saturate; parsed inputs cannot get there.
func RoundCents(x *big.Rat) Money {
	num := new(big.Int).Set(x.Num())
	den := x.Denom()
	neg := num.Sign() < 0
	num.Abs(num)
	// q = floor((2*num + den) / (2*den)) rounds half up on the magnitude.
	twice := new(big.Int).Lsh(num, 1)
	twice.Add(twice, den)
	q := twice.Quo(twice, new(big.Int).Lsh(den, 1))
	if !q.IsInt64() {
		if neg {
			return math.MinInt64
		}
		return math.MaxInt64
	}
	v := q.Int64()
	if neg {
		v = -v
	}
	return Money(v)
}

// MarshalText encodes m as "425.00".
func (m Money) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads an amount with ParseMoney.
func (m *Money) UnmarshalText(b []byte) error {
	v, err := ParseMoney(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// MarshalJSON encodes m as the string "425.00" so that no JSON reader turns it into a
// floating-point number.
func (m Money) MarshalJSON() ([]byte, error) { return []byte(`"` + m.String() + `"`), nil }

// UnmarshalJSON reads "425.00" (a string, as MarshalJSON writes it).
func (m *Money) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return fmt.Errorf("amount must be a JSON string like \"425.00\", got %s", s)
	}
	return m.UnmarshalText([]byte(s[1 : len(s)-1]))
}

func bigRat(a, b int64) *big.Rat { return big.NewRat(a, b) }

// In writes m for a reader of lang: "€ 1.234,56" in Dutch, "€1,234.56" in English.
// Pages, mails and PDFs use it; CSV and the API keep String's machine form.
func (m Money) In(lang string) string {
	c := m.Cents()
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	whole, cents := strconv.FormatInt(c/100, 10), c%100
	sep, dec := ".", ","
	if lang == "en" {
		sep, dec = ",", "."
	}
	var b strings.Builder
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(d)
	}
	if lang == "en" {
		return fmt.Sprintf("%s€%s%s%02d", sign, b.String(), dec, cents)
	}
	return fmt.Sprintf("%s€ %s%s%02d", sign, b.String(), dec, cents)
}
