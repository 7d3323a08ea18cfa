// Package agenttest starts a hostpact agent for tests: enrolled like a real server,
// serving over mutual TLS on a loopback port, with the modules a test gives it, and an
// in-memory module for tests of the protocol itself.
package agenttest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"

	"github.com/hostpact/hostpact/internal/agent"
	"github.com/hostpact/hostpact/internal/agent/pki"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/provision/drivers/agentdriver"
)

// Agent is a running agent.
type Agent struct {
	Endpoint    string
	Credentials map[string]string // what hostpact keeps after enrolment
	Bundle      pki.Bundle        // what the server installed
	Driver      *agentdriver.Client
}

// Start enrols a server at a free loopback port, serves mods there until the test ends
// and returns the agent with hostpact's driver for it.
func Start(t testing.TB, mods agent.Modules) *Agent {
	t.Helper()
	return StartWithBackups(t, mods, nil)
}

// StartWithBackups is Start with the agent's backup routes served by b.
func StartWithBackups(t testing.TB, mods agent.Modules, b *agent.Backups) *Agent {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := &Agent{Endpoint: "https://" + l.Addr().String()}
	var bundle []byte
	a.Credentials, bundle, err = agentdriver.Enroller{}.Enroll("test", a.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	a.Bundle = serve(t, l, bundle, mods, b)
	a.Driver, err = agentdriver.NewClient(driver.Server{Name: "test", Endpoint: a.Endpoint, Credentials: a.Credentials})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Listen opens a free loopback port for an agent and returns it with the endpoint
// to register the server at; Serve then serves it with the bundle enrolment made.
func Listen(t testing.TB) (net.Listener, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, "https://" + l.Addr().String()
}

// Serve runs an agent on l with the bundle enrolment produced (as a server installs
// it) and the modules mods until the test ends, and returns the parsed bundle.
func Serve(t testing.TB, l net.Listener, bundle []byte, mods agent.Modules) pki.Bundle {
	t.Helper()
	return serve(t, l, bundle, mods, nil)
}

func serve(t testing.TB, l net.Listener, bundle []byte, mods agent.Modules, bk *agent.Backups) pki.Bundle {
	t.Helper()
	b, err := pki.ParseBundle(bundle)
	if err != nil {
		t.Fatal(err)
	}
	tc, err := agent.TLSConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() { done <- agent.Serve(ctx, l, tc, agent.HandlerWith(mods, bk, log), log) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("agent: %v", err)
		}
	})
	return b
}
