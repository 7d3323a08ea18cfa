package api

import (
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/notify"
)

// The API has its own request and response types instead of serialising the accounts
// types: the OpenAPI document then carries a description, an example and limits for
// every field, and a field added to a domain type (a hash, a secret) never reaches a
// client unless it is added here on purpose.
//
// Input limits mirror what the database and the forms accept; they reject absurd input
// before it reaches the service. The rules that need knowledge (VAT id, KvK, CIDR,
// password strength, who may do what) stay in the accounts service, which answers
// with field errors the API reports in the same shape.

// --- shared ---

// Address is a postal address.
type Address struct {
	Street     string `json:"street" maxLength:"200" example:"Keizersgracht 1" doc:"Street and house number."`
	PostalCode string `json:"postal_code" maxLength:"16" example:"1015 CJ" doc:"Postal code."`
	City       string `json:"city" maxLength:"100" example:"Amsterdam" doc:"City."`
	Country    string `json:"country" maxLength:"2" example:"NL" doc:"ISO 3166-1 alpha-2 country code."`
}

// AddressInput is a postal address as a client sends it; every part is optional here
// and the service says which parts it needs.
type AddressInput struct {
	Street     string `json:"street,omitempty" maxLength:"200" example:"Keizersgracht 1" doc:"Street and house number."`
	PostalCode string `json:"postal_code,omitempty" maxLength:"16" example:"1015 CJ" doc:"Postal code."`
	City       string `json:"city,omitempty" maxLength:"100" example:"Amsterdam" doc:"City."`
	Country    string `json:"country,omitempty" maxLength:"2" example:"NL" doc:"ISO 3166-1 alpha-2 country code."`
}

func addressOut(a accounts.Address) Address {
	return Address{Street: a.Street, PostalCode: a.PostalCode, City: a.City, Country: a.Country}
}

func (a *AddressInput) toAccounts() accounts.Address {
	if a == nil {
		return accounts.Address{}
	}
	return accounts.Address{Street: a.Street, PostalCode: a.PostalCode, City: a.City, Country: a.Country}
}

// nonNil makes an empty list serialise as [] rather than null, as the schema promises.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func stringsOf[T ~string](in []T) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = string(v)
	}
	return out
}

func typed[T ~string](in []string) []T {
	if in == nil {
		return nil
	}
	out := make([]T, len(in))
	for i, v := range in {
		out[i] = T(v)
	}
	return out
}

// --- organisations ---

// Organisation is a customer (Opdrachtgever/Klant).
type Organisation struct {
	ID             int64     `json:"id" example:"42" doc:"Organisation id."`
	Kind           string    `json:"kind" enum:"consumer,business" doc:"Consumers and businesses fall under different terms (cp.av.13.2, cp.av.14.7)."`
	LegalName      string    `json:"legal_name" example:"Voorbeeld B.V." doc:"Legal name, or the person's full name for a consumer."`
	ContactName    string    `json:"contact_name" example:"Jan Jansen" doc:"Contact person."`
	Email          string    `json:"email" format:"email" example:"admin@voorbeeld.nl" doc:"Administrative e-mail address; invoices and notices go here."`
	Phone          string    `json:"phone" example:"+31 20 123 4567" doc:"Phone number."`
	Language       string    `json:"language" enum:"nl,en" doc:"Language of mail, invoices and the portal."`
	PostalAddress  Address   `json:"postal_address" doc:"Postal address."`
	BillingAddress Address   `json:"billing_address" doc:"Billing address."`
	KvK            string    `json:"kvk,omitempty" example:"12345678" doc:"Chamber of Commerce (KvK) number; businesses."`
	VATID          string    `json:"vat_id,omitempty" example:"NL123456789B01" doc:"VAT identification number, normalised; businesses."`
	IsReseller     bool      `json:"is_reseller" doc:"Whether the organisation may own customer organisations (cp.av.7.1)."`
	ResellerID     int64     `json:"reseller_id,omitempty" example:"7" doc:"The reseller that serves this organisation, if any."`
	IPAllowlist    []string  `json:"ip_allowlist" example:"[\"192.0.2.0/24\"]" doc:"CIDR ranges its users may sign in from; empty means any address."`
	Disabled       bool      `json:"disabled" doc:"A disabled organisation's users cannot sign in or use tokens."`
	CreatedAt      time.Time `json:"created_at" doc:"When it was created."`
	UpdatedAt      time.Time `json:"updated_at" doc:"When it was last changed."`
}

func organisationOut(o accounts.Organisation) Organisation {
	return Organisation{
		ID: o.ID, Kind: string(o.Kind), LegalName: o.LegalName, ContactName: o.ContactName,
		Email: o.Email, Phone: o.Phone, Language: o.Language,
		PostalAddress: addressOut(o.PostalAddress), BillingAddress: addressOut(o.BillingAddress),
		KvK: o.KvK, VATID: o.VATID, IsReseller: o.IsReseller, ResellerID: o.ResellerID,
		IPAllowlist: nonNil(o.IPAllowlist), Disabled: o.Disabled,
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt,
	}
}

// OrganisationInput creates or replaces a customer's details.
type OrganisationInput struct {
	Kind           string        `json:"kind" enum:"consumer,business" doc:"consumer or business."`
	LegalName      string        `json:"legal_name" minLength:"1" maxLength:"200" example:"Voorbeeld B.V." doc:"Legal name, or the person's full name for a consumer."`
	ContactName    string        `json:"contact_name,omitempty" maxLength:"200" example:"Jan Jansen" doc:"Contact person."`
	Email          string        `json:"email" format:"email" maxLength:"254" example:"admin@voorbeeld.nl" doc:"Administrative e-mail address."`
	Phone          string        `json:"phone,omitempty" maxLength:"40" example:"+31 20 123 4567" doc:"Phone number."`
	Language       string        `json:"language,omitempty" enum:"nl,en" default:"nl" doc:"Language of mail, invoices and the portal."`
	PostalAddress  AddressInput  `json:"postal_address" doc:"Postal address."`
	BillingAddress *AddressInput `json:"billing_address,omitempty" doc:"Billing address; omit it when it is the postal address."`
	KvK            string        `json:"kvk,omitempty" maxLength:"20" example:"12345678" doc:"Chamber of Commerce (KvK) number; businesses."`
	VATID          string        `json:"vat_id,omitempty" maxLength:"20" example:"NL123456789B01" doc:"VAT identification number; businesses. Spaces and dots are removed."`
	IsReseller     bool          `json:"is_reseller,omitempty" doc:"Whether the organisation may own customer organisations (staff only)."`
	ResellerID     int64         `json:"reseller_id,omitempty" minimum:"0" example:"7" doc:"The reseller that serves this organisation."`
}

func (in OrganisationInput) toAccounts() accounts.OrganisationInput {
	return accounts.OrganisationInput{
		Kind: accounts.OrgKind(in.Kind), LegalName: in.LegalName, ContactName: in.ContactName,
		Email: in.Email, Phone: in.Phone, Language: in.Language,
		PostalAddress: in.PostalAddress.toAccounts(), BillingAddress: in.BillingAddress.toAccounts(),
		KvK: in.KvK, VATID: in.VATID, IsReseller: in.IsReseller, ResellerID: in.ResellerID,
	}
}

// NewOrganisation is an organisation to create, optionally with its administrative user.
type NewOrganisation struct {
	OrganisationInput
	Admin *AdminUserInput `json:"admin,omitempty" doc:"The organisation's administrative user, created with it. Without a password the user receives a mail to set one."`
}

// AdminUserInput is the administrative user created with an organisation.
type AdminUserInput struct {
	Email    string `json:"email" format:"email" maxLength:"254" example:"jan@voorbeeld.nl" doc:"Sign-in e-mail address."`
	Name     string `json:"name" minLength:"1" maxLength:"200" example:"Jan Jansen" doc:"Full name."`
	Language string `json:"language,omitempty" enum:"nl,en" default:"nl" doc:"Language of mail and the portal."`
	Password string `json:"password,omitempty" maxLength:"256" writeOnly:"true" doc:"Initial password: at least 8 characters with a lowercase and an uppercase letter, a digit and a symbol. Omit it to send a mail instead."`
}

func (a *AdminUserInput) toAccounts() *accounts.UserInput {
	if a == nil {
		return nil
	}
	return &accounts.UserInput{Email: a.Email, Name: a.Name, Language: a.Language, Password: a.Password, OrgAdmin: true}
}

// OrganisationList is one page of organisations.
type OrganisationList struct {
	Items   []Organisation `json:"items" doc:"The organisations on this page."`
	Total   int            `json:"total" example:"131" doc:"How many organisations match the filter in all."`
	Page    int            `json:"page" example:"1" doc:"This page, 1-based."`
	PerPage int            `json:"per_page" example:"25" doc:"Page size."`
}

// IPAllowlistInput replaces an organisation's IP allowlist.
type IPAllowlistInput struct {
	IPAllowlist []string `json:"ip_allowlist" maxItems:"50" maxLength:"64" example:"[\"192.0.2.0/24\",\"2001:db8::/48\"]" doc:"CIDR ranges the organisation's users may sign in from; an empty list allows any address. A list that would lock out the address of this request is refused."`
}

// --- users ---

// User is a staff member (no org_id) or a user of a customer organisation.
type User struct {
	ID          int64      `json:"id" example:"17" doc:"User id."`
	OrgID       int64      `json:"org_id,omitempty" example:"42" doc:"The user's organisation; absent for staff."`
	Email       string     `json:"email" format:"email" example:"jan@voorbeeld.nl" doc:"Sign-in e-mail address."`
	Name        string     `json:"name" example:"Jan Jansen" doc:"Full name."`
	Language    string     `json:"language" enum:"nl,en" doc:"Language of mail and the portal."`
	Roles       []string   `json:"roles,omitempty" enum:"admin,sales,billing,support,abuse,security,privacy" doc:"Staff roles."`
	OrgAdmin    bool       `json:"org_admin,omitempty" doc:"Whether this is the organisation's administrative user, who holds every permission."`
	Permissions []string   `json:"permissions,omitempty" enum:"read,billing,technical,users" doc:"A sub-user's permissions within its organisation (cp.av.3.6)."`
	MFAEnabled  bool       `json:"mfa_enabled" doc:"Whether the user signs in with a TOTP code."`
	Disabled    bool       `json:"disabled" doc:"A disabled user cannot sign in or use tokens."`
	CreatedAt   time.Time  `json:"created_at" doc:"When the user was created."`
	LastLoginAt *time.Time `json:"last_login_at,omitempty" doc:"Last successful sign-in."`
}

func userOut(u accounts.User) User {
	return User{
		ID: u.ID, OrgID: u.OrgID, Email: u.Email, Name: u.Name, Language: u.Language,
		Roles: stringsOf(u.Roles), OrgAdmin: u.OrgAdmin, Permissions: stringsOf(u.Permissions),
		MFAEnabled: u.MFAEnabled, Disabled: u.Disabled, CreatedAt: u.CreatedAt, LastLoginAt: u.LastLoginAt,
	}
}

// UserList is a list of users.
type UserList struct {
	Items []User `json:"items" doc:"The users."`
}

func userList(us []accounts.User) UserList {
	out := UserList{Items: make([]User, len(us))}
	for i, u := range us {
		out.Items[i] = userOut(u)
	}
	return out
}

// UserInput creates a user: a sub-user of an organisation (org_id set) or, for staff
// admins, a staff user (org_id absent, roles set).
type UserInput struct {
	OrgID       int64    `json:"org_id,omitempty" minimum:"0" example:"42" doc:"The organisation the user belongs to; omit it for a staff user."`
	Email       string   `json:"email" format:"email" maxLength:"254" example:"piet@voorbeeld.nl" doc:"Sign-in e-mail address."`
	Name        string   `json:"name" minLength:"1" maxLength:"200" example:"Piet Pietersen" doc:"Full name."`
	Language    string   `json:"language,omitempty" enum:"nl,en" default:"nl" doc:"Language of mail and the portal."`
	Password    string   `json:"password,omitempty" maxLength:"256" writeOnly:"true" doc:"Initial password: at least 8 characters with a lowercase and an uppercase letter, a digit and a symbol. Omit it to send a mail instead."`
	Roles       []string `json:"roles,omitempty" maxItems:"7" enum:"admin,sales,billing,support,abuse,security,privacy" doc:"Staff roles (staff users only)."`
	OrgAdmin    bool     `json:"org_admin,omitempty" doc:"Make this the organisation's administrative user (staff only)."`
	Permissions []string `json:"permissions,omitempty" maxItems:"4" enum:"read,billing,technical,users" doc:"A sub-user's permissions (cp.av.3.6)."`
}

func (in UserInput) toAccounts() accounts.UserInput {
	return accounts.UserInput{
		OrgID: in.OrgID, Email: in.Email, Name: in.Name, Language: in.Language, Password: in.Password,
		Roles: typed[accounts.Role](in.Roles), OrgAdmin: in.OrgAdmin, Permissions: typed[accounts.Permission](in.Permissions),
	}
}

// PermissionsInput replaces a sub-user's permissions or a staff user's roles.
type PermissionsInput struct {
	Permissions []string `json:"permissions,omitempty" maxItems:"4" enum:"read,billing,technical,users" example:"[\"read\",\"billing\"]" doc:"A sub-user's permissions (cp.av.3.6)."`
	Roles       []string `json:"roles,omitempty" maxItems:"7" enum:"admin,sales,billing,support,abuse,security,privacy" doc:"A staff user's roles."`
}

// --- tokens ---

// APIToken describes a bearer token. The secret itself is shown only once, when the
// token is created.
type APIToken struct {
	ID         int64      `json:"id" example:"5" doc:"Token id."`
	UserID     int64      `json:"user_id" example:"17" doc:"The user the token acts as."`
	OrgID      int64      `json:"org_id,omitempty" example:"42" doc:"The user's organisation; absent for staff."`
	Name       string     `json:"name" example:"deploy script" doc:"What the token is for."`
	Prefix     string     `json:"prefix" example:"hp_3kq9" doc:"The first characters of the secret, to recognise it."`
	Scopes     []string   `json:"scopes" enum:"read,write,usage" doc:"read: GET only; write: also changes; usage: only deliver usage samples (alone)."`
	CreatedAt  time.Time  `json:"created_at" doc:"When it was created."`
	ExpiresAt  *time.Time `json:"expires_at,omitempty" doc:"When it stops working; absent when it does not expire."`
	LastUsedAt *time.Time `json:"last_used_at,omitempty" doc:"When it was last used."`
	RevokedAt  *time.Time `json:"revoked_at,omitempty" doc:"When it was revoked."`
}

func tokenOut(t accounts.APIToken) APIToken {
	return APIToken{
		ID: t.ID, UserID: t.UserID, OrgID: t.OrgID, Name: t.Name, Prefix: t.Prefix,
		Scopes: nonNil(stringsOf(t.Scopes)), CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt,
		LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt,
	}
}

// APITokenList is a list of tokens.
type APITokenList struct {
	Items []APIToken `json:"items" doc:"The tokens."`
}

// APITokenInput creates a token for the calling user.
type APITokenInput struct {
	Name          string   `json:"name" minLength:"1" maxLength:"100" example:"deploy script" doc:"What the token is for."`
	Scopes        []string `json:"scopes" minItems:"1" maxItems:"2" uniqueItems:"true" enum:"read,write,usage" example:"[\"read\"]" doc:"read: GET only; write: also changes; usage: only deliver usage samples (alone)."`
	ExpiresInDays int      `json:"expires_in_days,omitempty" minimum:"0" maximum:"3650" example:"90" doc:"Days until the token expires; 0 or absent: it does not expire."`
}

// NewAPIToken is a created token with its secret.
type NewAPIToken struct {
	Token  APIToken `json:"token" doc:"The token."`
	Secret string   `json:"secret" example:"hp_3kq9…" doc:"The bearer secret. It is shown only now; store it safely."`
}

// --- me ---

// Me is who the calling token acts as.
type Me struct {
	User         User          `json:"user" doc:"The token's user."`
	Organisation *Organisation `json:"organisation,omitempty" doc:"The user's organisation; absent for staff."`
	Token        *APIToken     `json:"token,omitempty" doc:"The token of this request."`
	Staff        bool          `json:"staff" doc:"Whether the user works for the provider."`
	CanWrite     bool          `json:"can_write" doc:"Whether this token may make changes."`
}

// --- audit ---

// AuditActor is who made a change and from where.
type AuditActor struct {
	Kind      string `json:"kind" enum:"staff,customer,system,public" doc:"What kind of actor."`
	ID        int64  `json:"id,omitempty" example:"17" doc:"The user id, for staff and customers."`
	Label     string `json:"label" example:"jan@voorbeeld.nl" doc:"E-mail address or job name."`
	IP        string `json:"ip,omitempty" example:"192.0.2.10" doc:"Client address."`
	UserAgent string `json:"user_agent,omitempty" doc:"Client software."`
}

// AuditEntry is one line of the hash-chained audit trail.
type AuditEntry struct {
	Seq        int64      `json:"seq" example:"1042" doc:"Position in the trail."`
	At         time.Time  `json:"at" doc:"When the change was made."`
	Actor      AuditActor `json:"actor" doc:"Who made it."`
	OrgID      int64      `json:"org_id,omitempty" example:"42" doc:"The customer organisation it concerns."`
	Action     string     `json:"action" example:"organisation.update" doc:"What was done."`
	ObjectKind string     `json:"object_kind" example:"organisation" doc:"Kind of object changed."`
	ObjectID   string     `json:"object_id" example:"42" doc:"Id of the object changed."`
	Summary    string     `json:"summary" doc:"What changed, in a sentence."`
	PrevHash   string     `json:"prev_hash" doc:"Hash of the previous entry."`
	Hash       string     `json:"hash" doc:"SHA-256 over this entry's fields and prev_hash: an edited, removed or reordered entry breaks the chain."`
}

func auditOut(e audit.Entry, forCustomer bool) AuditEntry {
	a := AuditActor{Kind: string(e.Actor.Kind), ID: e.Actor.ID, Label: e.Actor.Label, IP: e.Actor.IP, UserAgent: e.Actor.UserAgent}
	if forCustomer && e.Actor.Kind != audit.ActorCustomer {
		// Where staff work from is the provider's business, not the customer's.
		a.IP, a.UserAgent = "", ""
	}
	return AuditEntry{
		Seq: e.Seq, At: e.At, Actor: a, OrgID: e.OrgID, Action: e.Action, ObjectKind: e.ObjectKind,
		ObjectID: e.ObjectID, Summary: e.Summary, PrevHash: e.PrevHash, Hash: e.Hash,
	}
}

// AuditPage is a page of the audit trail, newest first.
type AuditPage struct {
	Items      []AuditEntry `json:"items" doc:"Entries, newest first."`
	NextBefore int64        `json:"next_before,omitempty" example:"1000" doc:"Pass as before to get the next page; absent on the last page."`
}

// --- mail (demo) ---

// Mail is a message in the outbox.
type Mail struct {
	ID        int64      `json:"id" example:"9" doc:"Outbox id."`
	OrgID     int64      `json:"org_id,omitempty" example:"42" doc:"The organisation the mail concerns."`
	To        string     `json:"to" example:"jan@voorbeeld.nl" doc:"Recipient."`
	Lang      string     `json:"lang" enum:"nl,en" doc:"Language."`
	Subject   string     `json:"subject" doc:"Subject."`
	Text      string     `json:"text" doc:"Plain-text body."`
	Status    string     `json:"status" enum:"pending,sent,failed" doc:"Delivery status."`
	Attempts  int        `json:"attempts" doc:"Delivery attempts so far."`
	CreatedAt time.Time  `json:"created_at" doc:"When it was queued."`
	SentAt    *time.Time `json:"sent_at,omitempty" doc:"When it was delivered."`
	LastError string     `json:"last_error,omitempty" doc:"The last delivery error."`
}

func mailOut(m notify.Mail) Mail {
	return Mail{
		ID: m.ID, OrgID: m.OrgID, To: m.To, Lang: m.Lang, Subject: m.Subject, Text: m.Text,
		Status: m.Status, Attempts: m.Attempts, CreatedAt: m.CreatedAt, SentAt: m.SentAt, LastError: m.LastError,
	}
}

// MailPage is a page of the outbox, newest first.
type MailPage struct {
	Items      []Mail `json:"items" doc:"Messages, newest first."`
	NextBefore int64  `json:"next_before,omitempty" example:"120" doc:"Pass as before to get the next page; absent on the last page."`
}
