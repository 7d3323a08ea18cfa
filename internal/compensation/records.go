package compensation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/sla"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// maintenanceReasons come from the status package, not from staff here
// (cp.sla.exclusions.1 is evidenced by the announcement itself).
var maintenanceReasons = []string{"maintenance-announced", "maintenance-emergency"}

// Exclusion is excluded time recorded by staff, with its evidence.
type Exclusion struct {
	ID             int64     `json:"id"`
	ServerID       int64     `json:"server_id,omitempty"`
	SubscriptionID int64     `json:"subscription_id,omitempty"`
	From           time.Time `json:"from"`
	To             time.Time `json:"to"`
	Reason         string    `json:"reason"`
	Evidence       string    `json:"evidence"`
	By             string    `json:"by"`
	At             time.Time `json:"at"`
}

// ExclusionInput is a new exclusion: for one server (every service on it) or one
// subscription.
type ExclusionInput struct {
	ServerID       int64
	SubscriptionID int64
	From, To       time.Time
	Reason         string
	Evidence       string
}

// RecordableReasons are the exclusion reasons staff may record under the terms in force
// now: the pack's sla.exclusions except maintenance.
func (s *Service) RecordableReasons() []string {
	pol, err := s.d.Pack.At(terms.DateIn(s.now(), clock.Amsterdam))
	if err != nil {
		pol = s.d.Pack.Latest()
	}
	var out []string
	for _, r := range sla.ExclusionReasons(pol) {
		if !slices.Contains(maintenanceReasons, r) {
			out = append(out, r)
		}
	}
	return out
}

func text(field, v string, max int) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > max {
		return "", invalid(field, "compensation.required_most_d_characters", max)
	}
	return v, nil
}

func span(from, to time.Time) error {
	if from.IsZero() || to.IsZero() || !to.After(from) {
		return invalid("to", "compensation.end_must_after_start")
	}
	return nil
}

// RecordExclusion records excluded time with its reason and evidence (SLAManage).
func (s *Service) RecordExclusion(ctx context.Context, by accounts.Principal, in ExclusionInput) (Exclusion, error) {
	if err := by.Check(accounts.SLAManage, accounts.Provider); err != nil {
		return Exclusion{}, err
	}
	if (in.ServerID > 0) == (in.SubscriptionID > 0) {
		return Exclusion{}, invalid("scope", "compensation.give_server_subscription")
	}
	if !slices.Contains(s.RecordableReasons(), in.Reason) {
		return Exclusion{}, invalid("reason", "compensation.must_one_s", strings.Join(s.RecordableReasons(), ", "))
	}
	if err := span(in.From, in.To); err != nil {
		return Exclusion{}, err
	}
	ev, err := text("evidence", in.Evidence, 2000)
	if err != nil {
		return Exclusion{}, err
	}
	ctx = actorFor(ctx, by)
	now := s.now()
	e := Exclusion{ServerID: in.ServerID, SubscriptionID: in.SubscriptionID, From: store.Now(in.From), To: store.Now(in.To), Reason: in.Reason, Evidence: ev, By: by.User.Email, At: now}
	err = s.inTx(ctx, func(q store.Querier) error {
		var org int64
		if in.SubscriptionID > 0 {
			sub, err := s.d.Subscriptions.Subscription(ctx, q, in.SubscriptionID)
			if err != nil {
				return err
			}
			org = sub.OrgID
		}
		if err := q.QueryRowContext(ctx, `INSERT INTO sla_exclusions (server_id, subscription_id, from_at, to_at, reason, evidence, recorded_by, recorded_by_label, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, e.ServerID, e.SubscriptionID, e.From, e.To, e.Reason, e.Evidence, by.User.ID, by.User.Email, now).Scan(&e.ID); err != nil {
			return err
		}
		scope := fmt.Sprintf("server %d", e.ServerID)
		if e.SubscriptionID > 0 {
			scope = fmt.Sprintf("subscription %d", e.SubscriptionID)
		}
		return record(ctx, q, now, org, "sla.exclusion.record", "sla_exclusion", e.ID,
			fmt.Sprintf("SLA exclusion recorded for %s from %s to %s: %s (%s)", scope, e.From.Format(time.RFC3339), e.To.Format(time.RFC3339), e.Reason, e.Evidence))
	})
	return e, err
}

// Exclusions lists the recorded exclusions, newest first (SLARead).
func (s *Service) Exclusions(ctx context.Context, by accounts.Principal, limit int) ([]Exclusion, error) {
	if err := by.Check(accounts.SLARead, accounts.Provider); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, server_id, subscription_id, from_at, to_at, reason, evidence, recorded_by_label, created_at
		FROM sla_exclusions ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Exclusion
	for rows.Next() {
		var e Exclusion
		if err := rows.Scan(&e.ID, &e.ServerID, &e.SubscriptionID, &e.From, &e.To, &e.Reason, &e.Evidence, &e.By, &e.At); err != nil {
			return nil, err
		}
		e.From, e.To, e.At = e.From.UTC(), e.To.UTC(), e.At.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// recordedExclusions are the staff exclusions for the servers or the subscription that
// overlap [from, to).
func recordedExclusions(ctx context.Context, q store.Querier, serverIDs []int64, subID int64, from, to time.Time) ([]sla.Exclusion, error) {
	rows, err := q.QueryContext(ctx, `SELECT server_id, subscription_id, from_at, to_at, reason FROM sla_exclusions
		WHERE from_at < $1 AND to_at > $2 AND (subscription_id = $3 OR server_id > 0) ORDER BY from_at, id`, to, from, subID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sla.Exclusion
	for rows.Next() {
		var server, sub int64
		var e sla.Exclusion
		if err := rows.Scan(&server, &sub, &e.From, &e.To, &e.Reason); err != nil {
			return nil, err
		}
		if server > 0 && !slices.Contains(serverIDs, server) {
			continue
		}
		e.From, e.To = e.From.UTC(), e.To.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// RecordManual records an outage from the customer's own evidence, for time the
// monitor did not measure (SLAManage).
func (s *Service) RecordManual(ctx context.Context, by accounts.Principal, subID int64, from, to time.Time, evidence string) (int64, error) {
	if err := by.Check(accounts.SLAManage, accounts.Provider); err != nil {
		return 0, err
	}
	if err := span(from, to); err != nil {
		return 0, err
	}
	ev, err := text("evidence", evidence, 2000)
	if err != nil {
		return 0, err
	}
	ctx = actorFor(ctx, by)
	var id int64
	err = s.inTx(ctx, func(q store.Querier) error {
		sub, err := s.d.Subscriptions.Subscription(ctx, q, subID)
		if err != nil {
			return err
		}
		now := s.now()
		if err := q.QueryRowContext(ctx, `INSERT INTO sla_manual (subscription_id, org_id, from_at, to_at, evidence, recorded_by, recorded_by_label, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, subID, sub.OrgID, store.Now(from), store.Now(to), ev, by.User.ID, by.User.Email, now).Scan(&id); err != nil {
			return err
		}
		return record(ctx, q, now, sub.OrgID, "sla.manual.record", "subscription", subID,
			fmt.Sprintf("outage recorded from the customer's evidence from %s to %s: %s", from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339), ev))
	})
	return id, err
}

func manualIntervals(ctx context.Context, q store.Querier, subID int64, from, to time.Time) ([]sla.Interval, error) {
	rows, err := q.QueryContext(ctx, `SELECT from_at, to_at FROM sla_manual WHERE subscription_id = $1 AND from_at < $2 AND to_at > $3 ORDER BY from_at, id`, subID, to, from)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sla.Interval
	for rows.Next() {
		var iv sla.Interval
		if err := rows.Scan(&iv.From, &iv.To); err != nil {
			return nil, err
		}
		iv.From, iv.To = iv.From.UTC(), iv.To.UTC()
		out = append(out, iv)
	}
	return out, rows.Err()
}

// manualIntervalsOfSQL reads the intervals of the subscriptions in that overlap
// [$2, $1), along sla_manual_sub.
func manualIntervalsOfSQL(in string) string {
	return `SELECT subscription_id, from_at, to_at FROM sla_manual WHERE subscription_id IN ` + in + `
		AND from_at < $1 AND to_at > $2 ORDER BY subscription_id, from_at, id`
}

// manualIntervalsOf is manualIntervals for several subscriptions at once, by
// subscription.
func manualIntervalsOf(ctx context.Context, q store.Querier, subIDs []int64, from, to time.Time) (map[int64][]sla.Interval, error) {
	in, args := store.InList(3, subIDs)
	rows, err := q.QueryContext(ctx, manualIntervalsOfSQL(in), append([]any{to, from}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]sla.Interval{}
	for rows.Next() {
		var id int64
		var iv sla.Interval
		if err := rows.Scan(&id, &iv.From, &iv.To); err != nil {
			return nil, err
		}
		iv.From, iv.To = iv.From.UTC(), iv.To.UTC()
		out[id] = append(out[id], iv)
	}
	return out, rows.Err()
}

// RecordBreach records a breach of the general terms for a subscription's month, which
// voids that month's credit (cp.sla.exclusions.4). SLAManage.
func (s *Service) RecordBreach(ctx context.Context, by accounts.Principal, subID int64, month, reason string) error {
	if err := by.Check(accounts.SLAManage, accounts.Provider); err != nil {
		return err
	}
	m, err := ParseMonth(month)
	if err != nil {
		return err
	}
	reason, err = text("reason", reason, 2000)
	if err != nil {
		return err
	}
	ctx = actorFor(ctx, by)
	return s.inTx(ctx, func(q store.Querier) error {
		sub, err := s.d.Subscriptions.Subscription(ctx, q, subID)
		if err != nil {
			return err
		}
		now := s.now()
		res, err := q.ExecContext(ctx, `INSERT INTO sla_breaches (subscription_id, org_id, month, reason, recorded_by, recorded_by_label, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (subscription_id, month) DO NOTHING`, subID, sub.OrgID, m.String(), reason, by.User.ID, by.User.Email, now)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = invalid("month", "compensation.breach_was_recorded_this")
			}
			return err
		}
		if err := record(ctx, q, now, sub.OrgID, "sla.breach.record", "subscription", subID,
			fmt.Sprintf("breach of the general terms recorded for %s, which voids the month's SLA credit: %s", m, reason)); err != nil {
			return err
		}
		// A month already frozen keeps its row; the voided credit is a correction in
		// force, with the same D.
		f, ok, err := loadFrozen(ctx, q, subID, m.String())
		if err != nil || !ok {
			return err
		}
		_, err = s.correct(ctx, q, by, f, m, f.DownMinutes, reason)
		return err
	})
}

func breachOf(ctx context.Context, q store.Querier, subID int64, month string) (string, error) {
	var reason string
	err := q.QueryRowContext(ctx, `SELECT reason FROM sla_breaches WHERE subscription_id = $1 AND month = $2`, subID, month).Scan(&reason)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return reason, err
}

// Breach is a recorded breach.
type Breach struct {
	SubscriptionID int64     `json:"subscription_id"`
	Month          string    `json:"month"`
	Reason         string    `json:"reason"`
	By             string    `json:"by"`
	At             time.Time `json:"at"`
}

// Breaches lists the recorded breaches, newest first (SLARead).
func (s *Service) Breaches(ctx context.Context, by accounts.Principal) ([]Breach, error) {
	if err := by.Check(accounts.SLARead, accounts.Provider); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT subscription_id, month, reason, recorded_by_label, created_at FROM sla_breaches ORDER BY id DESC LIMIT 200`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Breach
	for rows.Next() {
		var b Breach
		if err := rows.Scan(&b.SubscriptionID, &b.Month, &b.Reason, &b.By, &b.At); err != nil {
			return nil, err
		}
		b.At = b.At.UTC()
		out = append(out, b)
	}
	return out, rows.Err()
}

// Correct records a correction of a frozen month: the unavailable minutes D staff
// established, with the reason; the credit follows from the pack's rule and the month's
// breach, and the frozen row stays as it was (INTERPRETATION.md, SLA). SLAManage.
func (s *Service) Correct(ctx context.Context, by accounts.Principal, subID int64, month string, downMinutes int, reason string) (Correction, error) {
	if err := by.Check(accounts.SLAManage, accounts.Provider); err != nil {
		return Correction{}, err
	}
	m, err := ParseMonth(month)
	if err != nil {
		return Correction{}, err
	}
	if downMinutes < 0 || downMinutes > 31*24*60 {
		return Correction{}, invalid("down_minutes", "compensation.give_minutes_month_0")
	}
	reason, err = text("reason", reason, 2000)
	if err != nil {
		return Correction{}, err
	}
	ctx = actorFor(ctx, by)
	var c Correction
	err = s.inTx(ctx, func(q store.Querier) error {
		f, ok, err := loadFrozen(ctx, q, subID, m.String())
		if err != nil {
			return err
		}
		if !ok {
			return ErrNotFrozen
		}
		c, err = s.correct(ctx, q, by, f, m, downMinutes, reason)
		return err
	})
	return c, err
}

// correct records a correction of the frozen figure f in q.
func (s *Service) correct(ctx context.Context, q store.Querier, by accounts.Principal, f Figure, m sla.Month, downMinutes int, reason string) (Correction, error) {
	sub, err := s.d.Subscriptions.Subscription(ctx, q, f.SubscriptionID)
	if err != nil {
		return Correction{}, err
	}
	pol, err := s.policy(m)
	if err != nil {
		return Correction{}, err
	}
	breach, err := breachOf(ctx, q, f.SubscriptionID, m.String())
	if err != nil {
		return Correction{}, err
	}
	res, ex, err := pol.SLACredit(terms.SLAInput{DowntimeMinutes: downMinutes, MonthlyFee: sub.MonthlyFee, YearlyFee: sub.YearlyFee, Breach: breach != ""})
	if err != nil {
		return Correction{}, err
	}
	now := s.now()
	ex = append(terms.Explanation{{Clause: strings.Join(pol.Terms.SLA.Measurement.Clauses, ", "),
		Says:   "Staff corrected the month after it was frozen; the frozen figure is kept and this correction is in force.",
		Inputs: []terms.Input{{Name: "frozen_down_minutes", Value: fmt.Sprint(f.Result.DownMinutes)}, {Name: "reason", Value: reason}},
		Value:  fmt.Sprint(downMinutes),
		Key:    "sla.corrected", Args: terms.StepArgs(map[string]any{"minutes": downMinutes, "frozen": f.Result.DownMinutes})}}, ex...)
	c := Correction{DownMinutes: downMinutes, CreditPercent: res.Percent, Credit: res.Amount, Reason: reason, By: by.User.Email, At: now, Explanation: ex}
	if err := q.QueryRowContext(ctx, `INSERT INTO sla_corrections (subscription_id, org_id, month, down_minutes, credit_percent, credit, reason, explanation,
		recorded_by, recorded_by_label, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		f.SubscriptionID, f.OrgID, m.String(), downMinutes, res.Percent, res.Amount, reason, mustJSON(ex), by.User.ID, by.User.Email, now).Scan(&c.ID); err != nil {
		return Correction{}, err
	}
	return c, record(ctx, q, now, f.OrgID, "sla.month.correct", "subscription", f.SubscriptionID,
		fmt.Sprintf("SLA figures of %s corrected: D %d → %d minutes, credit %d%% = %s: %s", m, f.DownMinutes, downMinutes, res.Percent, res.Amount, reason))
}
