// Package directadmin is the provisioning driver for web hosting (and e-mail) accounts
// on an existing DirectAdmin server, so that a provider who already runs DirectAdmin
// can move its billing to hostpact without moving its customers. It uses DirectAdmin's
// legacy CMD_API_ interface with an admin or reseller login (a login key restricted
// to the commands below is recommended) and HTTP Basic authentication.
//
// The account's Ref is the DirectAdmin username (at most 10 characters, which is why
// driver.ValidRef allows no more) and Package.Name is the name of a user package that
// must exist on the server. The customer's password is Account.Secret.
//
// DirectAdmin has no "out of service but kept": Terminate suspends the user (reason
// "other") and keeps everything; DeleteData deletes the user with its files, databases
// and mail. Suspension reasons map to DirectAdmin's own: non-payment → billing,
// abuse → abuse, staff → other.
//
// LoginURL (driver.SingleSignOn) makes a login key for the user, acting as the user
// with login-as ("admin|user"), valid for one hour and removed when it expires, and
// returns the panel's CMD_LOGIN address with it. DirectAdmin asks for the current
// password of whoever creates a key, so single sign-on needs the admin's password
// (or a login key that may run CMD_API_LOGIN_KEYS).
package directadmin

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/provision/drivers/pin"
)

// TypeName is the registry name of the driver type.
const TypeName = "directadmin"

// Type is the registry entry of the driver.
func Type() driver.Type {
	return driver.Type{
		Name:             TypeName,
		Kinds:            []driver.Kind{driver.KindWebhosting, driver.KindEmail},
		CredentialFields: []string{"username", "password", "fingerprint"},
		SettingFields:    []string{"ip"},
		New:              func(s driver.Server) (driver.Driver, error) { return New(s) },
		SingleSignOn:     true,
	}
}

// Driver talks to one DirectAdmin server.
type Driver struct {
	base     string
	username string
	password string
	ip       string
	http     *http.Client

	// Now is the clock login keys' expiry is computed from.
	Now func() time.Time
}

// New makes a driver for s. Endpoint is the panel, e.g. https://da1.example.net:2222;
// credentials username and password (or login key) of an admin or reseller, and
// optionally fingerprint to pin a self-signed certificate; setting ip is the IP new
// accounts get.
func New(s driver.Server) (*Driver, error) {
	u, err := url.Parse(strings.TrimSpace(s.Endpoint))
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, errors.New("directadmin: endpoint must be an https:// address, e.g. https://da1.example.net:2222")
	}
	if s.Credentials["username"] == "" || s.Credentials["password"] == "" {
		return nil, errors.New("directadmin: credentials need username and password (or login key)")
	}
	if strings.Contains(s.Credentials["username"], "|") {
		return nil, errors.New("directadmin: username must be the admin or reseller itself, not a login-as pair")
	}
	if s.Settings["ip"] == "" {
		return nil, errors.New("directadmin: setting ip (the IP new accounts get) is missing")
	}
	client, err := pin.Client(s.Credentials["fingerprint"], 60*time.Second)
	if err != nil {
		return nil, err
	}
	// DirectAdmin answers a wrong login to some commands with a redirect to the
	// login page; following it would hide the refusal.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Driver{
		base:     strings.TrimSuffix(u.String(), "/"),
		username: s.Credentials["username"], password: s.Credentials["password"],
		ip: s.Settings["ip"], http: client, Now: time.Now,
	}, nil
}

var (
	_ driver.Driver       = (*Driver)(nil)
	_ driver.SingleSignOn = (*Driver)(nil)
)

// Test checks the login by listing the packages, which needs reseller rights.
func (d *Driver) Test(ctx context.Context) error {
	v, err := d.call(ctx, "test", d.username, "CMD_API_PACKAGES_USER", url.Values{})
	if err != nil {
		return err
	}
	if len(v["list[]"]) == 0 {
		return driver.Refused("test", "DirectAdmin has no user packages for %s; create the packages the plans name", d.username)
	}
	return nil
}
