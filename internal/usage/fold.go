package usage

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/store"
)

// foldChunk is how many samples one fold transaction adds to the months: a series'
// baseline is read and its month row written once per chunk, whatever the number of
// deliveries in it.
const foldChunk = 200_000

// foldEvery is how often the job folds what was delivered since.
const foldEvery = time.Minute

type idSample struct {
	Sample
	id     int64
	series int // the series' rank (service, metric): sorting compares one int
	ns     int64
}

// foldBufs keeps the chunks' sample slices between folds: growing one to a chunk's
// size again each time cost more than the fold's arithmetic.
var foldBufs = sync.Pool{New: func() any { return new([]idSample) }}

// FoldJob returns the job that adds the samples delivered since the last fold to the
// monthly aggregates and sends the warnings they call for (Deps.FoldLater).
func (s *Service) FoldJob() jobs.Job {
	return jobs.Job{Name: "usage.fold", Every: foldEvery, Run: func(ctx context.Context, _ time.Time) error {
		_, err := s.Fold(audit.JobContext(ctx, "usage.fold"), 0)
		return err
	}}
}

// FoldResult counts what a fold did.
type FoldResult struct {
	Samples  int // samples added to the months
	Warnings int // warnings they caused
}

// Fold adds every sample above the watermark to the monthly aggregates, in chunks of
// at most chunk samples (0: foldChunk), each in one transaction that also moves the
// watermark: a fold killed half-way keeps the chunks it committed and counts none of
// their samples again.
func (s *Service) Fold(ctx context.Context, chunk int) (FoldResult, error) {
	if chunk <= 0 {
		chunk = foldChunk
	}
	var total FoldResult
	for {
		var r FoldResult
		err := s.inConnTx(ctx, func(q store.Querier) error {
			var err error
			r, err = s.foldChunk(ctx, q, chunk)
			return err
		})
		if err != nil {
			return total, err
		}
		total.Samples += r.Samples
		total.Warnings += r.Warnings
		if r.Samples < chunk {
			return total, nil
		}
	}
}

// foldChunk folds the next at most n samples after the watermark.
func (s *Service) foldChunk(ctx context.Context, q store.Querier, n int) (FoldResult, error) {
	var res FoldResult
	sqlite := s.db.Dialect == store.SQLite
	// Taking the watermark's row first makes folds take turns, and on PostgreSQL
	// waits for the deliveries still in flight (store).
	var mark int64
	if err := q.QueryRowContext(ctx, `UPDATE usage_fold SET last_id = last_id WHERE name = 'months' RETURNING last_id`).Scan(&mark); err != nil {
		return res, err
	}
	// On SQLite the time is read as the text it is stored as and parsed once per
	// distinct moment: a delivery is mostly one moment of many series.
	at := `measured_at`
	if sqlite {
		at = `CAST(measured_at AS TEXT)`
	}
	rows, err := q.QueryContext(ctx, `SELECT id, service_id, metric, value, `+at+` FROM usage_samples WHERE id > $1 ORDER BY id LIMIT $2`, mark, n)
	if err != nil {
		return res, err
	}
	buf := foldBufs.Get().(*[]idSample)
	defer func() { *buf = (*buf)[:0]; foldBufs.Put(buf) }()
	ss := *buf
	times := map[string]time.Time{}
	names := map[string]Metric{}
	var text, name sql.RawBytes
	for rows.Next() {
		var sm idSample
		var err error
		if sqlite {
			// Read as bytes and looked up: no string allocated per sample.
			if err = rows.Scan(&sm.id, &sm.ServiceID, &name, &sm.Value, &text); err == nil {
				var ok bool
				if sm.Metric, ok = names[string(name)]; !ok {
					sm.Metric = Metric(name)
					names[string(name)] = sm.Metric
				}
				if sm.MeasuredAt, ok = times[string(text)]; !ok {
					sm.MeasuredAt, err = time.Parse(sqliteTime, string(text))
					times[string(text)] = sm.MeasuredAt
				}
			}
		} else {
			err = rows.Scan(&sm.id, &sm.ServiceID, &sm.Metric, &sm.Value, &sm.MeasuredAt)
		}
		if err != nil {
			rows.Close()
			return res, err
		}
		ss = append(ss, sm)
	}
	*buf = ss
	rows.Close()
	if err := rows.Err(); err != nil || len(ss) == 0 {
		return res, err
	}
	upTo := ss[len(ss)-1].id
	res.Samples = len(ss)
	// Each series in the order of its measurements (ties in the order of delivery),
	// as a recount reads them.
	series := map[seriesKey]int{}
	for i := range ss {
		k := seriesKey{ss[i].ServiceID, ss[i].Metric}
		r, ok := series[k]
		if !ok {
			r = len(series)
			series[k] = r
		}
		ss[i].series, ss[i].ns = r, ss[i].MeasuredAt.UnixNano()
	}
	keys := make([]seriesKey, 0, len(series))
	for k := range series {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b seriesKey) int {
		return cmp.Or(cmp.Compare(a.service, b.service), cmp.Compare(a.metric, b.metric))
	})
	for i, k := range keys {
		series[k] = i
	}
	for i := range ss {
		ss[i].series = series[seriesKey{ss[i].ServiceID, ss[i].Metric}]
	}
	slices.SortFunc(ss, func(a, b idSample) int {
		return cmp.Or(cmp.Compare(a.series, b.series), cmp.Compare(a.ns, b.ns), cmp.Compare(a.id, b.id))
	})
	fresh := make([]Sample, len(ss))
	for i := range ss {
		fresh[i] = ss[i].Sample
	}
	now := s.now()
	states, err := loadSeries(ctx, q, fresh)
	if err != nil {
		return res, err
	}
	aggs := map[monthKey]*monthAgg{}
	var late []seriesKey
	lateFrom := map[seriesKey]string{}
	for _, sm := range fresh {
		k := seriesKey{sm.ServiceID, sm.Metric}
		if _, isLate := lateFrom[k]; isLate {
			continue
		}
		st := states[k]
		if st.known && sm.MeasuredAt.Before(st.at) {
			// Older than what the series has seen: the months from this one on are
			// counted again from the samples (rare: a collector catching up). In time
			// order, only a series' first sample here can be late, so none of its
			// samples is in aggs.
			late = append(late, k)
			lateFrom[k] = MonthOf(sm.MeasuredAt)
			continue
		}
		states[k] = count(aggs, st, sm.ServiceID, sm.Metric, sm.Value, sm.MeasuredAt)
	}
	if err := upsertMonths(ctx, q, sqlite, now, aggs); err != nil {
		return res, err
	}
	for _, k := range late {
		if err := recomputeSeries(ctx, q, sqlite, now, k, lateFrom[k], upTo); err != nil {
			return res, err
		}
	}
	if res.Warnings, err = s.warnTouched(ctx, q, aggs, late, lateFrom); err != nil {
		return res, err
	}
	if err := s.fail("fold:before-mark"); err != nil {
		return res, err
	}
	_, err = q.ExecContext(ctx, `UPDATE usage_fold SET last_id = $1 WHERE name = 'months'`, upTo)
	return res, err
}

// warnTouched sends the warnings the new figures call for, once per service, month and
// resource. Only services whose plan states a limit can reach a threshold; their
// figures are read per month in one query.
func (s *Service) warnTouched(ctx context.Context, q store.Querier, aggs map[monthKey]*monthAgg, late []seriesKey, lateFrom map[seriesKey]string) (int, error) {
	touched := map[string][]int64{}
	var ids []int64
	for mk := range aggs {
		touched[mk.month] = append(touched[mk.month], mk.service)
		ids = append(ids, mk.service)
	}
	for _, k := range late {
		touched[lateFrom[k]] = append(touched[lateFrom[k]], k.service)
		ids = append(ids, k.service)
	}
	slices.Sort(ids)
	limited, err := limitedOf(ctx, q, slices.Compact(ids))
	if err != nil || len(limited) == 0 {
		return 0, err
	}
	months := make([]string, 0, len(touched))
	for month := range touched {
		months = append(months, month)
	}
	slices.Sort(months)
	n := 0
	for _, month := range months {
		ids := slices.DeleteFunc(touched[month], func(id int64) bool { _, ok := limited[id]; return !ok })
		if len(ids) == 0 {
			continue
		}
		slices.Sort(ids)
		ids = slices.Compact(ids)
		figs, err := monthFiguresOf(ctx, q, ids, month)
		if err != nil {
			return n, err
		}
		for _, id := range ids {
			k, err := s.warnFor(ctx, q, limited[id], figs[id])
			if err != nil {
				return n, err
			}
			n += k
		}
	}
	return n, nil
}

// limitedOf reads, of the services ids, those whose plan states a limit, as the last
// delivery recorded them (usage_services).
func limitedOf(ctx context.Context, q store.Querier, ids []int64) (map[int64]Metered, error) {
	out := map[int64]Metered{}
	err := chunk(ids, 500, func(ids []int64) error {
		return recordedServices(ctx, q, ids, true, func(m Metered) { out[m.ServiceID] = m })
	})
	return out, err
}

// recordedServices calls each with the usage_services rows of ids (at most 500), or
// only those whose plan states a limit.
func recordedServices(ctx context.Context, q store.Querier, ids []int64, limitedOnly bool, each func(Metered)) error {
	var b strings.Builder
	b.WriteString(`SELECT service_id, org_id, subscription_id, plan_id, plan_name, kind, name, active, storage_limit_mb, traffic_limit_gb, overage_mode
		FROM usage_services WHERE `)
	if limitedOnly {
		b.WriteString(`(storage_limit_mb IS NOT NULL OR traffic_limit_gb IS NOT NULL) AND `)
	}
	in, args := store.InList(1, ids)
	b.WriteString(`service_id IN ` + in)
	rows, err := q.QueryContext(ctx, b.String(), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var m Metered
		var mode string
		if err := scanMetered(rows, &m, &mode); err != nil {
			return err
		}
		each(m)
	}
	return rows.Err()
}
