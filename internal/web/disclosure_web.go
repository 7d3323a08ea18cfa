package web

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/disclosure"
	"github.com/hostpact/hostpact/internal/terms"
)

// Responsible disclosure (cp.rd): the public report form with the rules in our own
// words, the opt-in acknowledgements, /.well-known/security.txt (RFC 9116), and the
// security desk's pages.

func (s *server) disclosureRoutes(mux *http.ServeMux, staff func(string, handlerFunc)) {
	mux.HandleFunc("GET /security", s.securityForm)
	mux.HandleFunc("POST /security", s.securitySubmit)
	mux.HandleFunc("GET /security/thanks", s.securityThanks)
	mux.HandleFunc("GET /.well-known/security.txt", s.securityTxt)
	mux.HandleFunc("GET /security.txt", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/.well-known/security.txt", http.StatusMovedPermanently)
	})
	staff("GET /staff/security-reports", s.staffSecReports)
	staff("GET /staff/security-reports/{id}", s.staffSecReport)
	staff("POST /staff/security-reports/{id}/{op}", s.staffSecStep)
}

// SecurityNav reports whether the staff app shows the vulnerability reports.
func (p *page) SecurityNav() bool {
	return p.Disclose && p.P != nil && p.P.Can(accounts.DisclosureRead, accounts.Provider)
}

var secFields = []fieldset{
	{Legend: "sec.f.report", Fields: []field{
		{Name: "title", Label: "sec.f.title", Type: "text", Required: true, Max: 200},
		{Name: "affected", Label: "sec.f.affected", Type: "textarea", Required: true, Hint: "sec.f.affected_hint", Wide: true},
		{Name: "description", Label: "sec.f.description", Type: "textarea", Required: true, Hint: "sec.f.description_hint", Wide: true},
	}},
	{Legend: "sec.f.you", Hint: "sec.f.you_hint", Fields: []field{
		{Name: "name", Label: "sec.f.name", Type: "text", Auto: "name", Max: 200},
		{Name: "email", Label: "sec.f.email", Type: "email", Auto: "email", Max: 254},
		{Name: "phone", Label: "sec.f.phone", Type: "tel", Auto: "tel", Max: 40},
		{Name: "credit_wanted", Label: "sec.f.credit", Type: "checkbox"},
		{Name: "credit_name", Label: "sec.f.credit_name", Type: "text", Max: 100},
	}},
}

type secFormView struct {
	Sets   []fieldset
	Pow    powChallenge
	Key    string
	Reward terms.Money
}

func (s *server) securityPage(w http.ResponseWriter, pg *page, status int) {
	key := pg.Form.Get("key")
	if key == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		key = hex.EncodeToString(b)
	}
	pg.Data = secFormView{Sets: pg.useFields(secFields...), Pow: s.abusePow().issue(), Key: key, Reward: s.disc.Pack().Latest().Terms.Disclosure.RewardMax}
	s.render(w, status, "security_form", pg)
}

func (s *server) securityForm(w http.ResponseWriter, r *http.Request) {
	pg := s.newPage(w, r, "sec.title")
	pg.Form = newForm(nil)
	s.securityPage(w, pg, http.StatusOK)
}

func (s *server) securitySubmit(w http.ResponseWriter, r *http.Request) {
	if ok, wait := s.abuseLimit.allow(limitKey(info(r.Context()).ip)); !ok {
		s.tooMany(w, r, wait)
		return
	}
	pg := s.newPage(w, r, "sec.title")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		s.badForm(w, r, err)
		return
	}
	pg.Form = f
	if !s.abusePow().verify(f.Get("pow_salt"), f.Get("pow_challenge"), f.Get("pow_signature"), f.Get("pow_number")) {
		f.General = append(f.General, pg.T("signup.pow_failed"))
	}
	if len(f.Errors) == 0 && len(f.General) == 0 {
		rep, err := s.disc.Submit(r.Context(), disclosure.Submission{Title: f.Get("title"), Affected: f.Get("affected"), Description: f.Get("description"),
			Name: f.Get("name"), Email: f.Get("email"), Phone: f.Get("phone"), Lang: pg.Lang, CreditWanted: f.Get("credit_wanted") != "",
			CreditName: f.Get("credit_name"), Key: f.Get("key")})
		switch {
		case err == nil:
			pg.Title = pg.T("sec.receipt.title")
			pg.Data = messageView{Lines: []string{pg.T("sec.receipt.number", rep.Number()), pg.T("sec.receipt.deadlines", rep.AckDue, rep.AssessDue, rep.FixDue),
				pg.T("sec.receipt.embargo")}}
			s.render(w, http.StatusOK, "message", pg)
			return
		case fieldErrors(f, err, nil):
		default:
			s.fail(w, r, err)
			return
		}
	}
	s.securityPage(w, pg, http.StatusUnprocessableEntity)
}

func (s *server) securityThanks(w http.ResponseWriter, r *http.Request) {
	cs, err := s.disc.Credits(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg := s.newPage(w, r, "sec.thanks.title")
	pg.Data = cs
	s.render(w, http.StatusOK, "security_thanks", pg)
}

// securityTxt serves RFC 9116: Contact, Expires (from the clock, the pack's period
// ahead and never more than a year), Policy, Preferred-Languages and Canonical. The
// file is clear-signed when the deployment configures an OpenPGP key
// (HOSTPACT_SECURITY_TXT_KEY).
func (s *server) securityTxt(w http.ResponseWriter, r *http.Request) {
	base := strings.TrimRight(s.cfg.BaseURL, "/")
	if base == "" {
		base = "https://" + r.Host
	}
	var b strings.Builder
	if s.securityContact != "" {
		fmt.Fprintf(&b, "Contact: mailto:%s\n", s.securityContact)
	}
	fmt.Fprintf(&b, "Contact: %s/security\n", base)
	fmt.Fprintf(&b, "Expires: %s\n", s.disc.Pack().Latest().SecurityTxtExpires(s.clock.Now()).Format(time.RFC3339))
	fmt.Fprintf(&b, "Policy: %s/security\n", base)
	fmt.Fprintf(&b, "Acknowledgments: %s/security/thanks\n", base)
	b.WriteString("Preferred-Languages: nl, en\n")
	fmt.Fprintf(&b, "Canonical: %s/.well-known/security.txt\n", base)
	out := []byte(b.String())
	if s.securityTxtSign != nil {
		signed, err := s.securityTxtSign.Sign(out, s.clock.Now())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out = signed
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "max-age=3600")
	_, _ = w.Write(out)
}

type secListView struct {
	Reports []disclosure.Report
	State   string
	States  []disclosure.State
	Next    string
	Today   terms.Date
}

func (s *server) staffSecReports(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	q := r.URL.Query()
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	rs, err := s.disc.List(r.Context(), *p, disclosure.State(q.Get("state")), before, 50)
	if err != nil {
		return err
	}
	v := secListView{Reports: rs, State: q.Get("state"), States: disclosure.States, Today: s.today()}
	if len(rs) == 50 {
		v.Next = withQuery("/staff/security-reports", url.Values{"state": {v.State}, "before": {strconv.FormatInt(rs[len(rs)-1].ID, 10)}})
	}
	pg := s.newPage(w, r, "sec.staff.title")
	pg.Nav, pg.Data = "security-reports", v
	s.render(w, http.StatusOK, "staff_security_reports", pg)
	return nil
}

func (s *server) staffSecReport(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.secReportPage(w, r, p, s.newPage(w, r, ""), id, http.StatusOK)
}

type secReportView struct {
	R     disclosure.Report
	Late  []string
	Today terms.Date
}

func (s *server) secReportPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	rep, err := s.disc.Get(r.Context(), *p, id)
	if err != nil {
		return err
	}
	pg.Title = pg.T("sec.report.title", rep.Number())
	pg.Nav, pg.Data = "security-reports", secReportView{R: rep, Late: rep.Late(s.today()), Today: s.today()}
	s.render(w, status, "staff_security_report", pg)
	return nil
}

func (s *server) staffSecStep(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
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
	ctx, by := r.Context(), *p
	switch r.PathValue("op") {
	case "acknowledge":
		err = s.disc.Acknowledge(ctx, by, id)
	case "ask":
		err = s.disc.AskInfo(ctx, by, id, f.Get("question"))
	case "accept":
		d, perr := terms.ParseDate(f.Get("fix_date"))
		if perr != nil {
			f.Errors["fix_date"] = pg.T("sec.err.date")
			break
		}
		err = s.disc.Accept(ctx, by, id, f.Get("severity"), f.Get("assessment"), d)
	case "reject":
		dup, _ := strconv.ParseInt(f.Get("duplicate_of"), 10, 64)
		err = s.disc.Reject(ctx, by, id, disclosure.State(f.Get("state")), f.Get("reasons"), dup)
	case "progress":
		err = s.disc.Progress(ctx, by, id, f.Get("message"))
	case "fixed":
		err = s.disc.Fixed(ctx, by, id, f.Get("note"))
	case "publish":
		err = s.disc.Publish(ctx, by, id, f.Get("note"))
	case "reward":
		amount := terms.Money(0)
		if v := strings.TrimSpace(f.Get("reward_amount")); v != "" {
			m, perr := terms.ParseMoney(v)
			if perr != nil {
				f.Errors["reward_amount"] = pg.T("sec.err.amount")
				break
			}
			amount = m
		}
		err = s.disc.Reward(ctx, by, id, f.Get("reward_kind"), amount, f.Get("reward_note"))
	case "credit":
		err = s.disc.SetCredit(ctx, by, id, f.Get("agreed") == "yes")
	default:
		return errBadID
	}
	if err == nil && len(f.Errors) == 0 {
		s.flash(w, "sec_saved")
		s.redirect(w, r, "/staff/security-reports/"+strconv.FormatInt(id, 10))
		return nil
	}
	if err != nil && !fieldErrors(f, err, nil) {
		m, ok := stepMessage(err)
		if !ok {
			return err
		}
		f.General = append(f.General, say(pg.Lang, m))
	}
	return s.secReportPage(w, r, p, pg, id, http.StatusUnprocessableEntity)
}
