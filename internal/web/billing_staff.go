package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/dunning"
	"github.com/hostpact/hostpact/internal/payments"
	"github.com/hostpact/hostpact/internal/terms"
)

// ---- invoices ----

func (s *server) staffInvoices(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	q := r.URL.Query()
	v := invoicesView{Status: optionParam(r, "status", invoiceStatusOptions), Statuses: invoiceStatusOptions,
		Kind: optionParam(r, "kind", docTypeOptions), Kinds: docTypeOptions, Series: seriesParam(r),
		Customer: strings.TrimSpace(q.Get("customer")), Query: truncate(strings.TrimSpace(q.Get("q")), 40), Base: "/staff", Today: s.today()}
	f := billing.InvoiceFilter{Status: v.Status, DocType: billing.DocType(v.Kind), Query: v.Query}
	f.Series = v.Series
	if v.Customer != "" {
		id, err := strconv.ParseInt(v.Customer, 10, 64)
		if err != nil || id <= 0 {
			id = -1 // a customer number that is none: nothing matches
		}
		f.OrgID = id
	}
	v.Filtered = v.Status != "" || v.Kind != "" || v.Series != "" || v.Customer != "" || v.Query != ""
	if f.OrgID >= 0 {
		list, next, err := s.bill.ListInvoices(r.Context(), *p, f, billing.Page{Before: beforeParam(r), Limit: invoicesPerPage})
		switch {
		case err == nil:
			v.Invoices, v.Cursor = list, newCursor(r, "before", next != 0, next)
		case errors.Is(err, accounts.ErrNotFound):
		default:
			return err
		}
	}
	pg := s.newPage(w, r, "invoices.title")
	pg.Nav, pg.Data = "invoices", v
	s.render(w, http.StatusOK, "invoices", pg)
	return nil
}

func (s *server) staffInvoice(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	v, err := s.invoiceView(r, p, id, "/staff")
	if err != nil {
		return err
	}
	billingRole := p.Can(accounts.InvoiceManage, accounts.OrgID(v.Inv.OrgID))
	v.CanCredit = billingRole && v.Inv.DocType == billing.DocInvoice && v.Inv.State.Status != billing.StatusCredited
	// Claiming is offered only when something is due; otherwise the page says from when.
	if billingRole && s.dun != nil && v.Inv.DocType == billing.DocInvoice && v.Inv.State.Open > 0 {
		o, err := s.dun.Outlook(r.Context(), *p, v.Inv.ID)
		if err != nil {
			return err
		}
		v.CanClaim, v.ClaimNotDue = o.Claimable, o.NotDue
	}
	if org, err := s.acc.GetOrganisation(r.Context(), *p, v.Inv.OrgID); err == nil {
		v.Org = &org
	}
	pg := s.newPage(w, r, "")
	pg.Title, pg.Nav, pg.Data = pg.DocTitle(v.Inv), "invoices", v
	// An invoice rests on the terms in force on its issue date.
	pg.ExplainDocs = s.docsAt(r.Context(), pg.Lang, v.Inv.IssueDate)
	s.render(w, http.StatusOK, "invoice", pg)
	return nil
}

// ---- credit note ----

type creditLineRow struct {
	Line  billing.Line
	Field field
}

type creditView struct {
	Inv    billing.Invoice
	Lines  []creditLineRow
	Sets   []fieldset
	Action string
	Back   string
}

var creditScopeOptions = []option{
	{Value: "all", Label: "credit.scope_all"},
	{Value: "lines", Label: "credit.scope_lines"},
}

func creditAmountField(pos int) string { return "amount." + strconv.Itoa(pos) }

func (s *server) creditPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	inv, err := s.bill.GetInvoice(r.Context(), *p, id)
	if err != nil {
		return err
	}
	if pg.Form == nil {
		pg.Form = newForm(nil)
		pg.Form.set("scope", "all")
	}
	base := "/staff/invoices/" + strconv.FormatInt(id, 10)
	v := creditView{Inv: inv, Action: base + "/credit", Back: base}
	v.Sets = pg.useFields(fieldset{Fields: []field{
		{Name: "scope", Label: "credit.scope", Type: "select", Options: creditScopeOptions, Required: true, Hint: "credit.scope_hint"},
		{Name: "reason", Label: "credit.reason", Type: "textarea", Required: true, Wide: true, Hint: "credit.reason_hint"},
	}})
	for _, l := range inv.Lines {
		f := field{Name: creditAmountField(l.Position), Label: "credit.line_amount", Type: "text", Mode: "decimal", Max: 20}
		pg.useFields(fieldset{Fields: []field{f}})
		v.Lines = append(v.Lines, creditLineRow{Line: l, Field: f})
	}
	pg.Title, pg.Nav, pg.Data = pg.T("credit.title", inv.Number), "invoices", v
	s.render(w, status, "credit", pg)
	return nil
}

func (s *server) staffCreditForm(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.creditPage(w, r, p, s.newPage(w, r, ""), id, http.StatusOK)
}

func (s *server) staffCredit(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	inv, err := s.bill.GetInvoice(r.Context(), *p, id)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	in := billing.CreditInput{Reason: strings.TrimSpace(f.Get("reason"))}
	requireFields(f, pg.Lang, map[string]string{"reason": in.Reason})
	// The service names a line by its index in the request; the form by position.
	rename := map[string]string{}
	if f.Get("scope") == "lines" {
		for _, l := range inv.Lines {
			name := creditAmountField(l.Position)
			if strings.TrimSpace(f.Get(name)) == "" {
				continue
			}
			amt := parseMoney(f, name)
			switch {
			case f.Errors[name] != "":
			case amt <= 0:
				f.Errors[name] = pg.T("credit.amount_positive")
			case amt > l.Amount:
				f.Errors[name] = pg.T("credit.amount_too_large", pg.Money(l.Amount))
			}
			i := len(in.Lines)
			rename[fmt.Sprintf("lines.%d.amount", i)] = name
			rename[fmt.Sprintf("lines.%d.position", i)] = name
			in.Lines = append(in.Lines, billing.CreditLine{Position: l.Position, Amount: amt})
		}
		if len(in.Lines) == 0 && len(f.Errors) == 0 {
			f.Errors["scope"] = pg.T("credit.no_lines")
		}
	}
	if len(f.Errors) == 0 {
		cn, err := s.bill.CreditInvoice(r.Context(), *p, id, in)
		switch {
		case err == nil:
			s.flash(w, "credit_note_issued")
			s.redirect(w, r, "/staff/invoices/"+strconv.FormatInt(cn.ID, 10))
			return nil
		case fieldErrors(f, err, rename):
		default:
			return err
		}
	}
	return s.creditPage(w, r, p, pg, id, http.StatusUnprocessableEntity)
}

// ---- claiming interest and collection costs ----

func (s *server) staffClaimConfirm(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	inv, err := s.bill.GetInvoice(r.Context(), *p, id)
	if err != nil {
		return err
	}
	base := "/staff/invoices/" + strconv.FormatInt(id, 10)
	pg := s.newPage(w, r, "claim.title")
	pg.Nav = "invoices"
	pg.Data = confirmView{Question: pg.T("claim.question", inv.Number, inv.Customer.Name), Details: []string{pg.T("claim.details")},
		Action: base + "/claim", Submit: "claim.submit", Cancel: base, Danger: true}
	s.render(w, http.StatusOK, "confirm", pg)
	return nil
}

func (s *server) staffClaim(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	// Dunning checks the role but not whether the invoice exists for p: billing does.
	if _, err := s.bill.GetInvoice(r.Context(), *p, id); err != nil {
		return err
	}
	back := "/staff/invoices/" + strconv.FormatInt(id, 10)
	_, err = s.dun.Claim(r.Context(), *p, id)
	switch {
	case err == nil:
		s.flash(w, "claimed")
	case errors.Is(err, dunning.ErrNotOpen):
		s.flash(w, "claim_not_open")
	case errors.As(err, new(*dunning.NotDueError)):
		// The invoice page says from when a claim can be made.
		s.flash(w, "claim_not_due")
	case errors.Is(err, dunning.ErrNotFound):
		return accounts.ErrNotFound
	default:
		return err
	}
	s.redirect(w, r, back)
	return nil
}

// ---- refunds ----

type refundRow struct {
	Refund billing.Refund
	Org    string
	// From the payments service, when it runs: the day staff are warned of the
	// deadline and how the refund is being paid.
	WarnOn terms.Date
	Payout *payments.RefundPayout
}

// Overdue: the deadline has passed. Soon: the warning day has come.
func (r refundRow) Overdue(today terms.Date) bool { return today.After(r.Refund.DueBy) }
func (r refundRow) Soon(today terms.Date) bool {
	return !r.WarnOn.IsZero() && !today.Before(r.WarnOn) && !today.After(r.Refund.DueBy)
}

type refundsView struct {
	Rows    []refundRow
	Batches []payments.RefundBatch
	Batch   int64 // just made
	Pay     bool  // payouts can be made here (the payments service runs)
	Today   terms.Date
}

func (s *server) openRefund(r *http.Request, p *accounts.Principal, id int64) (refundRow, error) {
	if err := p.Check(accounts.PaymentRead, accounts.Provider); err != nil {
		return refundRow{}, err
	}
	list, err := s.bill.RefundsOwed(r.Context(), *p)
	if err != nil {
		return refundRow{}, err
	}
	for _, rf := range list {
		if rf.ID == id {
			row := refundRow{Refund: rf}
			if org, err := s.acc.GetOrganisation(r.Context(), *p, rf.OrgID); err == nil {
				row.Org = org.LegalName
			}
			return row, nil
		}
	}
	return refundRow{}, accounts.ErrNotFound
}

// staffRefunds lists the refunds owed with their deadlines (overdue in red, due soon
// marked from the terms' warning day), how each is being paid, and the transfer
// files to download and confirm.
func (s *server) staffRefunds(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	if err := p.Check(accounts.PaymentRead, accounts.Provider); err != nil {
		return err
	}
	list, err := s.bill.RefundsOwed(r.Context(), *p)
	if err != nil {
		return err
	}
	v := refundsView{Pay: s.pay != nil, Today: s.today()}
	lines := map[int64]payments.RefundLine{}
	if s.pay != nil {
		ls, err := s.pay.Refunds(r.Context(), *p)
		if err != nil {
			return err
		}
		for _, l := range ls {
			lines[l.Refund.ID] = l
		}
		if v.Batches, err = s.pay.RefundBatches(r.Context(), *p); err != nil {
			return err
		}
		v.Batch, _ = strconv.ParseInt(r.URL.Query().Get("batch"), 10, 64)
	}
	names := map[int64]string{}
	for _, rf := range list {
		if _, ok := names[rf.OrgID]; !ok {
			if org, err := s.acc.GetOrganisation(r.Context(), *p, rf.OrgID); err == nil {
				names[rf.OrgID] = org.LegalName
			}
		}
		row := refundRow{Refund: rf, Org: names[rf.OrgID]}
		if l, ok := lines[rf.ID]; ok {
			row.WarnOn, row.Payout = l.WarnOn, l.Payout
		}
		v.Rows = append(v.Rows, row)
	}
	pg := s.newPage(w, r, "refunds.title")
	pg.Nav, pg.Data = "payments", v
	s.render(w, http.StatusOK, "refunds", pg)
	return nil
}

// staffPayRefunds pays out the open refunds: through the payment provider, or in a
// new transfer file the page then offers for download.
func (s *server) staffPayRefunds(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	if _, err := s.readForm(r, s.language(r, p)); err != nil {
		return err
	}
	run, err := s.pay.PayRefunds(r.Context(), *p)
	if err != nil {
		return err
	}
	switch {
	case run.Batch > 0:
		s.flash(w, "refunds_file")
		s.redirect(w, r, "/staff/refunds?batch="+strconv.FormatInt(run.Batch, 10))
		return nil
	case run.Provider > 0:
		s.flash(w, "refunds_provider")
	case len(run.NoAccount) > 0 || run.Failed > 0:
		s.flash(w, "refunds_by_hand")
	default:
		s.flash(w, "refunds_none")
	}
	s.redirect(w, r, "/staff/refunds")
	return nil
}

func (s *server) staffRefundBatchFile(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	b, err := s.pay.RefundBatchFile(r.Context(), *p, id)
	if err != nil {
		return err
	}
	download(w, "application/xml; charset=utf-8", "pain001-refunds-"+strconv.FormatInt(id, 10)+".xml", b)
	return nil
}

var refundBatchFields = fieldset{Fields: []field{{Name: "executed_on", Label: "refunds.executed_on", Type: "date", Required: true}}}

func (s *server) refundBatchPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	batches, err := s.pay.RefundBatches(r.Context(), *p)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(batches, func(b payments.RefundBatch) bool { return b.ID == id })
	if i < 0 {
		return accounts.ErrNotFound
	}
	b := batches[i]
	if pg.Form == nil {
		pg.Form = newForm(nil)
		pg.Form.set("executed_on", s.today().String())
	}
	pg.Title, pg.Nav = pg.T("refunds.confirm_title"), "payments"
	pg.Data = confirmView{Question: pg.T("refunds.confirm_question", b.MsgID, b.Transfers, pg.Money(b.Total)),
		Action: "/staff/refunds/batches/" + strconv.FormatInt(id, 10) + "/confirm", Submit: "refunds.confirm_submit", Cancel: "/staff/refunds",
		Sets: pg.useFields(refundBatchFields)}
	s.render(w, status, "confirm", pg)
	return nil
}

func (s *server) staffRefundBatchConfirmForm(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	return s.confirmGet(s.refundBatchPage)(w, r, p)
}

// staffRefundBatchConfirm records that the bank executed a transfer file: its refunds
// are paid.
// staffRefundBatchConfirm records that the bank executed a transfer file: its refunds
// are paid.
func (s *server) staffRefundBatchConfirm(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	return s.confirmPost(s.refundBatchPage, nil, func(r *http.Request, p *accounts.Principal, pg *page, f *form, id int64) (string, string, error) {
		on := parseDate(f, "executed_on")
		requireFields(f, pg.Lang, map[string]string{"executed_on": f.Get("executed_on")})
		if len(f.Errors) > 0 {
			return "", "", nil
		}
		return "refunds_confirmed", "/staff/refunds", s.pay.ConfirmRefundBatch(r.Context(), *p, id, on)
	})(w, r, p)
}

var refundPaidFields = fieldset{Fields: []field{
	{Name: "paid_on", Label: "refunds.paid_on", Type: "date", Required: true},
	{Name: "paid_ref", Label: "refunds.paid_ref", Type: "text", Required: true, Max: 140, Hint: "refunds.paid_ref_hint"},
}}

func (s *server) refundPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	row, err := s.openRefund(r, p, id)
	if err != nil {
		return err
	}
	if pg.Form == nil {
		pg.Form = newForm(nil)
		pg.Form.set("paid_on", s.today().String())
	}
	pg.Title, pg.Nav = pg.T("refunds.paid_title"), "payments"
	pg.Data = confirmView{Question: pg.T("refunds.paid_question", pg.Money(row.Refund.Amount), row.Org),
		Action: "/staff/refunds/" + strconv.FormatInt(id, 10) + "/paid", Submit: "refunds.paid_submit", Cancel: "/staff/refunds",
		Sets: pg.useFields(refundPaidFields)}
	s.render(w, status, "confirm", pg)
	return nil
}

func (s *server) staffRefundPaidForm(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	return s.confirmGet(s.refundPage)(w, r, p)
}

func (s *server) staffRefundPaid(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	return s.confirmPost(s.refundPage, nil, func(r *http.Request, p *accounts.Principal, pg *page, f *form, id int64) (string, string, error) {
		if _, err := s.openRefund(r, p, id); err != nil {
			return "", "", err
		}
		ref := strings.TrimSpace(f.Get("paid_ref"))
		on := parseDate(f, "paid_on")
		requireFields(f, pg.Lang, map[string]string{"paid_on": f.Get("paid_on"), "paid_ref": ref})
		if len(f.Errors) == 0 && on.After(s.today()) {
			f.Errors["paid_on"] = pg.T("refunds.paid_future")
		}
		if len(f.Errors) > 0 {
			return "", "", nil
		}
		return "refund_paid", "/staff/refunds", s.pay.RecordRefundPaid(r.Context(), *p, id, on, ref)
	})(w, r, p)
}
