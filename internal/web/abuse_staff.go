package web

import (
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hostpact/hostpact/internal/abuse"
	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/files"
	"github.com/hostpact/hostpact/internal/i18n"
)

// The staff desk (cp.ntd.2.1-2.6): the cases with filters by state, ground and deadline
// (keyset pages), and one case with its steps, record, and the forms that run it. A
// block and its lifting are confirmed first.

func (s *server) abuseStaffRoutes(staff func(string, handlerFunc)) {
	staff("GET /staff/abuse", s.staffAbuseList)
	staff("GET /staff/abuse/{id}", s.staffAbuseCase)
	staff("GET /staff/abuse/{id}/file", s.staffAbuseEvidence)
	staff("POST /staff/abuse/{id}/{op}", s.staffAbuseStep)
	staff("GET /staff/abuse/{id}/block", s.confirmGet(s.abuseBlockPage(true)))
	staff("POST /staff/abuse/{id}/block", s.confirmPost(s.abuseBlockPage(true), nil, s.abuseBlockAct(true)))
	staff("GET /staff/abuse/{id}/unblock", s.confirmGet(s.abuseBlockPage(false)))
	staff("POST /staff/abuse/{id}/unblock", s.confirmPost(s.abuseBlockPage(false), nil, s.abuseBlockAct(false)))
}

func abuseBase(id int64) string { return "/staff/abuse/" + strconv.FormatInt(id, 10) }

type abuseListView struct {
	Cases   []abuse.Case
	Filter  abuse.Filter
	States  []abuse.State
	Grounds []string
	Next    string
}

func (s *server) staffAbuseList(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	q := r.URL.Query()
	f := abuse.Filter{State: abuse.State(q.Get("state")), Ground: q.Get("ground"), Due: q.Get("due"), Limit: 50}
	f.Before, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	cases, err := s.abuse.List(r.Context(), *p, f)
	if err != nil {
		return err
	}
	v := abuseListView{Cases: cases, Filter: f, States: abuse.States, Grounds: abuse.Grounds}
	if len(cases) == f.Limit {
		v.Next = withQuery("/staff/abuse", url.Values{"state": {string(f.State)}, "ground": {f.Ground}, "due": {f.Due},
			"before": {strconv.FormatInt(cases[len(cases)-1].ID, 10)}})
	}
	pg := s.newPage(w, r, "abuse.staff.title")
	pg.Nav, pg.Data = "abuse", v
	s.render(w, http.StatusOK, "staff_abuse", pg)
	return nil
}

type abuseCaseView struct {
	C        abuse.Case
	Due      string
	Evidence []files.File
	// Download: the principal may download the evidence (the abuse desk; never a
	// child sexual abuse notice's, which goes to the hotline).
	Download bool
	Reports  int
	Grounds  []string
}

func (s *server) staffAbuseCase(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.abuseCasePage(w, r, p, s.newPage(w, r, ""), id, http.StatusOK)
}

func (s *server) abuseCasePage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	c, err := s.abuse.Get(r.Context(), *p, id)
	if err != nil {
		return err
	}
	ev, err := s.abuse.Evidence(r.Context(), *p, id)
	if err != nil {
		return err
	}
	n, err := s.abuse.Reports(r.Context(), *p, id)
	if err != nil {
		return err
	}
	pg.Title = pg.T("abuse.case.title", c.Number())
	pg.Nav, pg.Data = "abuse", abuseCaseView{C: c, Due: abuseDue(pg, c), Evidence: ev, Reports: n,
		Download: c.Ground != "csam" && p.Can(accounts.AbuseManage, accounts.Provider)}
	s.render(w, status, "staff_abuse_case", pg)
	return nil
}

// staffAbuseEvidence sends one evidence file of a case (?f=file id) as a download with
// its stored type, which files sniffed from the bytes at upload: never rendered in
// the browser, so an uploaded page or script cannot run in the staff's session.
func (s *server) staffAbuseEvidence(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	fid, err := strconv.ParseInt(r.URL.Query().Get("f"), 10, 64)
	if err != nil || fid <= 0 {
		return errBadID
	}
	f, data, err := s.abuse.EvidenceFile(r.Context(), *p, id, fid)
	if err != nil {
		return err
	}
	ct := f.ContentType
	if ct == "" || strings.Contains(ct, "html") || strings.Contains(ct, "xml") || strings.Contains(ct, "svg") || strings.Contains(ct, "javascript") {
		ct = "application/octet-stream"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", downloadDisposition(f.Name, "evidence-"+strconv.FormatInt(f.ID, 10)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	_, err = w.Write(data)
	return err
}

// downloadDisposition is "attachment" with the file's name (RFC 6266, non-ASCII as
// RFC 2231), or fallback when the name cannot be given.
func downloadDisposition(name, fallback string) string {
	if v := mime.FormatMediaType("attachment", map[string]string{"filename": name}); v != "" {
		return v
	}
	return mime.FormatMediaType("attachment", map[string]string{"filename": fallback})
}

// staffAbuseStep runs one step of a case from the case page's forms.
func (s *server) staffAbuseStep(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
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
	case "forward":
		err = s.abuse.Forward(ctx, by, id)
	case "to-decision":
		err = s.abuse.ToDecision(ctx, by, id)
	case "ask":
		err = s.abuse.AskDetails(ctx, by, id, f.Get("what"))
	case "not-ours":
		err = s.abuse.CloseNotOurs(ctx, by, id, f.Get("offline") != "", f.Get("hosted_by"))
	case "urgency":
		err = s.abuse.DecideUrgency(ctx, by, id, f.Get("urgent") == "yes", f.Get("urgency_decision"))
	case "agreed":
		err = s.abuse.NotifierAgrees(ctx, by, id)
	case "decide":
		err = s.abuse.Decide(ctx, by, id, f.Get("decision") == "justified", f.Get("reasons"))
	case "identify":
		err = s.abuse.Identify(ctx, by, id, f.Get("grant") == "yes", f.Get("real_interest") != "", f.Get("identification_reasons"))
	case "note":
		err = s.abuse.Note(ctx, by, id, f.Get("note"))
	default:
		return errBadID
	}
	if err == nil {
		s.flash(w, "abuse_saved")
		s.redirect(w, r, abuseBase(id))
		return nil
	}
	if !fieldErrors(f, err, nil) {
		m, ok := stepMessage(err)
		if !ok {
			return err
		}
		f.General = append(f.General, say(pg.Lang, m))
	}
	return s.abuseCasePage(w, r, p, pg, id, http.StatusUnprocessableEntity)
}

func (s *server) abuseBlockPage(block bool) confirmPage {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
		c, err := s.abuse.Get(r.Context(), *p, id)
		if err != nil {
			return err
		}
		op, q, submit := "unblock", "abuse.unblock.question", "abuse.unblock.submit"
		if block {
			op, q, submit = "block", "abuse.block.question", "abuse.block.submit"
		}
		pg.Title = pg.T("abuse.case.title", c.Number())
		detail := pg.T("abuse.block.task")
		if c.ServiceID != 0 {
			detail = pg.T("abuse.block.service", c.ServiceID)
		}
		pg.Nav, pg.Data = "abuse", confirmView{Question: pg.T(q), Details: []string{detail}, Action: abuseBase(id) + "/" + op,
			Submit: submit, Cancel: abuseBase(id), Danger: block,
			Sets: pg.useFields(fieldset{Fields: []field{{Name: "note", Label: "abuse.f.note", Type: "textarea", Required: true}}})}
		s.render(w, status, "confirm", pg)
		return nil
	}
}

func (s *server) abuseBlockAct(block bool) confirmAct {
	return func(r *http.Request, p *accounts.Principal, pg *page, f *form, id int64) (string, string, error) {
		if block {
			return "abuse_blocked", abuseBase(id), s.abuse.Block(r.Context(), *p, id, f.Get("note"))
		}
		return "abuse_unblocked", abuseBase(id), s.abuse.Unblock(r.Context(), *p, id, f.Get("note"))
	}
}

// stepMessage is the message of a refused step (a wrong state), shown on the page;
// authorization and missing objects go to their error pages.
func stepMessage(err error) (i18n.Msg, bool) {
	var m i18n.Msg
	if errors.Is(err, accounts.ErrForbidden) || errors.Is(err, accounts.ErrNotFound) || !errors.As(err, &m) {
		return i18n.Msg{}, false
	}
	return m, true
}
