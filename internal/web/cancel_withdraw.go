package web

import (
	"net/http"
	"strconv"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/contracts"
)

// Withdrawing a cancellation before it takes effect (contracts.WithdrawCancellation):
// a confirmation page in the portal (the customer) and in the staff app (on the
// customer's request), both reached from the contract page's service. What follows the
// subscription (a domain's scheduled delete at the registry) is withdrawn by the
// packages that follow it.

func (s *server) cancelWithdrawRoutes(staff, portal func(string, handlerFunc)) {
	portal("GET /portal/subscriptions/{id}/uncancel", s.confirmGet(s.uncancelPage))
	portal("POST /portal/subscriptions/{id}/uncancel", s.confirmPost(s.uncancelPage, nil, s.uncancel))
	staff("GET /staff/subscriptions/{id}/uncancel", s.confirmGet(s.uncancelPage))
	staff("POST /staff/subscriptions/{id}/uncancel", s.confirmPost(s.uncancelPage, nil, s.uncancel))
}

// mayWithdrawCancellation: the contract page offers the withdrawal.
func (s *server) mayWithdrawCancellation(p *accounts.Principal, sub contracts.Subscription) bool {
	if !s.con.CanWithdrawCancellation(sub) {
		return false
	}
	if p.IsStaff() {
		return p.Can(accounts.CancellationRecord, accounts.OrgID(sub.OrgID))
	}
	return p.Can(accounts.SubscriptionCancel, accounts.OrgID(sub.OrgID))
}

func (s *server) uncancelBase(p *accounts.Principal) string {
	if p.IsStaff() {
		return "/staff"
	}
	return "/portal"
}

func (s *server) uncancelPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	sub, err := s.con.GetSubscription(r.Context(), *p, id)
	if err != nil {
		return err
	}
	base := s.uncancelBase(p)
	back := base + "/contracts/" + strconv.FormatInt(sub.ContractID, 10)
	if !s.mayWithdrawCancellation(p, sub) && pg.Form == nil {
		pg.Title, pg.Nav = pg.T("uncancel.title"), "contracts"
		pg.Data = messageView{Lines: []string{pg.T("contracts.no_cancellation_to_withdraw")}}
		s.render(w, http.StatusConflict, "message", pg)
		return nil
	}
	pg.Title, pg.Nav = pg.T("uncancel.title"), "contracts"
	pg.Data = confirmView{Question: pg.T("uncancel.question", serviceLabel(sub), pg.Date(sub.EndsOn)),
		Action: base + "/subscriptions/" + strconv.FormatInt(id, 10) + "/uncancel", Submit: "uncancel.button", Cancel: back,
		Details: []string{pg.T("contracts.withdraw_cancellation_courtesy")}}
	s.render(w, status, "confirm", pg)
	return nil
}

func (s *server) uncancel(r *http.Request, p *accounts.Principal, _ *page, _ *form, id int64) (string, string, error) {
	sub, err := s.con.GetSubscription(r.Context(), *p, id)
	if err != nil {
		return "", "", err
	}
	if _, err := s.con.WithdrawCancellation(r.Context(), *p, id); err != nil {
		return "", "", err
	}
	return "flash.uncancelled", s.uncancelBase(p) + "/contracts/" + strconv.FormatInt(sub.ContractID, 10), nil
}

func serviceLabel(sub contracts.Subscription) string {
	if sub.Domain != "" {
		return sub.Name + " " + sub.Domain
	}
	return sub.Name
}
