package directadmin_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/provision/driver/drivertest"
	"github.com/hostpact/hostpact/internal/provision/drivers/directadmin"
	"github.com/hostpact/hostpact/internal/provision/drivers/directadmin/dafake"
	"github.com/hostpact/hostpact/internal/provision/drivers/pin"
)

const adminPassword = "Adm1n-Passw0rd"

func start(t *testing.T) (*dafake.Server, *directadmin.Driver) {
	t.Helper()
	f := dafake.New("admin", adminPassword, "web-s", "web-m")
	t.Cleanup(f.Close)
	return f, newDriver(t, f, adminPassword)
}

func newDriver(t *testing.T, f *dafake.Server, password string) *directadmin.Driver {
	t.Helper()
	d, err := directadmin.New(driver.Server{
		Name: "da1", Endpoint: f.URL,
		Credentials: map[string]string{"username": "admin", "password": password, "fingerprint": f.Fingerprint()},
		Settings:    map[string]string{"ip": "127.0.0.1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func account() driver.Account {
	return driver.Account{
		Ref: "hp42", Kind: driver.KindWebhosting, Domain: "bakkerij-jansen.nl",
		Package: driver.Package{Name: "web-s"}, Secret: "Initial-Secret-1", Email: "info@bakkerij-jansen.nl",
	}
}

// userLogin logs in to the panel as the customer, as a browser would post the login
// form, and reports whether DirectAdmin let them in.
func userLogin(t *testing.T, f *dafake.Server, user, password string) bool {
	t.Helper()
	c, err := pin.Client(f.Fingerprint(), 0)
	if err != nil {
		t.Fatal(err)
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.PostForm(f.URL+"/CMD_LOGIN", url.Values{"username": {user}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusFound && len(resp.Cookies()) > 0
}

func TestFakeLifecycle(t *testing.T) {
	t.Parallel()
	f, d := start(t)
	drivertest.Run(t, d, account(), driver.Package{Name: "web-m"}, drivertest.Checks{
		Works: func(t *testing.T, a driver.Account, c driver.Created, secret string) {
			if !userLogin(t, f, a.Ref, secret) {
				t.Errorf("the customer cannot log in to DirectAdmin with the secret")
			}
			if c.Details["username"] != a.Ref || c.Details["domain"] != a.Domain || c.Details["panel"] != f.URL {
				t.Errorf("details = %v", c.Details)
			}
		},
		Suspended: func(t *testing.T, a driver.Account) {
			u, _ := f.User(a.Ref)
			if !u.Suspended || u.Reason != "billing" {
				t.Errorf("user = %+v, want suspended for billing", u)
			}
			if userLogin(t, f, a.Ref, a.Secret) {
				t.Error("a suspended customer can log in")
			}
		},
		Package: func(t *testing.T, a driver.Account, p driver.Package) {
			if u, _ := f.User(a.Ref); u.Package != p.Name {
				t.Errorf("package = %q, want %q", u.Package, p.Name)
			}
		},
		Terminated: func(t *testing.T, a driver.Account) {
			u, found := f.User(a.Ref)
			if !found {
				t.Fatal("Terminate deleted the user; its data must stay until DeleteData")
			}
			if !u.Suspended {
				t.Error("a terminated user is not suspended")
			}
		},
		Gone: func(t *testing.T, a driver.Account) {
			if _, found := f.User(a.Ref); found {
				t.Error("the user is still there")
			}
		},
	})
	creates := 0
	for _, c := range f.Commands() {
		if c == "CMD_API_ACCOUNT_USER create" {
			creates++
		}
	}
	if creates != 1 {
		t.Errorf("%d account creations, want 1", creates)
	}
}

func TestLoginURL(t *testing.T) {
	t.Parallel()
	f, d := start(t)
	ctx := context.Background()
	if _, err := d.Create(ctx, account()); err != nil {
		t.Fatal(err)
	}
	link, err := d.LoginURL(ctx, "hp42")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(link, f.URL+"/CMD_LOGIN?") || u.Query().Get("username") != "hp42" {
		t.Fatalf("login URL %q", link)
	}
	if u.Query().Get("password") == "Initial-Secret-1" {
		t.Fatal("the login URL carries the customer's password instead of a login key")
	}
	c, _ := pin.Client(f.Fingerprint(), 0)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || len(resp.Cookies()) == 0 {
		t.Errorf("opening the login URL: %s, cookies %v", resp.Status, resp.Cookies())
	}
	if err := d.Suspend(ctx, "hp42", driver.SuspendAbuse); err != nil {
		t.Fatal(err)
	}
	if _, err := d.LoginURL(ctx, "hp42"); !driver.IsRefusal(err) {
		t.Errorf("LoginURL of a suspended user: %v, want a refusal", err)
	}
	if u, _ := f.User("hp42"); u.Reason != "abuse" {
		t.Errorf("suspension reason %q, want abuse", u.Reason)
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	f, d := start(t)
	ctx := context.Background()
	if _, err := d.Create(ctx, account()); err != nil {
		t.Fatal(err)
	}
	f.SetUsage("hp42", 150.5, 2048, 5<<20, 3)
	u, err := d.Usage(ctx, "hp42")
	if err != nil {
		t.Fatal(err)
	}
	if u.DiskBytes != int64(150.5*(1<<20)) || u.TransferBytes != 2048<<20 || u.DatabaseBytes != 5<<20 || u.Mailboxes != 3 || u.MeasuredAt.IsZero() {
		t.Errorf("usage = %+v", u)
	}
	if _, err := d.Usage(ctx, "hp404"); !errors.Is(err, driver.ErrNotFound) {
		t.Errorf("Usage of an unknown user: %v", err)
	}
}

func TestUsernameTakenByAnother(t *testing.T) {
	t.Parallel()
	f, d := start(t)
	f.AddUser(dafake.User{Username: "hp42", Password: "theirs", Email: "x@example.org", Domain: "example.org", Package: "web-s", Creator: "reseller2"})
	_, err := d.Create(context.Background(), account())
	if !driver.IsRefusal(err) || !strings.Contains(err.Error(), "already has a user hp42") {
		t.Fatalf("Create over another's user: %v", err)
	}
	if u, _ := f.User("hp42"); u.Password != "theirs" || u.Domain != "example.org" {
		t.Error("the other user was changed")
	}
}

func TestDocumentedErrorAnswers(t *testing.T) {
	t.Parallel()
	f, d := start(t)
	ctx := context.Background()
	f.AddUser(dafake.User{Username: "hp7", Password: "theirs", Email: "x@example.org", Domain: "bakkerij-jansen.nl", Package: "web-s", Creator: "admin"})

	a := account()
	a.Package.Name, a.Domain = "web-xl", "other.nl"
	if _, err := d.Create(ctx, a); !driver.IsRefusal(err) || !strings.Contains(err.Error(), "Unable to Create User: Unable to load the package web-xl") {
		t.Errorf("unknown package: %v", err)
	}
	if _, err := d.Create(ctx, account()); !driver.IsRefusal(err) || !strings.Contains(err.Error(), "That domain already exists") {
		t.Errorf("domain taken: %v", err)
	}
	if err := d.ChangePackage(ctx, "hp7", driver.Package{Name: "web-xl"}); !driver.IsRefusal(err) || !strings.Contains(err.Error(), "Unable to load the package") {
		t.Errorf("ChangePackage to an unknown package: %v", err)
	}
	if err := d.Suspend(ctx, "hp404", driver.SuspendStaff); !errors.Is(err, driver.ErrNotFound) {
		t.Errorf("Suspend of an unknown user: %v", err)
	}
	if _, err := d.ResetCredentials(ctx, "hp404", "whatever-1"); !errors.Is(err, driver.ErrNotFound) {
		t.Errorf("ResetCredentials of an unknown user: %v", err)
	}
	if err := d.Terminate(ctx, "hp404"); err != nil {
		t.Errorf("Terminate of an unknown user: %v", err)
	}
	if err := d.DeleteData(ctx, "hp404"); err != nil {
		t.Errorf("DeleteData of an unknown user: %v", err)
	}
	b := account()
	b.Ref, b.Domain = "admin", "other.nl"
	if _, err := d.Create(ctx, b); !driver.IsRefusal(err) || !strings.Contains(err.Error(), "reserved") {
		t.Errorf("reserved username: %v", err)
	}
}

func TestBadLogin(t *testing.T) {
	t.Parallel()
	f, _ := start(t)
	d := newDriver(t, f, "wrong")
	err := d.Test(context.Background())
	if !driver.IsRefusal(err) || !strings.Contains(err.Error(), "did not accept the login of admin") {
		t.Fatalf("Test with a wrong password: %v", err)
	}
	if _, err := d.Create(context.Background(), account()); !driver.IsRefusal(err) {
		t.Errorf("Create with a wrong password: %v", err)
	}
}

func TestBadLoginOlderVersion(t *testing.T) {
	t.Parallel()
	f, _ := start(t)
	f.LoginPageOnBadAuth = true
	err := newDriver(t, f, "wrong").Test(context.Background())
	if !driver.IsRefusal(err) || !strings.Contains(err.Error(), "login page") {
		t.Fatalf("Test with a wrong password on an older DirectAdmin: %v", err)
	}
}

func TestOtherCertificateIsRefused(t *testing.T) {
	t.Parallel()
	f, _ := start(t)
	other := dafake.New("admin", adminPassword, "web-s")
	defer other.Close()
	d, err := directadmin.New(driver.Server{Endpoint: f.URL,
		Credentials: map[string]string{"username": "admin", "password": adminPassword, "fingerprint": other.Fingerprint()},
		Settings:    map[string]string{"ip": "127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Test(context.Background()); !errors.Is(err, pin.ErrMismatch) {
		t.Fatalf("Test against another certificate: %v", err)
	}
}

func TestServerErrorIsRetryable(t *testing.T) {
	t.Parallel()
	down := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "bad gateway", http.StatusBadGateway) })
	f := dafake.New("admin", adminPassword, "web-s")
	defer f.Close()
	f.Config.Handler = down
	d := newDriver(t, f, adminPassword)
	if err := d.Test(context.Background()); err == nil || driver.IsRefusal(err) {
		t.Fatalf("Test against a 502: %v, want a retryable error", err)
	}
}

func TestNewChecksSettings(t *testing.T) {
	t.Parallel()
	for _, s := range []driver.Server{
		{Endpoint: "http://da:2222", Credentials: map[string]string{"username": "admin", "password": "x"}, Settings: map[string]string{"ip": "1.2.3.4"}},
		{Endpoint: "https://da:2222", Credentials: map[string]string{"username": "admin"}, Settings: map[string]string{"ip": "1.2.3.4"}},
		{Endpoint: "https://da:2222", Credentials: map[string]string{"username": "admin|hp1", "password": "x"}, Settings: map[string]string{"ip": "1.2.3.4"}},
		{Endpoint: "https://da:2222", Credentials: map[string]string{"username": "admin", "password": "x"}},
	} {
		if _, err := directadmin.New(s); err == nil {
			t.Errorf("New(%+v) accepted", s)
		}
	}
	if typ := directadmin.Type(); typ.Name != "directadmin" || len(typ.Kinds) != 2 || typ.New == nil {
		t.Errorf("Type = %+v", typ)
	}
}

// TestCreateAdoptsEarlierAttempt: DirectAdmin created the user but the answer was lost.
// The retry finds the user (same domain, created by this login) and makes it match:
// package and password. It does not create a second account.
func TestCreateAdoptsEarlierAttempt(t *testing.T) {
	t.Parallel()
	f, d := start(t)
	a := account()
	f.AddUser(dafake.User{Username: a.Ref, Password: "half-way", Email: a.Email, Domain: a.Domain, Package: "web-m", IP: "127.0.0.1", Creator: "admin"})
	if _, err := d.Create(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	u, _ := f.User(a.Ref)
	if u.Package != "web-s" || u.Password != a.Secret {
		t.Errorf("user = %+v, want package web-s and the account's secret", u)
	}
	for _, c := range f.Commands() {
		if c == "CMD_API_ACCOUNT_USER create" {
			t.Error("a second account creation was attempted")
		}
	}
}
