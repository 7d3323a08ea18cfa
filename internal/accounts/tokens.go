package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/store"
)

// newToken returns 32 random bytes as base64url (the value handed out) and its sha256
// (the value stored). 256 random bits cannot be guessed, so a fast unsalted hash is
// enough: a stolen table yields nothing usable.
func newToken() (plain, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it crashes the program instead)
	plain = base64.RawURLEncoding.EncodeToString(b)
	return plain, hashToken(plain)
}

func hashToken(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

const (
	apiTokenPrefix   = "hp_"
	apiPrefixLen     = len(apiTokenPrefix) + 6 // shown in lists to tell tokens apart
	maxTokensPerUser = 50
	maxTokenLifetime = 3650 // days
	tokenTouchEvery  = time.Minute
)

const tokenSelect = `SELECT id, user_id, org_id, name, prefix, scopes, created_at, expires_at, last_used_at, revoked_at FROM api_tokens`

func scanToken(r scanner) (APIToken, error) {
	var t APIToken
	var scopes string
	var exp, used, revoked *time.Time
	err := r.Scan(&t.ID, &t.UserID, &t.OrgID, &t.Name, &t.Prefix, &scopes, &t.CreatedAt, &exp, &used, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrNotFound
	}
	t.CreatedAt = t.CreatedAt.UTC()
	t.ExpiresAt, t.LastUsedAt, t.RevokedAt = utcPtr(exp), utcPtr(used), utcPtr(revoked)
	for sc := range strings.SplitSeq(scopes, ",") {
		if sc != "" {
			t.Scopes = append(t.Scopes, Scope(sc))
		}
	}
	return t, err
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// normaliseScopes accepts read and write (write implies read), or usage alone.
func normaliseScopes(in []Scope) ([]Scope, error) {
	if len(in) == 0 {
		return nil, i18n.T("accounts.scopes")
	}
	for _, s := range in {
		if s != ScopeRead && s != ScopeWrite && s != ScopeUsage {
			return nil, i18n.T("accounts.not_scope", truncate(string(s), 30))
		}
	}
	if slices.Contains(in, ScopeUsage) {
		if slices.ContainsFunc(in, func(s Scope) bool { return s != ScopeUsage }) {
			return nil, i18n.T("usage.err.scope_alone")
		}
		return []Scope{ScopeUsage}, nil
	}
	if slices.Contains(in, ScopeWrite) {
		return []Scope{ScopeRead, ScopeWrite}, nil
	}
	return []Scope{ScopeRead}, nil
}

// CreateAPIToken creates a token for the principal's own user and returns its plaintext
// once. Any user who may read may create a read token; a write token needs the
// organisation's admin user or PermTechnical (staff: any role). expiresInDays 0 means no
// expiry.
func (s *Service) CreateAPIToken(ctx context.Context, by Principal, name string, scopes []Scope, expiresInDays int) (APIToken, string, error) {
	if err := by.interactive(); err != nil {
		return APIToken{}, "", err
	}
	fe := FieldErrors{}
	var err error
	if name, err = cleanText(name, true, MaxTokenNameLen); err != nil {
		fe["name"] = i18n.From(err)
	}
	if scopes, err = normaliseScopes(scopes); err != nil {
		fe["scopes"] = i18n.From(err)
	}
	if expiresInDays < 0 || expiresInDays > maxTokenLifetime {
		fe["expires_in_days"] = i18n.T("accounts.token_days", maxTokenLifetime)
	}
	if len(fe) > 0 {
		return APIToken{}, "", fe
	}
	want := TokenCreate
	if slices.Contains(scopes, ScopeWrite) || slices.Contains(scopes, ScopeUsage) {
		want = TokenCreateWrite
	}
	if err := by.Check(want, by.Own()); err != nil {
		return APIToken{}, "", err
	}
	secret, _ := newToken()
	plain := apiTokenPrefix + secret
	var tok APIToken
	err = s.tx(ctx, by, func(ctx context.Context, q store.Querier) error {
		now := s.now()
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)`,
			by.User.ID, now).Scan(&n); err != nil {
			return err
		}
		if n >= maxTokensPerUser {
			return FieldErrors{"name": i18n.T("accounts.token_count", n)}
		}
		var exp any
		if expiresInDays > 0 {
			exp = now.AddDate(0, 0, expiresInDays)
		}
		var id int64
		if err := q.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, org_id, name, prefix, token_hash, scopes, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			by.User.ID, by.User.OrgID, name, plain[:apiPrefixLen], hashToken(plain), joinList(scopes), now, exp).Scan(&id); err != nil {
			return err
		}
		summary := fmt.Sprintf("API token %q (%s…) created with scopes %s", name, plain[:apiPrefixLen], describeList(scopes))
		if expiresInDays > 0 {
			summary += fmt.Sprintf(", valid for %d days", expiresInDays)
		}
		if err := record(ctx, q, now, by.User.OrgID, "api_token.create", "api_token", id, summary); err != nil {
			return err
		}
		tok, err = scanToken(q.QueryRowContext(ctx, tokenSelect+` WHERE id = $1`, id))
		return err
	})
	if err != nil {
		return APIToken{}, "", err
	}
	return tok, plain, nil
}

// ListAPITokens lists the principal's tokens (an org admin sees the organisation's).
func (s *Service) ListAPITokens(ctx context.Context, by Principal) ([]APIToken, error) {
	if err := by.ready(); err != nil {
		return nil, err
	}
	if by.Acting() {
		// The user's tokens are its reseller's, not the customer's it acts for.
		return nil, ErrForbidden
	}
	where, arg := `user_id = $1`, by.User.ID
	if !by.IsStaff() && by.User.OrgAdmin {
		where, arg = `org_id = $1`, by.User.OrgID
	}
	rows, err := s.db.QueryContext(ctx, tokenSelect+` WHERE `+where+` ORDER BY id DESC`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeAPIToken revokes a token the principal owns (or, for an org admin, one of its
// organisation's). Staff with the security role may revoke any token: a customer who
// reports misuse of an account expects the provider to act (cp.av.3.7).
func (s *Service) RevokeAPIToken(ctx context.Context, by Principal, id int64) error {
	if err := by.writable(); err != nil {
		return err
	}
	if by.Acting() {
		return ErrNotFound
	}
	t, err := scanToken(s.db.QueryRowContext(ctx, tokenSelect+` WHERE id = $1`, id))
	if err != nil {
		return err
	}
	switch {
	case t.UserID == by.User.ID:
	case !by.IsStaff() && by.User.OrgAdmin && t.OrgID == by.User.OrgID && t.OrgID != 0:
	case by.Can(TokenRevokeAny, Provider):
	case by.IsStaff():
		return ErrForbidden
	default:
		return ErrNotFound
	}
	if t.RevokedAt != nil {
		return nil
	}
	return s.tx(ctx, by, func(ctx context.Context, q store.Querier) error {
		now := s.now()
		if _, err := q.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, now, id); err != nil {
			return err
		}
		return record(ctx, q, now, t.OrgID, "api_token.revoke", "api_token", id, fmt.Sprintf("API token %q (%s…) revoked", t.Name, t.Prefix))
	})
}

// revokeUserTokens revokes every live API token of a user and says how many.
func revokeUserTokens(ctx context.Context, q store.Querier, now time.Time, userID int64) (int64, error) {
	res, err := q.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`, now, userID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// AuthenticateToken resolves an API bearer token, with the same checks as Authenticate:
// revoked or expired tokens, disabled users or organisations and the IP allowlist.
func (s *Service) AuthenticateToken(ctx context.Context, token, ip string) (Principal, error) {
	if !strings.HasPrefix(token, apiTokenPrefix) || len(token) > 128 {
		return Principal{}, ErrTokenInvalid
	}
	t, err := scanToken(s.db.QueryRowContext(ctx, tokenSelect+` WHERE token_hash = $1`, hashToken(token)))
	if errors.Is(err, ErrNotFound) {
		return Principal{}, ErrTokenInvalid
	}
	if err != nil {
		return Principal{}, err
	}
	now := s.now()
	if t.RevokedAt != nil || t.ExpiresAt != nil && !now.Before(*t.ExpiresAt) {
		return Principal{}, ErrTokenInvalid
	}
	u, org, err := s.activeUser(ctx, t.UserID, ip)
	if err != nil {
		return Principal{}, err
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= tokenTouchEvery {
		// Once a minute at most: a busy API client must not turn every read into a write.
		if _, err := s.db.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, now, t.ID); err != nil {
			return Principal{}, err
		}
		t.LastUsedAt = &now
	}
	return Principal{User: u, Org: org, Token: &t}, nil
}
