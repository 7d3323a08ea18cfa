package accounts

import "slices"

// Authorization is decided here, on the server, for every operation, from one table of
// actions × staff roles × customer permissions (cp.security.access.1: each staff role may
// do what its work needs; cp.av.3.6: a customer's admin user holds every permission of
// its organisation and its sub-users act within theirs; cp.av.7.1, cp.av.7.7: a reseller's
// admin user acts for its own customers where the table says so).
//
// Every service function that reads or changes data takes the acting Principal and asks
// Check (or Can) with the organisation the data belongs to. Web pages and the API ask Can
// only to decide what to show; they never look at roles or permissions themselves.
//
// A customer asking about another organisation's object gets ErrNotFound, so ids reveal
// nothing; ErrForbidden means "you may see it but not do this".

// Action is something a principal may be allowed to do.
type Action string

// The actions, grouped by the package whose service functions check them.
const (
	// accounts
	CustomerRead        Action = "customer.read"         // an organisation, its users and its activity
	CustomerCreate      Action = "customer.create"       // a new customer organisation
	CustomerEdit        Action = "customer.edit"         // every field of an organisation
	CustomerEditContact Action = "customer.edit_contact" // contact details and addresses
	CustomerEditBilling Action = "customer.edit_billing" // the billing address only
	CustomerDisable     Action = "customer.disable"      // disable or re-enable an organisation
	AllowlistSet        Action = "allowlist.set"         // an organisation's IP allowlist
	UserManage          Action = "user.manage"           // create, change and disable customer users
	UserMakeAdmin       Action = "user.make_admin"       // create an organisation's admin user
	StaffManage         Action = "staff.manage"          // staff users and their roles
	TokenCreate         Action = "token.create"          // an API token for one's own user, read scope
	TokenCreateWrite    Action = "token.create_write"    // an API token with the write scope
	TokenRevokeAny      Action = "token.revoke_any"      // revoke anybody's API token (cp.av.3.7)
	Credentials         Action = "credentials"           // one's own password, MFA and sessions
	MFADisable          Action = "mfa.disable"           // turn one's own TOTP off (staff must keep it, cp.security.access.2)
	AuditRead           Action = "audit.read"            // the audit trail (an organisation's part of it)
	MailRead            Action = "mail.read"             // the outgoing mail list
	CustomerNote        Action = "customer.note"         // staff notes on a customer: read and add (never the customer's)

	// contracts
	ContractRead       Action = "contract.read"       // quotes, contracts, subscriptions
	QuoteManage        Action = "quote.manage"        // make, send, decline and accept late
	QuoteAccept        Action = "quote.accept"        // accept a quote (cp.av.2.3)
	OrderPlace         Action = "order.place"         // order from the catalog
	PlanChange         Action = "plan.change"         // upgrade or downgrade a subscription
	SubscriptionCancel Action = "subscription.cancel" // cancel in the portal, or preview it
	CancellationRecord Action = "cancellation.record" // record a cancellation received by staff
	ContractWithdraw   Action = "contract.withdraw"   // withdraw in the portal (cp.av.13.9), or preview it
	WithdrawalRecord   Action = "withdrawal.record"   // record a withdrawal received by staff
	TermsObject        Action = "terms.object"        // object to a change of terms (fo.av.22.3)
	CatalogManage      Action = "catalog.manage"      // plans, price increases, terms versions
	ForceMajeure       Action = "force_majeure"       // record and end force majeure
	SuspensionManage   Action = "suspension.manage"   // suspend and lift suspensions
	CustomerRefuse     Action = "customer.refuse"     // refuse a customer, or lift it (cp.av.2.6)

	// billing
	InvoiceRead   Action = "invoice.read"   // invoices, credit notes, account credit
	InvoiceManage Action = "invoice.manage" // credit notes, charges, project invoices, claims
	InvoicePay    Action = "invoice.pay"    // pay online
	BillingReport Action = "billing.report" // receivables, VAT and revenue reports

	// payments
	PaymentRead   Action = "payment.read"   // bank statements, unmatched entries, batches, refunds
	PaymentManage Action = "payment.manage" // import, match, export, confirm
	MandateRead   Action = "mandate.read"   // SEPA mandates
	MandateManage Action = "mandate.manage" // sign, amend and revoke a mandate

	// documents
	DocumentPublish Action = "document.publish" // publish a version of the terms, privacy statement, DPA, SLA, … (cp.av.18.1)

	// monitoring, incidents and the status page
	MonitorRead    Action = "monitor.read"    // servers, components, checks, outages and alerts
	MonitorManage  Action = "monitor.manage"  // servers, components, checks and which services run on them
	IncidentManage Action = "incident.manage" // incidents, their updates, maintenance (cp.av.12.1, cp.av.12.2)

	// sla
	SLARead   Action = "sla.read"   // availability per service and month, claims
	SLAClaim  Action = "sla.claim"  // claim an SLA credit (cp.sla.compensation.4); staff record a claim that came by e-mail
	SLAManage Action = "sla.manage" // decide claims, record exclusions, breaches and corrections

	// provisioning: the services as they run on servers
	ServiceRead        Action = "service.read"        // a service's state, what is happening to it, its connection details
	ServiceCredentials Action = "service.credentials" // reset a service's password, see new credentials once, open its panel
	ProvisionRead      Action = "provision.read"      // provisioning servers, the queue, failures, synchronisation reports
	ProvisionManage    Action = "provision.manage"    // register servers, run a failed step again, move a service, suspend by hand
	ServiceBlock       Action = "service.block"       // suspend a service for abuse and lift that block (the notice-and-takedown desk)

	// domains: registrations at a registry and DNS zones
	DomainRead          Action = "domain.read"           // a domain's registration, registry state, expiry and pending operations
	DomainTransferToken Action = "domain.transfer_token" // fetch a domain's transfer token (the auth code)
	DomainManage        Action = "domain.manage"         // registrar connections, synchronisation, redemption and registry operations by hand
	DNSRead             Action = "dns.read"              // a zone and its records
	DNSEdit             Action = "dns.edit"              // change a zone's records, DNSSEC on and off

	// usage and backups
	UsageRead     Action = "usage.read"     // usage per service and month, limits and warnings
	UsageSubmit   Action = "usage.submit"   // deliver usage samples (a provider's own collectors, through the API)
	UsageManage   Action = "usage.manage"   // fair-use decisions: warn, convert the plan, limit or block; usage reports
	BackupRead    Action = "backup.read"    // a service's backups and restores
	BackupRestore Action = "backup.restore" // ask for a backup to be restored into the service
	BackupManage  Action = "backup.manage"  // backup servers, runs, retention and the quarterly restore test

	// support: tickets, complaints, one-time secrets
	TicketRead   Action = "ticket.read"   // an organisation's tickets and their public messages
	TicketWrite  Action = "ticket.write"  // open a ticket, reply to it, close it
	TicketManage Action = "ticket.manage" // assign, change status, internal notes, canned replies, link a sender to an organisation
	SecretCreate Action = "secret.create" // create a one-time secret link

	// notice-and-takedown and responsible disclosure
	AbuseRead        Action = "abuse.read"        // notice-and-takedown cases and machine reports
	AbuseManage      Action = "abuse.manage"      // run a case: forward, decide, block, identify, close
	AbuseRespond     Action = "abuse.respond"     // a customer's view of a case about its service, and its answer (cp.ntd.2.1-2.6)
	DisclosureRead   Action = "disclosure.read"   // vulnerability reports
	DisclosureManage Action = "disclosure.manage" // run a vulnerability report through its states, rewards, acknowledgements

	// privacy duties
	PrivacyRead         Action = "privacy.read"          // the processing register, subprocessors, breaches, data requests, retention plan
	PrivacyManage       Action = "privacy.manage"        // change the register, announce subprocessors, record breaches, handle requests, legal holds
	PrivacyNotices      Action = "privacy.notices"       // a customer's subprocessor announcements and breach notices about it
	SubprocessorObject  Action = "subprocessor.object"   // object to a new subprocessor (cp.dpa.6.2, fo.dpa.2.2), record the decision on a breach notice
	PrivacyAuditRequest Action = "privacy.audit_request" // ask for an audit of the processing (cp.dpa.11.1-11.5, fo.dpa.7.1-7.5)
	NewsletterManage    Action = "newsletter.manage"     // compose and send the newsletter, see subscribers
)

// rule says who may do an action.
type rule struct {
	staff       []Role       // staff holding one of these (admin holds all)
	customer    []Permission // a user of the organisation holding one of these
	adminUser   bool         // the organisation's admin user (who holds every permission)
	reseller    bool         // the admin user of the organisation's reseller
	write       bool         // changes something: an API token needs the write scope
	session     bool         // only in a signed-in browser session, never with an API token
	self        bool         // about the principal's own user: no organisation is involved
	anyStaff    bool         // every staff member, whatever roles it holds
	anyCustomer bool         // every user of the organisation, whatever permissions it holds
}

var (
	allStaff = Roles
	read     = []Permission{PermReadOnly}
	billing  = []Permission{PermBilling}
)

// A reseller's admin user reads its customers' contracts, invoices and activity and
// orders for them (cp.av.7.1: it makes the provider's services available to its own
// customers; cp.av.7.7: it answers for what they do). Cancelling, withdrawing and paying
// stay with the customer itself: those are the customer's own rights and money.
//
// table is the one place where authorization is written down. TestActionTable walks
// every action × role × permission.
var table = map[Action]rule{
	CustomerRead:        {staff: allStaff, customer: read, reseller: true},
	CustomerCreate:      {staff: []Role{RoleSales, RoleSupport}, reseller: true, write: true},
	CustomerEdit:        {staff: []Role{RoleSales, RoleSupport}, reseller: true, write: true},
	CustomerEditContact: {staff: []Role{RoleSales, RoleSupport}, adminUser: true, reseller: true, write: true},
	CustomerEditBilling: {staff: []Role{RoleSales, RoleSupport, RoleBilling}, customer: billing, reseller: true, write: true},
	CustomerDisable:     {staff: []Role{RoleSecurity}, write: true},
	AllowlistSet:        {staff: []Role{RoleSupport, RoleSecurity}, adminUser: true, reseller: true, write: true},
	UserManage:          {staff: []Role{RoleSupport}, customer: []Permission{PermUsers}, reseller: true, write: true},
	UserMakeAdmin:       {staff: []Role{RoleSupport}, write: true},
	StaffManage:         {staff: []Role{RoleAdmin}, write: true},
	TokenCreate:         {staff: allStaff, customer: read, write: true, session: true, self: true},
	TokenCreateWrite:    {staff: allStaff, customer: []Permission{PermTechnical}, write: true, session: true, self: true},
	TokenRevokeAny:      {staff: []Role{RoleSecurity}, write: true},
	Credentials:         {anyStaff: true, anyCustomer: true, write: true, session: true, self: true},
	MFADisable:          {anyCustomer: true, write: true, session: true, self: true},
	AuditRead:           {staff: allStaff, customer: read, reseller: true},
	MailRead:            {staff: []Role{RoleSupport}},
	// Every staff member who speaks to a customer may leave a note for colleagues; the
	// customer never reads them, nor does a reseller.
	CustomerNote: {anyStaff: true, write: true, session: true},

	ContractRead:       {staff: allStaff, customer: read, reseller: true},
	QuoteManage:        {staff: []Role{RoleSales}, write: true},
	QuoteAccept:        {staff: []Role{RoleSales}, customer: billing, write: true},
	OrderPlace:         {staff: []Role{RoleSales, RoleSupport}, customer: billing, write: true, reseller: true},
	PlanChange:         {staff: []Role{RoleSales, RoleSupport}, customer: []Permission{PermBilling, PermTechnical}, write: true},
	SubscriptionCancel: {customer: billing, write: true},
	CancellationRecord: {staff: []Role{RoleSupport}, write: true},
	ContractWithdraw:   {customer: billing, write: true},
	WithdrawalRecord:   {staff: []Role{RoleSupport}, write: true},
	TermsObject:        {staff: []Role{RoleSupport}, customer: billing, write: true},
	CatalogManage:      {staff: []Role{RoleSales}, write: true},
	ForceMajeure:       {staff: []Role{RoleSupport}, write: true},
	SuspensionManage:   {staff: []Role{RoleBilling}, write: true},
	CustomerRefuse:     {staff: []Role{RoleSales}, write: true},

	InvoiceRead:   {staff: allStaff, customer: read, reseller: true},
	InvoiceManage: {staff: []Role{RoleBilling}, write: true},
	InvoicePay:    {staff: []Role{RoleBilling}, customer: billing, write: true},
	BillingReport: {staff: []Role{RoleBilling, RoleSales}},

	PaymentRead:   {staff: []Role{RoleBilling}},
	PaymentManage: {staff: []Role{RoleBilling}, write: true},
	MandateRead:   {staff: []Role{RoleBilling}, customer: read},
	MandateManage: {staff: []Role{RoleBilling}, customer: billing, write: true},

	// Sales writes the commercial terms and the SLA, the privacy officer the privacy
	// statement and the DPA; one action for both keeps the table small, and every
	// publication is audited with who published it.
	DocumentPublish: {staff: []Role{RoleSales, RolePrivacy}, write: true},

	// Support is the staff that runs the platform day to day; security watches it too.
	MonitorRead:    {staff: allStaff},
	MonitorManage:  {staff: []Role{RoleSupport, RoleSecurity}, write: true},
	IncidentManage: {staff: []Role{RoleSupport, RoleSecurity}, write: true},

	// A claim is money (account credit), so billing decides it with support, which
	// knows the outage; the customer claims with the billing or technical permission.
	SLARead:   {staff: allStaff, customer: read},
	SLAClaim:  {staff: []Role{RoleSupport}, customer: []Permission{PermBilling, PermTechnical}, write: true},
	SLAManage: {staff: []Role{RoleBilling, RoleSupport}, write: true},

	// A service's passwords belong to whoever runs it: the technical permission. Staff
	// support may reset one on the customer's request (the new secret still goes to
	// the customer through a one-time link, never to the staff member).
	ServiceRead:        {staff: allStaff, customer: read, reseller: true},
	ServiceCredentials: {staff: []Role{RoleSupport}, customer: []Permission{PermTechnical}, write: true},
	ProvisionRead:      {staff: []Role{RoleSupport, RoleSecurity, RoleAbuse}},
	ProvisionManage:    {staff: []Role{RoleSupport}, write: true},
	// The abuse desk blocks what a notice concerns (cp.ntd.2.4); support may too, out of hours.
	ServiceBlock: {staff: []Role{RoleAbuse, RoleSupport}, write: true},

	// A domain is the registrant's: the transfer token goes to the technical or billing
	// permission (moving a domain away touches both); registry work by hand is support's.
	DomainRead:          {staff: allStaff, customer: read, reseller: true},
	DomainTransferToken: {staff: []Role{RoleSupport}, customer: []Permission{PermTechnical, PermBilling}, reseller: true, write: true},
	DomainManage:        {staff: []Role{RoleSupport}, write: true},
	DNSRead:             {staff: allStaff, customer: read, reseller: true},
	DNSEdit:             {staff: []Role{RoleSupport}, customer: []Permission{PermTechnical}, reseller: true, write: true},

	// Usage is read like the service it belongs to; samples come from the provider's own
	// collectors (a staff token); fair-use measures are support's with billing (fo.av.12.1-12.5).
	UsageRead:     {staff: allStaff, customer: read, reseller: true},
	UsageSubmit:   {staff: []Role{RoleSupport}, write: true},
	UsageManage:   {staff: []Role{RoleSupport, RoleBilling}, write: true},
	BackupRead:    {staff: allStaff, customer: read, reseller: true},
	BackupRestore: {staff: []Role{RoleSupport}, customer: []Permission{PermTechnical}, reseller: true, write: true},
	BackupManage:  {staff: []Role{RoleSupport}, write: true},

	// Every user of an organisation may ask for help (cp.sla support); what a ticket says
	// is read with the read permission. Internal notes and assignment are staff's.
	TicketRead:   {staff: allStaff, customer: read, reseller: true},
	TicketWrite:  {staff: []Role{RoleSupport, RoleAbuse, RoleSecurity, RolePrivacy, RoleBilling, RoleSales}, anyCustomer: true, reseller: true, write: true},
	TicketManage: {staff: []Role{RoleSupport, RoleAbuse, RoleSecurity, RolePrivacy, RoleBilling, RoleSales}, write: true},
	SecretCreate: {anyStaff: true, anyCustomer: true, write: true, session: true, self: true},

	// The abuse desk runs the notices (cp.ntd.2.1-2.6); security and support read along. The
	// customer whose service a notice concerns answers it with the technical permission.
	AbuseRead:        {staff: []Role{RoleAbuse, RoleSupport, RoleSecurity}},
	AbuseManage:      {staff: []Role{RoleAbuse}, write: true},
	AbuseRespond:     {customer: []Permission{PermTechnical}, adminUser: true, write: true},
	DisclosureRead:   {staff: []Role{RoleSecurity}},
	DisclosureManage: {staff: []Role{RoleSecurity}, write: true},

	// The privacy officer keeps the register and answers requests; a customer's admin
	// user (or billing, who signs agreements) objects to a subprocessor and decides on a
	// breach notice, because both end or bind the agreement (cp.dpa.6.2, cp.dpa.8.1-8.3).
	PrivacyRead:         {staff: []Role{RolePrivacy, RoleSecurity}},
	PrivacyManage:       {staff: []Role{RolePrivacy}, write: true},
	PrivacyNotices:      {staff: []Role{RolePrivacy, RoleSupport}, customer: read},
	SubprocessorObject:  {customer: billing, adminUser: true, write: true},
	PrivacyAuditRequest: {staff: []Role{RolePrivacy}, adminUser: true, write: true},
	NewsletterManage:    {staff: []Role{RoleSales, RolePrivacy}, write: true},
}

// Actions lists every action in the table, sorted.
func Actions() []Action {
	out := make([]Action, 0, len(table))
	for a := range table {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// OrgRef names the organisation an object belongs to, and its reseller when the caller
// knows it (only then may the reseller act on it). The zero OrgRef is the provider
// itself: provider-wide lists and settings, which only staff reach.
type OrgRef struct {
	ID         int64
	ResellerID int64
}

// Provider is the OrgRef of provider-wide objects.
var Provider = OrgRef{}

// OrgID is the OrgRef of an object that belongs to organisation id.
func OrgID(id int64) OrgRef { return OrgRef{ID: id} }

// Ref is o's OrgRef, reseller included.
func (o Organisation) Ref() OrgRef { return OrgRef{ID: o.ID, ResellerID: o.ResellerID} }

// Own is the OrgRef of the principal's own organisation (the provider for staff).
func (p Principal) Own() OrgRef {
	if p.Org != nil {
		return p.Org.Ref()
	}
	return OrgRef{ID: p.User.OrgID}
}

// Can reports whether p may do a for the organisation o.
func (p Principal) Can(a Action, o OrgRef) bool { return p.Check(a, o) == nil }

// Check returns nil when p may do a for o, ErrNotFound when o is none of p's business
// and ErrForbidden otherwise (an unknown action is forbidden to everyone).
func (p Principal) Check(a Action, o OrgRef) error {
	r, ok := table[a]
	if !ok {
		return ErrForbidden
	}
	if err := p.ready(); err != nil {
		return err
	}
	// A usage token delivers samples and does nothing else (issue 15).
	if p.UsageOnly() && a != UsageSubmit {
		return ErrForbidden
	}
	if r.self {
		o = p.Own()
	}
	// Whether the organisation is any of p's business comes first, so that an id of
	// someone else's object answers "not found" whatever the token or the action.
	rel := p.relationTo(o)
	switch {
	case rel == relNone && o == Provider:
		return ErrForbidden
	case rel == relNone, rel == relReseller && !r.reseller:
		return ErrNotFound
	}
	if r.write && !p.CanWrite() && !(a == UsageSubmit && p.UsageOnly()) || r.session && (p.Token != nil || p.Session == nil) {
		return ErrForbidden
	}
	switch rel {
	case relStaff:
		if r.anyStaff || p.holdsRole(r.staff) {
			return nil
		}
	case relOwn:
		if r.anyCustomer || r.adminUser && p.User.OrgAdmin || slices.ContainsFunc(r.customer, p.User.Has) {
			return nil
		}
	case relReseller:
		return nil
	}
	return ErrForbidden
}

// CheckAny returns nil when p may do one of acts for o, else the first refusal.
func (p Principal) CheckAny(o OrgRef, acts ...Action) error {
	err := ErrForbidden
	for i, a := range acts {
		e := p.Check(a, o)
		if e == nil {
			return nil
		}
		if i == 0 {
			err = e
		}
	}
	return err
}

// holdsRole reports whether staff principal p holds one of roles; admin holds every role,
// so an action no role may do (a customer's own) is not the admin's either.
func (p Principal) holdsRole(roles []Role) bool {
	if p.User.ID == 0 || len(roles) == 0 {
		return false
	}
	if slices.Contains(p.User.Roles, RoleAdmin) {
		return true
	}
	return slices.ContainsFunc(roles, p.User.HasRole)
}

// Ready refuses a principal that has not finished signing in (a session waiting for its
// TOTP code or for a staff member's MFA enrolment may only do that), a disabled user, and
// a customer whose organisation is disabled. Check includes it.
func (p Principal) Ready() error { return p.ready() }

func (p Principal) ready() error {
	if p.User.ID == 0 || p.User.Disabled {
		return ErrForbidden
	}
	if p.Session != nil && (p.Session.MFAPending || p.Session.MFAEnrolRequired) {
		return ErrForbidden
	}
	if p.Reseller != nil {
		// Acting for a customer: the user is the reseller's admin, the customer is the
		// reseller's and enabled (a disabled customer is not worked on by anyone but staff).
		r := p.Reseller
		if p.IsStaff() || r.ID != p.User.OrgID || r.Disabled || !r.IsReseller || !p.User.OrgAdmin ||
			p.Org == nil || p.Org.ResellerID != r.ID || p.Org.Disabled || p.Token != nil {
			return ErrForbidden
		}
		return nil
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
func (p Principal) interactive() error { return p.Check(Credentials, p.Own()) }

// resellerAdmin reports whether p is the admin user of a reseller organisation.
func (p Principal) resellerAdmin() bool {
	return !p.IsStaff() && p.Org != nil && p.Org.IsReseller && p.User.OrgAdmin
}

// relation says how p stands to an organisation.
type relation int

const (
	relNone     relation = iota
	relStaff             // provider staff
	relOwn               // a user of the organisation
	relReseller          // the admin of the organisation's reseller
)

func (p Principal) relationTo(o OrgRef) relation {
	if p.Reseller != nil {
		// Acting for a customer reaches that customer only, and as its reseller. The
		// caller's OrgRef may lack the reseller (most packages know only the id); the
		// customer in p was loaded and checked by accounts, so its reseller is known.
		if o.ID != 0 && o.ID == p.Org.ID && p.Org.ResellerID == p.Reseller.ID && p.Reseller.IsReseller && p.User.OrgAdmin {
			return relReseller
		}
		return relNone
	}
	switch {
	case p.IsStaff():
		return relStaff
	case o.ID != 0 && p.User.OrgID == o.ID:
		return relOwn
	case o.ResellerID != 0 && p.resellerAdmin() && p.Org.ID == o.ResellerID:
		return relReseller
	}
	return relNone
}

// canManageUser reports whether p may change target (its permissions, disabled state,
// MFA). Nobody changes their own account this way, and an organisation's admin user is
// changed only by staff, its reseller, or (for MFA and disabling sub-users) its peers.
func (p Principal) canManageUser(target User, org *Organisation) bool {
	if target.ID == p.User.ID {
		return false
	}
	if target.IsStaff() {
		return p.Can(StaffManage, Provider)
	}
	if org == nil || !p.Can(UserManage, org.Ref()) {
		return false
	}
	if target.OrgAdmin && p.relationTo(org.Ref()) == relOwn && !p.User.OrgAdmin {
		return false // a PermUsers sub-user does not manage the admin user
	}
	return true
}
