// Package metrics exposes hostpact's operational figures to Prometheus in the text
// exposition format 0.0.4.
//
// It is written out rather than taken from client_golang: hostpact needs counters,
// gauges and fixed-bucket histograms and nothing else, and the client library would add
// a dozen modules (protobuf among them) to a binary that keeps its dependencies few.
// Output is ordered (metrics by name, series by label values), so a scrape is
// reproducible and tests compare it as text.
package metrics

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ContentType is the media type of the text exposition format.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// Registry holds metrics and writes them out. It is safe for concurrent use.
type Registry struct {
	mu      sync.Mutex
	metrics map[string]metric

	httpOnce sync.Once
	http     *httpMetrics

	// now measures request durations: wall time, not the domain clock, because latency
	// is a property of this process, not of the provider's calendar.
	now func() time.Time
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{metrics: map[string]metric{}, now: time.Now}
}

type metric interface {
	write(b *bytes.Buffer)
}

// desc is what every metric has: a name, a help text, a type and label names.
type desc struct {
	name   string
	help   string
	typ    string
	labels []string
}

func (r *Registry) register(name string, m metric) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.metrics[name]; dup {
		panic(fmt.Sprintf("metrics: %q registered twice", name))
	}
	r.metrics[name] = m
}

func newDesc(name, help, typ string, labels []string) desc {
	if !validName(name, true) {
		panic(fmt.Sprintf("metrics: invalid metric name %q", name))
	}
	seen := map[string]bool{}
	for _, l := range labels {
		if !validName(l, false) || strings.HasPrefix(l, "__") || seen[l] || (typ == "histogram" && l == "le") {
			panic(fmt.Sprintf("metrics: %s: invalid or repeated label name %q", name, l))
		}
		seen[l] = true
	}
	return desc{name: name, help: help, typ: typ, labels: slices.Clone(labels)}
}

func validName(s string, colon bool) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		ok := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (colon && c == ':') || (i > 0 && c >= '0' && c <= '9')
		if !ok {
			return false
		}
	}
	return true
}

func (d desc) header(b *bytes.Buffer) {
	fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s %s\n", d.name, escapeHelp(d.help), d.name, d.typ)
}

// key identifies a series by its label values; \xff cannot occur in UTF-8 text.
func (d desc) key(values []string) string {
	if len(values) != len(d.labels) {
		panic(fmt.Sprintf("metrics: %s takes %d label values (%s), got %d", d.name, len(d.labels), strings.Join(d.labels, ", "), len(values)))
	}
	return strings.Join(values, "\xff")
}

// labelText renders {a="x",b="y"} plus any extra pair (a histogram's le).
func (d desc) labelText(values []string, extraName, extraValue string) string {
	if len(d.labels) == 0 && extraName == "" {
		return ""
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, l := range d.labels {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=\"%s\"", l, escapeLabel(values[i]))
	}
	if extraName != "" {
		if len(d.labels) > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=\"%s\"", extraName, extraValue)
	}
	b.WriteByte('}')
	return b.String()
}

var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

func escapeHelp(s string) string  { return helpEscaper.Replace(s) }
func escapeLabel(s string) string { return labelEscaper.Replace(s) }

func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	case math.IsNaN(f):
		return "NaN"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// sortedKeys orders series by their label values, one label after the other.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return slices.Compare(strings.Split(keys[i], "\xff"), strings.Split(keys[j], "\xff")) < 0
	})
	return keys
}

// value is the series store shared by counters and gauges.
type value struct {
	desc
	mu     sync.Mutex
	series map[string]*valueSeries
}

type valueSeries struct {
	labels []string
	v      float64
}

func newValue(d desc) *value {
	v := &value{desc: d, series: map[string]*valueSeries{}}
	if len(d.labels) == 0 {
		// A metric without labels exists from the start, so a scrape shows 0 rather
		// than nothing before the first event.
		v.series[""] = &valueSeries{}
	}
	return v
}

func (v *value) add(delta float64, set bool, labels []string) {
	k := v.key(labels)
	v.mu.Lock()
	defer v.mu.Unlock()
	s := v.series[k]
	if s == nil {
		s = &valueSeries{labels: slices.Clone(labels)}
		v.series[k] = s
	}
	if set {
		s.v = delta
	} else {
		s.v += delta
	}
}

func (v *value) get(labels []string) float64 {
	k := v.key(labels)
	v.mu.Lock()
	defer v.mu.Unlock()
	if s := v.series[k]; s != nil {
		return s.v
	}
	return 0
}

func (v *value) write(b *bytes.Buffer) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.series) == 0 {
		return
	}
	v.header(b)
	for _, k := range sortedKeys(v.series) {
		s := v.series[k]
		fmt.Fprintf(b, "%s%s %s\n", v.name, v.labelText(s.labels, "", ""), formatFloat(s.v))
	}
}

// Counter is a value that only goes up, per combination of label values.
type Counter struct{ v *value }

// Counter registers a counter. By convention its name ends in _total.
func (r *Registry) Counter(name, help string, labels ...string) *Counter {
	c := &Counter{v: newValue(newDesc(name, help, "counter", labels))}
	r.register(name, c.v)
	return c
}

// Inc adds 1 to the series with these label values, in the order the labels were named.
func (c *Counter) Inc(labelValues ...string) { c.v.add(1, false, labelValues) }

// Add adds delta, which must not be negative.
func (c *Counter) Add(delta float64, labelValues ...string) {
	if delta < 0 || math.IsNaN(delta) {
		panic(fmt.Sprintf("metrics: counter %s cannot add %v", c.v.name, delta))
	}
	c.v.add(delta, false, labelValues)
}

// Value returns the current value of a series.
func (c *Counter) Value(labelValues ...string) float64 { return c.v.get(labelValues) }

// Gauge is a value that goes up and down, per combination of label values.
type Gauge struct{ v *value }

// Gauge registers a gauge.
func (r *Registry) Gauge(name, help string, labels ...string) *Gauge {
	g := &Gauge{v: newValue(newDesc(name, help, "gauge", labels))}
	r.register(name, g.v)
	return g
}

// Set sets the series with these label values to x.
func (g *Gauge) Set(x float64, labelValues ...string) { g.v.add(x, true, labelValues) }

// Add adds delta (which may be negative).
func (g *Gauge) Add(delta float64, labelValues ...string) { g.v.add(delta, false, labelValues) }

// Inc adds 1.
func (g *Gauge) Inc(labelValues ...string) { g.v.add(1, false, labelValues) }

// Dec subtracts 1.
func (g *Gauge) Dec(labelValues ...string) { g.v.add(-1, false, labelValues) }

// Value returns the current value of a series.
func (g *Gauge) Value(labelValues ...string) float64 { return g.v.get(labelValues) }

type gaugeFunc struct {
	desc
	fn func() float64
}

// GaugeFunc registers a gauge without labels whose value fn computes at each scrape,
// for figures that are cheaper to read when asked than to keep current (the number of
// pending mails, the age of the oldest unpaid invoice). fn must be safe for concurrent
// use.
func (r *Registry) GaugeFunc(name, help string, fn func() float64) {
	r.register(name, &gaugeFunc{desc: newDesc(name, help, "gauge", nil), fn: fn})
}

func (g *gaugeFunc) write(b *bytes.Buffer) {
	g.header(b)
	fmt.Fprintf(b, "%s %s\n", g.name, formatFloat(g.fn()))
}

// DefBuckets suit request durations in seconds, from 5 ms to 10 s.
var DefBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Histogram counts observations in fixed buckets, per combination of label values.
type Histogram struct {
	desc
	buckets []float64 // upper bounds, ascending, without +Inf

	mu     sync.Mutex
	series map[string]*histSeries
}

type histSeries struct {
	labels []string
	counts []uint64 // per bucket, not cumulative; the last is the +Inf bucket
	count  uint64
	sum    float64
}

// Histogram registers a histogram with the given upper bounds (ascending; +Inf is
// implied). Nil buckets mean DefBuckets.
func (r *Registry) Histogram(name, help string, buckets []float64, labels ...string) *Histogram {
	if buckets == nil {
		buckets = DefBuckets
	}
	buckets = slices.Clone(buckets)
	if n := len(buckets); n > 0 && math.IsInf(buckets[n-1], 1) {
		buckets = buckets[:n-1]
	}
	for i, b := range buckets {
		if math.IsNaN(b) || (i > 0 && b <= buckets[i-1]) {
			panic(fmt.Sprintf("metrics: histogram %s: buckets must be strictly ascending, got %v", name, buckets))
		}
	}
	h := &Histogram{desc: newDesc(name, help, "histogram", labels), buckets: buckets, series: map[string]*histSeries{}}
	if len(labels) == 0 {
		h.series[""] = &histSeries{counts: make([]uint64, len(buckets)+1)}
	}
	r.register(name, h)
	return h
}

// Observe records x in the series with these label values.
func (h *Histogram) Observe(x float64, labelValues ...string) {
	k := h.key(labelValues)
	i := sort.SearchFloat64s(h.buckets, x) // first bucket whose bound is >= x
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.series[k]
	if s == nil {
		s = &histSeries{labels: slices.Clone(labelValues), counts: make([]uint64, len(h.buckets)+1)}
		h.series[k] = s
	}
	s.counts[i]++
	s.count++
	s.sum += x
}

func (h *Histogram) write(b *bytes.Buffer) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.series) == 0 {
		return
	}
	h.header(b)
	for _, k := range sortedKeys(h.series) {
		s := h.series[k]
		var cum uint64
		for i, c := range s.counts {
			cum += c
			le := "+Inf"
			if i < len(h.buckets) {
				le = formatFloat(h.buckets[i])
			}
			fmt.Fprintf(b, "%s_bucket%s %d\n", h.name, h.labelText(s.labels, "le", le), cum)
		}
		fmt.Fprintf(b, "%s_sum%s %s\n", h.name, h.labelText(s.labels, "", ""), formatFloat(s.sum))
		fmt.Fprintf(b, "%s_count%s %d\n", h.name, h.labelText(s.labels, "", ""), s.count)
	}
}

// WriteText writes every metric to w in the text exposition format, sorted by name.
func (r *Registry) WriteText(w io.Writer) error {
	var b bytes.Buffer
	r.writeText(&b)
	_, err := w.Write(b.Bytes())
	return err
}

func (r *Registry) writeText(b *bytes.Buffer) {
	r.mu.Lock()
	names := make([]string, 0, len(r.metrics))
	for n := range r.metrics {
		names = append(names, n)
	}
	ms := make([]metric, 0, len(names))
	sort.Strings(names)
	for _, n := range names {
		ms = append(ms, r.metrics[n])
	}
	r.mu.Unlock()
	for _, m := range ms {
		m.write(b)
	}
}

// Handler serves the metrics to a Prometheus scrape.
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		var b bytes.Buffer
		r.writeText(&b)
		w.Header().Set("Content-Type", ContentType)
		w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
		if req.Method == http.MethodGet {
			_, _ = w.Write(b.Bytes())
		}
	})
}
