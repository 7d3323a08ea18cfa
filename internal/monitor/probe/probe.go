// Package probe runs the protocol checks behind the availability guarantee
// (cp.sla.availability.2; INTERPRETATION.md, "Measuring availability"): HTTP and HTTPS,
// MySQL, POP3, IMAP, SMTP, DNS, WireGuard, a TCP connect and an ICMP echo, each against
// the real protocol, within a timeout and under the caller's context.
//
// A check never returns an error: it returns a Result that says up or down, how long
// the check took and, when down, a Reason — a message key with arguments (for instance
// probe.http.status {got: 503}) that the status page, the staff alerts and the SLA
// explanation render in Dutch and English. Warnings (a certificate that expires soon)
// leave the component up.
package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
)

// Kind is the protocol a check speaks; it is also the component name the availability
// calculator uses (cp.sla.availability.2).
type Kind string

// The kinds of check.
const (
	KindHTTP      Kind = "http"
	KindHTTPS     Kind = "https"
	KindMySQL     Kind = "mysql"
	KindPOP3      Kind = "pop3"
	KindIMAP      Kind = "imap"
	KindSMTP      Kind = "smtp"
	KindDNS       Kind = "dns"
	KindWireGuard Kind = "wireguard"
)

// DefaultTimeout bounds a check whose Timeout is zero. A provider setting, not a term:
// a check runs at least once a minute, so it must end well within one.
const DefaultTimeout = 10 * time.Second

// Check is one configured check of one component.
type Check interface {
	Kind() Kind
	// Target names what is checked (a URL, host:port or nameserver), for results.
	Target() string
	Run(ctx context.Context) Result
}

// Result is the outcome of one check.
type Result struct {
	Kind   Kind      `json:"kind"`
	Target string    `json:"target"`
	At     time.Time `json:"at"` // when the check started, from the injected clock
	Up     bool      `json:"up"`
	// Latency is the wall time of the whole check (connect, handshake, protocol).
	Latency  time.Duration `json:"latency"`
	Reason   *Reason       `json:"reason,omitempty"` // set exactly when down
	Warnings []Reason      `json:"warnings,omitempty"`
	Details  Details       `json:"details"`
}

// Details are what a check learnt on the way, kept for staff and the status page.
type Details struct {
	StatusCode    int       `json:"status_code,omitempty"`
	TLSVersion    string    `json:"tls_version,omitempty"`
	CertSubject   string    `json:"cert_subject,omitempty"`
	CertNotAfter  time.Time `json:"cert_not_after,omitzero"`
	Greeting      string    `json:"greeting,omitempty"` // first line of the server's banner, shortened
	ServerVersion string    `json:"server_version,omitempty"`
	SOASerial     uint32    `json:"soa_serial,omitempty"`
	// PingRTT is the round trip of the echo through a WireGuard tunnel.
	PingRTT time.Duration `json:"ping_rtt,omitempty"`
}

// Reason says why a component is down (or, as a warning, what needs attention soon):
// a message key from the catalogue in messages.go and its arguments.
type Reason struct {
	Key  string         `json:"key"`
	Args map[string]any `json:"args,omitempty"`
	err  error
}

func (r *Reason) Error() string {
	s := r.Text("en")
	if r.err != nil {
		s += ": " + r.err.Error()
	}
	return s
}

// Unwrap returns the underlying error, if any.
func (r *Reason) Unwrap() error { return r.err }

// reason builds a Reason from alternating argument names and values.
func reason(key string, err error, kv ...any) *Reason {
	r := &Reason{Key: key, err: err}
	if len(kv) > 0 {
		r.Args = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			r.Args[fmt.Sprint(kv[i])] = kv[i+1]
		}
	}
	return r
}

// configReason reports a check that cannot run as configured; the component is then
// reported down, because an unmeasurable check must be noticed.
func configReason(field, problem string) *Reason {
	return reason("probe.config", nil, "field", field, "problem", problem)
}

// run gives every check the same frame: the timeout, the start time from the clock and
// the latency, and turns a failure after the deadline into probe.timeout.
func run(ctx context.Context, c clock.Clock, kind Kind, target string, timeout time.Duration, f func(ctx context.Context, r *Result) *Reason) Result {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if c == nil {
		c = clock.Real{}
	}
	// The latency is measured from before the deadline is set, so a check that ran into
	// its timeout never reports less than the timeout.
	start := time.Now()
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r := Result{Kind: kind, Target: target, At: c.Now()}
	rs := f(cctx, &r)
	r.Latency = time.Since(start)
	// A missing WireGuard handshake or ICMP echo reply shows only as silence until the
	// deadline, so those keep their own key; a cancelled check is never the server's.
	if rs != nil && rs.Key != "probe.config" {
		silence := strings.HasPrefix(rs.Key, "probe.wireguard.") || strings.HasPrefix(rs.Key, "probe.icmp.")
		switch {
		case ctx.Err() != nil:
			rs = reason("probe.canceled", ctx.Err())
		case silence:
		case cctx.Err() != nil || rs.Key == "probe.timeout":
			rs = reason("probe.timeout", rs.err, "stage", stageOf(rs), "after", timeout.String())
		}
	}
	r.Reason = rs
	r.Up = rs == nil
	return r
}

// stageOf returns the stage a reason arose in, for a timeout that interrupted it.
func stageOf(r *Reason) string {
	if s, ok := r.Args["stage"].(string); ok {
		return s
	}
	k := strings.TrimPrefix(r.Key, "probe.")
	if i := strings.IndexByte(k, '.'); i > 0 {
		return k[:i]
	}
	return k
}

// dial connects to address within ctx; the connection's deadline is the context's, and
// cancelling the context closes it, so a stalled server cannot outlive the check.
func dial(ctx context.Context, address string) (net.Conn, *Reason) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", address)
	if err != nil {
		return nil, netReason(ctx, "connect", address, err)
	}
	bindDeadline(ctx, conn)
	return conn, nil
}

// bindDeadline ties a connection to ctx.
func bindDeadline(ctx context.Context, conn net.Conn) {
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	// Harmless after the connection is closed; run cancels ctx when the check ends.
	context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
}

// netReason classifies a network error at a stage (connect, greeting, tls, …).
func netReason(ctx context.Context, stage, address string, err error) *Reason {
	var dnsErr *net.DNSError
	var ne net.Error
	switch {
	case ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return reason("probe.timeout", err, "stage", stage)
	case errors.Is(err, syscall.ECONNREFUSED):
		return reason("probe.connect.refused", err, "address", address)
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return reason("probe.connect.unreachable", err, "address", address)
	case errors.As(err, &dnsErr):
		return reason("probe.connect.resolve", err, "host", dnsErr.Name)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return reason("probe.connection.closed", err, "stage", stage)
	case stage == "connect":
		return reason("probe.connect.failed", err, "address", address)
	}
	return reason("probe.io", err, "stage", stage)
}

// shorten keeps a server's line readable in a result: printable ASCII, at most 200
// characters.
func shorten(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return -1
		}
		return r
	}, s)
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
