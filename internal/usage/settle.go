package usage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// settleAfterDays: a month is settled this many days into the next one, so that
// samples measured in its last hours and delivered late still count. A provider
// default; the terms name no day (cp.av.9.1 reviews "each month").
const settleAfterDays = 1

// SettleJob returns the job that prices last month's usage above the plan (cp).
func (s *Service) SettleJob() jobs.Job {
	return jobs.Job{Name: "usage.settle", Every: time.Hour, Run: func(ctx context.Context, now time.Time) error {
		_, err := s.Settle(ctx, now)
		return err
	}}
}

// Settle prices, for every service with a limit, the usage above its plan in the
// months that are over (from settleAfterDays into the next month): under a pack or a
// customer's choice to bill, a usage charge at the published price per GB
// (cp.av.5.11, cp.av.9.4), which the next billing run invoices. The charge keeps the
// month's figures and the explanation. One charge per service, month and resource
// (a unique key): running again, or after a crash, adds nothing. Under a pack or a
// customer's choice to raise the plan, the plan is raised instead (raiseOne,
// cp.av.9.1).
func (s *Service) Settle(ctx context.Context, now time.Time) (int, error) {
	ctx = audit.JobContext(ctx, "usage.settle")
	// Every sample delivered counts, whether or not the fold job has run since.
	if _, err := s.Fold(ctx, 0); err != nil {
		return 0, err
	}
	month := SettledMonth(now)
	pol, err := s.policy(now)
	if err != nil {
		return 0, err
	}
	u := pol.Terms.Usage
	if u.OverageMode != "bill" && u.OverageMode != "raise" && !u.CustomerChoosesMode {
		return 0, nil // fo: fair use, decided by staff (fo.av.12.4)
	}
	n := 0
	var after int64
	for {
		ms, err := s.limitedServices(ctx, after, 500)
		if err != nil {
			return n, err
		}
		for _, m := range ms {
			after = m.ServiceID
			if m.mode == "raise" || m.mode == "" && u.OverageMode == "raise" {
				// The plan is raised instead (cp.av.9.1); with no plan to raise to,
				// the usage is billed at the published price (cp.av.9.4).
				k, handled, err := s.raiseOne(ctx, pol, m.Metered, month, now)
				if err != nil {
					return n, err
				}
				n += k
				if handled {
					continue
				}
			}
			k, err := s.settleOne(ctx, pol, m.Metered, month, now)
			if err != nil {
				return n, err
			}
			n += k
		}
		if len(ms) < 500 {
			return n, nil
		}
	}
}

// SettledMonth is the last month Settle prices at now: the month before the one
// settleAfterDays ago.
func SettledMonth(now time.Time) string {
	d := now.In(clock.Amsterdam).AddDate(0, 0, -settleAfterDays)
	return MonthOf(time.Date(d.Year(), d.Month(), 1, 12, 0, 0, 0, clock.Amsterdam).AddDate(0, -1, 0))
}

type limited struct {
	Metered
	mode string
}

func (s *Service) limitedServices(ctx context.Context, after int64, n int) ([]limited, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT service_id, org_id, subscription_id, plan_id, plan_name, kind, name, active, storage_limit_mb, traffic_limit_gb, overage_mode
		FROM usage_services WHERE service_id > $1 AND (storage_limit_mb IS NOT NULL OR traffic_limit_gb IS NOT NULL) ORDER BY service_id LIMIT $2`, after, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []limited
	for rows.Next() {
		var l limited
		if err := scanMetered(rows, &l.Metered, &l.mode); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

func scanMetered(r interface{ Scan(...any) error }, m *Metered, mode *string) error {
	return r.Scan(&m.ServiceID, &m.OrgID, &m.SubscriptionID, &m.PlanID, &m.PlanName, &m.Kind, &m.Name, &m.Active, &m.StorageMB, &m.TrafficGB, mode)
}

func (s *Service) settleOne(ctx context.Context, pol *terms.Policy, m Metered, month string, now time.Time) (int, error) {
	n := 0
	err := s.db.InTx(ctx, func(q store.Querier) error {
		f, err := monthFigures(ctx, q, m.ServiceID, month)
		if err != nil || f.Samples == 0 {
			return err
		}
		for _, r := range []string{terms.ResourceTraffic, terms.ResourceStorage} {
			in := usageInput(m, f, r)
			if in.Unlimited || in.Used <= in.Limit {
				continue
			}
			ov, ex, err := pol.OverageCharge(in)
			if err != nil {
				return err
			}
			desc := fmt.Sprintf("%s: %s %s, %s GB above %s GB × %s/GB", m.Name, resourceWords["en"][r], month, ov.OverGB,
				terms.GB(in.Limit).FloatString(0), ov.PricePerGB)
			var id int64
			err = q.QueryRowContext(ctx, `INSERT INTO usage_charges (service_id, org_id, subscription_id, month, resource, used, limit_bytes, amount,
				description, explanation, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
				ON CONFLICT (service_id, month, resource) DO NOTHING RETURNING id`,
				m.ServiceID, m.OrgID, m.SubscriptionID, month, r, in.Used, in.Limit, ov.Amount, desc, exJSON(ex), store.Now(now)).Scan(&id)
			if errors.Is(err, errNoRows) {
				continue
			}
			if err != nil {
				return err
			}
			n++
			if err := audit.Record(ctx, q, store.Now(now), audit.Change{OrgID: m.OrgID, Action: "usage.overage", ObjectKind: "usage_charge",
				ObjectID: fmt.Sprint(id), Summary: fmt.Sprintf("%s: %s to bill on the next invoice", desc, ov.Amount)}); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// OpenUsageLines gives billing the usage charges not yet invoiced
// (billing.UsageLines).
func (s *Service) OpenUsageLines(ctx context.Context, q store.Querier) ([]billing.UsageLine, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, org_id, subscription_id, description, amount, explanation FROM usage_charges
		WHERE status = 'open' ORDER BY org_id, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []billing.UsageLine
	for rows.Next() {
		var l billing.UsageLine
		var ex string
		if err := rows.Scan(&l.ID, &l.OrgID, &l.SubscriptionID, &l.Description, &l.Amount, &ex); err != nil {
			return nil, err
		}
		if err := store.DecodeJSON("usage_charges", "explanation", ex, &l.Explanation); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// MarkUsageLineInvoiced records, in the invoice's transaction, that a charge is
// invoiced (billing.UsageLines).
func (s *Service) MarkUsageLineInvoiced(ctx context.Context, q store.Querier, id int64) error {
	_, err := q.ExecContext(ctx, `UPDATE usage_charges SET status = 'invoiced' WHERE id = $1 AND status = 'open'`, id)
	return err
}

// Charge is a usage charge as customers and staff see it.
type Charge struct {
	ID          int64             `json:"id"`
	ServiceID   int64             `json:"service_id"`
	Month       string            `json:"month"`
	Resource    string            `json:"resource"`
	Used        int64             `json:"used_bytes"`
	Limit       int64             `json:"limit_bytes"`
	Amount      terms.Money       `json:"amount"`
	Description string            `json:"description"`
	Status      string            `json:"status"`
	Explanation terms.Explanation `json:"explanation"`
}

// Warning is a warning sent.
type Warning struct {
	ID        int64     `json:"id"`
	ServiceID int64     `json:"service_id"`
	Month     string    `json:"month"`
	Resource  string    `json:"resource"`
	Threshold int       `json:"threshold"`
	Used      int64     `json:"used_bytes"`
	Limit     int64     `json:"limit_bytes"`
	CreatedAt time.Time `json:"created_at"`
}
