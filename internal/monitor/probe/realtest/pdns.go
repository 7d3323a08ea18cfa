package realtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the gsqlite3 backend's database is created with the pure-Go driver
)

// PowerDNSAPI is a running authoritative PowerDNS server with the gsqlite3 backend and
// its HTTP API on: the variant of StartPowerDNS (bind backend, zones from files) for
// tests that create zones through the API, as internal/dns does.
type PowerDNSAPI struct {
	*Process
	Addr   string // 127.0.0.1:port of DNS, UDP and TCP
	APIURL string // http://127.0.0.1:port of the webserver and API
	APIKey string
}

// schemaPaths are where Debian's pdns-backend-sqlite3 puts the schema.
var schemaPaths = []string{
	"/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql",
	"/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql",
}

// StartPowerDNSAPI starts Debian's pdns_server with the gsqlite3 backend (DNSSEC
// enabled) in a temporary directory, DNS on a free loopback port and the API on
// another, with a fresh API key. No zone exists yet.
func StartPowerDNSAPI(t testing.TB) *PowerDNSAPI {
	t.Helper()
	bin := Require(t, "powerdns", "pdns_server")[0]
	found := false
	for _, lib := range []string{"/usr/lib/x86_64-linux-gnu/pdns/libgsqlite3backend.so", "/usr/lib/aarch64-linux-gnu/pdns/libgsqlite3backend.so"} {
		if _, err := os.Stat(lib); err == nil {
			found = true
		}
	}
	if !found {
		Missing(t, "powerdns", "the sqlite3 backend is not installed (pdns-backend-sqlite3)")
	}
	var schema []byte
	for _, p := range schemaPaths {
		if b, err := os.ReadFile(p); err == nil {
			schema = b
			break
		}
	}
	if schema == nil {
		Missing(t, "powerdns", "the sqlite3 schema of pdns-backend-sqlite3 is not installed")
	}
	dir := TempDir(t)
	dbPath := dir + "/pdns.sqlite3"
	db, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(string(schema)); err != nil {
		db.Close()
		t.Fatalf("powerdns schema: %v", err)
	}
	db.Close()
	WriteFile(t, dir, "pdns.conf", "", 0o644)
	dnsPort, apiPort := FreeUDPPort(t), FreePort(t)
	p := &PowerDNSAPI{Addr: Addr(dnsPort), APIURL: "http://" + Addr(apiPort), APIKey: fmt.Sprintf("test-key-%d-%d", dnsPort, time.Now().UnixNano())}
	p.Process = Start(t, "pdns_server (gsqlite3, api)", []string{p.Addr, Addr(apiPort)}, bin,
		"--config-dir="+dir, "--daemon=no", "--guardian=no", "--disable-syslog", "--write-pid=no",
		"--socket-dir="+dir, "--local-address=127.0.0.1", fmt.Sprintf("--local-port=%d", dnsPort),
		"--launch=gsqlite3", "--gsqlite3-database="+dbPath, "--gsqlite3-dnssec=yes",
		"--api=yes", "--api-key="+p.APIKey, "--webserver=yes", "--webserver-address=127.0.0.1",
		fmt.Sprintf("--webserver-port=%d", apiPort), "--webserver-allow-from=127.0.0.1",
		// Answers change with every API call in the tests: no caches between them.
		"--cache-ttl=0", "--negquery-cache-ttl=0", "--query-cache-ttl=0", "--zone-cache-refresh-interval=0",
		"--consistent-backends=yes", "--loglevel=4")
	// The webserver accepts connections a moment before the API answers.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.APIURL+"/api/v1/servers/localhost", nil)
		req.Header.Set("X-API-Key", p.APIKey)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("powerdns API did not answer: %v\n%s", err, p.Output())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
