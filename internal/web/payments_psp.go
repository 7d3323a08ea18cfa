package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/payments"
)

// ---- the payment providers' webhooks ----

// webhook receives a payment provider's report that a payment changed. It is
// server-to-server: no session and no cross-origin check (the request is
// authenticated by the provider's signature in payments.HandleWebhook), but a rate
// limit per address. The answer says only whether it was taken: a provider retries on
// anything but 200, and a forger learns nothing from a 400.
func (s *server) webhook(w http.ResponseWriter, r *http.Request) {
	if ok, wait := s.hooks.allow(limitKey(info(r.Context()).ip)); !ok {
		secs := max(int((wait+time.Second-1)/time.Second), 1)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		http.Error(w, http.StatusText(http.StatusTooManyRequests), http.StatusTooManyRequests)
		return
	}
	err := s.pay.HandleWebhook(r.Context(), r.PathValue("provider"), r)
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("ok\n"))
	case errors.As(err, &tooLarge):
		http.Error(w, http.StatusText(http.StatusRequestEntityTooLarge), http.StatusRequestEntityTooLarge)
	case errors.Is(err, payments.ErrWebhook):
		s.log.Warn("webhook rejected", "provider", r.PathValue("provider"), "err", err)
		http.Error(w, http.StatusText(http.StatusBadRequest), http.StatusBadRequest)
	case errors.Is(err, payments.ErrNotFound):
		http.Error(w, http.StatusText(http.StatusNotFound), http.StatusNotFound)
	default:
		// The provider tries again later; the payment is booked once whenever it does.
		s.log.Error("webhook failed", "provider", r.PathValue("provider"), "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
	}
}

// ---- the demo payment provider ----

type demoPSPView struct {
	Pay  payments.DemoPayment
	Open bool
}

// demoPSPPage is the demo provider's checkout page: a stand-in for a bank's, shown in
// demo mode only, where the customer chooses whether the payment succeeds.
func (s *server) demoPSPPage(w http.ResponseWriter, r *http.Request) {
	pm, ok := s.demoPSP.Payment(r.PathValue("id"))
	if !ok {
		s.notFound(w, r)
		return
	}
	pg := s.newPage(w, r, "psp.title")
	pg.Data = demoPSPView{Pay: pm, Open: pm.Status == payments.PSPOpen}
	s.render(w, http.StatusOK, "demo_psp", pg)
}

// demoPSPComplete settles the demo payment as the customer chose, delivers the
// provider's signed webhook to the payments service in this process (so the payment
// is booked before the customer is back), and sends the customer back to the page
// the payment was started from.
func (s *server) demoPSPComplete(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		s.badForm(w, r, err)
		return
	}
	id := r.PathValue("id")
	if _, ok := s.demoPSP.Payment(id); !ok {
		s.notFound(w, r)
		return
	}
	hook, back, err := s.demoPSP.Complete(id, r.PostForm.Get("result") == "paid")
	if err != nil {
		s.notFound(w, r)
		return
	}
	if err := s.pay.HandleWebhook(r.Context(), providerOf(hook.URL), hook.WithContext(r.Context())); err != nil {
		s.log.Error("demo payment provider: webhook failed", "payment", id, "err", err)
		s.errorPage(w, r, http.StatusBadGateway, "pay.failed_title", "pay.failed_body")
		return
	}
	// Only a path on this site: the return address is ours, but a redirect never
	// leaves the site whatever it says.
	to := "/"
	if u, err := url.Parse(back); err == nil {
		to = safeRedirect(u.RequestURI())
	}
	s.redirect(w, r, to)
}

// providerOf reads the provider's name from the webhook address the payments service
// gave it (payments.WebhookPath).
func providerOf(u *url.URL) string {
	prefix := payments.WebhookPath("")
	if u != nil && strings.HasPrefix(u.Path, prefix) {
		return strings.TrimPrefix(u.Path, prefix)
	}
	return "demo"
}
