package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/usage"
)

// The staff usage pages: per plan the heaviest users of a month and, under a fair-use
// policy (fo.av.12.3), the services above it; the fair-use steps (fo.av.12.4: a
// warning first, then convert, limit or block) each after a confirmation; every
// service's months with the evidence kept with each step; and the month's figures as
// a CSV download, streamed.

func (s *server) usageStaffRoutes(staff func(string, handlerFunc)) {
	staff("GET /staff/usage", s.staffUsage)
	staff("GET /staff/usage/export.csv", s.staffUsageCSV)
	staff("GET /staff/usage/{id}", s.staffUsageService)
	staff("GET /staff/usage/{id}/fair-use", s.confirmGet(s.fairUsePage))
	staff("POST /staff/usage/{id}/fair-use", s.confirmPost(s.fairUsePage, map[string]string{"plan_id": "plan_id"}, s.fairUseAct))
}

type staffUsageView struct {
	Month, Prev, Next string
	Plans             []usage.PlanReport
	Steps             []string
	Now               string
}

// staffMonth reads ?month=, defaulting to the current month.
func (s *server) staffMonth(r *http.Request) string {
	m := r.URL.Query().Get("month")
	if _, err := time.Parse("2006-01", m); err != nil {
		return usage.MonthOf(s.clock.Now())
	}
	return m
}

func shiftMonth(m string, n int) string {
	t, _ := time.Parse("2006-01", m)
	return t.AddDate(0, n, 0).Format("2006-01")
}

func (s *server) staffUsage(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	month := s.staffMonth(r)
	plans, err := s.usage.Report(r.Context(), *p, month)
	if err != nil {
		return err
	}
	v := staffUsageView{Month: month, Prev: shiftMonth(month, -1), Plans: plans, Now: usage.MonthOf(s.clock.Now()),
		Steps: []string{usage.StepWarn, usage.StepLimit, usage.StepBlock, usage.StepConvert}}
	if month < v.Now {
		v.Next = shiftMonth(month, 1)
	}
	pg := s.newPage(w, r, "usage.staff_title")
	pg.Nav, pg.Data = "usage", v
	s.render(w, http.StatusOK, "staff_usage", pg)
	return nil
}

func (s *server) staffUsageCSV(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	month := s.staffMonth(r)
	d := &streamedDownload{w: w, contentType: "text/csv; charset=utf-8", name: "usage-" + month + ".csv"}
	err := s.usage.ExportCSV(r.Context(), *p, month, d)
	if err != nil && d.started {
		// The download has begun; the error can only be logged, and the file ends short.
		s.log.Error("usage export", "month", month, "err", err)
		return nil
	}
	return err
}

func (s *server) staffUsageService(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	su, err := s.usage.ServiceMonths(r.Context(), *p, id, usageWindow)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	pg.Title, pg.Nav = pg.T("usage.service_title", su.Service.Name), "usage"
	pg.Data = s.usageServiceView(pg, p, su)
	s.render(w, http.StatusOK, "staff_usage_service", pg)
	return nil
}

// fairUsePage asks staff to confirm a fair-use step for the service's month, with a
// note and, for a conversion, the plan to move to.
func (s *server) fairUsePage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	su, err := s.usage.ServiceMonths(r.Context(), *p, id, 1)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	month, step := s.staffMonth(r), q.Get("step")
	if step == "" {
		step = usage.StepWarn // the first step the terms ask (fo.av.12.4)
	}
	switch step {
	case usage.StepWarn, usage.StepLimit, usage.StepBlock, usage.StepConvert:
	default:
		return accounts.ErrNotFound
	}
	pg.Title, pg.Nav = pg.T("usage.step_title."+step), "usage"
	base := "/staff/usage/" + strconv.FormatInt(id, 10)
	fields := []field{{Name: "note", Label: "usage.note", Type: "textarea", Max: 2000, Hint: "usage.note_hint"}}
	if step == usage.StepConvert {
		fields = append(fields, field{Name: "plan_id", Label: "usage.plan_id", Type: "number", Mode: "numeric", Required: true, Hint: "usage.plan_id_hint"})
	}
	pg.Data = confirmView{Question: pg.T("usage.step_question."+step, su.Service.Name, pg.MonthName(month)),
		Details: []string{pg.T("usage.step_detail")},
		Action:  base + "/fair-use?" + url.Values{"month": {month}, "step": {step}}.Encode(),
		Submit:  "usage.step." + step, Cancel: "/staff/usage?month=" + month, Danger: step != usage.StepWarn,
		Sets: []fieldset{{Fields: fields}}}
	s.render(w, status, "confirm", pg)
	return nil
}

func (s *server) fairUseAct(r *http.Request, p *accounts.Principal, pg *page, f *form, id int64) (string, string, error) {
	q := r.URL.Query()
	in := usage.FairUseInput{ServiceID: id, Month: s.staffMonth(r), Step: q.Get("step"), Note: f.Get("note")}
	if in.Step == "" {
		in.Step = usage.StepWarn
	}
	if in.Step == usage.StepConvert {
		n, err := strconv.ParseInt(f.Get("plan_id"), 10, 64)
		if err != nil || n <= 0 {
			f.Errors["plan_id"] = pg.T("usage.plan_id_invalid")
			return "", "", nil
		}
		in.PlanID = n
	}
	if _, err := s.usage.FairUseStep(r.Context(), *p, in); err != nil {
		// The terms' refusals (no warning yet, not over the limit, a measure this
		// installation cannot take) are shown on the page, like a field error.
		var m i18n.Msg
		if errors.Is(err, usage.ErrWarnFirst) || errors.Is(err, usage.ErrNotOver) || errors.Is(err, usage.ErrNoMeasure) {
			if errors.As(err, &m) {
				f.Errors["note"] = m.In(pg.Lang)
				return "", "", nil
			}
		}
		return "", "", err
	}
	return "usage_step_taken", "/staff/usage/" + strconv.FormatInt(id, 10), nil
}
