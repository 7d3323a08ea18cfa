package provision

import (
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/provision/provisiontest"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

// TestEndedWhileCreateFailed: a service that ends while its creation is refused is
// terminated, and the refused creation, run again, is not carried out any more.
func TestEndedWhileCreateFailed(t *testing.T) {
	each(t, Settings{}, func(t *testing.T, e *env) {
		e.server("web1", 10)
		acme := e.org("Acme BV")
		sub := e.order(acme, "webhosting", "start")
		e.kit.Refuse("create", "disk full")
		e.run()
		v := e.of(sub)
		if v.State != StatePending || v.Task.Status != TaskRefused || v.ProblemText != "disk full" {
			t.Fatalf("refused create: %+v", v)
		}
		if err := e.svc.Deprovision(e.ctx, sub); err != nil {
			t.Fatal(err)
		}
		e.run()
		if v = e.of(sub); v.State != StateTerminated || v.Task != nil {
			t.Fatalf("ended: %+v %+v", v, v.Task)
		}
		tasks, err := e.svc.Queue(e.ctx, support, QueueFilter{ServiceID: v.ID, Status: TaskRefused})
		if err != nil || len(tasks) != 1 {
			t.Fatalf("%v %v", tasks, err)
		}
		e.kit.Allow("create")
		if err := e.svc.RunAgain(e.ctx, support, tasks[0].ID); err != nil {
			t.Fatal(err)
		}
		e.run()
		if e.kit.Creates(Ref(sub.ID)) != 0 || e.of(sub).State != StateTerminated {
			t.Fatal("a creation ran for a service that ended")
		}
	})
}

// enroller makes credentials for a server as the agent's CA would.
type enroller struct{}

func (enroller) Enroll(name, endpoint string) (map[string]string, []byte, error) {
	return map[string]string{"token": "enrolled-" + name}, []byte("bundle for " + name), nil
}

// TestEnrolment: a type that enrols its servers makes their credentials; the bundle is
// returned once and the credentials are kept sealed.
func TestEnrolment(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		kit := provisiontest.New()
		typ := kit.Type("agentish", driver.KindWebhosting)
		typ.Enroll = enroller{}
		svc := New(db, clock.NewFake(t0), Deps{Keys: secrets.Ephemeral(), Types: []driver.Type{typ}})
		r, err := svc.RegisterServer(t.Context(), support, ServerInput{Name: "web9", Type: "agentish", Endpoint: "web9.test:7443", Capacity: 5})
		if err != nil || string(r.Bundle) != "bundle for web9" || !r.Server.CredentialsSet {
			t.Fatalf("%+v %v", r, err)
		}
		if err := svc.TestServer(t.Context(), support, r.Server.ID); err != nil {
			t.Fatalf("the enrolled credentials do not reach the driver: %v", err)
		}
		var sealed string
		if err := db.QueryRowContext(t.Context(), `SELECT credentials FROM provision_servers WHERE id = $1`, r.Server.ID).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(sealed, "enrolled-") || !secrets.IsSealed(sealed) {
			t.Fatalf("credentials at rest: %q", sealed)
		}
	}, audit.Schema, Schema)
}

// FuzzServerInput: whatever staff type, validation does not panic, and what it
// accepts has a one-line endpoint and fields of the type.
func FuzzServerInput(f *testing.F) {
	f.Add("web1", "test", "https://web1.example:8443", "AMS", 10, "note", "x", "token", "t")
	f.Add("", "nope", "a b", "", 0, "x", "y", "", "")
	f.Add("w", "test", "http://[::1", "L", 1, "note", "", "token", "")
	f.Add(strings.Repeat("a", 101), "test", "web\n1", "L", -1, "", "", "token", "\x00")
	kit := provisiontest.New()
	svc := &Service{types: map[string]driver.Type{"test": kit.Type("test")}}
	f.Fuzz(func(t *testing.T, name, typ, endpoint, location string, capacity int, sk, sv, ck, cv string) {
		in := ServerInput{Name: name, Type: typ, Endpoint: endpoint, Location: location, Capacity: capacity,
			Settings: map[string]string{sk: sv}, Credentials: map[string]string{ck: cv}}
		fe := svc.validServer(&in, false, Server{})
		if len(fe) > 0 {
			return
		}
		if strings.ContainsFunc(in.Endpoint, unicode.IsSpace) || in.Endpoint == "" || in.Capacity < 1 || in.Name == "" {
			t.Fatalf("accepted %+v", in)
		}
		if sk != "note" || ck != "token" || cv == "" {
			t.Fatalf("accepted fields of another type: %+v", in)
		}
	})
}

// TestBackoffDoubles: the wait doubles per attempt up to the maximum.
func TestBackoffDoubles(t *testing.T) {
	t.Parallel()
	s := &Service{set: Settings{Backoff: time.Minute, MaxBackoff: 10 * time.Minute}}
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 10 * time.Minute, 10 * time.Minute}
	for i, w := range want {
		if got := s.backoff(i + 1); got != w {
			t.Errorf("attempt %d: %s, want %s", i+1, got, w)
		}
	}
}
