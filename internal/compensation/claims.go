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
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/sla"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// Claim statuses and channels.
const (
	ClaimPending  = "pending"
	ClaimApproved = "approved"
	ClaimRejected = "rejected"

	ChannelPortal = "portal"
	ChannelEmail  = "email"

	// CreditSource is the account credit's source in billing; its reference is the claim id.
	CreditSource = "sla-claim"
)

// Claim is a customer's claim of a month's credit (cp.sla.compensation.4).
type Claim struct {
	ID             int64             `json:"id"`
	SubscriptionID int64             `json:"subscription_id"`
	OrgID          int64             `json:"org_id"`
	Month          string            `json:"month"`
	Channel        string            `json:"channel"`
	ReceivedAt     time.Time         `json:"received_at"`
	Deadline       time.Time         `json:"deadline"`
	Message        string            `json:"message,omitempty"`
	Status         string            `json:"status"`
	Credit         terms.Money       `json:"credit"`
	CreditPercent  int               `json:"credit_percent"`
	Note           string            `json:"note,omitempty"`
	Auto           bool              `json:"auto"`
	DecidedBy      string            `json:"decided_by,omitempty"`
	DecidedAt      time.Time         `json:"decided_at,omitzero"`
	Explanation    terms.Explanation `json:"explanation"`
	CreatedAt      time.Time         `json:"created_at"`
}

const claimCols = `id, subscription_id, org_id, month, channel, received_at, deadline, message, status, credit, credit_percent, note, auto,
	decided_by_label, decided_at, explanation, created_at`

func scanClaim(r interface{ Scan(...any) error }) (Claim, error) {
	var c Claim
	var decided sql.NullTime
	var ex string
	if err := r.Scan(&c.ID, &c.SubscriptionID, &c.OrgID, &c.Month, &c.Channel, &c.ReceivedAt, &c.Deadline, &c.Message, &c.Status, &c.Credit,
		&c.CreditPercent, &c.Note, &c.Auto, &c.DecidedBy, &decided, &ex, &c.CreatedAt); err != nil {
		return Claim{}, err
	}
	if err := jsonInto(ex, &c.Explanation); err != nil {
		return Claim{}, &store.CorruptError{Record: fmt.Sprintf("sla claim %d", c.ID), Field: "explanation", Err: err}
	}
	c.ReceivedAt, c.Deadline, c.CreatedAt = c.ReceivedAt.UTC(), c.Deadline.UTC(), c.CreatedAt.UTC()
	if decided.Valid {
		c.DecidedAt = decided.Time.UTC()
	}
	return c, nil
}

func claimOf(ctx context.Context, q store.Querier, where string, args ...any) (*Claim, error) {
	c, err := scanClaim(q.QueryRowContext(ctx, `SELECT `+claimCols+` FROM sla_claims `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// Month is a subscription's month as the portal and staff show it.
type Month struct {
	Subscription Subscription `json:"subscription"`
	Figure       Figure       `json:"figure"`
	Claim        *Claim       `json:"claim,omitempty"`
	// Deadline is until when the month's credit can be claimed; zero without outages.
	Deadline            terms.SLAClaim    `json:"deadline"`
	DeadlineExplanation terms.Explanation `json:"deadline_explanation,omitempty"`
	// CanClaim: credit is due, no claim was made and the deadline has not passed.
	CanClaim bool `json:"can_claim"`
	// OutageOngoing: the month's last outage still lasts, so its claim window has not
	// begun (Deadline is zero).
	OutageOngoing bool `json:"outage_ongoing,omitempty"`
	// ClaimWindow is the pack's sla.claim_window (A02).
	ClaimWindow terms.Period `json:"claim_window"`
	// Clauses are the clause ids the figure and the deadline rest on.
	Clauses []string `json:"clauses"`
	// ThresholdMinutes is where credit starts; FinalAt when the month's figure is
	// frozen (the pack's sla values), for the sentences the portal writes.
	ThresholdMinutes int       `json:"threshold_minutes"`
	FinalAt          time.Time `json:"final_at"`
	// Breach is the reason of a breach recorded for the month, which voids its credit
	// (also when recorded after the month was frozen).
	Breach string `json:"breach,omitempty"`
}

func (s *Service) subscription(ctx context.Context, q store.Querier, by accounts.Principal, act accounts.Action, subID int64) (Subscription, error) {
	sub, err := s.d.Subscriptions.Subscription(ctx, q, subID)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) || errors.Is(err, accounts.ErrNotFound) {
			return Subscription{}, ErrNotFound
		}
		return Subscription{}, err
	}
	if err := by.Check(act, accounts.OrgID(sub.OrgID)); err != nil {
		return Subscription{}, err
	}
	if !sub.SLA || sub.Kind == "" {
		return Subscription{}, ErrNoSLA
	}
	return sub, nil
}

// monthView completes a figure with its claim and deadline.
func (s *Service) monthView(ctx context.Context, q store.Querier, sub Subscription, m sla.Month) (Month, error) {
	f, err := s.figure(ctx, q, sub, m)
	if err != nil {
		return Month{}, err
	}
	v := Month{Subscription: sub, Figure: f, Clauses: f.Explanation.Clauses()}
	if pol, err := s.policy(m); err == nil {
		v.ThresholdMinutes = pol.Terms.SLA.ThresholdMinutes
	}
	if v.FinalAt, err = s.frozenAfter(m); err != nil {
		return Month{}, err
	}
	if v.Breach, err = breachOf(ctx, q, sub.ID, m.String()); err != nil {
		return Month{}, err
	}
	if v.Claim, err = claimOf(ctx, q, `WHERE subscription_id = $1 AND month = $2`, sub.ID, m.String()); err != nil {
		return Month{}, err
	}
	ended, ongoing, err := s.outageEnd(ctx, q, sub, m, f.OutageEnded)
	if err != nil {
		return Month{}, err
	}
	if !ended.IsZero() && !ongoing {
		pol, err := s.policy(m)
		if err != nil {
			return Month{}, err
		}
		f.OutageEnded, v.Figure.OutageEnded = ended, ended
		if v.Deadline, v.DeadlineExplanation, err = pol.SLAClaimDeadline(ended); err != nil {
			return Month{}, err
		}
		v.Clauses = append(terms.Explanation(nil), append(f.Explanation, v.DeadlineExplanation...)...).Clauses()
	}
	v.OutageOngoing = ongoing
	if pol, err := s.policy(m); err == nil {
		v.ClaimWindow = pol.Terms.SLA.ClaimWindow
	}
	// While the outage lasts the claim window has not begun: the claim is open.
	v.CanClaim = v.Claim == nil && f.Credit > 0 && (ongoing || (!v.Deadline.Until.IsZero() && v.Deadline.InTime(s.now())))
	return v, nil
}

// MonthOf returns a subscription's month: frozen, or live (SLARead on its organisation).
func (s *Service) MonthOf(ctx context.Context, by accounts.Principal, subID int64, month string) (Month, error) {
	// Whose subscription it is comes first, so that someone else's id answers "not
	// found" whatever the month.
	sub, err := s.subscription(ctx, s.db, by, accounts.SLARead, subID)
	if err != nil {
		return Month{}, err
	}
	m, err := ParseMonth(month)
	if err != nil {
		return Month{}, err
	}
	if !m.Interval().From.Before(s.now()) {
		return Month{}, invalid("month", "compensation.that_month_has_not")
	}
	return s.monthView(ctx, s.db, sub, m)
}

// Overview is one service's availability: this month so far and the past months.
type Overview struct {
	Subscription Subscription `json:"subscription"`
	Months       []Month      `json:"months"`
}

// Availability returns each of the organisation's services with the guarantee and
// their months, newest first, back to months (at most 24) or the service's start
// (SLARead).
func (s *Service) Availability(ctx context.Context, by accounts.Principal, orgID int64, months int) ([]Overview, error) {
	return s.overview(ctx, by, orgID, months, false)
}

// Claimable is Availability with only the months whose credit can be claimed now
// (CanClaim): what a customer's home lists. A month without any downtime has no
// credit, and whether it had any is one or two lookups, where its figure is a dozen
// queries and the computation: the home, which asked Availability for three months of
// every service on every request, spent most of its time on figures it did not show
// (issue 16).
func (s *Service) Claimable(ctx context.Context, by accounts.Principal, orgID int64, months int) ([]Overview, error) {
	return s.overview(ctx, by, orgID, months, true)
}

func (s *Service) overview(ctx context.Context, by accounts.Principal, orgID int64, months int, claimable bool) ([]Overview, error) {
	if err := by.Check(accounts.SLARead, accounts.OrgID(orgID)); err != nil {
		return nil, err
	}
	months = min(max(months, 1), 24)
	now := s.now()
	cur := sla.MonthOf(now)
	oldest := cur
	for range months - 1 {
		oldest = sla.MonthOf(oldest.Interval().From.Add(-time.Hour))
	}
	subs, err := s.d.Subscriptions.SLASubscriptions(ctx, s.db, orgID, terms.DateIn(oldest.Interval().From, clock.Amsterdam), terms.DateIn(now, clock.Amsterdam).AddDays(1))
	if err != nil {
		return nil, err
	}
	var out []Overview
	var shown []subMonth // each service's months, newest first, in out's order
	for _, sub := range subs {
		if sub.Kind == "" || sub.OrgID != orgID {
			continue
		}
		out = append(out, Overview{Subscription: sub})
		for m := cur; ; m = sla.MonthOf(m.Interval().From.Add(-time.Hour)) {
			iv := m.Interval()
			if !sub.StartOn.IsZero() && !terms.DateIn(iv.To, clock.Amsterdam).After(sub.StartOn) {
				break
			}
			if sub.EndsOn.IsZero() || terms.DateIn(iv.From, clock.Amsterdam).Before(sub.EndsOn) {
				shown = append(shown, subMonth{len(out) - 1, sub, m})
			}
			if m == oldest {
				break
			}
		}
	}
	may := make([]bool, len(shown))
	if claimable {
		if may, err = s.mayHaveCredit(ctx, shown); err != nil {
			return nil, err
		}
	} else {
		for i := range may {
			may[i] = true
		}
	}
	for i, sm := range shown {
		if !may[i] {
			continue
		}
		v, err := s.monthView(ctx, s.db, sm.sub, sm.m)
		if err != nil {
			return nil, err
		}
		if !claimable || v.CanClaim {
			out[sm.o].Months = append(out[sm.o].Months, v)
		}
	}
	return out, nil
}

// subMonth is a service's month in an overview: o is the service's index there.
type subMonth struct {
	o   int
	sub Subscription
	m   sla.Month
}

// mayHaveCredit tells for each of ms whether its figure may give credit: false where
// it certainly gives none, a frozen figure without credit (the correction in force
// counting), or a live one with no downtime to count (no check of the service failed
// in the window compute reads, no manual interval in the month) where the pack's
// credit for no downtime is nothing. Otherwise (and where it cannot tell) true: the
// figure decides. It asks at most three queries whatever the number of services and
// months: the frozen figures, the monitor's failures and the manual intervals, each
// for all of them at once; a query per service and month was most of the customer's
// home's time (issue 16).
func (s *Service) mayHaveCredit(ctx context.Context, ms []subMonth) ([]bool, error) {
	may := make([]bool, len(ms))
	if len(ms) == 0 {
		return may, nil
	}
	frozen, err := frozenCredits(ctx, s.db, ms)
	if err != nil {
		return nil, err
	}
	finder, hasFinder := s.d.Monitor.(failureFinder)
	var live []int // indexes into ms whose figure no downtime would leave without credit
	var windows []monitor.FailureWindow
	now := s.now()
	// The services share a few policies and fees: what no downtime gives is worked out
	// once for each.
	type feeKey struct {
		pol             *terms.Policy
		monthly, yearly terms.Money
	}
	nothing := map[feeKey]bool{}
	for i, sm := range ms {
		if credit, ok := frozen[monthKey{sm.sub.ID, sm.m.String()}]; ok {
			may[i] = credit > 0
			continue
		}
		may[i] = true
		if !hasFinder {
			continue
		}
		pol, err := s.policy(sm.m)
		if err != nil {
			continue
		}
		rules, err := sla.RulesOf(pol)
		if err != nil {
			continue
		}
		k := feeKey{pol, sm.sub.MonthlyFee, sm.sub.YearlyFee}
		none, ok := nothing[k]
		if !ok {
			res, _, err := pol.SLACredit(terms.SLAInput{MonthlyFee: sm.sub.MonthlyFee, YearlyFee: sm.sub.YearlyFee})
			none = err == nil && res.Amount == 0
			nothing[k] = none
		}
		if !none {
			continue
		}
		_, from, until := checkWindow(sm.m, rules, now) // compute's window
		live = append(live, i)
		windows = append(windows, monitor.FailureWindow{SubscriptionID: sm.sub.ID, From: from, To: until})
	}
	if len(live) == 0 {
		return may, nil
	}
	failed, err := finder.ServicesFailed(ctx, s.db, windows)
	if err != nil {
		return nil, err
	}
	var quiet []int // live months without a failed check: a manual interval decides
	for k, i := range live {
		if !failed[k] {
			quiet = append(quiet, i)
		}
	}
	if len(quiet) == 0 {
		return may, nil
	}
	var ids []int64
	span := ms[quiet[0]].m.Interval()
	for _, i := range quiet {
		if !slices.Contains(ids, ms[i].sub.ID) {
			ids = append(ids, ms[i].sub.ID)
		}
		iv := ms[i].m.Interval()
		span.From, span.To = sla.Earlier(span.From, iv.From), sla.Later(span.To, iv.To)
	}
	manual, err := manualIntervalsOf(ctx, s.db, ids, span.From, span.To)
	if err != nil {
		return nil, err
	}
	for _, i := range quiet {
		month := ms[i].m.Interval()
		may[i] = slices.ContainsFunc(manual[ms[i].sub.ID], func(iv sla.Interval) bool {
			return iv.From.Before(month.To) && iv.To.After(month.From) // manualIntervals' overlap
		})
	}
	return may, nil
}

// frozenCreditsSQL reads the months [$1, $2] of the subscriptions in: the unique
// (subscription_id, month) index and sla_corrections_month serve it.
func frozenCreditsSQL(in string) string {
	return `SELECT m.subscription_id, m.month, m.credit,
		(SELECT c.credit FROM sla_corrections c WHERE c.subscription_id = m.subscription_id AND c.month = m.month ORDER BY c.id DESC LIMIT 1)
		FROM sla_months m WHERE m.subscription_id IN ` + in + ` AND m.month >= $1 AND m.month <= $2`
}

type monthKey struct {
	sub   int64
	month string
}

// frozenCredits returns the credit in force (the latest correction's, else the frozen
// figure's) of each of ms's months that is frozen, in one query: loadFrozen's credit
// without the rest of the figure.
func frozenCredits(ctx context.Context, q store.Querier, ms []subMonth) (map[monthKey]terms.Money, error) {
	seen := map[int64]bool{}
	var ids []int64
	oldest, newest := ms[0].m.String(), ms[0].m.String()
	for _, sm := range ms {
		if !seen[sm.sub.ID] {
			seen[sm.sub.ID] = true
			ids = append(ids, sm.sub.ID)
		}
		oldest, newest = min(oldest, sm.m.String()), max(newest, sm.m.String())
	}
	in, args := store.InList(3, ids)
	rows, err := q.QueryContext(ctx, frozenCreditsSQL(in), append([]any{oldest, newest}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[monthKey]terms.Money{}
	for rows.Next() {
		var k monthKey
		var credit int64
		var corrected sql.NullInt64
		if err := rows.Scan(&k.sub, &k.month, &credit, &corrected); err != nil {
			return nil, err
		}
		if corrected.Valid {
			credit = corrected.Int64
		}
		out[k] = terms.Money(credit)
	}
	return out, rows.Err()
}

// Claim claims a month's credit from the portal (SLAClaim): received now.
func (s *Service) Claim(ctx context.Context, by accounts.Principal, subID int64, month, message string) (Claim, error) {
	return s.claim(ctx, by, subID, month, ChannelPortal, time.Time{}, message)
}

// RecordEmailClaim records a claim that came in by e-mail at receivedAt (staff with
// SLAClaim).
func (s *Service) RecordEmailClaim(ctx context.Context, by accounts.Principal, subID int64, month string, receivedAt time.Time, message string) (Claim, error) {
	if !by.IsStaff() {
		return Claim{}, accounts.ErrForbidden
	}
	if receivedAt.IsZero() || receivedAt.After(s.now()) {
		return Claim{}, invalid("received_at", "compensation.give_when_e_mail")
	}
	return s.claim(ctx, by, subID, month, ChannelEmail, receivedAt, message)
}

func (s *Service) claim(ctx context.Context, by accounts.Principal, subID int64, month, channel string, receivedAt time.Time, message string) (Claim, error) {
	message = strings.TrimSpace(message)
	if len(message) > 2000 {
		return Claim{}, invalid("message", "compensation.most_2000_characters")
	}
	ctx = actorFor(ctx, by)
	var c Claim
	err := s.inTx(ctx, func(q store.Querier) error {
		sub, err := s.subscription(ctx, q, by, accounts.SLAClaim, subID)
		if err != nil {
			return err
		}
		m, err := ParseMonth(month)
		if err != nil {
			return err
		}
		now := s.now()
		if receivedAt.IsZero() {
			receivedAt = now
		}
		if !m.Interval().From.Before(now) {
			return invalid("month", "compensation.that_month_has_not")
		}
		v, err := s.monthView(ctx, q, sub, m)
		if err != nil {
			return err
		}
		switch {
		case v.Claim != nil:
			return ErrClaimed
		case v.Figure.Credit <= 0:
			return ErrNoCredit
		case !v.OutageOngoing && !v.Deadline.InTime(receivedAt):
			return ErrLate
		}
		if v.OutageOngoing {
			// The window starts when the outage ends; until then the claim is in time,
			// and the deadline it records is the earliest the window can end.
			pol, err := s.policy(m)
			if err != nil {
				return err
			}
			if v.Deadline, v.DeadlineExplanation, err = pol.SLAClaimDeadline(receivedAt); err != nil {
				return err
			}
		}
		ex := append(append(terms.Explanation{}, v.Figure.Explanation...), v.DeadlineExplanation...)
		c = Claim{SubscriptionID: sub.ID, OrgID: sub.OrgID, Month: m.String(), Channel: channel, ReceivedAt: store.Now(receivedAt), Deadline: v.Deadline.Until,
			Message: message, Status: ClaimPending, Credit: v.Figure.Credit, CreditPercent: v.Figure.CreditPercent, Explanation: ex, CreatedAt: now}
		err = q.QueryRowContext(ctx, `INSERT INTO sla_claims (subscription_id, org_id, month, channel, received_at, deadline, message, status, credit, credit_percent,
			explanation, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
			ON CONFLICT (subscription_id, month) DO NOTHING RETURNING id`,
			c.SubscriptionID, c.OrgID, c.Month, c.Channel, c.ReceivedAt, c.Deadline, c.Message, c.Status, c.Credit, c.CreditPercent, mustJSON(ex), by.User.ID, now).Scan(&c.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrClaimed
		}
		if err != nil {
			return err
		}
		if err := record(ctx, q, now, sub.OrgID, "sla.claim.create", "sla_claim", c.ID,
			fmt.Sprintf("SLA credit claimed for %s of subscription %d (%s, received %s): %d%% = %s", c.Month, sub.ID, channel, c.ReceivedAt.Format(time.RFC3339), c.CreditPercent, c.Credit)); err != nil {
			return err
		}
		// A claim for a month that is final can be approved at once where the pack
		// allows it; otherwise it waits for the frozen figure (sla.freeze) or staff.
		if ok, err := s.autoApprovable(ctx, q, c); err != nil || !ok {
			return err
		}
		return s.approve(ctx, q, &c, nil, "")
	})
	return c, err
}

// autoApprovable: the pack allows automatic approval and the month is frozen, without
// manual intervals or corrections, with credit to give.
func (s *Service) autoApprovable(ctx context.Context, q store.Querier, c Claim) (bool, error) {
	m, err := ParseMonth(c.Month)
	if err != nil {
		return false, err
	}
	pol, err := s.policy(m)
	if err != nil || !pol.Terms.SLA.AutoApproveClaims {
		return false, nil
	}
	f, ok, err := loadFrozen(ctx, q, c.SubscriptionID, c.Month)
	if err != nil || !ok {
		return false, err
	}
	return f.Correction == nil && len(f.Detail.Manual) == 0 && f.Credit > 0, nil
}

// approve grants the frozen month's credit in force as account credit (billing,
// source sla-claim, reference the claim id: once, cp.sla.compensation.5) and marks the
// claim approved, in q. by nil is the automatic approval.
func (s *Service) approve(ctx context.Context, q store.Querier, c *Claim, by *accounts.Principal, note string) error {
	f, ok, err := loadFrozen(ctx, q, c.SubscriptionID, c.Month)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotFrozen
	}
	if f.Credit <= 0 {
		return ErrNoCredit
	}
	now := s.now()
	var byID int64
	label := "automatic"
	if by != nil {
		byID, label = by.User.ID, by.User.Email
	}
	desc := fmt.Sprintf("SLA credit %s, %d%% (claim %d)", c.Month, f.CreditPercent, c.ID)
	if err := s.d.Billing.GrantCredit(ctx, q, c.OrgID, f.Credit, CreditSource, fmt.Sprint(c.ID), desc); err != nil {
		return err
	}
	if err := s.fail("approve.update"); err != nil {
		return err
	}
	res, err := q.ExecContext(ctx, `UPDATE sla_claims SET status = $1, credit = $2, credit_percent = $3, note = $4, auto = $5, decided_by = $6,
		decided_by_label = $7, decided_at = $8 WHERE id = $9 AND status = $10`, ClaimApproved, f.Credit, f.CreditPercent, note, by == nil, byID, label, now, c.ID, ClaimPending)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err == nil {
			err = ErrDecided
		}
		return err
	}
	c.Status, c.Credit, c.CreditPercent, c.Note, c.Auto, c.DecidedBy, c.DecidedAt = ClaimApproved, f.Credit, f.CreditPercent, note, by == nil, label, now
	if err := s.mailDecision(ctx, q, now, *c); err != nil {
		return err
	}
	return record(ctx, q, now, c.OrgID, "sla.claim.approve", "sla_claim", c.ID,
		fmt.Sprintf("SLA claim %d approved (%s): account credit %s for %s", c.ID, label, f.Credit, c.Month))
}

// Decide approves or rejects a pending claim on the month's frozen figure in force
// (SLAManage). A claim of a month that is not frozen yet waits.
func (s *Service) Decide(ctx context.Context, by accounts.Principal, claimID int64, approve bool, note string) (Claim, error) {
	if err := by.Check(accounts.SLAManage, accounts.Provider); err != nil {
		return Claim{}, err
	}
	note = strings.TrimSpace(note)
	if len(note) > 2000 || (!approve && note == "") {
		return Claim{}, invalid("note", "compensation.give_reason_most_2000")
	}
	ctx = actorFor(ctx, by)
	var c Claim
	err := s.inTx(ctx, func(q store.Querier) error {
		got, err := claimOf(ctx, q, `WHERE id = $1`, claimID)
		if err != nil {
			return err
		}
		if got == nil {
			return ErrNotFound
		}
		c = *got
		if c.Status != ClaimPending {
			return ErrDecided
		}
		if approve {
			return s.approve(ctx, q, &c, &by, note)
		}
		now := s.now()
		res, err := q.ExecContext(ctx, `UPDATE sla_claims SET status = $1, note = $2, decided_by = $3, decided_by_label = $4, decided_at = $5
			WHERE id = $6 AND status = $7`, ClaimRejected, note, by.User.ID, by.User.Email, now, c.ID, ClaimPending)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = ErrDecided
			}
			return err
		}
		c.Status, c.Note, c.DecidedBy, c.DecidedAt = ClaimRejected, note, by.User.Email, now
		if err := s.mailDecision(ctx, q, now, c); err != nil {
			return err
		}
		return record(ctx, q, now, c.OrgID, "sla.claim.reject", "sla_claim", c.ID, fmt.Sprintf("SLA claim %d rejected: %s", c.ID, note))
	})
	return c, err
}

// autoApprove approves the pending claims the pack lets approve automatically.
func (s *Service) autoApprove(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT `+claimCols+` FROM sla_claims WHERE status = $1 ORDER BY id`, ClaimPending)
	if err != nil {
		return err
	}
	var pending []Claim
	for rows.Next() {
		c, err := scanClaim(rows)
		if err != nil {
			rows.Close()
			return err
		}
		pending = append(pending, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range pending {
		err := s.inTx(ctx, func(q store.Querier) error {
			if ok, err := s.autoApprovable(ctx, q, c); err != nil || !ok {
				return err
			}
			return s.approve(ctx, q, &c, nil, "")
		})
		if errors.Is(err, ErrDecided) {
			continue // decided by staff meanwhile
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Claims lists claims for staff, pending first, then newest (SLARead).
func (s *Service) Claims(ctx context.Context, by accounts.Principal, limit int) ([]Claim, error) {
	if err := by.Check(accounts.SLARead, accounts.Provider); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+claimCols+` FROM sla_claims ORDER BY CASE WHEN status = 'pending' THEN 0 ELSE 1 END, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Claim
	for rows.Next() {
		c, err := scanClaim(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// GetClaim returns a claim with its month (SLARead on the claim's organisation).
func (s *Service) GetClaim(ctx context.Context, by accounts.Principal, id int64) (Claim, Month, error) {
	c, err := claimOf(ctx, s.db, `WHERE id = $1`, id)
	if err != nil {
		return Claim{}, Month{}, err
	}
	if c == nil {
		return Claim{}, Month{}, ErrNotFound
	}
	if err := by.Check(accounts.SLARead, accounts.OrgID(c.OrgID)); err != nil {
		return Claim{}, Month{}, err
	}
	v, err := s.MonthOf(ctx, by, c.SubscriptionID, c.Month)
	return *c, v, err
}
