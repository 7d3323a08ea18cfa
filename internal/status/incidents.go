package status

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/store"
)

// Incident is a disruption told to customers.
type Incident struct {
	ID           int64      `json:"id"`
	TitleNL      string     `json:"title_nl"`
	TitleEN      string     `json:"title_en,omitempty"`
	Impact       string     `json:"impact"`
	Status       string     `json:"status"`
	Automatic    bool       `json:"automatic"`
	OpenedBy     string     `json:"-"`
	OpenedAt     time.Time  `json:"opened_at"`
	ResolvedAt   *time.Time `json:"resolved_at,omitempty"`
	ResolutionNL string     `json:"resolution_nl,omitempty"`
	ResolutionEN string     `json:"resolution_en,omitempty"`
	ServerIDs    []int64    `json:"server_ids"`
	Updates      []Update   `json:"updates"`
	Outages      []Linked   `json:"outages,omitempty"`
}

// Title is the incident's title in lang.
func (i Incident) Title(lang string) string { return Text(lang, i.TitleNL, i.TitleEN) }

// Resolution is the incident's resolution in lang.
func (i Incident) Resolution(lang string) string { return Text(lang, i.ResolutionNL, i.ResolutionEN) }

// Open reports whether the incident is not resolved.
func (i Incident) Open() bool { return i.ResolvedAt == nil }

// Update is one message on an incident, newest last.
type Update struct {
	ID        int64     `json:"id"`
	Status    string    `json:"status"`
	MessageNL string    `json:"message_nl"`
	MessageEN string    `json:"message_en,omitempty"`
	PostedBy  string    `json:"-"`
	PostedAt  time.Time `json:"posted_at"`
}

// Message is the update's text in lang.
func (u Update) Message(lang string) string { return Text(lang, u.MessageNL, u.MessageEN) }

// Linked is an outage the incident explains.
type Linked struct {
	OutageID  int64      `json:"outage_id"`
	ServerID  int64      `json:"server_id"`
	Component string     `json:"component"`
	From      time.Time  `json:"from"`
	To        *time.Time `json:"to,omitempty"`
}

// IncidentInput opens an incident.
type IncidentInput struct {
	TitleNL, TitleEN     string
	MessageNL, MessageEN string
	Impact               string
	Status               string // default investigating
	ServerIDs            []int64
}

// UpdateInput posts an update; a resolved status resolves the incident and the message
// is its resolution.
type UpdateInput struct {
	Status               string
	MessageNL, MessageEN string
}

const maxText = 5000

func checkText(fe FieldErrors, field, v string, required bool, max int) {
	v = strings.TrimSpace(v)
	switch {
	case v == "" && required:
		fe[field] = i18n.T("status.this_field_required")
	case len(v) > max:
		fe[field] = i18n.T("status.use_most_d_characters", max)
	case strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\r' && r != '\t' }):
		fe[field] = i18n.T("status.contains_control_character")
	}
}

func (in IncidentInput) validate() error {
	fe := FieldErrors{}
	checkText(fe, "title_nl", in.TitleNL, true, 200)
	checkText(fe, "title_en", in.TitleEN, false, 200)
	checkText(fe, "message_nl", in.MessageNL, true, maxText)
	checkText(fe, "message_en", in.MessageEN, false, maxText)
	if !slices.Contains(Impacts, in.Impact) {
		fe["impact"] = i18n.T("status.choose_minor_major_critical")
	}
	if in.Status != "" && (in.Status == Resolved || !slices.Contains(States, in.Status)) {
		fe["status"] = i18n.T("status.choose_investigating_identified_monitoring")
	}
	if len(fe) > 0 {
		return fe
	}
	return nil
}

// OpenIncident opens an incident on behalf of staff (IncidentManage).
func (s *Service) OpenIncident(ctx context.Context, by accounts.Principal, in IncidentInput) (Incident, error) {
	if err := by.Check(accounts.IncidentManage, accounts.Provider); err != nil {
		return Incident{}, err
	}
	if err := in.validate(); err != nil {
		return Incident{}, err
	}
	if in.Status == "" {
		in.Status = Investigating
	}
	ctx = withActor(ctx, by)
	now := s.now()
	var id int64
	err := s.db.InTx(ctx, func(q store.Querier) error {
		var err error
		id, err = s.insertIncident(ctx, q, now, in, false, by.User.Email)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, q, now, audit.Change{Action: "incident.open", ObjectKind: "incident", ObjectID: fmt.Sprint(id),
			Summary: fmt.Sprintf("opened incident %q (%s)", strings.TrimSpace(in.TitleNL), in.Impact)}); err != nil {
			return err
		}
		return s.notifySubscribers(ctx, q, now, fmt.Sprintf("incident:%d:open", id), incidentMail(id, in.TitleNL, in.TitleEN, in.Status, in.MessageNL, in.MessageEN))
	})
	if err != nil {
		return Incident{}, err
	}
	s.changed(ctx)
	return s.getIncident(ctx, s.db, id)
}

func (s *Service) insertIncident(ctx context.Context, q store.Querier, now time.Time, in IncidentInput, auto bool, byLabel string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO status_incidents (title_nl, title_en, impact, status, automatic, opened_by, opened_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		strings.TrimSpace(in.TitleNL), strings.TrimSpace(in.TitleEN), in.Impact, in.Status, auto, byLabel, now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("status: open incident: %w", err)
	}
	for _, sid := range idList(in.ServerIDs) {
		if _, err := q.ExecContext(ctx, `INSERT INTO status_incident_servers (incident_id, server_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, id, sid); err != nil {
			return 0, fmt.Errorf("status: incident server: %w", err)
		}
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO status_incident_updates (incident_id, status, message_nl, message_en, posted_by, posted_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, id, in.Status, strings.TrimSpace(in.MessageNL), strings.TrimSpace(in.MessageEN), byLabel, now); err != nil {
		return 0, fmt.Errorf("status: incident update: %w", err)
	}
	return id, nil
}

// PostUpdate adds an update to an open incident; status resolved resolves it.
func (s *Service) PostUpdate(ctx context.Context, by accounts.Principal, incidentID int64, in UpdateInput) (Incident, error) {
	if err := by.Check(accounts.IncidentManage, accounts.Provider); err != nil {
		return Incident{}, err
	}
	fe := FieldErrors{}
	checkText(fe, "message_nl", in.MessageNL, true, maxText)
	checkText(fe, "message_en", in.MessageEN, false, maxText)
	if !slices.Contains(States, in.Status) {
		fe["status"] = i18n.T("status.choose_investigating_identified_monitoring2")
	}
	if len(fe) > 0 {
		return Incident{}, fe
	}
	ctx = withActor(ctx, by)
	now := s.now()
	err := s.db.InTx(ctx, func(q store.Querier) error {
		inc, err := s.getIncident(ctx, q, incidentID)
		if err != nil {
			return err
		}
		if !inc.Open() {
			return FieldErrors{"status": i18n.T("status.this_incident_resolved_already")}
		}
		uid, err := s.addUpdate(ctx, q, now, inc.ID, in, by.User.Email)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, q, now, audit.Change{Action: "incident.update", ObjectKind: "incident", ObjectID: fmt.Sprint(inc.ID),
			Summary: fmt.Sprintf("posted a %s update on incident %d", in.Status, inc.ID)}); err != nil {
			return err
		}
		return s.notifySubscribers(ctx, q, now, fmt.Sprintf("incident-update:%d", uid), incidentMail(inc.ID, inc.TitleNL, inc.TitleEN, in.Status, in.MessageNL, in.MessageEN))
	})
	if err != nil {
		return Incident{}, err
	}
	s.changed(ctx)
	return s.getIncident(ctx, s.db, incidentID)
}

// Resolve resolves an incident with its resolution.
func (s *Service) Resolve(ctx context.Context, by accounts.Principal, incidentID int64, resolutionNL, resolutionEN string) (Incident, error) {
	return s.PostUpdate(ctx, by, incidentID, UpdateInput{Status: Resolved, MessageNL: resolutionNL, MessageEN: resolutionEN})
}

func (s *Service) addUpdate(ctx context.Context, q store.Querier, now time.Time, incidentID int64, in UpdateInput, byLabel string) (int64, error) {
	var uid int64
	nl, en := strings.TrimSpace(in.MessageNL), strings.TrimSpace(in.MessageEN)
	if err := q.QueryRowContext(ctx, `INSERT INTO status_incident_updates (incident_id, status, message_nl, message_en, posted_by, posted_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, incidentID, in.Status, nl, en, byLabel, now).Scan(&uid); err != nil {
		return 0, fmt.Errorf("status: incident update: %w", err)
	}
	var err error
	if in.Status == Resolved {
		_, err = q.ExecContext(ctx, `UPDATE status_incidents SET status = $1, resolved_at = $2, resolution_nl = $3, resolution_en = $4
			WHERE id = $5 AND resolved_at IS NULL`, Resolved, now, nl, en, incidentID)
	} else {
		_, err = q.ExecContext(ctx, `UPDATE status_incidents SET status = $1 WHERE id = $2`, in.Status, incidentID)
	}
	if err != nil {
		return 0, fmt.Errorf("status: incident state: %w", err)
	}
	return uid, nil
}

// Incidents lists incidents for staff (MonitorRead), open ones first, newest first.
func (s *Service) Incidents(ctx context.Context, by accounts.Principal, limit int) ([]Incident, error) {
	if err := by.Check(accounts.MonitorRead, accounts.Provider); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return s.listIncidents(ctx, s.db, `ORDER BY CASE WHEN resolved_at IS NULL THEN 0 ELSE 1 END, opened_at DESC, id DESC LIMIT $1`, limit)
}

// Incident returns one incident for staff (MonitorRead).
func (s *Service) Incident(ctx context.Context, by accounts.Principal, id int64) (Incident, error) {
	if err := by.Check(accounts.MonitorRead, accounts.Provider); err != nil {
		return Incident{}, err
	}
	return s.getIncident(ctx, s.db, id)
}

const incidentSelect = `SELECT id, title_nl, title_en, impact, status, automatic, opened_by, opened_at, resolved_at, resolution_nl, resolution_en FROM status_incidents `

func (s *Service) getIncident(ctx context.Context, q store.Querier, id int64) (Incident, error) {
	list, err := s.listIncidents(ctx, q, `WHERE id = $1`, id)
	if err != nil {
		return Incident{}, err
	}
	if len(list) == 0 {
		return Incident{}, accounts.ErrNotFound
	}
	return list[0], nil
}

// listIncidents reads incidents with their servers, updates and outages.
func (s *Service) listIncidents(ctx context.Context, q store.Querier, where string, args ...any) ([]Incident, error) {
	rows, err := q.QueryContext(ctx, incidentSelect+where, args...)
	if err != nil {
		return nil, fmt.Errorf("status: incidents: %w", err)
	}
	var out []Incident
	for rows.Next() {
		var i Incident
		var resolved sql.NullTime
		if err := rows.Scan(&i.ID, &i.TitleNL, &i.TitleEN, &i.Impact, &i.Status, &i.Automatic, &i.OpenedBy, &i.OpenedAt, &resolved, &i.ResolutionNL, &i.ResolutionEN); err != nil {
			rows.Close()
			return nil, fmt.Errorf("status: incidents: %w", err)
		}
		i.OpenedAt = i.OpenedAt.UTC()
		if resolved.Valid {
			t := resolved.Time.UTC()
			i.ResolvedAt = &t
		}
		i.Updates, i.ServerIDs = []Update{}, []int64{}
		out = append(out, i)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	byID := map[int64]*Incident{}
	ids := make([]string, len(out))
	for k := range out {
		byID[out[k].ID] = &out[k]
		ids[k] = fmt.Sprint(out[k].ID)
	}
	// The ids are our own integers, so listing them in the text is safe.
	in := "(" + strings.Join(ids, ",") + ")"
	if err := eachRow(ctx, q, `SELECT incident_id, server_id FROM status_incident_servers WHERE incident_id IN `+in+` ORDER BY server_id`, func(r scanner) error {
		var iid, sid int64
		if err := r.Scan(&iid, &sid); err != nil {
			return err
		}
		byID[iid].ServerIDs = append(byID[iid].ServerIDs, sid)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := eachRow(ctx, q, `SELECT incident_id, id, status, message_nl, message_en, posted_by, posted_at FROM status_incident_updates WHERE incident_id IN `+in+` ORDER BY posted_at, id`, func(r scanner) error {
		var iid int64
		var u Update
		if err := r.Scan(&iid, &u.ID, &u.Status, &u.MessageNL, &u.MessageEN, &u.PostedBy, &u.PostedAt); err != nil {
			return err
		}
		u.PostedAt = u.PostedAt.UTC()
		byID[iid].Updates = append(byID[iid].Updates, u)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := eachRow(ctx, q, `SELECT incident_id, outage_id, server_id, component, from_at, to_at FROM status_incident_outages WHERE incident_id IN `+in+` ORDER BY from_at, outage_id`, func(r scanner) error {
		var iid int64
		var l Linked
		var to sql.NullTime
		if err := r.Scan(&iid, &l.OutageID, &l.ServerID, &l.Component, &l.From, &to); err != nil {
			return err
		}
		l.From = l.From.UTC()
		if to.Valid {
			t := to.Time.UTC()
			l.To = &t
		}
		byID[iid].Outages = append(byID[iid].Outages, l)
		return nil
	}); err != nil {
		return nil, err
	}
	return out, nil
}

type scanner interface{ Scan(dest ...any) error }

func eachRow(ctx context.Context, q store.Querier, query string, fn func(scanner) error, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return fmt.Errorf("status: %w", err)
		}
	}
	return rows.Err()
}

// ---- monitor.Hooks ----

var _ monitor.Hooks = (*Service)(nil)

// OutageStarted links a confirmed outage to the open incident of its server, or opens
// an automatic incident when services are placed on the server; an outage of a server
// without services is the staff's business only (their alerts), not the customers'.
// It runs in the monitor's transaction; a repeated call links nothing twice.
func (s *Service) OutageStarted(ctx context.Context, q store.Querier, o monitor.Outage) error {
	var have int64
	err := q.QueryRowContext(ctx, `SELECT incident_id FROM status_incident_outages WHERE outage_id = $1`, o.ID).Scan(&have)
	if err == nil {
		return nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("status: outage link: %w", err)
	}
	var incidentID int64
	err = q.QueryRowContext(ctx, `SELECT i.id FROM status_incidents i JOIN status_incident_servers x ON x.incident_id = i.id
		WHERE x.server_id = $1 AND i.resolved_at IS NULL ORDER BY i.opened_at DESC, i.id DESC LIMIT 1`, o.ServerID).Scan(&incidentID)
	now := s.now()
	if errors.Is(err, sql.ErrNoRows) {
		if s.d.Monitor == nil {
			return nil
		}
		placed, err := s.d.Monitor.SubscriptionsOn(ctx, q, []int64{o.ServerID})
		if err != nil {
			return err
		}
		if len(placed) == 0 {
			return nil
		}
		name, kind := fmt.Sprint("server ", o.ServerID), ""
		servers, err := s.d.Monitor.AllServers(ctx, q)
		if err != nil {
			return err
		}
		for _, sv := range servers {
			if sv.ID == o.ServerID {
				name, kind = sv.Name, sv.Kind
			}
		}
		in := autoIncident(name, kind, o.Component, o.ServerID)
		// The disruption began with the outage, not when the monitor confirmed it a few
		// checks later: the incident carries the outage's start.
		if incidentID, err = s.insertIncident(ctx, q, store.Now(o.From), in, true, "monitor"); err != nil {
			return err
		}
		if err := audit.Record(audit.WithActor(ctx, audit.System("monitor")), q, now, audit.Change{Action: "incident.open", ObjectKind: "incident",
			ObjectID: fmt.Sprint(incidentID), Summary: fmt.Sprintf("opened automatically for outage %d of %s on %s", o.ID, o.Component, name)}); err != nil {
			return err
		}
		if err := s.notifySubscribers(ctx, q, now, fmt.Sprintf("incident:%d:open", incidentID), incidentMail(incidentID, in.TitleNL, in.TitleEN, in.Status, in.MessageNL, in.MessageEN)); err != nil {
			return err
		}
	} else if err != nil {
		return fmt.Errorf("status: open incident of server: %w", err)
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO status_incident_outages (outage_id, incident_id, server_id, component, from_at, to_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (outage_id) DO NOTHING`,
		o.ID, incidentID, o.ServerID, o.Component, store.Now(o.From), nullTime(o.To)); err != nil {
		return fmt.Errorf("status: link outage: %w", err)
	}
	s.dirty.Store(true)
	return nil
}

// OutageEnded records the end of a linked outage. When it was the last one running of
// its incident, an automatic incident resolves itself with a recovery message; one that
// staff opened or updated gets a "monitoring" update and waits for staff to resolve it.
func (s *Service) OutageEnded(ctx context.Context, q store.Querier, o monitor.Outage) error {
	var incidentID int64
	err := q.QueryRowContext(ctx, `UPDATE status_incident_outages SET to_at = $1 WHERE outage_id = $2 RETURNING incident_id`,
		nullTime(o.To), o.ID).Scan(&incidentID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // an outage nobody was told about
	}
	if err != nil {
		return fmt.Errorf("status: outage ended: %w", err)
	}
	var running int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM status_incident_outages WHERE incident_id = $1 AND to_at IS NULL`, incidentID).Scan(&running); err != nil {
		return fmt.Errorf("status: outage ended: %w", err)
	}
	s.dirty.Store(true)
	if running > 0 {
		return nil
	}
	inc, err := s.getIncident(ctx, q, incidentID)
	if err != nil || !inc.Open() {
		return err
	}
	staffSpoke := !inc.Automatic
	for _, u := range inc.Updates {
		if u.PostedBy != "monitor" {
			staffSpoke = true
		}
	}
	up := UpdateInput{Status: Resolved, MessageNL: "De storing is voorbij: alle metingen zijn weer in orde.", MessageEN: "The disruption is over: every check is passing again."}
	if staffSpoke {
		up = UpdateInput{Status: Monitoring, MessageNL: "Alle metingen zijn weer in orde; we houden de dienst in de gaten.", MessageEN: "Every check is passing again; we are keeping an eye on the service."}
	}
	now := s.now()
	if !o.To.IsZero() && o.To.Before(now) {
		now = store.Now(o.To) // recovered when the outage ended, not when it was evaluated
	}
	uid, err := s.addUpdate(ctx, q, now, incidentID, up, "monitor")
	if err != nil {
		return err
	}
	if err := audit.Record(audit.WithActor(ctx, audit.System("monitor")), q, now, audit.Change{Action: "incident.update", ObjectKind: "incident",
		ObjectID: fmt.Sprint(incidentID), Summary: fmt.Sprintf("all outages ended; %s update", up.Status)}); err != nil {
		return err
	}
	return s.notifySubscribers(ctx, q, now, fmt.Sprintf("incident-update:%d", uid), incidentMail(incidentID, inc.TitleNL, inc.TitleEN, up.Status, up.MessageNL, up.MessageEN))
}

func autoIncident(server, kind, component string, serverID int64) IncidentInput {
	return IncidentInput{
		TitleNL:   fmt.Sprintf("Verstoring %s op %s", component, server),
		TitleEN:   fmt.Sprintf("Disruption of %s on %s", component, server),
		MessageNL: fmt.Sprintf("Onze metingen zien dat %s op %s niet werkt. We zoeken uit wat er aan de hand is.", component, server),
		MessageEN: fmt.Sprintf("Our checks see that %s on %s is not working. We are finding out what is going on.", component, server),
		Impact:    "major", Status: Investigating, ServerIDs: []int64{serverID},
	}
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return store.Now(t)
}
