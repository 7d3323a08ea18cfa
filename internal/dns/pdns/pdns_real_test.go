package pdns_test

import (
	"context"
	"errors"
	"testing"

	"github.com/miekg/dns"

	"github.com/hostpact/hostpact/internal/dns/pdns"
	"github.com/hostpact/hostpact/internal/monitor/probe/realtest"
)

// TestRealPowerDNSClient runs every call of the client against Debian's pdns_server
// (gsqlite3 backend, API on loopback).
func TestRealPowerDNSClient(t *testing.T) {
	t.Parallel()
	srv := realtest.StartPowerDNSAPI(t)
	ctx := context.Background()
	c := &pdns.Client{BaseURL: srv.APIURL, APIKey: srv.APIKey}
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	bad := &pdns.Client{BaseURL: srv.APIURL, APIKey: "wrong"}
	var pe *pdns.Error
	if err := bad.Ping(ctx); !errors.As(err, &pe) || pe.Status != 401 {
		t.Fatalf("wrong key: %v", err)
	}
	z, err := c.CreateZone(ctx, pdns.Zone{Name: "example.test", Nameservers: []string{"ns1.example.test"},
		RRSets: []pdns.RRSet{{Name: "ns1.example.test.", Type: "A", TTL: 300, Records: []pdns.Record{{Content: "127.0.0.1"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if z.Name != "example.test." {
		t.Fatalf("zone %+v", z)
	}
	if _, err := c.CreateZone(ctx, pdns.Zone{Name: "example.test", Nameservers: []string{"ns1.example.test"}}); !errors.As(err, &pe) || !pe.Conflict() {
		t.Fatalf("second create: %v", err)
	}
	if err := c.PatchRRSets(ctx, "example.test", []pdns.RRSet{{Name: "www.example.test.", Type: "A", TTL: 60, ChangeType: pdns.Replace,
		Records: []pdns.Record{{Content: "192.0.2.7"}}}}); err != nil {
		t.Fatal(err)
	}
	// PowerDNS refuses a bad record with its own words.
	err = c.PatchRRSets(ctx, "example.test", []pdns.RRSet{{Name: "bad.example.test.", Type: "A", TTL: 60, ChangeType: pdns.Replace,
		Records: []pdns.Record{{Content: "not-an-ip"}}}})
	if !errors.As(err, &pe) || pe.Status != 422 || pe.Message == "" {
		t.Fatalf("bad record: %v", err)
	}
	got, err := c.Zone(ctx, "example.test")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.RRSets) != 4 { // SOA, NS, ns1 A, www A
		t.Fatalf("rrsets %+v", got.RRSets)
	}
	m := new(dns.Msg)
	m.SetQuestion("www.example.test.", dns.TypeA)
	r, err := dns.Exchange(m, srv.Addr)
	if err != nil || !r.Authoritative || len(r.Answer) != 1 {
		t.Fatalf("answer %v %v", r, err)
	}
	k, err := c.AddCryptoKey(ctx, "example.test", pdns.CryptoKey{KeyType: "csk", Active: true, Algorithm: "ECDSAP256SHA256"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Rectify(ctx, "example.test"); err != nil {
		t.Fatal(err)
	}
	keys, err := c.CryptoKeys(ctx, "example.test")
	if err != nil || len(keys) != 1 || len(keys[0].DS) == 0 {
		t.Fatalf("keys %+v %v", keys, err)
	}
	if err := c.DeleteCryptoKey(ctx, "example.test", k.ID); err != nil {
		t.Fatal(err)
	}
	zs, err := c.Zones(ctx)
	if err != nil || len(zs) != 1 {
		t.Fatalf("zones %+v %v", zs, err)
	}
	if err := c.DeleteZone(ctx, "example.test"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Zone(ctx, "example.test"); !errors.Is(err, pdns.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}
