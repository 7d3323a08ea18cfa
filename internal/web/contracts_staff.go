package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/terms"
)

func (s *server) staffContractRoutes(staff func(string, handlerFunc)) {
	staff("GET /staff/contracts", s.staffContracts)
	staff("GET /staff/contracts/{id}", s.staffContract)
	staff("GET /staff/contracts/{id}/withdraw", s.staffWithdrawForm)
	staff("POST /staff/contracts/{id}/withdraw", s.staffWithdrawPreviewOrRecord)
	staff("GET /staff/subscriptions/{id}/cancel", s.staffCancelForm)
	staff("POST /staff/subscriptions/{id}/cancel", s.staffCancelPreviewOrRecord)
	staff("POST /staff/subscriptions/{id}/plan", s.staffChangePlan)
	staff("GET /staff/customers/{id}/refuse", s.staffRefuseConfirm)
	staff("POST /staff/customers/{id}/refuse", s.staffRefuse)
	staff("GET /staff/customers/{id}/unrefuse", s.staffUnrefuseConfirm)
	staff("POST /staff/customers/{id}/unrefuse", s.staffUnrefuse)
	s.staffSalesRoutes(staff)
}

func (s *server) staffContracts(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	v := contractsView{Status: statusParam(r, contractStatusOptions), Statuses: contractStatusOptions, Base: "/staff",
		Customer: strings.TrimSpace(r.URL.Query().Get("customer"))}
	customer, _ := strconv.ParseInt(v.Customer, 10, 64)
	v.Filtered = v.Status != "" || v.Customer != ""
	return s.contractsPage(w, r, p, v, max(customer, 0))
}

func (s *server) staffContract(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	c, err := s.con.GetContract(ctx, *p, id)
	if err != nil {
		return err
	}
	v, err := s.contractView(r, p, c, "/staff")
	if err != nil {
		return err
	}
	if org, err := s.acc.GetOrganisation(ctx, *p, c.OrgID); err == nil {
		v.Org = &org
	}
	v.CanWithdraw = c.CustomerKind == terms.Consumer && c.Status == contracts.ContractActive
	for i, row := range v.Subs {
		if row.Sub.PlanID == 0 || row.Sub.Status == contracts.SubEnded || row.Sub.Billing != catalog.Subscription {
			continue
		}
		cur, err := s.catalog.GetPlan(ctx, row.Sub.PlanID)
		if err != nil {
			continue
		}
		plans, err := s.catalog.ListPlans(ctx, catalog.PlanFilter{Pack: s.pack.Name, ProductID: cur.ProductID, ActiveOnly: true})
		if err != nil {
			return err
		}
		for _, pl := range plans {
			if pl.ID != cur.ID {
				v.Subs[i].Plans = append(v.Subs[i].Plans, option{Value: strconv.FormatInt(pl.ID, 10), Text: pl.Label() + " — " + pl.Price.String()})
			}
		}
	}
	pg := s.newPage(w, r, "")
	pg.Title, pg.Nav, pg.Data = pg.T("contract.title", c.ID), "contracts", v
	pg.ExplainDocs = s.contractDocs(ctx, c.ID, pg.Lang, pg.Today)
	s.render(w, http.StatusOK, "contract", pg)
	return nil
}

// ---- recording a cancellation ----

var channelOptions = func() []option {
	out := make([]option, len(contracts.Channels))
	for i, c := range contracts.Channels {
		out[i] = option{Value: c, Label: "channel." + c}
	}
	return out
}()

var recordCancelFields = fieldset{Fields: []field{
	{Name: "channel", Label: "cancel.channel", Type: "select", Options: channelOptions, Required: true},
	{Name: "received_at", Label: "cancel.received_at", Type: "datetime-local", Required: true, Hint: "cancel.received_hint"},
	{Name: "note", Label: "cancel.note", Type: "textarea", Wide: true},
}}

type recordCancelView struct {
	Sub     contracts.Subscription
	Preview *contracts.CancellationPreview
	Action  string
	Back    string
	Sets    []fieldset
}

func (s *server) staffCancelPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, prev *contracts.CancellationPreview, status int) error {
	sub, err := s.con.GetSubscription(r.Context(), *p, id)
	if err != nil {
		return err
	}
	pg.Title, pg.Nav = pg.T("cancel.record_title", serviceName(sub)), "contracts"
	pg.Data = recordCancelView{Sub: sub, Preview: prev, Action: "/staff/subscriptions/" + strconv.FormatInt(id, 10) + "/cancel",
		Back: "/staff/contracts/" + strconv.FormatInt(sub.ContractID, 10), Sets: pg.useFields(recordCancelFields)}
	pg.ExplainDocs = s.contractDocs(r.Context(), sub.ContractID, pg.Lang, pg.Today)
	s.render(w, status, "cancel_record", pg)
	return nil
}

func (s *server) staffCancelForm(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	pg.Form = newForm(nil)
	pg.Form.set("channel", contracts.ChannelEmail)
	pg.Form.set("received_at", s.clock.Now().In(clock.Amsterdam).Format("2006-01-02T15:04"))
	return s.staffCancelPage(w, r, p, pg, id, nil, http.StatusOK)
}

// staffCancelPreviewOrRecord shows the end date for the moment entered ("preview"),
// and records the cancellation when staff confirm ("record"): staff see the date
// before it is saved, as the customer does.
func (s *server) staffCancelPreviewOrRecord(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
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
	in := contracts.CancelInput{Channel: f.Get("channel"), ReceivedAt: parseDateTime(f, "received_at"), Note: strings.TrimSpace(f.Get("note"))}
	requireFields(f, pg.Lang, map[string]string{"received_at": f.Get("received_at"), "channel": f.Get("channel")})
	if len(f.Errors) > 0 {
		return s.staffCancelPage(w, r, p, pg, id, nil, http.StatusUnprocessableEntity)
	}
	if f.Get("action") != "record" {
		prev, err := s.con.PreviewCancellation(r.Context(), *p, id, in)
		switch {
		case err == nil:
			return s.staffCancelPage(w, r, p, pg, id, &prev, http.StatusOK)
		case fieldErrors(f, err, nil):
			return s.staffCancelPage(w, r, p, pg, id, nil, http.StatusUnprocessableEntity)
		default:
			return err
		}
	}
	in.ExpectEndsOn = parseDate(f, "expect_ends_on")
	_, err = s.con.RecordCancellation(r.Context(), *p, id, in)
	switch {
	case err == nil:
		sub, err := s.con.GetSubscription(r.Context(), *p, id)
		if err != nil {
			return err
		}
		s.flash(w, "cancellation_recorded")
		s.redirect(w, r, "/staff/contracts/"+strconv.FormatInt(sub.ContractID, 10))
		return nil
	case fieldErrors(f, err, nil):
		return s.staffCancelPage(w, r, p, pg, id, nil, http.StatusUnprocessableEntity)
	default:
		return err
	}
}

// ---- recording a withdrawal ----

var recordWithdrawFields = fieldset{Fields: []field{
	{Name: "channel", Label: "cancel.channel", Type: "select", Options: channelOptions, Required: true},
	{Name: "received_at", Label: "withdraw.received_at", Type: "datetime-local", Required: true, Hint: "cancel.received_hint"},
}}

func (s *server) staffWithdrawPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, wd *contracts.Withdrawal, status int) error {
	c, err := s.con.GetContract(r.Context(), *p, id)
	if err != nil {
		return err
	}
	base := "/staff/contracts/" + strconv.FormatInt(id, 10)
	v := withdrawView{Contract: c, Action: base + "/withdraw", Back: base, Staff: true, Sets: pg.useFields(recordWithdrawFields)}
	if wd != nil {
		v.Withdrawal = *wd
	}
	pg.Title, pg.Nav, pg.Data = pg.T("withdraw.record_title", c.ID), "contracts", v
	pg.ExplainDocs = s.contractDocs(r.Context(), c.ID, pg.Lang, pg.Today)
	s.render(w, status, "withdraw", pg)
	return nil
}

func (s *server) staffWithdrawForm(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	pg.Form = newForm(nil)
	pg.Form.set("channel", contracts.ChannelEmail)
	pg.Form.set("received_at", s.clock.Now().In(clock.Amsterdam).Format("2006-01-02T15:04"))
	return s.staffWithdrawPage(w, r, p, pg, id, nil, http.StatusOK)
}

func (s *server) staffWithdrawPreviewOrRecord(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
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
	in := contracts.WithdrawalInput{Channel: f.Get("channel"), ReceivedAt: parseDateTime(f, "received_at")}
	requireFields(f, pg.Lang, map[string]string{"received_at": f.Get("received_at"), "channel": f.Get("channel")})
	if len(f.Errors) > 0 {
		return s.staffWithdrawPage(w, r, p, pg, id, nil, http.StatusUnprocessableEntity)
	}
	var wd contracts.Withdrawal
	if f.Get("action") == "record" {
		wd, err = s.con.RecordWithdrawal(r.Context(), *p, id, in)
	} else {
		wd, err = s.con.PreviewWithdrawal(r.Context(), *p, id, in)
	}
	switch {
	case err == nil && f.Get("action") == "record":
		s.flash(w, "withdrawal_"+wd.Status)
		s.redirect(w, r, "/staff/contracts/"+strconv.FormatInt(id, 10))
		return nil
	case err == nil:
		return s.staffWithdrawPage(w, r, p, pg, id, &wd, http.StatusOK)
	case fieldErrors(f, err, map[string]string{"contract": "received_at"}):
		return s.staffWithdrawPage(w, r, p, pg, id, nil, http.StatusUnprocessableEntity)
	default:
		return err
	}
}

// ---- change of plan ----

func (s *server) staffChangePlan(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	sub, err := s.con.GetSubscription(r.Context(), *p, id)
	if err != nil {
		return err
	}
	planID, _ := strconv.ParseInt(r.PostForm.Get("plan_id"), 10, 64)
	back := "/staff/contracts/" + strconv.FormatInt(sub.ContractID, 10)
	// A refusal (another product, an ended service) comes back as field errors, which
	// fail shows as a message; nothing was changed.
	pc, err := s.con.ChangePlan(r.Context(), *p, id, planID)
	if err != nil {
		return err
	}
	if pc.Direction == "up" {
		s.flash(w, "plan_upgraded")
	} else {
		s.flash(w, "plan_downgraded")
	}
	s.redirect(w, r, back)
	return nil
}

// ---- refusing a customer (cp.av.2.6) ----

var refuseFields = fieldset{Fields: []field{{Name: "reason", Label: "refuse.reason", Type: "textarea", Wide: true}}}

func (s *server) refusePage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	org, err := s.acc.GetOrganisation(r.Context(), *p, id)
	if err != nil {
		return err
	}
	if pg.Form == nil {
		pg.Form = newForm(nil)
	}
	base := "/staff/customers/" + strconv.FormatInt(id, 10)
	pg.Title, pg.Nav = pg.T("refuse.title"), "customers"
	pg.Data = confirmView{Question: pg.T("refuse.question", org.LegalName), Action: base + "/refuse", Submit: "refuse.submit",
		Cancel: base, Danger: true, Sets: pg.useFields(refuseFields)}
	s.render(w, status, "confirm", pg)
	return nil
}

func (s *server) staffRefuseConfirm(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	return s.confirmGet(s.refusePage)(w, r, p)
}

func (s *server) staffRefuse(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	return s.confirmPost(s.refusePage, nil, func(r *http.Request, p *accounts.Principal, _ *page, f *form, id int64) (string, string, error) {
		err := s.con.RefuseCustomer(r.Context(), *p, id, strings.TrimSpace(f.Get("reason")))
		return "customer_refused", "/staff/customers/" + strconv.FormatInt(id, 10), err
	})(w, r, p)
}

func (s *server) staffUnrefuseConfirm(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	org, err := s.acc.GetOrganisation(r.Context(), *p, id)
	if err != nil {
		return err
	}
	base := "/staff/customers/" + strconv.FormatInt(id, 10)
	pg := s.newPage(w, r, "unrefuse.title")
	pg.Nav = "customers"
	pg.Data = confirmView{Question: pg.T("unrefuse.question", org.LegalName), Action: base + "/unrefuse", Submit: "unrefuse.submit", Cancel: base}
	s.render(w, http.StatusOK, "confirm", pg)
	return nil
}

func (s *server) staffUnrefuse(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.con.AcceptCustomer(r.Context(), *p, id); err != nil {
		return err
	}
	s.flash(w, "customer_unrefused")
	s.redirect(w, r, "/staff/customers/"+strconv.FormatInt(id, 10))
	return nil
}
