package provision

import (
	"sync/atomic"
	"testing"

	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/provision/provisiontest"
	"github.com/hostpact/hostpact/internal/secrets"
)

// closing is a driver that holds something open to its server until Close.
type closing struct {
	*provisiontest.Driver
	open *atomic.Int64
}

func (c closing) Close() error {
	c.open.Add(-1)
	return nil
}

// TestDriversReleased: the layer makes a driver for each use and closes it after
// (a driver holds connections to its server: the agent driver's HTTPS client, the
// Docker client), for tasks, the sync, the connection test and usage alike.
func TestDriversReleased(t *testing.T) {
	each(t, Settings{}, func(t *testing.T, e *env) {
		var open, made atomic.Int64
		inner := e.kit.Type("closing", driver.KindWebhosting)
		typ := inner
		typ.New = func(sv driver.Server) (driver.Driver, error) {
			d, err := inner.New(sv)
			if err != nil {
				return nil, err
			}
			made.Add(1)
			open.Add(1)
			return closing{Driver: d.(*provisiontest.Driver), open: &open}, nil
		}
		e.svc = New(e.db, e.clk, Deps{Keys: secrets.Ephemeral(), Plans: e.cat, Monitor: e.mon, Types: []driver.Type{typ}})
		e.con.UseProvisioner(e.svc)
		r, err := e.svc.RegisterServer(e.ctx, support, ServerInput{Name: "web1", Type: "closing", Endpoint: "https://web1.provider.test:8443",
			Location: "AMS", Capacity: 5, Credentials: map[string]string{"token": "tok"}})
		if err != nil {
			t.Fatal(err)
		}
		sub := e.order(e.org("Closing BV"), "webhosting", "start")
		e.run()
		if v := e.of(sub); v.State != StateActive {
			t.Fatalf("state %s", v.State)
		}
		if err := e.svc.Sync(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.TestServer(e.ctx, support, r.Server.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Usage(e.ctx, support, e.of(sub).ID); err != nil {
			t.Fatal(err)
		}
		if made.Load() < 4 || open.Load() != 0 {
			t.Errorf("%d drivers made, %d left open", made.Load(), open.Load())
		}
	})
}
