package accounts

import (
	"strings"
	"testing"
	"time"
)

func TestAPITokens(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		org, cust := e.customer(admin, business("Acme"))

		_, _, err := e.s.CreateAPIToken(e.ctx, cust, "", nil, -1)
		wantFields(t, err, "name", "scopes", "expires_in_days")
		_, _, err = e.s.CreateAPIToken(e.ctx, cust, "ci", []Scope{"admin"}, 0)
		wantFields(t, err, "scopes")

		rtok, rplain, err := e.s.CreateAPIToken(e.ctx, cust, "monitoring", []Scope{ScopeRead}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(rplain, "hp_") || rtok.Prefix != rplain[:9] || rtok.OrgID != org.ID || rtok.ExpiresAt != nil {
			t.Fatalf("token %+v %q", rtok, rplain)
		}
		var n int
		e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1`, rplain).Scan(&n)
		if n != 0 {
			t.Fatal("the token is stored in plain text")
		}
		if a := e.lastAudit(); a.Action != "api_token.create" || strings.Contains(a.Summary, rplain) || a.OrgID != org.ID {
			t.Fatalf("audit %+v", a)
		}

		rp, err := e.s.AuthenticateToken(e.ctx, rplain, homeIP)
		if err != nil {
			t.Fatal(err)
		}
		if rp.CanWrite() || rp.Session != nil || rp.Org.ID != org.ID {
			t.Fatalf("read principal %+v", rp)
		}
		if _, err := e.s.GetOrganisation(e.ctx, rp, org.ID); err != nil {
			t.Fatal(err)
		}
		// A read token writes nothing.
		before := e.snapshot()
		_, err = e.s.UpdateOrganisation(e.ctx, rp, org.ID, OrganisationInput{Phone: "+31 30 000 0000"})
		wantErr(t, err, ErrForbidden)
		wantErr(t, e.s.SetIPAllowlist(e.ctx, rp, org.ID, []string{homeIP}, homeIP), ErrForbidden)
		_, err = e.s.CreateUser(e.ctx, rp, UserInput{OrgID: org.ID, Email: "x@acme.nl", Name: "X"})
		wantErr(t, err, ErrForbidden)
		wantErr(t, e.s.RevokeAPIToken(e.ctx, rp, rtok.ID), ErrForbidden)
		// Nor does any token manage credentials.
		_, _, err = e.s.CreateAPIToken(e.ctx, rp, "more", []Scope{ScopeRead}, 0)
		wantErr(t, err, ErrForbidden)
		e.sameAs(before)

		wtok, wplain, err := e.s.CreateAPIToken(e.ctx, cust, "deploy", []Scope{ScopeWrite}, 30)
		if err != nil {
			t.Fatal(err)
		}
		if len(wtok.Scopes) != 2 || wtok.ExpiresAt == nil || !wtok.ExpiresAt.Equal(t0.AddDate(0, 0, 30)) {
			t.Fatalf("write token %+v", wtok)
		}
		wp, err := e.s.AuthenticateToken(e.ctx, wplain, homeIP)
		if err != nil || !wp.CanWrite() {
			t.Fatalf("write principal %+v %v", wp, err)
		}
		edit := orgInput(org)
		edit.Phone = "+31 30 000 0000"
		if _, err := e.s.UpdateOrganisation(e.ctx, wp, org.ID, edit); err != nil {
			t.Fatal(err)
		}
		_, _, err = e.s.CreateAPIToken(e.ctx, wp, "more", []Scope{ScopeRead}, 0)
		wantErr(t, err, ErrForbidden)

		// last_used_at is written at most once a minute.
		var used1, used2 time.Time
		e.db.QueryRowContext(e.ctx, `SELECT last_used_at FROM api_tokens WHERE id = $1`, wtok.ID).Scan(&used1)
		e.clk.Advance(30 * time.Second)
		e.s.AuthenticateToken(e.ctx, wplain, homeIP)
		e.db.QueryRowContext(e.ctx, `SELECT last_used_at FROM api_tokens WHERE id = $1`, wtok.ID).Scan(&used2)
		if !used1.Equal(t0) || !used2.Equal(t0) {
			t.Fatalf("last used %v, %v", used1, used2)
		}
		e.clk.Advance(31 * time.Second)
		p, _ := e.s.AuthenticateToken(e.ctx, wplain, homeIP)
		if !p.Token.LastUsedAt.Equal(e.clk.Now()) {
			t.Fatalf("last used %v", p.Token.LastUsedAt)
		}

		// Expired and revoked tokens are refused.
		e.clk.Advance(31 * 24 * time.Hour)
		_, err = e.s.AuthenticateToken(e.ctx, wplain, homeIP)
		wantErr(t, err, ErrTokenInvalid)
		cust = e.signIn(cust.User)
		if err := e.s.RevokeAPIToken(e.ctx, cust, rtok.ID); err != nil {
			t.Fatal(err)
		}
		_, err = e.s.AuthenticateToken(e.ctx, rplain, homeIP)
		wantErr(t, err, ErrTokenInvalid)
		_, err = e.s.AuthenticateToken(e.ctx, "hp_forged", homeIP)
		wantErr(t, err, ErrTokenInvalid)
		_, err = e.s.AuthenticateToken(e.ctx, "", homeIP)
		wantErr(t, err, ErrTokenInvalid)

		// Token sign-ins respect the organisation's allowlist and disabled users.
		_, plain3, _ := e.s.CreateAPIToken(e.ctx, cust, "third", []Scope{ScopeRead}, 0)
		if err := e.s.SetIPAllowlist(e.ctx, cust, org.ID, []string{homeIP}, homeIP); err != nil {
			t.Fatal(err)
		}
		_, err = e.s.AuthenticateToken(e.ctx, plain3, "203.0.113.1")
		wantErr(t, err, ErrIPNotAllowed)
		if err := e.s.SetOrganisationDisabled(e.ctx, admin, org.ID, true); err != nil {
			t.Fatal(err)
		}
		_, err = e.s.AuthenticateToken(e.ctx, plain3, homeIP)
		wantErr(t, err, ErrDisabled)
	})
}

func TestTokenPermissions(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		org, cust := e.customer(admin, business("Acme"))
		reader := e.subUser(cust, org.ID, "reader@acme.nl", PermReadOnly)
		tech := e.subUser(cust, org.ID, "tech@acme.nl", PermTechnical)

		_, _, err := e.s.CreateAPIToken(e.ctx, reader, "w", []Scope{ScopeWrite}, 0)
		wantErr(t, err, ErrForbidden)
		rtok, _, err := e.s.CreateAPIToken(e.ctx, reader, "r", []Scope{ScopeRead}, 0)
		if err != nil {
			t.Fatal(err)
		}
		ttok, _, err := e.s.CreateAPIToken(e.ctx, tech, "w", []Scope{ScopeWrite}, 0)
		if err != nil {
			t.Fatal(err)
		}
		// Each sub-user sees its own tokens; the admin user sees the organisation's.
		if l, _ := e.s.ListAPITokens(e.ctx, reader); len(l) != 1 || l[0].ID != rtok.ID {
			t.Fatalf("reader's list %+v", l)
		}
		if l, _ := e.s.ListAPITokens(e.ctx, cust); len(l) != 2 {
			t.Fatalf("admin's list %+v", l)
		}
		// A sub-user cannot revoke another's token; the admin user can.
		wantErr(t, e.s.RevokeAPIToken(e.ctx, reader, ttok.ID), ErrNotFound)
		if err := e.s.RevokeAPIToken(e.ctx, cust, ttok.ID); err != nil {
			t.Fatal(err)
		}
		// Staff with the security role may revoke any token (a reported misuse).
		sales := e.staff("sales@provider.test", RoleSales)
		wantErr(t, e.s.RevokeAPIToken(e.ctx, sales, rtok.ID), ErrForbidden)
		sec := e.staff("sec@provider.test", RoleSecurity)
		if err := e.s.RevokeAPIToken(e.ctx, sec, rtok.ID); err != nil {
			t.Fatal(err)
		}
		if a := e.lastAudit(); a.Action != "api_token.revoke" || a.OrgID != org.ID || a.Actor.Kind != "staff" {
			t.Fatalf("audit %+v", a)
		}
	})
}

// Finding 10 of issue 8: disabling a user stops its API tokens at once and for good: they
// are refused while the user is disabled and revoked, so enabling the user again does
// not bring back a token that may have leaked with the person who left.
func TestDisabledUsersTokensStopWorking(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		staff := e.staff("support@provider.test", RoleSupport)
		org, admin := e.customer(staff, business("Acme"))
		dev := e.subUser(admin, org.ID, "dev@acme.nl", PermTechnical)
		_, plain, err := e.s.CreateAPIToken(e.ctx, dev, "deploy", []Scope{ScopeRead, ScopeWrite}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.AuthenticateToken(e.ctx, plain, homeIP); err != nil {
			t.Fatal(err)
		}
		if err := e.s.SetUserDisabled(e.ctx, admin, dev.User.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.AuthenticateToken(e.ctx, plain, homeIP); err == nil {
			t.Fatal("a disabled user's token still works")
		}
		if a := e.lastAudit(); !strings.Contains(a.Summary, "1 API tokens revoked") {
			t.Errorf("audit %q does not count the revoked tokens", a.Summary)
		}
		if err := e.s.SetUserDisabled(e.ctx, admin, dev.User.ID, false); err != nil {
			t.Fatal(err)
		}
		_, err = e.s.AuthenticateToken(e.ctx, plain, homeIP)
		wantErr(t, err, ErrTokenInvalid)
	})
}

// Finding 10 of issue 8: "log out everywhere" can also revoke every API token of the user.
func TestLogoutEverywhereCanRevokeTokens(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		staff := e.staff("support@provider.test", RoleSupport)
		_, admin := e.customer(staff, business("Acme"))
		_, keep, err := e.s.CreateAPIToken(e.ctx, admin, "keep", []Scope{ScopeRead}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.s.LogoutEverywhere(e.ctx, admin, false); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.AuthenticateToken(e.ctx, keep, homeIP); err != nil {
			t.Fatalf("sessions only: the token stopped: %v", err)
		}
		_, err = e.s.Authenticate(e.ctx, admin.Session.Token, homeIP)
		wantErr(t, err, ErrSessionExpired)

		admin = e.signIn(admin.User)
		if err := e.s.LogoutEverywhere(e.ctx, admin, true); err != nil {
			t.Fatal(err)
		}
		_, err = e.s.AuthenticateToken(e.ctx, keep, homeIP)
		wantErr(t, err, ErrTokenInvalid)
		if a := e.lastAudit(); !strings.Contains(a.Summary, "1 API tokens revoked") {
			t.Errorf("audit %q", a.Summary)
		}
		// A token cannot end its owner's sessions or tokens.
		p, err := e.s.AuthenticateToken(e.ctx, mustToken(t, e, e.signIn(admin.User)), homeIP)
		if err != nil {
			t.Fatal(err)
		}
		wantErr(t, e.s.LogoutEverywhere(e.ctx, p, true), ErrForbidden)
	})
}

func mustToken(t *testing.T, e *env, p Principal) string {
	t.Helper()
	_, plain, err := e.s.CreateAPIToken(e.ctx, p, "t", []Scope{ScopeRead, ScopeWrite}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return plain
}
