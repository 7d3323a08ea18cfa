package accounts

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/store"
)

// issueResetToken replaces the user's unused links with a new one and returns its
// plaintext (for the mail only; the table keeps its hash).
func issueResetToken(ctx context.Context, q store.Querier, now time.Time, userID int64, purpose string, ttl time.Duration) (string, error) {
	if _, err := q.ExecContext(ctx, `DELETE FROM password_reset_tokens WHERE user_id = $1 AND used_at IS NULL`, userID); err != nil {
		return "", err
	}
	plain, hash := newToken()
	_, err := q.ExecContext(ctx, `INSERT INTO password_reset_tokens (user_id, token_hash, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		userID, hash, purpose, now, now.Add(ttl))
	return plain, err
}

// invite mails a new user without a password a link to choose one. Passwords are never
// sent by mail (cp.security.passwords.4).
func (s *Service) invite(ctx context.Context, q store.Querier, now time.Time, u User) error {
	token, err := issueResetToken(ctx, q, now, u.ID, "invite", inviteTTL)
	if err != nil {
		return err
	}
	return s.sendLinkMail(ctx, q, now, u, "account_invite", map[string]any{
		"Link": s.resetLink(token), "ValidFor": humanDuration(inviteTTL, u.Language)})
}

// RequestPasswordReset mails a single-use, expiring link when the address belongs to an
// active user; it answers the same either way so it reveals nothing. Requests are
// limited per address and per IP; beyond the limit they are dropped silently, so the
// form cannot be used to flood someone's mailbox.
func (s *Service) RequestPasswordReset(ctx context.Context, email, ip string) error {
	now := s.now()
	email, err := ValidateEmail(email)
	if err != nil {
		return nil
	}
	_, err = s.reserve(ctx, now,
		bucket{name: "reset:email:" + email, policy: resetEmailPolicy},
		bucket{name: "reset:ip:" + netKey(ip), policy: resetIPPolicy})
	var te *ThrottledError
	if errors.As(err, &te) {
		return nil
	}
	if err != nil {
		return err
	}
	u, err := getUserByEmail(ctx, s.db, email)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	org, err := orgOf(ctx, s.db, u)
	if err != nil {
		return err
	}
	if u.Disabled || org != nil && org.Disabled {
		return nil
	}
	ctx = loginCtx(ctx, ip, "", nil)
	return s.db.InTx(ctx, func(q store.Querier) error {
		token, err := issueResetToken(ctx, q, now, u.ID, "reset", s.resetTTL)
		if err != nil {
			return err
		}
		if err := s.sendLinkMail(ctx, q, now, u, "password_reset", map[string]any{
			"Link": s.resetLink(token), "ValidFor": humanDuration(s.resetTTL, u.Language)}); err != nil {
			return err
		}
		return record(ctx, q, now, u.OrgID, "user.password_reset_request", "user", u.ID, "password reset link mailed to "+u.Email)
	})
}

// ResetPassword sets a new password with a token from the mail, uses the token up and
// ends all of the user's sessions.
func (s *Service) ResetPassword(ctx context.Context, token, newPassword string) error {
	if err := ValidatePassword(newPassword); err != nil {
		return FieldErrors{"password": i18n.From(err)}
	}
	now := s.now()
	if token == "" || len(token) > 128 {
		return ErrTokenInvalid
	}
	var id, userID int64
	var purpose string
	var expires time.Time
	var used *time.Time
	err := s.db.QueryRowContext(ctx, `SELECT id, user_id, purpose, expires_at, used_at FROM password_reset_tokens WHERE token_hash = $1`,
		hashToken(token)).Scan(&id, &userID, &purpose, &expires, &used)
	if err != nil || used != nil || !now.Before(expires) {
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		return ErrTokenInvalid
	}
	u, err := getUser(ctx, s.db, userID)
	if err != nil {
		return err
	}
	if org, err := orgOf(ctx, s.db, u); err != nil {
		return err
	} else if u.Disabled || org != nil && org.Disabled {
		return ErrTokenInvalid
	}
	hash, err := s.hashPassword(ctx, newPassword)
	if err != nil {
		return err
	}
	// Whoever holds the link proves control of the mailbox; the change is theirs.
	ctx = loginCtx(ctx, "", "", &u)
	return s.db.InTx(ctx, func(q store.Querier) error {
		res, err := q.ExecContext(ctx, `UPDATE password_reset_tokens SET used_at = $1 WHERE id = $2 AND used_at IS NULL`, now, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return ErrTokenInvalid
		}
		summary := "password reset with an e-mailed link"
		if purpose == "invite" {
			summary = "first password chosen with the invitation link"
		}
		// A first password needs no "your password was changed" notice.
		return s.setPassword(ctx, q, now, u, hash, 0, "user.password_reset", summary, purpose != "invite")
	})
}

// ChangePassword changes the principal's own password. The current password is checked
// (throttled like a sign-in, so a borrowed session cannot be used to guess it); the
// user's other sessions end.
func (s *Service) ChangePassword(ctx context.Context, by Principal, current, newPassword string) error {
	if err := by.interactive(); err != nil {
		return err
	}
	if err := ValidatePassword(newPassword); err != nil {
		return FieldErrors{"password": i18n.From(err)}
	}
	if newPassword == current {
		return FieldErrors{"password": i18n.T("accounts.password_same")}
	}
	now := s.now()
	b := userBucket("password", by.User.ID)
	reserved, err := s.reserve(ctx, now, b)
	if err != nil {
		return err
	}
	var stored string
	if err := s.db.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = $1`, by.User.ID).Scan(&stored); err != nil {
		return err
	}
	ok, _, err := s.verifyPassword(ctx, stored, current)
	if err != nil {
		return err
	}
	if !ok {
		return FieldErrors{"current_password": i18n.T("accounts.password_wrong")}
	}
	hash, err := s.hashPassword(ctx, newPassword)
	if err != nil {
		return err
	}
	return s.tx(ctx, by, func(ctx context.Context, q store.Querier) error {
		if err := forgive(ctx, q, reserved, b.name); err != nil {
			return err
		}
		return s.setPassword(ctx, q, now, by.User, hash, by.Session.ID, "user.password_change", "password changed", true)
	})
}

// setPassword stores a new hash, ends the user's sessions except keep, lifts the sign-in
// throttle of the account (its owner just proved who they are), audits and, with notice,
// tells the user by mail, so a change they did not make does not go unnoticed (cp.av.3.7).
func (s *Service) setPassword(ctx context.Context, q store.Querier, now time.Time, u User, hash string, keep int64, action, summary string, notice bool) error {
	if _, err := q.ExecContext(ctx, `UPDATE users SET password_hash = $1, password_changed_at = $2, updated_at = $2 WHERE id = $3`, hash, now, u.ID); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM password_reset_tokens WHERE user_id = $1 AND used_at IS NULL`, u.ID); err != nil {
		return err
	}
	n, err := endSessions(ctx, q, u.ID, keep)
	if err != nil {
		return err
	}
	if err := forgive(ctx, q, nil, accountBucket(u.Email, "").name); err != nil {
		return err
	}
	if n > 0 {
		summary += "; " + itoa(n) + " sessions ended"
	}
	if err := record(ctx, q, now, u.OrgID, action, "user", u.ID, summary); err != nil {
		return err
	}
	if !notice {
		return nil
	}
	return s.sendMail(ctx, q, now, u, "password_changed", map[string]any{"When": humanTime(now, u.Language)})
}
