package webhost

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// openMariaDB connects with client-side interpolation, so that user names, hosts and
// passwords travel as quoted literals in CREATE USER and ALTER USER, which MariaDB does
// not accept as server-side placeholders. Database names are refs (driver.ValidRef:
// letters and digits), the only identifiers written into SQL text.
func openMariaDB(dsn string) (*sql.DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("webhosting: mariadb_dsn: %w", err)
	}
	cfg.InterpolateParams = true
	cfg.MultiStatements = false
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(4)
	return db, nil
}

func (m *Module) databaseExists(ctx context.Context, ref string) (bool, error) {
	var n int
	err := m.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", ref).Scan(&n)
	return n > 0, err
}

// ensureDatabase makes the database ref and its user ref at each configured host with
// the secret as password and rights on that database only.
func (m *Module) ensureDatabase(ctx context.Context, ref, secret string) error {
	if _, err := m.db.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS `"+ref+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		return err
	}
	for _, h := range m.cfg.DatabaseHosts {
		if _, err := m.db.ExecContext(ctx, "CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?", ref, h, secret); err != nil {
			return fmt.Errorf("create database user %s@%s: %w", ref, h, redact(err, secret))
		}
		if _, err := m.db.ExecContext(ctx, "GRANT ALL PRIVILEGES ON `"+ref+"`.* TO ?@?", ref, h); err != nil {
			return fmt.Errorf("grant on %s: %w", ref, err)
		}
	}
	return m.setDatabasePassword(ctx, ref, secret)
}

// setDatabasePassword makes secret the database user's password, at every host.
func (m *Module) setDatabasePassword(ctx context.Context, ref, secret string) error {
	for _, h := range m.cfg.DatabaseHosts {
		if _, err := m.db.ExecContext(ctx, "ALTER USER ?@? IDENTIFIED BY ?", ref, h, secret); err != nil {
			return fmt.Errorf("set the password of %s@%s: %w", ref, h, redact(err, secret))
		}
	}
	return nil
}

// lockDatabaseUser locks (suspended, terminated) or unlocks the database user.
func (m *Module) lockDatabaseUser(ctx context.Context, ref string, lock bool) error {
	q := "ALTER USER IF EXISTS ?@? ACCOUNT UNLOCK"
	if lock {
		q = "ALTER USER IF EXISTS ?@? ACCOUNT LOCK"
	}
	for _, h := range m.cfg.DatabaseHosts {
		if _, err := m.db.ExecContext(ctx, q, ref, h); err != nil {
			return fmt.Errorf("lock or unlock %s@%s: %w", ref, h, err)
		}
	}
	return nil
}

// setDatabaseLimits applies the package's connection limit.
func (m *Module) setDatabaseLimits(ctx context.Context, ref string, conns int) error {
	for _, h := range m.cfg.DatabaseHosts {
		if _, err := m.db.ExecContext(ctx, fmt.Sprintf("ALTER USER IF EXISTS ?@? WITH MAX_USER_CONNECTIONS %d", conns), ref, h); err != nil {
			return fmt.Errorf("limit %s@%s: %w", ref, h, err)
		}
	}
	return nil
}

func (m *Module) dropDatabase(ctx context.Context, ref string) error {
	if _, err := m.db.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+ref+"`"); err != nil {
		return err
	}
	for _, h := range m.cfg.DatabaseHosts {
		if _, err := m.db.ExecContext(ctx, "DROP USER IF EXISTS ?@?", ref, h); err != nil {
			return err
		}
	}
	return nil
}

func (m *Module) databaseBytes(ctx context.Context, ref string) (int64, error) {
	var n int64
	err := m.db.QueryRowContext(ctx,
		"SELECT CAST(COALESCE(SUM(data_length + index_length), 0) AS SIGNED) FROM information_schema.tables WHERE table_schema = ?", ref).Scan(&n)
	return n, err
}

// redact keeps a secret out of an error a server might echo the statement in.
func redact(err error, secret string) error {
	if err == nil || secret == "" {
		return err
	}
	return redacted{err, secret}
}

type redacted struct {
	err    error
	secret string
}

func (r redacted) Error() string {
	return strings.ReplaceAll(r.err.Error(), r.secret, "[secret]")
}

func (r redacted) Unwrap() error { return r.err }
