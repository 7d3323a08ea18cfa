package payments

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// Mandate status.
const (
	MandateActive  = "active"
	MandateRevoked = "revoked" // by the customer or staff
	MandateBlocked = "blocked" // a return said the mandate or account cannot be used (MD01, AC04, ...)
)

// Mandate is a SEPA Core direct debit mandate (machtiging) of a customer.
type Mandate struct {
	ID           int64      `json:"id"`
	OrgID        int64      `json:"org_id"`
	Reference    string     `json:"reference"` // the unique mandate reference (UMR, MndtId)
	SignedOn     terms.Date `json:"signed_on"`
	DebtorName   string     `json:"debtor_name"`
	IBAN         string     `json:"iban"`
	BIC          string     `json:"bic,omitempty"`
	Status       string     `json:"status"`
	StatusReason string     `json:"status_reason,omitempty"`
	// NextSequence is FRST until a first collection went out and was not returned,
	// then RCUR.
	NextSequence     string     `json:"next_sequence"`
	LastCollectionOn terms.Date `json:"last_collection_on"`
	// PendingAmendment is told to the bank with the next collection.
	PendingAmendment *Amendment `json:"pending_amendment,omitempty"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
}

// MandateInput creates a mandate. Reference may be empty: one is assigned (HP-M-000001).
type MandateInput struct {
	OrgID      int64      `json:"org_id"`
	Reference  string     `json:"reference"`
	SignedOn   terms.Date `json:"signed_on"`
	DebtorName string     `json:"debtor_name"`
	IBAN       string     `json:"iban"`
	BIC        string     `json:"bic"`
}

// MandateChange amends a mandate; empty fields stay as they are.
type MandateChange struct {
	Reference  string `json:"reference"`
	DebtorName string `json:"debtor_name"`
	IBAN       string `json:"iban"`
	BIC        string `json:"bic"`
}

func validMandateRef(s string) i18n.Msg {
	if s == "" || len(s) > 35 {
		return i18n.T("payments.mandate_ref_length")
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/-?:().,'+", r)) {
			return i18n.T("payments.mandate_ref_chars")
		}
	}
	if strings.HasPrefix(s, "/") || strings.HasSuffix(s, "/") || strings.Contains(s, "//") {
		return i18n.T("payments.mandate_ref_slash")
	}
	return i18n.Msg{}
}

func (s *Service) validateDebtor(fe FieldErrors, name, iban, bic *string) {
	*name = strings.Join(strings.Fields(*name), " ")
	*iban = NormalizeIBAN(*iban)
	*bic = strings.ToUpper(strings.TrimSpace(*bic))
	if *name == "" || len(*name) > 70 {
		fe["debtor_name"] = i18n.T("payments.enter_account_holders_name")
	}
	if err := ValidateIBAN(*iban); err != nil {
		fe["iban"] = i18n.From(err)
	}
	if *bic != "" {
		if err := ValidateBIC(*bic); err != nil {
			fe["bic"] = i18n.From(err)
		}
	}
}

// CreateMandate records a signed mandate. Billing staff, or a customer's user with the
// billing permission for its own organisation.
func (s *Service) CreateMandate(ctx context.Context, by accounts.Principal, in MandateInput) (Mandate, error) {
	if err := by.Check(accounts.MandateManage, accounts.OrgID(in.OrgID)); err != nil {
		return Mandate{}, err
	}
	ctx = actorFor(ctx, by)
	fe := FieldErrors{}
	in.Reference = strings.TrimSpace(in.Reference)
	if in.Reference != "" {
		if msg := validMandateRef(in.Reference); !msg.IsZero() {
			fe["reference"] = msg
		} else if strings.HasPrefix(in.Reference, "HP-M-") {
			fe["reference"] = i18n.T("payments.references_starting_with_hp")
		}
	}
	switch {
	case in.SignedOn.IsZero():
		fe["signed_on"] = i18n.T("payments.enter_date_mandate_was")
	case in.SignedOn.After(s.today()):
		fe["signed_on"] = i18n.T("payments.signature_date_cannot_future")
	}
	s.validateDebtor(fe, &in.DebtorName, &in.IBAN, &in.BIC)
	if in.OrgID <= 0 {
		fe["org_id"] = i18n.T("payments.choose_customer")
	}
	if len(fe) > 0 {
		return Mandate{}, fe
	}
	var out Mandate
	err := s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		ref := in.Reference
		if ref == "" {
			ref = fmt.Sprintf("pending-%d-%d", by.User.ID, now.UnixNano())
		}
		var id int64
		err := q.QueryRowContext(ctx, `INSERT INTO mandates (org_id, reference, signed_on, debtor_name, iban, bic, status, next_sequence, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
			in.OrgID, ref, in.SignedOn.String(), in.DebtorName, in.IBAN, in.BIC, MandateActive, SeqFirst, now).Scan(&id)
		if store.IsUniqueViolation(err) {
			return FieldErrors{"reference": i18n.T("payments.another_mandate_has_this")}
		}
		if err != nil {
			return err
		}
		if in.Reference == "" {
			ref = fmt.Sprintf("HP-M-%06d", id)
			if _, err := q.ExecContext(ctx, `UPDATE mandates SET reference = $1 WHERE id = $2`, ref, id); err != nil {
				return err
			}
		}
		if err := record(ctx, q, now, in.OrgID, "mandate.create", "mandate", id, fmt.Sprintf(
			"SEPA mandate %s signed on %s by %s for %s", ref, in.SignedOn, in.DebtorName, maskIBAN(in.IBAN))); err != nil {
			return err
		}
		out, err = getMandate(ctx, q, id)
		return err
	})
	return out, err
}

// maskIBAN keeps an account number recognisable in the audit trail without spelling it
// out: NL44RABO0123456789 → NL44RABO••••••6789.
func maskIBAN(iban string) string {
	if len(iban) < 12 {
		return iban
	}
	return iban[:8] + strings.Repeat("•", len(iban)-12) + iban[len(iban)-4:]
}

const mandateColumns = `id, org_id, reference, signed_on, debtor_name, iban, bic, status, status_reason, next_sequence, last_collection_on,
	amend_orig_reference, amend_orig_iban, amend_other_bank, created_at, updated_at`

func scanMandate(row interface{ Scan(...any) error }) (Mandate, error) {
	var m Mandate
	var signed, last, origRef, origIBAN string
	var other int
	err := row.Scan(&m.ID, &m.OrgID, &m.Reference, &signed, &m.DebtorName, &m.IBAN, &m.BIC, &m.Status, &m.StatusReason, &m.NextSequence, &last,
		&origRef, &origIBAN, &other, &m.CreatedAt, &m.UpdatedAt)
	m.SignedOn, m.LastCollectionOn = dateOrZero(signed), dateOrZero(last)
	if origRef != "" || origIBAN != "" || other != 0 {
		m.PendingAmendment = &Amendment{OriginalMandateID: origRef, OriginalIBAN: origIBAN, OtherBank: other != 0}
	}
	m.CreatedAt, m.UpdatedAt = m.CreatedAt.UTC(), m.UpdatedAt.UTC()
	return m, err
}

func getMandate(ctx context.Context, q store.Querier, id int64) (Mandate, error) {
	m, err := scanMandate(q.QueryRowContext(ctx, `SELECT `+mandateColumns+` FROM mandates WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return m, ErrNotFound
	}
	return m, err
}

// GetMandate returns a mandate the principal may see.
func (s *Service) GetMandate(ctx context.Context, by accounts.Principal, id int64) (Mandate, error) {
	if err := by.Ready(); err != nil {
		return Mandate{}, err
	}
	m, err := getMandate(ctx, s.db, id)
	if err != nil {
		return Mandate{}, err
	}
	if err := by.Check(accounts.MandateRead, accounts.OrgID(m.OrgID)); err != nil {
		return Mandate{}, err
	}
	return m, nil
}

// ListMandates returns an organisation's mandates, newest first.
func (s *Service) ListMandates(ctx context.Context, by accounts.Principal, orgID int64) ([]Mandate, error) {
	if err := by.Check(accounts.MandateRead, accounts.OrgID(orgID)); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+mandateColumns+` FROM mandates WHERE org_id = $1 ORDER BY id DESC`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Mandate
	for rows.Next() {
		m, err := scanMandate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MandatesBefore is the staff's mandate list by keyset: up to limit (at most 200)
// mandates of every customer with an id below before (0: from the newest), newest
// first, along the primary key. It replaces reading each customer's mandates for the
// first customers by name, which missed the rest and cost a query per customer
// (issue 16).
func (s *Service) MandatesBefore(ctx context.Context, by accounts.Principal, before int64, limit int) ([]Mandate, error) {
	if err := by.Check(accounts.MandateRead, accounts.Provider); err != nil {
		return nil, err
	}
	if before <= 0 {
		before = math.MaxInt64
	}
	rows, err := s.db.QueryContext(ctx, mandatesBeforeQuery, before, min(max(limit, 1), 200))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Mandate
	for rows.Next() {
		m, err := scanMandate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

const mandatesBeforeQuery = `SELECT ` + mandateColumns + ` FROM mandates WHERE id < $1 ORDER BY id DESC LIMIT $2`

// mandateForChange loads a mandate the principal may change, inside q.
func (s *Service) mandateForChange(ctx context.Context, q store.Querier, by accounts.Principal, id int64) (Mandate, error) {
	m, err := getMandate(ctx, q, id)
	if err != nil {
		return m, err
	}
	if err := by.Check(accounts.MandateRead, accounts.OrgID(m.OrgID)); err != nil {
		return Mandate{}, err
	}
	if err := by.Check(accounts.MandateManage, accounts.OrgID(m.OrgID)); err != nil {
		return Mandate{}, err
	}
	return m, nil
}

// sameBank reports whether two accounts are at the same bank: by BIC when both are
// known, by the bank code of a Dutch IBAN; otherwise it answers false, which makes the
// amendment the safe "other bank" kind (SMNDA).
func sameBank(oldIBAN, oldBIC, newIBAN, newBIC string) bool {
	if oldBIC != "" && newBIC != "" {
		return oldBIC[:6] == newBIC[:6]
	}
	return strings.HasPrefix(oldIBAN, "NL") && strings.HasPrefix(newIBAN, "NL") && len(oldIBAN) == 18 && len(newIBAN) == 18 && oldIBAN[4:8] == newIBAN[4:8]
}

// AmendMandate changes a mandate's reference, debtor name or account. The bank is told
// with the next collection (AmdmntInfDtls); a move to another bank (SMNDA) makes the
// next collection a first one again. Billing staff, or the customer for its own.
func (s *Service) AmendMandate(ctx context.Context, by accounts.Principal, id int64, ch MandateChange) (Mandate, error) {
	if err := by.Ready(); err != nil {
		return Mandate{}, err
	}
	ctx = actorFor(ctx, by)
	var out Mandate
	err := s.db.InTx(ctx, func(q store.Querier) error {
		m, err := s.mandateForChange(ctx, q, by, id)
		if err != nil {
			return err
		}
		if m.Status != MandateActive {
			return FieldErrors{"status": i18n.T("payments.this_mandate_s_record", m.Status)}
		}
		fe := FieldErrors{}
		ch.Reference = strings.TrimSpace(ch.Reference)
		if ch.Reference == "" {
			ch.Reference = m.Reference
		} else if msg := validMandateRef(ch.Reference); !msg.IsZero() {
			fe["reference"] = msg
		}
		if strings.TrimSpace(ch.DebtorName) == "" {
			ch.DebtorName = m.DebtorName
		}
		if strings.TrimSpace(ch.IBAN) == "" {
			ch.IBAN, ch.BIC = m.IBAN, m.BIC
		}
		s.validateDebtor(fe, &ch.DebtorName, &ch.IBAN, &ch.BIC)
		if len(fe) > 0 {
			return fe
		}
		if ch.Reference == m.Reference && ch.DebtorName == m.DebtorName && ch.IBAN == m.IBAN && ch.BIC == m.BIC {
			out = m
			return nil
		}
		am := Amendment{}
		if m.PendingAmendment != nil {
			am = *m.PendingAmendment // the bank knows the state of the last collection
		}
		if ch.Reference != m.Reference && am.OriginalMandateID == "" {
			am.OriginalMandateID = m.Reference
		}
		next := m.NextSequence
		var what []string
		if ch.Reference != m.Reference {
			what = append(what, fmt.Sprintf("reference %s → %s", m.Reference, ch.Reference))
		}
		if ch.DebtorName != m.DebtorName {
			what = append(what, "debtor name")
		}
		if ch.IBAN != m.IBAN {
			what = append(what, fmt.Sprintf("account %s → %s", maskIBAN(m.IBAN), maskIBAN(ch.IBAN)))
			if sameBank(m.IBAN, m.BIC, ch.IBAN, ch.BIC) && !am.OtherBank {
				if am.OriginalIBAN == "" {
					am.OriginalIBAN = m.IBAN
				}
			} else {
				am.OtherBank, am.OriginalIBAN = true, ""
				next = SeqFirst
			}
		}
		if m.LastCollectionOn.IsZero() {
			// Nothing was collected yet: the bank has never seen the old details.
			am = Amendment{}
		}
		now := s.now()
		other := 0
		if am.OtherBank {
			other = 1
		}
		_, err = q.ExecContext(ctx, `UPDATE mandates SET reference = $1, debtor_name = $2, iban = $3, bic = $4, next_sequence = $5,
			amend_orig_reference = $6, amend_orig_iban = $7, amend_other_bank = $8, updated_at = $9 WHERE id = $10`,
			ch.Reference, ch.DebtorName, ch.IBAN, ch.BIC, next, am.OriginalMandateID, am.OriginalIBAN, other, now, id)
		if store.IsUniqueViolation(err) {
			return FieldErrors{"reference": i18n.T("payments.another_mandate_has_this")}
		}
		if err != nil {
			return err
		}
		if err := record(ctx, q, now, m.OrgID, "mandate.amend", "mandate", id, fmt.Sprintf("SEPA mandate %s amended: %s; next collection %s",
			ch.Reference, strings.Join(what, ", "), next)); err != nil {
			return err
		}
		out, err = getMandate(ctx, q, id)
		return err
	})
	return out, err
}

// RevokeMandate ends a mandate: no collection uses it any more. Billing staff, or the
// customer for its own.
func (s *Service) RevokeMandate(ctx context.Context, by accounts.Principal, id int64, reason string) (Mandate, error) {
	if err := by.Ready(); err != nil {
		return Mandate{}, err
	}
	ctx = actorFor(ctx, by)
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 500 {
		return Mandate{}, FieldErrors{"reason": i18n.T("payments.say_why_mandate_ends")}
	}
	var out Mandate
	err := s.db.InTx(ctx, func(q store.Querier) error {
		m, err := s.mandateForChange(ctx, q, by, id)
		if err != nil {
			return err
		}
		if m.Status == MandateRevoked {
			out = m
			return nil
		}
		now := s.now()
		if _, err := q.ExecContext(ctx, `UPDATE mandates SET status = $1, status_reason = $2, updated_at = $3 WHERE id = $4`, MandateRevoked, reason, now, id); err != nil {
			return err
		}
		if err := record(ctx, q, now, m.OrgID, "mandate.revoke", "mandate", id, fmt.Sprintf("SEPA mandate %s revoked: %s", m.Reference, reason)); err != nil {
			return err
		}
		out, err = getMandate(ctx, q, id)
		return err
	})
	return out, err
}

// activeMandatesQuery walks the active mandates by customer along mandates_active
// (status, org_id, id), each customer's newest first: a page of customers costs the
// same whatever the number of mandates, invoices or customers (issue 16).
const activeMandatesQuery = `SELECT ` + mandateColumns + ` FROM mandates WHERE status = 'active' AND org_id > $1
	ORDER BY org_id, id DESC LIMIT $2`

// ActiveMandatesAfter returns, for up to limit (at most 200) mandates read, each
// customer's newest active mandate, customers with an id above afterOrg in ascending
// order, and the cursor of the next call (0 at the end): what a direct-debit batch
// collects with.
func (s *Service) ActiveMandatesAfter(ctx context.Context, by accounts.Principal, afterOrg int64, limit int) ([]Mandate, int64, error) {
	if err := by.Check(accounts.MandateRead, accounts.Provider); err != nil {
		return nil, 0, err
	}
	limit = min(max(limit, 1), 200)
	rows, err := s.db.QueryContext(ctx, activeMandatesQuery, afterOrg, limit)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Mandate
	n := 0
	for rows.Next() {
		m, err := scanMandate(rows)
		if err != nil {
			return nil, 0, err
		}
		n++
		if len(out) == 0 || out[len(out)-1].OrgID != m.OrgID {
			out = append(out, m)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	var next int64
	if n == limit && len(out) > 0 {
		next = out[len(out)-1].OrgID
	}
	return out, next, nil
}
