package monitor

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/sla"
	"github.com/hostpact/hostpact/internal/store"
)

// AllServers lists every server by location and name.
func (s *Service) AllServers(ctx context.Context, q store.Querier) ([]Server, error) {
	return queryServers(ctx, q, `ORDER BY location, name, id`)
}

// ServersOf lists the servers subscriptionID is placed on.
func (s *Service) ServersOf(ctx context.Context, q store.Querier, subscriptionID int64) ([]Server, error) {
	return queryServers(ctx, q, `WHERE id IN (SELECT server_id FROM monitor_placements WHERE subscription_id = $1) ORDER BY location, name, id`, subscriptionID)
}

// SubscriptionsOn lists the placements on any of serverIDs.
func (s *Service) SubscriptionsOn(ctx context.Context, q store.Querier, serverIDs []int64) ([]Placement, error) {
	if len(serverIDs) == 0 {
		return nil, nil
	}
	in, args := store.InList(1, serverIDs)
	rows, err := q.QueryContext(ctx, `SELECT subscription_id, org_id, server_id FROM monitor_placements WHERE server_id IN `+in+`
		ORDER BY server_id, subscription_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("monitor: placements: %w", err)
	}
	defer rows.Close()
	var out []Placement
	for rows.Next() {
		var p Placement
		if err := rows.Scan(&p.SubscriptionID, &p.OrgID, &p.ServerID); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// An outage carries its component's name and target, so it outlives a deleted server:
// it is the evidence of the SLA figures (cp.av.19.5).
const outageCols = `o.id, o.component_id, o.server_id, o.component, o.target, o.from_at, o.to_at, o.reason`

func queryOutages(ctx context.Context, q store.Querier, where string, args ...any) ([]Outage, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+outageCols+` FROM monitor_outages o `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("monitor: outages: %w", err)
	}
	defer rows.Close()
	var out []Outage
	for rows.Next() {
		var o Outage
		var to *time.Time
		if err := rows.Scan(&o.ID, &o.ComponentID, &o.ServerID, &o.Component, &o.Target, &o.From, &to, &o.Reason); err != nil {
			return nil, err
		}
		o.From = o.From.UTC()
		if to != nil {
			o.To = to.UTC()
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// OutagesBetween lists the confirmed outages overlapping [from, to); ongoing ones have a
// zero To.
func (s *Service) OutagesBetween(ctx context.Context, q store.Querier, from, to time.Time) ([]Outage, error) {
	return queryOutages(ctx, q, `WHERE o.from_at < $2 AND (o.to_at IS NULL OR o.to_at > $1) ORDER BY o.from_at, o.id`,
		store.Now(from), store.Now(to))
}

// OutageFilter narrows the staff list of outages.
type OutageFilter struct {
	ServerID int64
	Open     bool // only ongoing ones
}

// Page is a page of a list newest first: rows with an id below Before (0: the newest).
type Page struct {
	Before int64
	Limit  int
}

// Outages lists outages newest first.
func (s *Service) Outages(ctx context.Context, by accounts.Principal, f OutageFilter, p Page) ([]Outage, error) {
	if err := mayRead(by); err != nil {
		return nil, err
	}
	if p.Limit <= 0 || p.Limit > 500 {
		p.Limit = 50
	}
	where := []string{"TRUE"}
	var args []any
	if f.ServerID != 0 {
		args = append(args, f.ServerID)
		where = append(where, fmt.Sprintf("o.server_id = $%d", len(args)))
	}
	if f.Open {
		where = append(where, "o.to_at IS NULL")
	}
	if p.Before > 0 {
		args = append(args, p.Before)
		where = append(where, fmt.Sprintf("o.id < $%d", len(args)))
	}
	args = append(args, p.Limit)
	return queryOutages(ctx, s.db, `WHERE `+strings.Join(where, " AND ")+fmt.Sprintf(` ORDER BY o.id DESC LIMIT $%d`, len(args)), args...)
}

// ServiceChecks returns every stored result of the components of the servers
// subscriptionID is placed on within [from, to), as the calculator's checks.
func (s *Service) ServiceChecks(ctx context.Context, q store.Querier, subscriptionID int64, from, to time.Time) ([]sla.Check, error) {
	return s.checks(ctx, q, `c.server_id IN (SELECT server_id FROM monitor_placements WHERE subscription_id = $3)`, subscriptionID, from, to)
}

// ServiceFailed reports whether any component of the servers subscriptionID is placed on
// failed a check within [from, to). Without a failed check no location saw anything
// down, so a month's figure needs none of the checks that ServiceChecks would expand:
// the customer's home asks this first, for every service and month it shows.
func (s *Service) ServiceFailed(ctx context.Context, q store.Querier, subscriptionID int64, from, to time.Time) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, serviceFailedSQL, store.Now(from), store.Now(to), subscriptionID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("monitor: failed results of subscription %d: %w", subscriptionID, err)
	}
	return true, nil
}

// FailureWindow is a subscription's window [From, To) for ServicesFailed.
type FailureWindow struct {
	SubscriptionID int64
	From, To       time.Time
}

// ServicesFailed answers ServiceFailed for each of windows, in one query: the customer's
// home asks it for every service and month it shows, and one query per window was most
// of the home's cost (issue 16). It reads the failed runs of all the windows'
// subscriptions over their whole span and decides each window with ServiceFailed's
// condition. Failed runs are few where nothing is down, and where a flapping service
// has many, the month's figure that follows reads all its checks anyway.
func (s *Service) ServicesFailed(ctx context.Context, q store.Querier, windows []FailureWindow) ([]bool, error) {
	out := make([]bool, len(windows))
	if len(windows) == 0 {
		return out, nil
	}
	from, to := store.Now(windows[0].From), store.Now(windows[0].To)
	bySub := map[int64][]int{}
	var subs []int64
	for i, w := range windows {
		if _, ok := bySub[w.SubscriptionID]; !ok {
			subs = append(subs, w.SubscriptionID)
		}
		bySub[w.SubscriptionID] = append(bySub[w.SubscriptionID], i)
		if f := store.Now(w.From); f.Before(from) {
			from = f
		}
		if t := store.Now(w.To); t.After(to) {
			to = t
		}
	}
	in, args := store.InList(3, subs)
	rows, err := q.QueryContext(ctx, servicesFailedSQL(in), append([]any{from, to}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("monitor: failed results of subscriptions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sub int64
		var first, last time.Time
		if err := rows.Scan(&sub, &first, &last); err != nil {
			return nil, err
		}
		for _, i := range bySub[sub] {
			w := windows[i]
			if !last.Before(store.Now(w.From)) && first.Before(store.Now(w.To)) {
				out[i] = true
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("monitor: failed results of subscriptions: %w", err)
	}
	return out, nil
}

// The failed runs of a subscription's (or subscriptions') components within [$1, $2):
// monitor_results_failed has them by component and time (issue 16).
const serviceFailedSQL = `SELECT 1 FROM monitor_results r JOIN monitor_components c ON c.id = r.component_id
	WHERE NOT r.ok AND r.last_at >= $1 AND r.first_at < $2
	AND c.server_id IN (SELECT server_id FROM monitor_placements WHERE subscription_id = $3) LIMIT 1`

func servicesFailedSQL(in string) string {
	return `SELECT p.subscription_id, r.first_at, r.last_at FROM monitor_placements p
	JOIN monitor_components c ON c.server_id = p.server_id JOIN monitor_results r ON r.component_id = c.id
	WHERE p.subscription_id IN ` + in + ` AND NOT r.ok AND r.last_at >= $1 AND r.first_at < $2`
}

// ServerChecks returns the results of one server's components within [from, to).
func (s *Service) ServerChecks(ctx context.Context, q store.Querier, serverID int64, from, to time.Time) ([]sla.Check, error) {
	return s.checks(ctx, q, `c.server_id = $3`, serverID, from, to)
}

// run is one stored row of monitor_results.
type run struct {
	id              int64
	component       int64
	location        string
	first, last     time.Time
	count           int
	ok              bool
	reason          string
	latLast, latMax int64
	name, target    string
	interval        time.Duration
}

func (s *Service) checks(ctx context.Context, q store.Querier, where string, id int64, from, to time.Time) ([]sla.Check, error) {
	from, to = store.Now(from), store.Now(to)
	rules, err := s.rules(from)
	if err != nil {
		return nil, err
	}
	runs, err := queryRuns(ctx, q, `r.last_at >= $1 AND r.first_at < $2 AND `+where, from, to, id)
	if err != nil {
		return nil, err
	}
	var out []sla.Check
	for _, r := range runs {
		for _, at := range expand(r, rules.ConfirmFailures, gapFor(rules, r.interval)) {
			if !at.Before(from) && at.Before(to) {
				out = append(out, sla.Check{Component: r.name, Target: r.target, Location: r.location, At: at, OK: r.ok})
			}
		}
	}
	return out, nil
}

func queryRuns(ctx context.Context, q store.Querier, where string, args ...any) ([]run, error) {
	rows, err := q.QueryContext(ctx, `SELECT r.id, r.component_id, r.location, r.first_at, r.last_at, r.checks, r.ok, r.reason,
		r.latency_last_us, r.latency_max_us, c.name, c.target, c.interval_seconds
		FROM monitor_results r JOIN monitor_components c ON c.id = r.component_id WHERE `+where+`
		ORDER BY r.component_id, r.location, r.first_at`, args...)
	if err != nil {
		return nil, fmt.Errorf("monitor: results: %w", err)
	}
	defer rows.Close()
	var out []run
	for rows.Next() {
		var r run
		var secs int64
		if err := rows.Scan(&r.id, &r.component, &r.location, &r.first, &r.last, &r.count, &r.ok, &r.reason,
			&r.latLast, &r.latMax, &r.name, &r.target, &secs); err != nil {
			return nil, err
		}
		r.first, r.last, r.interval = r.first.UTC(), r.last.UTC(), time.Duration(secs)*time.Second
		out = append(out, r)
	}
	return out, rows.Err()
}

// expand turns a stored run back into checks the calculator reads exactly as it would
// read the checks themselves: the first and the last check, and in between evenly
// spaced checks no further than maxGap apart (so the calculator sees no gap where the
// probes measured) and, for a run of failures, at least confirm of them (so a run
// long enough to be confirmed still is). A run never yields more checks than it holds.
func expand(r run, confirm int, maxGap time.Duration) []time.Time {
	if r.count <= 1 || !r.last.After(r.first) {
		return []time.Time{r.first}
	}
	span := r.last.Sub(r.first)
	n := 2
	if maxGap > 0 {
		n = max(n, int((span+maxGap-1)/maxGap)+1)
	}
	n = min(max(n, confirm), r.count)
	out := make([]time.Time, n)
	for i := range n {
		out[i] = r.first.Add(time.Duration(int64(span) * int64(i) / int64(n-1)))
	}
	out[n-1] = r.last
	return out
}
