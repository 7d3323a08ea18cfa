package demo

import (
	"context"
	"errors"
	"fmt"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/app"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/provision"
	"github.com/hostpact/hostpact/internal/provision/driver"
	demodriver "github.com/hostpact/hostpact/internal/provision/drivers/demo"
)

// demoProvServer is a provisioning server of the demo: one of the monitored demo
// servers (demoServers), registered with the in-process demo driver type, which runs
// nothing and says so in every service's connection details.
type demoProvServer struct {
	name, endpoint string
	capacity       int
	kinds          []driver.Kind // the services it takes
}

var demoProvServers = []demoProvServer{
	{"web01.ams", "https://web01.cloudprovider.test:8443", 400, []driver.Kind{driver.KindWebhosting}},
	{"mail01.ams", "https://mail01.cloudprovider.test:8443", 1000, []driver.Kind{driver.KindEmail}},
	{"hv01.lwd", "https://hv01.cloudprovider.test:8006", 40, []driver.Kind{driver.KindVPS, driver.KindContainers}},
	{"vpn01.ams", "https://vpn01.cloudprovider.test:8443", 250, []driver.Kind{driver.KindVPN}},
}

// seedProvisioning registers the demo's provisioning servers, puts the demo customers'
// services on the server that is measured for their kind (as the monitoring places
// them), runs the queue so they are active with their connection details, and leaves
// one step in the queue with the server's message: the business's VPS lost its account
// on the server (the demo driver keeps accounts in memory; a restart loses them all, as
// the synchronisation report then shows), so a credential reset staff asked for cannot
// be carried out and waits to be tried again. It runs once: a database with
// provisioning servers already is left alone.
func seedProvisioning(ctx context.Context, a *app.App, by accounts.Principal, subs []contracts.Subscription) error {
	if a.Provision == nil || !hasDemoType(a.Provision) {
		return nil
	}
	have, err := a.Provision.Servers(ctx, by)
	if err != nil || len(have) > 0 {
		return err
	}
	measured := map[string]int64{}
	if a.Monitor != nil {
		svs, err := a.Monitor.Servers(ctx, by)
		if err != nil {
			return err
		}
		for _, sv := range svs {
			measured[sv.Name] = sv.ID
		}
	}
	var servers []provision.Server
	for _, d := range demoProvServers {
		reg, err := a.Provision.RegisterServer(ctx, by, provision.ServerInput{Name: d.name, Type: demodriver.TypeName, Endpoint: d.endpoint,
			Location: locationOf(d.name), Capacity: d.capacity, OnlyKinds: d.kinds, MonitorServerID: measured[d.name]})
		if err != nil {
			return fmt.Errorf("provisioning server %s: %w", d.name, err)
		}
		servers = append(servers, reg.Server)
	}
	// Orders placed before the servers existed wait for one; provisioning each again
	// places it (on the server that takes its kind) and queues its creation.
	for _, sub := range subs {
		if err := a.Provision.Provision(ctx, sub); err != nil {
			return fmt.Errorf("provision subscription %d: %w", sub.ID, err)
		}
	}
	if err := a.Provision.Run(ctx, a.Clock.Now()); err != nil {
		return fmt.Errorf("provisioning run: %w", err)
	}
	return seedLostAccount(ctx, a, by, subs, servers)
}

// seedLostAccount makes the business's VPS vanish from its demo server and asks for a
// credential reset, which the server then cannot carry out: the queue shows the step
// with the server's message, its attempts and when it is tried next.
func seedLostAccount(ctx context.Context, a *app.App, by accounts.Principal, subs []contracts.Subscription, servers []provision.Server) error {
	for _, sub := range subs {
		if sub.Kind != catalog.KindVPS {
			continue
		}
		v, err := a.Provision.ServiceOf(ctx, by, sub.ID)
		if errors.Is(err, accounts.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		for _, sv := range servers {
			if sv.ID != v.ServerID {
				continue
			}
			d, err := demodriver.New(driver.Server{Name: sv.Name, Endpoint: sv.Endpoint, Location: sv.Location})
			if err != nil {
				return err
			}
			if err := d.DeleteData(ctx, v.Ref); err != nil {
				return err
			}
		}
		if err := a.Provision.ResetCredentials(ctx, by, v.ID); err != nil {
			return fmt.Errorf("reset of %s: %w", v.Ref, err)
		}
		return a.Provision.Run(ctx, a.Clock.Now())
	}
	return nil
}

func hasDemoType(p *provision.Service) bool {
	for _, t := range p.Types() {
		if t.Name == demodriver.TypeName {
			return true
		}
	}
	return false
}

func locationOf(name string) string {
	for _, d := range demoServers {
		if d.name == name {
			return d.location
		}
	}
	return ""
}
