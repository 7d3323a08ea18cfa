package probe_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/monitor/probe"
	"github.com/hostpact/hostpact/internal/monitor/probe/realtest"
)

// expect checks a result's state and reason key and logs its latency (a measured
// figure for the report, not an assertion).
func expect(t *testing.T, name string, res probe.Result, up bool, key string) {
	t.Helper()
	t.Logf("%-28s %-6s latency %-12v %s", name, upText(res.Up), res.Latency, reasonText(res))
	if res.Up != up {
		t.Errorf("%s: up = %v, want %v (%s)", name, res.Up, up, reasonText(res))
	}
	got := ""
	if res.Reason != nil {
		got = res.Reason.Key
	}
	if got != key {
		t.Errorf("%s: reason %q, want %q (%s)", name, got, key, reasonText(res))
	}
	if res.Up != (res.Reason == nil) {
		t.Errorf("%s: up %v with reason %v", name, res.Up, res.Reason)
	}
}

func upText(up bool) string {
	if up {
		return "up"
	}
	return "down"
}

func reasonText(res probe.Result) string {
	if res.Reason == nil {
		return ""
	}
	return res.Reason.Key + " " + res.Reason.Text("en") + fmt.Sprint(" ", res.Reason.Args)
}

func TestRealNginxHTTP(t *testing.T) {
	ng := realtest.StartNginx(t, realtest.NginxSite{Name: "web1.test"})
	base := fmt.Sprintf("http://web1.test:%d", ng.Ports[0])
	addr := realtest.Addr(ng.Ports[0])
	ctx := context.Background()
	for _, tt := range []struct {
		name  string
		check probe.HTTP
		up    bool
		key   string
	}{
		{"up", probe.HTTP{URL: base + "/", Address: addr}, true, ""},
		{"up with keyword", probe.HTTP{URL: base + "/", Address: addr, Keyword: realtest.Body}, true, ""},
		{"wrong keyword", probe.HTTP{URL: base + "/", Address: addr, Keyword: "welcome to wordpress"}, false, "probe.http.keyword"},
		{"503", probe.HTTP{URL: base + "/unavailable", Address: addr}, false, "probe.http.status"},
		{"404 accepted", probe.HTTP{URL: base + "/missing", Address: addr, Status: []int{404}}, true, ""},
		{"closed port", probe.HTTP{URL: fmt.Sprintf("http://127.0.0.1:%d/", realtest.FreePort(t))}, false, "probe.connect.refused"},
	} {
		res := tt.check.Run(ctx)
		expect(t, tt.name, res, tt.up, tt.key)
		if res.Kind != probe.KindHTTP {
			t.Errorf("%s: kind %s", tt.name, res.Kind)
		}
	}
	res := probe.HTTP{URL: base + "/unavailable", Address: addr}.Run(ctx)
	if res.Reason.Args["got"] != 503 || res.Details.StatusCode != 503 {
		t.Errorf("503: args %v, details %+v", res.Reason.Args, res.Details)
	}

	ng.Stop()
	expect(t, "stopped", probe.HTTP{URL: base + "/", Address: addr}.Run(ctx), false, "probe.connect.refused")
}

func TestRealNginxHTTPS(t *testing.T) {
	ca := realtest.NewCA(t)
	good := ca.Valid(t, 90*24*time.Hour, "web1.test")
	soon := ca.Valid(t, 5*24*time.Hour, "web1.test")
	expired := ca.Expired(t, "web1.test")
	ng := realtest.StartNginx(t,
		realtest.NginxSite{Name: "web1.test", Leaf: &good},
		realtest.NginxSite{Name: "web1.test", Leaf: &soon},
		realtest.NginxSite{Name: "web1.test", Leaf: &expired},
		realtest.NginxSite{Name: "web1.test", Leaf: &good, Protocols: "TLSv1.1"},
	)
	check := func(site int, host string, pool *realtest.CA) probe.HTTP {
		return probe.HTTP{
			URL:     fmt.Sprintf("https://%s:%d/", host, ng.Ports[site]),
			Address: realtest.Addr(ng.Ports[site]),
			TLS:     probe.TLSPolicy{RootCAs: pool.Pool()},
			Keyword: realtest.Body,
		}
	}
	other := realtest.NewCA(t)
	ctx := context.Background()
	for _, tt := range []struct {
		name  string
		check probe.HTTP
		up    bool
		key   string
	}{
		{"valid", check(0, "web1.test", ca), true, ""},
		{"expires in 5 days", check(1, "web1.test", ca), true, ""},
		{"expired", check(2, "web1.test", ca), false, "probe.tls.expired"},
		{"wrong host name", check(0, "shop.test", ca), false, "probe.tls.hostname"},
		{"untrusted chain", check(0, "web1.test", other), false, "probe.tls.untrusted"},
		{"TLS 1.1 only", check(3, "web1.test", ca), false, "probe.tls.version"},
	} {
		res := tt.check.Run(ctx)
		expect(t, tt.name, res, tt.up, tt.key)
		if res.Kind != probe.KindHTTPS {
			t.Errorf("%s: kind %s", tt.name, res.Kind)
		}
	}

	res := check(0, "web1.test", ca).Run(ctx)
	if res.Details.TLSVersion != "TLS 1.3" || !res.Details.CertNotAfter.Equal(good.NotAfter.UTC().Truncate(time.Second)) || len(res.Warnings) != 0 {
		t.Errorf("valid: details %+v, warnings %v", res.Details, res.Warnings)
	}
	res = check(1, "web1.test", ca).Run(ctx)
	if len(res.Warnings) != 1 || res.Warnings[0].Key != "probe.tls.expires_soon" || res.Warnings[0].Args["days_left"] != 4 {
		t.Errorf("expiring: warnings %+v", res.Warnings)
	}
	// The warning period is a setting: with 3 days, a certificate valid 5 more is fine.
	c := check(1, "web1.test", ca)
	c.TLS.ExpiryWarning = 3 * 24 * time.Hour
	if res := c.Run(ctx); len(res.Warnings) != 0 {
		t.Errorf("3-day warning: %+v", res.Warnings)
	}
}
