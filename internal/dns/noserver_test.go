package dns

import "testing"

// A provider without a DNS server in hostpact runs its DNS elsewhere: a domain that
// becomes active gets no zone, and the domains job is not told that anything failed.
func TestDomainActiveWithoutAServer(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		if err := e.svc.DomainActive(e.ctx, 77, "klant.test"); err != nil {
			t.Fatalf("no DNS server: %v", err)
		}
		var n int
		if err := e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM dns_zones`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("zones without a server: %d (%v)", n, err)
		}
	})
}
