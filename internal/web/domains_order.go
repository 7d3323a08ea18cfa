package web

import (
	"net/http"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/i18n"
)

// Transfer in from the order form (issue 14, cp.av.6.6): a domain plan's order takes
// an optional transfer code. With one, the order is a transfer in: the code is handed
// to domains.RequestTransfer before PlaceOrder, so the taken-name check lets the name
// through and the subscription's provisioning transfers instead of registering. A
// wrong code fails later at the registry with its own words (the domain page then asks
// for a new one). The code is a credential: it is never written back into the form,
// a page or a log.

// orderTransferField is the transfer code field of a domain plan's order form (none
// when the domains service is not wired).
func (s *server) orderTransferField(pl planRow) []field {
	if s.domains == nil || pl.Plan.ProductKind != catalog.KindDomain {
		return nil
	}
	return []field{{Name: "auth_code", Label: "order.transfer_code", Type: "password", Max: 64, Hint: "order.transfer_code_hint", Auto: "off"}}
}

// orderTransferRequest records the transfer the customer asked for with the order.
// Its field errors land on the form; the code is dropped from the form either way.
func (s *server) orderTransferRequest(r *http.Request, p *accounts.Principal, pl planRow, f *form) {
	code := strings.TrimSpace(f.Get("auth_code"))
	delete(f.Values, "auth_code")
	if code == "" || s.domains == nil || pl.Plan.ProductKind != catalog.KindDomain {
		return
	}
	err := s.domains.RequestTransfer(r.Context(), *p, p.Org.ID, strings.TrimSpace(f.Get("domain")), code)
	if err == nil {
		return
	}
	if !fieldErrors(f, err, nil) {
		// Not the customer's input: say so at the field without the code or the cause.
		s.log.Warn("domains: transfer request at order", "org", p.Org.ID, "err", err)
		f.Errors["auth_code"] = say(f.lang, i18n.T("order.transfer_code_failed"))
	}
}
