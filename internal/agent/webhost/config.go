package webhost

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// Config is the module's section of the agent configuration ("webhosting"). Every path
// and command can be set, so that a test runs the whole module in a temporary directory
// against its own nginx, PHP-FPM and MariaDB; the defaults are Debian 12's.
type Config struct {
	// HomeBase holds each account's home, HomeBase/<ref>, with public_html inside.
	HomeBase string `json:"home_base"`
	// NginxSitesDir holds one server block per account; nginx.conf must include
	// NginxSitesDir/*.conf.
	NginxSitesDir string `json:"nginx_sites_dir"`
	// NginxReload makes nginx read its configuration again.
	NginxReload []string `json:"nginx_reload"`
	// NginxListen are the listen parameters of each server block ("80", "[::]:80").
	NginxListen []string `json:"nginx_listen"`
	// PHPPoolDir holds one PHP-FPM pool per account; php-fpm.conf must include it.
	PHPPoolDir string `json:"php_pool_dir"`
	// PHPReload makes PHP-FPM read its pools again.
	PHPReload []string `json:"php_reload"`
	// PHPSocketDir holds the pools' sockets.
	PHPSocketDir string `json:"php_socket_dir"`
	// WebUser is the user nginx's workers run as: the owner of the pools' sockets.
	WebUser string `json:"web_user"`
	// SuspendedDir holds suspended.html, the page a suspended site answers with. The
	// module writes a neutral one there when the file is absent; staff may replace it.
	SuspendedDir string `json:"suspended_dir"`
	// MariaDBDSN reaches MariaDB as a user that may create databases and users
	// (go-sql-driver/mysql syntax, e.g. "root@unix(/run/mysqld/mysqld.sock)/").
	MariaDBDSN string `json:"mariadb_dsn"`
	// DatabaseHosts are the hosts each account's database user is created for.
	DatabaseHosts []string `json:"database_hosts"`
	// DatabaseHost is the database host name the customer is told.
	DatabaseHost string `json:"database_host"`
	// SFTP gives the system user the account's secret as its password too (for an sshd
	// configured with internal-sftp for these users), locked while suspended.
	SFTP bool `json:"sftp"`
	// QuotaFilesystem, when set, is the quota-enabled file system holding HomeBase:
	// the package's disk limit is then enforced with setquota.
	QuotaFilesystem string `json:"quota_filesystem"`
	// Shell is the system users' login shell.
	Shell string `json:"shell"`
}

// ParseConfig reads the module's section and fills in Debian's defaults.
func ParseConfig(raw json.RawMessage) (Config, error) {
	var c Config
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &c); err != nil {
			return Config{}, fmt.Errorf("webhosting settings: %w", err)
		}
	}
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.HomeBase, "/home/hostpact")
	def(&c.NginxSitesDir, "/etc/nginx/hostpact.d")
	def(&c.PHPPoolDir, "/etc/php/8.2/fpm/pool.d")
	def(&c.PHPSocketDir, "/run/php")
	def(&c.WebUser, "www-data")
	def(&c.SuspendedDir, "/var/lib/hostpact-agent/suspended")
	def(&c.MariaDBDSN, "root@unix(/run/mysqld/mysqld.sock)/")
	def(&c.DatabaseHost, "localhost")
	def(&c.Shell, "/usr/sbin/nologin")
	if len(c.NginxReload) == 0 {
		c.NginxReload = []string{"systemctl", "reload", "nginx"}
	}
	if len(c.PHPReload) == 0 {
		c.PHPReload = []string{"systemctl", "reload", "php8.2-fpm"}
	}
	if len(c.NginxListen) == 0 {
		c.NginxListen = []string{"80", "[::]:80"}
	}
	if len(c.DatabaseHosts) == 0 {
		c.DatabaseHosts = []string{"localhost"}
	}
	// These values are written into nginx and PHP-FPM configuration files; one that
	// could end a directive would let a configuration mistake become an injection.
	for _, v := range append([]string{c.HomeBase, c.NginxSitesDir, c.PHPPoolDir, c.PHPSocketDir, c.WebUser,
		c.SuspendedDir}, c.NginxListen...) {
		if v == "" || strings.ContainsAny(v, ";{}\"'\n\r\t #$") {
			return Config{}, fmt.Errorf("webhosting settings: %q cannot be written into a server configuration", v)
		}
	}
	for _, p := range []string{c.HomeBase, c.NginxSitesDir, c.PHPPoolDir, c.PHPSocketDir, c.SuspendedDir} {
		if !filepath.IsAbs(p) {
			return Config{}, fmt.Errorf("webhosting settings: %q is not an absolute path", p)
		}
	}
	for _, h := range c.DatabaseHosts {
		if h == "" || strings.ContainsAny(h, "'\"\\`\n") {
			return Config{}, errors.New("webhosting settings: bad database host")
		}
	}
	return c, nil
}
