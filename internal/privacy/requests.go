package privacy

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// Kinds of data subject request (cp.privacy.rights.1; AVG art. 15-21).
const (
	RequestAccess        = "access"
	RequestRectification = "rectification"
	RequestErasure       = "erasure"
	RequestRestriction   = "restriction"
	RequestObjection     = "objection"
	RequestPortability   = "portability"
)

// RequestKinds lists them in display order.
var RequestKinds = []string{RequestAccess, RequestRectification, RequestErasure, RequestRestriction, RequestObjection, RequestPortability}

// Scopes of a request: the provider's own data (it answers as controller) or a
// customer's hosted data (passed to that customer, cp.dpa.9.1).
const (
	ScopeProvider = "provider"
	ScopeCustomer = "customer"
)

// Request is a data subject request.
type Request struct {
	ID              int64             `json:"id"`
	Kind            string            `json:"kind"`
	Scope           string            `json:"scope"`
	Email           string            `json:"email"`
	Name            string            `json:"name"`
	Details         string            `json:"details"`
	ReceivedOn      terms.Date        `json:"received_on"`
	DueOn           terms.Date        `json:"due_on"`
	ExtendedTo      terms.Date        `json:"extended_to,omitzero"`
	ExtensionReason string            `json:"extension_reason,omitempty"`
	IdentityMethod  string            `json:"identity_method,omitempty"`
	IdentityChecked time.Time         `json:"identity_checked_at,omitzero"`
	ForwardedOrgID  int64             `json:"forwarded_org_id,omitempty"`
	ForwardedAt     time.Time         `json:"forwarded_at,omitzero"`
	Status          string            `json:"status"`
	Outcome         string            `json:"outcome,omitempty"`
	Explanation     terms.Explanation `json:"explanation"`
}

// RequestInput is a request as staff record it.
type RequestInput struct {
	Kind, Scope, Email, Name, Details string
	// OrgID is the customer whose hosted data the request is about (ScopeCustomer).
	OrgID int64
}

// RecordRequest registers a request received now, with its deadline from the pack
// (terms.Policy.DSAR). A request about a customer's hosted data is passed to that
// customer at once and recorded (cp.dpa.9.1).
func (s *Service) RecordRequest(ctx context.Context, by accounts.Principal, in RequestInput) (Request, error) {
	if err := by.Check(accounts.PrivacyManage, accounts.Provider); err != nil {
		return Request{}, err
	}
	fe := accounts.FieldErrors{}
	in.Email, in.Name, in.Details = strings.TrimSpace(in.Email), strings.TrimSpace(in.Name), strings.TrimSpace(in.Details)
	if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email || len(in.Email) > 254 {
		fe["email"] = i18n.T("privacy.give_email")
	}
	if !slices.Contains(RequestKinds, in.Kind) {
		fe["kind"] = i18n.T("privacy.choose_kind")
	}
	if in.Scope != ScopeProvider && in.Scope != ScopeCustomer || (in.Scope == ScopeCustomer) != (in.OrgID != 0) {
		fe["scope"] = i18n.T("privacy.choose_kind")
	}
	if len(in.Name) > 200 || len(in.Details) > 8000 {
		fe["details"] = i18n.T("privacy.too_long")
	}
	if len(fe) > 0 {
		return Request{}, fe
	}
	pol, err := s.policy()
	if err != nil {
		return Request{}, err
	}
	today := s.today()
	res, ex, err := pol.DSAR(today)
	if err != nil {
		return Request{}, err
	}
	ctx = actorFor(ctx, by)
	var id int64
	err = s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		var fwd any
		if in.Scope == ScopeCustomer {
			fwd = now
		}
		if err := q.QueryRowContext(ctx, `INSERT INTO privacy_requests (kind, scope, subject_email, subject_name, details, received_at, received_on, due_on,
			forwarded_org_id, forwarded_at, explanation, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $6) RETURNING id`,
			in.Kind, in.Scope, in.Email, in.Name, in.Details, now, today.String(), res.Due.String(), in.OrgID, fwd, exJSON(ex)).Scan(&id); err != nil {
			return err
		}
		if in.Scope == ScopeCustomer {
			if err := s.forward(ctx, q, now, id, in); err != nil {
				return err
			}
		}
		return record(ctx, q, now, in.OrgID, "privacy.request", "privacy_request", id, fmt.Sprintf("%s request (%s) received; due %s", in.Kind, in.Scope, res.Due))
	})
	if err != nil {
		return Request{}, err
	}
	return s.request(ctx, s.db, id)
}

// forward passes a request about a customer's hosted data to the customer, the
// controller (cp.dpa.9.1): a mail through the outbox, in the request's transaction.
func (s *Service) forward(ctx context.Context, q store.Querier, now time.Time, id int64, in RequestInput) error {
	to, err := s.d.Customers.Contact(ctx, q, in.OrgID)
	if err != nil {
		return err
	}
	if to.Email == "" {
		return nil
	}
	l := lang(to.Lang)
	subject := fmt.Sprintf("Verzoek van een betrokkene over gegevens die je bij ons host (#%d)", id)
	body := fmt.Sprintf("Beste %s,\n\nWe ontvingen een verzoek (%s) van %s <%s> over persoonsgegevens die jij als verwerkingsverantwoordelijke bij ons laat verwerken. Jij handelt het verzoek af; we hebben de verzoeker laten weten dat we het aan jou doorgeven. Heb je onze hulp nodig, antwoord dan op deze e-mail.\n\n%s\n\nMet vriendelijke groet,\n%s\n",
		to.Name, in.Kind, in.Name, in.Email, in.Details, s.d.Provider)
	if l == "en" {
		subject = fmt.Sprintf("A data subject's request about data you host with us (#%d)", id)
		body = fmt.Sprintf("Dear %s,\n\nWe received a request (%s) from %s <%s> about personal data that you, as controller, have us process. You handle the request; we told the requester that we pass it on to you. If you need our help, reply to this e-mail.\n\n%s\n\nKind regards,\n%s\n",
			to.Name, in.Kind, in.Name, in.Email, in.Details, s.d.Provider)
	}
	_, err = notifyEnqueue(ctx, q, now, fmt.Sprintf("privacy-request-forward:%d", id), in.OrgID, to, l, subject, body)
	return err
}

const reqCols = `id, kind, scope, subject_email, subject_name, details, received_on, due_on, extended_to, extension_reason, identity_method, identity_checked_at,
	forwarded_org_id, forwarded_at, status, outcome, explanation`

func (s *Service) request(ctx context.Context, q store.Querier, id int64) (Request, error) {
	var r Request
	var ext sql.NullString
	var idAt, fwdAt sql.NullTime
	var ex string
	err := q.QueryRowContext(ctx, `SELECT `+reqCols+` FROM privacy_requests WHERE id = $1`, id).Scan(&r.ID, &r.Kind, &r.Scope, &r.Email, &r.Name, &r.Details,
		&r.ReceivedOn, &r.DueOn, &ext, &r.ExtensionReason, &r.IdentityMethod, &idAt, &r.ForwardedOrgID, &fwdAt, &r.Status, &r.Outcome, &ex)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	} else if err != nil {
		return r, err
	}
	if ext.Valid && ext.String != "" {
		if r.ExtendedTo, err = terms.ParseDate(ext.String); err != nil {
			return r, err
		}
	}
	r.IdentityChecked, r.ForwardedAt = idAt.Time, fwdAt.Time
	r.Explanation, err = parseEx(fmt.Sprintf("request %d", id), ex)
	return r, err
}

// GetRequest returns a request for staff.
func (s *Service) GetRequest(ctx context.Context, by accounts.Principal, id int64) (Request, error) {
	if err := by.Check(accounts.PrivacyRead, accounts.Provider); err != nil {
		return Request{}, err
	}
	return s.request(ctx, s.db, id)
}

// CheckIdentity records how the requester's identity was established; nothing is
// given out or changed before (cp.privacy.rights.2).
func (s *Service) CheckIdentity(ctx context.Context, by accounts.Principal, id int64, method string) error {
	if err := by.Check(accounts.PrivacyManage, accounts.Provider); err != nil {
		return err
	}
	method = strings.TrimSpace(method)
	if method == "" || len(method) > 1000 {
		return invalid("identity_method", "privacy.give_identity")
	}
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		res, err := q.ExecContext(ctx, `UPDATE privacy_requests SET identity_method = $1, identity_checked_at = $2 WHERE id = $3 AND status = 'open'`, method, now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return record(ctx, q, now, 0, "privacy.identity", "privacy_request", id, "identity of the requester established")
	})
}

// ExtendRequest extends the deadline with its reason, only within the first period
// (the pack's DSAR extension; AVG art. 12(3)).
func (s *Service) ExtendRequest(ctx context.Context, by accounts.Principal, id int64, reason string) (Request, error) {
	if err := by.Check(accounts.PrivacyManage, accounts.Provider); err != nil {
		return Request{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 4000 {
		return Request{}, invalid("reason", "privacy.give_extension_reason")
	}
	r, err := s.request(ctx, s.db, id)
	if err != nil {
		return Request{}, err
	}
	if s.today().After(r.DueOn) || !r.ExtendedTo.IsZero() || r.Status != "open" {
		return Request{}, invalid("reason", "privacy.extension_late")
	}
	pol, err := s.d.Pack.At(r.ReceivedOn)
	if err != nil {
		return Request{}, err
	}
	res, _, err := pol.DSAR(r.ReceivedOn)
	if err != nil {
		return Request{}, err
	}
	ctx = actorFor(ctx, by)
	err = s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		if _, err := q.ExecContext(ctx, `UPDATE privacy_requests SET extended_to = $1, extension_reason = $2 WHERE id = $3`, res.ExtendedTo.String(), reason, id); err != nil {
			return err
		}
		subject, body := extensionMail(id, r.Name, reason, res.ExtendedTo, s.d.Provider)
		if _, err := notifyEnqueue(ctx, q, now, fmt.Sprintf("privacy-request-extend:%d", id), 0, Recipient{Email: r.Email, Name: r.Name}, "nl", subject, body); err != nil {
			return err
		}
		return record(ctx, q, now, 0, "privacy.request_extend", "privacy_request", id, "deadline extended to "+res.ExtendedTo.String())
	})
	if err != nil {
		return Request{}, err
	}
	return s.request(ctx, s.db, id)
}

// extensionMail is the reasoned notice of an extension (AVG art. 12(3),
// cp.privacy.rights.1). A requester may write from outside any account, so the
// language is unknown: the notice is in Dutch and English, one after the other.
func extensionMail(id int64, name, reason string, to terms.Date, provider string) (string, string) {
	if name == "" {
		name = "aanvrager / requester"
	}
	subject := fmt.Sprintf("Je verzoek #%d: we hebben meer tijd nodig / Your request #%d: we need more time", id, id)
	body := fmt.Sprintf("Beste %s,\n\nJe verzoek over je persoonsgegevens is ingewikkelder dan gewoonlijk, daarom hebben we meer tijd nodig. "+
		"De reden: %s\n\nJe krijgt uiterlijk %s antwoord.\n\nMet vriendelijke groet,\n%s\n\n-----\n\n"+
		"Dear %s,\n\nYour request about your personal data needs more work than usual, so we need more time. "+
		"The reason: %s\n\nYou will have our answer by %s at the latest.\n\nKind regards,\n%s\n",
		name, reason, to.In("nl"), provider, name, reason, to.In("en"), provider)
	return subject, body
}

// Export is the access and portability answer: everything every Holder holds about
// the requester, as JSON files per package in a ZIP with a readable HTML summary
// (index.html). The identity must have been checked.
func (s *Service) Export(ctx context.Context, by accounts.Principal, id int64, resolve func(ctx context.Context, q store.Querier, email string) (Person, error)) ([]byte, error) {
	if err := by.Check(accounts.PrivacyManage, accounts.Provider); err != nil {
		return nil, err
	}
	r, err := s.request(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if r.IdentityChecked.IsZero() {
		return nil, ErrIdentity
	}
	p, err := resolve(ctx, s.db, r.Email)
	if err != nil {
		return nil, err
	}
	byPkg := map[string][]Record{}
	var pkgs []string
	for _, h := range s.d.Holders {
		recs, err := h.PersonalData(ctx, s.db, p)
		if err != nil {
			return nil, err
		}
		if _, ok := byPkg[h.Package()]; !ok {
			pkgs = append(pkgs, h.Package())
		}
		byPkg[h.Package()] = append(byPkg[h.Package()], recs...)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, pkg := range pkgs {
		w, err := zw.Create(pkg + ".json")
		if err != nil {
			return nil, err
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		recs := byPkg[pkg]
		if recs == nil {
			recs = []Record{}
		}
		if err := enc.Encode(recs); err != nil {
			return nil, err
		}
	}
	w, err := zw.Create("index.html")
	if err != nil {
		return nil, err
	}
	type section struct {
		Package string
		Records []Record
	}
	var secs []section
	for _, pkg := range pkgs {
		secs = append(secs, section{Package: pkg, Records: byPkg[pkg]})
	}
	if err := summary.Execute(w, map[string]any{"Provider": s.d.Provider, "Email": r.Email, "At": s.clk.Now().In(clock.Amsterdam).Format("2006-01-02 15:04"), "Sections": secs}); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	ctx = actorFor(ctx, by)
	if err := s.db.InTx(ctx, func(q store.Querier) error {
		return record(ctx, q, s.now(), 0, "privacy.export", "privacy_request", id, "access export made")
	}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var summary = template.Must(template.New("summary").Parse(`<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{{.Provider}}: gegevens van / data of {{.Email}}</title>
<style>body{font-family:sans-serif;max-width:60rem;margin:auto;padding:1rem}table{border-collapse:collapse;margin-bottom:1rem;width:100%}td,th{border:1px solid #ccc;padding:.25rem;text-align:left;vertical-align:top;word-break:break-word}</style></head>
<body><h1>Wat {{.Provider}} over je bewaart / What {{.Provider}} holds about you</h1>
<p>{{.Email}} · {{.At}}. De JSON-bestanden in dit archief bevatten dezelfde gegevens, leesbaar voor een computer. / The JSON files in this archive hold the same data, machine-readable.</p>
{{range .Sections}}<h2>{{.Package}}</h2>{{if not .Records}}<p>—</p>{{end}}{{range $i, $r := .Records}}<table><caption>{{$r.Table}} {{$r.ID}}</caption>
{{range $k, $v := $r.Fields}}<tr><th>{{$k}}</th><td>{{$v}}</td></tr>{{end}}</table>{{end}}{{end}}
</body></html>
`))

// Erase anonymises the requester through every Holder, in one transaction, and
// closes the request. Issued invoices and the audit trail stay as their holders
// explain (fiscal retention, the chain's evidence value).
func (s *Service) Erase(ctx context.Context, by accounts.Principal, id int64, resolve func(ctx context.Context, q store.Querier, email string) (Person, error)) error {
	if err := by.Check(accounts.PrivacyManage, accounts.Provider); err != nil {
		return err
	}
	r, err := s.request(ctx, s.db, id)
	if err != nil {
		return err
	}
	if r.IdentityChecked.IsZero() {
		return ErrIdentity
	}
	if r.Status != "open" {
		return invalid("request", "privacy.request_closed")
	}
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		p, err := resolve(ctx, q, r.Email)
		if err != nil {
			return err
		}
		for _, h := range s.d.Holders {
			if err := h.Anonymise(ctx, q, p); err != nil {
				return err
			}
		}
		if _, err := q.ExecContext(ctx, `UPDATE privacy_requests SET status = 'closed', outcome = 'erased', closed_at = $1 WHERE id = $2`, now, id); err != nil {
			return err
		}
		return record(ctx, q, now, 0, "privacy.erase", "privacy_request", id, "the requester's personal data anonymised by every holder")
	})
}

// CloseRequest records the outcome of a request.
func (s *Service) CloseRequest(ctx context.Context, by accounts.Principal, id int64, outcome string) error {
	if err := by.Check(accounts.PrivacyManage, accounts.Provider); err != nil {
		return err
	}
	outcome = strings.TrimSpace(outcome)
	if outcome == "" || len(outcome) > 4000 {
		return invalid("outcome", "privacy.give_resolution")
	}
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		res, err := q.ExecContext(ctx, `UPDATE privacy_requests SET status = 'closed', outcome = $1, closed_at = $2 WHERE id = $3 AND status = 'open'`, outcome, now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return invalid("request", "privacy.request_closed")
		}
		return record(ctx, q, now, 0, "privacy.request_close", "privacy_request", id, "request closed")
	})
}
