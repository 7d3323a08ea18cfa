package notify_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// testServer is an in-process SMTP server that keeps what it receives.
type testServer struct {
	Port int
	// CA trusts the server's certificate when it speaks TLS.
	CA *x509.CertPool

	user, pass string

	mu       sync.Mutex
	msgs     []received
	rcptErr  error
	authSeen bool
}

type received struct {
	From string
	To   []string
	Data []byte
}

type serverOptions struct {
	tls        string // "none", "starttls" or "tls"
	user, pass string // require AUTH PLAIN with these when set
}

func startServer(t *testing.T, o serverOptions) *testServer {
	t.Helper()
	s := &testServer{user: o.user, pass: o.pass}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		sess := &session{srv: s}
		if s.user != "" {
			return &authSession{session: sess}, nil
		}
		return sess, nil
	}))
	srv.Domain = "mx.klant.test"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if o.tls == "starttls" || o.tls == "tls" {
		var cert tls.Certificate
		cert, s.CA = selfSigned(t)
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if o.tls == "tls" {
			l = tls.NewListener(l, srv.TLSConfig)
		}
	} else {
		// Lets the test show that the client refuses to send a password in clear text
		// even to a server that would accept it.
		srv.AllowInsecureAuth = true
	}
	s.Port = l.Addr().(*net.TCPAddr).Port
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

func (s *testServer) setRcptErr(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rcptErr = err
}

func (s *testServer) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

func (s *testServer) sawAuth() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authSeen
}

type session struct {
	srv    *testServer
	authed bool
	from   string
	to     []string
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.user != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.srv.mu.Lock()
	err := s.srv.rcptErr
	s.srv.mu.Unlock()
	if err != nil {
		return err
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	s.srv.msgs = append(s.srv.msgs, received{From: s.from, To: s.to, Data: b})
	s.srv.mu.Unlock()
	return nil
}

func (s *session) Reset() { s.from, s.to = "", nil }

func (s *session) Logout() error { return nil }

type authSession struct{ *session }

func (a *authSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (a *authSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		a.srv.mu.Lock()
		a.srv.authSeen = true
		a.srv.mu.Unlock()
		if user != a.srv.user || pass != a.srv.pass {
			return errors.New("invalid credentials")
		}
		a.authed = true
		return nil
	}), nil
}

func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mx.klant.test"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// parsedMail is a received message decoded as a mail client would show it.
type parsedMail struct {
	Header    mail.Header
	Subject   string
	From, To  *mail.Address
	Date      time.Time
	MessageID string
	Text      string
	HTML      string
}

func parseMail(t *testing.T, data []byte) parsedMail {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse mail: %v\n%s", err, data)
	}
	p := parsedMail{Header: m.Header, MessageID: m.Header.Get("Message-Id")}
	if p.Subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); err != nil {
		t.Fatalf("subject: %v", err)
	}
	if p.From, err = mail.ParseAddress(m.Header.Get("From")); err != nil {
		t.Fatalf("from: %v", err)
	}
	if p.To, err = mail.ParseAddress(m.Header.Get("To")); err != nil {
		t.Fatalf("to: %v", err)
	}
	if p.Date, err = m.Header.Date(); err != nil {
		t.Fatalf("date: %v", err)
	}
	mediaType, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("content type: %v", err)
	}
	if !strings.HasPrefix(mediaType, "multipart/") {
		p.Text = readPart(t, m.Body, m.Header.Get("Content-Transfer-Encoding"))
		return p
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		// multipart.Reader has already undone quoted-printable.
		body := readPart(t, part, "")
		switch ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type")); ct {
		case "text/plain":
			p.Text = body
		case "text/html":
			p.HTML = body
		}
	}
	return p
}

func readPart(t *testing.T, r io.Reader, cte string) string {
	t.Helper()
	if strings.EqualFold(cte, "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}
