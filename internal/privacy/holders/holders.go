// Package holders answers privacy.Holder for the packages that existed when the
// privacy duties were built (issue 12): accounts, contracts, billing, payments, the
// notify outbox, the audit trail, signup, status subscribers, compensation and
// provisioning. Each holder is a declaration — the tables it covers, the queries that
// read a person's rows, the statements that anonymise them — so that a package added
// later adds one entry to All (or its own Holder) and the guard test in internal/app
// sees the coverage.
//
// They read the packages' tables directly: a holder is the package's answer written
// in one place, reviewed against its migrations; moving each into its package is a
// mechanical step that changes nothing here but the import.
package holders

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/privacy"
	"github.com/hostpact/hostpact/internal/store"
)

// read is one query of a person's rows: $1 is the lower-case e-mail address.
type read struct {
	table string
	query string
}

// anon is one anonymising statement: $1 is the lower-case e-mail address, $2 the
// replacement text.
type anon struct {
	query string
}

// Holder is a declared privacy.Holder.
type Holder struct {
	Pkg        string
	Covers     []string
	Reads      []read
	Anons      []anon
	AnonymiseF func(ctx context.Context, q store.Querier, p privacy.Person) error
	// Why, when Anons is empty: why the package keeps its rows as they are.
	Why string
}

// Package implements privacy.Holder.
func (h Holder) Package() string { return h.Pkg }

// Tables implements privacy.Holder.
func (h Holder) Tables() []string { return h.Covers }

// PersonalData implements privacy.Holder.
func (h Holder) PersonalData(ctx context.Context, q store.Querier, p privacy.Person) ([]privacy.Record, error) {
	var out []privacy.Record
	for _, r := range h.Reads {
		recs, err := rowsOf(ctx, q, h.Pkg, r.table, r.query, p.Normal())
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", h.Pkg, r.table, err)
		}
		out = append(out, recs...)
	}
	return out, nil
}

// Anonymise implements privacy.Holder.
func (h Holder) Anonymise(ctx context.Context, q store.Querier, p privacy.Person) error {
	for _, a := range h.Anons {
		args := []any{p.Normal()}
		if strings.Contains(a.query, "$2") {
			args = append(args, privacy.Anonymised)
		}
		if _, err := q.ExecContext(ctx, a.query, args...); err != nil {
			return fmt.Errorf("%s: anonymise: %w", h.Pkg, err)
		}
	}
	if h.AnonymiseF != nil {
		return h.AnonymiseF(ctx, q, p)
	}
	return nil
}

func rowsOf(ctx context.Context, q store.Querier, pkg, table, query, email string) ([]privacy.Record, error) {
	rows, err := q.QueryContext(ctx, query, email)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []privacy.Record
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		rec := privacy.Record{Package: pkg, Table: table, Fields: map[string]any{}}
		for i, c := range cols {
			v := vals[i]
			switch x := v.(type) {
			case []byte:
				v = string(x)
			case time.Time:
				v = x.UTC().Format(time.RFC3339)
			}
			if c == "id" {
				rec.ID = fmt.Sprint(v)
			}
			rec.Fields[c] = v
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}

// orgsOf is the organisations whose contact is the person ($1).
const orgsOf = `(SELECT id FROM organisations WHERE LOWER(email) = $1)`

// usersOf is the person's user accounts ($1).
const usersOf = `(SELECT id FROM users WHERE LOWER(email) = $1)`

// All is the holders of the packages with personal data, in the order an export
// shows them. Add a package's holder here (or register its own in app.PrivacyHolders).
func All() []privacy.Holder {
	return []privacy.Holder{
		Holder{Pkg: "accounts", Covers: []string{"organisations", "organisations_search", "users", "sessions", "api_tokens", "staff_notes", "login_known_nets", "password_reset_tokens"},
			Reads: []read{
				{"users", `SELECT id, org_id, email, name, language, roles, org_admin, permissions, disabled, created_at, last_login_at FROM users WHERE LOWER(email) = $1`},
				{"organisations", `SELECT id, kind, legal_name, contact_name, email, phone, language, postal_street, postal_code, postal_city, postal_country,
					billing_street, billing_postal_code, billing_city, billing_country, kvk, vat_id, created_at FROM organisations WHERE LOWER(email) = $1`},
				{"sessions", `SELECT id, user_id, ip, created_at FROM sessions WHERE user_id IN ` + usersOf},
			},
			Anons: []anon{
				{`DELETE FROM sessions WHERE user_id IN ` + usersOf},
				{`UPDATE users SET name = $2, disabled = TRUE, password_hash = '', email = 'anonymised-user-' || CAST(id AS TEXT) || '@anonymised.invalid' WHERE LOWER(email) = $1`},
				// A consumer's organisation is the person; a business keeps its company
				// name and loses only the contact's name, phone and address.
				{`UPDATE organisations SET contact_name = $2, phone = '', legal_name = CASE WHEN kind = 'consumer' THEN $2 ELSE legal_name END,
					postal_street = CASE WHEN kind = 'consumer' THEN '' ELSE postal_street END, billing_street = CASE WHEN kind = 'consumer' THEN '' ELSE billing_street END,
					email = 'anonymised-org-' || CAST(id AS TEXT) || '@anonymised.invalid' WHERE LOWER(email) = $1`},
			}},
		Holder{Pkg: "contracts", Covers: []string{"contracts"},
			Reads: []read{{"contracts", `SELECT id, org_id, org_name, org_email, accepted_ip, status, created_at FROM contracts WHERE LOWER(org_email) = $1`}},
			Anons: []anon{{`UPDATE contracts SET org_name = $2, accepted_ip = '', org_email = 'anonymised-contract-' || CAST(id AS TEXT) || '@anonymised.invalid' WHERE LOWER(org_email) = $1`}}},
		// Issued invoices are sealed with a content hash and kept 7 years (art. 52 AWR,
		// cp.privacy.order.1): the export lists them; erasure leaves the sealed rows as
		// they are and restricts the organisation (AVG art. 17(3)(b), art. 18), so that
		// billing shows its customer anonymised everywhere; the retention rule
		// 'invoices' redacts the party from the document after the period.
		Holder{Pkg: "billing", Covers: []string{"invoices", "invoice_lines", "account_credit", "invoice_restrictions", "invoice_redactions"},
			Reads: []read{{"invoices", `SELECT id, number, issue_date, total_incl, customer_json FROM invoices WHERE org_id IN ` + orgsOf}},
			AnonymiseF: func(ctx context.Context, q store.Querier, p privacy.Person) error {
				for _, org := range p.OrgIDs {
					if err := billing.RestrictCustomer(ctx, q, org, "erasure (AVG art. 17(3)(b)): kept for fiscal purposes only"); err != nil {
						return err
					}
				}
				return nil
			},
			Why: "issued invoices are fiscal records kept 7 years (art. 52 AWR) and sealed: restricted at erasure, redacted by the retention rule 'invoices' after the period"},
		Holder{Pkg: "payments", Covers: []string{"mandates", "bank_transactions", "refund_payouts", "payment_statements"},
			Reads: []read{{"mandates", `SELECT id, org_id, debtor_name, iban, created_at FROM mandates WHERE org_id IN ` + orgsOf}},
			Why:   "mandates and bank transactions are payment records kept with the invoices they settle (fiscal retention, 7 years)"},
		Holder{Pkg: "notify", Covers: []string{"mail_outbox"},
			Reads: []read{{"mail_outbox", `SELECT id, to_addr, to_name, subject, status, created_at, sent_at FROM mail_outbox WHERE LOWER(to_addr) = $1`}},
			Anons: []anon{{`UPDATE mail_outbox SET to_name = $2, body_text = $2, body_html = '', subject = $2, to_addr = 'anonymised-mail-' || CAST(id AS TEXT) || '@anonymised.invalid'
				WHERE LOWER(to_addr) = $1 AND status <> 'pending'`}}},
		// The audit trail is append-only and hash-chained (DESIGN.md principle 3; its
		// evidence value, cp.av.19.5): rewriting an entry breaks the chain for every
		// later entry. Entries name users by id and label and never hold content; the
		// export shows them, and the person's user row is anonymised instead.
		Holder{Pkg: "audit", Covers: []string{"audit_entries"},
			Reads: []read{{"audit_entries", `SELECT seq AS id, at, action, object_kind, object_id, summary, ip FROM audit_entries
				WHERE actor_kind IN ('staff', 'customer') AND actor_id IN (SELECT id FROM users WHERE LOWER(email) = $1) ORDER BY seq`}},
			Why: "append-only, hash-chained evidence (DESIGN.md principle 3); the user row it points to is anonymised"},
		Holder{Pkg: "signup", Covers: []string{"signups"},
			Reads: []read{{"signups", `SELECT id, email, ip, created_at FROM signups WHERE LOWER(email) = $1`}},
			Anons: []anon{{`DELETE FROM signups WHERE LOWER(email) = $1`}}},
		Holder{Pkg: "status", Covers: []string{"status_subscribers"},
			Reads: []read{{"status_subscribers", `SELECT id, email, created_at FROM status_subscribers WHERE LOWER(email) = $1`}},
			Anons: []anon{{`DELETE FROM status_subscribers WHERE LOWER(email) = $1`}}},
		Holder{Pkg: "provision", Covers: []string{"provision_services"},
			Reads: []read{{"provision_services", `SELECT id, subscription_id, name, email FROM provision_services WHERE LOWER(email) = $1`}},
			Anons: []anon{{`UPDATE provision_services SET email = '' WHERE LOWER(email) = $1`}}},
		// Tickets the person asked and the messages they wrote; staff's internal notes are
		// the provider's work notes, not the person's, and stay out of the export.
		Holder{Pkg: "support", Covers: []string{"tickets", "ticket_messages", "ticket_files"},
			Reads: []read{
				{"tickets", `SELECT id, org_id, subject, category, status, channel, requester_email, requester_name, created_at FROM tickets WHERE LOWER(requester_email) = $1`},
				{"ticket_messages", `SELECT m.id, m.ticket_id, m.kind, m.author_name, m.author_email, m.body, m.created_at FROM ticket_messages m
					WHERE m.public AND (LOWER(m.author_email) = $1 OR m.ticket_id IN (SELECT id FROM tickets WHERE LOWER(requester_email) = $1)) ORDER BY m.id`},
				{"ticket_files", `SELECT f.file_id AS id, f.message_id, f.name, f.size FROM ticket_files f JOIN ticket_messages m ON m.id = f.message_id
					WHERE m.public AND LOWER(m.author_email) = $1`},
			},
			Anons: []anon{
				{`UPDATE ticket_messages SET author_name = $2, body = $2, author_email = 'anonymised-message-' || CAST(id AS TEXT) || '@anonymised.invalid' WHERE LOWER(author_email) = $1`},
				{`UPDATE tickets SET requester_name = $2, subject = $2, requester_email = 'anonymised-ticket-' || CAST(id AS TEXT) || '@anonymised.invalid' WHERE LOWER(requester_email) = $1`},
			}},
		// A notifier's and a reporter's own details; what the case says about a hosted
		// site is the case, kept with it as the record of its steps (cp.ntd.2.1-2.6).
		Holder{Pkg: "abuse", Covers: []string{"abuse_cases"},
			Reads: []read{{"abuse_cases", `SELECT id, source, state, ground, notifier_name, notifier_org, notifier_email, notifier_phone, created_at FROM abuse_cases WHERE LOWER(notifier_email) = $1`}},
			Anons: []anon{{`UPDATE abuse_cases SET notifier_name = $2, notifier_phone = '', notifier_email = 'anonymised-notice-' || CAST(id AS TEXT) || '@anonymised.invalid' WHERE LOWER(notifier_email) = $1`}}},
		Holder{Pkg: "disclosure", Covers: []string{"disclosure_reports"},
			Reads: []read{{"disclosure_reports", `SELECT id, source, state, title, reporter_name, reporter_email, reporter_phone, credit_name, received_at FROM disclosure_reports WHERE LOWER(reporter_email) = $1`}},
			Anons: []anon{{`UPDATE disclosure_reports SET reporter_name = $2, reporter_phone = '', credit_name = '', reporter_email = 'anonymised-report-' || CAST(id AS TEXT) || '@anonymised.invalid' WHERE LOWER(reporter_email) = $1`}}},
		Holder{Pkg: "privacy", Covers: []string{"privacy_requests"},
			Reads: []read{{"privacy_requests", `SELECT id, kind, scope, subject_email, subject_name, received_at, status FROM privacy_requests WHERE LOWER(subject_email) = $1`}},
			Why:   "the request itself is the evidence of how it was answered; the retention rule 'enquiries' removes it 6 months after it was closed"},
	}
}

// Person resolves the person behind an address: their user accounts and the
// organisations whose contact they are.
func Person(ctx context.Context, q store.Querier, email string) (privacy.Person, error) {
	p := privacy.Person{Email: strings.ToLower(strings.TrimSpace(email))}
	for _, x := range []struct {
		query string
		into  *[]int64
	}{{`SELECT id FROM users WHERE LOWER(email) = $1 ORDER BY id`, &p.UserIDs}, {`SELECT id FROM organisations WHERE LOWER(email) = $1 ORDER BY id`, &p.OrgIDs}} {
		rows, err := q.QueryContext(ctx, x.query, p.Email)
		if err != nil {
			return p, err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return p, err
			}
			*x.into = append(*x.into, id)
		}
		rows.Close()
	}
	var name sql.NullString
	_ = q.QueryRowContext(ctx, `SELECT name FROM users WHERE LOWER(email) = $1`, p.Email).Scan(&name)
	p.Name = name.String
	return p, nil
}
