package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/store"
)

const (
	// pendingTTL bounds a session that has only passed the password step: long enough
	// to find the phone or to enrol an authenticator, short enough to be useless later.
	pendingTTL = 15 * time.Minute
	// maxSessionAge caps a sliding session: even a tab used daily signs in again monthly.
	maxSessionAge = 30 * 24 * time.Hour
	// sessionTouchEvery: a sliding session is extended at most this often, so that
	// reading pages does not write to the database on every request.
	sessionTouchEvery = time.Minute
)

const sessionSelect = `SELECT id, user_id, created_at, expires_at, last_seen_at, mfa_pending, mfa_enrol_required, ip, user_agent, acting_org_id FROM sessions`

func scanSession(r scanner) (Session, time.Time, error) {
	var ss Session
	var seen time.Time
	err := r.Scan(&ss.ID, &ss.UserID, &ss.CreatedAt, &ss.ExpiresAt, &seen, &ss.MFAPending, &ss.MFAEnrolRequired, &ss.IP, &ss.UserAgent, &ss.ActingFor)
	if errors.Is(err, sql.ErrNoRows) {
		return ss, seen, ErrSessionExpired
	}
	ss.CreatedAt, ss.ExpiresAt = ss.CreatedAt.UTC(), ss.ExpiresAt.UTC()
	return ss, seen.UTC(), err
}

// liveSession finds the unexpired session of token.
func (s *Service) liveSession(ctx context.Context, q store.Querier, token string, now time.Time) (Session, time.Time, error) {
	if token == "" || len(token) > 128 {
		return Session{}, time.Time{}, ErrSessionExpired
	}
	ss, seen, err := scanSession(q.QueryRowContext(ctx, sessionSelect+` WHERE token_hash = $1`, hashToken(token)))
	if err != nil {
		return ss, seen, err
	}
	if !now.Before(ss.ExpiresAt) {
		return Session{}, time.Time{}, ErrSessionExpired
	}
	ss.Token = token
	return ss, seen, nil
}

func (s *Service) createSession(ctx context.Context, q store.Querier, now time.Time, userID int64, pending, enrol bool, ip, ua string) (Session, error) {
	plain, hash := newToken()
	ttl := s.sessionTTL
	if pending || enrol {
		ttl = pendingTTL
	}
	ss := Session{Token: plain, UserID: userID, CreatedAt: now, ExpiresAt: now.Add(min(ttl, maxSessionAge)),
		MFAPending: pending, MFAEnrolRequired: enrol, IP: truncate(ip, 64), UserAgent: truncate(ua, 400)}
	err := q.QueryRowContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at,
		mfa_pending, mfa_enrol_required, ip, user_agent) VALUES ($1, $2, $3, $4, $3, $5, $6, $7, $8) RETURNING id`,
		hash, userID, now, ss.ExpiresAt, pending, enrol, ss.IP, ss.UserAgent).Scan(&ss.ID)
	return ss, err
}

// endSessions deletes the sessions of a user except one (0: all) and says how many.
func endSessions(ctx context.Context, q store.Querier, userID, except int64) (int64, error) {
	res, err := q.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id <> $2`, userID, except)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// activeUser loads a user who may act from ip: enabled, in an enabled organisation,
// and inside its IP allowlist (cp.security.access.3).
func (s *Service) activeUser(ctx context.Context, userID int64, ip string) (User, *Organisation, error) {
	u, err := getUser(ctx, s.db, userID)
	if errors.Is(err, ErrNotFound) {
		return User{}, nil, ErrSessionExpired
	}
	if err != nil {
		return User{}, nil, err
	}
	org, err := orgOf(ctx, s.db, u)
	if err != nil {
		return User{}, nil, err
	}
	if u.Disabled || org != nil && org.Disabled {
		return User{}, nil, ErrDisabled
	}
	if org != nil && !ipAllowed(org.IPAllowlist, ip) {
		return User{}, nil, ErrIPNotAllowed
	}
	return u, org, nil
}

// loginCtx makes the actor of a sign-in: the user when known, else the public; the
// address and user agent come from the web layer's actor or the request.
func loginCtx(ctx context.Context, ip, ua string, u *User) context.Context {
	a := ctxActor(ctx)
	if a.IP == "" {
		a.IP = truncate(ip, 64)
	}
	if a.UserAgent == "" {
		a.UserAgent = truncate(ua, 400)
	}
	a.Kind, a.ID, a.Label = audit.ActorPublic, 0, ""
	if u != nil {
		a.ID, a.Label, a.Kind = u.ID, u.Email, audit.ActorCustomer
		if u.IsStaff() {
			a.Kind = audit.ActorStaff
		}
	}
	return audit.WithActor(ctx, a)
}

// loginFailed audits a refused sign-in. The attempted address is recorded only when it
// belongs to an account: people type passwords into the e-mail field, and unknown
// addresses are personal data of nobody we serve (cp.security.logging.4).
func (s *Service) loginFailed(ctx context.Context, req LoginRequest, u User, reason string) {
	ctx = loginCtx(ctx, req.IP, req.UserAgent, nil)
	// The caller answers with the refusal either way; a failure to audit it must not
	// turn into a different answer that tells an attacker something, so it is logged.
	err := s.db.InTx(ctx, func(q store.Querier) error {
		if u.ID == 0 {
			return record(ctx, q, s.now(), 0, "login.failed", "", 0, "sign-in refused: unknown e-mail address")
		}
		return record(ctx, q, s.now(), u.OrgID, "login.failed", "user", u.ID, "sign-in as "+u.Email+" refused: "+reason)
	})
	if err != nil {
		s.log.ErrorContext(ctx, "accounts: the refused sign-in could not be audited", "user", u.ID, "err", err)
	}
}

// Login checks e-mail and password (throttled per account and per IP) and the
// organisation's IP allowlist, and starts a session. When the user has TOTP the session
// is MFAPending; a staff user without TOTP gets MFAEnrolRequired (cp.security.access.2).
func (s *Service) Login(ctx context.Context, req LoginRequest) (Session, error) {
	now := s.now()
	email := truncate(normaliseLoginEmail(req.Email), MaxEmailLen)
	u, hash, err := s.userForLogin(ctx, email)
	if err != nil {
		return Session{}, err
	}
	known := ""
	if u.ID != 0 {
		if known, err = s.knownNet(ctx, u.ID, req.IP, now); err != nil {
			return Session{}, err
		}
	}
	acct := accountBucket(email, known)
	reserved, err := s.reserve(ctx, now, acct, ipBucket(req.IP))
	if err != nil {
		return Session{}, err
	}
	pw := req.Password
	if len(pw) > 4*MaxPasswordLen {
		pw = ""
	}
	var org *Organisation
	if u.ID != 0 {
		if org, err = orgOf(ctx, s.db, u); err != nil {
			return Session{}, err
		}
	}
	// The allowlist is decided before the password and the password is hashed either
	// way: from an address outside the list every attempt gets the same answer after
	// the same work, so the refusal tells nobody whether the password was right, and
	// it counts towards the throttle like a wrong password (cp.security.access.3;
	// issue 8, finding 4).
	ok, rehash, err := s.verifyPassword(ctx, hash, pw)
	if err != nil {
		return Session{}, err
	}
	if org != nil && !ipAllowed(org.IPAllowlist, req.IP) {
		s.loginFailed(ctx, req, u, "address "+truncate(req.IP, 64)+" is not in the organisation's IP allowlist")
		return Session{}, ErrIPNotAllowed
	}
	if !ok || u.ID == 0 {
		s.loginFailed(ctx, req, u, "wrong password")
		return Session{}, ErrInvalidCredentials
	}
	if u.Disabled || org != nil && org.Disabled {
		s.loginFailed(ctx, req, u, "account disabled")
		return Session{}, ErrDisabled
	}
	var newHash string
	if rehash {
		if newHash, err = s.hashPassword(ctx, pw); err != nil {
			return Session{}, err
		}
	}
	pending := u.MFAEnabled
	enrol := u.IsStaff() && !u.MFAEnabled
	ctx = loginCtx(ctx, req.IP, req.UserAgent, &u)
	var sess Session
	err = s.db.InTx(ctx, func(q store.Querier) error {
		if err := forgive(ctx, q, reserved, acct.name); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO login_known_nets (user_id, net, last_success_at) VALUES ($1, $2, $3)
			ON CONFLICT (user_id, net) DO UPDATE SET last_success_at = excluded.last_success_at`, u.ID, netKey(req.IP), now); err != nil {
			return err
		}
		if newHash != "" {
			if _, err := q.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, newHash, u.ID); err != nil {
				return err
			}
		}
		summary := "signed in"
		switch {
		case pending:
			summary = "password accepted; waiting for the TOTP code"
		case enrol:
			summary = "password accepted; staff must enrol TOTP before continuing"
		default:
			if _, err := q.ExecContext(ctx, `UPDATE users SET last_login_at = $1 WHERE id = $2`, now, u.ID); err != nil {
				return err
			}
		}
		var err error
		if sess, err = s.createSession(ctx, q, now, u.ID, pending, enrol, req.IP, req.UserAgent); err != nil {
			return err
		}
		return record(ctx, q, now, u.OrgID, "login.success", "user", u.ID, summary)
	})
	return sess, err
}

func normaliseLoginEmail(s string) string {
	e, err := ValidateEmail(s)
	if err != nil {
		return "invalid"
	}
	return e
}

// userForLogin returns the user with email and its password hash; a zero User when
// there is none.
func (s *Service) userForLogin(ctx context.Context, email string) (User, string, error) {
	u, err := getUserByEmail(ctx, s.db, email)
	if errors.Is(err, ErrNotFound) {
		return User{}, "", nil
	}
	if err != nil {
		return User{}, "", err
	}
	var hash string
	err = s.db.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = $1`, u.ID).Scan(&hash)
	return u, hash, err
}

// knownNet returns ip's network when the user signed in from it successfully lately.
func (s *Service) knownNet(ctx context.Context, userID int64, ip string, now time.Time) (string, error) {
	nk := netKey(ip)
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_known_nets WHERE user_id = $1 AND net = $2 AND last_success_at > $3`,
		userID, nk, now.Add(-knownNetFor)).Scan(&n)
	if err != nil || n == 0 {
		return "", err
	}
	return nk, nil
}

// CompleteMFA checks a TOTP code or an unused recovery code for an MFAPending session and
// rotates it into a full session (new token; the old one stops working).
func (s *Service) CompleteMFA(ctx context.Context, sessionToken, code, ip, userAgent string) (Session, error) {
	now := s.now()
	old, _, err := s.liveSession(ctx, s.db, sessionToken, now)
	if err != nil {
		return Session{}, err
	}
	if !old.MFAPending {
		return Session{}, ErrForbidden
	}
	u, _, err := s.activeUser(ctx, old.UserID, ip)
	if err != nil {
		return Session{}, err
	}
	b := userBucket("mfa", u.ID)
	reserved, err := s.reserve(ctx, now, b)
	if err != nil {
		return Session{}, err
	}
	ctx = loginCtx(ctx, ip, userAgent, &u)
	var sess Session
	err = s.db.InTx(ctx, func(q store.Querier) error {
		how, err := s.consumeSecondFactor(ctx, q, u.ID, code, now)
		if err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, old.ID); err != nil {
			return err
		}
		if err := forgive(ctx, q, reserved, b.name); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `UPDATE users SET last_login_at = $1 WHERE id = $2`, now, u.ID); err != nil {
			return err
		}
		if sess, err = s.createSession(ctx, q, now, u.ID, false, false, ip, userAgent); err != nil {
			return err
		}
		return record(ctx, q, now, u.OrgID, "login.success", "user", u.ID, "signed in with "+how)
	})
	if errors.Is(err, ErrInvalidCode) {
		s.loginFailed(ctx, LoginRequest{IP: ip, UserAgent: userAgent}, u, "wrong or reused second-factor code")
	}
	return sess, err
}

// Authenticate resolves a session cookie into a Principal, checking expiry, disabled user
// or organisation and the IP allowlist on every request. A pending session is returned
// with its flags set; the caller limits it to the MFA pages (and every operation here
// refuses it, see Principal.ready). Sessions slide: each use extends them by the TTL.
func (s *Service) Authenticate(ctx context.Context, sessionToken, ip string) (Principal, error) {
	now := s.now()
	sess, seen, err := s.liveSession(ctx, s.db, sessionToken, now)
	if err != nil {
		return Principal{}, err
	}
	u, org, err := s.activeUser(ctx, sess.UserID, ip)
	if err != nil {
		return Principal{}, err
	}
	if !sess.MFAPending && !sess.MFAEnrolRequired && now.Sub(seen) >= sessionTouchEvery {
		exp := now.Add(s.sessionTTL)
		if limit := sess.CreatedAt.Add(maxSessionAge); exp.After(limit) {
			exp = limit
		}
		if _, err := s.db.ExecContext(ctx, `UPDATE sessions SET expires_at = $1, last_seen_at = $2 WHERE id = $3`, exp, now, sess.ID); err != nil {
			return Principal{}, err
		}
		sess.ExpiresAt = exp
	}
	p := Principal{User: u, Org: org, Session: &sess}
	if sess.ActingFor != 0 {
		return s.resumeActing(ctx, p)
	}
	return p, nil
}

// Logout ends one session.
func (s *Service) Logout(ctx context.Context, sessionToken string) error {
	sess, _, err := s.liveSession(ctx, s.db, sessionToken, s.now())
	if errors.Is(err, ErrSessionExpired) {
		return nil
	}
	if err != nil {
		return err
	}
	u, err := getUser(ctx, s.db, sess.UserID)
	if err != nil {
		return err
	}
	ctx = loginCtx(ctx, sess.IP, sess.UserAgent, &u)
	return s.db.InTx(ctx, func(q store.Querier) error {
		if _, err := q.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, sess.ID); err != nil {
			return err
		}
		return record(ctx, q, s.now(), u.OrgID, "logout", "user", u.ID, "signed out")
	})
}

// LogoutEverywhere ends every session of the principal's user, this one included, and
// with revokeTokens also revokes all of its API tokens: after a lost laptop or a leaked
// secret one step shuts every door (issue 8, finding 10). Only a signed-in person may,
// so a stolen token cannot lock its owner out.
func (s *Service) LogoutEverywhere(ctx context.Context, by Principal, revokeTokens bool) error {
	if err := by.interactive(); err != nil {
		return err
	}
	return s.tx(ctx, by, func(ctx context.Context, q store.Querier) error {
		now := s.now()
		n, err := endSessions(ctx, q, by.User.ID, 0)
		if err != nil {
			return err
		}
		summary := fmt.Sprintf("signed out everywhere: %d sessions ended", n)
		if revokeTokens {
			t, err := revokeUserTokens(ctx, q, now, by.User.ID)
			if err != nil {
				return err
			}
			summary += fmt.Sprintf("; %d API tokens revoked", t)
		}
		return record(ctx, q, now, by.User.OrgID, "logout.everywhere", "user", by.User.ID, summary)
	})
}

// PruneExpired deletes sessions and password links that can no longer be used; a job
// runs it now and then. Nothing of value is lost, so it is not audited.
func (s *Service) PruneExpired(ctx context.Context) (int64, error) {
	now := s.now()
	var total int64
	for _, stmt := range []string{
		`DELETE FROM sessions WHERE expires_at <= $1`,
		`DELETE FROM password_reset_tokens WHERE expires_at <= $1 OR used_at IS NOT NULL`,
	} {
		res, err := s.db.ExecContext(ctx, stmt, now)
		if err != nil {
			return total, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}
