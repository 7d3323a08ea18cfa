package accounts

import "slices"

// Authorization is decided here, on the server, for every operation. Access follows
// need-to-know (cp.security.access.1): each staff role may do what its work needs.
//
//	staff action          admin sales support billing security abuse privacy
//	read customers          x     x      x       x       x       x      x
//	create customers        x     x      x
//	edit customers          x     x      x
//	edit billing address    x     x      x       x
//	disable customers       x                            x
//	set IP allowlist        x            x               x
//	manage customer users   x            x
//	manage staff users      x
//	revoke any API token    x                            x
//
// Customers (cp.av.3.6, cp.security.access.4): the organisation's admin user manages
// its organisation's contact details, users, tokens, allowlist and MFA; a sub-user acts
// within its permissions (PermUsers manages the other sub-users, PermBilling the billing
// address, PermTechnical write API tokens, PermReadOnly sees). A reseller's admin user
// creates, edits and sees its own customers and nobody else's (cp.av.7.1, cp.av.7.7).
//
// A customer asking for another organisation's object gets ErrNotFound, so ids reveal
// nothing; ErrForbidden means "you may see it but not do this".
type staffAction int

const (
	actReadCustomers staffAction = iota
	actCreateCustomers
	actEditCustomers
	actEditBilling
	actDisableCustomers
	actSetAllowlist
	actManageCustomerUsers
	actManageStaff
	actRevokeAnyToken
)

var staffTable = map[staffAction][]Role{
	actReadCustomers:       Roles,
	actCreateCustomers:     {RoleSales, RoleSupport},
	actEditCustomers:       {RoleSales, RoleSupport},
	actEditBilling:         {RoleSales, RoleSupport, RoleBilling},
	actDisableCustomers:    {RoleSecurity},
	actSetAllowlist:        {RoleSupport, RoleSecurity},
	actManageCustomerUsers: {RoleSupport},
	actManageStaff:         {},
	actRevokeAnyToken:      {RoleSecurity},
}

// staffMay reports whether p is staff holding a role that allows a; admin allows all.
func (p Principal) staffMay(a staffAction) bool {
	if !p.IsStaff() || p.User.ID == 0 {
		return false
	}
	if slices.Contains(p.User.Roles, RoleAdmin) {
		return true
	}
	return slices.ContainsFunc(staffTable[a], p.User.HasRole)
}

// ready refuses a principal that has not finished signing in: a session waiting for its
// TOTP code or for a staff member's MFA enrolment may only do that.
func (p Principal) ready() error {
	if p.User.ID == 0 || p.User.Disabled {
		return ErrForbidden
	}
	if p.Session != nil && (p.Session.MFAPending || p.Session.MFAEnrolRequired) {
		return ErrForbidden
	}
	if !p.IsStaff() && (p.Org == nil || p.Org.ID != p.User.OrgID || p.Org.Disabled) {
		return ErrForbidden
	}
	return nil
}

// writable is ready plus a token scope that allows changes.
func (p Principal) writable() error {
	if err := p.ready(); err != nil {
		return err
	}
	if !p.CanWrite() {
		return ErrForbidden
	}
	return nil
}

// interactive is writable for a signed-in person: credentials (passwords, MFA, tokens)
// are not managed with an API token, so a leaked token cannot entrench itself.
func (p Principal) interactive() error {
	if err := p.writable(); err != nil {
		return err
	}
	if p.Token != nil || p.Session == nil {
		return ErrForbidden
	}
	return nil
}

// resellerAdmin reports whether p is the admin user of a reseller organisation.
func (p Principal) resellerAdmin() bool {
	return !p.IsStaff() && p.Org != nil && p.Org.IsReseller && p.User.OrgAdmin
}

// relation says how p stands to organisation o.
type relation int

const (
	relNone     relation = iota
	relStaff             // provider staff
	relOwn               // a user of o
	relReseller          // the admin of o's reseller
)

func (p Principal) relationTo(o Organisation) relation {
	switch {
	case p.IsStaff():
		return relStaff
	case p.User.OrgID == o.ID:
		return relOwn
	case o.ResellerID != 0 && p.resellerAdmin() && p.Org.ID == o.ResellerID:
		return relReseller
	}
	return relNone
}

// canSeeOrg returns nil when p may read o, ErrNotFound when o is none of p's business
// and ErrForbidden when p belongs to it but lacks the right.
func (p Principal) canSeeOrg(o Organisation) error {
	switch p.relationTo(o) {
	case relStaff:
		if p.staffMay(actReadCustomers) {
			return nil
		}
		return ErrForbidden
	case relOwn:
		if p.User.Has(PermReadOnly) {
			return nil
		}
		return ErrForbidden
	case relReseller:
		return nil
	}
	return ErrNotFound
}

// canManageUsersOf reports whether p may create, change and disable the users of o
// (the admin user of o itself only by staff or the reseller).
func (p Principal) canManageUsersOf(o Organisation) bool {
	switch p.relationTo(o) {
	case relStaff:
		return p.staffMay(actManageCustomerUsers)
	case relOwn:
		return p.User.Has(PermUsers)
	case relReseller:
		return true
	}
	return false
}

// canManageUser reports whether p may change target (its permissions, disabled state,
// MFA). Nobody changes their own account this way, and an organisation's admin user is
// changed only by staff, its reseller, or (for MFA and disabling sub-users) its peers.
func (p Principal) canManageUser(target User, org *Organisation) bool {
	if target.ID == p.User.ID {
		return false
	}
	if target.IsStaff() {
		return p.staffMay(actManageStaff)
	}
	if org == nil || !p.canManageUsersOf(*org) {
		return false
	}
	if target.OrgAdmin && p.relationTo(*org) == relOwn && !p.User.OrgAdmin {
		return false // a PermUsers sub-user does not manage the admin user
	}
	return true
}
