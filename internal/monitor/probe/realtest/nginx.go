package realtest

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// NginxSite is one server block: plain HTTP when Leaf is nil, else HTTPS with it.
type NginxSite struct {
	Name string // server_name
	Leaf *Leaf
	// Protocols limits the TLS versions ("TLSv1.2 TLSv1.3" when empty).
	Protocols string
}

// Nginx is a running nginx.
type Nginx struct {
	*Process
	// Ports maps each site's index in the list given to StartNginx to its port.
	Ports []int
}

// Body is what every nginx site answers at / (status 200); /missing answers 404 and
// /unavailable 503.
const Body = "hostpact-monitor-ok"

// StartNginx starts Debian's nginx with the given sites, each on its own port.
func StartNginx(t testing.TB, sites ...NginxSite) *Nginx {
	t.Helper()
	bin := Require(t, "nginx", "nginx")[0]
	dir := TempDir(t)
	n := &Nginx{}
	var servers strings.Builder
	var ready []string
	for i, s := range sites {
		port := FreePort(t)
		n.Ports = append(n.Ports, port)
		ready = append(ready, Addr(port))
		listen := fmt.Sprintf("127.0.0.1:%d", port)
		tlsConf := ""
		if s.Leaf != nil {
			listen += " ssl"
			cert, key := s.Leaf.Files(t, dir, fmt.Sprintf("site%d", i))
			protos := s.Protocols
			if protos == "" {
				protos = "TLSv1.2 TLSv1.3"
			}
			tlsConf = fmt.Sprintf("    ssl_certificate %s;\n    ssl_certificate_key %s;\n    ssl_protocols %s;\n    ssl_ciphers DEFAULT:@SECLEVEL=0;\n", cert, key, protos)
		}
		fmt.Fprintf(&servers, `  server {
    listen %s;
    server_name %s;
%s    location = / { default_type text/plain; return 200 "%s\n"; }
    location = /unavailable { return 503; }
    location / { return 404; }
  }
`, listen, s.Name, tlsConf, Body)
	}
	user := ""
	if os.Geteuid() == 0 {
		user = "user www-data;\n"
	}
	conf := fmt.Sprintf(`%sworker_processes 1;
daemon off;
master_process on;
pid %[2]s/nginx.pid;
error_log stderr warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path %[2]s/body;
  proxy_temp_path %[2]s/proxy;
  fastcgi_temp_path %[2]s/fastcgi;
  uwsgi_temp_path %[2]s/uwsgi;
  scgi_temp_path %[2]s/scgi;
%[3]s}
`, user, dir, servers.String())
	path := WriteFile(t, dir, "nginx.conf", conf, 0o644)
	n.Process = Start(t, "nginx", ready, bin, "-e", "stderr", "-p", dir, "-c", path)
	return n
}
