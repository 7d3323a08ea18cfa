package usage

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/store"
)

// MaxBatch is the most samples one delivery may carry.
const MaxBatch = 10_000

// MaxKeyLen bounds an idempotency key.
const MaxKeyLen = 200

// earliest is the first moment a sample may claim to be measured at.
var earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// ItemError says why one sample of a batch was refused.
type ItemError struct {
	Index   int    `json:"index"`
	Key     string `json:"key,omitempty"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// BatchError is a refused batch: nothing of it was stored.
type BatchError struct{ Items []ItemError }

func (e *BatchError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: %d sample(s) refused, nothing stored", len(e.Items))
	for i, it := range e.Items {
		if i == 5 {
			b.WriteString("; …")
			break
		}
		fmt.Fprintf(&b, "; #%d %s: %s", it.Index, it.Field, it.Message)
	}
	return b.String()
}

func (e *BatchError) Unwrap() error { return ErrInvalid }

// Result counts what a delivery did.
type Result struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"` // keys delivered before: nothing changed
	Warnings   int `json:"warnings"`   // warnings this delivery caused
}

// Submit stores samples from a provider's own collector (usage.submit, a staff token or
// one with the usage scope). The batch is all or nothing: any bad sample refuses it
// with a *BatchError naming each bad item, and nothing is stored.
func (s *Service) Submit(ctx context.Context, by accounts.Principal, samples []Sample) (Result, error) {
	if err := by.Check(accounts.UsageSubmit, accounts.Provider); err != nil {
		return Result{}, err
	}
	ctx = actorFor(ctx, by)
	res, err := s.ingest(ctx, samples, "api", func(ctx context.Context, q store.Querier, r Result) error {
		return audit.Record(ctx, q, s.now(), audit.Change{Action: "usage.submit", ObjectKind: "usage_batch", ObjectID: "",
			Summary: fmt.Sprintf("%d usage samples accepted, %d repeated deliveries ignored", r.Accepted, r.Duplicates)})
	})
	return res, err
}

// Ingest stores samples from inside hostpact (the collector, the demo, the bench)
// without an audit entry.
func (s *Service) Ingest(ctx context.Context, samples []Sample, source string) (Result, error) {
	return s.ingest(ctx, samples, source, nil)
}

// validate checks each sample on its own.
func (s *Service) validate(samples []Sample) []ItemError {
	var errs []ItemError
	if len(samples) == 0 {
		return []ItemError{{Index: -1, Field: "samples", Message: "no samples"}}
	}
	if len(samples) > MaxBatch {
		return []ItemError{{Index: -1, Field: "samples", Message: fmt.Sprintf("at most %d samples per delivery", MaxBatch)}}
	}
	latest := s.clock.Now().Add(time.Hour)
	bad := func(i int, sm Sample, field, format string, args ...any) {
		errs = append(errs, ItemError{Index: i, Key: truncate(sm.Key, 60), Field: field, Message: fmt.Sprintf(format, args...)})
	}
	for i, sm := range samples {
		switch {
		case sm.Key == "":
			bad(i, sm, "key", "an idempotency key is required")
		case len(sm.Key) > MaxKeyLen || !utf8.ValidString(sm.Key) || !printable(sm.Key):
			bad(i, sm, "key", "at most %d printable characters", MaxKeyLen)
		}
		if sm.ServiceID <= 0 {
			bad(i, sm, "service_id", "a service id is required")
		}
		if !sm.Metric.Valid() {
			bad(i, sm, "metric", "unknown metric %q (one of %s)", truncate(string(sm.Metric), 30), metricNames())
		}
		if sm.Value < 0 {
			bad(i, sm, "value", "cannot be negative (an unlimited plan is not a usage figure)")
		}
		switch {
		case sm.MeasuredAt.IsZero():
			bad(i, sm, "measured_at", "the time of the measurement is required")
		case sm.MeasuredAt.Before(earliest):
			bad(i, sm, "measured_at", "before %s", earliest.Format("2006-01-02"))
		case sm.MeasuredAt.After(latest):
			bad(i, sm, "measured_at", "lies in the future")
		}
	}
	return errs
}

func metricNames() string {
	s := make([]string, len(Metrics))
	for i, m := range Metrics {
		s[i] = string(m)
	}
	return strings.Join(s, ", ")
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// ingest stores a batch's new samples in one transaction; after, when set, runs in
// it. The monthly aggregates and the warnings they cause follow from the fold: in the
// same call unless Deps.FoldLater leaves them to the usage.fold job.
func (s *Service) ingest(ctx context.Context, samples []Sample, source string, after func(context.Context, store.Querier, Result) error) (Result, error) {
	if errs := s.validate(samples); len(errs) > 0 {
		return Result{}, &BatchError{Items: errs}
	}
	svcs := map[int64]Metered{}
	var errs []ItemError
	for i, sm := range samples {
		if _, ok := svcs[sm.ServiceID]; ok {
			continue
		}
		m, err := s.d.Directory.MeteredService(ctx, sm.ServiceID)
		if errors.Is(err, accounts.ErrNotFound) {
			errs = append(errs, ItemError{Index: i, Key: truncate(sm.Key, 60), Field: "service_id", Message: fmt.Sprintf("no service %d", sm.ServiceID)})
			svcs[sm.ServiceID] = Metered{}
			continue
		}
		if err != nil {
			return Result{}, err
		}
		svcs[sm.ServiceID] = m
	}
	if len(errs) > 0 {
		return Result{}, &BatchError{Items: errs}
	}
	var res Result
	err := s.inConnTx(ctx, func(q store.Querier) error {
		var err error
		res, err = s.store(ctx, q, samples, svcs, source)
		if err == nil && after != nil {
			err = after(ctx, q, res)
		}
		return err
	})
	if err != nil || s.d.FoldLater {
		return res, err
	}
	f, err := s.Fold(ctx, 0)
	res.Warnings = f.Warnings
	return res, err
}

func (s *Service) inConnTx(ctx context.Context, fn func(q store.Querier) error) error {
	tx, err := s.db.BeginConnTx(ctx)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

type seriesKey struct {
	service int64
	metric  Metric
}

type monthKey struct {
	service int64
	metric  Metric
	month   string
}

type monthAgg struct {
	amount, samples, resets int64
	// last is the month's last sample: the next sample's baseline when this is the
	// series' latest month.
	last   int64
	lastAt time.Time
}

type seriesState struct {
	value int64
	at    time.Time
	known bool
}

// count adds a series' next sample, in time order, to its month in aggs and returns
// the series' new state: a counter adds its growth since the state (the first sample
// is only the baseline; a value below the state is a reset, a new run from zero), a
// level keeps the month's maximum.
func count(aggs map[monthKey]*monthAgg, st seriesState, service int64, metric Metric, v int64, at time.Time) seriesState {
	mk := monthKey{service, metric, MonthOf(at)}
	a := aggs[mk]
	if a == nil {
		a = &monthAgg{}
		aggs[mk] = a
	}
	a.samples++
	if metric.Counter() {
		switch {
		case !st.known:
		case v >= st.value:
			a.amount += v - st.value
		default:
			a.amount += v
			a.resets++
		}
	} else if v > a.amount {
		a.amount = v
	}
	a.last, a.lastAt = v, at
	return seriesState{value: v, at: at, known: true}
}

// store inserts a validated batch's samples that were not delivered before.
func (s *Service) store(ctx context.Context, q store.Querier, samples []Sample, svcs map[int64]Metered, source string) (Result, error) {
	now := s.now()
	var res Result
	if err := upsertServices(ctx, q, now, svcs); err != nil {
		return res, err
	}
	// Drop keys repeated within the batch and keys delivered before.
	seen := make(map[string]bool, len(samples))
	fresh := make([]Sample, 0, len(samples))
	for _, sm := range samples {
		if seen[sm.Key] {
			res.Duplicates++
			continue
		}
		seen[sm.Key] = true
		sm.MeasuredAt = store.Now(sm.MeasuredAt)
		fresh = append(fresh, sm)
	}
	if s.db.Dialect == store.SQLite {
		// One statement per chunk inserts what is new: the unique key answers
		// "delivered before?" in the same step as the insert.
		n, err := insertNewSamplesSQLite(ctx, q, now, fresh, source)
		if err != nil {
			return res, err
		}
		res.Duplicates += len(fresh) - n
		res.Accepted = n
		return res, nil
	} else {
		// The fold must not pass an id whose transaction has not committed: ids are
		// taken in insert order but committed in any. Deliveries share the fold's
		// row, the fold takes it alone (foldChunk), so it waits for those in flight.
		// SQLite writes one transaction at a time, so its ids commit in order.
		if _, err := q.ExecContext(ctx, `SELECT last_id FROM usage_fold WHERE name = 'months' FOR SHARE`); err != nil {
			return res, err
		}
		old, err := existingKeys(ctx, q, fresh)
		if err != nil {
			return res, err
		}
		if len(old) > 0 {
			fresh = slices.DeleteFunc(fresh, func(sm Sample) bool { return old[sm.Key] })
			res.Duplicates += len(old)
		}
		if len(fresh) > 0 {
			if err := insertSamples(ctx, q, now, fresh, source); err != nil {
				return res, err
			}
		}
	}
	res.Accepted = len(fresh)
	return res, nil
}

// chunk calls fn for consecutive slices of at most n items.
func chunk[T any](xs []T, n int, fn func([]T) error) error {
	for len(xs) > 0 {
		m := min(n, len(xs))
		if err := fn(xs[:m]); err != nil {
			return err
		}
		xs = xs[m:]
	}
	return nil
}

func placeholders(b *strings.Builder, row, cols int) {
	b.WriteByte('(')
	for c := range cols {
		if c > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(b, "$%d", row*cols+c+1)
	}
	b.WriteByte(')')
}

func nullInt(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// upsertServices records what usage knows of the batch's services; a row changes only
// when the service did (updated_at says when), so a batch of unchanged services
// writes nothing.
func upsertServices(ctx context.Context, q store.Querier, now time.Time, svcs map[int64]Metered) error {
	ids := make([]int64, 0, len(svcs))
	for id := range svcs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	// The rows are read and compared here first: reading a row costs a fraction of
	// binding the eleven values an upsert would compare, and a delivery's services are
	// nearly always unchanged.
	ms := make([]Metered, 0, len(svcs))
	err := chunk(ids, 500, func(ids []int64) error {
		same := map[int64]bool{}
		if err := recordedServices(ctx, q, ids, false, func(m Metered) { same[m.ServiceID] = sameMetered(m, svcs[m.ServiceID]) }); err != nil {
			return err
		}
		for _, id := range ids {
			if !same[id] {
				ms = append(ms, svcs[id])
			}
		}
		return nil
	})
	if err != nil || len(ms) == 0 {
		return err
	}
	return chunk(ms, 200, func(ms []Metered) error {
		var b strings.Builder
		b.WriteString(`INSERT INTO usage_services (service_id, org_id, subscription_id, plan_id, plan_name, kind, name, active,
			storage_limit_mb, traffic_limit_gb, updated_at) VALUES `)
		args := make([]any, 0, len(ms)*11)
		for i, m := range ms {
			if i > 0 {
				b.WriteByte(',')
			}
			placeholders(&b, i, 11)
			args = append(args, m.ServiceID, m.OrgID, m.SubscriptionID, m.PlanID, m.PlanName, m.Kind, m.Name, m.Active,
				nullInt(m.StorageMB), nullInt(m.TrafficGB), now)
		}
		b.WriteString(` ON CONFLICT (service_id) DO UPDATE SET org_id = excluded.org_id, subscription_id = excluded.subscription_id,
			plan_id = excluded.plan_id, plan_name = excluded.plan_name, kind = excluded.kind, name = excluded.name, active = excluded.active,
			storage_limit_mb = excluded.storage_limit_mb, traffic_limit_gb = excluded.traffic_limit_gb, updated_at = excluded.updated_at
			WHERE usage_services.org_id <> excluded.org_id OR usage_services.subscription_id <> excluded.subscription_id
			OR usage_services.plan_id <> excluded.plan_id OR usage_services.plan_name <> excluded.plan_name OR usage_services.kind <> excluded.kind
			OR usage_services.name <> excluded.name OR usage_services.active <> excluded.active
			OR usage_services.storage_limit_mb IS DISTINCT FROM excluded.storage_limit_mb
			OR usage_services.traffic_limit_gb IS DISTINCT FROM excluded.traffic_limit_gb`)
		_, err := q.ExecContext(ctx, b.String(), args...)
		return err
	})
}

// sameMetered reports whether usage's row a says what the directory's b does.
func sameMetered(a, b Metered) bool {
	eqp := func(x, y *int64) bool { return x == nil && y == nil || x != nil && y != nil && *x == *y }
	return a.ServiceID == b.ServiceID && a.OrgID == b.OrgID && a.SubscriptionID == b.SubscriptionID && a.PlanID == b.PlanID &&
		a.PlanName == b.PlanName && a.Kind == b.Kind && a.Name == b.Name && a.Active == b.Active &&
		eqp(a.StorageMB, b.StorageMB) && eqp(a.TrafficGB, b.TrafficGB)
}

func existingKeys(ctx context.Context, q store.Querier, samples []Sample) (map[string]bool, error) {
	out := map[string]bool{}
	err := chunk(samples, 500, func(ss []Sample) error {
		var b strings.Builder
		b.WriteString(`SELECT idem_key FROM usage_samples WHERE idem_key IN (`)
		args := make([]any, len(ss))
		for i, sm := range ss {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "$%d", i+1)
			args[i] = sm.Key
		}
		b.WriteByte(')')
		rows, err := q.QueryContext(ctx, b.String(), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				return err
			}
			out[k] = true
		}
		return rows.Err()
	})
	return out, err
}

var sampleColumns = []string{"idem_key", "service_id", "metric", "value", "measured_at", "source", "received_at"}

// insertSamples writes new samples: COPY on PostgreSQL, multi-row INSERTs on SQLite.
func insertSamples(ctx context.Context, q store.Querier, now time.Time, ss []Sample, source string) error {
	if c, ok := store.CopierOf(q); ok {
		rows := make([][]any, len(ss))
		for i, sm := range ss {
			rows[i] = []any{sm.Key, sm.ServiceID, string(sm.Metric), sm.Value, sm.MeasuredAt, source, now}
		}
		_, err := c.CopyFrom(ctx, "usage_samples", sampleColumns, rows)
		return err
	}
	return chunk(ss, 500, func(ss []Sample) error {
		var b strings.Builder
		b.WriteString(`INSERT INTO usage_samples (idem_key, service_id, metric, value, measured_at, source, received_at) VALUES `)
		args := make([]any, 0, len(ss)*7)
		for i, sm := range ss {
			if i > 0 {
				b.WriteByte(',')
			}
			placeholders(&b, i, 7)
			args = append(args, sm.Key, sm.ServiceID, string(sm.Metric), sm.Value, sm.MeasuredAt, source, now)
		}
		_, err := q.ExecContext(ctx, b.String(), args...)
		return err
	})
}

// jsonChunk is how many rows one JSON array carries into SQLite: one bound text per
// statement instead of thousands of parameters, which SQLite would parse and bind
// one by one.
const jsonChunk = 2000

// sqliteTime is how the SQLite connection writes a time (store.Open sets
// _time_format=sqlite), so that times inserted from JSON compare and read back as
// those bound as parameters.
const sqliteTime = "2006-01-02 15:04:05.999999999-07:00"

// insertNewSamplesSQLite inserts the samples whose keys were not delivered before and
// returns how many it inserted.
func insertNewSamplesSQLite(ctx context.Context, q store.Querier, now time.Time, ss []Sample, source string) (int, error) {
	n := 0
	err := chunk(ss, jsonChunk, func(ss []Sample) error {
		b := make([]byte, 0, len(ss)*80)
		b = append(b, '[')
		for i, sm := range ss {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			b = appendJSONString(b, sm.Key)
			b = append(b, ',')
			b = strconv.AppendInt(b, sm.ServiceID, 10)
			b = append(b, ',', '"')
			b = append(b, sm.Metric...)
			b = append(b, '"', ',')
			b = strconv.AppendInt(b, sm.Value, 10)
			b = append(b, ',', '"')
			b = sm.MeasuredAt.UTC().AppendFormat(b, sqliteTime)
			b = append(b, '"', ']')
		}
		b = append(b, ']')
		r, err := q.ExecContext(ctx, `INSERT INTO usage_samples (idem_key, service_id, metric, value, measured_at, source, received_at)
			SELECT j.value->>0, j.value->>1, j.value->>2, j.value->>3, j.value->>4, $2, $3 FROM jsonb_each($1) j WHERE true
			ON CONFLICT (idem_key) DO NOTHING`, string(b), source, now)
		if err != nil {
			return err
		}
		k, err := r.RowsAffected()
		n += int(k)
		return err
	})
	return n, err
}

// appendJSONString appends s as a JSON string. Keys are valid UTF-8 without control
// characters (validate), so only quotes and backslashes need escaping; the rest is
// escaped anyway for safety.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// loadSeries reads the baselines of the counter series (and the last times of the
// gauges) a batch touches: the last sample on each series' latest month row. ss is
// sorted by service, metric and time.
func loadSeries(ctx context.Context, q store.Querier, ss []Sample) (map[seriesKey]seriesState, error) {
	ids := []int64{}
	metrics := map[Metric]bool{}
	first := ss[0].MeasuredAt
	for i, sm := range ss {
		if i == 0 || sm.ServiceID != ss[i-1].ServiceID {
			ids = append(ids, sm.ServiceID)
		}
		metrics[sm.Metric] = true
		if sm.MeasuredAt.Before(first) {
			first = sm.MeasuredAt
		}
	}
	names := make([]string, 0, len(metrics))
	for m := range metrics {
		names = append(names, "'"+string(m)+"'") // Metric.Valid: known names only
	}
	slices.Sort(names)
	month := MonthOf(first)
	out := map[seriesKey]seriesState{}
	latest := map[seriesKey]string{}
	inBatch := make(map[int64]bool, len(ids))
	for _, id := range ids {
		inBatch[id] = true
	}
	keep := func(rows *sql.Rows) error {
		defer rows.Close()
		for rows.Next() {
			var k seriesKey
			var m string
			var st seriesState
			if err := rows.Scan(&k.service, &k.metric, &m, &st.value, &st.at); err != nil {
				return err
			}
			if !inBatch[k.service] || !metrics[k.metric] {
				continue
			}
			if m > latest[k] {
				latest[k] = m
				st.known = true
				out[k] = st
			}
		}
		return rows.Err()
	}
	// The rows of the batch's first month, by primary key.
	err := chunk(ids, 500, func(ids []int64) error {
		var b strings.Builder
		b.WriteString(`SELECT service_id, metric, month, last_value, last_at FROM usage_months WHERE month = $1 AND last_at IS NOT NULL AND metric IN (`)
		b.WriteString(strings.Join(names, ","))
		b.WriteString(`) AND service_id IN (`)
		args := make([]any, 0, len(ids)+1)
		args = append(args, month)
		for i, id := range ids {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "$%d", i+2)
			args = append(args, id)
		}
		b.WriteByte(')')
		rows, err := q.QueryContext(ctx, b.String(), args...)
		if err != nil {
			return err
		}
		return keep(rows)
	})
	if err != nil {
		return nil, err
	}
	// Rows of later months, through the month index: none, except in the first
	// hours of a month or when the batch is late, which the later row shows.
	rows, err := q.QueryContext(ctx, `SELECT service_id, metric, month, last_value, last_at FROM usage_months WHERE month > $1 AND last_at IS NOT NULL`, month)
	if err != nil {
		return nil, err
	}
	if err := keep(rows); err != nil {
		return nil, err
	}
	// A series without a row since then: its first sample of a new month, or a new
	// series. Its baseline is on its latest earlier month's row, if any.
	for i, sm := range ss {
		k := seriesKey{sm.ServiceID, sm.Metric}
		if i > 0 && k == (seriesKey{ss[i-1].ServiceID, ss[i-1].Metric}) {
			continue
		}
		if _, ok := out[k]; ok {
			continue
		}
		var st seriesState
		err := q.QueryRowContext(ctx, `SELECT last_value, last_at FROM usage_months WHERE service_id = $1 AND metric = $2 AND month < $3
			AND last_at IS NOT NULL ORDER BY month DESC LIMIT 1`, k.service, string(k.metric), month).Scan(&st.value, &st.at)
		switch {
		case err == nil:
			st.known = true
			out[k] = st
		case !errors.Is(err, errNoRows):
			return nil, err
		}
	}
	return out, nil
}

// upsertMonths adds the batch's figures to the monthly aggregates: counters add their
// increases, gauges keep the higher value.
func upsertMonths(ctx context.Context, q store.Querier, sqlite bool, now time.Time, aggs map[monthKey]*monthAgg) error {
	type row struct {
		k monthKey
		a *monthAgg
	}
	var counters, gauges []row
	for k, a := range aggs {
		if k.metric.Counter() {
			counters = append(counters, row{k, a})
		} else {
			gauges = append(gauges, row{k, a})
		}
	}
	order := func(a, b row) int {
		return cmp.Or(cmp.Compare(a.k.service, b.k.service), cmp.Compare(a.k.metric, b.k.metric), cmp.Compare(a.k.month, b.k.month))
	}
	slices.SortFunc(counters, order)
	slices.SortFunc(gauges, order)
	// The month's last sample moves only forward: a batch never holds a sample older
	// than the series has seen (those are recounted), but the rule costs nothing.
	const lastUpdate = `, samples = usage_months.samples + excluded.samples, resets = usage_months.resets + excluded.resets,
		last_value = CASE WHEN usage_months.last_at IS NULL OR excluded.last_at >= usage_months.last_at THEN excluded.last_value ELSE usage_months.last_value END,
		last_at = CASE WHEN usage_months.last_at IS NULL OR excluded.last_at >= usage_months.last_at THEN excluded.last_at ELSE usage_months.last_at END,
		updated_at = excluded.updated_at`
	write := func(rs []row, update string) error {
		if sqlite {
			return chunk(rs, jsonChunk, func(rs []row) error {
				b := make([]byte, 0, len(rs)*48)
				b = append(b, '[')
				for i, r := range rs {
					if i > 0 {
						b = append(b, ',')
					}
					b = append(b, '[')
					b = strconv.AppendInt(b, r.k.service, 10)
					b = append(b, ',', '"')
					b = append(b, r.k.metric...)
					b = append(b, '"', ',', '"')
					b = append(b, r.k.month...)
					b = append(b, '"', ',')
					b = strconv.AppendInt(b, r.a.amount, 10)
					b = append(b, ',')
					b = strconv.AppendInt(b, r.a.samples, 10)
					b = append(b, ',')
					b = strconv.AppendInt(b, r.a.resets, 10)
					b = append(b, ',')
					b = strconv.AppendInt(b, r.a.last, 10)
					b = append(b, ',', '"')
					b = r.a.lastAt.UTC().AppendFormat(b, sqliteTime)
					b = append(b, '"', ']')
				}
				b = append(b, ']')
				_, err := q.ExecContext(ctx, `INSERT INTO usage_months (service_id, metric, month, amount, samples, resets, last_value, last_at, updated_at)
					SELECT j.value->>0, j.value->>1, j.value->>2, j.value->>3, j.value->>4, j.value->>5, j.value->>6, j.value->>7, $2 FROM jsonb_each($1) j WHERE true
					ON CONFLICT (service_id, metric, month) DO UPDATE SET `+update+lastUpdate, string(b), now)
				return err
			})
		}
		return chunk(rs, 400, func(rs []row) error {
			var b strings.Builder
			b.WriteString(`INSERT INTO usage_months (service_id, metric, month, amount, samples, resets, last_value, last_at, updated_at) VALUES `)
			args := make([]any, 0, len(rs)*9)
			for i, r := range rs {
				if i > 0 {
					b.WriteByte(',')
				}
				placeholders(&b, i, 9)
				args = append(args, r.k.service, string(r.k.metric), r.k.month, r.a.amount, r.a.samples, r.a.resets, r.a.last, r.a.lastAt, now)
			}
			b.WriteString(` ON CONFLICT (service_id, metric, month) DO UPDATE SET ` + update + lastUpdate)
			_, err := q.ExecContext(ctx, b.String(), args...)
			return err
		})
	}
	if err := write(counters, `amount = usage_months.amount + excluded.amount`); err != nil {
		return err
	}
	return write(gauges, `amount = CASE WHEN excluded.amount > usage_months.amount THEN excluded.amount ELSE usage_months.amount END`)
}

// recomputeSeries counts a series' months from month on again from its samples up to
// id upTo (the fold's chunk; later ones are the next chunk's): the baseline is the
// last sample before the month.
func recomputeSeries(ctx context.Context, q store.Querier, sqlite bool, now time.Time, k seriesKey, month string, upTo int64) error {
	from, err := monthStart(month)
	if err != nil {
		return err
	}
	st := seriesState{}
	err = q.QueryRowContext(ctx, `SELECT value, measured_at FROM usage_samples WHERE service_id = $1 AND metric = $2 AND measured_at < $3
		AND id <= $4 ORDER BY measured_at DESC, id DESC LIMIT 1`, k.service, string(k.metric), store.Now(from), upTo).Scan(&st.value, &st.at)
	if err == nil {
		st.known = true
	} else if !errors.Is(err, errNoRows) {
		return err
	}
	rows, err := q.QueryContext(ctx, `SELECT value, measured_at FROM usage_samples WHERE service_id = $1 AND metric = $2 AND measured_at >= $3
		AND id <= $4 ORDER BY measured_at, id`, k.service, string(k.metric), store.Now(from), upTo)
	if err != nil {
		return err
	}
	aggs := map[monthKey]*monthAgg{}
	for rows.Next() {
		var v int64
		var at time.Time
		if err := rows.Scan(&v, &at); err != nil {
			rows.Close()
			return err
		}
		st = count(aggs, st, k.service, k.metric, v, at)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM usage_months WHERE service_id = $1 AND metric = $2 AND month >= $3`, k.service, string(k.metric), month); err != nil {
		return err
	}
	return upsertMonths(ctx, q, sqlite, now, aggs)
}
