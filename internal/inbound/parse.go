package inbound

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	netmail "net/mail"
	"net/textproto"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message"
	// Registers the charsets of golang.org/x/text (ISO-8859-x, Windows-125x, Shift-JIS,
	// …) with go-message, so a body in any of them arrives as UTF-8.
	_ "github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/mail"
)

// Limits bound what one message may cost.
type Limits struct {
	// MaxMessage is the size of a whole message; the listener refuses more (552) and the
	// parser refuses it too.
	MaxMessage int64
	// MaxPart is the size of one attachment; a larger one is left out and named in
	// Message.Omitted.
	MaxPart int64
	// MaxParts bounds the number of parts read; a message with more is cut off there.
	MaxParts int
}

// DefaultLimits are 25 MB a message (what most providers accept), 10 MB an attachment
// and 100 parts.
var DefaultLimits = Limits{MaxMessage: 25 << 20, MaxPart: 10 << 20, MaxParts: 100}

// ErrTooLarge is a message over Limits.MaxMessage.
var ErrTooLarge = errors.New("inbound: message too large")

// ErrNotMail is input that has no header a mail has (no From, no Date, no Message-ID
// and no Subject): a handler is never asked to make sense of it.
var ErrNotMail = errors.New("inbound: not a mail message")

// Parse reads one RFC 5322 message. It is lenient where mail in the wild is (an
// unknown charset, a missing Message-ID, a broken address list) and strict about size.
// It never fails on content it could read a part of: a broken part ends the walk and
// keeps what came before it.
func Parse(raw []byte, lim Limits) (*Message, error) {
	if lim.MaxMessage <= 0 {
		lim = DefaultLimits
	}
	if int64(len(raw)) > lim.MaxMessage {
		return nil, ErrTooLarge
	}
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil && !message.IsUnknownCharset(err) {
		return nil, fmt.Errorf("inbound: parse: %w", err)
	}
	h := mr.Header
	m := &Message{Raw: raw, Header: netmail.Header{}}
	fields := h.Fields()
	for fields.Next() {
		v, err := fields.Text()
		if err != nil {
			v = fields.Value()
		}
		k := textproto.CanonicalMIMEHeaderKey(fields.Key())
		m.Header[k] = append(m.Header[k], clean(v))
	}
	if len(m.Header) == 0 {
		return nil, ErrNotMail
	}
	m.MessageID, _ = h.MessageID()
	m.InReplyTo, _ = h.MsgIDList("In-Reply-To")
	m.References, _ = h.MsgIDList("References")
	if from := addresses(h, "From"); len(from) > 0 {
		m.From = from[0]
	} else if s := addresses(h, "Sender"); len(s) > 0 {
		m.From = s[0]
	}
	m.ReplyTo = addresses(h, "Reply-To")
	m.To = append(addresses(h, "To"), addresses(h, "Cc")...)
	if s, err := h.Subject(); err == nil {
		m.Subject = clean(s)
	} else {
		m.Subject = clean(h.Get("Subject"))
	}
	m.Date, _ = h.Date()
	if m.From.Address == "" && m.Date.IsZero() && m.MessageID == "" && m.Subject == "" {
		return nil, ErrNotMail
	}
	if m.MessageID == "" {
		// A stable stand-in: the same bytes offered twice get the same id and are
		// dropped the second time.
		sum := sha256.Sum256(raw)
		m.MessageID = "sha256." + hex.EncodeToString(sum[:16]) + "@hostpact.invalid"
	}

	for n := 0; n < lim.MaxParts; n++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil && !message.IsUnknownCharset(err) {
			break
		}
		if p == nil {
			break
		}
		ct, params, _ := p.Header.(interface {
			ContentType() (string, map[string]string, error)
		}).ContentType()
		ct = strings.ToLower(ct)
		if ct == "" {
			ct = "text/plain"
		}
		filename := ""
		attachment := false
		if ah, ok := p.Header.(*mail.AttachmentHeader); ok {
			attachment = true
			filename, _ = ah.Filename()
		}
		if filename == "" && params["name"] != "" {
			filename = params["name"]
		}
		body := !attachment && filename == "" && (ct == "text/plain" || ct == "text/html")
		limit := lim.MaxPart
		if body {
			// The text itself is bounded by the message limit, not the attachment one.
			limit = lim.MaxMessage
		}
		data, err := io.ReadAll(io.LimitReader(p.Body, limit+1))
		if err != nil && len(data) == 0 {
			continue
		}
		if int64(len(data)) > limit {
			m.Omitted = append(m.Omitted, nameOr(filename, ct))
			continue
		}
		switch {
		case !attachment && ct == "text/plain" && filename == "":
			if m.Text != "" {
				m.Text += "\n\n"
			}
			m.Text += clean(string(data))
		case !attachment && ct == "text/html" && filename == "" && m.HTML == "":
			m.HTML = clean(string(data))
		default:
			m.Parts = append(m.Parts, Part{Filename: filename, ContentType: ct, Data: data})
		}
	}
	if strings.TrimSpace(m.Text) == "" && m.HTML != "" {
		m.Text = HTMLToText(m.HTML)
	}
	m.Text = strings.TrimSpace(strings.ReplaceAll(m.Text, "\r\n", "\n"))
	m.Automatic, m.AutomaticWhy = automatic(m)
	return m, nil
}

// addresses reads an address list, leniently: a list that does not parse as a whole
// is read one comma-separated entry at a time, keeping those that do.
func addresses(h mail.Header, key string) []netmail.Address {
	var out []netmail.Address
	list, err := h.AddressList(key)
	if err == nil {
		for _, a := range list {
			out = append(out, netmail.Address{Name: clean(a.Name), Address: strings.ToLower(a.Address)})
		}
		return out
	}
	for _, s := range strings.Split(h.Get(key), ",") {
		if a, err := netmail.ParseAddress(strings.TrimSpace(s)); err == nil {
			out = append(out, netmail.Address{Name: clean(a.Name), Address: strings.ToLower(a.Address)})
		}
	}
	return out
}

// clean makes s valid UTF-8 without NUL bytes, which neither database stores.
func clean(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.ReplaceAll(s, "\x00", "")
}

func nameOr(name, ct string) string {
	if name != "" {
		return name
	}
	return ct
}
