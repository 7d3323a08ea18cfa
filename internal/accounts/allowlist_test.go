package accounts

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// Finding 4 of issue 8: from an address outside the organisation's allowlist the answer
// is the same whether the password was right or wrong, so the refusal is no oracle for
// guessing the password from elsewhere (cp.security.access.3).
func TestAllowlistRefusalDoesNotRevealThePassword(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		org, cust := e.customer(admin, business("Acme"))
		if err := e.s.SetIPAllowlist(e.ctx, cust, org.ID, []string{"198.51.100.0/24"}, "198.51.100.1"); err != nil {
			t.Fatal(err)
		}
		const outside = "203.0.113.5"
		var answers []error
		var reasons []string
		for _, pw := range []string{goodPW, "Verkeerd#Wachtw00rd", ""} {
			_, err := e.login("admin@acme.nl", pw, outside)
			wantErr(t, err, ErrIPNotAllowed)
			answers = append(answers, err)
			reasons = append(reasons, e.lastAudit().Summary)
		}
		for i := range answers {
			if answers[i].Error() != answers[0].Error() || reasons[i] != reasons[0] {
				t.Fatalf("answers differ by password: %v / %q", answers, reasons)
			}
		}
		if strings.Contains(reasons[0], "password") {
			t.Fatalf("the audit entry of a refused address speaks of the password: %q", reasons[0])
		}
		// Every refusal counts towards the throttle, so the allowlist is no free way
		// to test passwords either.
		var throttled bool
		for range 30 {
			_, err := e.login("admin@acme.nl", goodPW, outside)
			var te *ThrottledError
			if errors.As(err, &te) {
				throttled = true
				break
			}
			wantErr(t, err, ErrIPNotAllowed)
		}
		if !throttled {
			t.Fatal("refusals from outside the allowlist are not throttled")
		}
		// Inside the list the password decides as before.
		e.clk.Advance(24 * time.Hour)
		_, err := e.login("admin@acme.nl", "Verkeerd#Wachtw00rd", "198.51.100.7")
		wantErr(t, err, ErrInvalidCredentials)
	})
}
