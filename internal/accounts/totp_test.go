package accounts

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTOTPFlow(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		org, cust := e.customer(admin, business("Acme"))

		enr, err := e.s.BeginTOTP(e.ctx, cust)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(enr.URL, "otpauth://totp/Cloud%20Provider:admin@acme.nl?") || len(enr.Secret) < 32 {
			t.Fatalf("enrolment %+v", enr)
		}
		// Pending until confirmed: signing in still needs only the password.
		if s, err := e.login("admin@acme.nl", goodPW, homeIP); err != nil || s.MFAPending {
			t.Fatalf("before confirming: %+v %v", s, err)
		}
		_, err = e.s.ConfirmTOTP(e.ctx, cust, "000000")
		wantErr(t, err, ErrInvalidCode)
		codes, err := e.s.ConfirmTOTP(e.ctx, cust, code(t, enr.Secret, e.clk.Now()))
		if err != nil {
			t.Fatal(err)
		}
		if len(codes) != 10 || len(codes[0]) != 19 {
			t.Fatalf("recovery codes %v", codes)
		}
		var n int
		e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM recovery_codes WHERE code_hash = $1`, codes[0]).Scan(&n)
		if n != 0 {
			t.Fatal("a recovery code is stored in plain text")
		}

		sess, err := e.login("admin@acme.nl", goodPW, homeIP)
		if err != nil || !sess.MFAPending {
			t.Fatalf("with TOTP: %+v %v", sess, err)
		}
		// A pending session is no principal for anything but the MFA step.
		p, err := e.s.Authenticate(e.ctx, sess.Token, homeIP)
		if err != nil || !p.Session.MFAPending {
			t.Fatalf("pending principal %+v %v", p, err)
		}
		_, err = e.s.GetOrganisation(e.ctx, p, org.ID)
		wantErr(t, err, ErrForbidden)
		_, err = e.s.BeginTOTP(e.ctx, p)
		wantErr(t, err, ErrForbidden)

		// The code used to confirm is spent: replay within its window is refused.
		_, err = e.s.CompleteMFA(e.ctx, sess.Token, code(t, enr.Secret, e.clk.Now()), homeIP, "test")
		wantErr(t, err, ErrInvalidCode)
		e.clk.Advance(30 * time.Second)
		c := code(t, enr.Secret, e.clk.Now())
		full, err := e.s.CompleteMFA(e.ctx, sess.Token, c, homeIP, "test")
		if err != nil {
			t.Fatal(err)
		}
		if full.Token == sess.Token || full.MFAPending {
			t.Fatalf("not rotated: %+v", full)
		}
		_, err = e.s.Authenticate(e.ctx, sess.Token, homeIP)
		wantErr(t, err, ErrSessionExpired)
		if _, err := e.s.Authenticate(e.ctx, full.Token, homeIP); err != nil {
			t.Fatal(err)
		}
		if a := e.lastAudit(); a.Action != "login.success" || !strings.Contains(a.Summary, "TOTP") {
			t.Fatalf("audit %+v", a)
		}

		// The same code in a second sign-in, still inside its 30 seconds: refused.
		sess2, _ := e.login("admin@acme.nl", goodPW, homeIP)
		_, err = e.s.CompleteMFA(e.ctx, sess2.Token, c, homeIP, "test")
		wantErr(t, err, ErrInvalidCode)
		// A code from a step before the last accepted one: refused as well.
		_, err = e.s.CompleteMFA(e.ctx, sess2.Token, code(t, enr.Secret, e.clk.Now().Add(-30*time.Second)), homeIP, "test")
		wantErr(t, err, ErrInvalidCode)
		// Skew of one step either way for drifting phones.
		e.clk.Advance(2 * time.Minute)
		if _, err := e.s.CompleteMFA(e.ctx, sess2.Token, code(t, enr.Secret, e.clk.Now().Add(30*time.Second)), homeIP, "test"); err != nil {
			t.Fatalf("next step's code: %v", err)
		}

		// A recovery code works once, written any way.
		sess3, _ := e.login("admin@acme.nl", goodPW, homeIP)
		if _, err := e.s.CompleteMFA(e.ctx, sess3.Token, strings.ToLower(strings.ReplaceAll(codes[3], "-", " ")), homeIP, "test"); err != nil {
			t.Fatal(err)
		}
		if a := e.lastAudit(); !strings.Contains(a.Summary, "recovery code (9 left)") {
			t.Fatalf("audit %+v", a)
		}
		sess4, _ := e.login("admin@acme.nl", goodPW, homeIP)
		_, err = e.s.CompleteMFA(e.ctx, sess4.Token, codes[3], homeIP, "test")
		wantErr(t, err, ErrInvalidCode)

		// Disabling needs a valid code; then sign-in is password only again.
		p4, _ := e.s.Authenticate(e.ctx, full.Token, homeIP)
		wantErr(t, e.s.DisableTOTP(e.ctx, p4, "123456"), ErrInvalidCode)
		if err := e.s.DisableTOTP(e.ctx, p4, codes[5]); err != nil {
			t.Fatal(err)
		}
		if s, err := e.login("admin@acme.nl", goodPW, homeIP); err != nil || s.MFAPending {
			t.Fatalf("after disabling: %+v %v", s, err)
		}
		acts := e.auditActions(org.ID)
		for _, want := range []string{"user.mfa_enrol", "user.mfa_enable", "user.mfa_disable"} {
			if !slices.Contains(acts, want) {
				t.Errorf("no %s in %v", want, acts)
			}
		}
	})
}

func TestMFACodesAreThrottled(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		_, cust := e.customer(admin, business("Acme"))
		enr, _ := e.s.BeginTOTP(e.ctx, cust)
		if _, err := e.s.ConfirmTOTP(e.ctx, cust, code(t, enr.Secret, e.clk.Now())); err != nil {
			t.Fatal(err)
		}
		e.clk.Advance(time.Minute)
		sess, _ := e.login("admin@acme.nl", goodPW, homeIP)
		for range 5 {
			_, err := e.s.CompleteMFA(e.ctx, sess.Token, "000000", homeIP, "test")
			wantErr(t, err, ErrInvalidCode)
		}
		_, err := e.s.CompleteMFA(e.ctx, sess.Token, code(t, enr.Secret, e.clk.Now()), homeIP, "test")
		e.clk.Advance(wantThrottled(t, err))
		if _, err := e.s.CompleteMFA(e.ctx, sess.Token, code(t, enr.Secret, e.clk.Now()), homeIP, "test"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestStaffEnrolmentRotatesSession(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		if _, err := e.s.CreateUser(e.ctx, admin, UserInput{Email: "sam@provider.test", Name: "Sam", Password: goodPW, Roles: []Role{RoleSales}}); err != nil {
			t.Fatal(err)
		}
		sess, _ := e.login("sam@provider.test", goodPW, homeIP)
		p, _ := e.s.Authenticate(e.ctx, sess.Token, homeIP)
		enr, err := e.s.BeginTOTP(e.ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		codes, rotated, err := e.s.ConfirmTOTPAndRotate(e.ctx, p, code(t, enr.Secret, e.clk.Now()))
		if err != nil {
			t.Fatal(err)
		}
		if len(codes) != 10 || rotated == nil || rotated.Token == sess.Token || rotated.MFAEnrolRequired {
			t.Fatalf("rotated %+v", rotated)
		}
		_, err = e.s.Authenticate(e.ctx, sess.Token, homeIP)
		wantErr(t, err, ErrSessionExpired)
		full, err := e.s.Authenticate(e.ctx, rotated.Token, homeIP)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.s.ListOrganisations(e.ctx, full, OrgFilter{}); err != nil {
			t.Fatal(err)
		}
		// Staff keep their MFA.
		e.clk.Advance(time.Minute)
		wantErr(t, e.s.DisableTOTP(e.ctx, full, code(t, enr.Secret, e.clk.Now())), ErrForbidden)
		// Next sign-in asks for the code.
		s2, _ := e.login("sam@provider.test", goodPW, homeIP)
		if !s2.MFAPending || s2.MFAEnrolRequired {
			t.Fatalf("second sign-in %+v", s2)
		}

		// ConfirmTOTP (without rotation) ends an enrolment session: sign in again.
		if _, err := e.s.CreateUser(e.ctx, admin, UserInput{Email: "bo@provider.test", Name: "Bo", Password: goodPW, Roles: []Role{RoleBilling}}); err != nil {
			t.Fatal(err)
		}
		sb, _ := e.login("bo@provider.test", goodPW, homeIP)
		pb, _ := e.s.Authenticate(e.ctx, sb.Token, homeIP)
		enrB, _ := e.s.BeginTOTP(e.ctx, pb)
		if _, err := e.s.ConfirmTOTP(e.ctx, pb, code(t, enrB.Secret, e.clk.Now())); err != nil {
			t.Fatal(err)
		}
		_, err = e.s.Authenticate(e.ctx, sb.Token, homeIP)
		wantErr(t, err, ErrSessionExpired)

		// A lost phone: an admin resets another staff member's MFA; enrolment again.
		bo, _ := e.s.FindUserByEmail(e.ctx, "bo@provider.test")
		admin.Session.MFAEnrolRequired = false
		if err := e.s.ResetUserMFA(e.ctx, admin, bo.ID); err != nil {
			t.Fatal(err)
		}
		if s, _ := e.login("bo@provider.test", goodPW, homeIP); !s.MFAEnrolRequired {
			t.Fatalf("after reset: %+v", s)
		}
	})
}

func TestDemoSecret(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
		wantFields(t, e.s.SetTOTPSecretForDemo(e.ctx, admin.User.ID, "not base32!"), "secret")
		if err := e.s.SetTOTPSecretForDemo(e.ctx, admin.User.ID, secret); err != nil {
			t.Fatal(err)
		}
		sess, _ := e.login("admin@provider.test", goodPW, homeIP)
		if !sess.MFAPending {
			t.Fatal("demo secret not active")
		}
		if _, err := e.s.CompleteMFA(e.ctx, sess.Token, code(t, secret, e.clk.Now()), homeIP, "test"); err != nil {
			t.Fatal(err)
		}
	})
}

// Security finding 11: a TOTP secret, pending or active, is nowhere in the database in
// plain text; signing in with a code still works; a copy of the database under another
// key file cannot check codes and says why.
func TestTOTPSecretSealedAtRest(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		_, cust := e.customer(admin, business("Acme"))
		enr, err := e.s.BeginTOTP(e.ctx, cust)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(storetest.Dump(t, e.db), enr.Secret) {
			t.Fatal("the pending TOTP secret is readable in the database")
		}
		if _, err := e.s.ConfirmTOTP(e.ctx, cust, code(t, enr.Secret, e.clk.Now())); err != nil {
			t.Fatal(err)
		}
		if dump := storetest.Dump(t, e.db); strings.Contains(dump, enr.Secret) || !strings.Contains(dump, "sealed:v1:"+e.s.keys.ID()) {
			t.Fatal("the TOTP secret is readable in the database")
		}
		e.clk.Advance(time.Minute)
		sess, err := e.login("admin@acme.nl", goodPW, homeIP)
		if err != nil || !sess.MFAPending {
			t.Fatalf("login: %+v %v", sess, err)
		}
		if _, err := e.s.CompleteMFA(e.ctx, sess.Token, code(t, enr.Secret, e.clk.Now()), homeIP, "test"); err != nil {
			t.Fatalf("TOTP sign-in: %v", err)
		}

		copyWithOtherKey := New(e.db, e.clk, Config{BaseURL: "https://portal.example/", Argon2: lightArgon, Keys: secrets.Ephemeral()})
		e.clk.Advance(time.Minute)
		sess, err = copyWithOtherKey.Login(e.ctx, LoginRequest{Email: "admin@acme.nl", Password: goodPW, IP: homeIP})
		if err != nil {
			t.Fatal(err)
		}
		_, err = copyWithOtherKey.CompleteMFA(e.ctx, sess.Token, code(t, enr.Secret, e.clk.Now()), homeIP, "test")
		var ke *secrets.KeyError
		if !errors.As(err, &ke) || ke.Want != e.s.keys.ID() || !strings.Contains(err.Error(), "HOSTPACT_SECRET_KEY_FILE") {
			t.Fatalf("code checked under another key: %v", err)
		}
		if ids, err := TOTPKeyIDs(e.ctx, e.db); err != nil || !slices.Equal(ids, []string{e.s.keys.ID()}) {
			t.Fatalf("TOTP key ids %v, %v", ids, err)
		}
	})
}

// TOTP secrets stored in plain text before they were sealed are sealed at start, once;
// their owners sign in as before.
func TestSealTOTPSecrets(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		_, cust := e.customer(admin, business("Acme"))
		const legacy = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
		if _, err := e.db.ExecContext(e.ctx, `INSERT INTO user_totp (user_id, secret, pending_secret, enabled_at) VALUES ($1, $2, $2, $3)`,
			cust.User.ID, legacy, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		sess, err := e.login("admin@acme.nl", goodPW, homeIP)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.CompleteMFA(e.ctx, sess.Token, code(t, legacy, e.clk.Now()), homeIP, "test"); err == nil || !strings.Contains(err.Error(), "unsealed") {
			t.Fatalf("an unsealed secret was used: %v", err)
		}
		for _, want := range []int{1, 0} {
			n, err := SealTOTPSecrets(e.ctx, e.db, e.s.keys, e.clk.Now())
			if err != nil || n != want {
				t.Fatalf("SealTOTPSecrets = %d, %v", n, err)
			}
		}
		if strings.Contains(storetest.Dump(t, e.db), legacy) {
			t.Fatal("the secret is still readable")
		}
		if a := e.lastAudit(); a.Action != "user.mfa_seal" || !strings.Contains(a.Summary, "1 users") {
			t.Fatalf("audit %+v", a)
		}
		e.clk.Advance(time.Minute)
		sess, err = e.login("admin@acme.nl", goodPW, homeIP)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.CompleteMFA(e.ctx, sess.Token, code(t, legacy, e.clk.Now()), homeIP, "test"); err != nil {
			t.Fatalf("sign-in after sealing: %v", err)
		}
	})
}
