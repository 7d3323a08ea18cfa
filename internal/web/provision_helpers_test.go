package web

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/provision"
	"github.com/hostpact/hostpact/internal/provision/driver"
)

// pageServers is the software behind the page tests' servers: an in-process driver
// that keeps its accounts in memory, as a real server would keep them on disk, and
// that the tests can make refuse a step (a server's "no", with its own words) or stop
// answering. One per test environment.
type pageServers struct {
	mu       sync.Mutex
	accounts map[string]map[string]*pageAccount // endpoint → ref → account
	refuse   map[string]string                  // op → the server's message
	down     map[string]bool                    // endpoint → not answering
}

type pageAccount struct {
	kind      driver.Kind
	secret    string
	suspended bool
}

func newPageServers() *pageServers {
	return &pageServers{accounts: map[string]map[string]*pageAccount{}, refuse: map[string]string{}, down: map[string]bool{}}
}

// types are the driver types of the page tests: "pagetest" with staff-entered
// credentials and a panel, and "pageagent" that enrols its servers with a bundle.
func (ps *pageServers) types() []driver.Type {
	kinds := []driver.Kind{driver.KindWebhosting, driver.KindEmail, driver.KindVPN, driver.KindVPS, driver.KindContainers}
	return []driver.Type{
		{Name: "pagetest", Kinds: kinds, CredentialFields: []string{"api_token"}, SettingFields: []string{"region"},
			New:          func(sv driver.Server) (driver.Driver, error) { return &pageDriver{ps: ps, endpoint: sv.Endpoint}, nil },
			SingleSignOn: true},
		{Name: "pageagent", Kinds: []driver.Kind{driver.KindWebhosting, driver.KindEmail}, CredentialFields: []string{"client_key"},
			New: func(sv driver.Server) (driver.Driver, error) {
				return &pageAgent{pageDriver{ps: ps, endpoint: sv.Endpoint}}, nil
			},
			Enroll: pageEnroller{}},
	}
}

func (ps *pageServers) refuseOp(op, msg string) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if msg == "" {
		delete(ps.refuse, op)
	} else {
		ps.refuse[op] = msg
	}
}

type pageEnroller struct{}

func (pageEnroller) Enroll(name, endpoint string) (map[string]string, []byte, error) {
	return map[string]string{"client_key": "key-of-" + name}, []byte("BUNDLE FOR " + name), nil
}

type pageDriver struct {
	ps       *pageServers
	endpoint string
}

// pageAgent is the same software without a control panel.
type pageAgent struct{ pageDriver }

func (d *pageDriver) do(op, ref string, fn func(m map[string]*pageAccount) error) error {
	d.ps.mu.Lock()
	defer d.ps.mu.Unlock()
	if d.ps.down[d.endpoint] {
		return fmt.Errorf("dial %s: connection refused", d.endpoint)
	}
	if msg, ok := d.ps.refuse[op]; ok {
		return driver.Refused(op, "%s", msg)
	}
	m := d.ps.accounts[d.endpoint]
	if m == nil {
		m = map[string]*pageAccount{}
		d.ps.accounts[d.endpoint] = m
	}
	if ref != "" && op != "create" && op != "terminate" && op != "delete" && m[ref] == nil {
		return driver.ErrNotFound
	}
	return fn(m)
}

func (d *pageDriver) Test(ctx context.Context) error {
	return d.do("test", "", func(map[string]*pageAccount) error { return nil })
}

func (d *pageDriver) created(a driver.Account) driver.Created {
	c := driver.Created{Details: map[string]string{"host": "srv.cloudprovider.test", "username": a.Ref}}
	if a.Kind == driver.KindVPN {
		c.Details = map[string]string{"endpoint": "vpn.cloudprovider.test:51820"}
		c.Sensitive = map[string]string{"client.conf": "[Interface]\nPrivateKey = key-" + a.Ref + "\nAddress = 10.8.0.2/32\n\n[Peer]\nPublicKey = server\nEndpoint = vpn.cloudprovider.test:51820\nAllowedIPs = 0.0.0.0/0\n"}
	}
	return c
}

func (d *pageDriver) Create(ctx context.Context, a driver.Account) (driver.Created, error) {
	err := d.do("create", a.Ref, func(m map[string]*pageAccount) error {
		if m[a.Ref] == nil {
			m[a.Ref] = &pageAccount{kind: a.Kind}
		}
		m[a.Ref].secret = a.Secret
		return nil
	})
	if err != nil {
		return driver.Created{}, err
	}
	return d.created(a), nil
}

func (d *pageDriver) Suspend(ctx context.Context, ref string, _ driver.SuspendReason) error {
	return d.do("suspend", ref, func(m map[string]*pageAccount) error { m[ref].suspended = true; return nil })
}

func (d *pageDriver) Unsuspend(ctx context.Context, ref string) error {
	return d.do("unsuspend", ref, func(m map[string]*pageAccount) error { m[ref].suspended = false; return nil })
}

func (d *pageDriver) Terminate(ctx context.Context, ref string) error {
	return d.do("terminate", ref, func(m map[string]*pageAccount) error {
		if a := m[ref]; a != nil {
			a.suspended = true
		}
		return nil
	})
}

func (d *pageDriver) DeleteData(ctx context.Context, ref string) error {
	return d.do("delete", ref, func(m map[string]*pageAccount) error { delete(m, ref); return nil })
}

func (d *pageDriver) ChangePackage(ctx context.Context, ref string, _ driver.Package) error {
	return d.do("change_package", ref, func(map[string]*pageAccount) error { return nil })
}

func (d *pageDriver) ResetCredentials(ctx context.Context, ref, secret string) (driver.Created, error) {
	var kind driver.Kind
	err := d.do("reset_credentials", ref, func(m map[string]*pageAccount) error {
		m[ref].secret, kind = secret, m[ref].kind
		return nil
	})
	if err != nil {
		return driver.Created{}, err
	}
	return d.created(driver.Account{Ref: ref, Kind: kind, Secret: secret}), nil
}

func (d *pageDriver) Usage(ctx context.Context, ref string) (driver.Usage, error) {
	return driver.Usage{}, d.do("usage", ref, func(map[string]*pageAccount) error { return nil })
}

func (d *pageDriver) List(ctx context.Context) ([]driver.Listed, error) {
	var out []driver.Listed
	err := d.do("list", "", func(m map[string]*pageAccount) error {
		for ref, a := range m {
			out = append(out, driver.Listed{Ref: ref, Kind: a.kind, Suspended: a.suspended})
		}
		return nil
	})
	slices.SortFunc(out, func(a, b driver.Listed) int {
		if a.Ref < b.Ref {
			return -1
		}
		return 1
	})
	return out, err
}

// LoginURL makes pagetest servers a panel with single sign-on.
func (d *pageDriver) LoginURL(ctx context.Context, ref string) (string, error) {
	return "https://panel.cloudprovider.test/login?key=once-" + ref, nil
}

// pageAgent hides LoginURL: an agent has no panel.
func (d *pageAgent) LoginURL() {}

var _ driver.SingleSignOn = (*pageDriver)(nil)

// supportPrincipal acts as support staff, who run the platform.
func (e *env) provStaff() accounts.Principal {
	e.t.Helper()
	u, err := e.acc.FindUserByEmail(e.ctx, "support-prov@provider.test")
	if err != nil {
		u = e.staffNoMFA("support-prov@provider.test", accounts.RoleSupport)
	}
	return accounts.Principal{User: u}
}

// provServer registers a pagetest server.
func (e *env) provServer(name, location string, capacity int) provision.Server {
	e.t.Helper()
	reg, err := e.prov.RegisterServer(e.ctx, e.provStaff(), provision.ServerInput{Name: name, Type: "pagetest", Endpoint: "https://" + name + ":8443",
		Location: location, Capacity: capacity, Credentials: map[string]string{"api_token": "tok-" + name}})
	if err != nil {
		e.t.Fatal(err)
	}
	return reg.Server
}

// provision records the service of a subscription (as contracts does on an order) and
// runs the queue, so the service is created on its server.
func (e *env) provision(sub contracts.Subscription) provision.ServiceView {
	e.t.Helper()
	if err := e.prov.Provision(e.ctx, sub); err != nil {
		e.t.Fatal(err)
	}
	e.runQueue()
	v, err := e.prov.ServiceOf(e.ctx, e.provStaff(), sub.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

func (e *env) runQueue() {
	e.t.Helper()
	if err := e.prov.Run(e.ctx, e.clk.Now()); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) provService(id int64) provision.ServiceView {
	e.t.Helper()
	v, err := e.prov.Service(e.ctx, e.provStaff(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

// layoutProvisioning puts the layout world's services on servers with long names: the
// consumer's and reseller's web hosting and the business's e-mail run, the business's
// VPS waits on a step the server refused (with a long message of its own), and one
// service is suspended by staff. It returns the staff ids (server, service, refused
// step) and each organisation's first service.
func layoutProvisioning(t *testing.T, e *env, orgs ...int64) (server, service, task string, byOrg map[int64]string) {
	t.Helper()
	admin := e.admin()
	sv := e.provServer("shared-webhosting-cluster-07.ams1.cloudprovider.test", "Amsterdam", 500)
	e.provServer("mail-and-vpn-platform-02.lwd1.cloudprovider.test", "Leeuwarden", 200)
	byOrg = map[int64]string{}
	var refused int64
	for _, org := range orgs {
		list, _, err := e.con.ListContracts(e.ctx, admin, contracts.ContractFilter{OrgID: org}, contracts.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range list {
			for _, sub := range c.Subscriptions {
				if sub.Kind == "vps" {
					e.servers.refuseOp("create", "Template 'debian-12-standard' not found on node pve-leeuwarden-03; check the storage 'local-lvm'")
				}
				if err := e.prov.Provision(e.ctx, sub); err != nil {
					t.Fatal(err)
				}
				e.runQueue()
				e.servers.refuseOp("create", "")
				v, err := e.prov.ServiceOf(e.ctx, e.provStaff(), sub.ID)
				if err != nil {
					continue // a kind no server delivers (a domain)
				}
				// An organisation's page in the walk is its first service, or its VPS,
				// which waits on a refused step.
				if byOrg[org] == "" || sub.Kind == "vps" {
					byOrg[org] = itoa(v.ID)
				}
				if sub.Kind == "vps" && v.Task != nil {
					refused = v.Task.ID
				}
			}
		}
	}
	if refused == 0 {
		t.Fatal("layout: no refused step")
	}
	first := mustID(t, byOrg[orgs[0]])
	if err := e.prov.SuspendByStaff(e.ctx, e.provStaff(), first, "Klant vroeg om tijdelijke blokkade tijdens de verhuizing"); err != nil {
		t.Fatal(err)
	}
	e.runQueue()
	// The comparison finds an account the server has that hostpact does not know.
	e.servers.mu.Lock()
	e.servers.accounts[sv.Endpoint]["oldclient9"] = &pageAccount{kind: driver.KindWebhosting, suspended: true}
	e.servers.mu.Unlock()
	if err := e.prov.Sync(e.ctx, e.clk.Now()); err != nil {
		t.Fatal(err)
	}
	return itoa(sv.ID), byOrg[orgs[0]], itoa(refused), byOrg
}
