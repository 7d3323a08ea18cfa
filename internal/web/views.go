package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/compensation"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/payments"
	"github.com/hostpact/hostpact/internal/status"
	"github.com/hostpact/hostpact/internal/terms"
)

// The views people expect (issue 9, part V): the portal home, the staff dashboard and
// the staff customer page each gather what several services know. Every figure comes
// from a service asked as the signed-in principal; a part the principal may not see is
// left out (allowed), never worked around.

// allowed turns "you may not see this" into "nothing to show": a page made of several
// parts shows the parts its reader may see.
func allowed(err error) error {
	if errors.Is(err, accounts.ErrForbidden) {
		return nil
	}
	return err
}

// linkServices fills in the service on a server of each subscription listed.
func (s *server) linkServices(ctx context.Context, p *accounts.Principal, orgID int64, rows []serviceRow) error {
	if s.prov == nil || len(rows) == 0 {
		return nil
	}
	list, err := s.prov.ServiceStates(ctx, *p, orgID)
	if err != nil {
		return allowed(err)
	}
	bySub := make(map[int64]int, len(list))
	for i, x := range list {
		bySub[x.SubscriptionID] = i
	}
	for i := range rows {
		if j, ok := bySub[rows[i].Sub.ID]; ok {
			rows[i].Service, rows[i].State = list[j].ID, string(list[j].State)
		}
	}
	return nil
}

// serviceRow is one subscription as a list of services shows it.
type serviceRow struct {
	Sub      contracts.Subscription
	Contract int64
	// Service is the subscription's service on a server (0: none yet), and State its
	// state there, so the list links to the service's own page.
	Service int64
	State   string
	// What the services table shows, worded in Go (describeServices): as template calls
	// they were a tenth of rendering the portal home (issue 16).
	ContractLink, ServiceLink       string
	Status, Ends, Price, Renews     string
	StateLabel, StateClass, Renewal string
}

// describeServices words rows for the services table of base ("/portal", "/staff"):
// links, status, price, renewal date and the service's state on its server.
func describeServices(pg *page, base string, rows []serviceRow) {
	for i := range rows {
		r := &rows[i]
		r.ContractLink = base + "/contracts/" + strconv.FormatInt(r.Contract, 10)
		r.Status = pg.Label("sub.status.", r.Sub.Status)
		r.Price = pg.Money(r.Sub.Price) + " " + pg.Per(r.Sub.Period)
		r.Renews = "—"
		if r.Sub.EndsOn.IsZero() && !r.Sub.TermEnd.IsZero() {
			r.Renews = pg.Date(r.Sub.TermEnd)
		}
		if !r.Sub.EndsOn.IsZero() {
			r.Ends = pg.T("home.ends", pg.Date(r.Sub.EndsOn))
		}
		if r.Service == 0 {
			continue
		}
		r.ServiceLink = "/portal/services/" + strconv.FormatInt(r.Service, 10)
		if base == "/staff" {
			r.ServiceLink = "/staff/provisioning/services/" + strconv.FormatInt(r.Service, 10)
		}
		r.StateLabel = pg.T("svc.state." + r.State)
		r.StateClass = stateBadgeClass(r.State)
	}
}

// stateBadgeClass is the badge class (with its leading space) of a service's state on
// its server, wherever a page shows one: running is fine, suspended a warning, on its
// way soon.
func stateBadgeClass(state string) string {
	switch state {
	case "active":
		return " ok"
	case "suspended":
		return " warn"
	case "pending", "provisioning":
		return " soon"
	}
	return ""
}

// todoItem is something that needs the customer's action, with where to do it.
type todoItem struct {
	Text string
	Link string
}

// customerSummary is what the portal home and the staff customer page both show.
type customerSummary struct {
	Base     string // /portal or /staff: where the links go
	Known    bool   // the services answered: show the section
	Services []serviceRow
	Renewals []serviceRow // the next renewals, soonest first
	// Open invoices (unpaid, oldest first), their sum, and the account credit.
	OpenInvoices []billing.Invoice
	OpenTotal    terms.Money
	Overdue      terms.Money
	Credit       terms.Money
	CreditKnown  bool
	Invoices     []billing.Invoice // the latest documents
	Quotes       []contracts.Quote // quotes sent and not yet answered
	Mandates     []payments.Mandate
	MandatesSeen bool
	Claimable    []compensation.Month // SLA months with credit to claim
	Todo         []todoItem
}

// renewalsShown is how many upcoming renewals a summary lists.
const renewalsShown = 5

func (s *server) customerSummary(ctx context.Context, pg *page, p *accounts.Principal, orgID int64, base string) (customerSummary, error) {
	v := customerSummary{Base: base}
	today := s.today()
	if s.contractsEnabled() {
		subs, err := s.con.ListCurrentSubscriptions(ctx, *p, orgID, contracts.MaxLimit)
		if err := allowed(err); err != nil {
			return v, err
		}
		v.Known = v.Known || err == nil
		for _, sub := range subs {
			row := serviceRow{Sub: sub, Contract: sub.ContractID}
			v.Services = append(v.Services, row)
			if sub.Billing == catalog.Subscription && !sub.TermEnd.IsZero() && sub.EndsOn.IsZero() && !sub.TermEnd.Before(today) {
				v.Renewals = append(v.Renewals, row)
			}
		}
		if err := s.linkServices(ctx, p, orgID, v.Services); err != nil {
			return v, err
		}
		describeServices(pg, base, v.Services)
		sortRenewals(v.Renewals)
		v.Renewals = v.Renewals[:min(len(v.Renewals), renewalsShown)]
		for i := range v.Renewals {
			r := &v.Renewals[i]
			r.Renewal = pg.T("home.renewal", r.Sub.Name, pg.Date(r.Sub.TermEnd), pg.Money(r.Sub.Price), pg.Per(r.Sub.Period))
		}
		quotes, _, err := s.con.ListQuotes(ctx, *p, contracts.QuoteFilter{OrgID: orgID, Status: contracts.QuoteSent}, contracts.Page{Limit: 20})
		if err := allowed(err); err != nil {
			return v, err
		}
		for _, q := range quotes {
			if q.ExpiresOn.IsZero() || !q.ExpiresOn.Before(today) || q.LateAcceptanceAllowed {
				v.Quotes = append(v.Quotes, q)
				v.Todo = append(v.Todo, todoItem{Text: pg.T("home.todo_quote", q.Title, pg.Date(q.ExpiresOn)),
					Link: base + "/quotes/" + strconv.FormatInt(q.ID, 10)})
			}
		}
	}
	if s.billingEnabled() {
		open, _, err := s.bill.ListInvoices(ctx, *p, billing.InvoiceFilter{OrgID: orgID, DocType: billing.DocInvoice, Status: billing.StatusOpen}, billing.Page{Limit: 50})
		if err := allowed(err); err != nil {
			return v, err
		}
		// Oldest first: the one to pay first leads.
		for i := len(open) - 1; i >= 0; i-- {
			inv := open[i]
			v.OpenInvoices = append(v.OpenInvoices, inv)
			v.OpenTotal += inv.State.Open
			if pg.Overdue(inv, today) {
				v.Overdue += inv.State.Open
				v.Todo = append(v.Todo, todoItem{Text: pg.T("home.todo_overdue", inv.Number, pg.Money(inv.State.Open), pg.Date(inv.DueDate)),
					Link: base + "/invoices/" + strconv.FormatInt(inv.ID, 10)})
			} else if inv.State.Open > 0 {
				v.Todo = append(v.Todo, todoItem{Text: pg.T("home.todo_invoice", inv.Number, pg.Money(inv.State.Open), pg.Date(inv.DueDate)),
					Link: base + "/invoices/" + strconv.FormatInt(inv.ID, 10)})
			}
		}
		credit, err := s.bill.CreditBalance(ctx, *p, orgID)
		if err := allowed(err); err != nil {
			return v, err
		}
		v.Credit, v.CreditKnown = credit, err == nil
		// Staff see the latest ten documents; the customer's home the latest five, paid
		// ones too, so a payment just made shows there.
		limit := 5
		if pg.Staff() {
			limit = 10
		}
		v.Invoices, _, err = s.bill.ListInvoices(ctx, *p, billing.InvoiceFilter{OrgID: orgID}, billing.Page{Limit: limit})
		if err := allowed(err); err != nil {
			return v, err
		}
		v.Known = true
	}
	if s.billingEnabled() && s.pay != nil {
		mandates, err := s.pay.ListMandates(ctx, *p, orgID)
		if err := allowed(err); err != nil {
			return v, err
		}
		v.Mandates, v.MandatesSeen = mandates, err == nil
		active := false
		for _, m := range mandates {
			active = active || m.Status == payments.MandateActive
		}
		// A mandate the bank refused leaves the customer paying by hand until a new
		// one is signed: say so rather than let invoices run late.
		for _, m := range mandates {
			if m.Status == payments.MandateBlocked && !active {
				v.Todo = append(v.Todo, todoItem{Text: pg.T("home.todo_mandate", m.Reference), Link: base + "/mandates"})
			}
		}
	}
	if s.comp != nil {
		ov, err := s.comp.Claimable(ctx, *p, orgID, 3)
		if err := allowed(err); err != nil {
			return v, err
		}
		for _, o := range ov {
			for _, m := range o.Months {
				if m.CanClaim {
					v.Claimable = append(v.Claimable, m)
					if !pg.Staff() {
						v.Todo = append(v.Todo, todoItem{Text: pg.T("home.todo_claim", o.Subscription.Name, monthName(pg, m.Figure.Month), pg.Date(m.Deadline.LastDay)),
							Link: "/portal/availability/" + strconv.FormatInt(o.Subscription.ID, 10) + "/" + m.Figure.Month})
					}
				}
			}
		}
	}
	return v, nil
}

func sortRenewals(rows []serviceRow) {
	for i := 1; i < len(rows); i++ {
		for j := i; j > 0 && rows[j].Sub.TermEnd.Before(rows[j-1].Sub.TermEnd); j-- {
			rows[j], rows[j-1] = rows[j-1], rows[j]
		}
	}
}

// monthName says "2026-03" as "maart 2026" / "March 2026".
func monthName(pg *page, ym string) string { return pg.MonthName(ym) }

// ---- staff dashboard ----

// staffFigures are the business figures of the dashboard; a figure the staff member
// may not see stays unknown.
type staffFigures struct {
	ReceivablesKnown bool
	Receivables      terms.Money
	Overdue          terms.Money
	Debtors          int // customers with something overdue
	MRRKnown         bool
	MRR              terms.Money
	Services         int
	TodayOrders      []contracts.Contract
	ClaimsKnown      bool
	PendingClaims    []compensation.Claim
	IncidentsKnown   bool
	OpenIncidents    []status.Incident
	DraftQuotes      int
}

// The dashboard's figures come from aggregate queries along their indexes, not from
// rows added up here: what is owed from the open invoices (billing.ReceivableTotals),
// the recurring revenue per billing period (contracts.Recurring), today's orders by
// date (contracts.ConcludedOn); a page costs the same at any number of customers
// (issue 16).
func (s *server) staffFigures(ctx context.Context, p *accounts.Principal) (staffFigures, error) {
	var v staffFigures
	today := s.today()
	if s.billingEnabled() {
		t, err := s.bill.ReceivableTotals(ctx, *p, today)
		if err := allowed(err); err != nil {
			return v, err
		}
		if err == nil {
			v.ReceivablesKnown = true
			v.Receivables, v.Overdue, v.Debtors = t.Total, t.Overdue, t.Debtors
		}
	}
	if s.contractsEnabled() {
		rec, err := s.con.Recurring(ctx, *p)
		if err := allowed(err); err != nil {
			return v, err
		}
		v.MRR, v.Services, v.MRRKnown = rec.MRR, rec.Services, err == nil
		if err == nil {
			if v.TodayOrders, err = s.con.ConcludedOn(ctx, *p, today, contracts.ConcludedMax); err != nil {
				return v, err
			}
		}
		drafts, n, err := s.con.ListQuotes(ctx, *p, contracts.QuoteFilter{Status: contracts.QuoteDraft}, contracts.Page{Limit: 1})
		if err := allowed(err); err != nil {
			return v, err
		}
		_ = drafts
		v.DraftQuotes = n
	}
	if s.comp != nil {
		claims, err := s.comp.PendingClaims(ctx, *p, compensation.PendingClaimsMax)
		if err := allowed(err); err != nil {
			return v, err
		}
		v.ClaimsKnown, v.PendingClaims = err == nil, claims
	}
	if s.status != nil {
		incs, err := s.status.Incidents(ctx, *p, 50)
		if err := allowed(err); err != nil {
			return v, err
		}
		v.IncidentsKnown = err == nil
		for _, in := range incs {
			if in.Status != status.Resolved {
				v.OpenIncidents = append(v.OpenIncidents, in)
			}
		}
	}
	return v, nil
}

// ---- staff notes ----

func (s *server) staffCustomerNote(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	_, err = s.acc.AddNote(r.Context(), *p, id, f.Get("body"))
	var fe accounts.FieldErrors
	switch {
	case err == nil:
		s.flash(w, "note_added")
		s.redirect(w, r, "/staff/customers/"+strconv.FormatInt(id, 10)+"#notes-h")
		return nil
	case errors.As(err, &fe):
		// The page is shown again with the text kept and the reason beside it. The
		// service refuses only an empty or overlong note, which one sentence covers.
		f.Errors["body"] = pg.T("note.invalid", accounts.MaxNoteLen)
		return s.staffCustomerPage(w, r, p, f, http.StatusUnprocessableEntity)
	default:
		return err
	}
}
