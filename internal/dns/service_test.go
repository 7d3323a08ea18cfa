package dns

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/dns/pdns"
	"github.com/hostpact/hostpact/internal/monitor"
)

func demoServer(t *testing.T, e *env) Server {
	t.Helper()
	return must(e.svc.AddServer(e.ctx, support, ServerInput{Name: "demo", APIURL: DemoURL, Nameservers: "ns1.provider.test 127.0.0.1:53\nns2.provider.test 127.0.0.2:53"}))
}

// TestZonesOnTheDemoServer runs the editor against the demo's stand-in: what the
// service does is the same as on PowerDNS (TestRealPowerDNSZones).
func TestZonesOnTheDemoServer(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		demoServer(t, e)
		if err := e.svc.DomainActive(e.ctx, 77, "klant.test"); err != nil {
			t.Fatal(err)
		}
		z := must(e.svc.ZoneByName(e.ctx, customer(77), "klant.test"))
		v := must(e.svc.View(e.ctx, customer(77), z.ID))
		if !v.Demo || len(v.Records) < 8 {
			t.Fatalf("view %+v", v)
		}
		ch := Change{Op: OpAdd, New: RecordInput{Name: "shop", Type: "A", Value: "192.0.2.5"}}
		p := must(e.svc.Preview(e.ctx, customer(77), z.ID, ch))
		v = must(e.svc.Apply(e.ctx, customer(77), z.ID, ch, p.Serial))
		if v.Serial == p.Serial {
			t.Fatal("serial did not move")
		}
		v = must(e.svc.SetDNSSEC(e.ctx, customer(77), z.ID, true))
		if len(v.DS) != 1 || !strings.Contains(v.DS[0], " 13 2 ") {
			t.Fatalf("DS %v", v.DS)
		}
	})
}

// TestZoneAccess: every id route answers another customer with not-found; read-only
// staff and users without the technical permission cannot change records.
func TestZoneAccess(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		demoServer(t, e)
		must(e.svc.ServiceZones(e.ctx, customer(77), 77))
		z := must(e.svc.ZoneByName(e.ctx, support, "klant.test"))
		stranger := customer(78)
		ch := Change{Op: OpAdd, New: RecordInput{Name: "x", Type: "A", Value: "192.0.2.1"}}
		for name, err := range map[string]error{
			"view":    second(e.svc.View(e.ctx, stranger, z.ID)),
			"preview": second(e.svc.Preview(e.ctx, stranger, z.ID, ch)),
			"apply":   second(e.svc.Apply(e.ctx, stranger, z.ID, ch, 0)),
			"dnssec":  second(e.svc.SetDNSSEC(e.ctx, stranger, z.ID, true)),
			"remove":  e.svc.RemoveZone(e.ctx, stranger, z.ID, "klant.test"),
			"byname":  second(e.svc.ZoneByName(e.ctx, stranger, "klant.test")),
			"list":    second(e.svc.Zones(e.ctx, stranger, 77, "")),
		} {
			if !errors.Is(err, accounts.ErrNotFound) {
				t.Errorf("%s by another customer: %v", name, err)
			}
		}
		if _, err := e.svc.Preview(e.ctx, sales, z.ID, ch); !errors.Is(err, accounts.ErrForbidden) {
			t.Errorf("sales previewed a change: %v", err)
		}
		if _, err := e.svc.View(e.ctx, sales, z.ID); err != nil {
			t.Errorf("sales cannot read: %v", err)
		}
		reader := customer(77)
		reader.User.OrgAdmin = false
		reader.User.Permissions = []accounts.Permission{accounts.PermBilling}
		if _, err := e.svc.Preview(e.ctx, reader, z.ID, ch); !errors.Is(err, accounts.ErrForbidden) && !errors.Is(err, accounts.ErrNotFound) {
			t.Errorf("a user without the technical permission previewed: %v", err)
		}
		if _, err := e.svc.CreateZone(e.ctx, customer(77), 77, "google.test"); !errors.Is(err, accounts.ErrForbidden) {
			t.Errorf("a customer created a zone by name: %v", err)
		}
		if zs := must(e.svc.Zones(e.ctx, customer(78), 78, "")); len(zs) != 0 {
			t.Errorf("another customer lists %v", zs)
		}
	})
}

func second[T any](_ T, err error) error { return err }

// crashing is a backend that fails the calls a test names, as a server that went away
// half-way.
type crashing struct {
	Backend
	failCreate bool
}

func (c *crashing) PatchRRSets(ctx context.Context, zone string, sets []pdns.RRSet) error {
	if c.failCreate {
		return errors.New("connection reset")
	}
	return c.Backend.PatchRRSets(ctx, zone, sets)
}

// TestDomainActiveResumes: a run that created the zone on the server but stopped before
// its records and its row finishes on the next call, with the default records once.
func TestDomainActiveResumes(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		demoServer(t, e)
		cb := &crashing{Backend: &demoBackend{db: e.db, clock: e.clk}, failCreate: true}
		e.svc.backendFor = func(Server) Backend { return cb }
		if err := e.svc.DomainActive(e.ctx, 77, "klant.test"); err == nil {
			t.Fatal("no error from the broken server")
		}
		var rows int
		if err := e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM dns_zones`).Scan(&rows); err != nil || rows != 0 {
			t.Fatalf("rows %d %v", rows, err)
		}
		cb.failCreate = false
		if err := e.svc.DomainActive(e.ctx, 77, "klant.test"); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.DomainActive(e.ctx, 77, "klant.test"); err != nil {
			t.Fatal(err)
		}
		z := must(e.svc.ZoneByName(e.ctx, support, "klant.test"))
		v := must(e.svc.View(e.ctx, support, z.ID))
		n := 0
		for _, r := range v.Records {
			if r.Type == "MX" {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("MX records %d: %+v", n, v.Records)
		}
		var audits int
		if err := e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM audit_entries WHERE action = 'dns.zone_create'`).Scan(&audits); err != nil || audits != 1 {
			t.Fatalf("zone_create audited %d times (%v)", audits, err)
		}
	})
}

// TestServerKeySealed: the API key is stored sealed and never returned.
func TestServerKeySealed(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		sv := must(e.svc.AddServer(e.ctx, support, ServerInput{Name: "pdns", APIURL: "http://127.0.0.1:8081", APIKey: "s3cret-key", Nameservers: "ns1.p.test"}))
		var stored string
		if err := e.db.QueryRowContext(e.ctx, `SELECT api_key FROM dns_servers WHERE id = $1`, sv.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, "s3cret") || stored == "" {
			t.Fatalf("stored key %q", stored)
		}
		svs := must(e.svc.Servers(e.ctx, support))
		if len(svs) != 1 || !svs[0].KeySet {
			t.Fatalf("servers %+v", svs)
		}
		b := must(e.svc.backend(svs[0]))
		if b.(*pdns.Client).APIKey != "s3cret-key" {
			t.Fatal("key does not open")
		}
		_, err := e.svc.AddServer(e.ctx, support, ServerInput{Name: "", APIURL: "ftp://x", Nameservers: "not a ns line at all"})
		fe := fieldErr(t, err)
		for _, f := range []string{"name", "api_url", "api_key", "nameservers"} {
			if fe[f].IsZero() {
				t.Errorf("no error on %s", f)
			}
		}
		if _, err := e.svc.AddServer(e.ctx, customer(77), ServerInput{Name: "x", APIURL: DemoURL, Nameservers: "ns1.p.test"}); err == nil {
			t.Fatal("a customer registered a DNS server")
		}
	})
}

type monitorRec struct{ got []monitor.ComponentInput }

func (m *monitorRec) AddComponent(_ context.Context, by accounts.Principal, serverID int64, in monitor.ComponentInput) (monitor.Component, error) {
	if err := by.Check(accounts.MonitorManage, accounts.Provider); err != nil {
		return monitor.Component{}, err
	}
	m.got = append(m.got, in)
	return monitor.Component{ID: int64(len(m.got)), ServerID: serverID, Name: in.Name, Target: in.Target}, nil
}

// TestRegisterMonitoring: each nameserver with an address becomes a DNS component.
func TestRegisterMonitoring(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		m := &monitorRec{}
		e.svc.monitor = m
		sv := must(e.svc.AddServer(e.ctx, support, ServerInput{Name: "demo", APIURL: DemoURL, Nameservers: "ns1.p.test 127.0.0.1:53\nns2.p.test"}))
		cs := must(e.svc.RegisterMonitoring(e.ctx, support, sv.ID, 9, "p.test", time.Minute))
		if len(cs) != 1 || len(m.got) != 1 || m.got[0].Spec.Address != "127.0.0.1:53" || m.got[0].Spec.Zone != "p.test" || m.got[0].Name != monitor.ComponentDNS {
			t.Fatalf("components %+v", m.got)
		}
		if err := m.got[0].Spec.Validate(); err != nil {
			t.Fatal(err)
		}
	})
}
