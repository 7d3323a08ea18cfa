package probe

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"io"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/hostpact/hostpact/internal/clock"
)

// MySQL checks a MySQL or MariaDB server: the server's greeting (the protocol handshake
// packet), and, with a monitoring account, an authenticated SELECT 1.
type MySQL struct {
	Address string // host:port
	// User and Password of a monitoring account; empty User checks the greeting only.
	User, Password string
	Timeout        time.Duration
	Clock          clock.Clock
}

// Kind is mysql.
func (MySQL) Kind() Kind { return KindMySQL }

// Target is the address.
func (m MySQL) Target() string { return m.Address }

// Run performs the check.
func (m MySQL) Run(ctx context.Context) Result {
	return run(ctx, m.Clock, KindMySQL, m.Address, m.Timeout, m.check)
}

func (m MySQL) check(ctx context.Context, r *Result) *Reason {
	conn, rs := dial(ctx, m.Address)
	if rs != nil {
		return rs
	}
	g, err := readMySQLGreeting(conn)
	conn.Close()
	var ge *mysqlGreetingError
	switch {
	case errors.As(err, &ge) && ge.Code != 0:
		return reason("probe.mysql.refused", err, "code", ge.Code, "message", shorten(ge.Message))
	case errors.As(err, &ge):
		return reason("probe.mysql.greeting", err, "problem", ge.Message)
	case err != nil:
		return netReason(ctx, "greeting", m.Address, err)
	}
	r.Details.ServerVersion = shorten(g.ServerVersion)
	if m.User == "" {
		return nil
	}
	cfg := mysql.NewConfig()
	cfg.Net, cfg.Addr, cfg.User, cfg.Passwd = "tcp", m.Address, m.User, m.Password
	if dl, ok := ctx.Deadline(); ok {
		d := time.Until(dl)
		cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = d, d, d
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return configReason("address", err.Error())
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	db.SetMaxOpenConns(1)
	var one int
	err = db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
	var me *mysql.MySQLError
	switch {
	case errors.As(err, &me) && (me.Number == 1045 || me.Number == 1044 || me.Number == 1698):
		// ER_ACCESS_DENIED_ERROR, ER_DBACCESS_DENIED_ERROR, ER_ACCESS_DENIED_NO_PASSWORD_ERROR
		return reason("probe.mysql.auth", nil, "user", m.User, "code", me.Number)
	case errors.As(err, &me):
		return reason("probe.mysql.query", err, "problem", me.Error())
	case err != nil:
		if rs := netReason(ctx, "query", m.Address, err); rs.Key != "probe.io" {
			return rs
		}
		return reason("probe.mysql.query", err, "problem", err.Error())
	case one != 1:
		return reason("probe.mysql.query", nil, "problem", "SELECT 1 did not return 1")
	}
	return nil
}

// mysqlGreeting is what the initial handshake packet (protocol version 10) tells.
type mysqlGreeting struct {
	ServerVersion string
	ConnectionID  uint32
}

// mysqlGreetingError is a greeting that is not a handshake: an error packet from the
// server (Code set: too many connections, host not allowed) or malformed data.
type mysqlGreetingError struct {
	Code    uint16
	Message string
}

func (e *mysqlGreetingError) Error() string { return "mysql greeting: " + e.Message }

// maxGreeting bounds the greeting packet; real ones are about 100 bytes.
const maxGreeting = 4096

// readMySQLGreeting reads the server's first packet.
func readMySQLGreeting(r io.Reader) (mysqlGreeting, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return mysqlGreeting{}, err
	}
	n := int(hdr[0]) | int(hdr[1])<<8 | int(hdr[2])<<16
	if n == 0 || n > maxGreeting {
		return mysqlGreeting{}, &mysqlGreetingError{Message: "implausible packet length"}
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		return mysqlGreeting{}, err
	}
	return parseMySQLGreeting(payload)
}

// parseMySQLGreeting reads a handshake payload: protocol version 10, the server version
// up to NUL, the connection id, 8 bytes of scramble and a filler byte.
func parseMySQLGreeting(p []byte) (mysqlGreeting, error) {
	if len(p) == 0 {
		return mysqlGreeting{}, &mysqlGreetingError{Message: "empty packet"}
	}
	if p[0] == 0xff {
		if len(p) < 3 {
			return mysqlGreeting{}, &mysqlGreetingError{Message: "short error packet"}
		}
		code := binary.LittleEndian.Uint16(p[1:3])
		msg := p[3:]
		if len(msg) > 0 && msg[0] == '#' && len(msg) >= 6 {
			msg = msg[6:] // SQL state marker and state
		}
		return mysqlGreeting{}, &mysqlGreetingError{Code: max(code, 1), Message: string(msg)}
	}
	if p[0] != 10 {
		return mysqlGreeting{}, &mysqlGreetingError{Message: "not protocol version 10"}
	}
	end := bytes.IndexByte(p[1:], 0)
	if end < 0 {
		return mysqlGreeting{}, &mysqlGreetingError{Message: "server version not terminated"}
	}
	g := mysqlGreeting{ServerVersion: string(p[1 : 1+end])}
	rest := p[2+end:]
	if len(rest) < 4+8+1 {
		return mysqlGreeting{}, &mysqlGreetingError{Message: "handshake packet too short"}
	}
	g.ConnectionID = binary.LittleEndian.Uint32(rest[:4])
	if rest[12] != 0 {
		return mysqlGreeting{}, &mysqlGreetingError{Message: "missing filler after the scramble"}
	}
	return g, nil
}
