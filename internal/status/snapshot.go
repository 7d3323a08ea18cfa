package status

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/sla"
)

// HistoryDays is how many days of daily availability and incident history the page
// shows.
const HistoryDays = 90

// maxAge is how old a snapshot may get before a request asks for a new one: outages
// come and go through the monitor's transactions, whose commit this package does not
// see.
const maxAge = time.Minute

// The states of a group of servers on the page.
const (
	StateUp          = "operational"
	StateDown        = "outage"
	StateMaintenance = "maintenance"
)

// View is what the public page shows, in both languages; it holds nothing that is not
// public (no staff names, no customers, no server ids).
type View struct {
	Built       time.Time        `json:"updated_at"`
	State       string           `json:"state"`
	Groups      []Group          `json:"services"`
	Incidents   []PublicIncident `json:"incidents"`
	Maintenance []PublicMaint    `json:"maintenance"`
	History     []PublicIncident `json:"history"`
}

// Group is one service kind at one location.
type Group struct {
	Kind     string      `json:"kind"`
	Location string      `json:"location"`
	State    string      `json:"state"`
	Down     []string    `json:"down,omitempty"` // components down now
	Days     []DayFigure `json:"days"`
}

// DayFigure is a day's availability of a group: the mean over its servers of the share
// of the day no component was down. It is indicative; the SLA figures are computed per
// service with every rule of the terms (internal/compensation).
type DayFigure struct {
	Date    string  `json:"date"`
	Percent float64 `json:"percent"`
	Down    int     `json:"down_minutes"`
}

// PublicIncident is an incident as the public sees it.
type PublicIncident struct {
	ID         int64          `json:"id"`
	TitleNL    string         `json:"title_nl"`
	TitleEN    string         `json:"title_en"`
	Impact     string         `json:"impact"`
	Status     string         `json:"status"`
	OpenedAt   time.Time      `json:"opened_at"`
	ResolvedAt *time.Time     `json:"resolved_at,omitempty"`
	Affected   []string       `json:"affected"` // "webhosting ams1"
	Updates    []PublicUpdate `json:"updates"`
}

// Title is the title in lang.
func (i PublicIncident) Title(lang string) string { return Text(lang, i.TitleNL, i.TitleEN) }

// PublicUpdate is an incident update as the public sees it.
type PublicUpdate struct {
	Status    string    `json:"status"`
	MessageNL string    `json:"message_nl"`
	MessageEN string    `json:"message_en"`
	At        time.Time `json:"at"`
}

// Message is the message in lang.
func (u PublicUpdate) Message(lang string) string { return Text(lang, u.MessageNL, u.MessageEN) }

// PublicMaint is scheduled or running maintenance as the public sees it.
type PublicMaint struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	TitleNL   string    `json:"title_nl"`
	TitleEN   string    `json:"title_en"`
	MessageNL string    `json:"message_nl"`
	MessageEN string    `json:"message_en"`
	StartsAt  time.Time `json:"starts_at"`
	EndsAt    time.Time `json:"ends_at"`
	Running   bool      `json:"running"`
	Affected  []string  `json:"affected"`
}

// Title is the title in lang.
func (m PublicMaint) Title(lang string) string { return Text(lang, m.TitleNL, m.TitleEN) }

// Message is the description in lang.
func (m PublicMaint) Message(lang string) string { return Text(lang, m.MessageNL, m.MessageEN) }

// Snapshot is the page's data and its JSON and Atom forms, built once and served to
// every request from memory. Version changes with every rebuild. The Gzip forms are
// the same bytes compressed once, for the clients that accept gzip (nearly all), so
// that a request copies a few kilobytes instead of fifty.
type Snapshot struct {
	Version  uint64
	View     View
	JSON     []byte
	JSONGzip []byte
	JSONTag  string
	Atom     map[string][]byte // by language
	AtomGzip map[string][]byte
	AtomTag  map[string]string
}

// Gzip compresses b at the best level: it runs once per snapshot, not per request.
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // a valid level: no error
	_, _ = zw.Write(b)                                       // writes to memory do not fail
	_ = zw.Close()
	return buf.Bytes()
}

// Snapshot returns the current snapshot, building the first one. When it is older than
// a minute or something changed, a new one is built in the background and this one is
// served meanwhile.
func (s *Service) Snapshot(ctx context.Context) (*Snapshot, error) {
	if cur := s.snap.Load(); cur != nil {
		if s.dirty.Load() || s.clk.Now().Sub(cur.View.Built) > maxAge {
			if s.building.CompareAndSwap(false, true) {
				go func() {
					defer s.building.Store(false)
					if _, err := s.Rebuild(context.WithoutCancel(ctx)); err != nil {
						s.log.Error("status snapshot", "err", err)
					}
				}()
			}
		}
		return cur, nil
	}
	return s.Rebuild(ctx)
}

// changed rebuilds the snapshot after a change this service committed.
func (s *Service) changed(ctx context.Context) {
	if _, err := s.Rebuild(ctx); err != nil {
		s.dirty.Store(true)
		s.log.Error("status snapshot", "err", err)
	}
}

// Rebuild builds a new snapshot from the database now and makes it current.
func (s *Service) Rebuild(ctx context.Context) (*Snapshot, error) {
	s.buildMu.Lock()
	defer s.buildMu.Unlock()
	s.dirty.Store(false)
	v, err := s.buildView(ctx)
	if err != nil {
		s.dirty.Store(true)
		return nil, err
	}
	snap := &Snapshot{View: v, Atom: map[string][]byte{}, AtomGzip: map[string][]byte{}, AtomTag: map[string]string{}}
	if prev := s.snap.Load(); prev != nil {
		snap.Version = prev.Version + 1
	} else {
		snap.Version = 1
	}
	if snap.JSON, err = json.Marshal(v); err != nil {
		return nil, err
	}
	snap.JSONTag, snap.JSONGzip = etag(snap.JSON), Gzip(snap.JSON)
	for _, lang := range []string{"nl", "en"} {
		b, err := s.atom(v, lang)
		if err != nil {
			return nil, err
		}
		snap.Atom[lang], snap.AtomGzip[lang], snap.AtomTag[lang] = b, Gzip(b), etag(b)
	}
	s.snap.Store(snap)
	return snap, nil
}

func etag(b []byte) string {
	h := sha256.Sum256(b)
	return `"` + hex.EncodeToString(h[:12]) + `"`
}

func (s *Service) buildView(ctx context.Context) (View, error) {
	now := s.clk.Now().UTC()
	v := View{Built: now, State: StateUp, Groups: []Group{}, Incidents: []PublicIncident{}, Maintenance: []PublicMaint{}, History: []PublicIncident{}}
	var servers []monitor.Server
	var outages []monitor.Outage
	today := startOfDay(now)
	from := today.AddDate(0, 0, -(HistoryDays - 1))
	if s.d.Monitor != nil {
		var err error
		if servers, err = s.d.Monitor.AllServers(ctx, s.db); err != nil {
			return v, err
		}
		if outages, err = s.d.Monitor.OutagesBetween(ctx, s.db, from, now); err != nil {
			return v, err
		}
	}
	where := map[int64]string{}
	for _, sv := range servers {
		where[sv.ID] = sv.Kind + " " + sv.Location
	}
	affected := func(ids []int64) []string {
		var out []string
		for _, id := range ids {
			if w, ok := where[id]; ok && !slices.Contains(out, w) {
				out = append(out, w)
			}
		}
		sort.Strings(out)
		if out == nil {
			out = []string{}
		}
		return out
	}
	// Maintenance running or to come.
	maint, err := s.listMaintenance(ctx, s.db, `WHERE ends_at > $1 AND cancelled_at IS NULL ORDER BY starts_at, id`, now)
	if err != nil {
		return v, err
	}
	inMaint := map[int64]bool{}
	for _, m := range maint {
		running := !m.StartsAt.After(now)
		if running {
			for _, id := range m.ServerIDs {
				inMaint[id] = true
			}
		}
		v.Maintenance = append(v.Maintenance, PublicMaint{ID: m.ID, Kind: m.Kind, TitleNL: m.TitleNL, TitleEN: m.Title("en"), MessageNL: m.MessageNL,
			MessageEN: m.Message("en"), StartsAt: m.StartsAt, EndsAt: m.EndsAt, Running: running, Affected: affected(m.ServerIDs)})
	}
	// Groups: kind × location, down while a component of one of its servers is.
	type key struct{ kind, loc string }
	groups := map[key]*Group{}
	members := map[key][]int64{}
	for _, sv := range servers {
		k := key{sv.Kind, sv.Location}
		if groups[k] == nil {
			groups[k] = &Group{Kind: sv.Kind, Location: sv.Location, State: StateUp}
		}
		members[k] = append(members[k], sv.ID)
	}
	downBy := map[int64][]sla.Interval{}
	for _, o := range outages {
		to := o.To
		if to.IsZero() {
			to = now
		}
		downBy[o.ServerID] = append(downBy[o.ServerID], sla.Interval{From: o.From, To: to})
	}
	for _, o := range outages {
		if !o.To.IsZero() {
			continue
		}
		for k, ids := range members {
			if slices.Contains(ids, o.ServerID) {
				g := groups[k]
				g.State = StateDown
				if !slices.Contains(g.Down, o.Component) {
					g.Down = append(g.Down, o.Component)
				}
			}
		}
	}
	for k, g := range groups {
		if g.State == StateUp {
			for _, id := range members[k] {
				if inMaint[id] {
					g.State = StateMaintenance
				}
			}
		}
		for d := 0; d < HistoryDays; d++ {
			day := from.AddDate(0, 0, d)
			end := day.AddDate(0, 0, 1)
			if end.After(now) {
				end = now
			}
			span := end.Sub(day)
			var sum float64
			var worst time.Duration
			for _, id := range members[k] {
				down := sla.Length(sla.Intersect(sla.Union(downBy[id]), []sla.Interval{{From: day, To: end}}))
				if span > 0 {
					sum += 1 - float64(down)/float64(span)
				} else {
					sum++
				}
				worst = max(worst, down)
			}
			pct := 100.0
			if n := len(members[k]); n > 0 {
				pct = float64(int(sum/float64(n)*100000)) / 1000 // three decimals, never rounded up to 100
			}
			g.Days = append(g.Days, DayFigure{Date: day.In(clock.Amsterdam).Format("2006-01-02"), Percent: pct, Down: sla.WholeMinutes(worst)})
		}
		v.Groups = append(v.Groups, *g)
		switch {
		case g.State == StateDown:
			v.State = StateDown
		case g.State == StateMaintenance && v.State == StateUp:
			v.State = StateMaintenance
		}
	}
	sort.Slice(v.Groups, func(i, j int) bool {
		if v.Groups[i].Kind != v.Groups[j].Kind {
			return v.Groups[i].Kind < v.Groups[j].Kind
		}
		return v.Groups[i].Location < v.Groups[j].Location
	})
	// Incidents: open ones, and those resolved within the history.
	incs, err := s.listIncidents(ctx, s.db, `WHERE resolved_at IS NULL OR resolved_at >= $1 ORDER BY opened_at DESC, id DESC LIMIT 200`, from)
	if err != nil {
		return v, err
	}
	for _, i := range incs {
		p := PublicIncident{ID: i.ID, TitleNL: i.TitleNL, TitleEN: i.Title("en"), Impact: i.Impact, Status: i.Status, OpenedAt: i.OpenedAt,
			ResolvedAt: i.ResolvedAt, Affected: affected(i.ServerIDs), Updates: []PublicUpdate{}}
		for k := len(i.Updates) - 1; k >= 0; k-- { // newest first, as status pages read
			u := i.Updates[k]
			p.Updates = append(p.Updates, PublicUpdate{Status: u.Status, MessageNL: u.MessageNL, MessageEN: u.Message("en"), At: u.PostedAt})
		}
		if i.Open() {
			v.Incidents = append(v.Incidents, p)
			if v.State == StateUp {
				v.State = "degraded"
			}
		} else {
			v.History = append(v.History, p)
		}
	}
	return v, nil
}

// startOfDay is midnight in Amsterdam of t's day there, in UTC.
func startOfDay(t time.Time) time.Time {
	a := t.In(clock.Amsterdam)
	return time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, clock.Amsterdam).UTC()
}

// ---- Atom (RFC 4287) ----

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Href string `xml:"href,attr"`
	Type string `xml:"type,attr,omitempty"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Link    atomLink `xml:"link"`
	Content atomText `xml:"content"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

func (s *Service) atom(v View, lang string) ([]byte, error) {
	base := s.base
	host := "hostpact.invalid"
	if u, err := url.Parse(base); err == nil && u.Host != "" {
		host = u.Hostname()
	}
	page := base + "/status"
	f := atomFeed{Lang: lang, ID: "tag:" + host + ",2026:status/" + lang, Title: Text(lang, "Status van de dienstverlening", "Service status"),
		Links:  []atomLink{{Rel: "self", Href: page + "/feed.atom?lang=" + lang, Type: "application/atom+xml"}, {Rel: "alternate", Href: page, Type: "text/html"}},
		Author: atomAuthor{Name: host}}
	updated := time.Unix(0, 0).UTC()
	entry := func(id, title string, at time.Time, body string) {
		if at.After(updated) {
			updated = at
		}
		f.Entries = append(f.Entries, atomEntry{ID: "tag:" + host + ",2026:" + id, Title: title, Updated: at.UTC().Format(time.RFC3339),
			Link: atomLink{Rel: "alternate", Href: page, Type: "text/html"}, Content: atomText{Type: "text", Body: body}})
	}
	for _, list := range [][]PublicIncident{v.Incidents, v.History} {
		for _, i := range list {
			at := i.OpenedAt
			var body bytes.Buffer
			for _, u := range i.Updates {
				if u.At.After(at) {
					at = u.At
				}
				fmt.Fprintf(&body, "%s — %s: %s\n", Local(u.At, lang), StateWord(u.Status, lang), u.Message(lang))
			}
			entry(fmt.Sprintf("incident/%d", i.ID), fmt.Sprintf("[%s] %s", StateWord(i.Status, lang), i.Title(lang)), at, body.String())
		}
	}
	for _, m := range v.Maintenance {
		entry(fmt.Sprintf("maintenance/%d", m.ID), Text(lang, "Onderhoud: ", "Maintenance: ")+m.Title(lang), m.StartsAt,
			fmt.Sprintf(Text(lang, "Van %s tot %s. %s", "From %s to %s. %s"), Local(m.StartsAt, lang), Local(m.EndsAt, lang), m.Message(lang)))
	}
	if len(f.Entries) == 0 {
		updated = v.Built
	}
	f.Updated = updated.UTC().Format(time.RFC3339)
	out, err := xml.MarshalIndent(f, "", " ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), out...), nil
}
