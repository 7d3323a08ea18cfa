package epp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
)

// Config reaches one registry.
type Config struct {
	Address    string // host:port
	ServerName string // for the certificate check; defaults to the host of Address
	CAPEM      []byte // trusted roots; the system roots when empty
	CertPEM    []byte // client certificate, where the registry asks for one (SIDN does)
	KeyPEM     []byte
	Username   string
	Password   string
	Profile    Profile
	// TRIDPrefix starts every clTRID, so the registry's logs show which installation
	// sent a command.
	TRIDPrefix  string
	DialTimeout time.Duration
	// Clock decides what "today" is for a cancellation date; the real clock when nil.
	Clock clock.Clock
	// Attempts bounds how often one call reconnects after a lost connection (3 when 0).
	Attempts int
}

func (c Config) tlsConfig() (*tls.Config, error) {
	host := c.ServerName
	if host == "" {
		h, _, err := net.SplitHostPort(c.Address)
		if err != nil {
			return nil, fmt.Errorf("epp: address %q: %w", c.Address, err)
		}
		host = h
	}
	tc := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if len(c.CAPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(c.CAPEM) {
			return nil, errors.New("epp: CA PEM holds no certificate")
		}
		tc.RootCAs = pool
	}
	if len(c.CertPEM) > 0 || len(c.KeyPEM) > 0 {
		cert, err := tls.X509KeyPair(c.CertPEM, c.KeyPEM)
		if err != nil {
			return nil, fmt.Errorf("epp: client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// Client is one logged-in EPP session. Commands on it run one at a time (EPP is a
// request/response protocol on one connection).
type Client struct {
	mu       sync.Mutex
	conn     net.Conn
	profile  Profile
	Greeting *Greeting
	// Sent and Received, when set, see every frame (tests, debugging). They never see
	// the password: the login frame is reported with it blanked.
	Sent, Received func(op string, xml []byte)
	broken         bool
}

// Dial connects, reads the greeting and logs in.
func Dial(ctx context.Context, cfg Config, trid string) (*Client, error) {
	tc, err := cfg.tlsConfig()
	if err != nil {
		return nil, err
	}
	timeout := cfg.DialTimeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: timeout}, Config: tc}
	conn, err := d.DialContext(ctx, "tcp", cfg.Address)
	if err != nil {
		return nil, &TransportError{Op: "connect", Err: err}
	}
	c := &Client{conn: conn, profile: cfg.Profile}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	b, err := ReadFrame(conn)
	if err != nil {
		conn.Close()
		return nil, &TransportError{Op: "greeting", Err: err}
	}
	e, err := Parse(b)
	if err != nil || e.Greeting == nil {
		conn.Close()
		return nil, fmt.Errorf("epp: registry did not greet: %v", err)
	}
	c.Greeting = e.Greeting
	if _, err := c.Exchange(ctx, "login", LoginCmd(cfg.Username, cfg.Password, cfg.Profile, trid)); err != nil {
		conn.Close()
		return nil, err
	}
	return c, nil
}

// Exchange sends one frame and reads the answer. A result of 2000 or more comes back as
// *Error; a lost connection as *TransportError, after which the client is unusable.
func (c *Client) Exchange(ctx context.Context, op string, req *EPP) (*Response, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken {
		return nil, &TransportError{Op: op, Err: net.ErrClosed}
	}
	b, err := Marshal(req)
	if err != nil {
		return nil, err
	}
	if c.Sent != nil {
		if req.Command != nil && req.Command.Login != nil {
			c.Sent(op, []byte("<login: not shown>"))
		} else {
			c.Sent(op, b)
		}
	}
	dl := time.Now().Add(2 * time.Minute)
	if d, ok := ctx.Deadline(); ok {
		dl = d
	}
	_ = c.conn.SetDeadline(dl)
	stop := context.AfterFunc(ctx, func() { _ = c.conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if err := WriteFrame(c.conn, b); err != nil {
		c.broken = true
		return nil, &TransportError{Op: op, Err: err}
	}
	rb, err := ReadFrame(c.conn)
	if err != nil {
		c.broken = true
		if ctx.Err() != nil {
			err = errors.Join(ctx.Err(), err)
		}
		return nil, &TransportError{Op: op, Err: err}
	}
	if c.Received != nil {
		c.Received(op, rb)
	}
	r, err := ParseResponse(rb)
	if err != nil {
		c.broken = true // we no longer know where the conversation stands
		return nil, &TransportError{Op: op, Err: err}
	}
	r.Raw = rb
	if err := resultError(op, r); err != nil {
		if IsTransport(err) {
			c.broken = true
		}
		return r, err
	}
	return r, nil
}

// Hello asks for a fresh greeting (also a keep-alive).
func (c *Client) Hello(ctx context.Context) (*Greeting, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, _ := Marshal(HelloCmd())
	_ = c.conn.SetDeadline(time.Now().Add(time.Minute))
	if err := WriteFrame(c.conn, b); err != nil {
		c.broken = true
		return nil, &TransportError{Op: "hello", Err: err}
	}
	rb, err := ReadFrame(c.conn)
	if err != nil {
		c.broken = true
		return nil, &TransportError{Op: "hello", Err: err}
	}
	e, err := Parse(rb)
	if err != nil || e.Greeting == nil {
		return nil, fmt.Errorf("epp: hello: no greeting: %v", err)
	}
	return e.Greeting, nil
}

// Logout ends the session and closes the connection.
func (c *Client) Logout(ctx context.Context, trid string) error {
	_, err := c.Exchange(ctx, "logout", LogoutCmd(trid))
	c.Close()
	return err
}

// Close drops the connection without logging out.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.broken = true
	return c.conn.Close()
}

// Broken reports whether the connection is lost.
func (c *Client) Broken() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.broken
}
