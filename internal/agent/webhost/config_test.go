package webhost

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/provision/driver"
)

func TestParseConfig(t *testing.T) {
	t.Parallel()
	c, err := ParseConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.HomeBase != "/home/hostpact" || c.PHPPoolDir != "/etc/php/8.2/fpm/pool.d" || c.NginxReload[0] != "systemctl" || c.DatabaseHosts[0] != "localhost" {
		t.Errorf("defaults: %+v", c)
	}
	for name, raw := range map[string]string{
		"directive end in a path":  `{"home_base":"/home/x; include /etc/shadow"}`,
		"brace in listen":          `{"nginx_listen":["80 }"]}`,
		"relative path":            `{"nginx_sites_dir":"sites"}`,
		"quote in a database host": `{"database_hosts":["x'y"]}`,
		"not JSON":                 `{`,
	} {
		if _, err := ParseConfig(json.RawMessage(raw)); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestPackageLimits(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		memory          int64
		children, conns int
	}{{0, defaultMaxChildren, 0}, {32, 1, 3}, {256, 4, 6}, {1024, 16, 18}} {
		p := driver.Package{MemoryMB: c.memory}
		if maxChildren(p) != c.children || maxConnections(p) != c.conns {
			t.Errorf("%d MB: %d children, %d connections; want %d, %d", c.memory, maxChildren(p), maxConnections(p), c.children, c.conns)
		}
	}
}

func TestServerConfigurations(t *testing.T) {
	t.Parallel()
	c, _ := ParseConfig(json.RawMessage(`{"home_base":"/srv/homes","suspended_dir":"/srv/suspended"}`))
	m := &Module{cfg: c}
	st := state{Ref: "hp7", Domain: "example.nl", Package: driver.Package{MemoryMB: 128}}
	pool := m.pool(st)
	for _, want := range []string{"[hp7]\n", "user = hp7\n", "group = hp7\n", "listen.owner = www-data\n", "open_basedir] = /srv/homes/hp7/\n", "pm.max_children = 2\n", "memory_limit] = 64M\n"} {
		if !strings.Contains(pool, want) {
			t.Errorf("pool lacks %q:\n%s", want, pool)
		}
	}
	site := m.activeSite(st)
	for _, want := range []string{"server_name example.nl www.example.nl;", "root /srv/homes/hp7/public_html;", "fastcgi_pass unix:/run/php/hostpact-hp7.sock;"} {
		if !strings.Contains(site, want) {
			t.Errorf("site lacks %q:\n%s", want, site)
		}
	}
	suspended := m.suspendedSite(st)
	if strings.Contains(suspended, "/srv/homes") || strings.Contains(suspended, "fastcgi") || !strings.Contains(suspended, "return 503;") {
		t.Errorf("suspended site:\n%s", suspended)
	}
	if serverNames("www.example.nl") != "www.example.nl" {
		t.Error("www. doubled")
	}
}
