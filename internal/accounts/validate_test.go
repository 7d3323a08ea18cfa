package accounts

import (
	"slices"
	"strings"
	"testing"
)

func TestValidatePassword(t *testing.T) {
	cases := []struct {
		pw   string
		ok   bool
		want string // part of the message
	}{
		{"Abcdef1!", true, ""},
		{"Sterk-Wachtw00rd", true, ""},
		{"Ünïcødé-Wåchtwoord-9", true, ""},
		{"correct horse Battery 9", true, ""}, // a space is a symbol
		{"Abcde1!", false, "at least 8"},
		{"abcdefg1!", false, "an uppercase letter"},
		{"ABCDEFG1!", false, "a lowercase letter"},
		{"Abcdefgh!", false, "a digit"},
		{"Abcdefgh1", false, "a symbol"},
		{"abcdefgh", false, "an uppercase letter, a digit and a symbol"},
		{"", false, "at least 8"},
		{"Aa1!" + strings.Repeat("x", 252), true, ""},
		{"Aa1!" + strings.Repeat("x", 253), false, "at most 256"},
		{"Abcdef1!\x00", false, "control character"},
		{"Abcdef1!\xff", false, "invalid characters"},
	}
	for _, c := range cases {
		err := ValidatePassword(c.pw)
		if c.ok != (err == nil) || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("ValidatePassword(%q) = %v, want ok=%v %q", truncate(c.pw, 20), err, c.ok, c.want)
		}
	}
}

func TestValidateVATID(t *testing.T) {
	cases := []struct{ in, want string }{
		// Dutch: the RSIN passes the eleven-test (weights 9..2, last digit −1).
		{"NL004495445B01", "NL004495445B01"},
		{"nl 0044.95.445.b01", "NL004495445B01"},
		{"NL123456782B01", "NL123456782B01"},
		// Dutch sole trader btw-id since 2020: fails the eleven-test, passes mod 97
		// (the Belastingdienst's own example).
		{"NL000099998B57", "NL000099998B57"},
		{"NL100000024B01", "NL100000024B01"},
		{"DE123456789", "DE123456789"},
		{"BE0123456789", "BE0123456789"},
		{"BE 1234.567.890", "BE1234567890"},
		{"FR40303265045", "FR40303265045"},
		{"FRXX123456789", "FRXX123456789"},
		{"ATU12345678", "ATU12345678"},
		{"EL123456789", "EL123456789"},
		{"ESX1234567Z", "ESX1234567Z"},
		{"IE1234567WA", "IE1234567WA"},
		{"SE123456789001", "SE123456789001"},
		{"XI123456789", "XI123456789"},
	}
	for _, c := range cases {
		got, err := ValidateVATID(c.in)
		if err != nil || got != c.want {
			t.Errorf("ValidateVATID(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	bad := []struct{ in, want string }{
		{"NL001234567B01", "check digit"}, // fails both the eleven-test and mod 97
		{"NL000099998B58", "check digit"},
		{"NL000000000B01", "check digit"},
		{"NL12345678B01", "format"},
		{"NL123456782X01", "format"},
		{"DE12345678", "format"},
		{"BE2123456789", "format"},
		{"FR1234567890", "format"},
		{"GR123456789", "EL"},
		{"US123456789", "EU country"},
		{"hello world", "EU country"},
		{"", "enter"},
		{"N", "country code"},
		{"'; DROP TABLE x", "EU country"},
	}
	for _, c := range bad {
		if got, err := ValidateVATID(c.in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ValidateVATID(%q) = %q, %v; want error about %q", c.in, got, err, c.want)
		}
	}
}

func TestEveryEUStateHasAVATFormat(t *testing.T) {
	eu := []string{"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU",
		"IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "XI"}
	for _, cc := range eu {
		if vatFormats[cc] == nil {
			t.Errorf("no VAT format for %s", cc)
		}
	}
	if len(vatFormats) != len(eu) {
		t.Errorf("%d formats, want %d", len(vatFormats), len(eu))
	}
}

func TestValidateKvK(t *testing.T) {
	for in, want := range map[string]string{"12345678": "12345678", " 1234 5678 ": "12345678", "12.34.56.78": "12345678"} {
		if got, err := ValidateKvK(in); err != nil || got != want {
			t.Errorf("ValidateKvK(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "1234567", "123456789", "1234567a", "１２３４５６７８"} {
		if _, err := ValidateKvK(in); err == nil {
			t.Errorf("ValidateKvK(%q) accepted", in)
		}
	}
}

func TestValidateCIDRs(t *testing.T) {
	got, err := ValidateCIDRs([]string{" 192.0.2.7 ", "198.51.100.77/24", "", "2001:db8::1", "2001:DB8:1::/48", "192.0.2.7/32", "::ffff:203.0.113.9"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"192.0.2.7/32", "198.51.100.0/24", "2001:db8::1/128", "2001:db8:1::/48", "203.0.113.9/32"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for _, in := range []string{"192.0.2.300", "10.0.0.0/33", "example.nl", "fe80::1%eth0", "1.2.3.4/24/1"} {
		if _, err := ValidateCIDRs([]string{in}); err == nil {
			t.Errorf("ValidateCIDRs(%q) accepted", in)
		}
	}
	many := make([]string, MaxAllowlist+1)
	for i := range many {
		many[i] = "10.0." + itoa(int64(i)) + ".0/24"
	}
	if _, err := ValidateCIDRs(many); err == nil {
		t.Error("51 ranges accepted")
	}
	if !ipAllowed(want, "198.51.100.200") || !ipAllowed(want, "[2001:db8:1::5]:443") || ipAllowed(want, "192.0.2.8") || ipAllowed(want, "") {
		t.Error("ipAllowed disagrees with the list")
	}
	if !ipAllowed(nil, "anything") {
		t.Error("an empty list must allow every address")
	}
}

func TestValidatePostalCodeEmailPhone(t *testing.T) {
	for in, want := range map[string]string{"1015cs": "1015 CS", "1015 CS": "1015 CS", " 9999  zz ": "9999 ZZ"} {
		if got, err := ValidatePostalCode("NL", in); err != nil || got != want {
			t.Errorf("NL %q = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "0123 AB", "1234 SS", "1234 SA", "12345", "1234 A1"} {
		if _, err := ValidatePostalCode("NL", in); err == nil {
			t.Errorf("NL %q accepted", in)
		}
	}
	if got, err := ValidatePostalCode("DE", "10115"); err != nil || got != "10115" {
		t.Errorf("DE: %q %v", got, err)
	}
	if _, err := ValidatePostalCode("GB", ""); err == nil {
		t.Error("empty foreign postal code accepted")
	}
	if got, err := ValidateEmail("  Jan@Example.NL "); err != nil || got != "jan@example.nl" {
		t.Errorf("email: %q %v", got, err)
	}
	for _, in := range []string{"", "jan", "jan@", "@example.nl", "Jan <jan@example.nl>", "jan@localhost", "a b@example.nl", strings.Repeat("a", 250) + "@example.nl"} {
		if _, err := ValidateEmail(in); err == nil {
			t.Errorf("email %q accepted", in)
		}
	}
	if _, err := validatePhone("+31 (0)20-123 4567"); err != nil {
		t.Errorf("phone: %v", err)
	}
	for _, in := range []string{"call me", "12", "+31 20 123 4567 ext. 5", strings.Repeat("1", 41)} {
		if _, err := validatePhone(in); err == nil {
			t.Errorf("phone %q accepted", in)
		}
	}
}

func TestOrganisationInputRules(t *testing.T) {
	in := business("Acme")
	if fe := validateOrgInput(&in); len(fe) > 0 {
		t.Fatal(fe)
	}
	if in.VATID != "NL004495445B01" || in.PostalAddress.PostalCode != "1015 CS" || in.PostalAddress.Country != "NL" {
		t.Fatalf("not normalised: %+v", in)
	}
	noKvK := business("Acme")
	noKvK.KvK = ""
	if fe := validateOrgInput(&noKvK); fe["kvk"].IsZero() {
		t.Error("a Dutch business without KvK accepted")
	}
	foreign := business("Acme GmbH")
	foreign.KvK, foreign.VATID = "", "DE123456789"
	foreign.PostalAddress = Address{Street: "Unter den Linden 1", PostalCode: "10117", City: "Berlin", Country: "DE"}
	if fe := validateOrgInput(&foreign); len(fe) > 0 {
		t.Errorf("a German business: %v", fe)
	}
	consumer := business("Piet Jansen")
	consumer.Kind = Consumer
	fe := validateOrgInput(&consumer)
	if fe["kvk"].IsZero() || fe["vat_id"].IsZero() {
		t.Errorf("a consumer with KvK and VAT: %v", fe)
	}
	long := business(strings.Repeat("x", MaxNameLen+1))
	long.Language, long.BillingAddress = "de", Address{City: "Utrecht"}
	fe = validateOrgInput(&long)
	for _, k := range []string{"legal_name", "language", "billing_address.street", "billing_address.country", "billing_address.postal_code"} {
		if fe[k].IsZero() {
			t.Errorf("no error on %s: %v", k, fe)
		}
	}
}
