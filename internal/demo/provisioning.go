package demo

import (
	"context"
	"fmt"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/app"
	"github.com/hostpact/hostpact/internal/provision"
	"github.com/hostpact/hostpact/internal/provision/drivers/demo"
)

// provisioningServers are the provisioning servers of the demo, of the demo driver type:
// nothing runs on them, which their names and the details they give say.
var provisioningServers = []provision.ServerInput{
	{Name: "demo-web1", Type: demo.TypeName, Endpoint: "https://web1.demo.invalid:8443", Location: "Amsterdam", Capacity: 50},
	{Name: "demo-web2", Type: demo.TypeName, Endpoint: "https://web2.demo.invalid:8443", Location: "Amsterdam", Capacity: 50},
}

// seedProvisioning registers the demo servers once, before the demo orders, so the
// orders' services are placed on them.
func seedProvisioning(ctx context.Context, a *app.App, by accounts.Principal) error {
	if a.Provision == nil || len(a.Provision.Types()) == 0 {
		return nil // not in demo mode: no demo driver type
	}
	have, err := a.Provision.Servers(ctx, by)
	if err != nil {
		return err
	}
	if len(have) > 0 {
		return nil
	}
	for _, in := range provisioningServers {
		if _, err := a.Provision.RegisterServer(ctx, by, in); err != nil {
			return fmt.Errorf("demo server %s: %w", in.Name, err)
		}
	}
	return nil
}
