package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	"golang.org/x/net/idna"

	"github.com/hostpact/hostpact/internal/clock"
)

// Outgoing is an outbox entry claimed for delivery.
type Outgoing struct {
	ID int64
	Message
	CreatedAt time.Time
	Attempts  int // failed attempts before this one
}

// Deliverer hands mail to the outside world. Deliver returns one error per message of
// batch, nil for each message that was accepted; an error that wraps ctx's error means
// the message was not tried, and it is put back without counting an attempt.
type Deliverer interface {
	Deliver(ctx context.Context, now time.Time, batch []Outgoing) []error
}

// SMTPConfig is how hostpact reaches its mail server.
type SMTPConfig struct {
	Host     string
	Port     int // 0: 25, 587 or 465 by TLS
	Username string
	Password string
	From     string // the envelope and header sender, e.g. noreply@provider.example
	FromName string
	TLS      string // "none", "starttls" (default) or "tls" (implicit, usually port 465)
}

// Validate reports a configuration that cannot send, so that main can refuse to start
// instead of letting every mail fail eight times.
func (c SMTPConfig) Validate() error {
	if c.Host == "" {
		return errors.New("notify: SMTP host is empty")
	}
	switch c.TLS {
	case "", "none", "starttls", "tls":
	default:
		return fmt.Errorf("notify: SMTP TLS mode %q: want none, starttls or tls", c.TLS)
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("notify: SMTP port %d out of range", c.Port)
	}
	if c.Password != "" && c.Username == "" {
		return errors.New("notify: SMTP password set without a username")
	}
	if a, err := mail.ParseAddress(c.From); err != nil || a.Name != "" {
		return fmt.Errorf("notify: SMTP from address %q must be a bare e-mail address", c.From)
	}
	if strings.ContainsAny(c.FromName, "\r\n") {
		return errors.New("notify: SMTP from name must be one line")
	}
	return nil
}

// LogValue keeps the password out of every log line that includes the configuration.
func (c SMTPConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", c.Host), slog.Int("port", c.port()), slog.String("tls", c.tlsMode()),
		slog.String("username", c.Username), slog.Bool("password_set", c.Password != ""),
		slog.String("from", c.From),
	)
}

func (c SMTPConfig) tlsMode() string {
	if c.TLS == "" {
		return "starttls"
	}
	return c.TLS
}

func (c SMTPConfig) port() int {
	if c.Port != 0 {
		return c.Port
	}
	switch c.tlsMode() {
	case "tls":
		return 465
	case "starttls":
		return 587
	}
	return 25
}

// SMTPDeliverer sends over SMTP with go-mail, one connection per batch.
type SMTPDeliverer struct {
	cfg       SMTPConfig
	domain    string
	tlsConfig *tls.Config // nil: system roots; tests put their own CA here
}

// NewSMTPDeliverer returns a deliverer for cfg, or cfg's validation error.
func NewSMTPDeliverer(cfg SMTPConfig) (*SMTPDeliverer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	_, domain, _ := strings.Cut(cfg.From, "@")
	return &SMTPDeliverer{cfg: cfg, domain: domain}, nil
}

const smtpTimeout = 30 * time.Second

func (d *SMTPDeliverer) client() (*gomail.Client, error) {
	tlsConf := d.tlsConfig
	if tlsConf == nil {
		tlsConf = &tls.Config{}
	}
	tlsConf = tlsConf.Clone()
	tlsConf.ServerName = d.cfg.Host
	tlsConf.MinVersion = tls.VersionTLS12
	opts := []gomail.Option{
		gomail.WithPort(d.cfg.port()),
		gomail.WithTimeout(smtpTimeout),
		gomail.WithTLSConfig(tlsConf),
	}
	switch d.cfg.tlsMode() {
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case "starttls":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case "tls":
		opts = append(opts, gomail.WithSSL())
	}
	if d.cfg.Username != "" {
		// Auto-discovery never picks PLAIN or LOGIN on an unencrypted connection, so the
		// password cannot leave in clear text whatever the TLS mode says.
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(d.cfg.Username), gomail.WithPassword(d.cfg.Password))
	}
	return gomail.NewClient(d.cfg.Host, opts...)
}

// Deliver sends batch over one connection.
func (d *SMTPDeliverer) Deliver(ctx context.Context, now time.Time, batch []Outgoing) []error {
	errs := make([]error, len(batch))
	msgs := make([]*gomail.Msg, len(batch))
	for i, o := range batch {
		msgs[i], errs[i] = d.message(o, now)
	}
	failAll := func(err error) []error {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
		return errs
	}
	client, err := d.client()
	if err != nil {
		return failAll(d.scrub(fmt.Errorf("smtp client: %w", err)))
	}
	conn, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return failAll(ctx.Err())
		}
		return failAll(d.scrub(fmt.Errorf("smtp connect %s:%d: %w", d.cfg.Host, d.cfg.port(), err)))
	}
	defer func() { _ = client.CloseWithSMTPClient(conn) }()
	for i, m := range msgs {
		if errs[i] != nil {
			continue
		}
		if ctx.Err() != nil {
			errs[i] = ctx.Err()
			continue
		}
		err := client.SendWithSMTPClient(conn, m)
		if err != nil && m.IsDelivered() {
			// The server accepted the message and only the RSET after it failed;
			// reporting an error would send the mail a second time.
			err = nil
		}
		errs[i] = d.scrub(err)
	}
	return errs
}

// scrub removes the password from err's text. go-mail does not put it in errors, but an
// error is stored in the outbox and shown to staff, so this does not rely on that.
// Very short passwords are left alone: replacing them would garble every message.
func (d *SMTPDeliverer) scrub(err error) error {
	if err == nil || len(d.cfg.Password) < 4 || !strings.Contains(err.Error(), d.cfg.Password) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), d.cfg.Password, "[redacted]"))
}

// ASCIIDomain writes an internationalised domain in its punycode form (IDNA 2008,
// UTS #46 lookup profile), which every mail server accepts; the local part is left as
// it was stored. Addresses were checked when saved, so a domain that does not convert
// is passed on for the server to refuse with its own message.
func ASCIIDomain(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return addr
	}
	ascii, err := idna.Lookup.ToASCII(addr[at+1:])
	if err != nil {
		return addr
	}
	return addr[:at+1] + ascii
}

func (d *SMTPDeliverer) message(o Outgoing, now time.Time) (*gomail.Msg, error) {
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := m.FromFormat(d.cfg.FromName, d.cfg.From); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if err := m.AddToFormat(o.ToName, ASCIIDomain(o.To)); err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	m.Subject(o.Subject)
	m.SetDateWithValue(now.In(clock.Amsterdam))
	if o.Thread.MessageID != "" {
		m.SetMessageIDWithValue(o.Thread.MessageID)
	} else {
		m.SetMessageIDWithValue(messageID(o, d.domain))
	}
	if o.Thread.InReplyTo != "" {
		m.SetGenHeader(gomail.Header("In-Reply-To"), "<"+o.Thread.InReplyTo+">")
	}
	if len(o.Thread.References) > 0 {
		m.SetGenHeader(gomail.Header("References"), "<"+strings.Join(o.Thread.References, "> <")+">")
	}
	if o.Thread.ReplyTo != "" {
		if err := m.ReplyTo(o.Thread.ReplyTo); err != nil {
			return nil, fmt.Errorf("reply-to: %w", err)
		}
	}
	m.SetGenHeader(gomail.HeaderContentLang, o.Lang)
	// RFC 3834: out-of-office replies and autoresponders must not answer this mail.
	if !o.Thread.ByPerson {
		m.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	}
	if o.ListUnsubscribe != "" {
		// The one-click URL first (RFC 8058), then the mailto: stored after it.
		m.SetGenHeader(gomail.Header("List-Unsubscribe"), "<"+strings.Join(strings.Fields(o.ListUnsubscribe), ">, <")+">")
		m.SetGenHeader(gomail.Header("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click")
	}
	m.SetBodyString(gomail.TypeTextPlain, o.Text)
	if o.HTML != "" {
		m.AddAlternativeString(gomail.TypeTextHTML, o.HTML)
	}
	return m, nil
}

// messageID is derived from the outbox row, not random: should a mail be sent twice
// (the server accepted it, then this instance died before recording that), both copies
// carry the same Message-ID, which mail clients use to drop the duplicate, and a bounce
// names the outbox row it belongs to. The creation time keeps ids apart across
// databases that reuse row ids, such as a demo that was reset.
func messageID(o Outgoing, domain string) string {
	return fmt.Sprintf("outbox.%d.%d@%s", o.ID, o.CreatedAt.Unix(), domain)
}

// LogDeliverer stands in for SMTP in demo mode, when no mail server is configured: it
// accepts every message and logs only its recipient and subject, never its body, which
// may hold a password-reset link.
type LogDeliverer struct {
	Logger *slog.Logger
}

// Deliver logs each message and reports it delivered.
func (l LogDeliverer) Deliver(_ context.Context, _ time.Time, batch []Outgoing) []error {
	logger := l.Logger
	if logger == nil {
		logger = slog.Default()
	}
	for _, o := range batch {
		logger.Info("mail not sent (no SMTP host configured)", "id", o.ID, "to", o.To, "subject", o.Subject)
	}
	return make([]error, len(batch))
}

// brokenDeliverer fails every message with the configuration error that keeps SMTP from
// working, so that the outbox shows why mail does not go out.
type brokenDeliverer struct{ err error }

func (b brokenDeliverer) Deliver(_ context.Context, _ time.Time, batch []Outgoing) []error {
	errs := make([]error, len(batch))
	for i := range errs {
		errs[i] = b.err
	}
	return errs
}
