package accounts

import (
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/store/storetest"
)

func TestPasswordReset(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		org, cust := e.customer(admin, business("Acme"))

		if err := e.s.RequestPasswordReset(e.ctx, "Admin@Acme.nl", homeIP); err != nil {
			t.Fatal(err)
		}
		if m := e.mails(org.ID)[0]; m.Text != "[versleuteld tot verzending: bevat een eenmalige link]" {
			t.Fatalf("outbox shows %q", m.Text)
		}
		m := e.delivered()[0]
		if m.To != "admin@acme.nl" || m.Lang != "nl" || !strings.Contains(m.Subject, "Nieuw wachtwoord") ||
			!strings.Contains(m.Text, "https://portal.example/reset?token=") || !strings.Contains(m.Text, "1 uur geldig") {
			t.Fatalf("mail %+v", m)
		}
		token := e.lastLink("admin@acme.nl")
		var n int
		e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM password_reset_tokens WHERE token_hash = $1`, token).Scan(&n)
		if n != 0 {
			t.Fatal("the reset token is stored in plain text")
		}
		if a := e.lastAudit(); a.Action != "user.password_reset_request" || a.Actor.Kind != "public" || strings.Contains(a.Summary, token) {
			t.Fatalf("audit %+v", a)
		}

		// A weak password is refused and the token stays usable.
		wantFields(t, e.s.ResetPassword(e.ctx, token, "weak"), "password")
		if err := e.s.ResetPassword(e.ctx, token, otherPW); err != nil {
			t.Fatal(err)
		}
		// Single use; all sessions ended; the new password works, the old does not.
		wantErr(t, e.s.ResetPassword(e.ctx, token, "Nog-een-W8woord"), ErrTokenInvalid)
		_, err := e.s.Authenticate(e.ctx, cust.Session.Token, homeIP)
		wantErr(t, err, ErrSessionExpired)
		_, err = e.login("admin@acme.nl", goodPW, homeIP)
		wantErr(t, err, ErrInvalidCredentials)
		if _, err := e.login("admin@acme.nl", otherPW, homeIP); err != nil {
			t.Fatal(err)
		}
		if m := e.mails(org.ID)[0]; !strings.Contains(m.Subject, "is gewijzigd") || strings.Contains(m.Text, otherPW) {
			t.Fatalf("notice %+v", m)
		}
		for _, m := range e.mails(0) {
			if strings.Contains(m.Text, otherPW) || strings.Contains(m.Text, goodPW) {
				t.Fatal("a password went out by mail")
			}
		}

		// A newer link replaces the older one; links expire.
		e.clk.Advance(time.Hour)
		e.s.RequestPasswordReset(e.ctx, "admin@acme.nl", homeIP)
		first := e.lastLink("admin@acme.nl")
		e.s.RequestPasswordReset(e.ctx, "admin@acme.nl", homeIP)
		second := e.lastLink("admin@acme.nl")
		wantErr(t, e.s.ResetPassword(e.ctx, first, goodPW), ErrTokenInvalid)
		e.clk.Advance(time.Hour + time.Second)
		wantErr(t, e.s.ResetPassword(e.ctx, second, goodPW), ErrTokenInvalid)
		wantErr(t, e.s.ResetPassword(e.ctx, "", goodPW), ErrTokenInvalid)
		wantErr(t, e.s.ResetPassword(e.ctx, "forged", goodPW), ErrTokenInvalid)
	})
}

func TestPasswordResetRevealsNothingAndIsLimited(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		org, _ := e.customer(admin, business("Acme"))
		before := len(e.mails(0))
		for _, addr := range []string{"nobody@acme.nl", "not an address", ""} {
			if err := e.s.RequestPasswordReset(e.ctx, addr, homeIP); err != nil {
				t.Fatal(err)
			}
		}
		if len(e.mails(0)) != before {
			t.Fatal("mail sent for an unknown address")
		}
		// Three per address per hour; more are dropped without a word.
		for range 5 {
			if err := e.s.RequestPasswordReset(e.ctx, "admin@acme.nl", "198.51.100.1"); err != nil {
				t.Fatal(err)
			}
		}
		if got := len(e.mails(org.ID)); got != 3 {
			t.Fatalf("%d reset mails, want 3", got)
		}
		e.clk.Advance(time.Hour + time.Second)
		e.s.RequestPasswordReset(e.ctx, "admin@acme.nl", "198.51.100.1")
		if got := len(e.mails(org.ID)); got != 4 {
			t.Fatalf("%d reset mails after an hour, want 4", got)
		}
		// A disabled user gets no link.
		if err := e.s.SetOrganisationDisabled(e.ctx, admin, org.ID, true); err != nil {
			t.Fatal(err)
		}
		e.clk.Advance(2 * time.Hour)
		e.s.RequestPasswordReset(e.ctx, "admin@acme.nl", homeIP)
		if got := len(e.mails(org.ID)); got != 4 {
			t.Fatalf("mail to a disabled organisation: %d", got)
		}
	})
}

func TestInvitationAndChangePassword(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		in := business("Acme")
		org, err := e.s.CreateOrganisation(e.ctx, admin, in, &UserInput{Email: "boss@acme.nl", Name: "Boss", Language: "en"})
		if err != nil {
			t.Fatal(err)
		}
		m := e.delivered()[0]
		if m.Lang != "en" || !strings.Contains(m.Subject, "Your Cloud Provider account") || !strings.Contains(m.Text, "valid for 7 days") {
			t.Fatalf("invitation %+v", m)
		}
		// No password yet: no way in with any password.
		_, err = e.login("boss@acme.nl", "", homeIP)
		wantErr(t, err, ErrInvalidCredentials)
		if err := e.s.ResetPassword(e.ctx, e.lastLink("boss@acme.nl"), goodPW); err != nil {
			t.Fatal(err)
		}
		if len(e.mails(org.ID)) != 1 {
			t.Fatal("a first password needs no change notice")
		}
		s1, err := e.login("boss@acme.nl", goodPW, homeIP)
		if err != nil {
			t.Fatal(err)
		}
		s2, _ := e.login("boss@acme.nl", goodPW, "198.51.100.1")
		p, _ := e.s.Authenticate(e.ctx, s1.Token, homeIP)

		wantFields(t, e.s.ChangePassword(e.ctx, p, "wrong", otherPW), "current_password")
		wantFields(t, e.s.ChangePassword(e.ctx, p, goodPW, "short"), "password")
		wantFields(t, e.s.ChangePassword(e.ctx, p, goodPW, goodPW), "password")
		if err := e.s.ChangePassword(e.ctx, p, goodPW, otherPW); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.Authenticate(e.ctx, s1.Token, homeIP); err != nil {
			t.Fatalf("this session must survive: %v", err)
		}
		_, err = e.s.Authenticate(e.ctx, s2.Token, "198.51.100.1")
		wantErr(t, err, ErrSessionExpired)
		if m := e.mails(org.ID)[0]; !strings.Contains(m.Subject, "was changed") {
			t.Fatalf("notice %+v", m)
		}
		// Guessing the current password through a borrowed session is throttled.
		for range 5 {
			e.s.ChangePassword(e.ctx, p, "guess", "Sterker-W8woord")
		}
		wantThrottled(t, e.s.ChangePassword(e.ctx, p, "guess", "Sterker-W8woord"))

		// From the command line.
		wantFields(t, e.s.AdminResetPassword(e.ctx, "boss@acme.nl", "weak"), "password")
		wantErr(t, e.s.AdminResetPassword(e.ctx, "ghost@acme.nl", goodPW), ErrNotFound)
		if err := e.s.AdminResetPassword(e.ctx, "boss@acme.nl", goodPW); err != nil {
			t.Fatal(err)
		}
		if a := e.lastAudit(); a.Action != "user.password_set" || a.Actor.Kind != "system" || a.Actor.Label != "cli" || strings.Contains(a.Summary, goodPW) {
			t.Fatalf("audit %+v", a)
		}
		_, err = e.s.Authenticate(e.ctx, s1.Token, homeIP)
		wantErr(t, err, ErrSessionExpired)
	})
}

// Security finding 1: after a password reset and an invitation are requested, the
// one-time tokens their mails carry are nowhere in the database — not before the mail is
// sent, not after — while the mail as delivered holds a link that works.
func TestNoUsableLinkInTheDatabase(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		org, _ := e.customer(admin, business("Acme"))
		if err := e.s.RequestPasswordReset(e.ctx, "admin@acme.nl", homeIP); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.CreateUser(e.ctx, admin, UserInput{OrgID: org.ID, Email: "nieuw@acme.nl", Name: "Nieuw", Language: "en"}); err != nil {
			t.Fatal(err)
		}
		before := storetest.Dump(t, e.db)
		reset, invite := e.lastLink("admin@acme.nl"), e.lastLink("nieuw@acme.nl")
		after := storetest.Dump(t, e.db)
		for _, token := range []string{reset, invite} {
			if len(token) < 20 {
				t.Fatalf("token %q", token)
			}
			for name, dump := range map[string]string{"before sending": before, "after sending": after} {
				if strings.Contains(dump, token) {
					t.Fatalf("token found in the database %s", name)
				}
			}
		}
		if !strings.Contains(after, "[redacted after sending: contained a one-time link]") || !strings.Contains(after, "[verwijderd na verzending") {
			t.Fatal("the sent mails are not redacted in both languages")
		}
		for _, token := range []string{reset, invite} {
			if err := e.s.ResetPassword(e.ctx, token, otherPW); err != nil {
				t.Fatalf("the delivered link does not work: %v", err)
			}
		}
	})
}
