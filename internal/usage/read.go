package usage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/csvsafe"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// ServiceUsage is one service's months as the portal shows them.
type ServiceUsage struct {
	Service Metered `json:"service"`
	// Mode is the customer's choice for usage above the plan ("" the pack's).
	Mode       string    `json:"mode"`
	PackMode   string    `json:"pack_mode"`
	MayChoose  bool      `json:"may_choose"`
	Months     []Figures `json:"months"` // oldest first, every month of the window
	Warnings   []Warning `json:"warnings"`
	Charges    []Charge  `json:"charges"`
	FairUse    []Step    `json:"fair_use"`
	TrafficCap *int64    `json:"traffic_limit_bytes,omitempty"` // nil: no limit stated
	StorageCap *int64    `json:"storage_limit_bytes,omitempty"`
}

// Step is a fair-use step taken, with its evidence.
type Step struct {
	ID          int64             `json:"id"`
	Month       string            `json:"month"`
	Step        string            `json:"step"`
	Note        string            `json:"note,omitempty"`
	Evidence    Evidence          `json:"evidence"`
	Explanation terms.Explanation `json:"explanation"`
	DecidedBy   string            `json:"decided_by"`
	CreatedAt   time.Time         `json:"created_at"`
}

func (s *Service) metered(ctx context.Context, q store.Querier, id int64) (Metered, string, error) {
	var m Metered
	var mode string
	err := scanMetered(q.QueryRowContext(ctx, `SELECT service_id, org_id, subscription_id, plan_id, plan_name, kind, name, active, storage_limit_mb, traffic_limit_gb, overage_mode
		FROM usage_services WHERE service_id = $1`, id), &m, &mode)
	if errors.Is(err, errNoRows) {
		return m, "", accounts.ErrNotFound
	}
	return m, mode, err
}

// ServiceMonths returns a service's last n months up to and including the current one
// (usage.read: the customer's own, a reseller's customer's, or staff). A service of
// another organisation is accounts.ErrNotFound.
func (s *Service) ServiceMonths(ctx context.Context, by accounts.Principal, serviceID int64, n int) (ServiceUsage, error) {
	m, mode, err := s.metered(ctx, s.db, serviceID)
	if err != nil {
		return ServiceUsage{}, err
	}
	if err := by.Check(accounts.UsageRead, accounts.OrgID(m.OrgID)); err != nil {
		return ServiceUsage{}, err
	}
	n = min(max(n, 1), 36)
	now := s.clock.Now().In(time.UTC)
	pol, err := s.policy(now)
	if err != nil {
		return ServiceUsage{}, err
	}
	out := ServiceUsage{Service: m, Mode: mode, PackMode: pol.Terms.Usage.OverageMode, MayChoose: pol.Terms.Usage.CustomerChoosesMode}
	if m.TrafficGB != nil {
		v := *m.TrafficGB * terms.BytesPerGB
		out.TrafficCap = &v
	}
	if m.StorageMB != nil {
		v := *m.StorageMB * terms.BytesPerMB
		out.StorageCap = &v
	}
	cur, _ := monthStart(MonthOf(now))
	months := make([]string, n)
	for i := range n {
		months[i] = MonthOf(cur.AddDate(0, i-n+1, 0).Add(12 * time.Hour))
	}
	byMonth := map[string]*Figures{}
	for _, mo := range months {
		out.Months = append(out.Months, Figures{Month: mo, PerMetric: map[Metric]int64{}})
	}
	for i := range out.Months {
		byMonth[out.Months[i].Month] = &out.Months[i]
	}
	rows, err := s.db.QueryContext(ctx, `SELECT month, metric, amount, samples, resets FROM usage_months WHERE service_id = $1 AND month >= $2 ORDER BY month`, serviceID, months[0])
	if err != nil {
		return out, err
	}
	for rows.Next() {
		var mo string
		var metric Metric
		var amount, cnt, resets int64
		if err := rows.Scan(&mo, &metric, &amount, &cnt, &resets); err != nil {
			rows.Close()
			return out, err
		}
		if f := byMonth[mo]; f != nil {
			f.add(metric, amount, cnt, resets)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	if out.Warnings, err = s.warnings(ctx, serviceID); err != nil {
		return out, err
	}
	if out.Charges, err = s.charges(ctx, serviceID); err != nil {
		return out, err
	}
	out.FairUse, err = s.steps(ctx, serviceID)
	return out, err
}

func (s *Service) warnings(ctx context.Context, serviceID int64) ([]Warning, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, service_id, month, resource, threshold, used, limit_bytes, created_at FROM usage_warnings
		WHERE service_id = $1 ORDER BY id DESC LIMIT 50`, serviceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Warning
	for rows.Next() {
		var w Warning
		if err := rows.Scan(&w.ID, &w.ServiceID, &w.Month, &w.Resource, &w.Threshold, &w.Used, &w.Limit, &w.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

func (s *Service) charges(ctx context.Context, serviceID int64) ([]Charge, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, service_id, month, resource, used, limit_bytes, amount, description, status, explanation FROM usage_charges
		WHERE service_id = $1 ORDER BY id DESC LIMIT 50`, serviceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Charge
	for rows.Next() {
		var c Charge
		var ex string
		if err := rows.Scan(&c.ID, &c.ServiceID, &c.Month, &c.Resource, &c.Used, &c.Limit, &c.Amount, &c.Description, &c.Status, &ex); err != nil {
			return nil, err
		}
		if err := store.DecodeJSON("usage_charges", "explanation", ex, &c.Explanation); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s *Service) steps(ctx context.Context, serviceID int64) ([]Step, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, month, step, note, evidence, explanation, decided_by, created_at FROM usage_fairuse
		WHERE service_id = $1 ORDER BY id DESC LIMIT 50`, serviceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Step
	for rows.Next() {
		var st Step
		var ev, ex string
		if err := rows.Scan(&st.ID, &st.Month, &st.Step, &st.Note, &ev, &ex, &st.DecidedBy, &st.CreatedAt); err != nil {
			return nil, err
		}
		if err := store.DecodeJSON("usage_fairuse", "evidence", ev, &st.Evidence); err != nil {
			return nil, err
		}
		if err := store.DecodeJSON("usage_fairuse", "explanation", ex, &st.Explanation); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// OrgServices lists an organisation's metered services (usage.read).
func (s *Service) OrgServices(ctx context.Context, by accounts.Principal, orgID int64) ([]Metered, error) {
	if err := by.Check(accounts.UsageRead, accounts.OrgID(orgID)); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT service_id, org_id, subscription_id, plan_id, plan_name, kind, name, active, storage_limit_mb, traffic_limit_gb, overage_mode
		FROM usage_services WHERE org_id = $1 ORDER BY service_id LIMIT 500`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Metered
	for rows.Next() {
		var m Metered
		var mode string
		if err := scanMetered(rows, &m, &mode); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// SetMode records the customer's choice for usage above the plan where the pack lets
// them choose (cp.av.9.1, cp.av.9.4): "bill" at the published price or "raise" the
// plan. Needs the technical permission (plan.change) of the service's organisation.
func (s *Service) SetMode(ctx context.Context, by accounts.Principal, serviceID int64, mode string) error {
	m, _, err := s.metered(ctx, s.db, serviceID)
	if err != nil {
		return err
	}
	if err := by.Check(accounts.PlanChange, accounts.OrgID(m.OrgID)); err != nil {
		return err
	}
	pol, err := s.policy(s.now())
	if err != nil {
		return err
	}
	if !pol.Terms.Usage.CustomerChoosesMode || mode != "bill" && mode != "raise" && mode != "" {
		return accounts.FieldErrors{"mode": i18n.T("usage.err.mode")}
	}
	ctx = actorFor(ctx, by)
	cl := terms.ClauseRef(pol.Terms.Usage.Clauses)
	return s.db.InTx(ctx, func(q store.Querier) error {
		if _, err := q.ExecContext(ctx, `UPDATE usage_services SET overage_mode = $1 WHERE service_id = $2`, mode, serviceID); err != nil {
			return err
		}
		return audit.Record(ctx, q, s.now(), audit.Change{OrgID: m.OrgID, Action: "usage.mode", ObjectKind: "service", ObjectID: fmt.Sprint(serviceID),
			Summary: fmt.Sprintf("usage above the plan of %s: %q (%s)", m.Name, mode, cl)})
	})
}

// ExportCSV streams one month's figures of every metered service (usage.manage),
// reading in keyset pages so memory stays flat.
func (s *Service) ExportCSV(ctx context.Context, by accounts.Principal, month string, w io.Writer) error {
	if err := by.Check(accounts.UsageManage, accounts.Provider); err != nil {
		return err
	}
	if _, err := monthStart(month); err != nil {
		return accounts.FieldErrors{"month": i18n.T("usage.err.month")}
	}
	cw := csvsafe.NewWriter(w)
	head := []string{"month", "service_id", "org_id", "service", "plan", "traffic_bytes", "storage_bytes", "traffic_limit_gb", "storage_limit_mb"}
	for _, m := range Metrics {
		head = append(head, string(m))
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	var after int64
	for {
		n := 0
		rows, err := s.db.QueryContext(ctx, `SELECT s.service_id, s.org_id, s.name, s.plan_name, s.traffic_limit_gb, s.storage_limit_mb, m.metric, m.amount
			FROM usage_services s JOIN usage_months m ON m.service_id = s.service_id AND m.month = $1
			WHERE s.service_id IN (SELECT service_id FROM usage_services WHERE service_id > $2 ORDER BY service_id LIMIT 500)
			ORDER BY s.service_id`, month, after)
		if err != nil {
			return err
		}
		var cur []string
		var f Figures
		flush := func() error {
			if cur == nil {
				return nil
			}
			rec := append(cur[:5:5], fmt.Sprint(f.Traffic), fmt.Sprint(f.Storage), cur[5], cur[6])
			for _, m := range Metrics {
				if v, ok := f.PerMetric[m]; ok {
					rec = append(rec, fmt.Sprint(v))
				} else {
					rec = append(rec, "")
				}
			}
			return cw.Write(rec)
		}
		var last int64
		for rows.Next() {
			var id, org, amount int64
			var name, plan string
			var tl, sl *int64
			var metric Metric
			if err := rows.Scan(&id, &org, &name, &plan, &tl, &sl, &metric, &amount); err != nil {
				rows.Close()
				return err
			}
			if id != last {
				if err := flush(); err != nil {
					rows.Close()
					return err
				}
				cur = []string{month, fmt.Sprint(id), fmt.Sprint(org), name, plan, limitText(tl), limitText(sl)}
				f = Figures{PerMetric: map[Metric]int64{}}
				last = id
				n++
			}
			f.add(metric, amount, 0, 0)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if err := flush(); err != nil {
			return err
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		var more bool
		if err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM usage_services WHERE service_id > $1)`, max(after, last)).Scan(&more); err != nil {
			return err
		}
		if !more {
			return nil
		}
		// The next page starts after the last service of this page of services.
		if err := s.db.QueryRowContext(ctx, `SELECT MAX(service_id) FROM (SELECT service_id FROM usage_services WHERE service_id > $1 ORDER BY service_id LIMIT 500) p`, after).Scan(&after); err != nil {
			return err
		}
	}
}

// limitText writes a limit for the CSV: the number, or "unlimited".
func limitText(p *int64) string {
	if p == nil {
		return "unlimited"
	}
	return fmt.Sprint(*p)
}
