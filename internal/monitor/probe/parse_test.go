package probe

import (
	"bytes"
	"strings"
	"testing"
)

func TestParsePOP3(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		line string
		ok   bool
		text string
	}{
		{"+OK Dovecot ready.", true, "Dovecot ready."},
		{"+OK", true, ""},
		{"-ERR [AUTH] Authentication failed.", false, "[AUTH] Authentication failed."},
		{"+OKAY", false, "+OKAY"},
		{"* OK IMAP", false, "* OK IMAP"},
	} {
		ok, text := parsePOP3Status(tt.line)
		if ok != tt.ok || text != tt.text {
			t.Errorf("%q: %v %q", tt.line, ok, text)
		}
	}
	for _, tt := range []struct {
		text        string
		count, size int64
		bad         bool
	}{
		{"0 0", 0, 0, false}, {"3 1200", 3, 1200, false}, {"2 320 extra", 2, 320, false},
		{"", 0, 0, true}, {"3", 0, 0, true}, {"-1 0", 0, 0, true}, {"+1 0", 0, 0, true}, {"a b", 0, 0, true},
	} {
		c, s, err := parsePOP3Stat(tt.text)
		if (err != nil) != tt.bad || c != tt.count || s != tt.size {
			t.Errorf("STAT %q: %d %d %v", tt.text, c, s, err)
		}
	}
}

func TestParseIMAPLine(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		line    string
		want    imapLine
		invalid bool
	}{
		{"* OK [CAPABILITY IMAP4rev1] Dovecot ready.", imapLine{Tag: "*", Status: "OK", Text: "[CAPABILITY IMAP4rev1] Dovecot ready."}, false},
		{"* PREAUTH welcome", imapLine{Tag: "*", Status: "PREAUTH", Text: "welcome"}, false},
		{"a2 NO [AUTHENTICATIONFAILED] Authentication failed.", imapLine{Tag: "a2", Status: "NO", Text: "[AUTHENTICATIONFAILED] Authentication failed."}, false},
		{"a3 ok done", imapLine{Tag: "a3", Status: "OK", Text: "done"}, false},
		{"* 3 EXISTS", imapLine{Tag: "*", Status: "3", Text: "EXISTS"}, false},
		{"* 1 FETCH (BODY[] {12}", imapLine{Tag: "*", Status: "1", Text: "FETCH (BODY[] {12}", Literal: 12, HasLiteral: true}, false},
		{"* LIST () \"/\" {0}", imapLine{Tag: "*", Status: "LIST", Text: "() \"/\" {0}", HasLiteral: true}, false},
		{"+ go ahead", imapLine{Tag: "+", Text: "go ahead"}, false},
		{"", imapLine{}, true},
		{" OK", imapLine{}, true},
		{"a1 FETCH x", imapLine{}, true},
		{"a1", imapLine{}, true},
		{"a(1 OK", imapLine{}, true},
		{"* 1 FETCH {-3}", imapLine{}, true},
		{"a1 OK {5}", imapLine{}, true},
	} {
		got, err := parseIMAPLine(tt.line)
		if (err != nil) != tt.invalid || (err == nil && got != tt.want) {
			t.Errorf("%q: %+v %v", tt.line, got, err)
		}
	}
	if q := imapQuote(`a"b\c`); q != `"a\"b\\c"` {
		t.Errorf("quote: %s", q)
	}
}

func TestParseSMTPReply(t *testing.T) {
	t.Parallel()
	code, msg, err := parseSMTPReply([]string{"250-mx.test", "250-PIPELINING", "250-SIZE 10240000", "250 STARTTLS"})
	if err != nil || code != 250 || msg != "mx.test\nPIPELINING\nSIZE 10240000\nSTARTTLS" {
		t.Fatalf("%d %q %v", code, msg, err)
	}
	ext := parseEHLO(msg)
	if _, ok := ext["STARTTLS"]; !ok || ext["SIZE"] != "10240000" || len(ext) != 3 {
		t.Errorf("extensions %v", ext)
	}
	for _, lines := range [][]string{
		nil, {"25"}, {"abc hello"}, {"250-a", "251 b"}, {"250-a"}, {"250 a", "250 b"}, {"600 x"}, {"250xhello"},
	} {
		if _, _, err := parseSMTPReply(lines); err == nil {
			t.Errorf("%q: accepted", lines)
		}
	}
	if code, msg, err := parseSMTPReply([]string{"221"}); err != nil || code != 221 || msg != "" {
		t.Errorf("bare code: %d %q %v", code, msg, err)
	}
}

// greeting is a MariaDB 10.11 handshake packet (protocol 10), header included.
func greeting(version string) []byte {
	p := []byte{10}
	p = append(p, version...)
	p = append(p, 0, 7, 0, 0, 0) // NUL, connection id 7
	p = append(p, "abcdefgh"...)
	p = append(p, 0)
	p = append(p, bytes.Repeat([]byte{1}, 30)...)
	n := len(p)
	return append([]byte{byte(n), byte(n >> 8), byte(n >> 16), 0}, p...)
}

func TestReadMySQLGreeting(t *testing.T) {
	t.Parallel()
	g, err := readMySQLGreeting(bytes.NewReader(greeting("5.5.5-10.11.6-MariaDB-0+deb12u1")))
	if err != nil || g.ServerVersion != "5.5.5-10.11.6-MariaDB-0+deb12u1" || g.ConnectionID != 7 {
		t.Fatalf("%+v %v", g, err)
	}
	// Error 1130 as MariaDB sends it to a host that may not connect.
	errPkt := append([]byte{0xff, 0x6a, 0x04}, "Host '10.0.0.9' is not allowed to connect"...)
	_, err = readMySQLGreeting(bytes.NewReader(append([]byte{byte(len(errPkt)), 0, 0, 0}, errPkt...)))
	if ge, ok := err.(*mysqlGreetingError); !ok || ge.Code != 1130 || !strings.Contains(ge.Message, "not allowed") {
		t.Errorf("error packet: %v", err)
	}
	for name, raw := range map[string][]byte{
		"pop3 greeting": []byte("+OK Dovecot ready.\r\n"),
		"protocol 9":    append([]byte{5, 0, 0, 0, 9}, "4.0\x00"...),
		"unterminated":  {5, 0, 0, 0, 10, 'a', 'b', 'c', 'd'},
		"short":         {6, 0, 0, 0, 10, 'a', 0, 1, 2, 3},
		"empty":         {0, 0, 0, 0},
	} {
		if _, err := readMySQLGreeting(bytes.NewReader(raw)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// The parsers read what any server on the network sends; none may panic, and what
// they accept must be consistent.
func FuzzParsePOP3(f *testing.F) {
	for _, s := range []string{"+OK ready", "-ERR no", "+OK 3 120", "", "+OK"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		ok, text := parsePOP3Status(line)
		if ok && !strings.HasPrefix(line, "+OK") {
			t.Fatalf("%q accepted", line)
		}
		if c, s, err := parsePOP3Stat(text); err == nil && (c < 0 || s < 0) {
			t.Fatalf("negative STAT %d %d", c, s)
		}
	})
}

func FuzzParseIMAPLine(f *testing.F) {
	for _, s := range []string{"* OK ready", "a1 NO fail", "* 1 FETCH {5}", "+ more", "", "a1 OK {3}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		l, err := parseIMAPLine(line)
		if err != nil {
			return
		}
		if l.Literal < 0 || (l.HasLiteral && l.Tag != "*") || (l.Tag != "*" && l.Tag != "+" && l.Status != "OK" && l.Status != "NO" && l.Status != "BAD") {
			t.Fatalf("%q: %+v", line, l)
		}
	})
}

func FuzzParseSMTPReply(f *testing.F) {
	f.Add("250-mx.test\n250-STARTTLS\n250 SIZE 100")
	f.Add("220 mx ESMTP")
	f.Add("554")
	f.Fuzz(func(t *testing.T, raw string) {
		lines := strings.Split(raw, "\n")
		code, msg, err := parseSMTPReply(lines)
		if err != nil {
			return
		}
		if code < 200 || code > 599 || strings.Count(msg, "\n") >= len(lines) {
			t.Fatalf("%q: %d %q", raw, code, msg)
		}
		parseEHLO(msg)
	})
}

func FuzzReadMySQLGreeting(f *testing.F) {
	f.Add(greeting("10.11.6-MariaDB"))
	f.Add([]byte{3, 0, 0, 0, 0xff, 0x10, 0x04})
	f.Add([]byte("+OK\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		g, err := readMySQLGreeting(bytes.NewReader(raw))
		if err == nil && len(g.ServerVersion) > maxGreeting {
			t.Fatalf("version of %d bytes", len(g.ServerVersion))
		}
	})
}
