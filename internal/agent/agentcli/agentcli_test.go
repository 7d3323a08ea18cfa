package agentcli

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/agent"
	"github.com/hostpact/hostpact/internal/agent/agenttest"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/provision/drivers/agentdriver"
)

// TestServe runs `hostpact agent serve` from a configuration file and an enrolment
// bundle, the way a server is set up, and talks to it with hostpact's driver.
func TestServe(t *testing.T) {
	saved := Modules
	Modules = agent.Factories{driver.KindWebhosting: func(json.RawMessage, string) (driver.Driver, error) {
		return &agenttest.Memory{Kind: driver.KindWebhosting}, nil
	}}
	t.Cleanup(func() { Modules = saved })

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	endpoint := "https://" + addr
	creds, bundle, err := agentdriver.Enroller{}.Enroll("web1", endpoint)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bundlePath := filepath.Join(dir, "agent.pem")
	if err := os.WriteFile(bundlePath, bundle, 0o600); err != nil {
		t.Fatal(err)
	}
	config, _ := json.Marshal(agent.Config{Listen: addr, Bundle: bundlePath, DataDir: filepath.Join(dir, "data"),
		Modules: map[string]json.RawMessage{"webhosting": json.RawMessage(`{}`)}})
	configPath := filepath.Join(dir, "agent.json")
	if err := os.WriteFile(configPath, config, 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- Run(ctx, []string{"serve", "--config", configPath}, &bytes.Buffer{}, &stderr) }()

	d, err := agentdriver.New(driver.Server{Endpoint: endpoint, Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := d.Test(ctx)
		if err == nil {
			break
		}
		select {
		case code := <-done:
			t.Fatalf("agent exited with %d: %s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("agent not ready: %v", err)
		}
		time.Sleep(20 * time.Millisecond) // readiness poll
	}
	if _, err := d.Create(ctx, driver.Account{Ref: "hp1", Kind: driver.KindWebhosting, Domain: "a.nl", Secret: "s"}); err != nil {
		t.Fatal(err)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "ref=hp1") {
		t.Errorf("the request was not logged: %s", stderr.String())
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	if code := Run(t.Context(), []string{"serve", "--config", filepath.Join(t.TempDir(), "missing.json")}, &out, &errOut); code != 1 {
		t.Errorf("missing config: exit %d", code)
	}
	if code := Run(t.Context(), []string{"dance"}, &out, &errOut); code != 2 {
		t.Errorf("unknown command: exit %d", code)
	}
}
