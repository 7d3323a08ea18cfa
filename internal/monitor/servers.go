package monitor

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/monitor/probe"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
)

// ServerInput is a server as staff enter it.
type ServerInput struct {
	Name, Kind, Location, Description string
}

// ComponentInput is a component as staff enter it. On an update, the secret fields of
// Spec (password, private and preshared key) left empty keep the stored ones.
type ComponentInput struct {
	Name     string
	Target   string // empty: the spec's URL or address
	Spec     probe.Spec
	Interval time.Duration
}

// ErrHasPlacements refuses to delete a server that services are placed on.
var ErrHasPlacements = errors.New("monitor: services are placed on this server")

// ComponentStatus is a component with its current state as the latest results show it.
type ComponentStatus struct {
	Component
	Kind probe.Kind `json:"kind"`
	// State is up, down (a confirmed outage is open), failing (the latest check failed
	// at some location, not confirmed yet) or unknown (no recent result).
	State    string        `json:"state"`
	Reason   string        `json:"reason,omitempty"`
	LastAt   time.Time     `json:"last_at,omitzero"`
	Latency  time.Duration `json:"latency"`
	OutageID int64         `json:"outage_id,omitempty"`
}

// Location is a probe location and when it last asked for work.
type Location struct {
	Name     string    `json:"name"`
	LastSeen time.Time `json:"last_seen"`
}

func (s *Service) validServer(in *ServerInput) accounts.FieldErrors {
	fe := accounts.FieldErrors{}
	in.Name, in.Location = strings.TrimSpace(in.Name), strings.TrimSpace(in.Location)
	in.Kind, in.Description = strings.TrimSpace(in.Kind), strings.TrimSpace(in.Description)
	if in.Name == "" || len(in.Name) > 100 {
		fe["name"] = i18n.T("monitor.err.name")
	}
	if in.Location == "" || len(in.Location) > 50 {
		fe["location"] = i18n.T("monitor.err.location")
	}
	if !slices.Contains(s.Kinds(), in.Kind) {
		fe["kind"] = i18n.T("monitor.err.kind")
	}
	return fe
}

// Kinds are the service kinds servers can host: those of the pack's
// sla.measurement.components.
func (s *Service) Kinds() []string {
	r, err := s.rules(s.clock.Now())
	var out []string
	if err == nil {
		for k := range r.Components {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		out = []string{"webhosting", "email", "vps", "container", "vpn"}
	}
	sort.Strings(out)
	return out
}

// ComponentNames are the components a server of kind is measured by.
func (s *Service) ComponentNames(kind string) []string {
	r, err := s.rules(s.clock.Now())
	if err == nil && len(r.Components[kind]) > 0 {
		return slices.Clone(r.Components[kind])
	}
	return []string{ComponentHTTP, ComponentHTTPS, ComponentMySQL, ComponentPOP3, ComponentIMAP, ComponentSMTP,
		ComponentDNS, ComponentWireGuard, ComponentNetwork, ComponentPlatform}
}

const serverCols = `id, name, kind, location, description, created_at`

func scanServer(r interface{ Scan(...any) error }) (Server, error) {
	var sv Server
	err := r.Scan(&sv.ID, &sv.Name, &sv.Kind, &sv.Location, &sv.Description, &sv.CreatedAt)
	sv.CreatedAt = sv.CreatedAt.UTC()
	return sv, err
}

func queryServers(ctx context.Context, q store.Querier, where string, args ...any) ([]Server, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+serverCols+` FROM monitor_servers `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("monitor: servers: %w", err)
	}
	defer rows.Close()
	var out []Server
	for rows.Next() {
		sv, err := scanServer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sv)
	}
	return out, rows.Err()
}

// Servers lists every server by location and name.
func (s *Service) Servers(ctx context.Context, by accounts.Principal) ([]Server, error) {
	if err := mayRead(by); err != nil {
		return nil, err
	}
	return s.AllServers(ctx, s.db)
}

// Server returns one server.
func (s *Service) Server(ctx context.Context, by accounts.Principal, id int64) (Server, error) {
	if err := mayRead(by); err != nil {
		return Server{}, err
	}
	return getServer(ctx, s.db, id)
}

func getServer(ctx context.Context, q store.Querier, id int64) (Server, error) {
	sv, err := scanServer(q.QueryRowContext(ctx, `SELECT `+serverCols+` FROM monitor_servers WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Server{}, accounts.ErrNotFound
	}
	return sv, err
}

// CreateServer adds a server.
func (s *Service) CreateServer(ctx context.Context, by accounts.Principal, in ServerInput) (Server, error) {
	if err := mayManage(by); err != nil {
		return Server{}, err
	}
	if fe := s.validServer(&in); len(fe) > 0 {
		return Server{}, fe
	}
	ctx = staffActor(ctx, by)
	now := s.now()
	var sv Server
	err := s.db.InTx(ctx, func(q store.Querier) error {
		var err error
		sv, err = scanServer(q.QueryRowContext(ctx, `INSERT INTO monitor_servers (name, kind, location, description, created_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING `+serverCols, in.Name, in.Kind, in.Location, in.Description, now))
		if store.IsUniqueViolation(err) {
			return accounts.FieldErrors{"name": i18n.T("monitor.err.name_taken")}
		}
		if err != nil {
			return err
		}
		return record(ctx, q, now, "monitor.server_create", "monitor_server", sv.ID, 0,
			fmt.Sprintf("server %s (%s, %s) added", sv.Name, sv.Kind, sv.Location))
	})
	return sv, err
}

// UpdateServer changes a server's name, kind, location and description.
func (s *Service) UpdateServer(ctx context.Context, by accounts.Principal, id int64, in ServerInput) (Server, error) {
	if err := mayManage(by); err != nil {
		return Server{}, err
	}
	if fe := s.validServer(&in); len(fe) > 0 {
		return Server{}, fe
	}
	ctx = staffActor(ctx, by)
	now := s.now()
	var sv Server
	err := s.db.InTx(ctx, func(q store.Querier) error {
		var err error
		sv, err = scanServer(q.QueryRowContext(ctx, `UPDATE monitor_servers SET name = $2, kind = $3, location = $4, description = $5
			WHERE id = $1 RETURNING `+serverCols, id, in.Name, in.Kind, in.Location, in.Description))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return accounts.ErrNotFound
		case store.IsUniqueViolation(err):
			return accounts.FieldErrors{"name": i18n.T("monitor.err.name_taken")}
		case err != nil:
			return err
		}
		return record(ctx, q, now, "monitor.server_update", "monitor_server", id, 0,
			fmt.Sprintf("server %s changed to %s, %s", sv.Name, sv.Kind, sv.Location))
	})
	return sv, err
}

// DeleteServer removes a server without placements, with its components and their
// results; its outages stay (they are the evidence of past SLA figures, cp.av.19.5).
func (s *Service) DeleteServer(ctx context.Context, by accounts.Principal, id int64) error {
	if err := mayManage(by); err != nil {
		return err
	}
	ctx = staffActor(ctx, by)
	now := s.now()
	return s.db.InTx(ctx, func(q store.Querier) error {
		sv, err := getServer(ctx, q, id)
		if err != nil {
			return err
		}
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM monitor_placements WHERE server_id = $1`, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrHasPlacements
		}
		// Its outages stay as evidence; one still open ends now, as nothing measures it.
		if _, err := q.ExecContext(ctx, `UPDATE monitor_outages SET to_at = $2 WHERE server_id = $1 AND to_at IS NULL`, id, now); err != nil {
			return err
		}
		for _, stmt := range []string{
			`DELETE FROM monitor_leases WHERE component_id IN (SELECT id FROM monitor_components WHERE server_id = $1)`,
			`DELETE FROM monitor_results WHERE component_id IN (SELECT id FROM monitor_components WHERE server_id = $1)`,
			`DELETE FROM monitor_components WHERE server_id = $1`,
			`DELETE FROM monitor_servers WHERE id = $1`,
		} {
			if _, err := q.ExecContext(ctx, stmt, id); err != nil {
				return err
			}
		}
		return record(ctx, q, now, "monitor.server_delete", "monitor_server", id, 0, fmt.Sprintf("server %s deleted", sv.Name))
	})
}

func componentBinding(id int64) string { return fmt.Sprintf("monitor-component:%d", id) }

func (s *Service) seal(id int64, sp probe.Spec) (string, error) {
	b, err := json.Marshal(sp)
	if err != nil {
		return "", err
	}
	sealed, err := s.keys.Seal(secrets.PurposeCredential, componentBinding(id), b)
	return string(sealed), err
}

func (s *Service) open(id int64, text string) (probe.Spec, error) {
	var sp probe.Spec
	b, err := s.keys.Open(secrets.PurposeCredential, componentBinding(id), secrets.Sealed(text))
	if err != nil {
		return sp, fmt.Errorf("monitor: check of component %d: %w", id, err)
	}
	err = store.DecodeJSON(fmt.Sprintf("component %d", id), "spec", string(b), &sp)
	return sp, err
}

func (s *Service) validComponent(sv Server, in *ComponentInput) accounts.FieldErrors {
	fe := accounts.FieldErrors{}
	in.Name, in.Target = strings.TrimSpace(in.Name), strings.TrimSpace(in.Target)
	if !slices.Contains(s.ComponentNames(sv.Kind), in.Name) {
		fe["name"] = i18n.T("monitor.err.component")
	}
	if in.Target == "" {
		in.Target = in.Spec.URL
		if in.Target == "" {
			in.Target = in.Spec.Address
		}
	}
	if in.Target == "" || len(in.Target) > 200 {
		fe["target"] = i18n.T("monitor.err.target")
	}
	r, err := s.rules(s.clock.Now())
	if in.Interval < time.Second || err == nil && r.MaxCheckGap > 0 && in.Interval > r.MaxCheckGap {
		// A longer interval would leave every run of checks broken by gaps: unknown time.
		fe["interval"] = i18n.T("monitor.err.interval")
	}
	if err := in.Spec.Validate(); err != nil {
		fe["spec"] = i18n.From(err)
	}
	return fe
}

const componentCols = `id, server_id, name, target, kind, spec, interval_seconds, enabled, version`

func (s *Service) scanComponent(r interface{ Scan(...any) error }) (Component, probe.Kind, error) {
	var c Component
	var kind, spec string
	var secs int64
	if err := r.Scan(&c.ID, &c.ServerID, &c.Name, &c.Target, &kind, &spec, &secs, &c.Enabled, &c.Version); err != nil {
		return c, "", err
	}
	c.Interval = time.Duration(secs) * time.Second
	sp, err := s.open(c.ID, spec)
	c.Spec = sp
	return c, probe.Kind(kind), err
}

func (s *Service) components(ctx context.Context, q store.Querier, where string, args ...any) ([]Component, []probe.Kind, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+componentCols+` FROM monitor_components `+where, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("monitor: components: %w", err)
	}
	defer rows.Close()
	var out []Component
	var kinds []probe.Kind
	for rows.Next() {
		c, k, err := s.scanComponent(rows)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, c)
		kinds = append(kinds, k)
	}
	return out, kinds, rows.Err()
}

// Component returns one component with its check (secrets included: for the form,
// which must not show them back).
func (s *Service) Component(ctx context.Context, by accounts.Principal, id int64) (Component, error) {
	if err := mayManage(by); err != nil {
		return Component{}, err
	}
	cs, _, err := s.components(ctx, s.db, `WHERE id = $1`, id)
	if err != nil {
		return Component{}, err
	}
	if len(cs) == 0 {
		return Component{}, accounts.ErrNotFound
	}
	return cs[0], nil
}

// Components lists a server's components with their current state.
func (s *Service) Components(ctx context.Context, by accounts.Principal, serverID int64) ([]ComponentStatus, error) {
	if err := mayRead(by); err != nil {
		return nil, err
	}
	if _, err := getServer(ctx, s.db, serverID); err != nil {
		return nil, err
	}
	return s.componentStatus(ctx, s.db, `WHERE server_id = $1 ORDER BY name, target`, serverID)
}

func (s *Service) componentStatus(ctx context.Context, q store.Querier, where string, args ...any) ([]ComponentStatus, error) {
	cs, kinds, err := s.components(ctx, q, where, args...)
	if err != nil {
		return nil, err
	}
	now := s.now()
	r, err := s.rules(now)
	if err != nil {
		return nil, err
	}
	out := make([]ComponentStatus, len(cs))
	for i, c := range cs {
		c.Spec = probe.Spec{} // a status never carries the check's secrets
		st := ComponentStatus{Component: c, Kind: kinds[i], State: "unknown"}
		err := q.QueryRowContext(ctx, `SELECT id FROM monitor_outages WHERE component_id = $1 AND to_at IS NULL`, c.ID).Scan(&st.OutageID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		// The newest run of each location that measured within the gap.
		rows, err := q.QueryContext(ctx, `SELECT ok, reason, last_at, latency_last_us FROM monitor_results r
			WHERE component_id = $1 AND last_at >= $2 AND last_at = (SELECT MAX(last_at) FROM monitor_results x
				WHERE x.component_id = r.component_id AND x.location = r.location)`, c.ID, now.Add(-gapFor(r, c.Interval)))
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var ok bool
			var reason string
			var at time.Time
			var us int64
			if err := rows.Scan(&ok, &reason, &at, &us); err != nil {
				rows.Close()
				return nil, err
			}
			if at.After(st.LastAt) {
				st.LastAt, st.Latency = at.UTC(), time.Duration(us)*time.Microsecond
			}
			switch {
			case !ok:
				st.State, st.Reason = "failing", reason
			case st.State == "unknown":
				st.State = "up"
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if st.OutageID != 0 {
			st.State = "down"
		}
		out[i] = st
	}
	return out, nil
}

// AddComponent adds a measured component to a server.
func (s *Service) AddComponent(ctx context.Context, by accounts.Principal, serverID int64, in ComponentInput) (Component, error) {
	if err := mayManage(by); err != nil {
		return Component{}, err
	}
	sv, err := getServer(ctx, s.db, serverID)
	if err != nil {
		return Component{}, err
	}
	if fe := s.validComponent(sv, &in); len(fe) > 0 {
		return Component{}, fe
	}
	ctx = staffActor(ctx, by)
	now := s.now()
	c := Component{ServerID: serverID, Name: in.Name, Target: in.Target, Spec: in.Spec, Interval: in.Interval.Truncate(time.Second), Enabled: true, Version: 1}
	err = s.db.InTx(ctx, func(q store.Querier) error {
		// The spec is sealed bound to the id, so the row is written first with an empty
		// spec and sealed once the id is known, in the same transaction.
		err := q.QueryRowContext(ctx, `INSERT INTO monitor_components (server_id, name, target, kind, spec, interval_seconds, enabled, version, created_at)
			VALUES ($1, $2, $3, $4, '', $5, TRUE, 1, $6) RETURNING id`,
			serverID, c.Name, c.Target, string(in.Spec.Kind), int64(c.Interval/time.Second), now).Scan(&c.ID)
		if store.IsUniqueViolation(err) {
			return accounts.FieldErrors{"target": i18n.T("monitor.err.component_taken")}
		}
		if err != nil {
			return err
		}
		sealed, err := s.seal(c.ID, in.Spec)
		if err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `UPDATE monitor_components SET spec = $2 WHERE id = $1`, c.ID, sealed); err != nil {
			return err
		}
		return record(ctx, q, now, "monitor.component_add", "monitor_component", c.ID, 0,
			fmt.Sprintf("component %s %s (%s check every %s) added to server %s", c.Name, c.Target, in.Spec.Kind, c.Interval, sv.Name))
	})
	return c, err
}

// keepSecrets fills the secret fields left empty in a form from the stored check.
func keepSecrets(in *probe.Spec, old probe.Spec) {
	for _, f := range []struct{ new, old *string }{
		{&in.Password, &old.Password}, {&in.PrivateKey, &old.PrivateKey}, {&in.PresharedKey, &old.PresharedKey},
	} {
		if *f.new == "" {
			*f.new = *f.old
		}
	}
}

// UpdateComponent changes a component's check; its version changes so that probe
// locations reschedule it.
func (s *Service) UpdateComponent(ctx context.Context, by accounts.Principal, id int64, in ComponentInput) (Component, error) {
	if err := mayManage(by); err != nil {
		return Component{}, err
	}
	old, err := s.Component(ctx, by, id)
	if err != nil {
		return Component{}, err
	}
	sv, err := getServer(ctx, s.db, old.ServerID)
	if err != nil {
		return Component{}, err
	}
	if in.Spec.Kind == old.Spec.Kind {
		keepSecrets(&in.Spec, old.Spec)
	}
	if fe := s.validComponent(sv, &in); len(fe) > 0 {
		return Component{}, fe
	}
	ctx = staffActor(ctx, by)
	now := s.now()
	c := old
	c.Name, c.Target, c.Spec, c.Interval = in.Name, in.Target, in.Spec, in.Interval.Truncate(time.Second)
	err = s.db.InTx(ctx, func(q store.Querier) error {
		sealed, err := s.seal(id, in.Spec)
		if err != nil {
			return err
		}
		err = q.QueryRowContext(ctx, `UPDATE monitor_components SET name = $2, target = $3, kind = $4, spec = $5, interval_seconds = $6,
			version = version + 1 WHERE id = $1 RETURNING version`,
			id, c.Name, c.Target, string(in.Spec.Kind), sealed, int64(c.Interval/time.Second)).Scan(&c.Version)
		if store.IsUniqueViolation(err) {
			return accounts.FieldErrors{"target": i18n.T("monitor.err.component_taken")}
		}
		if err != nil {
			return err
		}
		return record(ctx, q, now, "monitor.component_update", "monitor_component", id, 0,
			fmt.Sprintf("component %s %s of server %s changed (%s check every %s)", c.Name, c.Target, sv.Name, in.Spec.Kind, c.Interval))
	})
	return c, err
}

// SetComponentEnabled starts or stops measuring a component.
func (s *Service) SetComponentEnabled(ctx context.Context, by accounts.Principal, id int64, enabled bool) error {
	if err := mayManage(by); err != nil {
		return err
	}
	ctx = staffActor(ctx, by)
	now := s.now()
	return s.db.InTx(ctx, func(q store.Querier) error {
		var name, target string
		err := q.QueryRowContext(ctx, `UPDATE monitor_components SET enabled = $2, version = version + 1 WHERE id = $1 RETURNING name, target`,
			id, enabled).Scan(&name, &target)
		if errors.Is(err, sql.ErrNoRows) {
			return accounts.ErrNotFound
		}
		if err != nil {
			return err
		}
		what := "disabled"
		if enabled {
			what = "enabled"
		}
		return record(ctx, q, now, "monitor.component_"+strings.TrimSuffix(what, "d"), "monitor_component", id, 0,
			fmt.Sprintf("component %s %s %s", name, target, what))
	})
}

// Place records that subscription (of organisation orgID) runs on server: its SLA is
// measured by that server's components from now on.
func (s *Service) Place(ctx context.Context, by accounts.Principal, subscriptionID, orgID, serverID int64) error {
	if err := mayManage(by); err != nil {
		return err
	}
	if subscriptionID <= 0 || orgID <= 0 {
		return accounts.FieldErrors{"subscription": i18n.T("monitor.err.subscription")}
	}
	ctx = staffActor(ctx, by)
	now := s.now()
	return s.db.InTx(ctx, func(q store.Querier) error {
		sv, err := getServer(ctx, q, serverID)
		if err != nil {
			return err
		}
		res, err := q.ExecContext(ctx, `INSERT INTO monitor_placements (subscription_id, org_id, server_id, placed_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (subscription_id, server_id) DO NOTHING`, subscriptionID, orgID, serverID, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return record(ctx, q, now, "monitor.place", "subscription", subscriptionID, orgID,
			fmt.Sprintf("subscription %d placed on server %s", subscriptionID, sv.Name))
	})
}

// Unplace records that a subscription no longer runs on a server.
func (s *Service) Unplace(ctx context.Context, by accounts.Principal, subscriptionID, serverID int64) error {
	if err := mayManage(by); err != nil {
		return err
	}
	ctx = staffActor(ctx, by)
	now := s.now()
	return s.db.InTx(ctx, func(q store.Querier) error {
		var orgID int64
		err := q.QueryRowContext(ctx, `DELETE FROM monitor_placements WHERE subscription_id = $1 AND server_id = $2 RETURNING org_id`,
			subscriptionID, serverID).Scan(&orgID)
		if errors.Is(err, sql.ErrNoRows) {
			return accounts.ErrNotFound
		}
		if err != nil {
			return err
		}
		return record(ctx, q, now, "monitor.unplace", "subscription", subscriptionID, orgID,
			fmt.Sprintf("subscription %d removed from server %d", subscriptionID, serverID))
	})
}

// PlacementsOf lists the subscriptions placed on a server.
func (s *Service) PlacementsOf(ctx context.Context, by accounts.Principal, serverID int64) ([]Placement, error) {
	if err := mayRead(by); err != nil {
		return nil, err
	}
	return s.SubscriptionsOn(ctx, s.db, []int64{serverID})
}

// PlacedOn lists the servers a subscription is placed on (staff contract page).
func (s *Service) PlacedOn(ctx context.Context, by accounts.Principal, subscriptionID int64) ([]Server, error) {
	if err := mayRead(by); err != nil {
		return nil, err
	}
	return s.ServersOf(ctx, s.db, subscriptionID)
}

// Locations lists the probe locations and when each was last seen.
func (s *Service) Locations(ctx context.Context, by accounts.Principal) ([]Location, error) {
	if err := mayRead(by); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT name, last_seen FROM monitor_locations ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Location
	for rows.Next() {
		var l Location
		if err := rows.Scan(&l.Name, &l.LastSeen); err != nil {
			return nil, err
		}
		l.LastSeen = l.LastSeen.UTC()
		out = append(out, l)
	}
	return out, rows.Err()
}
