package accounts

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"

	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
)

// TOTP follows RFC 6238 as authenticator apps expect it: SHA-1, 6 digits, 30 seconds.
// MFA is offered to customers and required for staff (cp.security.access.2).
const (
	totpPeriod        = 30
	totpSkew          = 1 // steps either side accepted, for clocks that drift
	recoveryCodeCount = 10
	recoveryCodeBytes = 10 // 80 bits: 16 base32 characters
)

var totpOpts = hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// matchTOTP returns the time step whose code equals code.
func matchTOTP(secret, code string, now time.Time) (int64, bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 || !allDigits(code) {
		return 0, false
	}
	step := now.Unix() / totpPeriod
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		want, err := hotp.GenerateCodeCustom(secret, uint64(step+d), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step + d, true
		}
	}
	return 0, false
}

// TOTP secrets must be readable to check a code, so they cannot be hashed; they are
// stored sealed with the secret key held outside the database, bound to their user, so a
// copy of the database (or a backup) cannot produce codes (security finding 11).
func totpBinding(userID int64) string { return "user:" + itoa(userID) }

func (s *Service) sealTOTP(userID int64, secret string) (string, error) {
	sealed, err := s.keys.SealString(secrets.PurposeTOTP, totpBinding(userID), secret)
	return string(sealed), err
}

// openTOTP returns the plaintext of a stored TOTP secret. One sealed with another key
// is a *secrets.KeyError naming both keys: the database was copied to an installation
// with another key file, and no code can be checked until the right key is configured.
func (s *Service) openTOTP(userID int64, stored string) (string, error) {
	if !secrets.IsSealed(stored) {
		return "", errors.New("accounts: a TOTP secret is stored unsealed; start hostpact once with its key to seal it")
	}
	plain, err := s.keys.OpenString(secrets.PurposeTOTP, totpBinding(userID), secrets.Sealed(stored))
	if err != nil {
		return "", fmt.Errorf("accounts: TOTP secret of user %d: %w", userID, err)
	}
	return plain, nil
}

// consumeSecondFactor accepts a TOTP code or an unused recovery code of the user, inside
// q, and uses it up: a TOTP code's step becomes the last one accepted, so neither that
// code nor an older one works again (no replay), and a recovery code is marked used.
// It says which was used.
func (s *Service) consumeSecondFactor(ctx context.Context, q store.Querier, userID int64, code string, now time.Time) (string, error) {
	var stored string
	var last int64
	err := q.QueryRowContext(ctx, `SELECT secret, last_step FROM user_totp WHERE user_id = $1`, userID).Scan(&stored, &last)
	if errors.Is(err, sql.ErrNoRows) || err == nil && stored == "" {
		return "", ErrInvalidCode
	}
	if err != nil {
		return "", err
	}
	secret, err := s.openTOTP(userID, stored)
	if err != nil {
		return "", err
	}
	if step, ok := matchTOTP(secret, code, now); ok {
		res, err := q.ExecContext(ctx, `UPDATE user_totp SET last_step = $1 WHERE user_id = $2 AND last_step < $1`, step, userID)
		if err != nil {
			return "", err
		}
		if n, err := res.RowsAffected(); err != nil {
			return "", err
		} else if n != 1 {
			return "", ErrInvalidCode
		}
		return "a TOTP code", nil
	}
	norm := normaliseRecoveryCode(code)
	if len(norm) != base32.StdEncoding.WithPadding(base32.NoPadding).EncodedLen(recoveryCodeBytes) {
		return "", ErrInvalidCode
	}
	res, err := q.ExecContext(ctx, `UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL`,
		now, userID, recoveryHash(userID, norm))
	if err != nil {
		return "", err
	}
	if n, err := res.RowsAffected(); err != nil {
		return "", err
	} else if n != 1 {
		return "", ErrInvalidCode
	}
	var left int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`, userID).Scan(&left); err != nil {
		return "", err
	}
	return fmt.Sprintf("a recovery code (%d left)", left), nil
}

// normaliseRecoveryCode forgives how people copy codes: case, hyphens, spaces, and the
// digits 0, 1 and 8 for the letters O, I and B that base32 uses instead.
func normaliseRecoveryCode(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', ' ', '\t':
			return -1
		case '0':
			return 'O'
		case '1':
			return 'I'
		case '8':
			return 'B'
		}
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, s)
}

func recoveryHash(userID int64, norm string) string {
	return hashToken("recovery:" + itoa(userID) + ":" + norm)
}

// newRecoveryCodes replaces the user's recovery codes and returns them for showing once.
func newRecoveryCodes(ctx context.Context, q store.Querier, userID int64, now time.Time) ([]string, error) {
	if _, err := q.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
		return nil, err
	}
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	codes := make([]string, recoveryCodeCount)
	for i := range codes {
		b := make([]byte, recoveryCodeBytes)
		_, _ = rand.Read(b)
		c := enc.EncodeToString(b)
		if _, err := q.ExecContext(ctx, `INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)`,
			userID, recoveryHash(userID, c), now); err != nil {
			return nil, err
		}
		codes[i] = c[0:4] + "-" + c[4:8] + "-" + c[8:12] + "-" + c[12:16]
	}
	return codes, nil
}

// mfaPrincipal accepts a signed-in person, or a staff session that may do nothing but
// enrol. MFA is managed in the browser, never with an API token.
func (p Principal) mfaPrincipal() error {
	if p.Session != nil && p.Session.MFAEnrolRequired && !p.Session.MFAPending && p.Token == nil && p.User.ID != 0 && !p.User.Disabled {
		return nil
	}
	return p.interactive()
}

// BeginTOTP starts (or restarts) TOTP enrolment for the principal's user. An active
// secret stays active until the new one is confirmed.
func (s *Service) BeginTOTP(ctx context.Context, by Principal) (TOTPEnrolment, error) {
	if err := by.mfaPrincipal(); err != nil {
		return TOTPEnrolment{}, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.cfg.TOTPIssuer, AccountName: by.User.Email, Period: totpPeriod})
	if err != nil {
		return TOTPEnrolment{}, err
	}
	sealed, err := s.sealTOTP(by.User.ID, key.Secret())
	if err != nil {
		return TOTPEnrolment{}, err
	}
	err = s.tx(ctx, by, func(ctx context.Context, q store.Querier) error {
		now := s.now()
		if _, err := q.ExecContext(ctx, `INSERT INTO user_totp (user_id, pending_secret, pending_since) VALUES ($1, $2, $3)
			ON CONFLICT (user_id) DO UPDATE SET pending_secret = excluded.pending_secret, pending_since = excluded.pending_since`,
			by.User.ID, sealed, now); err != nil {
			return err
		}
		return record(ctx, q, now, by.User.OrgID, "user.mfa_enrol", "user", by.User.ID, "TOTP enrolment started")
	})
	if err != nil {
		return TOTPEnrolment{}, err
	}
	return TOTPEnrolment{Secret: key.Secret(), URL: key.URL()}, nil
}

// ConfirmTOTP checks a code against the pending secret, enables TOTP and returns fresh
// recovery codes (shown once). A session with MFAEnrolRequired is not upgraded in place:
// it ends, and the person signs in again with password and code. Use
// ConfirmTOTPAndRotate to hand the browser a full session straight away.
func (s *Service) ConfirmTOTP(ctx context.Context, by Principal, code string) (recoveryCodes []string, err error) {
	codes, _, err := s.ConfirmTOTPAndRotate(ctx, by, code)
	return codes, err
}

// ConfirmTOTPAndRotate is ConfirmTOTP that, for a session with MFAEnrolRequired,
// replaces the session with a full one under a new token (returned; the old token stops
// working). For any other principal the returned session is nil.
func (s *Service) ConfirmTOTPAndRotate(ctx context.Context, by Principal, code string) ([]string, *Session, error) {
	if err := by.mfaPrincipal(); err != nil {
		return nil, nil, err
	}
	now := s.now()
	b := userBucket("mfa", by.User.ID)
	reserved, err := s.reserve(ctx, now, b)
	if err != nil {
		return nil, nil, err
	}
	var codes []string
	var rotated *Session
	err = s.tx(ctx, by, func(ctx context.Context, q store.Querier) error {
		var stored string
		err := q.QueryRowContext(ctx, `SELECT pending_secret FROM user_totp WHERE user_id = $1`, by.User.ID).Scan(&stored)
		if errors.Is(err, sql.ErrNoRows) || err == nil && stored == "" {
			return ErrInvalidCode
		}
		if err != nil {
			return err
		}
		pending, err := s.openTOTP(by.User.ID, stored)
		if err != nil {
			return err
		}
		step, ok := matchTOTP(pending, code, now)
		if !ok {
			return ErrInvalidCode
		}
		if _, err := q.ExecContext(ctx, `UPDATE user_totp SET secret = pending_secret, pending_secret = '', pending_since = NULL,
			enabled_at = $1, last_step = $2 WHERE user_id = $3`, now, step, by.User.ID); err != nil {
			return err
		}
		if codes, err = newRecoveryCodes(ctx, q, by.User.ID, now); err != nil {
			return err
		}
		if err := forgive(ctx, q, reserved, b.name); err != nil {
			return err
		}
		summary := fmt.Sprintf("TOTP enabled; %d new recovery codes", recoveryCodeCount)
		if old := by.Session; old != nil && old.MFAEnrolRequired {
			if _, err := q.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, old.ID); err != nil {
				return err
			}
			summary += "; enrolment session ended"
			if _, err := q.ExecContext(ctx, `UPDATE users SET last_login_at = $1 WHERE id = $2`, now, by.User.ID); err != nil {
				return err
			}
			ss, err := s.createSession(ctx, q, now, by.User.ID, false, false, old.IP, old.UserAgent)
			if err != nil {
				return err
			}
			rotated = &ss
		}
		return record(ctx, q, now, by.User.OrgID, "user.mfa_enable", "user", by.User.ID, summary)
	})
	if err != nil {
		return nil, nil, err
	}
	return codes, rotated, nil
}

// DisableTOTP turns TOTP off after checking a current code (or recovery code); refused
// for staff, who must have it (cp.security.access.2).
func (s *Service) DisableTOTP(ctx context.Context, by Principal, code string) error {
	if err := by.Check(MFADisable, by.Own()); err != nil {
		return err
	}
	now := s.now()
	b := userBucket("mfa", by.User.ID)
	reserved, err := s.reserve(ctx, now, b)
	if err != nil {
		return err
	}
	return s.tx(ctx, by, func(ctx context.Context, q store.Querier) error {
		if _, err := s.consumeSecondFactor(ctx, q, by.User.ID, code, now); err != nil {
			return err
		}
		if err := removeTOTP(ctx, q, by.User.ID); err != nil {
			return err
		}
		if err := forgive(ctx, q, reserved, b.name); err != nil {
			return err
		}
		return record(ctx, q, now, by.User.OrgID, "user.mfa_disable", "user", by.User.ID, "TOTP and recovery codes removed")
	})
}

func removeTOTP(ctx context.Context, q store.Querier, userID int64) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM user_totp WHERE user_id = $1`, userID); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID)
	return err
}

// ResetUserMFA removes another user's TOTP and recovery codes and ends its sessions, for
// a lost phone: the organisation's admin user for its sub-users, its reseller, staff
// who manage customer users, or a staff admin for staff (who must enrol again at their
// next sign-in).
func (s *Service) ResetUserMFA(ctx context.Context, by Principal, userID int64) error {
	if err := by.interactive(); err != nil {
		return err
	}
	target, org, err := s.loadVisibleUser(ctx, by, userID)
	if err != nil {
		return err
	}
	if !by.canManageUser(target, org) {
		return ErrForbidden
	}
	return s.tx(ctx, by, func(ctx context.Context, q store.Querier) error {
		now := s.now()
		if err := removeTOTP(ctx, q, target.ID); err != nil {
			return err
		}
		n, err := endSessions(ctx, q, target.ID, 0)
		if err != nil {
			return err
		}
		return record(ctx, q, now, target.OrgID, "user.mfa_reset", "user", target.ID,
			fmt.Sprintf("TOTP and recovery codes of %s removed; %d sessions ended", target.Email, n))
	})
}

// SetTOTPSecretForDemo enables TOTP for a user with a given base32 secret, so the demo
// seeder can print a secret people can type into an app. Never for real accounts.
func (s *Service) SetTOTPSecretForDemo(ctx context.Context, userID int64, secret string) error {
	secret = strings.ToUpper(strings.TrimSpace(secret))
	if b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(secret, "=")); err != nil || len(b) < 10 {
		return FieldErrors{"secret": i18n.T("accounts.totp_secret")}
	}
	u, err := getUser(ctx, s.db, userID)
	if err != nil {
		return err
	}
	sealed, err := s.sealTOTP(u.ID, secret)
	if err != nil {
		return err
	}
	ctx = systemCtx(ctx)
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		if _, err := q.ExecContext(ctx, `INSERT INTO user_totp (user_id, secret, enabled_at, last_step) VALUES ($1, $2, $3, 0)
			ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, enabled_at = excluded.enabled_at,
			last_step = 0, pending_secret = '', pending_since = NULL`, u.ID, sealed, now); err != nil {
			return err
		}
		return record(ctx, q, now, u.OrgID, "user.mfa_enable", "user", u.ID, "TOTP enabled with a fixed demo secret")
	})
}

// SealTOTPSecrets seals the TOTP secrets stored in plain text before they were sealed
// (active and pending), with keys, and writes one audit entry for the lot. app.Open runs
// it at every start; the second time it finds nothing.
func SealTOTPSecrets(ctx context.Context, db *store.DB, keys *secrets.Keyring, now time.Time) (int, error) {
	ctx = systemCtx(ctx)
	n := 0
	err := db.InTx(ctx, func(q store.Querier) error {
		rows, err := q.QueryContext(ctx, `SELECT user_id, secret, pending_secret FROM user_totp
			WHERE (secret <> '' AND secret NOT LIKE 'sealed:%') OR (pending_secret <> '' AND pending_secret NOT LIKE 'sealed:%')`)
		if err != nil {
			return err
		}
		type row struct {
			user            int64
			secret, pending string
		}
		var found []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.user, &r.secret, &r.pending); err != nil {
				rows.Close()
				return err
			}
			found = append(found, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range found {
			for _, v := range []*string{&r.secret, &r.pending} {
				if *v == "" || secrets.IsSealed(*v) {
					continue
				}
				sealed, err := keys.SealString(secrets.PurposeTOTP, totpBinding(r.user), *v)
				if err != nil {
					return err
				}
				*v = string(sealed)
			}
			if _, err := q.ExecContext(ctx, `UPDATE user_totp SET secret = $1, pending_secret = $2 WHERE user_id = $3`, r.secret, r.pending, r.user); err != nil {
				return err
			}
			n++
		}
		if n == 0 {
			return nil
		}
		return record(ctx, q, store.Now(now), 0, "user.mfa_seal", "user_totp", 0,
			fmt.Sprintf("TOTP secrets of %d users encrypted with key %s held outside the database", n, keys.ID()))
	})
	if err != nil {
		return 0, fmt.Errorf("accounts: seal TOTP secrets: %w", err)
	}
	return n, nil
}

// TOTPKeyIDs lists the ids of the keys that sealed the stored TOTP secrets, so that app
// refuses to start with a key that cannot open them.
func TOTPKeyIDs(ctx context.Context, q store.Querier) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT SUBSTR(secret, 11, 8) FROM user_totp WHERE secret LIKE 'sealed:v1:%'
		UNION SELECT DISTINCT SUBSTR(pending_secret, 11, 8) FROM user_totp WHERE pending_secret LIKE 'sealed:v1:%'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
