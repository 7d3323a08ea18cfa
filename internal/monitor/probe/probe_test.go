package probe_test

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/monitor/probe"
)

// silent accepts connections and never says anything: a hung server.
func silent(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				close(done)
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

// TestTimeouts: every check against a server that accepts and stays silent ends at its
// timeout with probe.timeout naming the stage it was in.
func TestTimeouts(t *testing.T) {
	t.Parallel()
	addr := silent(t)
	const limit = 300 * time.Millisecond
	for _, tt := range []struct {
		check probe.Check
		stage string
	}{
		{probe.HTTP{URL: "http://" + addr + "/", Timeout: limit}, "response"},
		{probe.HTTP{URL: "https://" + addr + "/", Timeout: limit}, "tls"},
		{probe.MySQL{Address: addr, Timeout: limit}, "greeting"},
		{probe.POP3{Address: addr, Timeout: limit}, "greeting"},
		{probe.IMAP{Address: addr, Timeout: limit}, "greeting"},
		{probe.SMTP{Address: addr, Timeout: limit}, "greeting"},
	} {
		res := tt.check.Run(context.Background())
		if res.Up || res.Reason == nil || res.Reason.Key != "probe.timeout" || res.Reason.Args["stage"] != tt.stage {
			t.Errorf("%s: %+v", tt.check.Kind(), res.Reason)
			continue
		}
		if res.Latency < limit || res.Latency > limit+2*time.Second {
			t.Errorf("%s: latency %v for a %v timeout", tt.check.Kind(), res.Latency, limit)
		}
	}
}

// TestCanceled: a cancelled context is not blamed on the server.
func TestCanceled(t *testing.T) {
	t.Parallel()
	addr := silent(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := probe.HTTP{URL: "http://" + addr + "/"}.Run(ctx)
	if res.Up || res.Reason.Key != "probe.canceled" {
		t.Errorf("got %+v", res.Reason)
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []probe.Check{
		probe.HTTP{URL: "ftp://example.test/"},
		probe.HTTP{URL: "/relative"},
		probe.POP3{Address: "127.0.0.1:1", User: "u", Password: "p"}, // a password over plain text
		probe.IMAP{Address: "127.0.0.1:1", User: "u", Password: "p"},
		probe.IMAP{Address: "127.0.0.1:1", User: "u", Password: "a\r\nb", Security: probe.ImplicitTLS},
		probe.DNS{Server: "127.0.0.1:1"},
	} {
		res := c.Run(context.Background())
		if res.Up || res.Reason.Key != "probe.config" {
			t.Errorf("%s %s: %+v", c.Kind(), c.Target(), res.Reason)
		}
	}
}

// TestMessagesComplete: every reason key the package's code uses has a Dutch and an
// English text with the same placeholders.
func TestMessagesComplete(t *testing.T) {
	t.Parallel()
	msgs := probe.Messages()
	placeholder := regexp.MustCompile(`\{[a-z_]+\}`)
	for key, m := range msgs {
		nl, en := placeholder.FindAllString(m[0], -1), placeholder.FindAllString(m[1], -1)
		slices.Sort(nl)
		slices.Sort(en)
		if m[0] == "" || m[1] == "" || m[0] == m[1] || !slices.Equal(nl, en) {
			t.Errorf("%s: %q / %q", key, m[0], m[1])
		}
	}
	files, _ := filepath.Glob("*.go")
	used := regexp.MustCompile(`"(probe\.[a-z0-9_.]*[a-z0-9_])"`)
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllStringSubmatch(string(src), -1) {
			n++
			if _, ok := msgs[m[1]]; !ok {
				t.Errorf("%s uses %s, which has no message", f, m[1])
			}
		}
	}
	if n < 30 {
		t.Errorf("found only %d reason keys in the sources", n)
	}
}

// containsAny reports whether s occurs in a result's reason, warnings or details.
func containsAny(res probe.Result, s string) bool {
	b, _ := json.Marshal(res)
	text := string(b)
	if res.Reason != nil {
		text += res.Reason.Error() + res.Reason.Text("nl")
	}
	return strings.Contains(text, s)
}
