package dns

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	mdns "github.com/miekg/dns"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/dns/pdns"
	"github.com/hostpact/hostpact/internal/store"
)

// demoBackend is the demo's stand-in for PowerDNS: it keeps record sets in hostpact's
// own tables (dns_demo_*) and answers like the API for the calls the service makes.
// No nameserver answers for these zones; the pages say so. Tests of the real thing run
// against Debian's pdns_server (TestRealPowerDNS…).
type demoBackend struct {
	db    *store.DB
	clock clock.Clock
}

func demoNotFound() error {
	return &pdns.Error{Status: http.StatusNotFound, Message: "Could not find domain"}
}

func (d *demoBackend) Ping(context.Context) error { return nil }

func (d *demoBackend) serial(ctx context.Context, q store.Querier, zone string) (uint32, string, error) {
	var serial int64
	var key string
	err := q.QueryRowContext(ctx, `SELECT serial, dnssec_key FROM dns_demo_zones WHERE zone = $1`, zone).Scan(&serial, &key)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", demoNotFound()
	}
	return uint32(serial), key, err
}

// bump raises the serial as PowerDNS's SOA-EDIT-API DEFAULT does: YYYYMMDDnn.
func (d *demoBackend) bump(ctx context.Context, q store.Querier, zone string, old uint32) error {
	day := uint32(d.clock.Now().UTC().Year()*10000+int(d.clock.Now().UTC().Month())*100+d.clock.Now().UTC().Day()) * 100
	next := max(old+1, day+1)
	_, err := q.ExecContext(ctx, `UPDATE dns_demo_zones SET serial = $2 WHERE zone = $1`, zone, int64(next))
	return err
}

func (d *demoBackend) Zone(ctx context.Context, name string) (pdns.Zone, error) {
	zone := pdns.Fqdn(name)
	serial, key, err := d.serial(ctx, d.db, zone)
	if err != nil {
		return pdns.Zone{}, err
	}
	z := pdns.Zone{ID: zone, Name: zone, Kind: "Native", Serial: serial, DNSSEC: key != ""}
	rows, err := d.db.QueryContext(ctx, `SELECT name, rtype, ttl, records FROM dns_demo_rrsets WHERE zone = $1 ORDER BY name, rtype`, zone)
	if err != nil {
		return z, err
	}
	defer rows.Close()
	for rows.Next() {
		var set pdns.RRSet
		var ttl int64
		var recs string
		if err := rows.Scan(&set.Name, &set.Type, &ttl, &recs); err != nil {
			return z, err
		}
		set.TTL = uint32(ttl)
		if err := store.DecodeJSON("demo rrset "+set.Name, "records", recs, &set.Records); err != nil {
			return z, err
		}
		z.RRSets = append(z.RRSets, set)
	}
	if err := rows.Err(); err != nil {
		return z, err
	}
	soa := fmt.Sprintf("%s hostmaster.%s %d 10800 3600 604800 3600", firstNS(z.RRSets, zone), zone, serial)
	z.RRSets = append([]pdns.RRSet{{Name: zone, Type: "SOA", TTL: 3600, Records: []pdns.Record{{Content: soa}}}}, z.RRSets...)
	return z, nil
}

func firstNS(sets []pdns.RRSet, zone string) string {
	for _, s := range sets {
		if s.Name == zone && s.Type == "NS" && len(s.Records) > 0 {
			return s.Records[0].Content
		}
	}
	return "ns." + zone
}

func (d *demoBackend) CreateZone(ctx context.Context, z pdns.Zone) (pdns.Zone, error) {
	zone := pdns.Fqdn(z.Name)
	err := d.db.InTx(ctx, func(q store.Querier) error {
		_, err := q.ExecContext(ctx, `INSERT INTO dns_demo_zones (zone, serial) VALUES ($1, 1)`, zone)
		if store.IsUniqueViolation(err) {
			return &pdns.Error{Status: http.StatusConflict, Message: "Domain '" + zone + "' already exists"}
		}
		if err != nil {
			return err
		}
		var ns []pdns.Record
		for _, n := range z.Nameservers {
			ns = append(ns, pdns.Record{Content: pdns.Fqdn(n)})
		}
		sets := append([]pdns.RRSet{{Name: zone, Type: "NS", TTL: 3600, Records: ns, ChangeType: pdns.Replace}}, z.RRSets...)
		return d.patch(ctx, q, zone, sets)
	})
	if err != nil {
		return pdns.Zone{}, err
	}
	return d.Zone(ctx, zone)
}

func (d *demoBackend) patch(ctx context.Context, q store.Querier, zone string, sets []pdns.RRSet) error {
	serial, _, err := d.serial(ctx, q, zone)
	if err != nil {
		return err
	}
	for _, set := range sets {
		if _, err := q.ExecContext(ctx, `DELETE FROM dns_demo_rrsets WHERE zone = $1 AND name = $2 AND rtype = $3`, zone, set.Name, set.Type); err != nil {
			return err
		}
		if set.ChangeType == pdns.Delete || len(set.Records) == 0 {
			continue
		}
		for _, r := range set.Records {
			// The same check PowerDNS makes: content it cannot parse is refused whole.
			if _, err := mdns.NewRR(fmt.Sprintf("%s %d IN %s %s", set.Name, set.TTL, set.Type, r.Content)); err != nil {
				return &pdns.Error{Status: http.StatusUnprocessableEntity, Message: "Record " + set.Name + "/" + set.Type + " '" + r.Content + "': Parsing record content failed"}
			}
		}
		b, _ := json.Marshal(set.Records)
		if _, err := q.ExecContext(ctx, `INSERT INTO dns_demo_rrsets (zone, name, rtype, ttl, records) VALUES ($1, $2, $3, $4, $5)`,
			zone, set.Name, set.Type, int64(set.TTL), string(b)); err != nil {
			return err
		}
	}
	return d.bump(ctx, q, zone, serial)
}

func (d *demoBackend) PatchRRSets(ctx context.Context, zone string, sets []pdns.RRSet) error {
	return d.db.InTx(ctx, func(q store.Querier) error { return d.patch(ctx, q, pdns.Fqdn(zone), sets) })
}

func (d *demoBackend) DeleteZone(ctx context.Context, zone string) error {
	zone = pdns.Fqdn(zone)
	return d.db.InTx(ctx, func(q store.Querier) error {
		res, err := q.ExecContext(ctx, `DELETE FROM dns_demo_zones WHERE zone = $1`, zone)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return demoNotFound()
		}
		_, err = q.ExecContext(ctx, `DELETE FROM dns_demo_rrsets WHERE zone = $1`, zone)
		return err
	})
}

func (d *demoBackend) CryptoKeys(ctx context.Context, zone string) ([]pdns.CryptoKey, error) {
	zone = pdns.Fqdn(zone)
	_, key, err := d.serial(ctx, d.db, zone)
	if err != nil || key == "" {
		return nil, err
	}
	rr, err := mdns.NewRR(key)
	if err != nil {
		return nil, err
	}
	k := rr.(*mdns.DNSKEY)
	ds := k.ToDS(mdns.SHA256)
	return []pdns.CryptoKey{{ID: 1, KeyType: "csk", Active: true, Published: true, Algorithm: "ECDSAP256SHA256",
		DNSKEY: strings.TrimPrefix(k.String(), k.Hdr.String()),
		DS:     []string{strings.TrimPrefix(ds.String(), ds.Hdr.String())}}}, nil
}

// AddCryptoKey makes a real ECDSA P-256 key so the DS shown in the demo has the right
// form; the private half is not kept, as nothing is signed.
func (d *demoBackend) AddCryptoKey(ctx context.Context, zone string, _ pdns.CryptoKey) (pdns.CryptoKey, error) {
	zone = pdns.Fqdn(zone)
	k := &mdns.DNSKEY{Hdr: mdns.RR_Header{Name: zone, Rrtype: mdns.TypeDNSKEY, Class: mdns.ClassINET, Ttl: 3600},
		Flags: 257, Protocol: 3, Algorithm: mdns.ECDSAP256SHA256}
	_, err := k.Generate(256)
	if err != nil {
		return pdns.CryptoKey{}, err
	}
	res, err := d.db.ExecContext(ctx, `UPDATE dns_demo_zones SET dnssec_key = $2 WHERE zone = $1`, zone, k.String())
	if err != nil {
		return pdns.CryptoKey{}, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return pdns.CryptoKey{}, demoNotFound()
	}
	keys, err := d.CryptoKeys(ctx, zone)
	if err != nil || len(keys) == 0 {
		return pdns.CryptoKey{}, err
	}
	return keys[0], nil
}

func (d *demoBackend) DeleteCryptoKey(ctx context.Context, zone string, _ int) error {
	_, err := d.db.ExecContext(ctx, `UPDATE dns_demo_zones SET dnssec_key = '' WHERE zone = $1`, pdns.Fqdn(zone))
	return err
}

func (d *demoBackend) Rectify(context.Context, string) error { return nil }
