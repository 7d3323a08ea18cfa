package abuse

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/store"
)

// DeadlinesJob raises the desk's alerts: once per case and deadline, on the day it
// ends and after. A forwarded case whose customer did not answer in time goes to the
// staff decision (cp.ntd.2.3: without an answer the intermediary proceeds).
func (s *Service) DeadlinesJob() jobs.Job {
	return jobs.Job{Name: "abuse.deadlines", Every: time.Hour, Run: s.RunDeadlines}
}

// RunDeadlines is one run of DeadlinesJob. Each case is its own transaction: killed
// half way, the next run alerts the rest and none twice (abuse_alerts' key).
func (s *Service) RunDeadlines(ctx context.Context, _ time.Time) error {
	ctx = jobCtx(ctx, "abuse.deadlines")
	today := s.today()
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM abuse_cases WHERE due_on <> '' AND due_on <= $1 AND state <> $2 ORDER BY id`, today.String(), string(StateClosed))
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.fail("deadline"); err != nil {
			return err
		}
		err := s.db.InTx(ctx, func(q store.Querier) error {
			c, err := s.load(ctx, q, id, true)
			if err != nil || c.DueOn.IsZero() || c.State == StateClosed {
				return err
			}
			if c.State == StateForwarded && c.DueKind == "response" && today.After(c.DueOn) {
				if err := s.setState(ctx, q, &c, StateDeciding, ""); err != nil {
					return err
				}
				if err := s.event(ctx, q, id, "no_response", "staff", "desk", "the customer did not respond in time; staff decide"); err != nil {
					return err
				}
			}
			res, err := q.ExecContext(ctx, `INSERT INTO abuse_alerts (case_id, due_kind, due_on, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
				id, c.DueKind, c.DueOn.String(), s.now())
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil
			}
			process := map[string]string{"urgent": "ntd-urgent", "response": "ntd"}[c.DueKind]
			what := c.DueKind
			if pol, err := s.policy(); err == nil {
				if d, ok := pol.Terms.Deadlines[process]; ok {
					what = fmt.Sprintf("%s within %s (%s)", d.Meaning, d.Period.Words(), strings.Join(d.Clauses, ", "))
				}
			}
			if err := s.mail(ctx, q, &c, "staff", s.d.DeskEmail, "", "en", "alert", c.DueOn.String(), what, s.caseURL(id)); err != nil {
				return err
			}
			if err := s.event(ctx, q, id, "alert", "staff", "desk", fmt.Sprintf("deadline %s (%s)", c.DueOn, c.DueKind)); err != nil {
				return err
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
