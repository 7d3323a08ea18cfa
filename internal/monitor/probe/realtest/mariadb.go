package realtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	_ "github.com/go-sql-driver/mysql" // the monitoring user is created over the server's socket
)

// MariaDB is a private MariaDB server from Debian's mariadb-server: its own data
// directory in a temporary directory, on a loopback port, with a monitoring user.
type MariaDB struct {
	*Process
	Addr, User, Password string
	// Socket is the server's Unix socket, where root logs in without a password.
	Socket string
}

// StartMariaDB initialises a data directory with mariadb-install-db, starts mariadbd on
// 127.0.0.1 and a free port, and creates a monitoring user with a random password. It
// stops the server when the test ends.
func StartMariaDB(t testing.TB) *MariaDB {
	t.Helper()
	server := "mariadbd"
	if _, err := exec.LookPath(server); err != nil {
		server = "/usr/sbin/mariadbd" // sbin is not on every user's PATH
	}
	bins := Require(t, "mariadb", "mariadb-install-db", server)
	dir := TempDir(t)
	data := filepath.Join(dir, "data")
	user := []string{}
	if os.Geteuid() == 0 {
		user = []string{"--user=root"} // mariadbd refuses root unless told; the files are ours
	}
	install := exec.Command(bins[0], append([]string{"--no-defaults", "--datadir=" + data,
		"--auth-root-authentication-method=normal", "--skip-test-db"}, user...)...)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	port := FreePort(t)
	sock := filepath.Join(dir, "mysqld.sock")
	m := &MariaDB{Addr: Addr(port), User: "hostpact_monitor", Socket: sock}
	m.Process = Start(t, "mariadbd", []string{m.Addr}, append([]string{bins[1], "--no-defaults", "--datadir=" + data,
		"--bind-address=127.0.0.1", "--port=" + strconv.Itoa(port), "--socket=" + sock,
		"--pid-file=" + filepath.Join(dir, "mysqld.pid"), "--skip-log-bin", "--innodb-buffer-pool-size=16M",
		"--log-error=" + filepath.Join(dir, "error.log")}, user...)...)
	// mariadbd listens on TCP a moment before its socket, where root logs in.
	waitUnix(t, m.Process, sock)
	var pw [12]byte
	_, _ = rand.Read(pw[:])
	m.Password = hex.EncodeToString(pw[:])
	root, err := sql.Open("mysql", fmt.Sprintf("root@unix(%s)/", sock))
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if _, err := root.ExecContext(context.Background(),
		fmt.Sprintf("CREATE USER '%s'@'127.0.0.1' IDENTIFIED BY '%s'", m.User, m.Password)); err != nil {
		t.Fatalf("create the monitoring user: %v", err)
	}
	return m
}
