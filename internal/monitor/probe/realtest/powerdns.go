package realtest

import (
	"fmt"
	"os"
	"testing"
)

// PowerDNS is a running authoritative PowerDNS server (bind backend).
type PowerDNS struct {
	*Process
	Addr string // 127.0.0.1:port, UDP and TCP
}

// Zone is a zone PowerDNS serves: its name and the records after the SOA and NS
// records, in zone-file syntax relative to the origin.
type Zone struct {
	Name    string
	Serial  uint32
	Records string
}

// StartPowerDNS starts Debian's pdns_server with the bind backend serving zones.
func StartPowerDNS(t testing.TB, zones ...Zone) *PowerDNS {
	t.Helper()
	bin := Require(t, "powerdns", "pdns_server")[0]
	if _, err := os.Stat("/usr/lib/x86_64-linux-gnu/pdns/libbindbackend.so"); err != nil {
		if _, err2 := os.Stat("/usr/lib/aarch64-linux-gnu/pdns/libbindbackend.so"); err2 != nil {
			Missing(t, "powerdns", "the bind backend is not installed (pdns-backend-bind)")
		}
	}
	dir := TempDir(t)
	port := FreeUDPPort(t)
	var named string
	for _, z := range zones {
		file := WriteFile(t, dir, "zones/"+z.Name+".zone", fmt.Sprintf(`$ORIGIN %[1]s.
$TTL 300
@ IN SOA ns1.%[1]s. hostmaster.%[1]s. %[2]d 3600 600 604800 300
@ IN NS ns1.%[1]s.
ns1 IN A 127.0.0.1
%[3]s
`, z.Name, z.Serial, z.Records), 0o644)
		named += fmt.Sprintf("zone \"%s\" { type master; file \"%s\"; };\n", z.Name, file)
	}
	WriteFile(t, dir, "pdns.conf", "", 0o644)
	conf := WriteFile(t, dir, "named.conf", named, 0o644)
	p := &PowerDNS{Addr: Addr(port)}
	p.Process = Start(t, "pdns_server", []string{p.Addr}, bin,
		"--config-dir="+dir, "--daemon=no", "--guardian=no", "--disable-syslog", "--write-pid=no",
		"--socket-dir="+dir, "--local-address=127.0.0.1", fmt.Sprintf("--local-port=%d", port),
		"--launch=bind", "--bind-config="+conf, "--webserver=no", "--api=no", "--loglevel=4")
	return p
}
