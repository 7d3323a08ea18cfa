package compensation

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/sla"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// Figure is a subscription's month under the SLA: frozen, or computed live while the
// month is not final yet. DownMinutes, CreditPercent and Credit are the figure in force
// (the latest correction when there is one).
type Figure struct {
	SubscriptionID int64             `json:"subscription_id"`
	OrgID          int64             `json:"org_id"`
	Month          string            `json:"month"`
	Kind           string            `json:"kind"`
	Pack           string            `json:"pack"`
	TermsVersion   string            `json:"terms_version"`
	Result         sla.MonthResult   `json:"result"`
	Explanation    terms.Explanation `json:"explanation"`
	Detail         Detail            `json:"detail"`
	// Digest is the SHA-256 of the inputs, taken when the month is frozen (the
	// evidence); a live month has none, because hashing every check of the month on
	// each view cost most of a portal page (issue 16).
	Digest   string    `json:"inputs_digest"`
	Frozen   bool      `json:"frozen"`
	FrozenAt time.Time `json:"frozen_at,omitzero"`
	// UpTo is how far a live month was measured (now, or the month's end).
	UpTo time.Time `json:"up_to,omitzero"`
	// OutageEnded is the end of the month's last outage; zero without outages.
	OutageEnded time.Time   `json:"outage_ended,omitzero"`
	Correction  *Correction `json:"correction,omitempty"`

	DownMinutes   int         `json:"down_minutes"`
	CreditPercent int         `json:"credit_percent"`
	Credit        terms.Money `json:"credit"`
	// Availability is the month's availability in percent (four decimals) and whether
	// the target was met (cp.sla.availability.1).
	Availability string `json:"availability"`
	TargetMet    bool   `json:"target_met"`
}

// Detail is what was applied besides the checks: the excluded intervals with their
// reasons, the overdue periods, the manual outages and whether a breach voided the
// credit.
type Detail struct {
	Exclusions []sla.Exclusion `json:"exclusions"`
	Overdue    []sla.Interval  `json:"overdue"`
	Manual     []sla.Interval  `json:"manual"`
	Breach     string          `json:"breach,omitempty"` // the recorded reason
	Servers    []string        `json:"servers"`
}

// Correction is a staff correction of a frozen month.
type Correction struct {
	ID            int64             `json:"id"`
	DownMinutes   int               `json:"down_minutes"`
	CreditPercent int               `json:"credit_percent"`
	Credit        terms.Money       `json:"credit"`
	Reason        string            `json:"reason"`
	By            string            `json:"by"`
	At            time.Time         `json:"at"`
	Explanation   terms.Explanation `json:"explanation"`
}

// margin widens the window of checks read around a month, so that a run of failures
// that began just before the month (or a recovery just after it) is seen whole: the
// calculator needs the run's confirming checks, which are at most this far apart.
func margin(r sla.Rules) time.Duration {
	return r.MaxCheckGap * time.Duration(r.ConfirmFailures+1)
}

// compute works out sub's month from the current measurements and records, up to
// upTo (the month's end for a complete month); digested adds the inputs' digest.
func (s *Service) compute(ctx context.Context, q store.Querier, sub Subscription, m sla.Month, upTo time.Time, digested bool) (Figure, error) {
	pol, err := s.policy(m)
	if err != nil {
		return Figure{}, err
	}
	rules, err := sla.RulesOf(pol)
	if err != nil {
		return Figure{}, err
	}
	if sub.Kind == "" {
		return Figure{}, ErrNoSLA
	}
	month := m.Interval()
	to, from, until := checkWindow(m, rules, upTo)
	servers, err := s.d.Monitor.ServersOf(ctx, q, sub.ID)
	if err != nil {
		return Figure{}, fmt.Errorf("compensation: servers of subscription %d: %w", sub.ID, err)
	}
	var ids []int64
	var det Detail
	for _, sv := range servers {
		ids = append(ids, sv.ID)
		det.Servers = append(det.Servers, sv.Name)
	}
	// Where no check failed, the checks decide nothing (no location saw anything down)
	// and are not loaded: a month of them is most of the cost of a live figure. A frozen
	// figure still reads them all, for the digest of its inputs.
	failed := true
	if f, ok := s.d.Monitor.(failureFinder); ok && !digested {
		if failed, err = f.ServiceFailed(ctx, q, sub.ID, from, until); err != nil {
			return Figure{}, fmt.Errorf("compensation: checks of subscription %d: %w", sub.ID, err)
		}
	}
	var all []sla.Check
	if failed {
		if all, err = s.d.Monitor.ServiceChecks(ctx, q, sub.ID, from, until); err != nil {
			return Figure{}, fmt.Errorf("compensation: checks of subscription %d: %w", sub.ID, err)
		}
	}
	// A shared server has components that do not measure this kind of service (a VPS
	// placed next to a mail platform): only the kind's own components count
	// (cp.sla.availability.2, the pack's sla.measurement.components).
	checks := all[:0:0]
	for _, c := range all {
		if slices.Contains(rules.Components[sub.Kind], c.Component) {
			checks = append(checks, c)
		}
	}
	if s.d.Maintenance != nil && len(ids) > 0 {
		mt, err := s.d.Maintenance.MaintenanceFor(ctx, q, ids, month.From, month.To)
		if err != nil {
			return Figure{}, fmt.Errorf("compensation: maintenance: %w", err)
		}
		det.Exclusions = append(det.Exclusions, mt...)
	}
	rec, err := recordedExclusions(ctx, q, ids, sub.ID, month.From, month.To)
	if err != nil {
		return Figure{}, err
	}
	det.Exclusions = append(det.Exclusions, rec...)
	// An outage that began before the month and runs into it may have begun while an
	// invoice was overdue: ask from the checks' window on.
	spans, err := s.d.Billing.OverdueIntervals(ctx, q, sub.OrgID, from, month.To)
	if err != nil {
		return Figure{}, fmt.Errorf("compensation: overdue invoices: %w", err)
	}
	for _, sp := range spans {
		det.Overdue = append(det.Overdue, sla.Interval{From: sp.From, To: sp.To})
	}
	if det.Manual, err = manualIntervals(ctx, q, sub.ID, month.From, month.To); err != nil {
		return Figure{}, err
	}
	if det.Breach, err = breachOf(ctx, q, sub.ID, m.String()); err != nil {
		return Figure{}, err
	}
	in := sla.MonthInput{Kind: sub.Kind, Month: m, Checks: checks, Manual: det.Manual, Exclusions: det.Exclusions,
		OpenInvoices: det.Overdue, MonthlyFee: sub.MonthlyFee, YearlyFee: sub.YearlyFee, Breach: det.Breach != ""}
	res, ex, err := sla.Compute(pol, in)
	if err != nil {
		return Figure{}, fmt.Errorf("compensation: subscription %d, %s: %w", sub.ID, m, err)
	}
	f := Figure{SubscriptionID: sub.ID, OrgID: sub.OrgID, Month: m.String(), Kind: sub.Kind, Pack: s.d.Pack.Name, TermsVersion: pol.Version,
		Result: res, Explanation: ex, Detail: det, UpTo: to}
	if digested {
		f.Digest = digest(in)
	}
	if n := len(res.Intervals); n > 0 {
		f.OutageEnded = res.Intervals[n-1].To
	}
	f.DownMinutes, f.CreditPercent, f.Credit = res.DownMinutes, res.CreditPercent, res.Credit
	s.availability(pol, m, &f)
	return f, nil
}

// outageEnd is when the month's last outage really ended. One still running when the
// month ended is followed into the next month, because the claim window runs from the
// end of the outage (A02, cp.sla.compensation.4), not of the month; ongoing reports one
// that has not ended yet, whose window has not started.
func (s *Service) outageEnd(ctx context.Context, q store.Querier, sub Subscription, m sla.Month, last time.Time) (time.Time, bool, error) {
	end := m.Interval().To
	if last.IsZero() || last.Before(end) {
		return last, false, nil
	}
	pol, err := s.policy(m)
	if err != nil {
		return last, false, err
	}
	rules, err := sla.RulesOf(pol)
	if err != nil {
		return last, false, err
	}
	now := s.now()
	all, err := s.d.Monitor.ServiceChecks(ctx, q, sub.ID, end.Add(-margin(rules)), now)
	if err != nil {
		return last, false, fmt.Errorf("compensation: checks of subscription %d: %w", sub.ID, err)
	}
	var checks []sla.Check
	var newest time.Time
	for _, c := range all {
		if slices.Contains(rules.Components[sub.Kind], c.Component) {
			checks = append(checks, c)
			if c.At.After(newest) {
				newest = c.At
			}
		}
	}
	ivs, err := sla.ServiceDown(sub.Kind, checks, rules)
	if err != nil {
		return last, false, err
	}
	for _, iv := range ivs {
		if !iv.From.After(end) && !iv.To.Before(end) {
			return iv.To, iv.To.Equal(newest) && now.Sub(newest) <= rules.MaxCheckGap, nil
		}
	}
	return last, false, nil
}

func (s *Service) availability(pol *terms.Policy, m sla.Month, f *Figure) {
	first := terms.DateIn(m.Interval().From, clock.Amsterdam)
	if a, _, err := pol.Availability(first, f.DownMinutes); err == nil {
		f.Availability, f.TargetMet = a.Availability, a.Met
	}
}

// digest fingerprints a month's inputs (checks sorted, so that the order the monitor
// returned them in does not matter).
func digest(in sla.MonthInput) string {
	in.Checks = slices.Clone(in.Checks)
	slices.SortFunc(in.Checks, func(a, b sla.Check) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		if a.Component+a.Target+a.Location < b.Component+b.Target+b.Location {
			return -1
		}
		return 1
	})
	b, _ := json.Marshal(in) // cannot fail: times, strings, money
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// frozenAfter is when month m's figures are written: its end plus the pack's
// freeze_after_minutes.
func (s *Service) frozenAfter(m sla.Month) (time.Time, error) {
	pol, err := s.policy(m)
	if err != nil {
		return time.Time{}, err
	}
	return m.Interval().To.Add(time.Duration(pol.Terms.SLA.FreezeAfterMinutes) * time.Minute), nil
}

const monthCols = `subscription_id, org_id, month, kind, pack, terms_version, down_minutes, excluded_minutes, credit_percent, credit,
	outage_ended, result, detail, explanation, inputs_digest, frozen_at`

// loadFrozen returns the frozen figure of (sub, month), with the correction in force.
func loadFrozen(ctx context.Context, q store.Querier, subID int64, month string) (Figure, bool, error) {
	var f Figure
	var ended sql.NullTime
	var result, detail, ex string
	err := q.QueryRowContext(ctx, `SELECT `+monthCols+` FROM sla_months WHERE subscription_id = $1 AND month = $2`, subID, month).Scan(
		&f.SubscriptionID, &f.OrgID, &f.Month, &f.Kind, &f.Pack, &f.TermsVersion, &f.DownMinutes, &f.Result.ExcludedMinutes, &f.CreditPercent, &f.Credit,
		&ended, &result, &detail, &ex, &f.Digest, &f.FrozenAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Figure{}, false, nil
	}
	if err != nil {
		return Figure{}, false, err
	}
	rec := fmt.Sprintf("sla month %d %s", subID, month)
	for _, d := range []struct {
		name string
		src  string
		dst  any
	}{{"result", result, &f.Result}, {"detail", detail, &f.Detail}, {"explanation", ex, &f.Explanation}} {
		if err := json.Unmarshal([]byte(d.src), d.dst); err != nil {
			return Figure{}, false, &store.CorruptError{Record: rec, Field: d.name, Err: err}
		}
	}
	f.Frozen, f.UpTo = true, f.FrozenAt
	if ended.Valid {
		f.OutageEnded = ended.Time.UTC()
	}
	f.FrozenAt = f.FrozenAt.UTC()
	c, err := latestCorrection(ctx, q, subID, month)
	if err != nil {
		return Figure{}, false, err
	}
	if c != nil {
		f.Correction = c
		f.DownMinutes, f.CreditPercent, f.Credit = c.DownMinutes, c.CreditPercent, c.Credit
	}
	return f, true, nil
}

func latestCorrection(ctx context.Context, q store.Querier, subID int64, month string) (*Correction, error) {
	var c Correction
	var ex string
	err := q.QueryRowContext(ctx, `SELECT id, down_minutes, credit_percent, credit, reason, recorded_by_label, created_at, explanation
		FROM sla_corrections WHERE subscription_id = $1 AND month = $2 ORDER BY id DESC LIMIT 1`, subID, month).Scan(
		&c.ID, &c.DownMinutes, &c.CreditPercent, &c.Credit, &c.Reason, &c.By, &c.At, &ex)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(ex), &c.Explanation); err != nil {
		return nil, &store.CorruptError{Record: fmt.Sprintf("sla correction %d", c.ID), Field: "explanation", Err: err}
	}
	c.At = c.At.UTC()
	return &c, nil
}

// figure returns sub's month: frozen when it is, else computed live up to now.
func (s *Service) figure(ctx context.Context, q store.Querier, sub Subscription, m sla.Month) (Figure, error) {
	f, ok, err := loadFrozen(ctx, q, sub.ID, m.String())
	if err != nil {
		return Figure{}, err
	}
	if ok {
		if pol, err := s.policy(m); err == nil {
			s.availability(pol, m, &f)
		}
		return f, nil
	}
	return s.compute(ctx, q, sub, m, s.now(), false)
}

// freezeOne writes sub's figure for m once; a second call (or a concurrent job) leaves
// the first one in place. It reports whether it wrote.
func (s *Service) freezeOne(ctx context.Context, sub Subscription, m sla.Month) (bool, error) {
	wrote := false
	err := s.inTx(ctx, func(q store.Querier) error {
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM sla_months WHERE subscription_id = $1 AND month = $2`, sub.ID, m.String()).Scan(&n); err != nil || n > 0 {
			return err
		}
		f, err := s.compute(ctx, q, sub, m, m.Interval().To.Add(time.Hour*24*365), true)
		if err != nil {
			return err
		}
		if err := s.fail("freeze.insert"); err != nil {
			return err
		}
		now := s.now()
		var ended any
		if !f.OutageEnded.IsZero() {
			ended = f.OutageEnded
		}
		res, err := q.ExecContext(ctx, `INSERT INTO sla_months (`+monthCols+`, manual)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) ON CONFLICT (subscription_id, month) DO NOTHING`,
			f.SubscriptionID, f.OrgID, f.Month, f.Kind, f.Pack, f.TermsVersion, f.DownMinutes, f.Result.ExcludedMinutes, f.CreditPercent, f.Credit,
			ended, mustJSON(f.Result), mustJSON(f.Detail), mustJSON(f.Explanation), f.Digest, now, len(f.Detail.Manual) > 0)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		if err := s.fail("freeze.audit"); err != nil {
			return err
		}
		wrote = true
		return record(jobCtx(ctx, "sla.freeze"), q, now, sub.OrgID, "sla.month.freeze", "subscription", sub.ID,
			fmt.Sprintf("SLA figures of %s frozen: D %d minutes, %d minutes excluded, credit %d%% = %s", f.Month, f.DownMinutes, f.Result.ExcludedMinutes, f.CreditPercent, f.Credit))
	})
	return wrote, err
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Freeze is the sla.freeze job: for each of the last two months whose end plus the
// pack's freeze_after_minutes has passed (two, so that a job that did not run for a
// while catches up), it writes the figures of every SLA subscription that ran in it,
// once (INTERPRETATION.md, SLA). It then lets the pack's auto-approval decide the
// pending claims of frozen months.
func (s *Service) Freeze(ctx context.Context, now time.Time) error {
	ctx = jobCtx(ctx, "sla.freeze")
	cur := sla.MonthOf(now)
	prev := sla.MonthOf(cur.Interval().From.Add(-time.Hour))
	months := []sla.Month{sla.MonthOf(prev.Interval().From.Add(-time.Hour)), prev}
	var errs []error
	for _, m := range months {
		after, err := s.frozenAfter(m)
		if err != nil {
			continue // no terms in force then: nothing to freeze
		}
		if now.Before(after) {
			continue
		}
		iv := m.Interval()
		subs, err := s.d.Subscriptions.SLASubscriptions(ctx, s.db, 0, terms.DateIn(iv.From, clock.Amsterdam), terms.DateIn(iv.To, clock.Amsterdam))
		if err != nil {
			return err
		}
		for _, sub := range subs {
			if sub.Kind == "" || !sub.SLA {
				continue
			}
			if _, err := s.freezeOne(ctx, sub, m); err != nil {
				if s.failpoint != nil {
					return err
				}
				s.log.Error("sla.freeze", "subscription", sub.ID, "month", m.String(), "err", err)
				errs = append(errs, err)
			}
		}
	}
	if err := s.autoApprove(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func jsonInto(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// checkWindow is what counts for month m as known at upTo: the month up to to (its end,
// or upTo when earlier), and the checks from from to until, the month widened on both
// sides by the checks' margin but never past upTo.
func checkWindow(m sla.Month, rules sla.Rules, upTo time.Time) (to, from, until time.Time) {
	month := m.Interval()
	to = month.To
	if upTo.Before(to) {
		to = upTo
	}
	from, until = month.From.Add(-margin(rules)), to.Add(margin(rules))
	if upTo.Before(until) {
		until = upTo
	}
	return to, from, until
}
