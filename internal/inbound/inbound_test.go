package inbound_test

import (
	"context"
	"errors"
	"net"
	"net/smtp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/inbound"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

const latin1 = "From: =?iso-8859-1?q?J=F6rg_Mei=DFner?= <Jorg@Example.NL>\r\n" +
	"To: support@provider.test\r\n" +
	"Subject: =?iso-8859-1?q?Storing_op_caf=E9?=\r\n" +
	"Message-ID: <abc@example.nl>\r\n" +
	"In-Reply-To: <outbox.7.1700000000@provider.test>\r\n" +
	"References: <first@example.nl> <outbox.7.1700000000@provider.test>\r\n" +
	"Date: Mon, 21 Dec 2026 10:00:00 +0100\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=XX\r\n\r\n" +
	"--XX\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nDe website van het caf=E9 is traag.\r\n" +
	"--XX\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=\"scherm.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n" +
	"--XX\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"big.bin\"\r\n\r\n" + "0123456789012345678901234567890123456789\r\n" +
	"--XX--\r\n"

func TestParseCharsetThreadingAttachments(t *testing.T) {
	t.Parallel()
	m, err := inbound.Parse([]byte(latin1), inbound.Limits{MaxMessage: 1 << 20, MaxPart: 20, MaxParts: 10})
	if err != nil {
		t.Fatal(err)
	}
	if m.From.Address != "jorg@example.nl" || m.From.Name != "Jörg Meißner" {
		t.Errorf("from %+v", m.From)
	}
	if m.Subject != "Storing op café" || m.Text != "De website van het café is traag." {
		t.Errorf("subject %q text %q", m.Subject, m.Text)
	}
	if m.MessageID != "abc@example.nl" || len(m.InReplyTo) != 1 || m.InReplyTo[0] != "outbox.7.1700000000@provider.test" || len(m.References) != 2 {
		t.Errorf("ids %q %q %q", m.MessageID, m.InReplyTo, m.References)
	}
	if len(m.Parts) != 1 || m.Parts[0].Filename != "scherm.png" || m.Parts[0].ContentType != "image/png" {
		t.Errorf("parts %+v", m.Parts)
	}
	if len(m.Omitted) != 1 || m.Omitted[0] != "big.bin" {
		t.Errorf("omitted %q: the 42-byte attachment is over the 20-byte limit", m.Omitted)
	}
	if m.Automatic {
		t.Errorf("a person's mail marked automatic: %s", m.AutomaticWhy)
	}
}

func TestParseHTMLOnly(t *testing.T) {
	t.Parallel()
	raw := "From: a@b.nl\r\nSubject: html\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><head><style>p{}</style></head><body><p>Hallo,</p><p>zie <a href=\"https://example.nl/x\">hier</a>.</p><script>x()</script></body></html>"
	m, err := inbound.Parse([]byte(raw), inbound.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if m.Text != "Hallo,\n\nzie hier <https://example.nl/x>." {
		t.Errorf("text %q", m.Text)
	}
	if !strings.HasPrefix(m.MessageID, "sha256.") {
		t.Errorf("no stand-in id: %q", m.MessageID)
	}
}

func TestAutomaticMail(t *testing.T) {
	t.Parallel()
	base := "From: Klant <klant@example.nl>\r\nTo: support@provider.test\r\nSubject: Re: x\r\n"
	cases := map[string]string{
		"auto-replied":  base + "Auto-Submitted: auto-replied\r\n\r\nIk ben op vakantie.",
		"precedence":    base + "Precedence: bulk\r\n\r\nnieuwsbrief",
		"x-autoreply":   base + "X-Autoreply: yes\r\n\r\nafwezig",
		"list":          base + "List-Id: <users.lists.example.nl>\r\n\r\nlijst",
		"mailer-daemon": "From: MAILER-DAEMON@mx.example.nl\r\nSubject: Undelivered\r\n\r\nbounce",
		"null sender":   "Return-Path: <>\r\n" + base + "\r\nbounce",
		"dsn":           "From: mx@example.nl\r\nSubject: failure\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n--b--\r\n",
	}
	for name, raw := range cases {
		m, err := inbound.Parse([]byte(raw), inbound.DefaultLimits)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !m.Automatic {
			t.Errorf("%s: not recognised as automatic", name)
		}
	}
	m, _ := inbound.Parse([]byte(base+"Auto-Submitted: no\r\n\r\nhallo"), inbound.DefaultLimits)
	if m.Automatic {
		t.Error("Auto-Submitted: no is a person's mail")
	}
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	if _, err := inbound.Parse([]byte("no header here"), inbound.DefaultLimits); err == nil {
		t.Error("text without a header parsed as mail")
	}
	if _, err := inbound.Parse([]byte(latin1), inbound.Limits{MaxMessage: 100, MaxPart: 10, MaxParts: 1}); !errors.Is(err, inbound.ErrTooLarge) {
		t.Errorf("over the limit: %v", err)
	}
}

type recorder struct {
	mu   sync.Mutex
	got  []*inbound.Message
	fail error
}

func (r *recorder) HandleMail(_ context.Context, m *inbound.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.got = append(r.got, m)
	return nil
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

func TestReceiveDeduplicatesAndRoutes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		support, abuse := &recorder{}, &recorder{}
		rt := inbound.NewRouter()
		rt.Handle("Support@Provider.test", support)
		rt.Handle("abuse@provider.test", abuse)
		rc := &inbound.Receiver{DB: db, Clock: clock.NewFake(time.Date(2026, 12, 21, 9, 0, 0, 0, time.UTC)), Router: rt}
		if _, out, err := rc.Receive(ctx, "support@provider.test", []byte(latin1)); err != nil || out != inbound.Handled {
			t.Fatal(out, err)
		}
		if _, out, err := rc.Receive(ctx, "SUPPORT@provider.test", []byte(latin1)); err != nil || out != inbound.Duplicate {
			t.Fatalf("second copy: %v %v", out, err)
		}
		// The same mail to another desk is not a duplicate there.
		if _, out, err := rc.Receive(ctx, "abuse@provider.test", []byte(latin1)); err != nil || out != inbound.Handled {
			t.Fatal(out, err)
		}
		if support.count() != 1 || abuse.count() != 1 {
			t.Errorf("support %d abuse %d", support.count(), abuse.count())
		}
		if _, _, err := rc.Receive(ctx, "sales@provider.test", []byte(latin1)); !errors.Is(err, inbound.ErrNoHandler) {
			t.Errorf("unrouted: %v", err)
		}
		// A failing handler leaves the message unseen: offered again, it is handled.
		failing := &recorder{fail: errors.New("database away")}
		rt.Handle("security@provider.test", failing)
		if _, _, err := rc.Receive(ctx, "security@provider.test", []byte(latin1)); err == nil {
			t.Fatal("handler error swallowed")
		}
		failing.mu.Lock()
		failing.fail = nil
		failing.mu.Unlock()
		if _, out, err := rc.Receive(ctx, "security@provider.test", []byte(latin1)); err != nil || out != inbound.Handled || failing.count() != 1 {
			t.Fatalf("retry: %v %v %d", out, err, failing.count())
		}
		// Mail from hostpact's own address is a loop.
		own := "From: support@provider.test\r\nTo: support@provider.test\r\nSubject: Re: [#T-1]\r\nMessage-ID: <loop@x>\r\n\r\nloop"
		m, _, err := rc.Receive(ctx, "support@provider.test", []byte(own))
		if err != nil || !m.Automatic {
			t.Errorf("own address not a loop: %v %+v", err, m)
		}
	}, inbound.Schema)
}

func TestListenerSMTPAndLMTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, lmtp := range []bool{false, true} {
			rec := &recorder{}
			rt := inbound.NewRouter()
			rt.Handle("support@provider.test", rec)
			rc := &inbound.Receiver{DB: db, Clock: clock.Real{}, Router: rt, Limits: inbound.Limits{MaxMessage: 4096, MaxPart: 1024, MaxParts: 10}}
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ln := &inbound.Listener{Receiver: rc, LMTP: lmtp}
			go func() { _ = ln.Serve(l) }()
			t.Cleanup(func() { _ = ln.Close() })
			if lmtp {
				// net/smtp speaks no LMTP; the Postfix test in support delivers over it.
				continue
			}
			addr := l.Addr().String()
			msg := "From: klant@example.nl\r\nTo: support@provider.test\r\nSubject: hallo\r\nMessage-ID: <l1@example.nl>\r\n\r\nHallo."
			if err := smtp.SendMail(addr, nil, "klant@example.nl", []string{"support@provider.test"}, []byte(msg)); err != nil {
				t.Fatal(err)
			}
			if rec.count() != 1 {
				t.Fatalf("handled %d", rec.count())
			}
			err = smtp.SendMail(addr, nil, "klant@example.nl", []string{"nobody@provider.test"}, []byte(msg))
			if err == nil || !strings.Contains(err.Error(), "550") {
				t.Errorf("unknown recipient: %v", err)
			}
			err = smtp.SendMail(addr, nil, "klant@example.nl", []string{"support@provider.test"}, []byte(msg+strings.Repeat("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n", 120)))
			if err == nil || !strings.Contains(err.Error(), "552") {
				t.Errorf("too large: %v", err)
			}
			rec.mu.Lock()
			rec.fail = errors.New("down")
			rec.mu.Unlock()
			msg2 := strings.Replace(msg, "l1@", "l2@", 1)
			err = smtp.SendMail(addr, nil, "klant@example.nl", []string{"support@provider.test"}, []byte(msg2))
			if err == nil || !strings.Contains(err.Error(), "451") {
				t.Errorf("handler failure must be temporary: %v", err)
			}
		}
	}, inbound.Schema)
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(latin1))
	f.Add([]byte("From: a@b\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nContent-Type: multipart/alternative; boundary=r\r\n\r\n--r\r\nContent-Type: text/html; charset=koi8-r\r\n\r\n<p>\xf0\xd2\xc9\r\n--r--\r\n--q--"))
	f.Add([]byte("Subject: =?utf-8?b?////?=\r\nFrom: \"\" <>\r\nAuto-Submitted: auto-replied\r\n\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := inbound.Parse(raw, inbound.Limits{MaxMessage: 1 << 16, MaxPart: 1 << 12, MaxParts: 20})
		if err != nil {
			return
		}
		if m.MessageID == "" {
			t.Error("a parsed message has no id")
		}
		for _, s := range []string{m.Text, m.Subject, m.From.Name, m.HTML} {
			if strings.ContainsRune(s, 0) {
				t.Error("NUL byte kept")
			}
		}
		if len(m.Parts) > 20 {
			t.Error("part limit ignored")
		}
	})
}
