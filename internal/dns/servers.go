package dns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/dns/pdns"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/monitor/probe"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
)

// DemoURL is the API URL of the demo's stand-in DNS server: records are kept in
// hostpact's own table and no nameserver answers for them.
const DemoURL = "demo"

// Nameserver is a name zones are delegated to, and where the monitoring asks it.
type Nameserver struct {
	Name    string `json:"name"`              // e.g. ns1.provider.nl
	Address string `json:"address,omitempty"` // host:port the probe queries (empty: not measured)
}

// Server is a PowerDNS server as staff see it; its API key is never shown.
type Server struct {
	ID          int64        `json:"id"`
	Name        string       `json:"name"`
	APIURL      string       `json:"api_url"`
	KeySet      bool         `json:"key_set"`
	Nameservers []Nameserver `json:"nameservers"`
	Zones       int          `json:"zones"`
	CreatedAt   time.Time    `json:"created_at"`

	sealedKey string
}

// Demo reports whether this is the demo's stand-in.
func (sv Server) Demo() bool { return sv.APIURL == DemoURL }

// ServerInput is a server as staff register it.
type ServerInput struct {
	Name   string
	APIURL string
	APIKey string
	// Nameservers, one per line: "name [address:port]".
	Nameservers string
}

func keyBinding(id int64) string { return fmt.Sprintf("dns-server:%d", id) }

// ParseNameservers reads "name [host:port]" lines.
func ParseNameservers(text string) ([]Nameserver, bool) {
	var out []Nameserver
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) > 2 {
			return nil, false
		}
		name := strings.TrimSuffix(strings.ToLower(f[0]), ".")
		if _, m := target("invalid", name, false); !m.IsZero() || !strings.Contains(name, ".") {
			return nil, false
		}
		ns := Nameserver{Name: name}
		if len(f) == 2 {
			if _, _, err := net.SplitHostPort(f[1]); err != nil {
				return nil, false
			}
			ns.Address = f[1]
		}
		out = append(out, ns)
	}
	return out, len(out) > 0 && len(out) <= 8
}

func mayManageServers(by accounts.Principal) error {
	return by.Check(accounts.DNSEdit, accounts.Provider)
}

// AddServer registers a PowerDNS server; its key is sealed before it is stored.
func (s *Service) AddServer(ctx context.Context, by accounts.Principal, in ServerInput) (Server, error) {
	if err := mayManageServers(by); err != nil {
		return Server{}, err
	}
	fe := accounts.FieldErrors{}
	in.Name, in.APIURL, in.APIKey = strings.TrimSpace(in.Name), strings.TrimSpace(in.APIURL), strings.TrimSpace(in.APIKey)
	if in.Name == "" || len(in.Name) > 100 {
		fe["name"] = i18n.T("dns.err.server_name")
	}
	if in.APIURL != DemoURL {
		u, err := url.Parse(in.APIURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			fe["api_url"] = i18n.T("dns.err.api_url")
		}
		if in.APIKey == "" || len(in.APIKey) > 500 {
			fe["api_key"] = i18n.T("dns.err.api_key")
		}
	}
	nss, ok := ParseNameservers(in.Nameservers)
	if !ok {
		fe["nameservers"] = i18n.T("dns.err.nameservers")
	}
	if len(fe) > 0 {
		return Server{}, fe
	}
	nsJSON, _ := json.Marshal(nss)
	ctx = accounts.ActorContext(ctx, by)
	now := s.now()
	sv := Server{Name: in.Name, APIURL: in.APIURL, Nameservers: nss, KeySet: in.APIKey != "", CreatedAt: now}
	err := s.db.InTx(ctx, func(q store.Querier) error {
		err := q.QueryRowContext(ctx, `INSERT INTO dns_servers (name, api_url, nameservers, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $4) RETURNING id`, in.Name, in.APIURL, string(nsJSON), now).Scan(&sv.ID)
		if store.IsUniqueViolation(err) {
			return accounts.FieldErrors{"name": i18n.T("dns.err.server_taken")}
		}
		if err != nil {
			return err
		}
		if in.APIKey != "" {
			sealed, err := s.keys.SealString(secrets.PurposeCredential, keyBinding(sv.ID), in.APIKey)
			if err != nil {
				return err
			}
			if _, err := q.ExecContext(ctx, `UPDATE dns_servers SET api_key = $2 WHERE id = $1`, sv.ID, string(sealed)); err != nil {
				return err
			}
		}
		return record(ctx, q, now, 0, "dns.server_add", "dns_server", sv.ID,
			fmt.Sprintf("DNS server %s (%s) registered with nameservers %s", sv.Name, sv.APIURL, nsNames(nss)))
	})
	return sv, err
}

func nsNames(nss []Nameserver) string {
	names := make([]string, len(nss))
	for i, n := range nss {
		names[i] = n.Name
	}
	return strings.Join(names, ", ")
}

const serverCols = `s.id, s.name, s.api_url, s.api_key, s.nameservers, s.created_at,
	(SELECT COUNT(*) FROM dns_zones z WHERE z.server_id = s.id)`

func scanServer(r interface{ Scan(...any) error }) (Server, error) {
	var sv Server
	var nss string
	if err := r.Scan(&sv.ID, &sv.Name, &sv.APIURL, &sv.sealedKey, &nss, &sv.CreatedAt, &sv.Zones); err != nil {
		return sv, err
	}
	sv.KeySet = sv.sealedKey != ""
	sv.CreatedAt = sv.CreatedAt.UTC()
	err := store.DecodeJSON(fmt.Sprintf("dns server %d", sv.ID), "nameservers", nss, &sv.Nameservers)
	return sv, err
}

func (s *Service) servers(ctx context.Context, q store.Querier, where string, args ...any) ([]Server, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+serverCols+` FROM dns_servers s `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("dns: servers: %w", err)
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

func (s *Service) server(ctx context.Context, q store.Querier, id int64) (Server, error) {
	svs, err := s.servers(ctx, q, `WHERE s.id = $1`, id)
	if err != nil {
		return Server{}, err
	}
	if len(svs) == 0 {
		return Server{}, accounts.ErrNotFound
	}
	return svs[0], nil
}

// Servers lists the DNS servers (staff).
func (s *Service) Servers(ctx context.Context, by accounts.Principal) ([]Server, error) {
	if err := by.Check(accounts.DNSRead, accounts.Provider); err != nil {
		return nil, err
	}
	return s.servers(ctx, s.db, `ORDER BY s.name`)
}

// DeleteServer removes a server that holds no zones.
func (s *Service) DeleteServer(ctx context.Context, by accounts.Principal, id int64) error {
	if err := mayManageServers(by); err != nil {
		return err
	}
	ctx = accounts.ActorContext(ctx, by)
	now := s.now()
	return s.db.InTx(ctx, func(q store.Querier) error {
		sv, err := s.server(ctx, q, id)
		if err != nil {
			return err
		}
		if sv.Zones > 0 {
			return accounts.FieldErrors{"server": i18n.T("dns.err.has_zones")}
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM dns_servers WHERE id = $1`, id); err != nil {
			return err
		}
		return record(ctx, q, now, 0, "dns.server_delete", "dns_server", id, fmt.Sprintf("DNS server %s removed", sv.Name))
	})
}

// defaultServer is where new zones go: the first registered server.
func (s *Service) defaultServer(ctx context.Context, q store.Querier) (Server, error) {
	svs, err := s.servers(ctx, q, `ORDER BY s.id LIMIT 1`)
	if err != nil {
		return Server{}, err
	}
	if len(svs) == 0 {
		return Server{}, accounts.FieldErrors{"server": i18n.T("dns.err.no_server")}
	}
	return svs[0], nil
}

// backend is the API of a server: PowerDNS with its unsealed key, or the demo's table.
func (s *Service) backend(sv Server) (Backend, error) {
	if s.backendFor != nil {
		return s.backendFor(sv), nil
	}
	if sv.Demo() {
		return &demoBackend{db: s.db, clock: s.clock}, nil
	}
	key, err := s.keys.OpenString(secrets.PurposeCredential, keyBinding(sv.ID), secrets.Sealed(sv.sealedKey))
	if err != nil {
		return nil, fmt.Errorf("dns: key of server %d: %w", sv.ID, err)
	}
	return &pdns.Client{BaseURL: sv.APIURL, APIKey: key, Timeout: s.timeout}, nil
}

// TestServer asks the server's API whether the URL and key work.
func (s *Service) TestServer(ctx context.Context, by accounts.Principal, id int64) error {
	if err := mayManageServers(by); err != nil {
		return err
	}
	sv, err := s.server(ctx, s.db, id)
	if err != nil {
		return err
	}
	b, err := s.backend(sv)
	if err != nil {
		return err
	}
	return backendError(b.Ping(ctx))
}

// RegisterMonitoring adds a "dns" component per nameserver with an address to a
// monitor server (one of the hosting or mail servers whose availability counts the
// nameservers, cp.sla.availability.2): each asks the nameserver for the SOA of zone and
// wants an authoritative answer (internal/monitor/probe DNS check). The service is down
// for DNS only while every nameserver is (the pack's all_targets_down).
func (s *Service) RegisterMonitoring(ctx context.Context, by accounts.Principal, serverID, monitorServerID int64, zone string, every time.Duration) ([]monitor.Component, error) {
	if err := mayManageServers(by); err != nil {
		return nil, err
	}
	sv, err := s.server(ctx, s.db, serverID)
	if err != nil {
		return nil, err
	}
	if s.monitor == nil {
		return nil, errors.New("dns: no monitor to register with")
	}
	var out []monitor.Component
	for _, ns := range sv.Nameservers {
		if ns.Address == "" {
			continue
		}
		c, err := s.monitor.AddComponent(ctx, by, monitorServerID, monitor.ComponentInput{
			Name: monitor.ComponentDNS, Target: ns.Name + " (" + ns.Address + ")", Interval: every,
			Spec: probe.Spec{Kind: probe.KindDNS, Address: ns.Address, Zone: zone},
		})
		if err != nil {
			return out, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, accounts.FieldErrors{"nameservers": i18n.T("dns.err.no_nameserver")}
	}
	return out, nil
}
