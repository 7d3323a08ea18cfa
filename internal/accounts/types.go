// Package accounts owns the people who use hostpact: provider staff with roles, customer
// organisations (consumer or business, optionally served by a reseller, cp.av.7.1) with an
// administrative user and sub-users (cp.av.3.6), and everything that proves who they are:
// passwords, TOTP, sessions, API tokens, login throttling and IP allowlists
// (cp.security.access.1-5, cp.security.passwords.1; INTERPRETATION.md, Accounts and security).
//
// Every operation takes the acting Principal and checks on the server what it may do;
// a customer's principal never reaches another organisation's data (tenant isolation).
package accounts

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/i18n"
)

// Role is a staff role.
type Role string

const (
	RoleAdmin    Role = "admin"
	RoleSales    Role = "sales"
	RoleBilling  Role = "billing"
	RoleSupport  Role = "support"
	RoleAbuse    Role = "abuse"
	RoleSecurity Role = "security"
	RolePrivacy  Role = "privacy"
)

// Roles lists every staff role in display order.
var Roles = []Role{RoleAdmin, RoleSales, RoleBilling, RoleSupport, RoleAbuse, RoleSecurity, RolePrivacy}

// Permission is what a customer's sub-user may do within its organisation (cp.av.3.6).
// The organisation's administrative user holds all of them implicitly.
type Permission string

const (
	PermReadOnly  Permission = "read"      // see everything of the organisation, change nothing
	PermBilling   Permission = "billing"   // invoices, payments, billing details
	PermTechnical Permission = "technical" // services, API tokens with technical scopes
	PermUsers     Permission = "users"     // manage sub-users (besides the admin user)
)

// Permissions lists every customer permission in display order.
var Permissions = []Permission{PermReadOnly, PermBilling, PermTechnical, PermUsers}

// OrgKind distinguishes consumers from businesses: the terms treat them differently
// (cp.av.13.2, cp.av.14.7, cp.av.13.9).
type OrgKind string

const (
	Consumer OrgKind = "consumer"
	Business OrgKind = "business"
)

// Address is a postal address; Country is an ISO 3166-1 alpha-2 code.
type Address struct {
	Street     string `json:"street"`
	PostalCode string `json:"postal_code"`
	City       string `json:"city"`
	Country    string `json:"country"`
}

// Organisation is a customer (Opdrachtgever/Klant).
type Organisation struct {
	ID             int64     `json:"id"`
	Kind           OrgKind   `json:"kind"`
	LegalName      string    `json:"legal_name"`
	ContactName    string    `json:"contact_name"`
	Email          string    `json:"email"`
	Phone          string    `json:"phone"`
	Language       string    `json:"language"` // nl or en
	PostalAddress  Address   `json:"postal_address"`
	BillingAddress Address   `json:"billing_address"`
	KvK            string    `json:"kvk,omitempty"`    // businesses
	VATID          string    `json:"vat_id,omitempty"` // businesses, normalised (no spaces, upper case)
	IsReseller     bool      `json:"is_reseller"`      // may own customer organisations (cp.av.7.1)
	ResellerID     int64     `json:"reseller_id,omitempty"`
	IPAllowlist    []string  `json:"ip_allowlist"` // CIDRs; empty = any address
	Disabled       bool      `json:"disabled"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// OrganisationInput is what staff (or a reseller) fill in to create or edit a customer.
type OrganisationInput struct {
	Kind           OrgKind `json:"kind"`
	LegalName      string  `json:"legal_name"`
	ContactName    string  `json:"contact_name"`
	Email          string  `json:"email"`
	Phone          string  `json:"phone"`
	Language       string  `json:"language"`
	PostalAddress  Address `json:"postal_address"`
	BillingAddress Address `json:"billing_address"` // empty: same as postal
	KvK            string  `json:"kvk,omitempty"`
	VATID          string  `json:"vat_id,omitempty"`
	IsReseller     bool    `json:"is_reseller"`
	ResellerID     int64   `json:"reseller_id,omitempty"`
}

// User is a staff member (OrgID 0) or a user of a customer organisation.
type User struct {
	ID          int64        `json:"id"`
	OrgID       int64        `json:"org_id,omitempty"`
	Email       string       `json:"email"`
	Name        string       `json:"name"`
	Language    string       `json:"language"`
	Roles       []Role       `json:"roles,omitempty"`       // staff only
	OrgAdmin    bool         `json:"org_admin,omitempty"`   // the organisation's administrative user
	Permissions []Permission `json:"permissions,omitempty"` // sub-users
	MFAEnabled  bool         `json:"mfa_enabled"`
	Disabled    bool         `json:"disabled"`
	CreatedAt   time.Time    `json:"created_at"`
	LastLoginAt *time.Time   `json:"last_login_at,omitempty"`
}

// IsStaff reports whether u works for the provider.
func (u User) IsStaff() bool { return u.OrgID == 0 }

// HasRole reports whether a staff user holds r; admins hold every role.
func (u User) HasRole(r Role) bool {
	if !u.IsStaff() {
		return false
	}
	for _, have := range u.Roles {
		if have == r || have == RoleAdmin {
			return true
		}
	}
	return false
}

// Has reports whether a customer user holds p. The admin user holds all; PermReadOnly is
// implied by any permission.
func (u User) Has(p Permission) bool {
	if u.IsStaff() {
		return false
	}
	if u.OrgAdmin {
		return true
	}
	for _, have := range u.Permissions {
		if have == p || p == PermReadOnly {
			return true
		}
	}
	return false
}

// UserInput creates a user. Staff users get Roles; customer users get OrgID and
// Permissions (OrgAdmin is set only when the organisation is created or by staff).
type UserInput struct {
	OrgID       int64        `json:"org_id,omitempty"`
	Email       string       `json:"email"`
	Name        string       `json:"name"`
	Language    string       `json:"language"`
	Password    string       `json:"password,omitempty"` // empty: the user sets one through a reset mail
	Roles       []Role       `json:"roles,omitempty"`
	OrgAdmin    bool         `json:"org_admin,omitempty"`
	Permissions []Permission `json:"permissions,omitempty"`
}

// Scope limits what an API token may do.
type Scope string

const (
	ScopeRead  Scope = "read"  // GET everything the owner may see
	ScopeWrite Scope = "write" // also change what the owner may change
	// ScopeUsage allows only delivering usage samples (usage.submit), for a provider's
	// own collectors (issue 15): a leaked collector token reads and changes nothing.
	ScopeUsage Scope = "usage"
)

// APIToken is a bearer token for /api/v1. Only its hash is stored; the plaintext is
// shown once, at creation.
type APIToken struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	OrgID      int64      `json:"org_id,omitempty"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"` // first characters, to recognise it in lists
	Scopes     []Scope    `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// Session is a signed-in browser. Token is the cookie value (only its hash is stored).
type Session struct {
	ID        int64
	Token     string
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
	// MFAPending: the password was right but the TOTP step is not done yet. Such a
	// session may only complete MFA (or, for staff without MFA, enrol it).
	MFAPending bool
	// MFAEnrolRequired: a staff user without TOTP; the session may only enrol.
	MFAEnrolRequired bool
	IP               string
	UserAgent        string
	// ActingFor is the customer organisation a reseller's admin user acts for in this
	// session ("act for this customer", cp.av.7.1), 0 when it acts for itself.
	ActingFor int64
}

// Principal is who is acting, as established by a session or an API token.
type Principal struct {
	User    User
	Org     *Organisation // nil for staff; the customer acted for while Reseller is set
	Session *Session      // nil for API tokens
	Token   *APIToken     // nil for sessions
	// Reseller is set while a reseller's admin user acts for one of its customers
	// (cp.av.7.1, cp.av.7.7): it is the reseller, the organisation User belongs to, and
	// Org is the customer. The user stays the real actor: Check answers with the
	// reseller's rights on that one customer (relReseller), never with the customer's
	// own, and the audit trail names the user with the customer beside it. Only
	// Authenticate and ActingPrincipal set it, after checking the relation.
	Reseller *Organisation
}

// Acting reports whether p is a reseller's user acting for one of its customers.
func (p Principal) Acting() bool { return p.Reseller != nil }

// Real is the principal without the "act for" mode: the reseller's user in its own
// organisation. The reseller's own pages (its customer list) use it.
func (p Principal) Real() Principal {
	if p.Reseller == nil {
		return p
	}
	p.Org, p.Reseller = p.Reseller, nil
	return p
}

// IsStaff reports whether the principal works for the provider.
func (p Principal) IsStaff() bool { return p.User.IsStaff() }

// UsageOnly reports whether p is a token with the usage scope, which may deliver
// usage samples and nothing else.
func (p Principal) UsageOnly() bool {
	return p.Token != nil && slices.Contains(p.Token.Scopes, ScopeUsage)
}

// CanWrite reports whether a token's scopes allow changes (sessions always may).
func (p Principal) CanWrite() bool {
	if p.Token == nil {
		return true
	}
	for _, s := range p.Token.Scopes {
		if s == ScopeWrite {
			return true
		}
	}
	return false
}

// Errors callers can test for with errors.Is.
var (
	ErrNotFound           = errors.New("not found")
	ErrForbidden          = errors.New("not allowed")
	ErrInvalidCredentials = errors.New("e-mail address or password is incorrect")
	ErrInvalidCode        = errors.New("the code is incorrect or expired")
	ErrIPNotAllowed       = errors.New("your organisation does not allow sign-in from this address")
	ErrSessionExpired     = errors.New("session expired")
	ErrTokenInvalid       = errors.New("the link is invalid or has expired")
	ErrDisabled           = errors.New("account disabled")
)

// ThrottledError says a login is slowed down; RetryAfter tells when to try again. It
// never locks an account for good: the delay grows with failures and decays with time.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many attempts; try again in %d seconds", int(e.RetryAfter.Seconds()+0.999))
}

// FieldErrors maps a field name (as in the input's JSON tag, e.g. "vat_id",
// "postal_address.postal_code") to a message a person can act on. Returned by every
// operation that validates input; nothing is saved when it is non-empty.
type FieldErrors map[string]i18n.Msg

func (fe FieldErrors) Error() string {
	keys := make([]string, 0, len(fe))
	for k := range fe {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + fe[k].Error()
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// OrgFilter selects organisations for the staff list.
type OrgFilter struct {
	Query      string // matches legal name, e-mail, contact, KvK, VAT id
	Kind       OrgKind
	ResellerID int64
	Disabled   *bool
	Page       int // 1-based
	PerPage    int // default 25, max 100
	// AfterID, for ListOrganisationsAfter: the page starts after this organisation in
	// the list's order (0: the first page).
	AfterID int64
}
