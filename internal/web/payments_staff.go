package web

import (
	"cmp"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/payments"
	"github.com/hostpact/hostpact/internal/terms"
)

// ---- bank statement import ----

type importView struct {
	Result   *payments.ImportResult
	Filename string
	MaxMiB   int
}

func (s *server) importPage(w http.ResponseWriter, pg *page, res *payments.ImportResult, name string, status int) {
	if pg.Form == nil {
		pg.Form = newForm(nil)
	}
	pg.useFields(fieldset{Fields: []field{{Name: "file", Label: "import.file"}}})
	pg.Title, pg.Nav = pg.T("import.title"), "payments"
	pg.Data = importView{Result: res, Filename: name, MaxMiB: maxStatementUpload >> 20}
	s.render(w, status, "import", pg)
}

func (s *server) staffImportForm(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	if err := p.Check(accounts.PaymentManage, accounts.Provider); err != nil {
		return err
	}
	s.importPage(w, s.newPage(w, r, ""), nil, "", http.StatusOK)
	return nil
}

// staffImport reads an uploaded CAMT.053 statement and books it. A file that cannot
// be read is refused as a whole, with where (entry, transaction, field) and what is
// wrong; nothing is saved then.
func (s *server) staffImport(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "")
	pg.Form = newForm(nil)
	pg.Form.lang = pg.Lang
	fail := func(msg string) error {
		pg.Form.Errors["file"] = msg
		s.importPage(w, pg, nil, "", http.StatusUnprocessableEntity)
		return nil
	}
	err := r.ParseMultipartForm(1 << 20)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return fail(pg.T("import.too_large", maxStatementUpload>>20))
	case err != nil:
		return fail(pg.T("import.no_file"))
	}
	defer func() {
		if err := r.MultipartForm.RemoveAll(); err != nil {
			s.log.Warn("statement upload: temporary files left behind", "err", err)
		}
	}()
	file, hdr, err := r.FormFile("file")
	if err != nil {
		return fail(pg.T("import.no_file"))
	}
	defer file.Close()
	if hdr.Size > maxStatementUpload {
		return fail(pg.T("import.too_large", maxStatementUpload>>20))
	}
	res, err := s.pay.ImportCAMT053(r.Context(), *p, hdr.Filename, file)
	var pe *payments.ParseError
	var fa *payments.ForeignAccountError
	var fe accounts.FieldErrors
	switch {
	case err == nil:
	case errors.As(err, &pe):
		return fail(parseErrorText(pg.Lang, pe))
	case errors.As(err, &fa):
		own := strings.Join(fa.Accounts, ", ")
		if own == "" {
			own = "-"
		}
		return fail(pg.T("import.foreign_account", fa.IBAN, own))
	case errors.As(err, &fe):
		for _, msg := range fe {
			pg.Form.General = append(pg.Form.General, say(pg.Lang, msg))
		}
		s.importPage(w, pg, nil, "", http.StatusUnprocessableEntity)
		return nil
	default:
		return err
	}
	s.importPage(w, pg, &res, hdr.Filename, http.StatusOK)
	return nil
}

// ---- the unmatched queue ----

type unmatchedView struct {
	Items  []payments.BankTransaction
	Cursor cursor
}

func (s *server) staffUnmatched(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	// By keyset, without a count (issue 16).
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	items, err := s.pay.UnmatchedAfter(r.Context(), *p, after, perPage+1)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "unmatched.title")
	more := len(items) > perPage
	items = items[:min(len(items), perPage)]
	var last int64
	if len(items) > 0 {
		last = items[len(items)-1].ID
	}
	v := unmatchedView{Items: items, Cursor: newCursor(r, "after", more, last)}
	v.Cursor.Ordered = true
	pg.Nav, pg.Data = "payments", v
	s.render(w, http.StatusOK, "unmatched", pg)
	return nil
}

type bankTxView struct {
	Tx       payments.BankTransaction
	Question string
	Action   string
	Submit   string
	Danger   bool
	Sets     []fieldset
}

var assignFields = fieldset{Fields: []field{
	{Name: "invoice", Label: "unmatched.invoice", Type: "text", Required: true, Max: 60, Hint: "unmatched.invoice_hint", Auto: "off"},
	{Name: "note", Label: "unmatched.note", Type: "textarea", Wide: true},
}}

var ignoreFields = fieldset{Fields: []field{
	{Name: "reason", Label: "unmatched.reason", Type: "textarea", Required: true, Wide: true, Hint: "unmatched.reason_hint"},
}}

func (s *server) bankTxPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, ignore bool, status int) error {
	tx, err := s.pay.BankTransaction(r.Context(), *p, id)
	if err != nil {
		return err
	}
	if pg.Form == nil {
		pg.Form = newForm(nil)
	}
	base := "/staff/payments/unmatched/" + strconv.FormatInt(id, 10)
	v := bankTxView{Tx: tx}
	if ignore {
		pg.Title = pg.T("unmatched.ignore_title")
		v.Question, v.Action, v.Submit, v.Danger = pg.T("unmatched.ignore_question"), base+"/ignore", "unmatched.ignore_submit", true
		v.Sets = pg.useFields(ignoreFields)
	} else {
		pg.Title = pg.T("unmatched.assign_title")
		v.Question, v.Action, v.Submit = pg.T("unmatched.assign_question"), base+"/assign", "unmatched.assign_submit"
		v.Sets = pg.useFields(assignFields)
	}
	pg.Nav, pg.Data = "payments", v
	s.render(w, status, "bank_tx", pg)
	return nil
}

func (s *server) staffAssignForm(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.bankTxPage(w, r, p, s.newPage(w, r, ""), id, false, http.StatusOK)
}

func (s *server) staffAssign(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	return s.resolveTx(w, r, p, false)
}

func (s *server) staffIgnoreForm(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.bankTxPage(w, r, p, s.newPage(w, r, ""), id, true, http.StatusOK)
}

func (s *server) staffIgnore(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	return s.resolveTx(w, r, p, true)
}

// resolveTx assigns a queued credit to an invoice, or ignores it with a reason.
func (s *server) resolveTx(w http.ResponseWriter, r *http.Request, p *accounts.Principal, ignore bool) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	if ignore {
		requireFields(f, pg.Lang, map[string]string{"reason": f.Get("reason")})
	} else {
		requireFields(f, pg.Lang, map[string]string{"invoice": f.Get("invoice")})
	}
	if len(f.Errors) == 0 {
		var err error
		if ignore {
			_, err = s.pay.IgnoreUnmatched(r.Context(), *p, id, strings.TrimSpace(f.Get("reason")))
		} else {
			_, err = s.pay.AssignUnmatched(r.Context(), *p, id, strings.TrimSpace(f.Get("invoice")), strings.TrimSpace(f.Get("note")))
		}
		switch {
		case err == nil:
			if ignore {
				s.flash(w, "payment_ignored")
			} else {
				s.flash(w, "payment_assigned")
			}
			s.redirect(w, r, "/staff/payments/unmatched")
			return nil
		case errors.Is(err, accounts.ErrNotFound) && !ignore:
			// The transaction exists (the page showed it): the invoice named does not.
			if _, terr := s.pay.BankTransaction(r.Context(), *p, id); terr != nil {
				return terr
			}
			f.Errors["invoice"] = pg.T("unmatched.no_invoice")
		case fieldErrors(f, err, map[string]string{"note": "note", "tx": "invoice", "transaction": "invoice"}):
		default:
			return err
		}
	}
	return s.bankTxPage(w, r, p, pg, id, ignore, http.StatusUnprocessableEntity)
}

// ---- mandates ----

func (s *server) staffMandates(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	v := mandatesView{Base: "/staff", Customer: strings.TrimSpace(r.URL.Query().Get("customer")), Orgs: map[int64]string{}}
	customer, _ := strconv.ParseInt(v.Customer, 10, 64)
	v.Filtered = v.Customer != ""
	switch {
	case customer > 0:
		org, err := s.acc.GetOrganisation(r.Context(), *p, customer)
		if errors.Is(err, accounts.ErrNotFound) {
			break
		} else if err != nil {
			return err
		}
		if v.Mandates, err = s.pay.ListMandates(r.Context(), *p, org.ID); err != nil {
			return err
		}
		v.Orgs[org.ID] = org.LegalName
	case !v.Filtered:
		// Every customer's, newest first by keyset; the names of this page's customers
		// only (issue 16).
		ms, err := s.pay.MandatesBefore(r.Context(), *p, beforeParam(r), perPage+1)
		if err != nil {
			return err
		}
		more := len(ms) > perPage
		ms = ms[:min(len(ms), perPage)]
		var last int64
		for _, m := range ms {
			last = m.ID
			if _, ok := v.Orgs[m.OrgID]; ok {
				continue
			}
			if org, err := s.acc.GetOrganisation(r.Context(), *p, m.OrgID); err == nil {
				v.Orgs[m.OrgID] = org.LegalName
			}
		}
		v.Mandates, v.Cursor = ms, newCursor(r, "before", more, last)
	}
	pg := s.newPage(w, r, "mandates.title")
	pg.Nav, pg.Data = "payments", v
	s.render(w, http.StatusOK, "mandates", pg)
	return nil
}

var mandateFields = fieldset{Fields: []field{
	{Name: "customer", Label: "mandates.customer", Type: "number", Mode: "numeric", Required: true},
	{Name: "debtor_name", Label: "mandates.debtor_name", Type: "text", Required: true, Max: 70, Auto: "off"},
	{Name: "iban", Label: "mandates.iban", Type: "text", Required: true, Max: 42, Auto: "off", Hint: "mandates.iban_hint"},
	{Name: "bic", Label: "mandates.bic", Type: "text", Max: 11, Auto: "off", Hint: "mandates.bic_hint"},
	{Name: "signed_on", Label: "mandates.signed_on", Type: "date", Required: true},
	{Name: "reference", Label: "mandates.reference", Type: "text", Max: 35, Auto: "off", Hint: "mandates.reference_hint"},
}}

var mandateRename = map[string]string{"org_id": "customer"}

func (s *server) mandatePage(w http.ResponseWriter, pg *page, status int) {
	pg.Title, pg.Nav = pg.T("mandates.new_title"), "payments"
	pg.Data = formView{Action: "/staff/mandates/new", Sets: pg.useFields(mandateFields), Submit: "mandates.create",
		Cancel: "/staff/mandates", Intro: pg.T("mandates.new_intro")}
	s.render(w, status, "form", pg)
}

func (s *server) staffMandateNew(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "")
	pg.Form = newForm(nil)
	pg.Form.set("customer", r.URL.Query().Get("customer"))
	pg.Form.set("signed_on", s.today().String())
	s.mandatePage(w, pg, http.StatusOK)
	return nil
}

func (s *server) staffMandateCreate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	in := payments.MandateInput{OrgID: parseInt(f, "customer"), Reference: strings.TrimSpace(f.Get("reference")),
		SignedOn: parseDate(f, "signed_on"), DebtorName: strings.TrimSpace(f.Get("debtor_name")),
		IBAN: strings.TrimSpace(f.Get("iban")), BIC: strings.TrimSpace(f.Get("bic"))}
	requireFields(f, pg.Lang, map[string]string{"customer": f.Get("customer"), "debtor_name": in.DebtorName,
		"iban": in.IBAN, "signed_on": f.Get("signed_on")})
	if len(f.Errors) == 0 {
		_, err := s.pay.CreateMandate(r.Context(), *p, in)
		switch {
		case err == nil:
			s.flash(w, "mandate_created")
			s.redirect(w, r, "/staff/mandates?customer="+strconv.FormatInt(in.OrgID, 10))
			return nil
		case errors.Is(err, accounts.ErrNotFound):
			f.Errors["customer"] = pg.T("mandates.no_customer")
		case fieldErrors(f, err, mandateRename):
		default:
			return err
		}
	}
	s.mandatePage(w, pg, http.StatusUnprocessableEntity)
	return nil
}

var revokeFields = fieldset{Fields: []field{{Name: "reason", Label: "mandates.revoke_reason", Type: "textarea", Required: true, Wide: true}}}

func (s *server) revokePage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	m, err := s.pay.GetMandate(r.Context(), *p, id)
	if err != nil {
		return err
	}
	if pg.Form == nil {
		pg.Form = newForm(nil)
	}
	pg.Title, pg.Nav = pg.T("mandates.revoke_title"), "payments"
	pg.Data = confirmView{Question: pg.T("mandates.revoke_question", m.Reference, m.DebtorName, m.IBAN),
		Action: "/staff/mandates/" + strconv.FormatInt(id, 10) + "/revoke", Submit: "mandates.revoke_submit",
		Cancel: "/staff/mandates?customer=" + strconv.FormatInt(m.OrgID, 10), Danger: true, Sets: pg.useFields(revokeFields)}
	s.render(w, status, "confirm", pg)
	return nil
}

func (s *server) staffMandateRevokeForm(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	return s.confirmGet(s.revokePage)(w, r, p)
}

func (s *server) staffMandateRevoke(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	return s.confirmPost(s.revokePage, nil, func(r *http.Request, p *accounts.Principal, pg *page, f *form, id int64) (string, string, error) {
		requireFields(f, pg.Lang, map[string]string{"reason": f.Get("reason")})
		if len(f.Errors) > 0 {
			return "", "", nil
		}
		m, err := s.pay.RevokeMandate(r.Context(), *p, id, strings.TrimSpace(f.Get("reason")))
		return "mandate_revoked", "/staff/mandates?customer=" + strconv.FormatInt(m.OrgID, 10), err
	})(w, r, p)
}

// ---- direct debits ----

type debitRow struct {
	Inv     billing.Invoice
	Mandate payments.Mandate
}

type directDebitsView struct {
	Rows  []debitRow
	Batch int64 // just exported
	Today terms.Date
}

// debitCandidates are the open invoices of customers with an active mandate, oldest
// first, at most billing.OpenInvoicesMax: the customers with an active mandate are
// walked by keyset (payments' mandates_active) and their open invoices read per page
// of customers (billing's invoice_state_open_org), so the page costs what those
// customers' open invoices cost, whatever the number of invoices (issue 16).
func (s *server) debitCandidates(r *http.Request, p *accounts.Principal) ([]debitRow, error) {
	ctx := r.Context()
	var rows []debitRow
	for after := int64(0); len(rows) < billing.OpenInvoicesMax; {
		ms, next, err := s.pay.ActiveMandatesAfter(ctx, *p, after, 200)
		if err != nil {
			return nil, err
		}
		byOrg := make(map[int64]payments.Mandate, len(ms))
		orgs := make([]int64, 0, len(ms))
		for _, m := range ms {
			byOrg[m.OrgID] = m
			orgs = append(orgs, m.OrgID)
		}
		open, err := s.bill.OpenInvoicesOf(ctx, *p, orgs, billing.OpenInvoicesMax-len(rows))
		if err != nil {
			return nil, err
		}
		for _, inv := range open {
			rows = append(rows, debitRow{Inv: inv, Mandate: byOrg[inv.OrgID]})
		}
		if next == 0 {
			break
		}
		after = next
	}
	slices.SortFunc(rows, func(a, b debitRow) int { return cmp.Compare(a.Inv.ID, b.Inv.ID) })
	return rows, nil
}

func (s *server) directDebitsPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, status int) error {
	if err := p.Check(accounts.PaymentRead, accounts.Provider); err != nil {
		return err
	}
	rows, err := s.debitCandidates(r, p)
	if err != nil {
		return err
	}
	if pg.Form == nil {
		pg.Form = newForm(nil)
		// The terms' collection offset after the newest invoice, at the earliest the
		// pre-notification period ahead, on a TARGET2 business day.
		var latest terms.Date
		for _, row := range rows {
			latest = terms.MaxDate(latest, row.Inv.IssueDate)
		}
		if d, _, err := s.pay.ProposeCollectionDate(latest); err == nil {
			pg.Form.set("collection_date", d.String())
		}
		for _, row := range rows {
			pg.Form.Values["invoice"] = append(pg.Form.Values["invoice"], strconv.FormatInt(row.Inv.ID, 10))
		}
	}
	pg.useFields(fieldset{Fields: []field{{Name: "collection_date", Label: "dd.collection_date"}, {Name: "invoice", Label: "dd.invoices"}}})
	batch, _ := strconv.ParseInt(r.URL.Query().Get("batch"), 10, 64)
	pg.Title, pg.Nav, pg.Data = pg.T("dd.title"), "payments", directDebitsView{Rows: rows, Batch: max(batch, 0), Today: s.today()}
	s.render(w, status, "direct_debits", pg)
	return nil
}

func (s *server) staffDirectDebits(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	return s.directDebitsPage(w, r, p, s.newPage(w, r, ""), http.StatusOK)
}

// staffDirectDebitExport writes the pain.008 file for the invoices chosen and books
// the collections; the page then offers the file for download (again).
func (s *server) staffDirectDebitExport(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	if err := p.Check(accounts.PaymentManage, accounts.Provider); err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	date := parseDate(f, "collection_date")
	requireFields(f, pg.Lang, map[string]string{"collection_date": f.Get("collection_date")})
	rows, err := s.debitCandidates(r, p)
	if err != nil {
		return err
	}
	var items []payments.DebitItem
	for _, v := range f.Values["invoice"] {
		id, _ := strconv.ParseInt(v, 10, 64)
		i := slices.IndexFunc(rows, func(row debitRow) bool { return row.Inv.ID == id })
		if i < 0 {
			f.Errors["invoice"] = pg.T("dd.not_collectable")
			continue
		}
		items = append(items, payments.DebitItem{InvoiceID: rows[i].Inv.ID, MandateID: rows[i].Mandate.ID})
	}
	if len(items) == 0 && f.Errors["invoice"] == "" {
		f.Errors["invoice"] = pg.T("dd.none_chosen")
	}
	if len(f.Errors) == 0 {
		_, batch, err := s.pay.ExportDirectDebitBatch(r.Context(), *p, date, items)
		switch {
		case err == nil:
			s.flash(w, "dd_exported")
			s.redirect(w, r, "/staff/direct-debits?batch="+strconv.FormatInt(batch, 10))
			return nil
		case fieldErrors(f, err, map[string]string{"collection_date": "collection_date", "items": "invoice"}):
		default:
			return err
		}
	}
	return s.directDebitsPage(w, r, p, pg, http.StatusUnprocessableEntity)
}

func (s *server) staffDirectDebitFile(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := strconv.ParseInt(r.URL.Query().Get("batch"), 10, 64)
	if err != nil || id <= 0 {
		return errBadID
	}
	b, err := s.pay.DirectDebitBatchFile(r.Context(), *p, id)
	if err != nil {
		return err
	}
	download(w, "application/xml; charset=utf-8", "pain008-batch-"+strconv.FormatInt(id, 10)+".xml", b)
	return nil
}
