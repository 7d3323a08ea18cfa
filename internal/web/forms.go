package web

import (
	"strconv"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
)

// The field names of the customer form are the JSON names of accounts.OrganisationInput,
// so the service's FieldErrors land on the right field without a mapping.

var kindOptions = []option{
	{Value: string(accounts.Business), Label: "kind.business"},
	{Value: string(accounts.Consumer), Label: "kind.consumer"},
}

var languageOptions = []option{{Value: "nl", Label: "lang.nl"}, {Value: "en", Label: "lang.en"}}

func addressFields(prefix string, required bool) []field {
	return []field{
		{Name: prefix + ".street", Label: "field.street", Type: "text", Required: required, Auto: "street-address", Max: 200, Wide: true},
		{Name: prefix + ".postal_code", Label: "field.postal_code", Type: "text", Required: required, Auto: "postal-code", Max: 20},
		{Name: prefix + ".city", Label: "field.city", Type: "text", Required: required, Auto: "address-level2", Max: 100},
		{Name: prefix + ".country", Label: "field.country", Type: "select", Required: required, Auto: "country", Options: countryOptions(!required)},
	}
}

// orgFieldsets is the customer form. Staff edit everything; a customer's admin edits
// its contact details and addresses (the rest is shown on the page, not in the form).
func orgFieldsets(staff, create bool) []fieldset {
	var details []field
	if staff {
		details = append(details,
			field{Name: "kind", Label: "field.kind", Type: "select", Options: kindOptions, Required: true},
			field{Name: "legal_name", Label: "field.legal_name", Type: "text", Required: true, Auto: "organization", Max: 200, Wide: true},
		)
	}
	details = append(details,
		field{Name: "contact_name", Label: "field.contact_name", Type: "text", Auto: "name", Max: 200},
		field{Name: "email", Label: "field.email", Type: "email", Required: true, Auto: "email", Max: 254},
		field{Name: "phone", Label: "field.phone", Type: "tel", Auto: "tel", Max: 40},
		field{Name: "language", Label: "field.language", Type: "select", Options: languageOptions},
	)
	sets := []fieldset{{Legend: "customer.details", Fields: details}}
	if staff {
		sets = append(sets, fieldset{Legend: "customer.business", Hint: "customer.business_hint", Fields: []field{
			{Name: "kvk", Label: "field.kvk", Type: "text", Mode: "numeric", Max: 8, Hint: "field.kvk_hint"},
			{Name: "vat_id", Label: "field.vat_id", Type: "text", Max: 20, Hint: "field.vat_id_hint"},
			{Name: "is_reseller", Label: "field.is_reseller", Type: "checkbox", Hint: "field.is_reseller_hint"},
			{Name: "reseller_id", Label: "field.reseller_id", Type: "number", Mode: "numeric", Hint: "field.reseller_id_hint"},
		}})
	}
	sets = append(sets,
		fieldset{Legend: "customer.postal_address", Fields: addressFields("postal_address", true)},
		fieldset{Legend: "customer.billing_address", Hint: "customer.billing_hint", Fields: addressFields("billing_address", false)},
	)
	if staff && create {
		sets = append(sets, fieldset{Legend: "customer.admin_user", Hint: "customer.admin_hint", Fields: []field{
			{Name: "admin.name", Label: "field.name", Type: "text", Auto: "off", Max: 200},
			{Name: "admin.email", Label: "field.email", Type: "email", Auto: "off", Max: 254},
		}})
	}
	return sets
}

func addressFrom(f *form, prefix string) accounts.Address {
	return accounts.Address{
		Street:     strings.TrimSpace(f.Get(prefix + ".street")),
		PostalCode: strings.TrimSpace(f.Get(prefix + ".postal_code")),
		City:       strings.TrimSpace(f.Get(prefix + ".city")),
		Country:    strings.ToUpper(strings.TrimSpace(f.Get(prefix + ".country"))),
	}
}

// orgInputFrom reads the customer form. Only what HTML cannot carry as text is checked
// here (a number that is not one); everything else is the service's to judge.
func orgInputFrom(f *form, lang string) accounts.OrganisationInput {
	in := accounts.OrganisationInput{
		Kind:           accounts.OrgKind(f.Get("kind")),
		LegalName:      strings.TrimSpace(f.Get("legal_name")),
		ContactName:    strings.TrimSpace(f.Get("contact_name")),
		Email:          strings.TrimSpace(f.Get("email")),
		Phone:          strings.TrimSpace(f.Get("phone")),
		Language:       f.Get("language"),
		PostalAddress:  addressFrom(f, "postal_address"),
		BillingAddress: addressFrom(f, "billing_address"),
		KvK:            strings.TrimSpace(f.Get("kvk")),
		VATID:          strings.TrimSpace(f.Get("vat_id")),
		IsReseller:     f.Get("is_reseller") != "",
	}
	if v := strings.TrimSpace(f.Get("reseller_id")); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			f.Errors["reseller_id"] = translate(lang, "form.not_a_number")
		}
		in.ResellerID = id
	}
	return in
}

func setAddress(f *form, prefix string, a accounts.Address) {
	f.set(prefix+".street", a.Street)
	f.set(prefix+".postal_code", a.PostalCode)
	f.set(prefix+".city", a.City)
	f.set(prefix+".country", a.Country)
}

// orgForm fills the customer form from a saved organisation.
func orgForm(o accounts.Organisation) *form {
	f := newForm(nil)
	f.set("kind", string(o.Kind))
	f.set("legal_name", o.LegalName)
	f.set("contact_name", o.ContactName)
	f.set("email", o.Email)
	f.set("phone", o.Phone)
	f.set("language", o.Language)
	setAddress(f, "postal_address", o.PostalAddress)
	if o.BillingAddress != o.PostalAddress {
		setAddress(f, "billing_address", o.BillingAddress)
	}
	f.set("kvk", o.KvK)
	f.set("vat_id", o.VATID)
	if o.IsReseller {
		f.set("is_reseller", "1")
	}
	if o.ResellerID > 0 {
		f.set("reseller_id", strconv.FormatInt(o.ResellerID, 10))
	}
	return f
}

func roleOptions() []option {
	out := make([]option, len(accounts.Roles))
	for i, r := range accounts.Roles {
		out[i] = option{Value: string(r), Label: "role." + string(r)}
	}
	return out
}

func permissionOptions() []option {
	out := make([]option, len(accounts.Permissions))
	for i, p := range accounts.Permissions {
		out[i] = option{Value: string(p), Label: "perm." + string(p)}
	}
	return out
}

// userFieldsets is the form for a new user: staff get roles, customer users permissions.
func userFieldsets(staffUser, withOrgAdmin bool) []fieldset {
	fs := []field{
		{Name: "name", Label: "field.name", Type: "text", Required: true, Auto: "off", Max: 200},
		{Name: "email", Label: "field.email", Type: "email", Required: true, Auto: "off", Max: 254},
		{Name: "language", Label: "field.language", Type: "select", Options: languageOptions},
	}
	if staffUser {
		fs = append(fs, field{Name: "roles", Label: "field.roles", Type: "checkboxes", Options: roleOptions(), Hint: "field.roles_hint"})
	} else {
		if withOrgAdmin {
			fs = append(fs, field{Name: "org_admin", Label: "field.org_admin", Type: "checkbox", Hint: "field.org_admin_hint"})
		}
		fs = append(fs, field{Name: "permissions", Label: "field.permissions", Type: "checkboxes", Options: permissionOptions(), Hint: "field.permissions_hint"})
	}
	return []fieldset{{Hint: "user.invite_hint", Fields: fs}}
}

func userInputFrom(f *form) accounts.UserInput {
	in := accounts.UserInput{
		Name:        strings.TrimSpace(f.Get("name")),
		Email:       strings.TrimSpace(f.Get("email")),
		Language:    f.Get("language"),
		OrgAdmin:    f.Get("org_admin") != "",
		Roles:       rolesFrom(f),
		Permissions: permissionsFrom(f),
	}
	return in
}

func permissionsFrom(f *form) []accounts.Permission {
	var out []accounts.Permission
	for _, p := range f.Values["permissions"] {
		out = append(out, accounts.Permission(p))
	}
	return out
}

func rolesFrom(f *form) []accounts.Role {
	var out []accounts.Role
	for _, r := range f.Values["roles"] {
		out = append(out, accounts.Role(r))
	}
	return out
}
