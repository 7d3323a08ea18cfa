package sepa

import (
	"strings"
	"testing"
)

func TestValidateIBAN(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string // "" valid, else a substring of the error
	}{
		{"NL91ABNA0417164300", ""},
		{"nl91 abna 0417 1643 00", ""},
		{"NL20INGB0001234567", ""},
		{"NL44RABO0123456789", ""},
		{"DE89370400440532013000", ""},
		{"BE68539007547034", ""},
		{"FR7630006000011234567890189", ""},
		{"GB29NWBK60161331926819", ""},
		{"NL91ABNA0417164301", "check digits"},
		{"NL19ABNA0417164300", "check digits"},
		{"NL91ABNA041716430", "18 characters"},
		{"NL91ABNA04171643000", "18 characters"},
		{"US64SVBKUS6S3300958879", "not from a SEPA country"},
		{"12ABNA0417164300", "country code"},
		{"NLXXABNA0417164300", "check digits after the country code"},
		{"NL91ABNA041716430-", "only letters and digits"},
		{"", "enter an IBAN"},
		{"NL", "too short"},
	} {
		err := ValidateIBAN(NormalizeIBAN(c.in))
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("ValidateIBAN(%q) = %v, want %q", c.in, err, c.want)
		}
	}
}

func TestValidateCreditorID(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
	}{
		{"DE98ZZZ09999999999", ""},  // the Bundesbank's published test identifier
		{"NL79ZZZ999999990000", ""}, // NL: ZZZ + KvK 99999999 + 0000
		{"nl79 zzz 9999 9999 0000", ""},
		{"NL79ABC999999990000", ""}, // the business code is not part of the check
		{"NL69ZZZ123456780000", ""},
		{"NL78ZZZ999999990000", "wrong check digits"},
		{"DE99ZZZ09999999999", "wrong check digits"},
		{"NL79ZZZ99999999000", "19 characters"},
		{"US12ZZZ123456", "SEPA country"},
		{"NLXXZZZ999999990000", "two check digits"},
		{"NL79ZZZ9999-9990000", "only letters and digits"},
		{"NL79", "8 to 35"},
	} {
		err := ValidateCreditorID(NormalizeCreditorID(c.in))
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("ValidateCreditorID(%q) = %v, want %q", c.in, err, c.want)
		}
	}
}

func TestValidateBIC(t *testing.T) {
	for in, ok := range map[string]bool{"INGBNL2A": true, "RABONL2U": true, "ABNANL2AXXX": true, "DEUTDEFF500": true,
		"INGB": false, "INGBNL2": false, "1NGBNL2A": false, "INGBNL2A-XX": false, "ingbnl2a": false} {
		if err := ValidateBIC(in); (err == nil) != ok {
			t.Errorf("ValidateBIC(%q) = %v", in, err)
		}
	}
}
