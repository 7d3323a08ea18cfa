package directadmin

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/provision/driver"
)

// userConfig is what CMD_API_SHOW_USER_CONFIG tells of a user; nil when there is none.
func (d *Driver) userConfig(ctx context.Context, op, ref string) (url.Values, error) {
	v, err := d.call(ctx, op, d.username, "CMD_API_SHOW_USER_CONFIG", url.Values{"user": {ref}})
	if err != nil {
		if driver.IsRefusal(err) && v != nil && isUnknownUser(v) {
			return nil, nil
		}
		return nil, err
	}
	return v, nil
}

// isUnknownUser recognises DirectAdmin's answer for a user that does not exist.
func isUnknownUser(v url.Values) bool {
	m := strings.ToLower(message(v))
	return strings.Contains(m, "does not exist") || strings.Contains(m, "unable to find") || strings.Contains(m, "no such user")
}

func (d *Driver) mustConfig(ctx context.Context, op, ref string) (url.Values, error) {
	v, err := d.userConfig(ctx, op, ref)
	if err == nil && v == nil {
		err = fmt.Errorf("directadmin: user %s: %w", ref, driver.ErrNotFound)
	}
	return v, err
}

func (d *Driver) details(ref, domain string) map[string]string {
	return map[string]string{"username": ref, "domain": domain, "panel": d.base}
}

// Create makes the user, or makes an existing user of the same domain (an earlier
// attempt's) match: its package and password. A user of that name with another domain
// belongs to someone else and is a refusal.
func (d *Driver) Create(ctx context.Context, a driver.Account) (driver.Created, error) {
	const op = "create"
	if err := driver.ValidRef(a.Ref); err != nil {
		return driver.Created{}, err
	}
	domain := strings.ToLower(strings.TrimSuffix(a.Domain, "."))
	switch {
	case a.Package.Name == "":
		return driver.Created{}, driver.Refused(op, "the plan names no DirectAdmin package")
	case domain == "":
		return driver.Created{}, driver.Refused(op, "DirectAdmin needs a domain for every account")
	case a.Email == "":
		return driver.Created{}, driver.Refused(op, "DirectAdmin needs an e-mail address for every account")
	}
	cfg, err := d.userConfig(ctx, op, a.Ref)
	if err != nil {
		return driver.Created{}, err
	}
	if cfg == nil {
		_, err := d.call(ctx, op, d.username, "CMD_API_ACCOUNT_USER", url.Values{
			"action": {"create"}, "add": {"Submit"}, "username": {a.Ref}, "email": {a.Email},
			"passwd": {a.Secret}, "passwd2": {a.Secret}, "domain": {domain},
			"package": {a.Package.Name}, "ip": {d.ip}, "notify": {"no"},
		})
		if err != nil {
			return driver.Created{}, err
		}
		return driver.Created{Details: d.details(a.Ref, domain)}, nil
	}
	if got := cfg.Get("domain"); got != domain || cfg.Get("creator") != d.username {
		return driver.Created{}, driver.Refused(op, "DirectAdmin already has a user %s (domain %s, created by %s) that is not this account", a.Ref, got, cfg.Get("creator"))
	}
	if err := d.setPackage(ctx, op, a.Ref, cfg.Get("package"), a.Package); err != nil {
		return driver.Created{}, err
	}
	if err := d.setPassword(ctx, op, a.Ref, a.Secret); err != nil {
		return driver.Created{}, err
	}
	return driver.Created{Details: d.details(a.Ref, domain)}, nil
}

func (d *Driver) setPackage(ctx context.Context, op, ref, current string, p driver.Package) error {
	if p.Name == current {
		return nil
	}
	if p.Name == "" {
		return driver.Refused(op, "the plan names no DirectAdmin package")
	}
	_, err := d.call(ctx, op, d.username, "CMD_API_MODIFY_USER", url.Values{"action": {"package"}, "user": {ref}, "package": {p.Name}})
	return err
}

func (d *Driver) setPassword(ctx context.Context, op, ref, secret string) error {
	_, err := d.call(ctx, op, d.username, "CMD_API_USER_PASSWD", url.Values{"username": {ref}, "passwd": {secret}, "passwd2": {secret}})
	return err
}

// daReason is DirectAdmin's suspension reason for hostpact's.
func daReason(r driver.SuspendReason) string {
	switch r {
	case driver.SuspendNonPayment:
		return "billing"
	case driver.SuspendAbuse:
		return "abuse"
	}
	return "other"
}

func (d *Driver) selectUsers(ctx context.Context, op, ref string, form url.Values) error {
	form.Set("location", "CMD_SELECT_USERS")
	form.Set("select0", ref)
	_, err := d.call(ctx, op, d.username, "CMD_API_SELECT_USERS", form)
	return err
}

// Suspend suspends the user with DirectAdmin's reason for r.
func (d *Driver) Suspend(ctx context.Context, ref string, r driver.SuspendReason) error {
	const op = "suspend"
	cfg, err := d.mustConfig(ctx, op, ref)
	if err != nil || cfg.Get("suspended") == "yes" {
		return err
	}
	return d.selectUsers(ctx, op, ref, url.Values{"dosuspend": {"yes"}, "reason": {daReason(r)}})
}

// Unsuspend lifts the suspension.
func (d *Driver) Unsuspend(ctx context.Context, ref string) error {
	const op = "unsuspend"
	cfg, err := d.mustConfig(ctx, op, ref)
	if err != nil || cfg.Get("suspended") != "yes" {
		return err
	}
	return d.selectUsers(ctx, op, ref, url.Values{"dounsuspend": {"yes"}})
}

// Terminate suspends the user and keeps its data: DirectAdmin has nothing in between.
func (d *Driver) Terminate(ctx context.Context, ref string) error {
	const op = "terminate"
	cfg, err := d.userConfig(ctx, op, ref)
	if err != nil || cfg == nil || cfg.Get("suspended") == "yes" {
		return err
	}
	return d.selectUsers(ctx, op, ref, url.Values{"dosuspend": {"yes"}, "reason": {daReason(driver.SuspendStaff)}})
}

// DeleteData deletes the user with its files, databases and mail.
func (d *Driver) DeleteData(ctx context.Context, ref string) error {
	const op = "delete"
	cfg, err := d.userConfig(ctx, op, ref)
	if err != nil || cfg == nil {
		return err
	}
	return d.selectUsers(ctx, op, ref, url.Values{"delete": {"yes"}, "confirmed": {"Confirm"}})
}

// ChangePackage gives the user the package p.Name.
func (d *Driver) ChangePackage(ctx context.Context, ref string, p driver.Package) error {
	const op = "change_package"
	cfg, err := d.mustConfig(ctx, op, ref)
	if err != nil {
		return err
	}
	return d.setPackage(ctx, op, ref, cfg.Get("package"), p)
}

// ResetCredentials sets the user's password; nothing else changes with it.
func (d *Driver) ResetCredentials(ctx context.Context, ref string, secret string) (driver.Created, error) {
	const op = "reset_credentials"
	if _, err := d.mustConfig(ctx, op, ref); err != nil {
		return driver.Created{}, err
	}
	return driver.Created{}, d.setPassword(ctx, op, ref, secret)
}

// Usage reads CMD_API_SHOW_USER_USAGE: quota (disk) and bandwidth (this month's
// transfer) in MB, db_quota in bytes, nemails the number of mailboxes.
func (d *Driver) Usage(ctx context.Context, ref string) (driver.Usage, error) {
	const op = "usage"
	v, err := d.call(ctx, op, d.username, "CMD_API_SHOW_USER_USAGE", url.Values{"user": {ref}})
	if err != nil {
		if driver.IsRefusal(err) && v != nil && isUnknownUser(v) {
			return driver.Usage{}, fmt.Errorf("directadmin: user %s: %w", ref, driver.ErrNotFound)
		}
		return driver.Usage{}, err
	}
	return usageOf(v, d.Now()), nil
}

// List returns the users the login created, each with its suspension.
func (d *Driver) List(ctx context.Context) ([]driver.Listed, error) {
	const op = "list"
	v, err := d.call(ctx, op, d.username, "CMD_API_SHOW_USERS", url.Values{})
	if err != nil {
		return nil, err
	}
	var out []driver.Listed
	for _, name := range v["list[]"] {
		cfg, err := d.userConfig(ctx, op, name)
		if err != nil {
			return nil, err
		}
		if cfg == nil {
			continue // deleted between the two calls
		}
		// Kind stays empty: a DirectAdmin user is web hosting or e-mail by its package,
		// which only hostpact's plan says.
		out = append(out, driver.Listed{Ref: name, Suspended: cfg.Get("suspended") == "yes"})
	}
	return out, nil
}

// LoginURL makes a login key for the user, valid for an hour, and returns the panel's
// login address with it.
func (d *Driver) LoginURL(ctx context.Context, ref string) (string, error) {
	const op = "login_url"
	cfg, err := d.mustConfig(ctx, op, ref)
	if err != nil {
		return "", err
	}
	if cfg.Get("suspended") == "yes" {
		return "", driver.Refused(op, "the DirectAdmin user %s is suspended and cannot log in", ref)
	}
	key := rand.Text() + rand.Text()
	exp := d.Now().UTC().Add(time.Hour)
	_, err = d.call(ctx, op, d.username+"|"+ref, "CMD_API_LOGIN_KEYS", url.Values{
		"action": {"create"}, "keyname": {"hostpact" + strconv.FormatInt(exp.Unix(), 10)},
		"key": {key}, "key2": {key}, "never_expires": {"no"},
		"year": {strconv.Itoa(exp.Year())}, "month": {strconv.Itoa(int(exp.Month()))}, "day": {strconv.Itoa(exp.Day())},
		"hour": {strconv.Itoa(exp.Hour())}, "minute": {strconv.Itoa(exp.Minute())},
		"max_uses": {"0"}, "clear_key": {"yes"}, "allow_htm": {"yes"}, "passwd": {d.password}, "create": {"Create"},
	})
	if err != nil {
		return "", err
	}
	q := url.Values{"username": {ref}, "password": {key}, "referer": {"/"}}
	return d.base + "/CMD_LOGIN?" + q.Encode(), nil
}
