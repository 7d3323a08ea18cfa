package app

import (
	"context"
	"strconv"
	"time"

	"github.com/hostpact/hostpact/internal/abuse"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/disclosure"
	"github.com/hostpact/hostpact/internal/privacy"
	"github.com/hostpact/hostpact/internal/privacy/holders"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/support"
	"github.com/hostpact/hostpact/internal/terms"
)

func candidates(query string) func(ctx context.Context, q store.Querier, until terms.Date) ([]privacy.Candidate, error) {
	return func(ctx context.Context, q store.Querier, until terms.Date) ([]privacy.Candidate, error) {
		rows, err := q.QueryContext(ctx, query, store.Now(until.AddDays(1).Time(clock.Amsterdam)))
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []privacy.Candidate
		for rows.Next() {
			var c privacy.Candidate
			var from time.Time
			if err := rows.Scan(&c.ID, &c.OrgID, &from); err != nil {
				return nil, err
			}
			c.From = terms.DateIn(from, clock.Amsterdam)
			out = append(out, c)
		}
		return out, rows.Err()
	}
}

// byID adapts an anonymisation by numeric id to the retention job's text ids.
func byID(f func(ctx context.Context, q store.Querier, id int64) error) func(ctx context.Context, q store.Querier, id string) error {
	return func(ctx context.Context, q store.Querier, id string) error {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return err
		}
		return f(ctx, q, n)
	}
}

// anonymiseOrganisation anonymises a closed customer: its contact and every user of
// it, through every holder (invoices stay, sealed, for their fiscal period).
func anonymiseOrganisation(ctx context.Context, q store.Querier, id string) error {
	rows, err := q.QueryContext(ctx, `SELECT email FROM organisations WHERE CAST(id AS TEXT) = $1
		UNION SELECT email FROM users WHERE CAST(org_id AS TEXT) = $1`, id)
	if err != nil {
		return err
	}
	var emails []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			rows.Close()
			return err
		}
		emails = append(emails, e)
	}
	rows.Close()
	for _, e := range emails {
		// The person with their organisations, resolved before any holder changes the
		// addresses they are found by (billing restricts by organisation).
		p, err := holders.Person(ctx, q, e)
		if err != nil {
			return err
		}
		for _, h := range holders.All() {
			if err := h.Anonymise(ctx, q, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// invoiceCandidates lists the issued documents whose fiscal period started (issue
// date) on or before until and that are not redacted yet.
func invoiceCandidates(ctx context.Context, q store.Querier, until terms.Date) ([]privacy.Candidate, error) {
	rows, err := q.QueryContext(ctx, `SELECT CAST(i.id AS TEXT), i.org_id, i.issue_date FROM invoices i WHERE i.issue_date <= $1
		AND NOT EXISTS (SELECT 1 FROM invoice_redactions r WHERE r.invoice_id = i.id) AND `+privacy.NotDone("invoices", "invoice", "i.id")+` ORDER BY i.issue_date, i.id`, until.String())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []privacy.Candidate
	for rows.Next() {
		var c privacy.Candidate
		if err := rows.Scan(&c.ID, &c.OrgID, &c.From); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func privacyRetention(clk clock.Clock) []privacy.RetentionSource {
	return []privacy.RetentionSource{
		// Account data 6 months after the account is closed (cp.privacy.account.2): a
		// disabled organisation, from the day it was disabled.
		{Rule: "account-data", Kind: "organisation", Action: privacy.ActionAnonymise,
			Candidates: candidates(`SELECT CAST(o.id AS TEXT), o.id, o.updated_at FROM organisations o WHERE o.disabled = TRUE AND o.updated_at < $1
				AND o.email NOT LIKE '%@anonymised.invalid' AND ` + privacy.NotDone("account-data", "organisation", "o.id") + ` ORDER BY o.id`),
			Apply: anonymiseOrganisation},
		// Contact records 6 months after the question was resolved (cp.privacy.enquiries.2):
		// the privacy package's own closed data subject requests.
		{Rule: "enquiries", Kind: "privacy_request", Action: privacy.ActionAnonymise,
			Candidates: candidates(`SELECT CAST(r.id AS TEXT), 0, r.closed_at FROM privacy_requests r WHERE r.closed_at IS NOT NULL AND r.closed_at < $1
				AND ` + privacy.NotDone("enquiries", "privacy_request", "r.id") + ` ORDER BY r.id`),
			Apply: func(ctx context.Context, q store.Querier, id string) error {
				_, err := q.ExecContext(ctx, `UPDATE privacy_requests SET subject_email = 'anonymised-request-' || CAST(id AS TEXT) || '@anonymised.invalid',
					subject_name = '', details = '' WHERE CAST(id AS TEXT) = $1`, id)
				return err
			}},
		// Support records 6 months after the question was resolved (cp.privacy.enquiries.1,
		// 2: questions and requests by form, chat, telephone and e-mail); notices and
		// vulnerability reports are such requests too. Each package anonymises its own
		// case and keeps the skeleton another rule needs (docs/architecture.md, "Retention
		// of support, notice and disclosure cases"). The kinds are the files owners' and
		// legal holds' case prefixes: a hold on "ticket:12" or "ntd:7" stops it.
		{Rule: "enquiries", Kind: "ticket", Action: privacy.ActionAnonymise,
			Candidates: candidates(support.ResolvedTicketsQuery(privacy.NotDone("enquiries", "ticket", "t.id"))),
			Apply: byID(func(ctx context.Context, q store.Querier, id int64) error {
				return support.AnonymiseTicket(ctx, q, id, privacy.Anonymised)
			})},
		{Rule: "enquiries", Kind: "ntd", Action: privacy.ActionAnonymise,
			Candidates: candidates(abuse.ClosedCasesQuery(privacy.NotDone("enquiries", "ntd", "c.id"))),
			Apply: byID(func(ctx context.Context, q store.Querier, id int64) error {
				return abuse.AnonymiseCase(ctx, q, id, privacy.Anonymised)
			})},
		{Rule: "enquiries", Kind: "disclosure", Action: privacy.ActionAnonymise,
			Candidates: candidates(disclosure.ClosedReportsQuery(privacy.NotDone("enquiries", "disclosure", "r.id"))),
			Apply: byID(func(ctx context.Context, q store.Querier, id int64) error {
				return disclosure.AnonymiseReport(ctx, q, id, privacy.Anonymised)
			})},
		{Rule: "hosting-data", Kind: "subscription", Action: privacy.ActionElsewhere,
			Link: "provisioning deletes a service's data on the contracts deletion schedule (contracts.DueDeletions, provision.DeleteDue)"},
		{Rule: "email-data", Kind: "subscription", Action: privacy.ActionElsewhere,
			Link: "provisioning deletes a mailbox's data on the contracts deletion schedule (contracts.DueDeletions, provision.DeleteDue)"},
		{Rule: "customer-data", Kind: "subscription", Action: privacy.ActionElsewhere,
			Link: "provisioning deletes the service's data on the contracts deletion schedule after the agreement ends"},
		{Rule: "server-logs", Kind: "monitor_results", Action: privacy.ActionElsewhere,
			Link: "the monitor's retention job (monitor.RetentionJob); logs on the hosting servers rotate there"},
		// Invoices 7 years (cp.privacy.order.1, art. 52 AWR): sealed and unchanged during
		// the period (an erased person's organisation is only restricted, billing shows
		// it anonymised); after it, billing removes the customer party through a sealed
		// redaction. The document itself stays: the numbering must stay gapless and the
		// amounts belong to the provider's own books.
		{Rule: "invoices", Kind: "invoice", Action: privacy.ActionAnonymise, Candidates: invoiceCandidates,
			Apply: func(ctx context.Context, q store.Querier, id string) error {
				n, err := strconv.ParseInt(id, 10, 64)
				if err != nil {
					return err
				}
				return billing.Redact(ctx, q, clk.Now(), n, "invoices")
			}},
		{Rule: "job-applications", Kind: "application", Action: privacy.ActionElsewhere,
			Link: "hostpact holds no job applications"},
	}
}
