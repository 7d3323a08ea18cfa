package inbound

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"

	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
)

// Mailbox is an IMAP mailbox the poll job reads for one address.
type Mailbox struct {
	ID       int64
	Address  string // the address its mail was sent to: the Router's key
	Host     string
	Port     int
	Username string
	TLS      string // "tls" (implicit, 993), "starttls" or "none" (loopback only)
	Folder   string
	Enabled  bool
	LastPoll *time.Time
	LastErr  string
}

func mailboxBinding(address string) string { return "imap:" + strings.ToLower(address) }

// SaveMailbox stores mb with its password sealed by keys (bound to the address, so a
// sealed password moved to another row does not open). An existing mailbox of the same
// address is replaced.
func SaveMailbox(ctx context.Context, q store.Querier, keys *secrets.Keyring, mb Mailbox, password string) (int64, error) {
	mb.Address = strings.ToLower(strings.TrimSpace(mb.Address))
	if mb.Address == "" || mb.Host == "" || mb.Port <= 0 || mb.Port > 65535 || mb.Username == "" {
		return 0, errors.New("inbound: a mailbox needs an address, host, port and username")
	}
	switch mb.TLS {
	case "tls", "starttls", "none":
	case "":
		mb.TLS = "starttls"
	default:
		return 0, fmt.Errorf("inbound: TLS mode %q: want tls, starttls or none", mb.TLS)
	}
	if mb.Folder == "" {
		mb.Folder = "INBOX"
	}
	sealed, err := keys.SealString(secrets.PurposeCredential, mailboxBinding(mb.Address), password)
	if err != nil {
		return 0, err
	}
	var id int64
	err = q.QueryRowContext(ctx, `INSERT INTO inbound_mailboxes (address, host, port, username, password_sealed, tls, folder, enabled)
		VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE)
		ON CONFLICT (address) DO UPDATE SET host = excluded.host, port = excluded.port, username = excluded.username,
			password_sealed = excluded.password_sealed, tls = excluded.tls, folder = excluded.folder, enabled = TRUE
		RETURNING id`, mb.Address, mb.Host, mb.Port, mb.Username, string(sealed), mb.TLS, mb.Folder).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("inbound: save mailbox: %w", err)
	}
	return id, nil
}

// Mailboxes lists the configured mailboxes, without passwords.
func Mailboxes(ctx context.Context, q store.Querier) ([]Mailbox, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, address, host, port, username, tls, folder, enabled, last_polled_at, last_error FROM inbound_mailboxes ORDER BY address`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Mailbox
	for rows.Next() {
		var mb Mailbox
		if err := rows.Scan(&mb.ID, &mb.Address, &mb.Host, &mb.Port, &mb.Username, &mb.TLS, &mb.Folder, &mb.Enabled, &mb.LastPoll, &mb.LastErr); err != nil {
			return nil, err
		}
		out = append(out, mb)
	}
	return out, rows.Err()
}

// Poller reads unseen mail from the configured mailboxes.
type Poller struct {
	Receiver *Receiver
	Keys     *secrets.Keyring
	// Batch bounds the messages read from one mailbox per run.
	Batch int
}

// Job is inbound.poll: every minute, each enabled mailbox. A message is flagged \Seen
// only after Receive recorded it; a run killed in between reads it again next time and
// the de-duplication drops it. A message that fails in its handler stays unseen and is
// tried again on the next run.
func (p *Poller) Job() jobs.Job {
	return jobs.Job{Name: "inbound.poll", Every: time.Minute, Run: func(ctx context.Context, _ time.Time) error {
		_, err := p.PollAll(ctx)
		return err
	}}
}

// PollAll polls every enabled mailbox and returns how many messages it handled (new or
// duplicate). A mailbox that fails records its error and does not stop the others.
func (p *Poller) PollAll(ctx context.Context) (int, error) {
	db := p.Receiver.DB
	rows, err := db.QueryContext(ctx, `SELECT id, address, host, port, username, password_sealed, tls, folder FROM inbound_mailboxes WHERE enabled ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("inbound: mailboxes: %w", err)
	}
	type box struct {
		Mailbox
		sealed string
	}
	var boxes []box
	for rows.Next() {
		var b box
		if err := rows.Scan(&b.ID, &b.Address, &b.Host, &b.Port, &b.Username, &b.sealed, &b.TLS, &b.Folder); err != nil {
			rows.Close()
			return 0, err
		}
		boxes = append(boxes, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	total := 0
	var firstErr error
	for _, b := range boxes {
		password, err := p.Keys.OpenString(secrets.PurposeCredential, mailboxBinding(b.Address), secrets.Sealed(b.sealed))
		var n int
		if err == nil {
			n, err = p.Poll(ctx, b.Mailbox, password)
		}
		total += n
		msg := ""
		if err != nil {
			msg = err.Error()
			if firstErr == nil {
				firstErr = err
			}
		}
		if _, uerr := db.ExecContext(ctx, `UPDATE inbound_mailboxes SET last_polled_at = $1, last_error = $2 WHERE id = $3`,
			store.Now(p.Receiver.Clock.Now()), msg, b.ID); uerr != nil && firstErr == nil {
			firstErr = uerr
		}
	}
	return total, firstErr
}

// Poll reads the unseen messages of one mailbox.
func (p *Poller) Poll(ctx context.Context, mb Mailbox, password string) (int, error) {
	addr := net.JoinHostPort(mb.Host, strconv.Itoa(mb.Port))
	dialer := &net.Dialer{Timeout: 30 * time.Second}
	var c *client.Client
	var err error
	tlsConf := &tls.Config{ServerName: mb.Host, MinVersion: tls.VersionTLS12}
	switch mb.TLS {
	case "tls":
		c, err = client.DialWithDialerTLS(dialer, addr, tlsConf)
	default:
		c, err = client.DialWithDialer(dialer, addr)
		if err == nil && mb.TLS != "none" {
			err = c.StartTLS(tlsConf)
		}
	}
	if err != nil {
		return 0, fmt.Errorf("inbound: imap %s: %w", addr, err)
	}
	defer func() { _ = c.Logout() }()
	c.Timeout = 2 * time.Minute
	if err := c.Login(mb.Username, password); err != nil {
		return 0, fmt.Errorf("inbound: imap login %s: %w", mb.Username, err)
	}
	if _, err := c.Select(mb.Folder, false); err != nil {
		return 0, fmt.Errorf("inbound: imap select %s: %w", mb.Folder, err)
	}
	crit := imap.NewSearchCriteria()
	crit.WithoutFlags = []string{imap.SeenFlag}
	uids, err := c.UidSearch(crit)
	if err != nil {
		return 0, fmt.Errorf("inbound: imap search: %w", err)
	}
	batch := p.Batch
	if batch <= 0 {
		batch = 200
	}
	if len(uids) > batch {
		uids = uids[:batch]
	}
	n := 0
	section := &imap.BodySectionName{Peek: true}
	for _, uid := range uids {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		set := new(imap.SeqSet)
		set.AddNum(uid)
		ch := make(chan *imap.Message, 1)
		done := make(chan error, 1)
		go func() { done <- c.UidFetch(set, []imap.FetchItem{section.FetchItem()}, ch) }()
		var raw []byte
		for msg := range ch {
			if r := msg.GetBody(section); r != nil {
				raw, _ = io.ReadAll(r)
			}
		}
		if err := <-done; err != nil {
			return n, fmt.Errorf("inbound: imap fetch %d: %w", uid, err)
		}
		_, _, err := p.Receiver.Receive(ctx, mb.Address, raw)
		if err != nil && !errors.Is(err, ErrNotMail) && !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrNoHandler) {
			// Left unseen: offered again next run.
			return n, err
		}
		if err := c.UidStore(set, imap.FormatFlagsOp(imap.AddFlags, true), []interface{}{imap.SeenFlag}, nil); err != nil {
			return n, fmt.Errorf("inbound: imap flag %d: %w", uid, err)
		}
		n++
	}
	return n, nil
}
