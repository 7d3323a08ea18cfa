// Package agentdriver is the provisioning driver for servers that run the hostpact
// agent (`hostpact agent serve`, internal/agent): a client over mutual TLS that trusts
// only the certificate authority hostpact made for that server at enrolment and shows
// the client certificate issued with it.
package agentdriver

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hostpact/hostpact/internal/agent"
	"github.com/hostpact/hostpact/internal/agent/pki"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/provision/driver"
)

// Credential keys: the PEM texts enrolment returns and hostpact keeps sealed.
const (
	CredCACert     = "ca_cert"
	CredClientCert = "client_cert"
	CredClientKey  = "client_key"
)

// SettingKind pins a driver to one module's kind. Without it the driver finds the
// module that holds an account by asking the agent (GET /v1/locate).
const SettingKind = "kind"

// Type is the registry entry of the "agent" driver type.
func Type() driver.Type {
	return driver.Type{
		Name:             "agent",
		Kinds:            []driver.Kind{driver.KindWebhosting, driver.KindEmail, driver.KindVPN, driver.KindVPS},
		CredentialFields: []string{CredCACert, CredClientCert, CredClientKey},
		SettingFields:    []string{SettingKind},
		New:              New,
		Enroll:           Enroller{},
	}
}

// Client is the driver for one agent.
type Client struct {
	base *url.URL
	http *http.Client
	kind driver.Kind

	mu    sync.Mutex
	kinds map[string]driver.Kind // ref → kind, learnt from Create and locate
}

// New makes the driver for s: s.Endpoint is https://host:port, s.Credentials hold
// ca_cert, client_cert and client_key.
func New(s driver.Server) (driver.Driver, error) {
	return NewClient(s)
}

// NewClient is New with the concrete type.
func NewClient(s driver.Server) (*Client, error) {
	u, err := url.Parse(s.Endpoint)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("agentdriver: endpoint %q is not https://host:port", s.Endpoint)
	}
	u.Path = ""
	for _, k := range []string{CredCACert, CredClientCert, CredClientKey} {
		if s.Credentials[k] == "" {
			return nil, fmt.Errorf("agentdriver: credential %s missing (enrol the server)", k)
		}
	}
	pool, err := pki.Pool([]byte(s.Credentials[CredCACert]))
	if err != nil {
		return nil, fmt.Errorf("agentdriver: %w", err)
	}
	cert, err := tls.X509KeyPair([]byte(s.Credentials[CredClientCert]), []byte(s.Credentials[CredClientKey]))
	if err != nil {
		return nil, fmt.Errorf("agentdriver: client certificate: %w", err)
	}
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{
			MinVersion:   tls.VersionTLS13,
			RootCAs:      pool,
			Certificates: []tls.Certificate{cert},
		},
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     time.Minute,
		Proxy:               nil, // an agent is reached directly, never through a proxy
	}
	kind := driver.Kind(s.Settings[SettingKind])
	// Operations such as creating a user and reloading servers take seconds, not
	// minutes; the provisioning layer retries what times out.
	return &Client{base: u, http: &http.Client{Transport: tr, Timeout: 2 * time.Minute}, kind: kind, kinds: map[string]driver.Kind{}}, nil
}

// CloseIdleConnections closes the connections to the agent that no request uses:
// the provisioning layer makes a client for each use and calls it when done.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// do sends one request; out, when not nil, receives a 200 answer's JSON.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	return c.doWith(ctx, c.http, method, path, in, out)
}

func (c *Client) doWith(ctx context.Context, hc *http.Client, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("agentdriver: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("agentdriver: %s %s: %w", method, path, err)
	}
	switch resp.StatusCode {
	case http.StatusOK:
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("agentdriver: %s %s: answer: %w", method, path, err)
		}
		return nil
	case http.StatusNoContent:
		return nil
	}
	var e agent.ErrorBody
	if json.Unmarshal(data, &e) != nil || e.Error.Code == "" {
		return fmt.Errorf("agentdriver: %s %s: HTTP %d", method, path, resp.StatusCode)
	}
	switch e.Error.Code {
	case agent.CodeRefused:
		op := e.Error.Op
		if op == "" {
			op = method + " " + path
		}
		return &driver.Refusal{Op: op, Message: e.Error.Message}
	case agent.CodeNotFound:
		return fmt.Errorf("agentdriver: %s %s: %w", method, path, driver.ErrNotFound)
	case agent.CodeBadRequest:
		// The agent understood and rejected the request; sending it again cannot help,
		// so staff see it as a refusal.
		return &driver.Refusal{Op: method + " " + path, Message: e.Error.Message}
	default:
		return fmt.Errorf("agentdriver: %s %s: HTTP %d: %s", method, path, resp.StatusCode, e.Error.Message)
	}
}

// Health asks the agent which kinds it delivers; it fails when a module's own test fails.
func (c *Client) Health(ctx context.Context) (agent.Health, error) {
	var h agent.Health
	err := c.do(ctx, http.MethodGet, "/v1/health", nil, &h)
	return h, err
}

func (c *Client) Test(ctx context.Context) error {
	h, err := c.Health(ctx)
	if err != nil {
		return err
	}
	if c.kind != "" {
		for _, k := range h.Kinds {
			if k == c.kind {
				return nil
			}
		}
		return &driver.Refusal{Op: "test", Message: fmt.Sprintf("the agent delivers no %s", c.kind)}
	}
	return nil
}

func (c *Client) Create(ctx context.Context, a driver.Account) (driver.Created, error) {
	kind := a.Kind
	if kind == "" {
		kind = c.kind
	}
	if kind == "" {
		return driver.Created{}, errors.New("agentdriver: create needs the account's kind")
	}
	var out driver.Created
	if err := c.do(ctx, http.MethodPost, "/v1/"+string(kind)+"/accounts", a, &out); err != nil {
		return driver.Created{}, err
	}
	c.remember(a.Ref, kind)
	return out, nil
}

func (c *Client) remember(ref string, kind driver.Kind) {
	c.mu.Lock()
	c.kinds[ref] = kind
	c.mu.Unlock()
}

// accountPath is /v1/{kind}/accounts/{ref}; found is false when no module holds ref.
func (c *Client) accountPath(ctx context.Context, ref string) (path string, found bool, err error) {
	if err := driver.ValidRef(ref); err != nil {
		return "", false, err
	}
	kind := c.kind
	if kind == "" {
		c.mu.Lock()
		kind = c.kinds[ref]
		c.mu.Unlock()
	}
	if kind == "" {
		var l agent.Located
		err := c.do(ctx, http.MethodGet, "/v1/locate?ref="+url.QueryEscape(ref), nil, &l)
		if errors.Is(err, driver.ErrNotFound) {
			return "", false, nil
		}
		if err != nil {
			return "", false, err
		}
		kind = l.Kind
		c.remember(ref, kind)
	}
	return "/v1/" + string(kind) + "/accounts/" + ref, true, nil
}

func (c *Client) op(ctx context.Context, ref, op string, in, out any, idempotentWhenMissing bool) error {
	p, found, err := c.accountPath(ctx, ref)
	if err != nil {
		return err
	}
	if !found {
		if idempotentWhenMissing {
			return nil
		}
		return fmt.Errorf("agentdriver: %s: %w", ref, driver.ErrNotFound)
	}
	method := http.MethodPost
	switch op {
	case "usage":
		method = http.MethodGet
	case "":
		method = http.MethodDelete
	}
	if op != "" {
		p += "/" + op
	}
	return c.do(ctx, method, p, in, out)
}

func (c *Client) Suspend(ctx context.Context, ref string, reason driver.SuspendReason) error {
	return c.op(ctx, ref, "suspend", agent.SuspendRequest{Reason: reason}, nil, false)
}

func (c *Client) Unsuspend(ctx context.Context, ref string) error {
	return c.op(ctx, ref, "unsuspend", struct{}{}, nil, false)
}

func (c *Client) Terminate(ctx context.Context, ref string) error {
	return c.op(ctx, ref, "terminate", struct{}{}, nil, true)
}

func (c *Client) DeleteData(ctx context.Context, ref string) error {
	err := c.op(ctx, ref, "", nil, nil, true)
	if err == nil {
		c.mu.Lock()
		delete(c.kinds, ref)
		c.mu.Unlock()
	}
	return err
}

func (c *Client) ChangePackage(ctx context.Context, ref string, p driver.Package) error {
	return c.op(ctx, ref, "package", p, nil, false)
}

func (c *Client) ResetCredentials(ctx context.Context, ref, secret string) (driver.Created, error) {
	var out driver.Created
	err := c.op(ctx, ref, "credentials", agent.CredentialsRequest{Secret: secret}, &out, false)
	return out, err
}

func (c *Client) Usage(ctx context.Context, ref string) (driver.Usage, error) {
	var u driver.Usage
	err := c.op(ctx, ref, "usage", nil, &u, false)
	return u, err
}

// List returns the accounts of every module the agent runs (or of the pinned kind).
func (c *Client) List(ctx context.Context) ([]driver.Listed, error) {
	kinds := []driver.Kind{c.kind}
	if c.kind == "" {
		h, err := c.Health(ctx)
		if err != nil {
			return nil, err
		}
		kinds = h.Kinds
	}
	var all []driver.Listed
	for _, k := range kinds {
		var l []driver.Listed
		if err := c.do(ctx, http.MethodGet, "/v1/"+string(k)+"/accounts", nil, &l); err != nil {
			return nil, err
		}
		for i := range l {
			l[i].Kind = k
		}
		all = append(all, l...)
	}
	return all, nil
}

// Enroller makes the per-server certificate authority (driver.Enroller).
type Enroller struct {
	Clock clock.Clock // nil: clock.Real
}

// Enroll makes a new CA for the server name reached at endpoint, issues the agent's
// certificate for the endpoint's host and hostpact's client certificate, and throws the
// CA's key away (see internal/agent/pki). It returns the credentials hostpact keeps
// (ca_cert, client_cert, client_key) and the bundle for the server: one PEM file with
// the agent's certificate, its key and the CA certificate, installed as the file the
// agent configuration's "bundle" names (mode 0600, owned by root).
func (e Enroller) Enroll(name, endpoint string) (map[string]string, []byte, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme != "https" || u.Hostname() == "" {
		return nil, nil, fmt.Errorf("agentdriver: endpoint %q is not https://host:port", endpoint)
	}
	var clk clock.Clock = clock.Real{}
	if e.Clock != nil {
		clk = e.Clock
	}
	now := clk.Now()
	ca, err := pki.NewCA(name, now)
	if err != nil {
		return nil, nil, err
	}
	server, err := ca.IssueServer([]string{strings.ToLower(u.Hostname())}, now)
	if err != nil {
		return nil, nil, err
	}
	client, err := ca.IssueClient("hostpact", now)
	if err != nil {
		return nil, nil, err
	}
	creds := map[string]string{
		CredCACert:     string(ca.CertPEM),
		CredClientCert: string(client.CertPEM),
		CredClientKey:  string(client.KeyPEM),
	}
	return creds, pki.Bundle{Server: server, CAPEM: ca.CertPEM}.Encode(), nil
}
