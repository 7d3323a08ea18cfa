package usage

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// Row is one service's month in a report.
type Row struct {
	ServiceID int64  `json:"service_id"`
	OrgID     int64  `json:"org_id"`
	Name      string `json:"name"`
	Traffic   int64  `json:"traffic_bytes"`
	Storage   int64  `json:"storage_bytes"`
}

// Candidate is a service above the fair-use limit of its plan (fo.av.12.3).
type Candidate struct {
	Row
	Verdict     terms.FairUseVerdict `json:"verdict"`
	Explanation terms.Explanation    `json:"explanation"`
	Steps       []string             `json:"steps"` // fair-use steps already taken this month
}

// PlanReport is one plan's month: its heaviest users and, under a fair-use policy, the
// services above it.
type PlanReport struct {
	PlanID     int64       `json:"plan_id"`
	PlanName   string      `json:"plan_name"`
	Services   int         `json:"services"`
	Heaviest   []Row       `json:"heaviest"`
	Candidates []Candidate `json:"candidates,omitempty"`
}

// heaviestPerPlan is how many of a plan's heaviest users the report shows.
const heaviestPerPlan = 5

// planRows reads the month's traffic and storage of the running services on every plan
// (or one plan), per plan. Services without samples in the month are left out: no
// figure is not a figure of zero.
func planRows(ctx context.Context, q store.Querier, month string, planID int64) (map[int64][]Row, map[int64]string, error) {
	where := ""
	args := []any{month}
	if planID != 0 {
		where = ` AND s.plan_id = $2`
		args = append(args, planID)
	}
	rows, err := q.QueryContext(ctx, `SELECT s.plan_id, s.plan_name, s.service_id, s.org_id, s.name, m.metric, m.amount
		FROM usage_services s JOIN usage_months m ON m.service_id = s.service_id AND m.month = $1
		WHERE s.active`+where+` ORDER BY s.plan_id, s.service_id`, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	out := map[int64][]Row{}
	names := map[int64]string{}
	for rows.Next() {
		var plan, id, org, amount int64
		var pname, name string
		var metric Metric
		if err := rows.Scan(&plan, &pname, &id, &org, &name, &metric, &amount); err != nil {
			return nil, nil, err
		}
		names[plan] = pname
		rs := out[plan]
		if len(rs) == 0 || rs[len(rs)-1].ServiceID != id {
			rs = append(rs, Row{ServiceID: id, OrgID: org, Name: name})
		}
		r := &rs[len(rs)-1]
		if slices.Contains(trafficMetrics, metric) {
			r.Traffic += amount
		}
		if metric == Disk {
			r.Storage = amount
		}
		out[plan] = rs
	}
	return out, names, rows.Err()
}

// Report is the staff's view of a month (usage.manage): per plan the heaviest users
// by traffic and, where the pack has a fair-use policy (fo.av.12.3), the candidates
// above it with the explanation.
func (s *Service) Report(ctx context.Context, by accounts.Principal, month string) ([]PlanReport, error) {
	if err := by.Check(accounts.UsageManage, accounts.Provider); err != nil {
		return nil, err
	}
	if _, err := monthStart(month); err != nil {
		return nil, accounts.FieldErrors{"month": i18n.T("usage.err.month")}
	}
	pol, err := s.policy(s.now())
	if err != nil {
		return nil, err
	}
	plans, names, err := planRows(ctx, s.db, month, 0)
	if err != nil {
		return nil, err
	}
	steps, err := s.stepsOf(ctx, month)
	if err != nil {
		return nil, err
	}
	var out []PlanReport
	for plan, rows := range plans {
		pr := PlanReport{PlanID: plan, PlanName: names[plan], Services: len(rows)}
		if pol.Terms.Usage.FairUse.Enabled {
			for _, r := range rows {
				c, over, err := fairUseOf(pol, r, rows)
				if err != nil {
					return nil, err
				}
				if over {
					c.Steps = steps[r.ServiceID]
					pr.Candidates = append(pr.Candidates, c)
				}
			}
		}
		sorted := slices.Clone(rows)
		slices.SortFunc(sorted, func(a, b Row) int {
			return cmp.Or(cmp.Compare(b.Traffic, a.Traffic), cmp.Compare(a.ServiceID, b.ServiceID))
		})
		pr.Heaviest = sorted[:min(heaviestPerPlan, len(sorted))]
		out = append(out, pr)
	}
	slices.SortFunc(out, func(a, b PlanReport) int {
		return cmp.Or(strings.Compare(a.PlanName, b.PlanName), cmp.Compare(a.PlanID, b.PlanID))
	})
	return out, nil
}

// fairUseOf applies the fair-use test to r against the other services of its plan
// (A20: the mean of the other active customers on the same plan).
func fairUseOf(pol *terms.Policy, r Row, plan []Row) (Candidate, bool, error) {
	peers := make([]*big.Rat, 0, len(plan))
	for _, p := range plan {
		if p.ServiceID != r.ServiceID {
			peers = append(peers, terms.GB(p.Traffic))
		}
	}
	v, ex, err := pol.FairUseAmounts(terms.GB(r.Traffic), peers)
	if err != nil {
		return Candidate{}, false, err
	}
	return Candidate{Row: r, Verdict: v, Explanation: ex}, v.OverLimit, nil
}

func (s *Service) stepsOf(ctx context.Context, month string) (map[int64][]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT service_id, step FROM usage_fairuse WHERE month = $1 ORDER BY id`, month)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]string{}
	for rows.Next() {
		var id int64
		var step string
		if err := rows.Scan(&id, &step); err != nil {
			return nil, err
		}
		out[id] = append(out[id], step)
	}
	return out, rows.Err()
}

// Fair-use steps (fo.av.12.4).
const (
	StepWarn    = "warn"
	StepLimit   = "limit"
	StepBlock   = "block"
	StepConvert = "convert"
)

// Evidence is the snapshot a fair-use step keeps: the figures as they were when staff
// decided, so a later sample does not change what the decision rested on.
type Evidence struct {
	Month   string               `json:"month"`
	Service Row                  `json:"service"`
	Peers   []Row                `json:"peers"`
	Verdict terms.FairUseVerdict `json:"verdict"`
	Warned  []int64              `json:"warned,omitempty"` // ids of the warnings before a measure
}

// FairUseInput is a staff decision.
type FairUseInput struct {
	ServiceID int64  `json:"service_id"`
	Month     string `json:"month"`
	Step      string `json:"step"`
	Note      string `json:"note"`
	PlanID    int64  `json:"plan_id,omitempty"` // convert: the plan to move to
}

// Errors of fair-use steps, with message keys.
var (
	ErrNotOver   error = &usageErr{"usage.err.not_over"}
	ErrWarnFirst error = &usageErr{"usage.err.warn_first"}
	ErrNoMeasure error = &usageErr{"usage.err.no_measure"}
)

type usageErr struct{ key string }

func (e *usageErr) Error() string { return i18n.T(e.key).Error() }

// As lets i18n.From find the message.
func (e *usageErr) As(target any) bool {
	if m, ok := target.(*i18n.Msg); ok {
		*m = i18n.T(e.key)
		return true
	}
	return false
}

// FairUseStep takes one fair-use step for a service's month (usage.manage): a warning,
// or after at least the pack's number of warnings (fo.av.12.4) a conversion to another
// plan, a limit, or a block through provisioning. The fair-use test is made again at
// the moment of the decision and its figures are kept with it as evidence. Each step
// is once per service and month (a unique key); the customer is told by mail.
func (s *Service) FairUseStep(ctx context.Context, by accounts.Principal, in FairUseInput) (int64, error) {
	if err := by.Check(accounts.UsageManage, accounts.Provider); err != nil {
		return 0, err
	}
	fe := accounts.FieldErrors{}
	if !slices.Contains([]string{StepWarn, StepLimit, StepBlock, StepConvert}, in.Step) {
		fe["step"] = i18n.T("usage.err.step")
	}
	if _, err := monthStart(in.Month); err != nil {
		fe["month"] = i18n.T("usage.err.month")
	}
	in.Note = strings.TrimSpace(in.Note)
	if len(in.Note) > 2000 {
		fe["note"] = i18n.T("usage.err.note")
	}
	if in.Step == StepConvert && in.PlanID <= 0 {
		fe["plan_id"] = i18n.T("usage.err.plan")
	}
	if len(fe) > 0 {
		return 0, fe
	}
	pol, err := s.policy(s.now())
	if err != nil {
		return 0, err
	}
	if !pol.Terms.Usage.FairUse.Enabled {
		return 0, ErrNoMeasure
	}
	var m Metered
	var mode string
	err = scanMetered(s.db.QueryRowContext(ctx, `SELECT service_id, org_id, subscription_id, plan_id, plan_name, kind, name, active, storage_limit_mb, traffic_limit_gb, overage_mode
		FROM usage_services WHERE service_id = $1`, in.ServiceID), &m, &mode)
	if errors.Is(err, errNoRows) {
		return 0, accounts.ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	plans, _, err := planRows(ctx, s.db, in.Month, m.PlanID)
	if err != nil {
		return 0, err
	}
	rows := plans[m.PlanID]
	i := slices.IndexFunc(rows, func(r Row) bool { return r.ServiceID == m.ServiceID })
	if i < 0 {
		return 0, ErrNotOver
	}
	c, over, err := fairUseOf(pol, rows[i], rows)
	if err != nil {
		return 0, err
	}
	if !over {
		return 0, ErrNotOver
	}
	ev := Evidence{Month: in.Month, Service: rows[i], Verdict: c.Verdict}
	for _, r := range rows {
		if r.ServiceID != m.ServiceID {
			ev.Peers = append(ev.Peers, r)
		}
	}
	ctx = actorFor(ctx, by)
	var id int64
	err = s.db.InTx(ctx, func(q store.Querier) error {
		if in.Step != StepWarn {
			wr, err := q.QueryContext(ctx, `SELECT id FROM usage_fairuse WHERE service_id = $1 AND step = 'warn' ORDER BY id`, m.ServiceID)
			if err != nil {
				return err
			}
			for wr.Next() {
				var w int64
				if err := wr.Scan(&w); err != nil {
					wr.Close()
					return err
				}
				ev.Warned = append(ev.Warned, w)
			}
			wr.Close()
			if len(ev.Warned) < pol.FairUseWarnings() || len(ev.Warned) == 0 {
				return ErrWarnFirst
			}
		}
		now := s.now()
		err := q.QueryRowContext(ctx, `INSERT INTO usage_fairuse (service_id, org_id, month, step, note, evidence, explanation, decided_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (service_id, month, step) DO NOTHING RETURNING id`,
			m.ServiceID, m.OrgID, in.Month, in.Step, in.Note, mustJSON(ev), exJSON(c.Explanation), by.User.Email, now).Scan(&id)
		if errors.Is(err, errNoRows) {
			return nil // taken before: nothing more
		}
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, q, now, audit.Change{OrgID: m.OrgID, Action: "usage.fair_use_" + in.Step, ObjectKind: "usage_fairuse",
			ObjectID: fmt.Sprint(id), Summary: fmt.Sprintf("%s for %s (%s): %s GB in %s, fair-use limit %s GB (%s); %s", in.Step, m.Name, m.PlanName,
				terms.GB(ev.Service.Traffic).FloatString(2), in.Month, c.Verdict.Limit, terms.ClauseRef(pol.Terms.Usage.FairUse.Clauses), in.Note)}); err != nil {
			return err
		}
		return s.mailFairUse(ctx, q, id, m, in, c.Verdict, pol)
	})
	if err != nil || id == 0 {
		return id, err
	}
	// The measure itself, through the service that owns it, after the decision and its
	// evidence are recorded; a failure leaves the decision for staff to carry out.
	switch in.Step {
	case StepBlock:
		if s.d.Measures == nil {
			return id, ErrNoMeasure
		}
		return id, s.d.Measures.Block(ctx, by, m.ServiceID, fmt.Sprintf("fair use %s (%s)", in.Month, terms.ClauseRef(pol.Terms.Usage.FairUse.Clauses)))
	case StepConvert:
		if s.d.Measures == nil {
			return id, ErrNoMeasure
		}
		return id, s.d.Measures.Convert(ctx, by, m.SubscriptionID, in.PlanID)
	}
	return id, nil
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// The fair-use mails: %[1]s the service, %[2]s the month, %[3]s used GB, %[4]s the
// limit, %[5]s the mean, %[6]s the peers, %[7]s the clauses, %[8]s the provider,
// %[9]s the link.
var fairUseTexts = map[string]map[string][2]string{
	"nl": {
		StepWarn: {"Waarschuwing: redelijk gebruik van %[1]s",
			"Beste klant,\n\nIn %[2]s gebruikte %[1]s %[3]s GB dataverkeer. Redelijk gebruik is hoogstens twee keer het gemiddelde van de %[6]s andere actieve klanten op hetzelfde pakket (%[5]s GB): %[4]s GB.\n\nDit is de waarschuwing die de voorwaarden vragen (%[7]s). Blijft het gebruik boven de grens, dan kunnen wij het pakket omzetten naar een passend pakket, of de dienst beperken of blokkeren.\n\nHet verloop per maand: %[9]s\n\nMet vriendelijke groet,\n%[8]s\n"},
		StepLimit: {"%[1]s wordt beperkt wegens gebruik boven redelijk gebruik",
			"Beste klant,\n\nNa onze eerdere waarschuwing lag het gebruik van %[1]s in %[2]s met %[3]s GB nog steeds boven de grens voor redelijk gebruik van %[4]s GB. Daarom beperken wij de dienst (%[7]s).\n\nHet verloop per maand: %[9]s\n\nMet vriendelijke groet,\n%[8]s\n"},
		StepBlock: {"%[1]s is geblokkeerd wegens gebruik boven redelijk gebruik",
			"Beste klant,\n\nNa onze eerdere waarschuwing lag het gebruik van %[1]s in %[2]s met %[3]s GB nog steeds boven de grens voor redelijk gebruik van %[4]s GB. Daarom hebben wij de dienst geblokkeerd (%[7]s). Neem contact met ons op om dit op te lossen.\n\nMet vriendelijke groet,\n%[8]s\n"},
		StepConvert: {"%[1]s gaat over naar een passend pakket",
			"Beste klant,\n\nNa onze eerdere waarschuwing lag het gebruik van %[1]s in %[2]s met %[3]s GB nog steeds boven de grens voor redelijk gebruik van %[4]s GB. Daarom zetten wij het abonnement om naar een pakket dat bij dit gebruik past (%[7]s).\n\nMet vriendelijke groet,\n%[8]s\n"},
	},
	"en": {
		StepWarn: {"Warning: fair use of %[1]s",
			"Dear customer,\n\nIn %[2]s %[1]s used %[3]s GB of data traffic. Fair use is at most twice the mean of the %[6]s other active customers on the same plan (%[5]s GB): %[4]s GB.\n\nThis is the warning the terms require (%[7]s). If usage stays above the limit we may convert the plan to one that fits, or limit or block the service.\n\nThe figures per month: %[9]s\n\nKind regards,\n%[8]s\n"},
		StepLimit: {"%[1]s is limited for usage above fair use",
			"Dear customer,\n\nAfter our earlier warning the usage of %[1]s in %[2]s, %[3]s GB, was still above the fair-use limit of %[4]s GB. We therefore limit the service (%[7]s).\n\nThe figures per month: %[9]s\n\nKind regards,\n%[8]s\n"},
		StepBlock: {"%[1]s is blocked for usage above fair use",
			"Dear customer,\n\nAfter our earlier warning the usage of %[1]s in %[2]s, %[3]s GB, was still above the fair-use limit of %[4]s GB. We have therefore blocked the service (%[7]s). Please contact us to resolve this.\n\nKind regards,\n%[8]s\n"},
		StepConvert: {"%[1]s moves to a plan that fits its usage",
			"Dear customer,\n\nAfter our earlier warning the usage of %[1]s in %[2]s, %[3]s GB, was still above the fair-use limit of %[4]s GB. We therefore convert the subscription to a plan that fits this usage (%[7]s).\n\nKind regards,\n%[8]s\n"},
	},
}

func (s *Service) mailFairUse(ctx context.Context, q store.Querier, id int64, m Metered, in FairUseInput, v terms.FairUseVerdict, pol *terms.Policy) error {
	if s.d.Customers == nil {
		return nil
	}
	to, err := s.d.Customers.Contact(ctx, q, m.OrgID)
	if err != nil || to.Email == "" {
		return err
	}
	lang := to.Lang
	if _, ok := fairUseTexts[lang]; !ok {
		lang = "nl"
	}
	t := fairUseTexts[lang][in.Step]
	f, err := monthFigures(ctx, q, m.ServiceID, in.Month)
	if err != nil {
		return err
	}
	args := []any{m.Name, monthWords(lang, in.Month), decimalIn(lang, terms.GB(f.Traffic).FloatString(2)), decimalIn(lang, v.Limit),
		decimalIn(lang, v.Mean), v.Peers, terms.ClauseRef(pol.Terms.Usage.FairUse.Clauses), s.d.Provider,
		fmt.Sprintf("%s/portal/usage/%d", s.d.BaseURL, m.ServiceID)}
	_, err = notify.Enqueue(ctx, q, s.now(), notify.Message{DedupeKey: fmt.Sprintf("usage-fairuse:%d", id), OrgID: m.OrgID, To: to.Email, ToName: to.Name,
		Lang: lang, Subject: fmt.Sprintf(t[0], args...), Text: fmt.Sprintf(t[1], args...)})
	if errors.Is(err, notify.ErrDuplicate) {
		return nil
	}
	return err
}
