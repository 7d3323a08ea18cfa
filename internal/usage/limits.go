package usage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

var errNoRows = sql.ErrNoRows

// Figures are a service's monthly aggregates in the terms' sense (cp.av.9.2, cp.av.9.3,
// cp.av.5.11): traffic is inbound plus outbound without carry-over, storage the
// month's highest disk use. PerMetric holds every metric's own aggregate.
type Figures struct {
	Month     string           `json:"month"`
	Traffic   int64            `json:"traffic_bytes"`
	Storage   int64            `json:"storage_bytes"`
	PerMetric map[Metric]int64 `json:"per_metric"`
	Samples   int64            `json:"samples"`
	Resets    int64            `json:"resets"`
}

// monthFigures reads one service's aggregates of one month.
func monthFigures(ctx context.Context, q store.Querier, serviceID int64, month string) (Figures, error) {
	f := Figures{Month: month, PerMetric: map[Metric]int64{}}
	// Every metric named, so the primary key (service, metric, month) answers rather
	// than the month index, which holds every service's rows of the month.
	rows, err := q.QueryContext(ctx, `SELECT metric, amount, samples, resets FROM usage_months WHERE service_id = $1 AND month = $2
		AND metric IN ('disk', 'mailbox', 'database', 'memory', 'cpu', 'traffic_in', 'traffic_out', 'traffic', 'vpn_traffic')`, serviceID, month)
	if err != nil {
		return f, err
	}
	defer rows.Close()
	for rows.Next() {
		var m Metric
		var amount, n, resets int64
		if err := rows.Scan(&m, &amount, &n, &resets); err != nil {
			return f, err
		}
		f.add(m, amount, n, resets)
	}
	return f, rows.Err()
}

// monthFiguresOf reads the month's figures of several services in one query; a
// service without figures gets empty ones.
func monthFiguresOf(ctx context.Context, q store.Querier, ids []int64, month string) (map[int64]Figures, error) {
	out := make(map[int64]Figures, len(ids))
	for _, id := range ids {
		out[id] = Figures{Month: month, PerMetric: map[Metric]int64{}}
	}
	err := chunk(ids, 500, func(ids []int64) error {
		var b strings.Builder
		b.WriteString(`SELECT service_id, metric, amount, samples, resets FROM usage_months WHERE month = $1 AND service_id IN (`)
		args := make([]any, 0, len(ids)+1)
		args = append(args, month)
		for i, id := range ids {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "$%d", i+2)
			args = append(args, id)
		}
		b.WriteString(`) AND metric IN ('disk', 'mailbox', 'database', 'memory', 'cpu', 'traffic_in', 'traffic_out', 'traffic', 'vpn_traffic')`)
		rows, err := q.QueryContext(ctx, b.String(), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var m Metric
			var amount, n, resets int64
			if err := rows.Scan(&id, &m, &amount, &n, &resets); err != nil {
				return err
			}
			f := out[id]
			f.add(m, amount, n, resets)
			out[id] = f
		}
		return rows.Err()
	})
	return out, err
}

func (f *Figures) add(m Metric, amount, n, resets int64) {
	f.PerMetric[m] = amount
	f.Samples += n
	f.Resets += resets
	for _, t := range trafficMetrics {
		if m == t {
			f.Traffic += amount
		}
	}
	if m == Disk {
		f.Storage = amount
	}
}

// usageInput is a resource's month against the service's plan.
func usageInput(m Metered, f Figures, resource string) terms.UsageInput {
	in := terms.UsageInput{Resource: resource, Month: f.Month}
	switch resource {
	case terms.ResourceTraffic:
		in.Used = f.Traffic
		if m.TrafficGB == nil {
			in.Unlimited = true
		} else {
			in.Limit = *m.TrafficGB * terms.BytesPerGB
		}
	case terms.ResourceStorage:
		in.Used = f.Storage
		if m.StorageMB == nil {
			in.Unlimited = true
		} else {
			in.Limit = *m.StorageMB * terms.BytesPerMB
		}
	}
	return in
}

// warn warns the customer of each threshold (80% and 100% of the plan's limit,
// usage.warn_at) the month has reached and was not warned of before; the unique key
// (service, month, resource, threshold) makes it once, whatever runs again.
//
// f is the service's figures of the month, as read after the batch that changed them.
func (s *Service) warnFor(ctx context.Context, q store.Querier, m Metered, f Figures) (int, error) {
	if m.ServiceID == 0 || m.StorageMB == nil && m.TrafficGB == nil {
		return 0, nil
	}
	month := f.Month
	now := s.now()
	pol, err := s.policy(now)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range []string{terms.ResourceTraffic, terms.ResourceStorage} {
		in := usageInput(m, f, r)
		if in.Unlimited {
			continue
		}
		chk, ex, err := pol.UsageThresholds(in)
		if err != nil {
			return n, err
		}
		for _, th := range chk.Reached {
			var id int64
			err := q.QueryRowContext(ctx, `INSERT INTO usage_warnings (service_id, org_id, month, resource, threshold, used, limit_bytes, explanation, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (service_id, month, resource, threshold) DO NOTHING RETURNING id`,
				m.ServiceID, m.OrgID, month, r, th, in.Used, in.Limit, exJSON(ex), now).Scan(&id)
			if errors.Is(err, errNoRows) {
				continue
			}
			if err != nil {
				return n, err
			}
			n++
			if err := s.mailWarning(ctx, q, now, id, m, in, th, chk.Percent); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

func exJSON(ex terms.Explanation) string {
	b, _ := json.Marshal(ex)
	return string(b)
}

// The warning mail: %[1]s the service, %[2]s the month, %[3]s the resource, %[4]s the
// share reached, %[5]s used, %[6]s the limit, %[7]s the portal link, %[8]s the
// provider, %[9]s the clauses, %[10]s what happens above the limit.
var warnTexts = map[string][2]string{
	"nl": {"Uw %[3]s voor %[1]s staat op %[4]s%% van het pakket",
		"Beste klant,\n\nIn %[2]s heeft %[1]s %[5]s GB %[3]s gebruikt van de %[6]s GB in het pakket: %[4]s%%.\n\n%[10]s\n\nHet verloop per maand ziet u in het klantportaal:\n%[7]s\n\nZie de voorwaarden, %[9]s.\n\nMet vriendelijke groet,\n%[8]s\n"},
	"en": {"Your %[3]s for %[1]s is at %[4]s%% of the plan",
		"Dear customer,\n\nIn %[2]s %[1]s used %[5]s GB of %[3]s out of the %[6]s GB in its plan: %[4]s%%.\n\n%[10]s\n\nThe figures per month are in the customer portal:\n%[7]s\n\nSee the terms, %[9]s.\n\nKind regards,\n%[8]s\n"},
}

var resourceWords = map[string]map[string]string{
	"nl": {terms.ResourceTraffic: "dataverkeer", terms.ResourceStorage: "opslag"},
	"en": {terms.ResourceTraffic: "data traffic", terms.ResourceStorage: "storage"},
}

// aboveWords says what happens above the limit under the pack's overage mode.
var aboveWords = map[string]map[string]string{
	"nl": {"bill": "Gebruik boven het pakket wordt achteraf gefactureerd tegen de gepubliceerde prijs per GB; u kunt ook kiezen voor een groter pakket.",
		"raise":    "Bij gebruik boven het pakket wordt het pakket verhoogd vanaf het begin van de maand waarin het werd overschreden.",
		"fair_use": "Blijft het gebruik boven de grens, dan kan het pakket na deze waarschuwing worden omgezet, beperkt of geblokkeerd."},
	"en": {"bill": "Usage above the plan is billed afterwards at the published price per GB; you may also choose a larger plan.",
		"raise":    "Usage above the plan raises the plan from the start of the month in which it was exceeded.",
		"fair_use": "If usage stays above the limit, after this warning the plan may be converted, limited or blocked."},
}

func (s *Service) mailWarning(ctx context.Context, q store.Querier, now time.Time, id int64, m Metered, in terms.UsageInput, threshold int, percent string) error {
	if s.d.Customers == nil {
		return nil
	}
	to, err := s.d.Customers.Contact(ctx, q, m.OrgID)
	if err != nil || to.Email == "" {
		return err
	}
	lang := to.Lang
	if _, ok := warnTexts[lang]; !ok {
		lang = "nl"
	}
	pol, err := s.policy(now)
	if err != nil {
		return err
	}
	mode := pol.Terms.Usage.OverageMode
	cl := pol.Terms.Usage.TrafficClauses
	if in.Resource == terms.ResourceStorage {
		cl = pol.Terms.Usage.StorageClauses
	}
	name := m.Name
	if name == "" {
		name = fmt.Sprintf("#%d", m.ServiceID)
	}
	link := fmt.Sprintf("%s/portal/usage/%d", s.d.BaseURL, m.ServiceID)
	t := warnTexts[lang]
	args := []any{name, monthWords(lang, in.Month), resourceWords[lang][in.Resource], decimalIn(lang, percent),
		decimalIn(lang, terms.GB(in.Used).FloatString(2)), decimalIn(lang, terms.GB(in.Limit).FloatString(0)), link, s.d.Provider,
		terms.ClauseRef(cl), aboveWords[lang][mode]}
	_, err = notify.Enqueue(ctx, q, now, notify.Message{
		DedupeKey: fmt.Sprintf("usage-warning:%d", id), OrgID: m.OrgID, To: to.Email, ToName: to.Name, Lang: lang,
		Subject: fmt.Sprintf(t[0], args...), Text: fmt.Sprintf(t[1], args...),
	})
	if errors.Is(err, notify.ErrDuplicate) {
		return nil
	}
	return err
}

var monthNames = map[string][12]string{
	"nl": {"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"},
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
}

// monthWords writes "2026-03" as "maart 2026" or "March 2026".
func monthWords(lang, month string) string {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return month
	}
	names, ok := monthNames[lang]
	if !ok {
		names = monthNames["nl"]
	}
	return fmt.Sprintf("%s %d", names[t.Month()-1], t.Year())
}

// decimalIn writes a decimal with a comma in Dutch.
func decimalIn(lang, s string) string {
	if lang == "en" {
		return s
	}
	out := []byte(s)
	for i, c := range out {
		if c == '.' {
			out[i] = ','
		}
	}
	return string(out)
}
