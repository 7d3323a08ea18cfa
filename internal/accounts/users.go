package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/store"
)

const userSelect = `SELECT u.id, COALESCE(u.org_id, 0), u.email, u.name, u.language, u.roles, u.org_admin,
	u.permissions, u.disabled, u.created_at, u.last_login_at, COALESCE(t.secret, '') <> ''
	FROM users u LEFT JOIN user_totp t ON t.user_id = u.id`

type scanner interface{ Scan(...any) error }

func scanUser(r scanner) (User, error) {
	var u User
	var roles, perms string
	var lastLogin *time.Time
	err := r.Scan(&u.ID, &u.OrgID, &u.Email, &u.Name, &u.Language, &roles, &u.OrgAdmin, &perms,
		&u.Disabled, &u.CreatedAt, &lastLogin, &u.MFAEnabled)
	if errors.Is(err, sql.ErrNoRows) {
		return u, ErrNotFound
	}
	if err != nil {
		return u, err
	}
	u.CreatedAt = u.CreatedAt.UTC()
	if lastLogin != nil {
		t := lastLogin.UTC()
		u.LastLoginAt = &t
	}
	for r := range strings.SplitSeq(roles, ",") {
		if r != "" {
			u.Roles = append(u.Roles, Role(r))
		}
	}
	for p := range strings.SplitSeq(perms, ",") {
		if p != "" {
			u.Permissions = append(u.Permissions, Permission(p))
		}
	}
	return u, nil
}

func getUser(ctx context.Context, q store.Querier, id int64) (User, error) {
	return scanUser(q.QueryRowContext(ctx, userSelect+` WHERE u.id = $1`, id))
}

func getUserByEmail(ctx context.Context, q store.Querier, email string) (User, error) {
	if e, err := ValidateEmail(email); err == nil {
		email = e // the stored form, however the address was typed
	}
	return scanUser(q.QueryRowContext(ctx, userSelect+` WHERE u.email = $1`, strings.ToLower(strings.TrimSpace(email))))
}

func queryUsers(ctx context.Context, q store.Querier, where string, args ...any) ([]User, error) {
	rows, err := q.QueryContext(ctx, userSelect+` WHERE `+where+` ORDER BY u.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// orgOf loads the organisation of a customer user; nil for staff.
func orgOf(ctx context.Context, q store.Querier, u User) (*Organisation, error) {
	if u.IsStaff() {
		return nil, nil
	}
	o, err := getOrg(ctx, q, u.OrgID)
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// canSeeUser returns nil when p may read u; ErrNotFound hides users of other tenants.
func (p Principal) canSeeUser(u User, org *Organisation) error {
	if u.ID == p.User.ID {
		return nil
	}
	if u.IsStaff() {
		if p.Can(CustomerRead, Provider) {
			return nil
		}
		return ErrNotFound
	}
	return p.Check(CustomerRead, org.Ref())
}

// loadVisibleUser fetches user id with its organisation, as p may see it.
func (s *Service) loadVisibleUser(ctx context.Context, p Principal, id int64) (User, *Organisation, error) {
	u, err := getUser(ctx, s.db, id)
	if err != nil {
		return User{}, nil, err
	}
	org, err := orgOf(ctx, s.db, u)
	if err != nil {
		return User{}, nil, err
	}
	if err := p.canSeeUser(u, org); err != nil {
		return User{}, nil, err
	}
	return u, org, nil
}

// validateUserInput normalises in and reports problems under prefix (e.g. "admin.").
// Staff users have roles; customer users may have permissions.
func validateUserInput(in *UserInput, staff bool, prefix string) FieldErrors {
	fe := FieldErrors{}
	var err error
	if in.Email, err = ValidateEmail(in.Email); err != nil {
		fe[prefix+"email"] = i18n.From(err)
	}
	if in.Name, err = cleanText(in.Name, true, MaxNameLen); err != nil {
		fe[prefix+"name"] = i18n.From(err)
	}
	if in.Language, err = validateLanguage(in.Language); err != nil {
		fe[prefix+"language"] = i18n.From(err)
	}
	if in.Password != "" {
		if err := ValidatePassword(in.Password); err != nil {
			fe[prefix+"password"] = i18n.From(err)
		}
	}
	if staff {
		if in.Roles, err = normaliseRoles(in.Roles); err != nil {
			fe[prefix+"roles"] = i18n.From(err)
		}
		if len(in.Permissions) > 0 {
			fe[prefix+"permissions"] = i18n.T("accounts.staff_permissions")
		}
		if in.OrgAdmin {
			fe[prefix+"org_admin"] = i18n.T("accounts.staff_org_admin")
		}
	} else {
		if len(in.Roles) > 0 {
			fe[prefix+"roles"] = i18n.T("accounts.roles_staff_only")
		}
		if in.Permissions, err = normalisePermissions(in.Permissions); err != nil {
			fe[prefix+"permissions"] = i18n.From(err)
		}
	}
	return fe
}

func normaliseRoles(in []Role) ([]Role, error) {
	for _, r := range in {
		if !slices.Contains(Roles, r) {
			return nil, i18n.T("accounts.not_role", truncate(string(r), 30))
		}
	}
	out := slices.DeleteFunc(slices.Clone(Roles), func(r Role) bool { return !slices.Contains(in, r) })
	if len(out) == 0 {
		return nil, i18n.T("accounts.roles_empty")
	}
	return out, nil
}

func normalisePermissions(in []Permission) ([]Permission, error) {
	for _, p := range in {
		if !slices.Contains(Permissions, p) {
			return nil, i18n.T("accounts.not_permission", truncate(string(p), 30))
		}
	}
	return slices.DeleteFunc(slices.Clone(Permissions), func(p Permission) bool { return !slices.Contains(in, p) }), nil
}

func joinList[T ~string](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = string(x)
	}
	return strings.Join(s, ",")
}

func describeList[T ~string](xs []T) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.ReplaceAll(joinList(xs), ",", ", ")
}

// insertUser writes a validated user; a password hash of "" sends an invitation to
// choose one. Returns FieldErrors{prefix+"email"} when the address is taken.
func (s *Service) insertUser(ctx context.Context, q store.Querier, now time.Time, in UserInput, pwHash, prefix string) (User, error) {
	var orgID any
	if in.OrgID != 0 {
		orgID = in.OrgID
	}
	var changedAt any
	if pwHash != "" {
		changedAt = now
	}
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO users (org_id, email, name, language, password_hash, roles, org_admin,
		permissions, created_at, updated_at, password_changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) RETURNING id`,
		orgID, in.Email, in.Name, in.Language, pwHash, joinList(in.Roles), in.OrgAdmin, joinList(in.Permissions), now, changedAt).Scan(&id)
	if store.IsUniqueViolation(err) {
		return User{}, FieldErrors{prefix + "email": i18n.T("accounts.email_taken")}
	}
	if err != nil {
		return User{}, err
	}
	u, err := getUser(ctx, q, id)
	if err != nil {
		return User{}, err
	}
	var summary string
	switch {
	case u.IsStaff():
		summary = "staff user " + u.Email + " created with roles " + describeList(u.Roles)
	case u.OrgAdmin:
		summary = "admin user " + u.Email + " created"
	default:
		summary = "user " + u.Email + " created with permissions " + describeList(u.Permissions)
	}
	if pwHash == "" {
		if err := s.invite(ctx, q, now, u); err != nil {
			return User{}, err
		}
		summary += "; invitation to choose a password mailed"
	}
	return u, record(ctx, q, now, u.OrgID, "user.create", "user", u.ID, summary)
}

// CreateUser creates a staff user (staff admin) or a sub-user of an organisation (its
// admin user, a user with PermUsers, its reseller, or staff). Only staff make a user
// the organisation's admin user.
func (s *Service) CreateUser(ctx context.Context, by Principal, in UserInput) (User, error) {
	if err := by.writable(); err != nil {
		return User{}, err
	}
	if in.OrgID == 0 {
		if err := by.Check(StaffManage, Provider); err != nil {
			return User{}, err
		}
	} else {
		org, err := getOrg(ctx, s.db, in.OrgID)
		if err != nil {
			return User{}, err
		}
		if err := by.Check(CustomerRead, org.Ref()); err != nil {
			return User{}, err
		}
		if err := by.Check(UserManage, org.Ref()); err != nil {
			return User{}, err
		}
		if in.OrgAdmin {
			if err := by.Check(UserMakeAdmin, org.Ref()); err != nil {
				return User{}, err
			}
		}
	}
	return s.createUser(ctx, by, in)
}

// mayGrant refuses a change from permissions before to after that touches a permission
// the acting sub-user does not hold itself: PermUsers lets a sub-user manage the other
// sub-users, not hand out (or take away) rights above its own (cp.av.3.6; issue 8,
// finding 3). The organisation's admin user holds every permission, and staff and the
// reseller act for the organisation as a whole.
func (p Principal) mayGrant(orgID int64, before, after []Permission) FieldErrors {
	if p.IsStaff() || p.User.OrgAdmin || p.User.OrgID != orgID {
		return nil
	}
	var lacking []Permission
	for _, perm := range Permissions {
		if slices.Contains(before, perm) != slices.Contains(after, perm) && !p.User.Has(perm) {
			lacking = append(lacking, perm)
		}
	}
	if len(lacking) == 0 {
		return nil
	}
	return FieldErrors{"permissions": i18n.T("accounts.grant_own_only", describeList(lacking))}
}

func (s *Service) createUser(ctx context.Context, by Principal, in UserInput) (User, error) {
	fe := validateUserInput(&in, in.OrgID == 0, "")
	if grant := by.mayGrant(in.OrgID, nil, in.Permissions); fe["permissions"].IsZero() && len(grant) > 0 {
		fe["permissions"] = grant["permissions"]
	}
	if len(fe) > 0 {
		return User{}, fe
	}
	var pwHash string
	if in.Password != "" {
		var err error
		if pwHash, err = s.hashPassword(ctx, in.Password); err != nil {
			return User{}, err
		}
	}
	var u User
	run := func(ctx context.Context, q store.Querier) (err error) {
		u, err = s.insertUser(ctx, q, s.now(), in, pwHash, "")
		return err
	}
	if by.User.ID == 0 {
		ctx = systemCtx(ctx)
		return u, s.db.InTx(ctx, func(q store.Querier) error { return run(ctx, q) })
	}
	return u, s.tx(ctx, by, run)
}

// GetUser returns one user the principal may see.
func (s *Service) GetUser(ctx context.Context, by Principal, id int64) (User, error) {
	if err := by.ready(); err != nil {
		return User{}, err
	}
	u, _, err := s.loadVisibleUser(ctx, by, id)
	return u, err
}

// ListUsers lists an organisation's users (orgID > 0) or the staff (orgID 0, staff only).
func (s *Service) ListUsers(ctx context.Context, by Principal, orgID int64) ([]User, error) {
	if err := by.ready(); err != nil {
		return nil, err
	}
	if orgID == 0 {
		if !by.Can(CustomerRead, Provider) {
			return nil, ErrForbidden
		}
		return queryUsers(ctx, s.db, `u.org_id IS NULL`)
	}
	org, err := visibleOrg(ctx, s.db, by, orgID)
	if err != nil {
		return nil, err
	}
	if err := by.Check(CustomerRead, org.Ref()); err != nil {
		return nil, err
	}
	return queryUsers(ctx, s.db, `u.org_id = $1`, orgID)
}

// CountUsers says how many users organisation orgID has, for a page that shows the
// number and not the people.
func (s *Service) CountUsers(ctx context.Context, by Principal, orgID int64) (int, error) {
	org, err := visibleOrg(ctx, s.db, by, orgID)
	if err != nil {
		return 0, err
	}
	if err := by.Check(CustomerRead, org.Ref()); err != nil {
		return 0, err
	}
	var n int
	err = s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE org_id = $1`, orgID).Scan(&n)
	return n, err
}

// SetUserPermissions changes a sub-user's permissions (or a staff user's roles). Nobody
// changes their own, so an admin cannot lock themselves out by accident.
func (s *Service) SetUserPermissions(ctx context.Context, by Principal, userID int64, perms []Permission, roles []Role) (User, error) {
	if err := by.writable(); err != nil {
		return User{}, err
	}
	target, org, err := s.loadVisibleUser(ctx, by, userID)
	if err != nil {
		return User{}, err
	}
	if !by.canManageUser(target, org) {
		return User{}, ErrForbidden
	}
	fe := FieldErrors{}
	var what, before, after string
	if target.IsStaff() {
		if len(perms) > 0 {
			fe["permissions"] = i18n.T("accounts.staff_permissions")
		}
		if roles, err = normaliseRoles(roles); err != nil {
			fe["roles"] = i18n.From(err)
		}
		what, before, after = "roles", describeList(target.Roles), describeList(roles)
	} else {
		if len(roles) > 0 {
			fe["roles"] = i18n.T("accounts.roles_staff_only")
		}
		if perms, err = normalisePermissions(perms); err != nil {
			fe["permissions"] = i18n.From(err)
		} else if grant := by.mayGrant(target.OrgID, target.Permissions, perms); len(grant) > 0 {
			fe["permissions"] = grant["permissions"]
		}
		what, before, after = "permissions", describeList(target.Permissions), describeList(perms)
	}
	if len(fe) > 0 {
		return User{}, fe
	}
	if before == after {
		return target, nil
	}
	var u User
	err = s.tx(ctx, by, func(ctx context.Context, q store.Querier) error {
		now := s.now()
		if _, err := q.ExecContext(ctx, `UPDATE users SET roles = $1, permissions = $2, updated_at = $3 WHERE id = $4`,
			joinList(roles), joinList(perms), now, target.ID); err != nil {
			return err
		}
		if u, err = getUser(ctx, q, target.ID); err != nil {
			return err
		}
		return record(ctx, q, now, target.OrgID, "user."+what, "user", target.ID,
			fmt.Sprintf("%s of %s changed from %s to %s", what, target.Email, before, after))
	})
	return u, err
}

// SetUserDisabled disables or re-enables a user and ends its sessions.
func (s *Service) SetUserDisabled(ctx context.Context, by Principal, userID int64, disabled bool) error {
	if err := by.writable(); err != nil {
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
		return setDisabled(ctx, q, s.now(), target, disabled)
	})
}

func setDisabled(ctx context.Context, q store.Querier, now time.Time, u User, disabled bool) error {
	if u.Disabled == disabled {
		return nil
	}
	if _, err := q.ExecContext(ctx, `UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3`, disabled, now, u.ID); err != nil {
		return err
	}
	if !disabled {
		return record(ctx, q, now, u.OrgID, "user.enable", "user", u.ID, "user "+u.Email+" enabled")
	}
	n, err := endSessions(ctx, q, u.ID, 0)
	if err != nil {
		return err
	}
	// Revoked, not only refused while disabled: enabling the user again must not bring
	// back a token that left with the person (issue 8, finding 10).
	tokens, err := revokeUserTokens(ctx, q, now, u.ID)
	if err != nil {
		return err
	}
	return record(ctx, q, now, u.OrgID, "user.disable", "user", u.ID,
		fmt.Sprintf("user %s disabled; %d sessions ended; %d API tokens revoked", u.Email, n, tokens))
}

// FindUserByEmail looks a user up without a principal, for the command line and the demo
// seeder; the web layer never calls it.
func (s *Service) FindUserByEmail(ctx context.Context, email string) (User, error) {
	return getUserByEmail(ctx, s.db, email)
}

// --- command line ---

// CreateUserCLI creates a user from `hostpact user create` (no principal: the operator
// has shell access). AdminResetPassword and AdminDisable likewise.
func (s *Service) CreateUserCLI(ctx context.Context, in UserInput) (User, error) {
	if in.OrgID != 0 {
		if _, err := getOrg(ctx, s.db, in.OrgID); errors.Is(err, ErrNotFound) {
			return User{}, FieldErrors{"org_id": i18n.T("accounts.no_org", in.OrgID)}
		} else if err != nil {
			return User{}, err
		}
	}
	return s.createUser(ctx, Principal{}, in)
}

// AdminResetPassword sets a user's password from the command line.
func (s *Service) AdminResetPassword(ctx context.Context, email, newPassword string) error {
	if err := ValidatePassword(newPassword); err != nil {
		return FieldErrors{"password": i18n.From(err)}
	}
	u, err := getUserByEmail(ctx, s.db, email)
	if err != nil {
		return err
	}
	hash, err := s.hashPassword(ctx, newPassword)
	if err != nil {
		return err
	}
	ctx = systemCtx(ctx)
	return s.db.InTx(ctx, func(q store.Querier) error {
		return s.setPassword(ctx, q, s.now(), u, hash, 0, "user.password_set", "password set from the command line", true)
	})
}

// AdminDisable disables a user from the command line.
func (s *Service) AdminDisable(ctx context.Context, email string) error {
	u, err := getUserByEmail(ctx, s.db, email)
	if err != nil {
		return err
	}
	ctx = systemCtx(ctx)
	return s.db.InTx(ctx, func(q store.Querier) error { return setDisabled(ctx, q, s.now(), u, true) })
}
