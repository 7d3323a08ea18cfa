package accounts

import (
	"errors"
	"testing"
	"time"
)

func TestLoginAndSession(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		org, _ := e.customer(admin, business("Acme"))

		sess, err := e.login(" ADMIN@acme.nl", goodPW, homeIP)
		if err != nil {
			t.Fatal(err)
		}
		if sess.MFAPending || sess.MFAEnrolRequired || len(sess.Token) != 43 {
			t.Fatalf("session %+v", sess)
		}
		var stored string
		if err := e.db.QueryRowContext(e.ctx, `SELECT token_hash FROM sessions WHERE id = $1`, sess.ID).Scan(&stored); err != nil || stored != hashToken(sess.Token) {
			t.Fatalf("stored %q, err %v: only the hash may be stored", stored, err)
		}
		p, err := e.s.Authenticate(e.ctx, sess.Token, homeIP)
		if err != nil {
			t.Fatal(err)
		}
		if p.User.Email != "admin@acme.nl" || p.Org == nil || p.Org.ID != org.ID || !p.User.OrgAdmin || p.User.LastLoginAt == nil {
			t.Fatalf("principal %+v", p)
		}
		if a := e.lastAudit(); a.Action != "login.success" || a.Actor.Kind != "customer" || a.Actor.IP != homeIP || a.OrgID != org.ID {
			t.Fatalf("audit %+v", a)
		}

		_, err = e.login("admin@acme.nl", otherPW, homeIP)
		wantErr(t, err, ErrInvalidCredentials)
		if a := e.lastAudit(); a.Action != "login.failed" || a.Actor.Kind != "public" || a.OrgID != org.ID {
			t.Fatalf("audit %+v", a)
		}
		_, err = e.login("nobody@acme.nl", goodPW, homeIP)
		wantErr(t, err, ErrInvalidCredentials)
		if a := e.lastAudit(); a.Action != "login.failed" || a.Summary != "sign-in refused: unknown e-mail address" {
			t.Fatalf("audit %+v", a)
		}

		// Sliding expiry: use keeps the session alive beyond its first TTL …
		for range 5 {
			e.clk.Advance(10 * time.Hour)
			if _, err := e.s.Authenticate(e.ctx, sess.Token, homeIP); err != nil {
				t.Fatalf("after use every 10h: %v", err)
			}
		}
		// … idleness ends it.
		e.clk.Advance(12*time.Hour + time.Second)
		_, err = e.s.Authenticate(e.ctx, sess.Token, homeIP)
		wantErr(t, err, ErrSessionExpired)
		_, err = e.s.Authenticate(e.ctx, "made-up", homeIP)
		wantErr(t, err, ErrSessionExpired)

		// Logout and logout everywhere.
		s1, _ := e.login("admin@acme.nl", goodPW, homeIP)
		s2, _ := e.login("admin@acme.nl", goodPW, homeIP)
		if err := e.s.Logout(e.ctx, s1.Token); err != nil {
			t.Fatal(err)
		}
		_, err = e.s.Authenticate(e.ctx, s1.Token, homeIP)
		wantErr(t, err, ErrSessionExpired)
		p2, err := e.s.Authenticate(e.ctx, s2.Token, homeIP)
		if err != nil {
			t.Fatal(err)
		}
		e.login("admin@acme.nl", goodPW, homeIP)
		if err := e.s.LogoutEverywhere(e.ctx, p2, false); err != nil {
			t.Fatal(err)
		}
		var n int
		e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM sessions WHERE user_id = $1`, p2.User.ID).Scan(&n)
		if n != 0 {
			t.Fatalf("%d sessions left after logout everywhere", n)
		}
		// Housekeeping removes what has expired and nothing else.
		live, _ := e.login("admin@acme.nl", goodPW, homeIP)
		e.clk.Advance(11 * time.Hour)
		// Left: the staff admin's expired session and this live one.
		if n, err := e.s.PruneExpired(e.ctx); err != nil || n != 1 {
			t.Fatalf("pruned %d, %v; want the expired session", n, err)
		}
		if e.count("sessions") != 1 {
			t.Fatalf("%d sessions left", e.count("sessions"))
		}
		if _, err := e.s.Authenticate(e.ctx, live.Token, homeIP); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSessionAbsoluteLimit(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		e.customer(admin, business("Acme"))
		sess, err := e.login("admin@acme.nl", goodPW, homeIP)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 * 30 {
			e.clk.Advance(11 * time.Hour)
			if _, err := e.s.Authenticate(e.ctx, sess.Token, homeIP); err != nil {
				wantErr(t, err, ErrSessionExpired)
				if age := e.clk.Now().Sub(t0); age < maxSessionAge {
					t.Fatalf("ended after %v, before the cap", age)
				}
				return
			}
		}
		t.Fatal("a session used every 11 hours lived for 27 days")
	})
}

func TestStaffMustEnrolMFA(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		if _, err := e.s.CreateUser(e.ctx, admin, UserInput{Email: "sales@provider.test", Name: "Sam", Password: goodPW, Roles: []Role{RoleSales}}); err != nil {
			t.Fatal(err)
		}
		sess, err := e.login("sales@provider.test", goodPW, homeIP)
		if err != nil {
			t.Fatal(err)
		}
		if !sess.MFAEnrolRequired || sess.MFAPending || sess.ExpiresAt.Sub(sess.CreatedAt) != pendingTTL {
			t.Fatalf("staff without TOTP: %+v", sess)
		}
		p, err := e.s.Authenticate(e.ctx, sess.Token, homeIP)
		if err != nil || !p.Session.MFAEnrolRequired {
			t.Fatalf("principal %+v, %v", p, err)
		}
		// Such a session may only enrol.
		_, _, err = e.s.ListOrganisations(e.ctx, p, OrgFilter{})
		wantErr(t, err, ErrForbidden)
		_, _, err = e.s.CreateAPIToken(e.ctx, p, "x", []Scope{ScopeRead}, 0)
		wantErr(t, err, ErrForbidden)
		if _, err := e.s.BeginTOTP(e.ctx, p); err != nil {
			t.Fatal(err)
		}
	})
}

func TestIPAllowlistEnforced(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		org, cust := e.customer(admin, business("Acme"))

		err := e.s.SetIPAllowlist(e.ctx, cust, org.ID, []string{"198.51.100.0/24"}, homeIP)
		wantFields(t, err, "ip_allowlist") // would lock the admin out
		err = e.s.SetIPAllowlist(e.ctx, cust, org.ID, []string{"not an address"}, homeIP)
		wantFields(t, err, "ip_allowlist")
		if err := e.s.SetIPAllowlist(e.ctx, cust, org.ID, []string{homeIP, "198.51.100.0/24"}, homeIP); err != nil {
			t.Fatal(err)
		}
		got, _ := e.s.GetOrganisation(e.ctx, cust, org.ID)
		if len(got.IPAllowlist) != 2 || got.IPAllowlist[0] != homeIP+"/32" {
			t.Fatalf("allowlist %v", got.IPAllowlist)
		}
		if a := e.lastAudit(); a.Action != "customer.ip_allowlist" || a.OrgID != org.ID {
			t.Fatalf("audit %+v", a)
		}

		if _, err := e.s.Authenticate(e.ctx, cust.Session.Token, "198.51.100.9"); err != nil {
			t.Fatal(err)
		}
		_, err = e.s.Authenticate(e.ctx, cust.Session.Token, "203.0.113.5")
		wantErr(t, err, ErrIPNotAllowed)
		_, err = e.login("admin@acme.nl", goodPW, "203.0.113.5")
		wantErr(t, err, ErrIPNotAllowed)
		if _, err := e.login("admin@acme.nl", goodPW, "198.51.100.77"); err != nil {
			t.Fatal(err)
		}
		// Staff set a list from their own address, which need not be in it.
		if err := e.s.SetIPAllowlist(e.ctx, admin, org.ID, []string{"203.0.113.0/24"}, homeIP); err != nil {
			t.Fatal(err)
		}
		_, err = e.s.Authenticate(e.ctx, cust.Session.Token, homeIP)
		wantErr(t, err, ErrIPNotAllowed)
		if err := e.s.SetIPAllowlist(e.ctx, admin, org.ID, nil, homeIP); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.Authenticate(e.ctx, cust.Session.Token, "100.64.1.1"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestDisablingEndsSessions(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		org, cust := e.customer(admin, business("Acme"))
		sub := e.subUser(cust, org.ID, "dev@acme.nl", PermTechnical)

		if err := e.s.SetUserDisabled(e.ctx, cust, sub.User.ID, true); err != nil {
			t.Fatal(err)
		}
		_, err := e.s.Authenticate(e.ctx, sub.Session.Token, homeIP)
		wantErr(t, err, ErrSessionExpired)
		_, err = e.login("dev@acme.nl", goodPW, homeIP)
		wantErr(t, err, ErrDisabled)
		if err := e.s.SetUserDisabled(e.ctx, cust, sub.User.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := e.login("dev@acme.nl", goodPW, homeIP); err != nil {
			t.Fatal(err)
		}
		// Nobody disables themselves.
		wantErr(t, e.s.SetUserDisabled(e.ctx, cust, cust.User.ID, true), ErrForbidden)

		support := e.staff("support@provider.test", RoleSupport)
		wantErr(t, e.s.SetOrganisationDisabled(e.ctx, support, org.ID, true), ErrForbidden)
		if err := e.s.SetOrganisationDisabled(e.ctx, admin, org.ID, true); err != nil {
			t.Fatal(err)
		}
		_, err = e.s.Authenticate(e.ctx, cust.Session.Token, homeIP)
		wantErr(t, err, ErrSessionExpired)
		_, err = e.login("admin@acme.nl", goodPW, homeIP)
		wantErr(t, err, ErrDisabled)

		if err := e.s.AdminDisable(e.ctx, "support@provider.test"); err != nil {
			t.Fatal(err)
		}
		_, err = e.s.Authenticate(e.ctx, support.Session.Token, homeIP)
		wantErr(t, err, ErrSessionExpired)
		if a := e.lastAudit(); a.Action != "user.disable" || a.Actor.Label != "cli" {
			t.Fatalf("audit %+v", a)
		}
	})
}

func TestLoginThrottling(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		e.customer(admin, business("Acme"))
		const attacker = "203.0.113.66"

		for i := range 5 {
			_, err := e.login("admin@acme.nl", "Guess-"+itoa(int64(i))+"!aA", attacker)
			wantErr(t, err, ErrInvalidCredentials)
		}
		// The sixth attempt is slowed down, even with the right password.
		_, err := e.login("admin@acme.nl", goodPW, attacker)
		if d := wantThrottled(t, err); d != 30*time.Second {
			t.Fatalf("first delay %v", d)
		}
		// The delay doubles with each failure …
		e.clk.Advance(30 * time.Second)
		_, err = e.login("admin@acme.nl", "wrong", attacker)
		wantErr(t, err, ErrInvalidCredentials)
		_, err = e.login("admin@acme.nl", goodPW, attacker)
		if d := wantThrottled(t, err); d != time.Minute {
			t.Fatalf("second delay %v", d)
		}
		// A persistent guesser is held to a trickle, and the delay is capped: the
		// account is slowed down, never locked.
		checked := 0
		for stop := e.clk.Now().Add(2 * time.Hour); e.clk.Now().Before(stop); {
			_, err := e.login("admin@acme.nl", "wrong", attacker)
			var te *ThrottledError
			if errors.As(err, &te) {
				if te.RetryAfter <= 0 || te.RetryAfter > 15*time.Minute {
					t.Fatalf("delay %v", te.RetryAfter)
				}
				e.clk.Advance(te.RetryAfter)
				continue
			}
			wantErr(t, err, ErrInvalidCredentials)
			checked++
		}
		if checked > 24 {
			t.Fatalf("%d guesses checked in two hours", checked)
		}
		t.Logf("%d guesses checked in two hours", checked)
		// Once the guessing stops, the right password works again after at most the cap.
		e.clk.Advance(loginAccountPolicy.Max)
		if _, err := e.login("admin@acme.nl", goodPW, attacker); err != nil {
			t.Fatal(err)
		}
		// A success resets the account: five fresh failures before any delay.
		for range 5 {
			_, err := e.login("admin@acme.nl", "wrong", attacker)
			wantErr(t, err, ErrInvalidCredentials)
		}
		_, err = e.login("admin@acme.nl", goodPW, attacker)
		wantThrottled(t, err)
		// After the window the failures are forgotten altogether.
		e.clk.Advance(loginAccountPolicy.Window + time.Second)
		if _, err := e.login("admin@acme.nl", goodPW, attacker); err != nil {
			t.Fatal(err)
		}
	})
}

func TestAttackerCannotLockOutOwner(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		e.customer(admin, business("Acme"))
		const attacker, owner, travel = "203.0.113.66", "192.0.2.44", "198.51.100.9"

		// The owner signed in from home before.
		if _, err := e.login("admin@acme.nl", goodPW, owner); err != nil {
			t.Fatal(err)
		}
		e.clk.Advance(time.Hour)
		for range 8 {
			e.login("admin@acme.nl", "wrong", attacker)
		}
		_, err := e.login("admin@acme.nl", goodPW, attacker)
		wantThrottled(t, err)
		// At home the owner is not slowed down by someone else's guesses.
		if _, err := e.login("admin@acme.nl", goodPW, owner); err != nil {
			t.Fatalf("owner at a known address: %v", err)
		}
		// From a new address the owner shares the attacker's bucket, but only for a while.
		_, err = e.login("admin@acme.nl", goodPW, travel)
		d := wantThrottled(t, err)
		e.clk.Advance(d)
		if _, err := e.login("admin@acme.nl", goodPW, travel); err != nil {
			t.Fatalf("owner after waiting %v: %v", d, err)
		}
	})
}

func TestLoginThrottlingPerIP(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		e.customer(admin, business("Acme"))
		const sprayer = "203.0.113.77"
		// Spraying one guess over many accounts from one address.
		for i := range loginIPPolicy.Free {
			_, err := e.login("user"+itoa(int64(i))+"@acme.nl", goodPW, sprayer)
			wantErr(t, err, ErrInvalidCredentials)
		}
		_, err := e.login("admin@acme.nl", goodPW, sprayer)
		wantThrottled(t, err)
		if _, err := e.login("admin@acme.nl", goodPW, homeIP); err != nil {
			t.Fatal(err)
		}
		// Unknown addresses are throttled like real ones, so throttling reveals nothing.
		for range 5 {
			e.login("ghost@acme.nl", "wrong", homeIP)
		}
		_, err = e.login("ghost@acme.nl", "wrong", homeIP)
		wantThrottled(t, err)
	})
}

// TestParallelGuessesAreCounted: a burst of simultaneous guesses must not all slip past
// the throttle by reading the failure count before any of them is recorded.
func TestParallelGuessesAreCounted(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		e.customer(admin, business("Acme"))
		const n = 16
		errs := make(chan error, n)
		for i := range n {
			go func() {
				_, err := e.login("admin@acme.nl", "Guess-"+itoa(int64(i))+"!aA", "203.0.113.66")
				errs <- err
			}()
		}
		checked := 0
		for range n {
			err := <-errs
			var te *ThrottledError
			switch {
			case errors.Is(err, ErrInvalidCredentials):
				checked++
			case errors.As(err, &te):
			default:
				t.Fatalf("unexpected %v", err)
			}
		}
		if checked != loginAccountPolicy.Free {
			t.Fatalf("%d of %d parallel guesses were checked, want %d", checked, n, loginAccountPolicy.Free)
		}
	})
}
