package provision

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
)

func serverBinding(id int64) string { return fmt.Sprintf("provision-server:%d", id) }

const serverCols = `s.id, s.name, s.driver_type, s.endpoint, s.location, s.capacity, s.settings, s.credentials <> '', s.credential_names,
	COALESCE(s.monitor_server_id, 0), s.enabled, s.draining, s.kinds, s.created_at, s.updated_at,
	(SELECT COUNT(*) FROM provision_services v WHERE v.server_id = s.id AND v.state <> 'deleted'),
	(SELECT COUNT(*) FROM provision_tasks t JOIN provision_services v ON v.id = t.service_id WHERE v.server_id = s.id AND t.status IN ('failed', 'refused'))`

func (s *Service) scanServer(r interface{ Scan(...any) error }) (Server, error) {
	var sv Server
	var settings, names, kinds string
	if err := r.Scan(&sv.ID, &sv.Name, &sv.Type, &sv.Endpoint, &sv.Location, &sv.Capacity, &settings, &sv.CredentialsSet, &names,
		&sv.MonitorServerID, &sv.Enabled, &sv.Draining, &kinds, &sv.CreatedAt, &sv.UpdatedAt, &sv.Services, &sv.Failing); err != nil {
		return sv, err
	}
	if err := store.DecodeJSON(fmt.Sprintf("provisioning server %d", sv.ID), "settings", settings, &sv.Settings); err != nil {
		return sv, err
	}
	if names != "" {
		sv.CredentialNames = strings.Split(names, ",")
	}
	sv.OnlyKinds = parseKinds(kinds)
	sv.Kinds = s.types[sv.Type].Kinds
	if len(sv.OnlyKinds) > 0 {
		sv.Kinds = sv.OnlyKinds
	}
	sv.CreatedAt, sv.UpdatedAt = sv.CreatedAt.UTC(), sv.UpdatedAt.UTC()
	return sv, nil
}

func (s *Service) queryServers(ctx context.Context, q store.Querier, where string, args ...any) ([]Server, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+serverCols+` FROM provision_servers s `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Server
	for rows.Next() {
		sv, err := s.scanServer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sv)
	}
	return out, rows.Err()
}

func (s *Service) getServer(ctx context.Context, q store.Querier, id int64) (Server, error) {
	sv, err := s.scanServer(q.QueryRowContext(ctx, `SELECT `+serverCols+` FROM provision_servers s WHERE s.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return sv, accounts.ErrNotFound
	}
	return sv, err
}

// Servers lists the servers with the services on each, their capacity and their
// failing tasks (provision.read).
func (s *Service) Servers(ctx context.Context, by accounts.Principal) ([]Server, error) {
	if err := mayRead(by); err != nil {
		return nil, err
	}
	return s.queryServers(ctx, s.db, `ORDER BY s.name`)
}

// Server returns one server (provision.read).
func (s *Service) Server(ctx context.Context, by accounts.Principal, id int64) (Server, error) {
	if err := mayRead(by); err != nil {
		return Server{}, err
	}
	return s.getServer(ctx, s.db, id)
}

func (s *Service) validServer(in *ServerInput, update bool, old Server) accounts.FieldErrors {
	fe := accounts.FieldErrors{}
	in.Name, in.Endpoint, in.Location = strings.TrimSpace(in.Name), strings.TrimSpace(in.Endpoint), strings.TrimSpace(in.Location)
	in.Type = strings.TrimSpace(in.Type)
	if l := len(in.Name); l == 0 || l > 100 {
		fe["name"] = i18n.T("provision.err.name")
	}
	t, ok := s.types[in.Type]
	if update {
		in.Type, t, ok = old.Type, s.types[old.Type], true
	}
	if !ok {
		fe["type"] = i18n.T("provision.err.type")
	}
	if l := len(in.Endpoint); l == 0 || l > 500 || strings.ContainsAny(in.Endpoint, " \r\n\t") {
		fe["endpoint"] = i18n.T("provision.err.endpoint")
	} else if strings.Contains(in.Endpoint, "://") {
		if u, err := url.Parse(in.Endpoint); err != nil || u.Host == "" {
			fe["endpoint"] = i18n.T("provision.err.endpoint")
		}
	}
	if len(in.Location) > 50 {
		fe["location"] = i18n.T("provision.err.location")
	}
	if in.Capacity < 1 || in.Capacity > 100000 {
		fe["capacity"] = i18n.T("provision.err.capacity")
	}
	if in.MonitorServerID < 0 {
		fe["monitor_server_id"] = i18n.T("provision.err.monitor_server")
	}
	if !ok {
		return fe
	}
	for _, k := range in.OnlyKinds {
		if !slices.Contains(t.Kinds, k) {
			fe["only_kinds"] = i18n.T("provision.err.kind")
		}
	}
	for k, v := range in.Settings {
		if !slices.Contains(t.SettingFields, k) {
			fe["settings."+k] = i18n.T("provision.err.setting_unknown")
		} else if len(v) > 2000 {
			fe["settings."+k] = i18n.T("provision.err.too_long")
		}
	}
	for k, v := range in.Credentials {
		if !slices.Contains(t.CredentialFields, k) {
			fe["credentials."+k] = i18n.T("provision.err.setting_unknown")
		} else if len(v) > 20000 {
			fe["credentials."+k] = i18n.T("provision.err.too_long")
		}
	}
	if t.Enroll == nil {
		for _, k := range t.CredentialFields {
			if in.Credentials[k] == "" && !slices.Contains(old.CredentialNames, k) {
				fe["credentials."+k] = i18n.T("provision.err.credential_missing")
			}
		}
	}
	return fe
}

func (s *Service) sealCredentials(id int64, creds map[string]string) (string, string, error) {
	names := slices.Sorted(maps.Keys(creds))
	if len(creds) == 0 {
		return "", "", nil
	}
	b, err := json.Marshal(creds)
	if err != nil {
		return "", "", err
	}
	sealed, err := s.keys.Seal(secrets.PurposeCredential, serverBinding(id), b)
	return string(sealed), strings.Join(names, ","), err
}

func (s *Service) openCredentials(id int64, text string) (map[string]string, error) {
	creds := map[string]string{}
	if text == "" {
		return creds, nil
	}
	b, err := s.keys.Open(secrets.PurposeCredential, serverBinding(id), secrets.Sealed(text))
	if err != nil {
		return nil, fmt.Errorf("provision: credentials of server %d: %w", id, err)
	}
	err = store.DecodeJSON(fmt.Sprintf("provisioning server %d", id), "credentials", string(b), &creds)
	return creds, err
}

func nameTaken(err error) bool {
	return err != nil && strings.Contains(strings.ToLower(err.Error()), "unique")
}

// RegisterServer registers a server (provision.manage). For a driver type that enrols
// its servers (driver.Enroller), hostpact makes the credentials and returns the bundle
// to install on the server: it is shown this once and not kept.
func (s *Service) RegisterServer(ctx context.Context, by accounts.Principal, in ServerInput) (Registered, error) {
	if err := mayManage(by); err != nil {
		return Registered{}, err
	}
	if fe := s.validServer(&in, false, Server{}); len(fe) > 0 {
		return Registered{}, fe
	}
	t := s.types[in.Type]
	creds := maps.Clone(in.Credentials)
	if creds == nil {
		creds = map[string]string{}
	}
	var bundle []byte
	if t.Enroll != nil {
		enrolled, b, err := t.Enroll.Enroll(in.Name, in.Endpoint)
		if err != nil {
			return Registered{}, fmt.Errorf("provision: enrol server %s: %w", in.Name, err)
		}
		maps.Copy(creds, enrolled)
		bundle = b
	}
	ctx = actorFor(ctx, by)
	var id int64
	err := s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		settings, _ := json.Marshal(orEmpty(in.Settings))
		err := q.QueryRowContext(ctx, `INSERT INTO provision_servers (name, driver_type, endpoint, location, capacity, settings, monitor_server_id,
			kinds, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
			in.Name, in.Type, in.Endpoint, in.Location, in.Capacity, string(settings), nullID(in.MonitorServerID), joinKinds(in.OnlyKinds), now).Scan(&id)
		if nameTaken(err) {
			return accounts.FieldErrors{"name": i18n.T("provision.err.name_taken")}
		}
		if err != nil {
			return err
		}
		sealed, names, err := s.sealCredentials(id, creds)
		if err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `UPDATE provision_servers SET credentials = $1, credential_names = $2 WHERE id = $3`, sealed, names, id); err != nil {
			return err
		}
		return record(ctx, q, now, 0, "provision.server_register", "provision_server", id,
			fmt.Sprintf("server %s (%s, %s) registered with room for %d services", in.Name, in.Type, in.Endpoint, in.Capacity))
	})
	if err != nil {
		return Registered{}, err
	}
	sv, err := s.getServer(ctx, s.db, id)
	return Registered{Server: sv, Bundle: bundle}, err
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// UpdateServer changes a server (provision.manage); its type stays. A credential left
// empty keeps the stored one.
func (s *Service) UpdateServer(ctx context.Context, by accounts.Principal, id int64, in ServerInput) (Server, error) {
	if err := mayManage(by); err != nil {
		return Server{}, err
	}
	ctx = actorFor(ctx, by)
	err := s.db.InTx(ctx, func(q store.Querier) error {
		old, err := s.getServer(ctx, q, id)
		if err != nil {
			return err
		}
		if fe := s.validServer(&in, true, old); len(fe) > 0 {
			return fe
		}
		var sealed string
		if err := q.QueryRowContext(ctx, `SELECT credentials FROM provision_servers WHERE id = $1`, id).Scan(&sealed); err != nil {
			return err
		}
		creds, err := s.openCredentials(id, sealed)
		if err != nil {
			return err
		}
		changed := false
		for k, v := range in.Credentials {
			if v != "" {
				creds[k], changed = v, true
			}
		}
		names := strings.Join(old.CredentialNames, ",")
		if changed {
			if sealed, names, err = s.sealCredentials(id, creds); err != nil {
				return err
			}
		}
		now := s.now()
		settings, _ := json.Marshal(orEmpty(in.Settings))
		_, err = q.ExecContext(ctx, `UPDATE provision_servers SET name = $1, endpoint = $2, location = $3, capacity = $4, settings = $5,
			monitor_server_id = $6, credentials = $7, credential_names = $8, kinds = $9, updated_at = $10 WHERE id = $11`,
			in.Name, in.Endpoint, in.Location, in.Capacity, string(settings), nullID(in.MonitorServerID), sealed, names, joinKinds(in.OnlyKinds), now, id)
		if nameTaken(err) {
			return accounts.FieldErrors{"name": i18n.T("provision.err.name_taken")}
		}
		if err != nil {
			return err
		}
		summary := fmt.Sprintf("server %s changed: endpoint %s, room for %d services", in.Name, in.Endpoint, in.Capacity)
		if changed {
			summary += "; credentials replaced"
		}
		return record(ctx, q, now, 0, "provision.server_update", "provision_server", id, summary)
	})
	if err != nil {
		return Server{}, err
	}
	return s.getServer(ctx, s.db, id)
}

// SetServerEnabled takes a server out of use or back (provision.manage): a disabled
// server takes no new services and its tasks wait.
func (s *Service) SetServerEnabled(ctx context.Context, by accounts.Principal, id int64, enabled bool) error {
	return s.setServerFlag(ctx, by, id, "enabled", enabled)
}

// SetServerDraining lets a server keep its services but take no new ones, or take them
// again (provision.manage).
func (s *Service) SetServerDraining(ctx context.Context, by accounts.Principal, id int64, draining bool) error {
	return s.setServerFlag(ctx, by, id, "draining", draining)
}

func (s *Service) setServerFlag(ctx context.Context, by accounts.Principal, id int64, column string, v bool) error {
	if err := mayManage(by); err != nil {
		return err
	}
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		sv, err := s.getServer(ctx, q, id)
		if err != nil {
			return err
		}
		now := s.now()
		// column is one of two constants above, never input.
		res, err := q.ExecContext(ctx, `UPDATE provision_servers SET `+column+` = $1, updated_at = $2 WHERE id = $3 AND `+column+` <> $1`, v, now, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return record(ctx, q, now, 0, "provision.server_"+column, "provision_server", id, fmt.Sprintf("server %s %s: %t", sv.Name, column, v))
	})
}

// TestServer asks the server's driver whether the server answers and the credentials
// work (provision.manage).
func (s *Service) TestServer(ctx context.Context, by accounts.Principal, id int64) error {
	if err := mayManage(by); err != nil {
		return err
	}
	d, err := s.driverFor(ctx, s.db, id)
	if err != nil {
		return err
	}
	defer release(d)
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return d.Test(tctx)
}

// driverFor makes the driver of a server with its unsealed credentials.
func (s *Service) driverFor(ctx context.Context, q store.Querier, id int64) (driver.Driver, error) {
	var name, typ, endpoint, location, settings, sealed string
	err := q.QueryRowContext(ctx, `SELECT name, driver_type, endpoint, location, settings, credentials FROM provision_servers WHERE id = $1`, id).
		Scan(&name, &typ, &endpoint, &location, &settings, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, accounts.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	t, ok := s.types[typ]
	if !ok {
		return nil, fmt.Errorf("provision: server %s is of type %q, which this hostpact does not know", name, typ)
	}
	creds, err := s.openCredentials(id, sealed)
	if err != nil {
		return nil, err
	}
	sv := driver.Server{Name: name, Endpoint: endpoint, Location: location, Credentials: creds}
	if err := store.DecodeJSON(fmt.Sprintf("provisioning server %d", id), "settings", settings, &sv.Settings); err != nil {
		return nil, err
	}
	return t.New(sv)
}

// release lets a driver close what it holds open to its server (the agent driver's
// idle HTTPS connections, the Docker client): driverFor makes a driver for each use,
// so what is left open would pile up until it times out, if ever.
func release(d driver.Driver) {
	switch c := d.(type) {
	case io.Closer:
		_ = c.Close()
	case interface{ CloseIdleConnections() }:
		c.CloseIdleConnections()
	}
}

// typesFor lists the registered types that deliver kind.
func (s *Service) typesFor(kind driver.Kind) []string {
	var out []string
	for _, n := range s.typeNames {
		if slices.Contains(s.types[n].Kinds, kind) {
			out = append(out, n)
		}
	}
	return out
}

// joinKinds stores a kind restriction as ",a,b," so that a kind is found with LIKE.
func joinKinds(ks []driver.Kind) string {
	if len(ks) == 0 {
		return ""
	}
	ss := make([]string, 0, len(ks))
	for _, k := range ks {
		if !slices.Contains(ss, string(k)) {
			ss = append(ss, string(k))
		}
	}
	slices.Sort(ss)
	return "," + strings.Join(ss, ",") + ","
}

func parseKinds(s string) []driver.Kind {
	var out []driver.Kind
	for k := range strings.SplitSeq(strings.Trim(s, ","), ",") {
		if k != "" {
			out = append(out, driver.Kind(k))
		}
	}
	return out
}
