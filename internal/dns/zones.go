package dns

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/dns/pdns"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/store"
)

// Zone is a zone hostpact keeps for an organisation.
type Zone struct {
	ID         int64     `json:"id"`
	OrgID      int64     `json:"org_id"`
	Name       string    `json:"name"` // without the trailing dot
	ServerID   int64     `json:"server_id"`
	ServerName string    `json:"server_name"`
	Origin     Origin    `json:"origin"`
	Serial     uint32    `json:"serial"`
	DNSSEC     bool      `json:"dnssec"`
	CreatedAt  time.Time `json:"created_at"`
	ChangedAt  time.Time `json:"changed_at"`
}

// ZoneView is a zone with what its server holds now.
type ZoneView struct {
	Zone
	Records     []Record     `json:"records"`
	Nameservers []Nameserver `json:"nameservers"`
	// DS are the DS records to give the registry while DNSSEC is on.
	DS []string `json:"ds,omitempty"`
	// Demo: the zone is on the demo's stand-in; no nameserver answers for it.
	Demo bool `json:"demo,omitempty"`
}

const zoneCols = `z.id, z.org_id, z.name, z.server_id, s.name, z.origin, z.serial, z.dnssec, z.created_at, z.changed_at`

func scanZone(r interface{ Scan(...any) error }) (Zone, error) {
	var z Zone
	var serial int64
	err := r.Scan(&z.ID, &z.OrgID, &z.Name, &z.ServerID, &z.ServerName, &z.Origin, &serial, &z.DNSSEC, &z.CreatedAt, &z.ChangedAt)
	z.Serial = uint32(serial)
	z.CreatedAt, z.ChangedAt = z.CreatedAt.UTC(), z.ChangedAt.UTC()
	return z, err
}

func queryZones(ctx context.Context, q store.Querier, where string, args ...any) ([]Zone, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+zoneCols+` FROM dns_zones z JOIN dns_servers s ON s.id = z.server_id `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("dns: zones: %w", err)
	}
	defer rows.Close()
	var out []Zone
	for rows.Next() {
		z, err := scanZone(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, z)
	}
	return out, rows.Err()
}

func zoneBy(ctx context.Context, q store.Querier, where string, args ...any) (Zone, error) {
	zs, err := queryZones(ctx, q, where, args...)
	if err != nil {
		return Zone{}, err
	}
	if len(zs) == 0 {
		return Zone{}, accounts.ErrNotFound
	}
	return zs[0], nil
}

// PageSize is the most zones a list returns.
const PageSize = 50

// Zones lists an organisation's zones by name, after the name given (keyset).
func (s *Service) Zones(ctx context.Context, by accounts.Principal, orgID int64, after string) ([]Zone, error) {
	if err := by.Check(accounts.DNSRead, accounts.OrgID(orgID)); err != nil {
		return nil, err
	}
	return queryZones(ctx, s.db, `WHERE z.org_id = $1 AND z.name > $2 ORDER BY z.name LIMIT $3`, orgID, after, PageSize)
}

// AllZones lists every zone by name after the name given (staff); serverID 0: all
// servers.
func (s *Service) AllZones(ctx context.Context, by accounts.Principal, serverID int64, after string) ([]Zone, error) {
	if err := by.Check(accounts.DNSRead, accounts.Provider); err != nil {
		return nil, err
	}
	if serverID != 0 {
		return queryZones(ctx, s.db, `WHERE z.server_id = $1 AND z.name > $2 ORDER BY z.name LIMIT $3`, serverID, after, PageSize)
	}
	return queryZones(ctx, s.db, `WHERE z.name > $1 ORDER BY z.name LIMIT $2`, after, PageSize)
}

// readable returns a zone if by may do act on it; another organisation's zone is
// ErrNotFound, so ids reveal nothing.
func (s *Service) readable(ctx context.Context, by accounts.Principal, act accounts.Action, id int64) (Zone, error) {
	z, err := zoneBy(ctx, s.db, `WHERE z.id = $1`, id)
	if err != nil {
		return Zone{}, err
	}
	if err := by.Check(act, accounts.OrgID(z.OrgID)); err != nil {
		return Zone{}, err
	}
	return z, nil
}

// ZoneByName finds a zone the principal may read by its name.
func (s *Service) ZoneByName(ctx context.Context, by accounts.Principal, name string) (Zone, error) {
	z, err := zoneBy(ctx, s.db, `WHERE z.name = $1`, normZone(name))
	if err != nil {
		return Zone{}, err
	}
	if err := by.Check(accounts.DNSRead, accounts.OrgID(z.OrgID)); err != nil {
		return Zone{}, err
	}
	return z, nil
}

// View returns a zone with its records as its server holds them now.
func (s *Service) View(ctx context.Context, by accounts.Principal, id int64) (ZoneView, error) {
	z, err := s.readable(ctx, by, accounts.DNSRead, id)
	if err != nil {
		return ZoneView{}, err
	}
	return s.view(ctx, z)
}

func (s *Service) view(ctx context.Context, z Zone) (ZoneView, error) {
	sv, err := s.server(ctx, s.db, z.ServerID)
	if err != nil {
		return ZoneView{}, err
	}
	b, err := s.backend(sv)
	if err != nil {
		return ZoneView{}, err
	}
	pz, err := b.Zone(ctx, z.Name)
	if err != nil {
		return ZoneView{}, backendError(err)
	}
	v := ZoneView{Zone: z, Records: recordsOf(z.Name, pz.RRSets), Nameservers: sv.Nameservers, Demo: sv.Demo()}
	v.Serial = pz.Serial
	if z.DNSSEC {
		keys, err := b.CryptoKeys(ctx, z.Name)
		if err != nil {
			return ZoneView{}, backendError(err)
		}
		for _, k := range keys {
			if k.Active {
				v.DS = append(v.DS, k.DS...)
			}
		}
	}
	return v, nil
}

// recordsOf flattens record sets into records sorted by name, type and content.
func recordsOf(zone string, sets []pdns.RRSet) []Record {
	var out []Record
	apex := pdns.Fqdn(zone)
	for _, set := range sets {
		name := "@"
		if set.Name != apex {
			name = strings.TrimSuffix(set.Name, "."+apex)
		}
		for _, r := range set.Records {
			if r.Disabled {
				continue
			}
			out = append(out, Record{Name: name, Type: set.Type, TTL: set.TTL, Content: r.Content})
		}
	}
	sortRecords(out)
	return out
}

func sortRecords(rs []Record) {
	sort.Slice(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.Name != b.Name {
			if a.Name == "@" || b.Name == "@" {
				return a.Name == "@"
			}
			return a.Name < b.Name
		}
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		return a.Content < b.Content
	})
}

func normZone(name string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
}

// validZone: a domain name of at least two labels.
func validZone(name string) bool {
	if !strings.Contains(name, ".") || len(name) > 253 {
		return false
	}
	for _, l := range strings.Split(name, ".") {
		if !validLabel(l, false) {
			return false
		}
	}
	return true
}

// DefaultRecords are the records a new zone gets for the organisation's services on
// its domain: the web server's addresses at the apex and www, and for mail an MX, the
// mail server's addresses and an SPF record that allows only the MX (the NS records
// come from the server's nameservers).
func DefaultRecords(zone string, hosted []Hosted, ttl uint32) []Record {
	var out []Record
	add := func(name, typ, content string) {
		r := Record{Name: name, Type: typ, TTL: ttl, Content: content}
		for _, o := range out {
			if o.Key() == r.Key() {
				return
			}
		}
		out = append(out, r)
	}
	for _, h := range hosted {
		if normZone(h.Domain) != zone {
			continue
		}
		switch h.Kind {
		case "webhosting":
			if h.IPv4 != "" {
				add("@", "A", h.IPv4)
				add("www", "A", h.IPv4)
			}
			if h.IPv6 != "" {
				add("@", "AAAA", h.IPv6)
				add("www", "AAAA", h.IPv6)
			}
		case "email":
			mx := pdns.Fqdn(strings.ToLower(h.MailHost))
			if h.MailHost == "" {
				mx = "mail." + zone + "."
				if h.IPv4 != "" {
					add("mail", "A", h.IPv4)
				}
				if h.IPv6 != "" {
					add("mail", "AAAA", h.IPv6)
				}
			}
			add("@", "MX", "10 "+mx)
			add("@", "TXT", `"v=spf1 mx -all"`)
		}
	}
	sortRecords(out)
	return out
}

// rrsets groups records into record sets of absolute names (one TTL per set: the
// first record's).
func rrsets(zone string, rs []Record, change string) []pdns.RRSet {
	idx := map[string]int{}
	var out []pdns.RRSet
	for _, r := range rs {
		k := r.Name + " " + r.Type
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, pdns.RRSet{Name: fqdn(r.Name, zone), Type: r.Type, TTL: r.TTL, ChangeType: change})
		}
		out[i].Records = append(out[i].Records, pdns.Record{Content: r.Content})
	}
	return out
}

// ensureZone makes the zone exist on the server with its default records and in the
// table for orgID. Every step can run again: a zone PowerDNS already has is kept, the
// default records are replaced by themselves, the row is written once. A zone of
// another organisation is never taken over.
func (s *Service) ensureZone(ctx context.Context, orgID int64, name string, origin Origin) (Zone, error) {
	name = normZone(name)
	if !validZone(name) {
		return Zone{}, accounts.FieldErrors{"name": i18n.T("dns.err.zone_name")}
	}
	z, err := zoneBy(ctx, s.db, `WHERE z.name = $1`, name)
	switch {
	case err == nil && z.OrgID != orgID:
		return Zone{}, accounts.FieldErrors{"name": i18n.T("dns.err.zone_taken")}
	case err != nil && !errors.Is(err, accounts.ErrNotFound):
		return Zone{}, err
	}
	exists := err == nil
	var sv Server
	if exists {
		sv, err = s.server(ctx, s.db, z.ServerID)
	} else {
		sv, err = s.defaultServer(ctx, s.db)
	}
	if err != nil {
		return Zone{}, err
	}
	b, err := s.backend(sv)
	if err != nil {
		return Zone{}, err
	}
	var hosted []Hosted
	if s.hosting != nil {
		if hosted, err = s.hosting.HostedServices(ctx, orgID); err != nil {
			return Zone{}, err
		}
	}
	defaults := DefaultRecords(name, hosted, s.lim.DefaultTTL)
	if _, err := b.Zone(ctx, name); errors.Is(err, pdns.ErrNotFound) {
		nss := make([]string, len(sv.Nameservers))
		for i, n := range sv.Nameservers {
			nss[i] = n.Name
		}
		_, err = b.CreateZone(ctx, pdns.Zone{Name: name, Nameservers: nss})
		var pe *pdns.Error
		if errors.As(err, &pe) && pe.Conflict() {
			err = nil // created by a run that stopped before writing the row
		}
		if err != nil {
			return Zone{}, backendError(err)
		}
	} else if err != nil {
		return Zone{}, backendError(err)
	}
	if exists {
		return z, nil
	}
	// Until the row is written the zone is still being made: the default records are
	// written again (REPLACE of the same sets), also after a run that stopped between
	// creating the zone and writing them.
	if len(defaults) > 0 {
		if err := b.PatchRRSets(ctx, name, rrsets(name, defaults, pdns.Replace)); err != nil {
			return Zone{}, backendError(err)
		}
	}
	pz, err := b.Zone(ctx, name)
	if err != nil {
		return Zone{}, backendError(err)
	}
	now := s.now()
	err = s.db.InTx(ctx, func(q store.Querier) error {
		var id int64
		err := q.QueryRowContext(ctx, `INSERT INTO dns_zones (org_id, name, server_id, origin, serial, dnssec, created_at, changed_at)
			VALUES ($1, $2, $3, $4, $5, FALSE, $6, $6) RETURNING id`, orgID, name, sv.ID, string(origin), int64(pz.Serial), now).Scan(&id)
		if store.IsUniqueViolation(err) {
			return accounts.FieldErrors{"name": i18n.T("dns.err.zone_taken")}
		}
		if err != nil {
			return err
		}
		z, err = zoneBy(ctx, q, `WHERE z.id = $1`, id)
		if err != nil {
			return err
		}
		return record(ctx, q, now, orgID, "dns.zone_create", "dns_zone", id,
			fmt.Sprintf("zone %s created on %s (%s) with %d default records", name, sv.Name, origin, len(defaults)))
	})
	return z, err
}

// DomainActive creates the zone of a domain that became active (internal/domains'
// ZoneKeeper); a zone that exists is left as it is.
//
// A provider that has registered no DNS server runs its DNS elsewhere: the domain then
// gets no zone here, and that is not an error.
func (s *Service) DomainActive(ctx context.Context, orgID int64, name string) error {
	if svs, err := s.servers(ctx, s.db, `ORDER BY s.id LIMIT 1`); err != nil {
		return err
	} else if len(svs) == 0 {
		return nil
	}
	_, err := s.ensureZone(audit.JobContext(ctx, "domains"), orgID, name, OriginDomain)
	return err
}

// DomainGone removes the zone of a domain that left (cancelled, transferred away):
// from the server first, then from the table, so a run stopped half-way finishes the
// next time.
func (s *Service) DomainGone(ctx context.Context, orgID int64, name string) error {
	z, err := zoneBy(ctx, s.db, `WHERE z.name = $1 AND z.org_id = $2`, normZone(name), orgID)
	if errors.Is(err, accounts.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.removeZone(audit.JobContext(ctx, "domains"), z, "the domain left")
}

// CreateZone creates a zone for an organisation by hand (staff), with the default
// records of its services on that domain.
func (s *Service) CreateZone(ctx context.Context, by accounts.Principal, orgID int64, name string) (Zone, error) {
	if err := by.Check(accounts.DNSEdit, accounts.OrgID(orgID)); err != nil {
		return Zone{}, err
	}
	if !by.IsStaff() {
		// A customer's zones come from its domains and services, never from a name it
		// types: that would let it claim another's domain on the nameservers.
		return Zone{}, accounts.ErrForbidden
	}
	if s.custs != nil {
		if _, err := s.custs.GetOrganisation(ctx, by, orgID); err != nil {
			return Zone{}, err
		}
	}
	return s.ensureZone(accounts.ActorContext(ctx, by), orgID, name, OriginDomain)
}

// ServiceZones makes a zone for every domain of the organisation's hosting and mail
// services that has none yet, and returns the zones made.
func (s *Service) ServiceZones(ctx context.Context, by accounts.Principal, orgID int64) ([]Zone, error) {
	if err := by.Check(accounts.DNSEdit, accounts.OrgID(orgID)); err != nil {
		return nil, err
	}
	if s.hosting == nil {
		return nil, nil
	}
	hosted, err := s.hosting.HostedServices(ctx, orgID)
	if err != nil {
		return nil, err
	}
	ctx = accounts.ActorContext(ctx, by)
	var out []Zone
	seen := map[string]bool{}
	for _, h := range hosted {
		d := normZone(h.Domain)
		if d == "" || seen[d] || !validZone(d) {
			continue
		}
		seen[d] = true
		if _, err := zoneBy(ctx, s.db, `WHERE z.name = $1`, d); err == nil {
			continue
		}
		z, err := s.ensureZone(ctx, orgID, d, OriginService)
		if err != nil {
			return out, err
		}
		out = append(out, z)
	}
	return out, nil
}

// RemoveZone removes a zone by hand (staff), after they typed its name to confirm
// (cp.security.change.3: removing a zone has a large effect).
func (s *Service) RemoveZone(ctx context.Context, by accounts.Principal, id int64, confirmName string) error {
	z, err := s.readable(ctx, by, accounts.DNSEdit, id)
	if err != nil {
		return err
	}
	if !by.IsStaff() {
		return accounts.ErrForbidden
	}
	if normZone(confirmName) != z.Name {
		return accounts.FieldErrors{"confirm": i18n.T("dns.err.confirm_name")}
	}
	return s.removeZone(accounts.ActorContext(ctx, by), z, "removed by staff")
}

func (s *Service) removeZone(ctx context.Context, z Zone, why string) error {
	sv, err := s.server(ctx, s.db, z.ServerID)
	if err != nil {
		return err
	}
	b, err := s.backend(sv)
	if err != nil {
		return err
	}
	if err := b.DeleteZone(ctx, z.Name); err != nil && !errors.Is(err, pdns.ErrNotFound) {
		return backendError(err)
	}
	now := s.now()
	return s.db.InTx(ctx, func(q store.Querier) error {
		res, err := q.ExecContext(ctx, `DELETE FROM dns_zones WHERE id = $1`, z.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // another run removed it
		}
		return record(ctx, q, now, z.OrgID, "dns.zone_remove", "dns_zone", z.ID, fmt.Sprintf("zone %s removed from %s: %s", z.Name, sv.Name, why))
	})
}

// SetDNSSEC signs the zone with a new key (on) or removes its keys (off). With DNSSEC on,
// the DS records in the answer go to the registry; turning it off while the registry
// still has the DS makes the domain fail validation, which the page says before asking.
func (s *Service) SetDNSSEC(ctx context.Context, by accounts.Principal, id int64, on bool) (ZoneView, error) {
	z, err := s.readable(ctx, by, accounts.DNSEdit, id)
	if err != nil {
		return ZoneView{}, err
	}
	ctx = accounts.ActorContext(ctx, by)
	sv, err := s.server(ctx, s.db, z.ServerID)
	if err != nil {
		return ZoneView{}, err
	}
	b, err := s.backend(sv)
	if err != nil {
		return ZoneView{}, err
	}
	keys, err := b.CryptoKeys(ctx, z.Name)
	if err != nil {
		return ZoneView{}, backendError(err)
	}
	if on && len(keys) == 0 {
		if _, err := b.AddCryptoKey(ctx, z.Name, pdns.CryptoKey{KeyType: "csk", Active: true, Algorithm: "ECDSAP256SHA256"}); err != nil {
			return ZoneView{}, backendError(err)
		}
	}
	if !on {
		for _, k := range keys {
			if err := b.DeleteCryptoKey(ctx, z.Name, k.ID); err != nil && !errors.Is(err, pdns.ErrNotFound) {
				return ZoneView{}, backendError(err)
			}
		}
	}
	if err := b.Rectify(ctx, z.Name); err != nil {
		return ZoneView{}, backendError(err)
	}
	now := s.now()
	state := map[bool]string{true: "on", false: "off"}[on]
	err = s.db.InTx(ctx, func(q store.Querier) error {
		if _, err := q.ExecContext(ctx, `UPDATE dns_zones SET dnssec = $2, changed_at = $3 WHERE id = $1`, z.ID, on, now); err != nil {
			return err
		}
		return record(ctx, q, now, z.OrgID, "dns.dnssec_"+state, "dns_zone", z.ID, fmt.Sprintf("DNSSEC of zone %s turned %s", z.Name, state))
	})
	if err != nil {
		return ZoneView{}, err
	}
	z.DNSSEC = on
	return s.view(ctx, z)
}

func rrsetDelete(zone, name, typ string) pdns.RRSet {
	return pdns.RRSet{Name: fqdn(name, zone), Type: typ, ChangeType: pdns.Delete, Records: []pdns.Record{}}
}
