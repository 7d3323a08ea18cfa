package demo

import (
	"context"
	"testing"

	"github.com/hostpact/hostpact/internal/provision"
	"github.com/hostpact/hostpact/internal/provision/driver"
)

// TestSeedProvisioning: the demo's services run on the provisioning servers that match
// the monitored ones, each kind on its own server, and the queue holds one step the
// server could not carry out, with the server's message; a second seed adds nothing.
func TestSeedProvisioning(t *testing.T) {
	eachSeeded(t, func(t *testing.T, s *seededDemo) {
		a := s.a // seeded twice
		ctx := context.Background()
		by := demoAdmin(t, a)
		svs, err := a.Provision.Servers(ctx, by)
		if err != nil || len(svs) != len(demoProvServers) {
			t.Fatalf("servers: %+v %v", svs, err)
		}
		mons, err := a.Monitor.Servers(ctx, by)
		if err != nil {
			t.Fatal(err)
		}
		measured := map[int64]string{}
		for _, m := range mons {
			measured[m.ID] = m.Name
		}
		kinds := map[driver.Kind]int{}
		for _, sv := range svs {
			if measured[sv.MonitorServerID] != sv.Name {
				t.Errorf("%s is measured as %q", sv.Name, measured[sv.MonitorServerID])
			}
			on, err := a.Provision.ServicesOn(ctx, by, sv.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range on {
				kinds[v.Kind]++
				if v.State != provision.StateActive {
					t.Errorf("%s on %s: %s", v.Ref, sv.Name, v.State)
				}
				want := map[driver.Kind]string{driver.KindWebhosting: "web01.ams", driver.KindEmail: "mail01.ams", driver.KindVPS: "hv01.lwd", driver.KindVPN: "vpn01.ams"}[v.Kind]
				if sv.Name != want {
					t.Errorf("%s (%s) on %s, want %s", v.Ref, v.Kind, sv.Name, want)
				}
			}
		}
		if kinds[driver.KindWebhosting] != 3 || kinds[driver.KindEmail] != 1 || kinds[driver.KindVPS] != 1 || kinds[driver.KindVPN] != 1 {
			t.Errorf("services by kind: %v", kinds)
		}
		open, err := a.Provision.Queue(ctx, by, provision.QueueFilter{Open: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(open) != 1 || open[0].Op != provision.OpResetCredentials || open[0].Message == "" || open[0].Attempts != 1 {
			t.Fatalf("open steps: %+v", open)
		}
		if len(svs) != s.provServers {
			t.Fatalf("after a second seed: %d servers, %d after the first", len(svs), s.provServers)
		}
	})
}
