package inbound

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Listener takes mail from the provider's mail server over SMTP or LMTP (RFC 2033).
// It accepts a recipient only when the Router has a handler for it, refuses a message
// over the size limit (552), and answers 451 when a handler fails, so the mail server
// keeps the message and offers it again; de-duplication makes the second offer safe.
type Listener struct {
	Receiver *Receiver
	LMTP     bool
	Domain   string // the name it greets with

	// mu guards server and closed: Close may come from another goroutine before or
	// while Serve starts.
	mu     sync.Mutex
	server *smtp.Server
	closed bool
}

// Serve accepts connections on l until Close. Bind l to loopback or a private
// interface: the listener trusts whoever delivers to it (no AUTH), as a mail server's
// own transport does.
func (ln *Listener) Serve(l net.Listener) error {
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{ln: ln}, nil
	}))
	s.LMTP = ln.LMTP
	s.Domain = ln.Domain
	if s.Domain == "" {
		s.Domain = "hostpact"
	}
	max := ln.Receiver.Limits.MaxMessage
	if max <= 0 {
		max = DefaultLimits.MaxMessage
	}
	s.MaxMessageBytes = max
	s.MaxRecipients = 50
	s.ReadTimeout = 5 * time.Minute
	s.WriteTimeout = time.Minute
	ln.mu.Lock()
	if ln.closed {
		ln.mu.Unlock()
		return l.Close()
	}
	ln.server = s
	ln.mu.Unlock()
	err := s.Serve(l)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops the listener.
func (ln *Listener) Close() error {
	ln.mu.Lock()
	defer ln.mu.Unlock()
	ln.closed = true
	if ln.server == nil {
		return nil
	}
	return ln.server.Close()
}

type session struct {
	ln   *Listener
	rcpt []string
}

func (s *session) Reset()        { s.rcpt = nil }
func (s *session) Logout() error { return nil }
func (s *session) Mail(string, *smtp.MailOptions) error {
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !s.ln.Receiver.Router.Accepts(to) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox here"}
	}
	s.rcpt = append(s.rcpt, strings.ToLower(to))
	return nil
}

func (s *session) read(r io.Reader) ([]byte, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, err // the server turns ErrDataTooLarge into its 552
	}
	return raw, nil
}

// Data handles the message for every recipient; one failure asks for the whole message
// again (SMTP has one answer per message), and the recipients already handled drop the
// second copy as a duplicate.
func (s *session) Data(r io.Reader) error {
	raw, err := s.read(r)
	if err != nil {
		return err
	}
	for _, to := range s.rcpt {
		if err := s.deliver(to, raw); err != nil {
			return err
		}
	}
	return nil
}

// LMTPData answers per recipient, as LMTP allows.
func (s *session) LMTPData(r io.Reader, status smtp.StatusCollector) error {
	raw, err := s.read(r)
	if err != nil {
		return err
	}
	for _, to := range s.rcpt {
		status.SetStatus(to, s.deliver(to, raw))
	}
	return nil
}

func (s *session) deliver(to string, raw []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, _, err := s.ln.Receiver.Receive(ctx, to, bytes.Clone(raw))
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrTooLarge):
		return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4}, Message: "Message too large"}
	case errors.Is(err, ErrNotMail):
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Not a mail message"}
	case errors.Is(err, ErrNoHandler):
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox here"}
	default:
		s.ln.Receiver.log().Warn("inbound: delivery deferred", "recipient", to, "err", err)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure, try again later"}
	}
}
