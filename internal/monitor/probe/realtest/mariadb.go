package realtest

import (
	"net"
	"os"
	"testing"
	"time"
)

// MariaDB is the machine's MariaDB server (Debian's mariadb-server, which this kind of
// machine runs on 127.0.0.1:3306 with root and an empty password).
type MariaDB struct {
	Addr, User, Password string
}

// UseMariaDB returns the server at HOSTPACT_TEST_MYSQL_ADDR (default 127.0.0.1:3306)
// with HOSTPACT_TEST_MYSQL_USER (default root) and HOSTPACT_TEST_MYSQL_PASSWORD
// (default empty), skipping the test when it is not reachable.
func UseMariaDB(t testing.TB) MariaDB {
	t.Helper()
	m := MariaDB{Addr: os.Getenv("HOSTPACT_TEST_MYSQL_ADDR"), User: os.Getenv("HOSTPACT_TEST_MYSQL_USER"), Password: os.Getenv("HOSTPACT_TEST_MYSQL_PASSWORD")}
	if m.Addr == "" {
		m.Addr = "127.0.0.1:3306"
	}
	if m.User == "" {
		m.User = "root"
	}
	c, err := net.DialTimeout("tcp", m.Addr, 5*time.Second)
	if err != nil {
		Missing(t, "mariadb", err.Error())
	}
	c.Close()
	return m
}
