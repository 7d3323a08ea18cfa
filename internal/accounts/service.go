package accounts

import (
	"context"
	"errors"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/store"
)

// errTODO marks an operation whose body is being written. CONTRACT: the signatures in
// this file are what the web layer calls; keep them (add, do not rename).
var errTODO = errors.New("accounts: not implemented yet")

// Config holds the knobs of authentication.
type Config struct {
	SessionTTL    string // e.g. "12h"; idle sessions expire after this
	BaseURL       string // for links in mails, e.g. http://127.0.0.1:8080
	TOTPIssuer    string // shown in authenticator apps
	ProviderName  string // shown in mails
	ResetTokenTTL string // e.g. "1h"
}

// Service is the accounts API.
type Service struct {
	db    *store.DB
	clock clock.Clock
	cfg   Config
}

// New returns the accounts service.
func New(db *store.DB, clk clock.Clock, cfg Config) *Service {
	return &Service{db: db, clock: clk, cfg: cfg}
}

// LoginRequest is a sign-in attempt.
type LoginRequest struct {
	Email, Password, IP, UserAgent string
}

// --- authentication ---

// Login checks e-mail and password (throttled per account and per IP) and the
// organisation's IP allowlist, and starts a session. When the user has TOTP the session
// is MFAPending; a staff user without TOTP gets MFAEnrolRequired.
func (s *Service) Login(ctx context.Context, req LoginRequest) (Session, error) {
	return Session{}, errTODO
}

// CompleteMFA checks a TOTP code or an unused recovery code for an MFAPending session and
// rotates it into a full session (new token; the old one stops working).
func (s *Service) CompleteMFA(ctx context.Context, sessionToken, code, ip, userAgent string) (Session, error) {
	return Session{}, errTODO
}

// Authenticate resolves a session cookie into a Principal, checking expiry, disabled user
// or organisation and the IP allowlist on every request. A pending session is returned
// with its flags set; the caller limits it to the MFA pages.
func (s *Service) Authenticate(ctx context.Context, sessionToken, ip string) (Principal, error) {
	return Principal{}, errTODO
}

// AuthenticateToken resolves an API bearer token, with the same checks.
func (s *Service) AuthenticateToken(ctx context.Context, token, ip string) (Principal, error) {
	return Principal{}, errTODO
}

// Logout ends one session.
func (s *Service) Logout(ctx context.Context, sessionToken string) error { return errTODO }

// LogoutEverywhere ends every session of the principal's user.
func (s *Service) LogoutEverywhere(ctx context.Context, by Principal) error { return errTODO }

// RequestPasswordReset mails a single-use, expiring link when the address belongs to an
// active user; it answers the same either way so it reveals nothing.
func (s *Service) RequestPasswordReset(ctx context.Context, email, ip string) error { return errTODO }

// ResetPassword sets a new password with a token from the mail, uses the token up and
// ends the user's other sessions.
func (s *Service) ResetPassword(ctx context.Context, token, newPassword string) error { return errTODO }

// ChangePassword changes the principal's own password.
func (s *Service) ChangePassword(ctx context.Context, by Principal, current, newPassword string) error {
	return errTODO
}

// --- MFA ---

// TOTPEnrolment is a secret being set up: shown as a QR/otpauth URL until confirmed.
type TOTPEnrolment struct {
	Secret string
	URL    string // otpauth://…
}

// BeginTOTP starts (or restarts) TOTP enrolment for the principal's user.
func (s *Service) BeginTOTP(ctx context.Context, by Principal) (TOTPEnrolment, error) {
	return TOTPEnrolment{}, errTODO
}

// ConfirmTOTP checks a code against the pending secret, enables TOTP and returns fresh
// recovery codes (shown once). For a session with MFAEnrolRequired it lifts the flag.
func (s *Service) ConfirmTOTP(ctx context.Context, by Principal, code string) (recoveryCodes []string, err error) {
	return nil, errTODO
}

// DisableTOTP turns TOTP off; refused for staff, who must have it.
func (s *Service) DisableTOTP(ctx context.Context, by Principal, code string) error { return errTODO }

// --- organisations ---

// CreateOrganisation creates a customer (staff: admin, sales, support; a reseller's admin
// for its own customers) and, when admin is non-nil, its administrative user.
func (s *Service) CreateOrganisation(ctx context.Context, by Principal, in OrganisationInput, admin *UserInput) (Organisation, error) {
	return Organisation{}, errTODO
}

// UpdateOrganisation edits a customer (staff, or the organisation's own admin user for
// its contact details).
func (s *Service) UpdateOrganisation(ctx context.Context, by Principal, id int64, in OrganisationInput) (Organisation, error) {
	return Organisation{}, errTODO
}

// SetOrganisationDisabled disables or re-enables a customer (staff); disabling ends its
// users' sessions.
func (s *Service) SetOrganisationDisabled(ctx context.Context, by Principal, id int64, disabled bool) error {
	return errTODO
}

// GetOrganisation returns one organisation the principal may see.
func (s *Service) GetOrganisation(ctx context.Context, by Principal, id int64) (Organisation, error) {
	return Organisation{}, errTODO
}

// ListOrganisations lists what the principal may see (staff: all; a reseller: its own
// customers) and the total count for pagination.
func (s *Service) ListOrganisations(ctx context.Context, by Principal, f OrgFilter) ([]Organisation, int, error) {
	return nil, 0, errTODO
}

// SetIPAllowlist replaces the organisation's allowlist (CIDRs). Refused when it would
// lock out the address the request comes from.
func (s *Service) SetIPAllowlist(ctx context.Context, by Principal, orgID int64, cidrs []string, currentIP string) error {
	return errTODO
}

// --- users ---

// CreateUser creates a staff user (staff admin) or a sub-user of an organisation (its
// admin user, a user with PermUsers, or staff).
func (s *Service) CreateUser(ctx context.Context, by Principal, in UserInput) (User, error) {
	return User{}, errTODO
}

// GetUser returns one user the principal may see.
func (s *Service) GetUser(ctx context.Context, by Principal, id int64) (User, error) {
	return User{}, errTODO
}

// ListUsers lists an organisation's users (orgID > 0) or the staff (orgID 0, staff only).
func (s *Service) ListUsers(ctx context.Context, by Principal, orgID int64) ([]User, error) {
	return nil, errTODO
}

// SetUserPermissions changes a sub-user's permissions (or a staff user's roles).
func (s *Service) SetUserPermissions(ctx context.Context, by Principal, userID int64, perms []Permission, roles []Role) (User, error) {
	return User{}, errTODO
}

// SetUserDisabled disables or re-enables a user and ends its sessions.
func (s *Service) SetUserDisabled(ctx context.Context, by Principal, userID int64, disabled bool) error {
	return errTODO
}

// --- API tokens ---

// CreateAPIToken creates a token for the principal's own user and returns its plaintext
// once.
func (s *Service) CreateAPIToken(ctx context.Context, by Principal, name string, scopes []Scope, expiresInDays int) (APIToken, string, error) {
	return APIToken{}, "", errTODO
}

// ListAPITokens lists the principal's tokens (an org admin sees the organisation's).
func (s *Service) ListAPITokens(ctx context.Context, by Principal) ([]APIToken, error) {
	return nil, errTODO
}

// RevokeAPIToken revokes a token the principal owns (or, for an org admin, one of its
// organisation's).
func (s *Service) RevokeAPIToken(ctx context.Context, by Principal, id int64) error { return errTODO }

// --- command line ---

// CreateUserCLI creates a user from `hostpact user create` (no principal: the operator
// has shell access). AdminResetPassword and AdminDisable likewise.
func (s *Service) CreateUserCLI(ctx context.Context, in UserInput) (User, error) {
	return User{}, errTODO
}

// AdminResetPassword sets a user's password from the command line.
func (s *Service) AdminResetPassword(ctx context.Context, email, newPassword string) error {
	return errTODO
}

// AdminDisable disables a user from the command line.
func (s *Service) AdminDisable(ctx context.Context, email string) error { return errTODO }
