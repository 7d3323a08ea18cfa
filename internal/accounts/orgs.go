package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/store"
)

const orgSelect = `SELECT id, kind, legal_name, contact_name, email, phone, language,
	postal_street, postal_code, postal_city, postal_country,
	billing_street, billing_postal_code, billing_city, billing_country,
	kvk, vat_id, is_reseller, COALESCE(reseller_id, 0), ip_allowlist, disabled, created_at, updated_at
	FROM organisations`

func scanOrg(r scanner) (Organisation, error) {
	var o Organisation
	var kind, allow string
	err := r.Scan(&o.ID, &kind, &o.LegalName, &o.ContactName, &o.Email, &o.Phone, &o.Language,
		&o.PostalAddress.Street, &o.PostalAddress.PostalCode, &o.PostalAddress.City, &o.PostalAddress.Country,
		&o.BillingAddress.Street, &o.BillingAddress.PostalCode, &o.BillingAddress.City, &o.BillingAddress.Country,
		&o.KvK, &o.VATID, &o.IsReseller, &o.ResellerID, &allow, &o.Disabled, &o.CreatedAt, &o.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return o, ErrNotFound
	}
	o.Kind = OrgKind(kind)
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	// An empty billing address means "same as postal"; readers always get a usable one.
	if o.BillingAddress.isZero() {
		o.BillingAddress = o.PostalAddress
	}
	o.IPAllowlist = []string{}
	for c := range strings.SplitSeq(allow, "\n") {
		if c != "" {
			o.IPAllowlist = append(o.IPAllowlist, c)
		}
	}
	return o, err
}

func getOrg(ctx context.Context, q store.Querier, id int64) (Organisation, error) {
	return scanOrg(q.QueryRowContext(ctx, orgSelect+` WHERE id = $1`, id))
}

// validateOrgInput normalises in and reports what a person must fix. Consumers and
// businesses differ (cp.av.13.2): a business in the Netherlands is registered with the
// KvK; a consumer has neither KvK nor VAT number.
func validateOrgInput(in *OrganisationInput) FieldErrors {
	fe := FieldErrors{}
	var err error
	if in.Kind != Consumer && in.Kind != Business {
		fe["kind"] = i18n.T("accounts.kind")
	}
	if in.LegalName, err = cleanText(in.LegalName, true, MaxNameLen); err != nil {
		fe["legal_name"] = i18n.From(err)
	}
	if in.ContactName, err = cleanText(in.ContactName, false, MaxNameLen); err != nil {
		fe["contact_name"] = i18n.From(err)
	}
	if in.Email, err = ValidateEmail(in.Email); err != nil {
		fe["email"] = i18n.From(err)
	}
	if in.Phone, err = validatePhone(in.Phone); err != nil {
		fe["phone"] = i18n.From(err)
	}
	if in.Language, err = validateLanguage(in.Language); err != nil {
		fe["language"] = i18n.From(err)
	}
	validateAddress(&in.PostalAddress, "postal_address", fe)
	if !in.BillingAddress.isZero() {
		validateAddress(&in.BillingAddress, "billing_address", fe)
		if in.BillingAddress == in.PostalAddress {
			in.BillingAddress = Address{}
		}
	}
	in.KvK, in.VATID = strings.TrimSpace(in.KvK), strings.TrimSpace(in.VATID)
	switch {
	case in.Kind == Consumer:
		if in.KvK != "" {
			fe["kvk"] = i18n.T("accounts.kvk_consumer")
		}
		if in.VATID != "" {
			fe["vat_id"] = i18n.T("accounts.vat_consumer")
		}
	case in.Kind == Business:
		if in.KvK != "" {
			if in.KvK, err = ValidateKvK(in.KvK); err != nil {
				fe["kvk"] = i18n.From(err)
			}
		} else if in.PostalAddress.Country == "NL" {
			fe["kvk"] = i18n.T("accounts.kvk_needed")
		}
		if in.VATID != "" {
			if in.VATID, err = ValidateVATID(in.VATID); err != nil {
				fe["vat_id"] = i18n.From(err)
			}
		}
	}
	if in.IsReseller && in.Kind == Consumer {
		fe["is_reseller"] = i18n.T("accounts.reseller_business")
	}
	if in.IsReseller && in.ResellerID != 0 {
		fe["is_reseller"] = i18n.T("accounts.reseller_nested")
	}
	if in.ResellerID < 0 {
		fe["reseller_id"] = i18n.T("accounts.reseller_choose")
	}
	return fe
}

// checkReseller verifies that the organisation named as reseller is one.
func checkReseller(ctx context.Context, q store.Querier, id int64) error {
	if id == 0 {
		return nil
	}
	o, err := getOrg(ctx, q, id)
	if errors.Is(err, ErrNotFound) || err == nil && (!o.IsReseller || o.Disabled) {
		return FieldErrors{"reseller_id": i18n.T("accounts.reseller_choose")}
	}
	return err
}

func allowText(list []string) string { return strings.Join(list, "\n") }

// CreateOrganisation creates a customer (staff: admin, sales, support; a reseller's admin
// for its own customers) and, when admin is non-nil, its administrative user (cp.av.3.6).
// Problems with the admin user are reported under "admin.email", "admin.password" etc.
// Without a password the admin user is mailed a link to choose one.
func (s *Service) CreateOrganisation(ctx context.Context, by Principal, in OrganisationInput, admin *UserInput) (Organisation, error) {
	switch {
	case by.IsStaff():
		if err := by.Check(CustomerCreate, Provider); err != nil {
			return Organisation{}, err
		}
	case by.Can(CustomerCreate, OrgRef{ResellerID: by.Own().ID}):
		// A reseller's customers are its own (cp.av.7.1); it cannot make resellers.
		if in.IsReseller || in.ResellerID != 0 && in.ResellerID != by.Org.ID {
			return Organisation{}, ErrForbidden
		}
		in.ResellerID = by.Org.ID
	default:
		return Organisation{}, ErrForbidden
	}
	fe := validateOrgInput(&in)
	var adminIn UserInput
	if admin != nil {
		adminIn = *admin
		adminIn.OrgAdmin, adminIn.Permissions = true, nil
		for k, v := range validateUserInput(&adminIn, false, "admin.") {
			fe[k] = v
		}
	}
	if len(fe) > 0 {
		return Organisation{}, fe
	}
	var pwHash string
	if admin != nil && adminIn.Password != "" {
		var err error
		if pwHash, err = s.hashPassword(ctx, adminIn.Password); err != nil {
			return Organisation{}, err
		}
	}
	var org Organisation
	err := s.tx(ctx, by, func(ctx context.Context, q store.Querier) error {
		now := s.now()
		if err := checkReseller(ctx, q, in.ResellerID); err != nil {
			return err
		}
		var resellerID any
		if in.ResellerID != 0 {
			resellerID = in.ResellerID
		}
		var id int64
		err := q.QueryRowContext(ctx, `INSERT INTO organisations (kind, legal_name, contact_name, email, phone, language,
			postal_street, postal_code, postal_city, postal_country,
			billing_street, billing_postal_code, billing_city, billing_country,
			kvk, vat_id, is_reseller, reseller_id, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19) RETURNING id`,
			string(in.Kind), in.LegalName, in.ContactName, in.Email, in.Phone, in.Language,
			in.PostalAddress.Street, in.PostalAddress.PostalCode, in.PostalAddress.City, in.PostalAddress.Country,
			in.BillingAddress.Street, in.BillingAddress.PostalCode, in.BillingAddress.City, in.BillingAddress.Country,
			in.KvK, in.VATID, in.IsReseller, resellerID, now).Scan(&id)
		if err != nil {
			return err
		}
		summary := fmt.Sprintf("%s customer %q created", in.Kind, in.LegalName)
		if in.IsReseller {
			summary += " as a reseller"
		}
		if in.ResellerID != 0 {
			summary += fmt.Sprintf(" for reseller %d", in.ResellerID)
		}
		if err := record(ctx, q, now, id, "customer.create", "organisation", id, summary); err != nil {
			return err
		}
		if admin != nil {
			adminIn.OrgID = id
			if _, err := s.insertUser(ctx, q, now, adminIn, pwHash, "admin."); err != nil {
				return err
			}
		}
		org, err = getOrg(ctx, q, id)
		return err
	})
	return org, err
}

// editable reports which fields of o principal p may change, or an error when it may
// change none.
func (p Principal) editable(o Organisation) (func(field string) bool, error) {
	all := func(string) bool { return true }
	only := func(fields ...string) func(string) bool {
		return func(f string) bool { return slices.Contains(fields, f) }
	}
	contact := only("contact_name", "email", "phone", "language", "postal_address", "billing_address")
	ref := o.Ref()
	switch {
	case p.Can(CustomerEdit, ref) && p.relationTo(ref) == relReseller:
		return func(f string) bool { return f != "is_reseller" && f != "reseller_id" }, nil
	case p.Can(CustomerEdit, ref):
		return all, nil
	case p.Can(CustomerEditContact, ref):
		return contact, nil
	case p.Can(CustomerEditBilling, ref):
		return only("billing_address"), nil
	}
	if err := p.Check(CustomerRead, ref); err != nil {
		return nil, err
	}
	return nil, ErrForbidden
}

func orgInput(o Organisation) OrganisationInput {
	in := OrganisationInput{Kind: o.Kind, LegalName: o.LegalName, ContactName: o.ContactName, Email: o.Email,
		Phone: o.Phone, Language: o.Language, PostalAddress: o.PostalAddress, BillingAddress: o.BillingAddress,
		KvK: o.KvK, VATID: o.VATID, IsReseller: o.IsReseller, ResellerID: o.ResellerID}
	if in.BillingAddress == in.PostalAddress {
		in.BillingAddress = Address{}
	}
	return in
}

// orgChanges lists the fields in which a differs from b, by JSON name.
func orgChanges(a, b OrganisationInput) []string {
	var out []string
	add := func(name string, differs bool) {
		if differs {
			out = append(out, name)
		}
	}
	add("kind", a.Kind != b.Kind)
	add("legal_name", a.LegalName != b.LegalName)
	add("contact_name", a.ContactName != b.ContactName)
	add("email", a.Email != b.Email)
	add("phone", a.Phone != b.Phone)
	add("language", a.Language != b.Language)
	add("postal_address", a.PostalAddress != b.PostalAddress)
	add("billing_address", a.BillingAddress != b.BillingAddress)
	add("kvk", a.KvK != b.KvK)
	add("vat_id", a.VATID != b.VATID)
	add("is_reseller", a.IsReseller != b.IsReseller)
	add("reseller_id", a.ResellerID != b.ResellerID)
	return out
}

// keepUneditable fills the fields p may not change, when left empty in the form, with
// their current values: a form that only shows what a person may edit still validates.
// A field filled with a different value is refused later.
func keepUneditable(in *OrganisationInput, cur OrganisationInput, may func(string) bool) {
	keep := func(field string, empty bool, set func()) {
		if !may(field) && empty {
			set()
		}
	}
	keep("kind", in.Kind == "", func() { in.Kind = cur.Kind })
	keep("legal_name", strings.TrimSpace(in.LegalName) == "", func() { in.LegalName = cur.LegalName })
	keep("contact_name", strings.TrimSpace(in.ContactName) == "", func() { in.ContactName = cur.ContactName })
	keep("email", strings.TrimSpace(in.Email) == "", func() { in.Email = cur.Email })
	keep("phone", strings.TrimSpace(in.Phone) == "", func() { in.Phone = cur.Phone })
	keep("language", strings.TrimSpace(in.Language) == "", func() { in.Language = cur.Language })
	keep("postal_address", in.PostalAddress.isZero(), func() { in.PostalAddress = cur.PostalAddress })
	keep("billing_address", in.BillingAddress.isZero(), func() { in.BillingAddress = cur.BillingAddress })
	keep("kvk", strings.TrimSpace(in.KvK) == "", func() { in.KvK = cur.KvK })
	keep("vat_id", strings.TrimSpace(in.VATID) == "", func() { in.VATID = cur.VATID })
	keep("is_reseller", !in.IsReseller, func() { in.IsReseller = cur.IsReseller })
	keep("reseller_id", in.ResellerID == 0, func() { in.ResellerID = cur.ResellerID })
}

// UpdateOrganisation edits a customer: staff with an editing role, its reseller, or the
// organisation's own admin user for its contact details (a sub-user with PermBilling
// for the billing address). Changing a field one may not change is ErrForbidden.
func (s *Service) UpdateOrganisation(ctx context.Context, by Principal, id int64, in OrganisationInput) (Organisation, error) {
	if err := by.writable(); err != nil {
		return Organisation{}, err
	}
	cur, err := getOrg(ctx, s.db, id)
	if err != nil {
		return Organisation{}, err
	}
	may, err := by.editable(cur)
	if err != nil {
		return Organisation{}, err
	}
	curIn := orgInput(cur)
	keepUneditable(&in, curIn, may)
	if fe := validateOrgInput(&in); len(fe) > 0 {
		return Organisation{}, fe
	}
	changed := orgChanges(in, curIn)
	for _, f := range changed {
		if !may(f) {
			return Organisation{}, ErrForbidden
		}
	}
	if len(changed) == 0 {
		return cur, nil
	}
	var org Organisation
	err = s.tx(ctx, by, func(ctx context.Context, q store.Querier) error {
		now := s.now()
		if in.ResellerID != cur.ResellerID {
			if err := checkReseller(ctx, q, in.ResellerID); err != nil {
				return err
			}
		}
		if in.IsReseller != cur.IsReseller && !in.IsReseller {
			var n int
			if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations WHERE reseller_id = $1`, id).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return FieldErrors{"is_reseller": i18n.T("accounts.reseller_customers", n)}
			}
		}
		var resellerID any
		if in.ResellerID != 0 {
			resellerID = in.ResellerID
		}
		if _, err := q.ExecContext(ctx, `UPDATE organisations SET kind = $1, legal_name = $2, contact_name = $3, email = $4,
			phone = $5, language = $6, postal_street = $7, postal_code = $8, postal_city = $9, postal_country = $10,
			billing_street = $11, billing_postal_code = $12, billing_city = $13, billing_country = $14,
			kvk = $15, vat_id = $16, is_reseller = $17, reseller_id = $18, updated_at = $19 WHERE id = $20`,
			string(in.Kind), in.LegalName, in.ContactName, in.Email, in.Phone, in.Language,
			in.PostalAddress.Street, in.PostalAddress.PostalCode, in.PostalAddress.City, in.PostalAddress.Country,
			in.BillingAddress.Street, in.BillingAddress.PostalCode, in.BillingAddress.City, in.BillingAddress.Country,
			in.KvK, in.VATID, in.IsReseller, resellerID, now, id); err != nil {
			return err
		}
		if err := record(ctx, q, now, id, "customer.update", "organisation", id, "changed: "+strings.Join(changed, ", ")); err != nil {
			return err
		}
		org, err = getOrg(ctx, q, id)
		return err
	})
	return org, err
}

// SetOrganisationDisabled disables or re-enables a customer (staff); disabling ends its
// users' sessions, and Authenticate refuses its users and tokens while it lasts.
func (s *Service) SetOrganisationDisabled(ctx context.Context, by Principal, id int64, disabled bool) error {
	if err := by.writable(); err != nil {
		return err
	}
	cur, err := getOrg(ctx, s.db, id)
	if err != nil {
		return err
	}
	if err := by.Check(CustomerRead, cur.Ref()); err != nil {
		return err
	}
	if err := by.Check(CustomerDisable, cur.Ref()); err != nil {
		return err
	}
	if cur.Disabled == disabled {
		return nil
	}
	return s.tx(ctx, by, func(ctx context.Context, q store.Querier) error {
		now := s.now()
		if _, err := q.ExecContext(ctx, `UPDATE organisations SET disabled = $1, updated_at = $2 WHERE id = $3`, disabled, now, id); err != nil {
			return err
		}
		if !disabled {
			return record(ctx, q, now, id, "customer.enable", "organisation", id, "customer enabled")
		}
		res, err := q.ExecContext(ctx, `DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE org_id = $1)`, id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		return record(ctx, q, now, id, "customer.disable", "organisation", id, fmt.Sprintf("customer disabled; %d sessions ended", n))
	})
}

// GetOrganisation returns one organisation the principal may see.
func (s *Service) GetOrganisation(ctx context.Context, by Principal, id int64) (Organisation, error) {
	if err := by.ready(); err != nil {
		return Organisation{}, err
	}
	o, err := getOrg(ctx, s.db, id)
	if err != nil {
		return Organisation{}, err
	}
	if err := by.Check(CustomerRead, o.Ref()); err != nil {
		return Organisation{}, err
	}
	return o, nil
}

// OwnOrganisation returns the principal's own organisation (the one it acts for, when
// acting) as Authenticate read it for this request, without reading it again. Pages
// that only show it use this; anything that changes it reads it with GetOrganisation
// in its own transaction.
func (s *Service) OwnOrganisation(by Principal) (Organisation, error) {
	if by.Org == nil {
		return Organisation{}, ErrNotFound
	}
	if err := by.Check(CustomerRead, by.Org.Ref()); err != nil {
		return Organisation{}, err
	}
	return *by.Org, nil
}

// visibleOrg reads organisation id for an authorization check, or takes the principal's
// own from the request it was authenticated in.
func visibleOrg(ctx context.Context, q store.Querier, by Principal, id int64) (Organisation, error) {
	if by.Org != nil && by.Org.ID == id {
		return *by.Org, nil
	}
	return getOrg(ctx, q, id)
}

// ListOrganisations lists what the principal may see (staff: all; a reseller: its own
// customers; another customer: itself) and the total count for pagination.
func (s *Service) ListOrganisations(ctx context.Context, by Principal, f OrgFilter) ([]Organisation, int, error) {
	cond, args, err := orgListWhere(s.db.Dialect, by, f)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations`+cond, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	per := orgPerPage(f)
	page := max(f.Page, 1)
	out, err := s.listOrgs(ctx, orgSelect+cond+fmt.Sprintf(` ORDER BY LOWER(legal_name), id LIMIT %d OFFSET %d`, per, (page-1)*per), args)
	return out, total, err
}

// OrganisationNames returns the legal names of the organisations ids that the
// principal may see, in one query: a list that names the customer of each row asks
// once, not once per row (issue 16). Ids it may not see, or that do not exist, are
// left out.
func (s *Service) OrganisationNames(ctx context.Context, by Principal, ids []int64) (map[int64]string, error) {
	if err := by.ready(); err != nil {
		return nil, err
	}
	out := map[int64]string{}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	for len(ids) > 0 {
		part := ids[:min(len(ids), 500)]
		ids = ids[len(part):]
		marks := make([]string, len(part))
		args := make([]any, len(part))
		for i, id := range part {
			marks[i], args[i] = "$"+strconv.Itoa(i+1), id
		}
		list, err := s.listOrgs(ctx, orgSelect+` WHERE id IN (`+strings.Join(marks, ", ")+`)`, args)
		if err != nil {
			return nil, err
		}
		for _, o := range list {
			if by.Check(CustomerRead, o.Ref()) == nil {
				out[o.ID] = o.LegalName
			}
		}
	}
	return out, nil
}

// ListOrganisationsAfter is the customer list by keyset: up to f.PerPage organisations
// after f.AfterID in the list's order (legal name, then id), walked along the index
// organisations_name, without a count. A page costs the same whatever the page number
// and however many customers there are, where OFFSET reads every row before the page
// and COUNT(*) every row (issue 16). The next page starts after the last one returned;
// fewer than PerPage means the end.
func (s *Service) ListOrganisationsAfter(ctx context.Context, by Principal, f OrgFilter) ([]Organisation, error) {
	cond, args, err := orgListWhere(s.db.Dialect, by, f)
	if err != nil {
		return nil, err
	}
	// The cursor's sort key is read from the database, so that it is the engine's
	// LOWER that orders both; bound as a value, it is a range on the index.
	var name string
	if f.AfterID != 0 {
		err := s.db.QueryRowContext(ctx, `SELECT LOWER(legal_name) FROM organisations WHERE id = $1`, f.AfterID).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		if err != nil {
			return nil, err
		}
	}
	if windowed(s.db.Dialect, f) {
		// A query that many customers match ("kl" of "Klant …", "example.nl" of their
		// e-mail addresses) fills a page within the next few customers in name order,
		// where the indexes would gather and sort every match (100,000 of them: 112 ms
		// on SQLite, 250 ms on PostgreSQL); a rare one does not, and then the indexes
		// are cheap (issue 16). The window first, the indexes when it falls short.
		page, whole, err := s.searchWindow(ctx, by, f, name)
		if err != nil || whole || len(page) == orgPerPage(f) {
			return page, err
		}
	}
	return s.listOrgs(ctx, orgsAfterQuery(cond, len(args)+1, orgPerPage(f), f.AfterID != 0, orgOrder(s.db.Dialect, f)), append(args, name, f.AfterID))
}

// searchWindow is the search's page from the next few customers after the cursor in
// name order (a range of organisations_name, windowRows of them): the first matches of
// that window are the first matches of all, so a full page from it is the page, the
// one the indexes would give. whole reports that the window reached the end of the
// list, so that its page, however short, is the answer too.
//
// A search of three characters or more stops walking as soon as the page is full, so
// that a common term costs a page's worth of rows, not the window (a window as a
// subquery that the outer query sorts is read whole). On SQLite it first reads where
// the window ends (the key of its last row, along the index alone), then walks the
// range up to there testing the search on each row. On PostgreSQL, which with that
// range would gather the whole range and sort it (it cannot tell how many rows the
// test keeps), the window is a subquery whose sort key the outer query orders by:
// already in order, so no sort, and the walk stops at the page.
func (s *Service) searchWindow(ctx context.Context, by Principal, f OrgFilter, name string) ([]Organisation, bool, error) {
	var end *windowKey
	long := utf8.RuneCountInString(strings.TrimSpace(f.Query)) >= 3
	if long && s.db.Dialect == store.SQLite {
		q, args, err := windowEndQuery(s.db.Dialect, by, f, name)
		if err != nil {
			return nil, false, err
		}
		var k windowKey
		err = s.db.QueryRowContext(ctx, q, args...).Scan(&k.name, &k.id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return nil, false, err
		default:
			end = &k
		}
	}
	q, args, err := windowQuery(s.db.Dialect, by, f, name, end)
	if err != nil {
		return nil, false, err
	}
	page, err := s.listOrgs(ctx, q, args)
	whole := end == nil && long && s.db.Dialect == store.SQLite
	return page, whole, err
}

// windowKey is the sort key of the window's last row.
type windowKey struct {
	name string
	id   int64
}

// windowed tells whether ListOrganisationsAfter tries the window before the indexes:
// for every search but, on SQLite, one of three characters or more that is not ASCII
// (see windowMatch).
func windowed(d store.Dialect, f OrgFilter) bool {
	q := strings.TrimSpace(f.Query)
	n := utf8.RuneCountInString(q)
	if n == 0 {
		return false
	}
	return n < 3 || d == store.Postgres || isASCII(truncate(q, 100))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// searchWindowRows is how many customers in name order the search's window reads: a
// term that one customer in twenty matches still fills a page of 25 from it. A rarer
// term falls through to the trigram index, which gathers at most some 5,000 matches
// per 100,000 customers then. A wider window made every rare term pay for it: 2,000
// rows took 10 ms on PostgreSQL and 5 ms on SQLite, and turned PostgreSQL's plan after
// a cursor into a sort of the rest of the list. A variable for the tests, which walk
// small windows.
var searchWindowRows = 500

// prefixWindowRows is the window of a search of one or two characters: its index
// ranges are cheaper than the trigram index's gathering of matches.
const prefixWindowRows = 500

// windowEndQuery reads the key of the search window's last row: the list's other
// conditions and the cursor, searchWindowRows rows on along organisations_name. No
// row: the window runs to the end of the list.
func windowEndQuery(d store.Dialect, by Principal, f OrgFilter, name string) (string, []any, error) {
	base := f
	base.Query = ""
	cond, args, err := orgListWhere(d, by, base)
	if err != nil {
		return "", nil, err
	}
	q := orgsAfterSelect(`SELECT LOWER(legal_name), id FROM organisations`, cond, len(args)+1, 1, f.AfterID != 0, `LOWER(legal_name)`)
	return q + fmt.Sprintf(` OFFSET %d`, max(searchWindowRows, 1)-1), append(args, name, f.AfterID), nil
}

// windowQuery is the window's query: the list's other conditions and the cursor on a
// range of organisations_name, the search tested on each row of the range. A search
// of one or two characters reads prefixWindowRows rows as a subquery; a longer one
// the range up to end (nil: to the end of the list), in an order the planner can
// stop early in.
func windowQuery(d store.Dialect, by Principal, f OrgFilter, name string, end *windowKey) (string, []any, error) {
	base := f
	base.Query = ""
	cond, args, err := orgListWhere(d, by, base)
	if err != nil {
		return "", nil, err
	}
	q := strings.ToLower(truncate(strings.TrimSpace(f.Query), 100))
	short := utf8.RuneCountInString(q) < 3
	if d == store.Postgres {
		rows := searchWindowRows
		if short {
			rows = prefixWindowRows
		}
		inner := orgsAfterSelect(`SELECT *, LOWER(legal_name) AS sort_key FROM organisations`, cond, len(args)+1, rows, f.AfterID != 0, `LOWER(legal_name)`)
		args = append(args, name, f.AfterID)
		match := orgSearch(d, q, &args) // the indexes' expressions, tested on each row of w
		return strings.Replace(orgSelect, "FROM organisations", "FROM ("+inner+") w", 1) + ` WHERE ` + match +
			fmt.Sprintf(` ORDER BY sort_key, id LIMIT %d`, orgPerPage(f)), args, nil
	}
	if short {
		inner := orgsAfterQuery(cond, len(args)+1, prefixWindowRows, f.AfterID != 0, `LOWER(legal_name)`)
		args = append(args, name, f.AfterID)
		match := orgPrefix(d, q, &args)
		return `SELECT * FROM (` + inner + `) w WHERE ` + match + fmt.Sprintf(` ORDER BY LOWER(legal_name), id LIMIT %d`, orgPerPage(f)), args, nil
	}
	var where []string
	if end != nil {
		args = append(args, end.name, end.id)
		e, eid := "$"+strconv.Itoa(len(args)-1), "$"+strconv.Itoa(len(args))
		where = append(where, `LOWER(legal_name) <= `+e+` AND (LOWER(legal_name) < `+e+` OR id <= `+eid+`)`)
	}
	where = append(where, windowMatch(q, &args))
	if cond == "" {
		cond = " WHERE " + strings.Join(where, " AND ")
	} else {
		cond += " AND " + strings.Join(where, " AND ")
	}
	return orgsAfterQuery(cond, len(args)+1, orgPerPage(f), f.AfterID != 0, `LOWER(legal_name)`), append(args, name, f.AfterID), nil
}

// windowMatch is SQLite's search tested on one row of the window, for an ASCII query
// q of three characters or more, meaning exactly what the FTS5 phrase of orgSearch
// means. The trigram tokenizer folds case by Unicode, SQLite's LOWER only A to Z: on
// a row whose searched columns are all ASCII the two agree (no other character folds
// to an ASCII one there), so instr of the LOWERed columns is the test; a row with any
// other character (a "Café", or a Kelvin sign that FTS5 folds to k) asks the FTS5
// table for that one row.
func windowMatch(q string, args *[]any) string {
	*args = append(*args, q, `"`+strings.ReplaceAll(q, `"`, `""`)+`"`)
	a, phrase := "$"+strconv.Itoa(len(*args)-1), "$"+strconv.Itoa(len(*args))
	cols := []string{"legal_name", "email", "contact_name", "kvk", "vat_id", "postal_code", "postal_city"}
	var in []string
	for _, c := range cols {
		in = append(in, "instr(LOWER("+c+"), "+a+") > 0")
	}
	all := strings.Join(cols, " || ")
	return `(CASE WHEN octet_length(` + all + `) = length(` + all + `) THEN ` + strings.Join(in, " OR ") +
		` ELSE EXISTS (SELECT 1 FROM organisations_search WHERE organisations_search MATCH ` + phrase + ` AND rowid = organisations.id) END)`
}

// orgsAfterQuery is ListOrganisationsAfter's query: cond (from orgListWhere) and the
// cursor, LOWER(legal_name) and id of the last organisation of the previous page, in
// parameters n and n+1; key is the sort key (orgOrder).
func orgsAfterQuery(cond string, n, per int, after bool, key string) string {
	return orgsAfterSelect(orgSelect, cond, n, per, after, key)
}

// orgsAfterSelect is orgsAfterQuery with sel for orgSelect.
func orgsAfterSelect(sel, cond string, n, per int, after bool, key string) string {
	a, b := "$"+strconv.Itoa(n), "$"+strconv.Itoa(n+1)
	keyset := `CAST(` + a + ` AS TEXT) = '' AND CAST(` + b + ` AS BIGINT) = 0`
	if after {
		// Not the row value (LOWER(legal_name), id) > (a, b): SQLite does not take a
		// row value over an expression index as a range.
		keyset = key + ` >= ` + a + ` AND (` + key + ` > ` + a + ` OR id > ` + b + `)`
	}
	if cond == "" {
		cond = " WHERE " + keyset
	} else {
		cond += " AND " + keyset
	}
	return sel + cond + fmt.Sprintf(` ORDER BY %s, id LIMIT %d`, key, per)
}

// orgOrder is the list's sort key in SQL: LOWER(legal_name), the key of the index
// organisations_name. A search sorts by the same value written so that it is not that
// index's key: the planner, asked for the first 25 in name order, would walk the whole
// name index testing the search on each customer in the hope of an early end, where
// the matches from the search's indexes and a sort of just those is what stays cheap
// at 100,000 customers. (SQLite's plan for a trigram search already starts from the
// FTS5 table; for a one- or two-letter prefix it would not.)
func orgOrder(d store.Dialect, f OrgFilter) string {
	n := utf8.RuneCountInString(strings.TrimSpace(f.Query))
	if (d == store.Postgres && n >= 3) || (n > 0 && n < 3) {
		return `(LOWER(legal_name) || '')`
	}
	return `LOWER(legal_name)`
}

func orgPerPage(f OrgFilter) int {
	per := f.PerPage
	if per <= 0 {
		per = 25
	}
	return min(per, 100)
}

// orgListWhere is the condition of the customer list for by and f, with its arguments.
func orgListWhere(d store.Dialect, by Principal, f OrgFilter) (string, []any, error) {
	if err := by.ready(); err != nil {
		return "", nil, err
	}
	var where []string
	var args []any
	add := func(cond string, v ...any) {
		for _, x := range v {
			args = append(args, x)
			cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1)
		}
		where = append(where, cond)
	}
	switch {
	case by.IsStaff():
		if err := by.Check(CustomerRead, Provider); err != nil {
			return "", nil, err
		}
		if f.ResellerID > 0 {
			add("reseller_id = ?", f.ResellerID)
		}
	case by.resellerAdmin():
		add("reseller_id = ?", by.Org.ID)
	case by.Can(CustomerRead, by.Own()):
		add("id = ?", by.Own().ID)
	default:
		return "", nil, ErrForbidden
	}
	if f.Kind != "" {
		add("kind = ?", string(f.Kind))
	}
	if f.Disabled != nil {
		add("disabled = ?", *f.Disabled)
	}
	if qs := strings.TrimSpace(f.Query); qs != "" {
		where = append(where, orgSearch(d, truncate(qs, 100), &args))
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	return cond, args, nil
}

// orgSearch is the condition "q is a substring of the name, e-mail, contact, KvK, VAT
// id, postal code or city (the columns of organisations_search), case
// folded", appending its argument to args. From three characters on it is answered by
// the index organisations_search: on SQLite an FTS5 trigram phrase (a phrase of a
// query's trigrams, in order, is the query as a substring), on PostgreSQL a LIKE over
// orgSearchPostgres that pg_trgm's GIN index serves. A query of one or two characters
// has no trigram; it is a prefix instead, of the name, of the e-mail address, or the
// customer number itself (orgPrefix), each a range of an index (issue 16).
func orgSearch(d store.Dialect, q string, args *[]any) string {
	q = strings.ToLower(q)
	if utf8.RuneCountInString(q) < 3 {
		return orgPrefix(d, q, args)
	}
	if d == store.SQLite {
		*args = append(*args, `"`+strings.ReplaceAll(q, `"`, `""`)+`"`)
		return "id IN (SELECT rowid FROM organisations_search WHERE organisations_search MATCH $" + strconv.Itoa(len(*args)) + ")"
	}
	*args = append(*args, "%"+likeEscape(q)+"%")
	return orgSearchPostgres + ` LIKE $` + strconv.Itoa(len(*args)) + ` ESCAPE '\'`
}

// orgPrefix is the short search: the name or the e-mail address starts with q (case
// folded), or q is the customer number. Each prefix is the range [q, q+U+10FFFF) in
// byte order, of organisations_name and organisations_email on SQLite (BINARY), and of
// organisations_name_c and organisations_email_c on PostgreSQL (the "C" collation: in a
// linguistic one a prefix's strings need not be adjacent). Migration 0016.
func orgPrefix(d store.Dialect, q string, args *[]any) string {
	*args = append(*args, q, q+"\U0010FFFF")
	lo, hi := "$"+strconv.Itoa(len(*args)-1), "$"+strconv.Itoa(len(*args))
	coll := ""
	if d == store.Postgres {
		coll = ` COLLATE "C"`
	}
	var parts []string
	for _, col := range []string{"LOWER(legal_name)" + coll, "LOWER(email)" + coll} {
		parts = append(parts, "("+col+" >= "+lo+" AND "+col+" < "+hi+")")
	}
	if id, err := strconv.ParseInt(q, 10, 64); err == nil && id > 0 {
		*args = append(*args, id)
		parts = append(parts, "id = $"+strconv.Itoa(len(*args)))
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// orgSearchPostgres is the expression of the index organisations_search on
// PostgreSQL (migration 0005), written the same here so that the planner matches it:
// the searched columns joined by chr(1), which a query never holds (the search box
// is one line), so that no match spans two columns.
const orgSearchPostgres = `LOWER(legal_name || chr(1) || email || chr(1) || contact_name || chr(1) || kvk || chr(1) || vat_id || chr(1) || postal_code || chr(1) || postal_city)`

func (s *Service) listOrgs(ctx context.Context, query string, args []any) ([]Organisation, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Organisation
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// SetIPAllowlist replaces the organisation's allowlist (CIDRs, cp.security.access.3).
// When a user of the organisation sets it, a list that leaves out currentIP is refused:
// it would lock that user out on the next request.
func (s *Service) SetIPAllowlist(ctx context.Context, by Principal, orgID int64, cidrs []string, currentIP string) error {
	if err := by.writable(); err != nil {
		return err
	}
	cur, err := getOrg(ctx, s.db, orgID)
	if err != nil {
		return err
	}
	rel := by.relationTo(cur.Ref())
	if err := by.Check(CustomerRead, cur.Ref()); err != nil {
		return err
	}
	if err := by.Check(AllowlistSet, cur.Ref()); err != nil {
		return err
	}
	list, err := ValidateCIDRs(cidrs)
	if err != nil {
		return FieldErrors{"ip_allowlist": i18n.From(err)}
	}
	if rel == relOwn && !ipAllowed(list, currentIP) {
		return FieldErrors{"ip_allowlist": i18n.T("accounts.lockout", truncate(currentIP, 60))}
	}
	if allowText(list) == allowText(cur.IPAllowlist) {
		return nil
	}
	return s.tx(ctx, by, func(ctx context.Context, q store.Querier) error {
		now := s.now()
		if _, err := q.ExecContext(ctx, `UPDATE organisations SET ip_allowlist = $1, updated_at = $2 WHERE id = $3`, allowText(list), now, orgID); err != nil {
			return err
		}
		summary := "IP allowlist removed: any address may sign in"
		if len(list) > 0 {
			summary = "IP allowlist set to " + strings.Join(list, ", ")
		}
		return record(ctx, q, now, orgID, "customer.ip_allowlist", "organisation", orgID, summary)
	})
}
