package accounts

import (
	"context"
	"fmt"
	"github.com/hostpact/hostpact/internal/i18n"
	"strings"
	"time"
	"unicode"

	"github.com/hostpact/hostpact/internal/store"
)

// Sign-up: a visitor becomes a customer without staff (issue 9, storefront). The
// pending sign-up and its one-time link belong to internal/signup; this file holds
// what needs the accounts tables: validating the details as a customer's, finding
// existing customers with the same details (for refusals, cp.av.2.6), mailing the
// link sealed, and creating the organisation with its admin user.

// ValidateSignUp normalises in as the details of a new customer who signs up
// themselves: a consumer or a business, never a reseller or a reseller's customer.
func ValidateSignUp(in *OrganisationInput) FieldErrors {
	in.IsReseller, in.ResellerID = false, 0
	return validateOrgInput(in)
}

// addressKey reduces an address to what identifies a house: postal code and street
// (with number) without case, spaces or punctuation, so "8011 CZ, Burgemeester van
// Roijensingel 112" matches "8011cz burgemeester van roijensingel 112".
func addressKey(a Address) string {
	if a.PostalCode == "" || a.Street == "" {
		return ""
	}
	var b strings.Builder
	for _, r := range strings.ToLower(a.Country + a.PostalCode + a.Street) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// MatchingOrganisations lists the organisations that share an identifying detail with
// in: the e-mail address (the organisation's or one of its users'), the KvK number,
// the VAT id, or the postal address (postal code and street). in must have been
// validated. The sign-up asks it to keep a refused customer (cp.av.2.6) from coming
// back under a new account. A package-to-package call: no principal.
func (s *Service) MatchingOrganisations(ctx context.Context, q store.Querier, in OrganisationInput) ([]int64, error) {
	seen := map[int64]bool{}
	var ids []int64
	add := func(query string, args ...any) error {
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		return rows.Err()
	}
	email := strings.ToLower(in.Email)
	if err := add(`SELECT id FROM organisations WHERE LOWER(email) = $1
		UNION SELECT org_id FROM users WHERE org_id IS NOT NULL AND LOWER(email) = $1`, email); err != nil {
		return nil, err
	}
	if in.KvK != "" {
		if err := add(`SELECT id FROM organisations WHERE kvk = $1`, in.KvK); err != nil {
			return nil, err
		}
	}
	if in.VATID != "" {
		if err := add(`SELECT id FROM organisations WHERE vat_id = $1`, in.VATID); err != nil {
			return nil, err
		}
	}
	if key := addressKey(in.PostalAddress); key != "" {
		// Compared in Go: the key's normalisation is not one SQL text on both engines.
		// Only organisations with the same postal code (spaces aside) are read.
		pc := strings.ToUpper(strings.ReplaceAll(in.PostalAddress.PostalCode, " ", ""))
		rows, err := q.QueryContext(ctx, `SELECT id, postal_street, postal_code, postal_country FROM organisations
			WHERE UPPER(REPLACE(postal_code, ' ', '')) = $1`, pc)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var a Address
			if err := rows.Scan(&id, &a.Street, &a.PostalCode, &a.Country); err != nil {
				return nil, err
			}
			if addressKey(a) == key && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// EmailTaken reports whether a user with this (validated) address exists.
func (s *Service) EmailTaken(ctx context.Context, q store.Querier, email string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE email = $1`, email).Scan(&n)
	return n > 0, err
}

// MailSignUpLink queues, in q, the mail with the one-time link that confirms a sign-up.
// Like a reset link it is stored sealed until it is sent and redacted after.
func (s *Service) MailSignUpLink(ctx context.Context, q store.Querier, now time.Time, to, name, lang, link string, validFor time.Duration) error {
	if lang != "en" {
		lang = "nl"
	}
	u := User{Email: to, Name: name, Language: lang}
	return s.sendLinkMail(ctx, q, now, u, "signup_verify", map[string]any{
		"Link": link, "ValidFor": humanDuration(validFor, lang)})
}

// CreateSignedUp creates a customer who signed up and confirmed the e-mail address:
// the organisation and its admin user with the password chosen, audited with the
// visitor's address (ip) as the actor. within runs in the same transaction before
// anything is written (the sign-up uses its one-time link there and checks refusals
// again), so a link is used exactly when the customer exists.
func (s *Service) CreateSignedUp(ctx context.Context, in OrganisationInput, admin UserInput, ip string,
	within func(ctx context.Context, q store.Querier) error) (Organisation, error) {
	fe := ValidateSignUp(&in)
	admin.OrgAdmin, admin.Permissions, admin.Roles = true, nil, nil
	if admin.Password == "" {
		fe["password"] = i18n.T("accounts.required")
	}
	for k, v := range validateUserInput(&admin, false, "") {
		fe[k] = v
	}
	if len(fe) > 0 {
		return Organisation{}, fe
	}
	hash, err := s.hashPassword(ctx, admin.Password)
	if err != nil {
		return Organisation{}, err
	}
	ctx = loginCtx(ctx, ip, "", nil)
	var org Organisation
	err = s.db.InTx(ctx, func(q store.Querier) error {
		if err := within(ctx, q); err != nil {
			return err
		}
		now := s.now()
		var id int64
		err := q.QueryRowContext(ctx, `INSERT INTO organisations (kind, legal_name, contact_name, email, phone, language,
			postal_street, postal_code, postal_city, postal_country,
			billing_street, billing_postal_code, billing_city, billing_country,
			kvk, vat_id, is_reseller, reseller_id, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, FALSE, NULL, $17, $17) RETURNING id`,
			string(in.Kind), in.LegalName, in.ContactName, in.Email, in.Phone, in.Language,
			in.PostalAddress.Street, in.PostalAddress.PostalCode, in.PostalAddress.City, in.PostalAddress.Country,
			in.BillingAddress.Street, in.BillingAddress.PostalCode, in.BillingAddress.City, in.BillingAddress.Country,
			in.KvK, in.VATID, now).Scan(&id)
		if err != nil {
			return err
		}
		if err := record(ctx, q, now, id, "customer.signup", "organisation", id,
			fmt.Sprintf("%s customer %q signed up and confirmed %s", in.Kind, in.LegalName, in.Email)); err != nil {
			return err
		}
		admin.OrgID = id
		if _, err := s.insertUser(ctx, q, now, admin, hash, ""); err != nil {
			return err
		}
		org, err = getOrg(ctx, q, id)
		return err
	})
	return org, err
}
