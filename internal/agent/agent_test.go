package agent_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hostpact/hostpact/internal/agent"
	"github.com/hostpact/hostpact/internal/agent/agenttest"
	"github.com/hostpact/hostpact/internal/agent/pki"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/provision/drivers/agentdriver"
)

func memModules() agent.Modules {
	return agent.Modules{driver.KindWebhosting: &agenttest.Memory{Kind: driver.KindWebhosting}}
}

// client makes an HTTPS client that trusts the agent's CA and shows certs.
func client(a *agenttest.Agent, certs []tls.Certificate, maxVersion uint16) *http.Client {
	pool, _ := pki.Pool([]byte(a.Credentials[agentdriver.CredCACert]))
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: pool, Certificates: certs, MaxVersion: maxVersion,
	}}}
}

func health(c *http.Client, a *agenttest.Agent) error {
	resp, err := c.Get(a.Endpoint + "/v1/health")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status)
	}
	return nil
}

func TestMutualTLS(t *testing.T) {
	t.Parallel()
	a := agenttest.Start(t, memModules())
	own, err := tls.X509KeyPair([]byte(a.Credentials[agentdriver.CredClientCert]), []byte(a.Credentials[agentdriver.CredClientKey]))
	if err != nil {
		t.Fatal(err)
	}
	if err := health(client(a, []tls.Certificate{own}, 0), a); err != nil {
		t.Fatalf("hostpact's own client certificate: %v", err)
	}

	t.Run("certificate from another CA", func(t *testing.T) {
		// Another server's enrolment: a valid hostpact client certificate, but from the
		// CA of a different server.
		other, _, err := agentdriver.Enroller{}.Enroll("other", a.Endpoint)
		if err != nil {
			t.Fatal(err)
		}
		cert, err := tls.X509KeyPair([]byte(other[agentdriver.CredClientCert]), []byte(other[agentdriver.CredClientKey]))
		if err != nil {
			t.Fatal(err)
		}
		if err := health(client(a, []tls.Certificate{cert}, 0), a); err == nil {
			t.Fatal("a client certificate from another CA was accepted")
		}
	})
	t.Run("no client certificate", func(t *testing.T) {
		if err := health(client(a, nil, 0), a); err == nil {
			t.Fatal("a client without a certificate was accepted")
		}
	})
	t.Run("the agent's own server certificate as client", func(t *testing.T) {
		// Chains to the right CA but is not issued for client authentication.
		cert, err := tls.X509KeyPair(a.Bundle.Server.CertPEM, a.Bundle.Server.KeyPEM)
		if err != nil {
			t.Fatal(err)
		}
		if err := health(client(a, []tls.Certificate{cert}, 0), a); err == nil {
			t.Fatal("a server certificate was accepted as a client certificate")
		}
	})
	t.Run("TLS 1.2", func(t *testing.T) {
		if err := health(client(a, []tls.Certificate{own}, tls.VersionTLS12), a); err == nil {
			t.Fatal("TLS 1.2 was accepted")
		}
	})
	t.Run("hostpact refuses an agent of another CA", func(t *testing.T) {
		// hostpact enrolled this endpoint once more; the running agent still has the
		// first bundle, whose certificate the new CA did not issue.
		creds, _, err := agentdriver.Enroller{}.Enroll("again", a.Endpoint)
		if err != nil {
			t.Fatal(err)
		}
		d, err := agentdriver.New(driver.Server{Endpoint: a.Endpoint, Credentials: creds})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Test(t.Context()); err == nil || driver.IsRefusal(err) {
			t.Fatalf("Test against an agent of another CA = %v, want a connection error", err)
		}
	})
}

// do sends a request to h as the TLS layer would hand it over.
func do(h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func wireError(t *testing.T, w *httptest.ResponseRecorder) agent.WireError {
	t.Helper()
	var e agent.ErrorBody
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatalf("answer %d is not an error body: %q", w.Code, w.Body)
	}
	return e.Error
}

func TestRequestsAreValidated(t *testing.T) {
	t.Parallel()
	h := agent.Handler(memModules(), nil)
	account := `{"ref":"hp1","kind":"webhosting","domain":"example.nl","secret":"s3cret","package":{"name":"p"}}`
	cases := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"unknown kind", "GET", "/v1/vps/accounts", "", 404, agent.CodeBadRequest},
		{"bad ref", "POST", "/v1/webhosting/accounts/Root/suspend", `{"reason":"staff"}`, 400, agent.CodeBadRequest},
		{"ref with a dot", "DELETE", "/v1/webhosting/accounts/a..b", "", 400, agent.CodeBadRequest},
		{"bad ref in create", "POST", "/v1/webhosting/accounts", strings.Replace(account, "hp1", "../x", 1), 400, agent.CodeBadRequest},
		{"other kind in create", "POST", "/v1/webhosting/accounts", strings.Replace(account, `"webhosting"`, `"email"`, 1), 400, agent.CodeBadRequest},
		{"domain that is not a host name", "POST", "/v1/webhosting/accounts", strings.Replace(account, "example.nl", "x;}server{", 1), 400, agent.CodeBadRequest},
		{"secret with a new line", "POST", "/v1/webhosting/accounts", strings.Replace(account, "s3cret", `s3\ncret`, 1), 400, agent.CodeBadRequest},
		{"no secret", "POST", "/v1/webhosting/accounts", strings.Replace(account, "s3cret", "", 1), 400, agent.CodeBadRequest},
		{"two JSON values", "POST", "/v1/webhosting/accounts", account + account, 400, agent.CodeBadRequest},
		{"not JSON", "POST", "/v1/webhosting/accounts", "ref=hp1", 400, agent.CodeBadRequest},
		{"too large", "POST", "/v1/webhosting/accounts", `{"ref":"hp1","domain":"` + strings.Repeat("a", agent.MaxBody) + `"}`, 413, agent.CodeBadRequest},
		{"unknown operation", "POST", "/v1/webhosting/accounts/hp1/explode", "{}", 400, agent.CodeBadRequest},
		{"unknown reason", "POST", "/v1/webhosting/accounts/hp1/suspend", `{"reason":"boredom"}`, 400, agent.CodeBadRequest},
		{"negative limit", "POST", "/v1/webhosting/accounts/hp1/package", `{"name":"p","disk_mb":-1}`, 400, agent.CodeBadRequest},
		{"unknown account", "POST", "/v1/webhosting/accounts/hp9/suspend", `{"reason":"staff"}`, 404, agent.CodeNotFound},
		{"refusal", "POST", "/v1/webhosting/accounts", strings.Replace(account, "example.nl", "refuse.example.nl", 1), 409, agent.CodeRefused},
		{"no route", "GET", "/v2/anything", "", 404, agent.CodeBadRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := do(h, c.method, c.path, c.body)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d: %s", w.Code, c.status, w.Body)
			}
			if e := wireError(t, w); e.Code != c.code {
				t.Errorf("code %q, want %q (%s)", e.Code, c.code, e.Message)
			}
		})
	}
}

// logRecorder keeps the log lines for the secret check.
type logRecorder struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logRecorder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func TestSecretsAreNotLogged(t *testing.T) {
	t.Parallel()
	var log logRecorder
	h := agent.Handler(memModules(), slogTo(&log))
	const secret = "Very-Secret-Value-42"
	for _, r := range []struct{ method, path, body string }{
		{"POST", "/v1/webhosting/accounts", `{"ref":"hp1","domain":"example.nl","secret":"` + secret + `"}`},
		{"POST", "/v1/webhosting/accounts/hp1/credentials", `{"secret":"` + secret + `x"}`},
		{"POST", "/v1/webhosting/accounts/hp9/credentials", `{"secret":"` + secret + `y"}`},
		{"POST", "/v1/webhosting/accounts", `{"ref":"hp2","domain":"refuse.example.nl","secret":"` + secret + `"}`},
	} {
		if w := do(h, r.method, r.path, r.body); w.Code >= 500 {
			t.Fatalf("%s %s: %d", r.method, r.path, w.Code)
		}
	}
	if !strings.Contains(log.buf.String(), "hp1") {
		t.Fatalf("nothing logged: %q", log.buf.String())
	}
	if strings.Contains(log.buf.String(), "Very-Secret") {
		t.Errorf("a secret reached the log: %s", log.buf.String())
	}
}

// serialModule records how many operations run at once on each ref.
type serialModule struct {
	agenttest.Memory
	mu        sync.Mutex
	active    map[string]int
	overlap   atomic.Bool
	entered   chan string
	release   chan struct{}
	blockRefs map[string]bool
}

func (m *serialModule) Suspend(ctx context.Context, ref string, r driver.SuspendReason) error {
	m.mu.Lock()
	m.active[ref]++
	if m.active[ref] > 1 {
		m.overlap.Store(true)
	}
	m.mu.Unlock()
	if m.blockRefs[ref] {
		m.entered <- ref
		<-m.release
	}
	err := m.Memory.Suspend(ctx, ref, r)
	m.mu.Lock()
	m.active[ref]--
	m.mu.Unlock()
	return err
}

func TestOperationsOnOneRefAreSerialised(t *testing.T) {
	t.Parallel()
	m := &serialModule{Memory: agenttest.Memory{Kind: driver.KindWebhosting}, active: map[string]int{},
		entered: make(chan string, 4), release: make(chan struct{}), blockRefs: map[string]bool{"hpslow": true}}
	h := agent.Handler(agent.Modules{driver.KindWebhosting: m}, nil)
	for _, ref := range []string{"hpslow", "hpfast"} {
		if w := do(h, "POST", "/v1/webhosting/accounts", `{"ref":"`+ref+`","domain":"`+ref+`.nl","secret":"s"}`); w.Code != 200 {
			t.Fatal(w.Body)
		}
	}
	// One operation on hpslow holds its lock; one on hpfast must still run.
	var wg sync.WaitGroup
	wg.Go(func() { do(h, "POST", "/v1/webhosting/accounts/hpslow/suspend", `{"reason":"staff"}`) })
	<-m.entered
	if w := do(h, "POST", "/v1/webhosting/accounts/hpfast/suspend", `{"reason":"staff"}`); w.Code != 204 {
		t.Fatalf("another ref waited for or failed on the held one: %d", w.Code)
	}
	close(m.release)
	wg.Wait()
	m.blockRefs = nil

	// Many concurrent operations on one ref never overlap.
	for range 50 {
		wg.Go(func() { do(h, "POST", "/v1/webhosting/accounts/hpfast/suspend", `{"reason":"staff"}`) })
	}
	wg.Wait()
	if m.overlap.Load() {
		t.Error("two operations on one ref ran at the same time")
	}
}

type extraModule struct {
	agenttest.Memory
}

func (*extraModule) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.WriteString(w, "extra "+r.URL.Path)
}

func TestModuleRoutes(t *testing.T) {
	t.Parallel()
	h := agent.Handler(agent.Modules{driver.KindEmail: &extraModule{}, driver.KindWebhosting: &agenttest.Memory{}}, nil)
	if w := do(h, "GET", "/v1/email/x/aliases/hp1", ""); w.Code != 200 || w.Body.String() != "extra /aliases/hp1" {
		t.Errorf("module route: %d %q", w.Code, w.Body)
	}
	if w := do(h, "GET", "/v1/webhosting/x/anything", ""); w.Code != 404 {
		t.Errorf("a module without routes answered %d", w.Code)
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	made := map[driver.Kind]string{}
	fs := agent.Factories{
		driver.KindWebhosting: func(raw json.RawMessage, dataDir string) (driver.Driver, error) {
			made[driver.KindWebhosting] = string(raw) + " " + dataDir
			return &agenttest.Memory{}, nil
		},
	}
	c := agent.Config{Listen: "127.0.0.1:0", Bundle: "x", DataDir: dir, Modules: map[string]json.RawMessage{"webhosting": json.RawMessage(`{"a":1}`)}}
	mods, err := c.Build(fs)
	if err != nil || len(mods) != 1 {
		t.Fatalf("Build: %v %v", mods, err)
	}
	if made[driver.KindWebhosting] != `{"a":1} `+dir+"/webhosting" {
		t.Errorf("factory got %q", made[driver.KindWebhosting])
	}
	c.Modules["vps"] = json.RawMessage(`{}`)
	if _, err := c.Build(fs); err == nil {
		t.Error("a module not built in was accepted")
	}
}
