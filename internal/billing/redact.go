package billing

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// Erasure against fiscal retention (issue 12; INTERPRETATION "Processor duties": what
// fiscal law requires is kept, the rest destroyed). During the fiscal period an issued
// document stays exactly as sealed; an erased person's organisation is restricted
// (RestrictCustomer) and every read of billing shows its customer party anonymised,
// the sealed original serving fiscal purposes only (AVG art. 17(3)(b), art. 18). After
// the period, Redact removes the customer party from the document itself through a
// sealed redaction, the one change an issued document ever gets.

// AnonymisedName replaces a person's name on a restricted or redacted document (the
// same text as privacy.Anonymised).
const AnonymisedName = "[geanonimiseerd / anonymised]"

// restrictedCol tells, per row of invoices i, whether its organisation is restricted.
const restrictedCol = `(SELECT COUNT(*) FROM invoice_restrictions ir WHERE ir.org_id = i.org_id)`

// restrictParty is the customer party as shown for a restricted organisation: a
// consumer is the person, so name, address and e-mail go; a business keeps its company
// name and address (no personal data), only the contact's e-mail goes — the same line
// the accounts holder draws. Country and kind stay: they decide the VAT.
func restrictParty(p Party) Party {
	if p.Kind == string(terms.Consumer) {
		return Party{Name: AnonymisedName, Country: p.Country, Kind: p.Kind}
	}
	p.Email = ""
	return p
}

// redactedParty is what remains of the customer party after the fiscal period: nothing
// that names anyone, only what the VAT treatment rests on.
func redactedParty(p Party) Party {
	return Party{Name: AnonymisedName, Country: p.Country, Kind: p.Kind}
}

func shownParty(inv Invoice) Party {
	if inv.Restricted {
		return restrictParty(inv.Customer)
	}
	return inv.Customer
}

// RestrictCustomer marks an organisation's documents as kept for fiscal purposes only,
// in the caller's transaction (the privacy erasure). Idempotent.
func RestrictCustomer(ctx context.Context, q store.Querier, orgID int64, reason string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO invoice_restrictions (org_id, reason) VALUES ($1, $2) ON CONFLICT (org_id) DO NOTHING`, orgID, reason)
	return err
}

// redactionSeals reports whether a document whose rows no longer match its original
// seal was changed by a redaction only: a redaction record for the original seal whose
// redacted seal matches the rows as they are now.
func redactionSeals(ctx context.Context, q store.Querier, id int64, original, now string) (bool, error) {
	var orig, red string
	err := q.QueryRowContext(ctx, `SELECT original_hash, redacted_hash FROM invoice_redactions WHERE invoice_id = $1`, id).Scan(&orig, &red)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return orig == original && red == now, nil
}

func sha(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Redact removes the customer party from an issued document whose fiscal period has
// passed (the retention rule, the privacy package's job), in the caller's transaction.
// The seal is checked first: a tampered document is not redacted (that would launder
// it). A second call does nothing. The audit entry carries the hashes, never the
// removed content.
func Redact(ctx context.Context, q store.Querier, now time.Time, id int64, rule string) error {
	var exists int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM invoice_redactions WHERE invoice_id = $1`, id).Scan(&exists); err != nil {
		return err
	}
	if exists > 0 {
		return nil
	}
	inv, err := scanInvoice(q.QueryRowContext(ctx, `SELECT `+invCols+invFrom+` WHERE i.id = $1`, id))
	if err != nil {
		return err
	}
	if inv.Lines, err = loadLines(ctx, q, id); err != nil {
		return err
	}
	if contentHash(inv) != inv.ContentHash {
		return fmt.Errorf("%w: %s", ErrTampered, inv.Number)
	}
	red := inv
	red.Customer = redactedParty(inv.Customer)
	redHash := contentHash(red)
	cust, err := json.Marshal(red.Customer)
	if err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO invoice_redactions (invoice_id, fields, original_hash, fields_hash, redacted_hash, rule, redacted_at)
		VALUES ($1, 'customer', $2, $3, $4, $5, $6)`, id, inv.ContentHash, sha(inv.Customer), redHash, rule, store.Now(now)); err != nil {
		return err
	}
	// The one statement that changes an issued document (TestImmutable names it): only
	// the customer party, only with its redaction record, only while the seal holds.
	res, err := q.ExecContext(ctx, `UPDATE invoices SET customer_json = $1 WHERE id = $2 AND content_hash = $3`, string(cust), id, inv.ContentHash)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("billing: redacting %s changed %d rows", inv.Number, n)
	}
	return audit.Record(ctx, q, now, audit.Change{OrgID: inv.OrgID, Action: "invoice.redact", ObjectKind: "invoice", ObjectID: fmt.Sprint(id),
		Summary: fmt.Sprintf("customer party of %s removed after the fiscal period (rule %s); original seal %s, redacted seal %s", inv.Number, rule, inv.ContentHash, redHash)})
}
