// Package webhost is the hostpact agent's web hosting module (kind webhosting): per
// account a system user with a home, an nginx server block for the account's domain
// serving the home's public_html, a PHP-FPM pool running as that user, and a MariaDB
// database with a user of the same name. The account's ref is the user, database and
// database user name; its secret is the database password (and the SFTP password when
// the module is so configured).
//
// What a package enforces here: PHP's memory as the pool's pm.max_children (MemoryMB in
// workers of 64 MB, each limited to 64 MB), the database user's MAX_USER_CONNECTIONS,
// and the disk limit with setquota only when the homes are on a quota-enabled file
// system (quota_filesystem); otherwise the disk limit is recorded and usage reports the
// space taken so that hostpact can act on it. CPUMilli and Databases beyond one are
// recorded, not enforced.
//
// The module keeps a small state file per account in its data directory. It touches
// only accounts it has a state file for, so a ref that names an existing system user
// or database it did not make ("root", "mysql") is refused rather than taken over.
package webhost

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/provision/driver"
)

// Module is the webhosting module; it implements driver.Driver. The agent serialises
// the operations on one ref; the module serialises reloads.
type Module struct {
	cfg     Config
	dataDir string
	db      *sql.DB
	clock   clock.Clock

	reload sync.Mutex
}

var _ driver.Driver = (*Module)(nil)

// Factory makes the module from its section of the agent configuration (an
// agent.Factory).
func Factory(raw json.RawMessage, dataDir string) (driver.Driver, error) {
	c, err := ParseConfig(raw)
	if err != nil {
		return nil, err
	}
	return New(c, dataDir, clock.Real{})
}

// New makes the module.
func New(c Config, dataDir string, clk clock.Clock) (*Module, error) {
	db, err := openMariaDB(c.MariaDBDSN)
	if err != nil {
		return nil, err
	}
	m := &Module{cfg: c, dataDir: dataDir, db: db, clock: clk}
	for _, d := range []string{dataDir, c.HomeBase, c.NginxSitesDir, c.PHPPoolDir, c.PHPSocketDir, c.SuspendedDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	if err := os.Chmod(dataDir, 0o700); err != nil {
		return nil, err
	}
	if _, err := os.Stat(m.suspendedFile()); errors.Is(err, os.ErrNotExist) {
		if err := writeAtomic(m.suspendedFile(), []byte(defaultSuspendedPage), 0o644); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Close releases the database connections.
func (m *Module) Close() error { return m.db.Close() }

func (m *Module) Test(ctx context.Context) error {
	if err := m.db.PingContext(ctx); err != nil {
		return fmt.Errorf("webhosting: mariadb: %w", err)
	}
	for _, d := range []string{m.dataDir, m.cfg.NginxSitesDir, m.cfg.PHPPoolDir, m.cfg.HomeBase} {
		if _, err := os.Stat(d); err != nil {
			return fmt.Errorf("webhosting: %w", err)
		}
	}
	return nil
}

func (m *Module) details(st state) driver.Created {
	d := map[string]string{
		"domain":        st.Domain,
		"username":      st.Ref,
		"home":          m.home(st.Ref),
		"document_root": m.docRoot(st.Ref),
		"database":      st.Ref,
		"database_user": st.Ref,
		"database_host": m.cfg.DatabaseHost,
	}
	if m.cfg.SFTP {
		d["sftp_user"] = st.Ref
	}
	return driver.Created{Details: d}
}

func (m *Module) Create(ctx context.Context, a driver.Account) (driver.Created, error) {
	if err := driver.ValidRef(a.Ref); err != nil {
		return driver.Created{}, driver.Refused("create", "%v", err)
	}
	if a.Domain == "" {
		return driver.Created{}, driver.Refused("create", "a web hosting account needs a domain")
	}
	st, ok, err := m.load(a.Ref)
	if err != nil {
		return driver.Created{}, err
	}
	switch {
	case ok && (st.Status == StatusTerminated || st.Status == StatusDeleting):
		return driver.Created{}, driver.Refused("create", "account %s is %s on this server", a.Ref, st.Status)
	case !ok:
		if err := m.refuseForeign(ctx, a.Ref); err != nil {
			return driver.Created{}, err
		}
		st = state{Ref: a.Ref, Status: StatusCreating, CreatedAt: m.clock.Now()}
	}
	if err := m.refuseTakenDomain(a.Ref, a.Domain); err != nil {
		return driver.Created{}, err
	}
	st.Domain, st.Package = a.Domain, a.Package
	if err := m.save(st); err != nil {
		return driver.Created{}, err
	}
	if err := m.ensureUser(ctx, a.Ref); err != nil {
		return driver.Created{}, err
	}
	if err := m.setSystemPassword(ctx, a.Ref, a.Secret); err != nil {
		return driver.Created{}, errors.New("webhosting: setting the system password failed")
	}
	if err := m.ensureDatabase(ctx, a.Ref, a.Secret); err != nil {
		return driver.Created{}, err
	}
	if err := m.enforcePackage(ctx, st); err != nil {
		return driver.Created{}, err
	}
	if st.Status == StatusCreating {
		st.Status = StatusActive
	}
	if err := m.apply(ctx, st); err != nil {
		return driver.Created{}, err
	}
	if err := m.save(st); err != nil {
		return driver.Created{}, err
	}
	return m.details(st), nil
}

// refuseForeign refuses a ref whose system user or database exists without the module
// having made it.
func (m *Module) refuseForeign(ctx context.Context, ref string) error {
	u, err := lookupUser(ref)
	if err != nil {
		return err
	}
	if u != nil {
		return driver.Refused("create", "system user %s exists and is not managed by hostpact", ref)
	}
	exists, err := m.databaseExists(ctx, ref)
	if err != nil {
		return err
	}
	if exists {
		return driver.Refused("create", "database %s exists and is not managed by hostpact", ref)
	}
	return nil
}

// refuseTakenDomain refuses a domain another account on this server serves: nginx would
// pick one of the two server blocks and the other customer's site would vanish.
func (m *Module) refuseTakenDomain(ref, domain string) error {
	all, err := m.all()
	if err != nil {
		return err
	}
	for _, o := range all {
		if o.Ref != ref && o.Status != StatusDeleting && serverNames(o.Domain) == serverNames(domain) {
			return driver.Refused("create", "domain %s is already hosted by account %s on this server", domain, o.Ref)
		}
	}
	return nil
}

// apply makes nginx, PHP-FPM and MariaDB match st.Status: active serves the site with
// its pool; suspended serves the suspension page, without a pool, the logins locked;
// terminated serves nothing, the logins locked, the data kept.
func (m *Module) apply(ctx context.Context, st state) error {
	active := st.Status == StatusActive
	var err error
	switch st.Status {
	case StatusActive:
		err = writeAtomic(m.poolFile(st.Ref), []byte(m.pool(st)), 0o644)
		if err == nil {
			err = writeAtomic(m.siteFile(st.Ref), []byte(m.activeSite(st)), 0o644)
		}
	case StatusSuspended:
		err = writeAtomic(m.siteFile(st.Ref), []byte(m.suspendedSite(st)), 0o644)
		if err == nil {
			_, err = removeFile(m.poolFile(st.Ref))
		}
	default:
		_, err = removeFile(m.siteFile(st.Ref))
		if err == nil {
			_, err = removeFile(m.poolFile(st.Ref))
		}
	}
	if err != nil {
		return err
	}
	if err := m.reloadServers(ctx); err != nil {
		return err
	}
	if err := m.lockDatabaseUser(ctx, st.Ref, !active); err != nil {
		return err
	}
	return m.lockSystemUser(ctx, st.Ref, !active)
}

// reloadServers reloads PHP-FPM first, so that a new pool's socket is there by the time
// nginx sends the site's requests to it.
func (m *Module) reloadServers(ctx context.Context) error {
	m.reload.Lock()
	defer m.reload.Unlock()
	if err := run(ctx, "", m.cfg.PHPReload...); err != nil {
		return fmt.Errorf("webhosting: reload php-fpm: %w", err)
	}
	if err := run(ctx, "", m.cfg.NginxReload...); err != nil {
		return fmt.Errorf("webhosting: reload nginx: %w", err)
	}
	return nil
}

func (m *Module) enforcePackage(ctx context.Context, st state) error {
	if err := m.setDatabaseLimits(ctx, st.Ref, maxConnections(st.Package)); err != nil {
		return err
	}
	return m.setQuota(ctx, st.Ref, st.Package.DiskMB)
}

// managed loads the state of an account the module manages, or ErrNotFound.
func (m *Module) managed(ref string) (state, error) {
	if err := driver.ValidRef(ref); err != nil {
		return state{}, fmt.Errorf("%w: %v", driver.ErrNotFound, err)
	}
	st, ok, err := m.load(ref)
	if err != nil {
		return state{}, err
	}
	if !ok || st.Status == StatusDeleting {
		return state{}, fmt.Errorf("webhosting %s: %w", ref, driver.ErrNotFound)
	}
	return st, nil
}

func (m *Module) Suspend(ctx context.Context, ref string, reason driver.SuspendReason) error {
	st, err := m.managed(ref)
	if err != nil {
		return err
	}
	switch st.Status {
	case StatusTerminated:
		return nil // out of service already
	case StatusCreating:
		return driver.Refused("suspend", "account %s is not created yet", ref)
	}
	st.Status, st.Reason = StatusSuspended, reason
	if err := m.save(st); err != nil {
		return err
	}
	return m.apply(ctx, st)
}

func (m *Module) Unsuspend(ctx context.Context, ref string) error {
	st, err := m.managed(ref)
	if err != nil {
		return err
	}
	switch st.Status {
	case StatusTerminated:
		return driver.Refused("unsuspend", "account %s is terminated", ref)
	case StatusCreating:
		return driver.Refused("unsuspend", "account %s is not created yet", ref)
	}
	st.Status, st.Reason = StatusActive, ""
	if err := m.apply(ctx, st); err != nil {
		return err
	}
	return m.save(st)
}

func (m *Module) Terminate(ctx context.Context, ref string) error {
	st, ok, err := m.load(ref)
	if err != nil || !ok || st.Status == StatusDeleting {
		return err
	}
	st.Status = StatusTerminated
	if err := m.save(st); err != nil {
		return err
	}
	return m.apply(ctx, st)
}

// DeleteData removes the server block, pool, database, database user, system user and
// home. The state file goes last, so that a crash half-way leaves the account listed
// and the next call finishes the removal.
func (m *Module) DeleteData(ctx context.Context, ref string) error {
	if driver.ValidRef(ref) != nil {
		return nil
	}
	st, ok, err := m.load(ref)
	if err != nil || !ok {
		return err
	}
	st.Status = StatusDeleting
	if err := m.save(st); err != nil {
		return err
	}
	site, err := removeFile(m.siteFile(ref))
	if err != nil {
		return err
	}
	pool, err := removeFile(m.poolFile(ref))
	if err != nil {
		return err
	}
	if site || pool {
		if err := m.reloadServers(ctx); err != nil {
			return err
		}
	}
	if err := m.dropDatabase(ctx, ref); err != nil {
		return err
	}
	if err := m.removeUser(ctx, ref); err != nil {
		return err
	}
	return m.forget(ref)
}

func (m *Module) ChangePackage(ctx context.Context, ref string, p driver.Package) error {
	st, err := m.managed(ref)
	if err != nil {
		return err
	}
	st.Package = p
	if err := m.save(st); err != nil {
		return err
	}
	if err := m.enforcePackage(ctx, st); err != nil {
		return err
	}
	if st.Status == StatusActive {
		return m.apply(ctx, st)
	}
	return nil
}

func (m *Module) ResetCredentials(ctx context.Context, ref, secret string) (driver.Created, error) {
	st, err := m.managed(ref)
	if err != nil {
		return driver.Created{}, err
	}
	if st.Status == StatusTerminated {
		return driver.Created{}, driver.Refused("reset credentials", "account %s is terminated", ref)
	}
	if err := m.setDatabasePassword(ctx, ref, secret); err != nil {
		return driver.Created{}, err
	}
	if err := m.setSystemPassword(ctx, ref, secret); err != nil {
		return driver.Created{}, errors.New("webhosting: setting the system password failed")
	}
	return m.details(st), nil
}

func (m *Module) Usage(ctx context.Context, ref string) (driver.Usage, error) {
	if _, err := m.managed(ref); err != nil {
		return driver.Usage{}, err
	}
	disk, err := diskBytes(m.home(ref))
	if err != nil {
		return driver.Usage{}, err
	}
	dbBytes, err := m.databaseBytes(ctx, ref)
	if err != nil {
		return driver.Usage{}, err
	}
	return driver.Usage{DiskBytes: disk, DatabaseBytes: dbBytes, MeasuredAt: m.clock.Now().UTC()}, nil
}

func (m *Module) List(context.Context) ([]driver.Listed, error) {
	all, err := m.all()
	if err != nil {
		return nil, err
	}
	out := make([]driver.Listed, 0, len(all))
	for _, st := range all {
		out = append(out, driver.Listed{Ref: st.Ref, Kind: driver.KindWebhosting, Suspended: st.Status == StatusSuspended})
	}
	return out, nil
}
