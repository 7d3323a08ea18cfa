package privacy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// Retention: the schedule of INTERPRETATION.md ("Retention") applied by one job. Each
// RetentionSource lists the objects of one rule with the day that starts the pack's
// retention period (terms.Policy.Retention, with its clause); the job deletes or
// anonymises what is past its period unless a legal hold names the customer or the
// case, records each step once (privacy_retention_done) and audits it without the
// content. Rules another package already carries out (the provisioning deletion
// schedule, the monitor's result retention) appear in the plan as links, so that the
// plan is the whole schedule while nothing is done twice.

// Retention actions.
const (
	ActionDelete    = "delete"
	ActionAnonymise = "anonymise"
	ActionElsewhere = "elsewhere" // carried out by another package's job (Link says which)
)

// Candidate is an object a source offers: its id, the customer it belongs to, and the
// day its retention period starts.
type Candidate struct {
	ID    string
	OrgID int64
	From  terms.Date
}

// RetentionSource is one rule of the schedule.
type RetentionSource struct {
	// Rule is the pack's retention category (terms.Policy.Retention).
	Rule   string
	Kind   string // the object kind, also the case prefix of a legal hold ("kind:id")
	Action string
	// Link, for ActionElsewhere, says which job carries the rule out.
	Link string
	// Candidates lists the objects not yet handled whose period started on or before
	// until (for the plan) — read in q.
	Candidates func(ctx context.Context, q store.Querier, until terms.Date) ([]Candidate, error)
	// Apply deletes or anonymises one object in q, the job's transaction.
	Apply func(ctx context.Context, q store.Querier, id string) error
}

// PlanItem is one step of the retention plan.
type PlanItem struct {
	Rule        string            `json:"rule"`
	Clauses     string            `json:"clauses"`
	Kind        string            `json:"kind"`
	ID          string            `json:"id,omitempty"`
	OrgID       int64             `json:"org_id,omitempty"`
	Action      string            `json:"action"`
	From        terms.Date        `json:"from,omitzero"`
	Due         terms.Date        `json:"due,omitzero"` // the first day it may no longer be kept
	Held        string            `json:"held,omitempty"`
	Link        string            `json:"link,omitempty"`
	Explanation terms.Explanation `json:"explanation,omitempty"`
}

// Hold is a legal hold on a customer or a case.
type Hold struct {
	ID       int64     `json:"id"`
	OrgID    int64     `json:"org_id,omitempty"`
	CaseRef  string    `json:"case_ref,omitempty"`
	Reason   string    `json:"reason"`
	PlacedAt time.Time `json:"placed_at"`
}

// PlaceHold stops deletion for a customer (orgID) or a case (caseRef "kind:id") until
// lifted, with its reason.
func (s *Service) PlaceHold(ctx context.Context, by accounts.Principal, orgID int64, caseRef, reason string) (int64, error) {
	if err := by.Check(accounts.PrivacyManage, accounts.Provider); err != nil {
		return 0, err
	}
	reason, caseRef = strings.TrimSpace(reason), strings.TrimSpace(caseRef)
	if reason == "" || len(reason) > 2000 {
		return 0, invalid("reason", "privacy.give_hold_reason")
	}
	if (orgID == 0) == (caseRef == "") || len(caseRef) > 200 {
		return 0, invalid("org_id", "privacy.hold_customer_or_case")
	}
	ctx = actorFor(ctx, by)
	var id int64
	err := s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		if err := q.QueryRowContext(ctx, `INSERT INTO privacy_holds (org_id, case_ref, reason, placed_by, placed_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			orgID, caseRef, reason, by.User.ID, now).Scan(&id); err != nil {
			return err
		}
		return record(ctx, q, now, orgID, "privacy.hold", "legal_hold", id, fmt.Sprintf("legal hold placed on %s: %s", holdTarget(orgID, caseRef), reason))
	})
	return id, err
}

func holdTarget(orgID int64, caseRef string) string {
	if caseRef != "" {
		return "case " + caseRef
	}
	return fmt.Sprintf("customer %d", orgID)
}

// LiftHold ends a legal hold.
func (s *Service) LiftHold(ctx context.Context, by accounts.Principal, id int64) error {
	if err := by.Check(accounts.PrivacyManage, accounts.Provider); err != nil {
		return err
	}
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		var orgID int64
		err := q.QueryRowContext(ctx, `UPDATE privacy_holds SET lifted_at = $1, lifted_by = $2 WHERE id = $3 AND lifted_at IS NULL RETURNING org_id`, now, by.User.ID, id).Scan(&orgID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		return record(ctx, q, now, orgID, "privacy.hold_lift", "legal_hold", id, "legal hold lifted")
	})
}

// Holds lists the holds in force.
func (s *Service) Holds(ctx context.Context, q store.Querier) ([]Hold, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, org_id, case_ref, reason, placed_at FROM privacy_holds WHERE lifted_at IS NULL ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Hold
	for rows.Next() {
		var h Hold
		if err := rows.Scan(&h.ID, &h.OrgID, &h.CaseRef, &h.Reason, &h.PlacedAt); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

func heldBy(holds []Hold, orgID int64, kind, id string) string {
	for _, h := range holds {
		if (h.OrgID != 0 && h.OrgID == orgID) || (h.CaseRef != "" && h.CaseRef == kind+":"+id) {
			return h.Reason
		}
	}
	return ""
}

// RetentionPlan lists what the job will delete or anonymise up to horizon, with the
// rule, its clauses and the day; held objects carry the hold's reason. Staff with
// privacy.read (the CLI runs as the system: PlanAsSystem).
func (s *Service) RetentionPlan(ctx context.Context, by accounts.Principal, horizon terms.Date) ([]PlanItem, error) {
	if err := by.Check(accounts.PrivacyRead, accounts.Provider); err != nil {
		return nil, err
	}
	return s.plan(ctx, s.db, horizon)
}

// PlanAsSystem is RetentionPlan for the command line, which has no principal.
func (s *Service) PlanAsSystem(ctx context.Context, horizon terms.Date) ([]PlanItem, error) {
	return s.plan(ctx, s.db, horizon)
}

func (s *Service) plan(ctx context.Context, q store.Querier, horizon terms.Date) ([]PlanItem, error) {
	pol, err := s.policy()
	if err != nil {
		return nil, err
	}
	holds, err := s.Holds(ctx, q)
	if err != nil {
		return nil, err
	}
	var out []PlanItem
	for _, src := range s.d.Retention {
		rt, ok := pol.Terms.Retention[src.Rule]
		if !ok {
			out = append(out, PlanItem{Rule: src.Rule, Kind: src.Kind, Action: src.Action, Link: "not in this pack's retention schedule"})
			continue
		}
		clauses := strings.Join(rt.Clauses, ", ")
		if rt.Basis != "" {
			clauses = strings.TrimPrefix(clauses+"; "+rt.Basis, "; ")
		}
		if src.Action == ActionElsewhere || src.Candidates == nil {
			out = append(out, PlanItem{Rule: src.Rule, Clauses: clauses, Kind: src.Kind, Action: src.Action, Link: src.Link})
			continue
		}
		// Objects whose period started up to this far before the horizon are due by it.
		start := backBy(rt.Period, horizon)
		cands, err := src.Candidates(ctx, q, start)
		if err != nil {
			return nil, fmt.Errorf("privacy: retention %s: %w", src.Rule, err)
		}
		for _, c := range cands {
			r, ex, err := pol.Retention(src.Rule, c.From)
			if err != nil {
				return nil, err
			}
			due := r.Until.AddDays(1)
			if due.After(horizon) {
				continue
			}
			out = append(out, PlanItem{Rule: src.Rule, Clauses: clauses, Kind: src.Kind, ID: c.ID, OrgID: c.OrgID, Action: src.Action,
				From: c.From, Due: due, Held: heldBy(holds, c.OrgID, src.Kind, c.ID), Explanation: ex})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Due != out[j].Due {
			return out[i].Due.Before(out[j].Due)
		}
		return out[i].Rule < out[j].Rule
	})
	return out, nil
}

// backBy is a conservative lower bound of the period's start for objects due by d:
// the candidates query needs only "started on or before"; the exact due day is the
// pack's rule per object.
func backBy(p terms.Period, d terms.Date) terms.Date {
	switch p.Unit {
	case terms.Years:
		return d.AddDays(-365 * p.N)
	case terms.Months:
		return d.AddDays(-28 * p.N)
	case terms.Weeks:
		return d.AddDays(-7 * p.N)
	default:
		return d.AddDays(-p.N)
	}
}

// RetentionJob applies the schedule once a day.
func (s *Service) RetentionJob() jobs.Job {
	return jobs.Job{Name: "privacy.retention", Every: time.Hour, Run: s.ApplyRetention}
}

// ApplyRetention deletes or anonymises everything due today, one object per
// transaction with its done-row and its audit entry, so that a crash half-way leaves
// every object either fully handled and recorded or untouched.
func (s *Service) ApplyRetention(ctx context.Context, _ time.Time) error {
	ctx = audit.JobContext(ctx, "privacy.retention")
	today := terms.DateIn(s.clk.Now(), clock.Amsterdam)
	items, err := s.plan(ctx, s.db, today)
	if err != nil {
		return err
	}
	for _, it := range items {
		if it.Held != "" || it.ID == "" || it.Action == ActionElsewhere {
			continue
		}
		var src RetentionSource
		for _, r := range s.d.Retention {
			if r.Rule == it.Rule && r.Kind == it.Kind {
				src = r
			}
		}
		if src.Apply == nil {
			continue
		}
		if err := s.fail("retention.before:" + it.Kind + ":" + it.ID); err != nil {
			return err
		}
		err := s.db.InTx(ctx, func(q store.Querier) error {
			now := s.now()
			res, err := q.ExecContext(ctx, `INSERT INTO privacy_retention_done (rule, object_kind, object_id, action, due_on, done_at)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (rule, object_kind, object_id) DO NOTHING`, it.Rule, it.Kind, it.ID, it.Action, it.Due.String(), now)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // done by an earlier run
			}
			if err := src.Apply(ctx, q, it.ID); err != nil {
				return fmt.Errorf("privacy: retention %s %s %s: %w", it.Rule, it.Kind, it.ID, err)
			}
			// The audit entry names the object and the rule, never what was removed.
			return record(ctx, q, now, it.OrgID, "privacy.retention", it.Kind, it.ID,
				fmt.Sprintf("%s under retention rule %s (%s), due %s", it.Action, it.Rule, it.Clauses, it.Due))
		})
		if err != nil {
			return err
		}
		if err := s.fail("retention.after:" + it.Kind + ":" + it.ID); err != nil {
			return err
		}
	}
	return nil
}

// NotDone is the condition a Candidates query adds so that handled objects are not
// offered again: "NOT EXISTS (…)" over privacy_retention_done for rule and kind, with
// the object's id column idCol (cast to text).
func NotDone(rule, kind, idCol string) string {
	return fmt.Sprintf(`NOT EXISTS (SELECT 1 FROM privacy_retention_done d WHERE d.rule = '%s' AND d.object_kind = '%s' AND d.object_id = CAST(%s AS TEXT))`, rule, kind, idCol)
}
