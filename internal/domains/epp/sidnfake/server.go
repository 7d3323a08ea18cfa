// Package sidnfake is an in-process domain registry that speaks EPP over TLS on
// loopback and keeps SIDN's rules for .nl: active → scheduled delete → quarantine (40
// days, SIDN) → released; redemption during quarantine only for the last registrant's
// registrar; a transfer with the transfer token that completes at once and hands the
// gaining registrar a fresh token; contacts with a legal form; hosts; a poll queue.
// It is written from SIDN's published EPP documentation and RFC 5730–5734, because no
// registry can run in a test (PREAMBLE: real parts where they can run, a fake from the
// protocol documentation where they cannot).
//
// Its clock is injected, so a test walks a domain through quarantine by moving the clock,
// and a switch drops the connection after a command was applied but before the answer,
// which is the case a registrar must survive without doing anything twice.
//
// Options.Generic makes it behave like a gTLD registry instead (explicit renew, RGP
// restore, transfers pending until approved).
package sidnfake

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/domains/epp"
)

// Options configure the fake.
type Options struct {
	// Clock is the registry's now; a clock.Fake at 2026-01-01 when nil.
	Clock clock.Clock
	// Registrars maps usernames to passwords; "hostpact" and "rival" (see the
	// constants) when nil.
	Registrars map[string]string
	// RequireClientCert makes the TLS server ask for a client certificate signed by
	// the fake's CA (ClientCertPEM, ClientKeyPEM), as SIDN does.
	RequireClientCert bool
	// Generic behaves like a gTLD registry instead of SIDN.
	Generic bool
}

// The default registrars: us, and another registrar that holds the seeded names.
const (
	Us          = "hostpact"
	UsPassword  = "hostpact-secret"
	Rival       = "rival"
	RivalPasswd = "rival-secret"
)

// Registry is the running fake.
type Registry struct {
	opts    Options
	clk     clock.Clock
	profile epp.Profile
	ln      net.Listener
	addr    string
	caPEM   []byte
	cliCert []byte
	cliKey  []byte

	wg    sync.WaitGroup
	cmu   sync.Mutex
	conns map[net.Conn]struct{}

	mu       sync.Mutex
	domains  map[string]*domainRec
	contacts map[string]*contactRec
	hosts    map[string]*hostRec
	queues   map[string][]*message
	seq      int
	drops    map[string]*dropRule
	applied  map[string]int
	log      []Entry
}

// Entry is one command as the registry saw it.
type Entry struct {
	Registrar string
	Command   string // e.g. "domain:create", "domain:transfer:request"
	ClTRID    string
	Code      int
	Dropped   bool // the change was applied and the connection dropped before the answer
}

type dropRule struct {
	n      int
	before bool
}

// Start runs a fake registry on 127.0.0.1 on a random port until ctx is done or Close.
func Start(ctx context.Context, opts Options) (*Registry, error) {
	r := &Registry{
		opts: opts, clk: opts.Clock,
		conns:   map[net.Conn]struct{}{},
		domains: map[string]*domainRec{}, contacts: map[string]*contactRec{}, hosts: map[string]*hostRec{},
		queues: map[string][]*message{}, drops: map[string]*dropRule{}, applied: map[string]int{},
	}
	if r.clk == nil {
		r.clk = clock.NewFake(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	}
	if r.opts.Registrars == nil {
		r.opts.Registrars = map[string]string{Us: UsPassword, Rival: RivalPasswd}
	}
	r.profile = epp.SIDN
	if opts.Generic {
		r.profile = epp.Generic
	}
	tc, err := r.makeTLS()
	if err != nil {
		return nil, err
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", tc)
	if err != nil {
		return nil, err
	}
	r.ln, r.addr = ln, ln.Addr().String()
	r.wg.Add(1)
	go r.accept()
	if ctx.Done() != nil {
		context.AfterFunc(ctx, func() { r.Close() })
	}
	return r, nil
}

// StartTB starts a fake for a test and stops it when the test ends. It returns the
// registry, its address and the CA certificate to trust.
func StartTB(tb testing.TB, opts Options) (*Registry, string, []byte) {
	tb.Helper()
	r, err := Start(context.Background(), opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { r.Close() })
	return r, r.addr, r.caPEM
}

// Addr is host:port on loopback.
func (r *Registry) Addr() string { return r.addr }

// CACertPEM is the certificate that signed the server's (and the client's) certificate.
func (r *Registry) CACertPEM() []byte { return r.caPEM }

// ClientCertPEM and ClientKeyPEM are a client certificate the fake accepts.
func (r *Registry) ClientCertPEM() []byte { return r.cliCert }

// ClientKeyPEM is the key of ClientCertPEM.
func (r *Registry) ClientKeyPEM() []byte { return r.cliKey }

// Clock is the registry's clock.
func (r *Registry) Clock() clock.Clock { return r.clk }

// Profile is the registry profile the fake keeps the rules of.
func (r *Registry) Profile() epp.Profile { return r.profile }

// Advance moves the registry's clock when it is a clock.Fake, and applies what became
// due (scheduled deletes, the end of quarantine, automatic renewals).
func (r *Registry) Advance(d time.Duration) {
	if f, ok := r.clk.(*clock.Fake); ok {
		f.Advance(d)
	}
	r.mu.Lock()
	r.tick()
	r.mu.Unlock()
}

// DropAfterApply makes the next n commands of a kind ("domain:create",
// "domain:transfer:request", …) apply their change and then drop the connection
// without an answer.
func (r *Registry) DropAfterApply(command string, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.drops[command] = &dropRule{n: n}
}

// DropBeforeApply makes the next n commands of a kind drop the connection unapplied.
func (r *Registry) DropBeforeApply(command string, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.drops[command] = &dropRule{n: n, before: true}
}

// Applied counts the successful commands of a kind.
func (r *Registry) Applied(command string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.applied[command]
}

// Log returns every command so far.
func (r *Registry) Log() []Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Entry(nil), r.log...)
}

// Close stops the listener and every connection.
func (r *Registry) Close() error {
	err := r.ln.Close()
	r.cmu.Lock()
	for c := range r.conns {
		c.Close()
	}
	r.cmu.Unlock()
	r.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

func (r *Registry) accept() {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		r.cmu.Lock()
		r.conns[c] = struct{}{}
		r.cmu.Unlock()
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			r.serve(c)
			r.cmu.Lock()
			delete(r.conns, c)
			r.cmu.Unlock()
			c.Close()
		}()
	}
}

// makeTLS generates a CA, a server certificate for 127.0.0.1 and a client certificate.
func (r *Registry) makeTLS() (*tls.Config, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sidnfake CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(serial int64, cn string, usage x509.ExtKeyUsage, server bool) ([]byte, []byte, error) {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		t := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		}
		if server {
			t.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
			t.DNSNames = []string{"localhost"}
		}
		der, err := x509.CreateCertificate(rand.Reader, t, ca, &k.PublicKey, caKey)
		if err != nil {
			return nil, nil, err
		}
		kb, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			return nil, nil, err
		}
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
			pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), nil
	}
	srvCert, srvKey, err := issue(2, "127.0.0.1", x509.ExtKeyUsageServerAuth, true)
	if err != nil {
		return nil, err
	}
	r.cliCert, r.cliKey, err = issue(3, Us, x509.ExtKeyUsageClientAuth, false)
	if err != nil {
		return nil, err
	}
	r.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	pair, err := tls.X509KeyPair(srvCert, srvKey)
	if err != nil {
		return nil, err
	}
	tc := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	if r.opts.RequireClientCert {
		pool := x509.NewCertPool()
		pool.AddCert(ca)
		tc.ClientCAs = pool
		tc.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return tc, nil
}

func (r *Registry) greeting() *epp.EPP {
	p := r.profile
	return &epp.EPP{Greeting: &epp.Greeting{
		SvID:   "sidnfake " + p.Name,
		SvDate: r.clk.Now().UTC().Format(time.RFC3339),
		SvcMenu: epp.SvcMenu{
			Version: []string{"1.0"}, Lang: []string{"en", "nl"},
			ObjURI: p.ObjURI, ExtURI: p.ExtURI,
		},
		DCP: epp.Raw{Inner: "<access><all/></access><statement><purpose><admin/><prov/></purpose><recipient><ours/></recipient><retention><stated/></retention></statement>"},
	}}
}

func (r *Registry) serve(c net.Conn) {
	write := func(e *epp.EPP) bool {
		b, err := epp.Marshal(e)
		if err != nil {
			return false
		}
		return epp.WriteFrame(c, b) == nil
	}
	if !write(r.greeting()) {
		return
	}
	var user string
	for {
		b, err := epp.ReadFrame(c)
		if err != nil {
			return
		}
		e, err := epp.Parse(b)
		if err != nil {
			if !write(r.answer("", &epp.Response{Results: []epp.Result{{Code: 2001, Msg: "Command syntax error"}}})) {
				return
			}
			continue
		}
		if e.Hello != nil {
			if !write(r.greeting()) {
				return
			}
			continue
		}
		var trid, kind string
		switch {
		case e.Command != nil:
			trid, kind = e.Command.ClTRID, commandKind(e.Command)
		case e.Extension != nil && e.Extension.SIDNCommand != nil:
			trid, kind = e.Extension.SIDNCommand.ClTRID, "domain:cancelDelete"
		default:
			if !write(r.answer("", &epp.Response{Results: []epp.Result{{Code: 2001, Msg: "Command syntax error"}}})) {
				return
			}
			continue
		}

		r.mu.Lock()
		if d := r.drops[kind]; d != nil && d.before && d.n > 0 {
			d.n--
			r.log = append(r.log, Entry{Registrar: user, Command: kind, ClTRID: trid, Dropped: true})
			r.mu.Unlock()
			return
		}
		r.tick()
		var resp *epp.Response
		closeAfter := false
		switch {
		case e.Command != nil && e.Command.Login != nil:
			l := e.Command.Login
			if pw, ok := r.opts.Registrars[l.ClID]; ok && pw == l.PW && user == "" {
				user = l.ClID
				resp = ok1000()
			} else {
				resp = fail(2200, "Authentication error")
			}
		case user == "":
			resp = fail(2002, "Command use error: log in first")
		case e.Command != nil && e.Command.Logout != nil:
			resp = &epp.Response{Results: []epp.Result{{Code: 1500, Msg: "Command completed successfully; ending session"}}}
			closeAfter = true
		case e.Command != nil:
			resp = r.handle(user, e.Command)
		default:
			resp = r.cancelDelete(user, e.Extension.SIDNCommand)
		}
		code := resp.Results[0].Code
		dropped := false
		if code < 2000 {
			r.applied[kind]++
			if d := r.drops[kind]; d != nil && !d.before && d.n > 0 {
				d.n--
				dropped = true
			}
		}
		r.log = append(r.log, Entry{Registrar: user, Command: kind, ClTRID: trid, Code: code, Dropped: dropped})
		out := r.answer(trid, resp)
		r.mu.Unlock()
		if dropped || !write(out) || closeAfter {
			return
		}
	}
}

func (r *Registry) answer(trid string, resp *epp.Response) *epp.EPP {
	r.seq++
	resp.TrID = epp.TrID{ClTRID: trid, SvTRID: fmt.Sprintf("SIDNFAKE-%06d", r.seq)}
	return &epp.EPP{Response: resp}
}

func ok1000() *epp.Response {
	return &epp.Response{Results: []epp.Result{{Code: 1000, Msg: "Command completed successfully"}}}
}

func fail(code int, msg string) *epp.Response {
	return &epp.Response{Results: []epp.Result{{Code: code, Msg: msg}}}
}

func commandKind(c *epp.Command) string {
	obj := func(o *epp.ObjCmd) string {
		switch {
		case o == nil:
			return "?"
		case o.DomainCheck != nil, o.DomainInfo != nil, o.DomainCreate != nil, o.DomainDelete != nil,
			o.DomainRenew != nil, o.DomainUpdate != nil, o.DomainTransfer != nil:
			return "domain"
		case o.ContactCheck != nil, o.ContactInfo != nil, o.ContactCreate != nil, o.ContactUpdate != nil:
			return "contact"
		case o.HostCheck != nil, o.HostInfo != nil, o.HostCreate != nil:
			return "host"
		}
		return "?"
	}
	switch {
	case c.Login != nil:
		return "login"
	case c.Logout != nil:
		return "logout"
	case c.Check != nil:
		return obj(c.Check) + ":check"
	case c.Info != nil:
		return obj(c.Info) + ":info"
	case c.Create != nil:
		return obj(c.Create) + ":create"
	case c.Delete != nil:
		return obj(c.Delete) + ":delete"
	case c.Renew != nil:
		return obj(c.Renew) + ":renew"
	case c.Update != nil:
		return obj(c.Update) + ":update"
	case c.Transfer != nil:
		return obj(&c.Transfer.ObjCmd) + ":transfer:" + c.Transfer.Op
	case c.Poll != nil:
		return "poll:" + c.Poll.Op
	}
	return "unknown"
}
