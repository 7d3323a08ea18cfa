// Package inbound receives the provider's mail: support@, abuse@, security@ and the
// replies to what hostpact sent. Mail arrives two ways, by delivery to an LMTP/SMTP
// listener that the provider's mail server forwards to, and by polling an IMAP mailbox;
// both hand the raw message to Receive, which parses it once, drops what it has seen
// (by Message-ID), recognises automatic mail, and passes it to the Handler registered
// for the address it was sent to.
//
// Domain packages (support, abuse, disclosure, privacy) register a Handler; none of them
// parses MIME or speaks a mail protocol.
package inbound

import (
	"context"
	"net/mail"
	"time"
)

// Message is a received mail, parsed. Text is the plain body (converted from HTML when
// the mail had none); Raw is the message as received, kept as evidence by handlers that
// need it (an abuse report's headers).
type Message struct {
	MessageID  string   // without angle brackets; generated from the content when missing
	InReplyTo  []string // message ids, without angle brackets
	References []string
	From       mail.Address
	ReplyTo    []mail.Address
	To         []mail.Address // To and Cc
	Recipient  string         // the envelope address it was delivered to (lower case), or the mailbox's
	Subject    string
	Date       time.Time
	Text       string
	HTML       string
	Header     mail.Header
	Parts      []Part // attachments and every non-body part (an ARF report's machine part)
	Raw        []byte

	// Automatic is set for mail no person wrote: Auto-Submitted other than "no",
	// Precedence bulk/junk/list, X-Autoreply, List-Id, a null or mailer-daemon sender,
	// a delivery status report. Handlers record it but never answer it, so two robots
	// cannot mail each other forever.
	Automatic bool
	// AutomaticWhy names the header that made the message automatic ("Auto-Submitted:
	// auto-replied"), for the record a handler keeps.
	AutomaticWhy string

	// Omitted names the attachments left out because they were over the part size
	// limit; a handler tells the sender rather than losing them silently.
	Omitted []string
}

// Part is one attachment or machine-readable part.
type Part struct {
	Filename    string
	ContentType string // media type without parameters, lower case
	Data        []byte
}

// Handler takes a message for one address. Returning an error leaves the message to be
// offered again (the listener answers with a temporary failure; the poller leaves it
// unseen); a message it cannot use it records and returns nil.
type Handler interface {
	HandleMail(ctx context.Context, m *Message) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, m *Message) error

// HandleMail calls f.
func (f HandlerFunc) HandleMail(ctx context.Context, m *Message) error { return f(ctx, m) }
