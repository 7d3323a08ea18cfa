package agent_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/agent"
	"github.com/hostpact/hostpact/internal/agent/agenttest"
	"github.com/hostpact/hostpact/internal/provision/driver"
)

func slogTo(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// FuzzHandler sends arbitrary requests to the agent: every answer is a success or a
// well-formed client error, never a crash or a server error, and an account the
// module accepted passed validation.
func FuzzHandler(f *testing.F) {
	f.Add("POST", "/v1/webhosting/accounts", `{"ref":"hp1","domain":"example.nl","secret":"s","package":{"name":"p","disk_mb":10}}`)
	f.Add("POST", "/v1/webhosting/accounts/hp1/suspend", `{"reason":"abuse"}`)
	f.Add("POST", "/v1/webhosting/accounts/hp1/package", `{"name":"p","extra":{"a":"b"}}`)
	f.Add("POST", "/v1/webhosting/accounts/hp1/credentials", `{"secret":"x\u0000"}`)
	f.Add("DELETE", "/v1/webhosting/accounts/hp1", ``)
	f.Add("GET", "/v1/webhosting/accounts/hp1/usage", ``)
	f.Add("GET", "/v1/locate?ref=hp1", ``)
	f.Add("POST", "/v1/webhosting/accounts", `{"ref":"hp1","domain":"a..b","secret":"s"}`)
	f.Add("POST", "/v1/webhosting/accounts", `[1,2,3]`)
	f.Fuzz(func(t *testing.T, method, path, body string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n\t#") {
			return
		}
		mem := &agenttest.Memory{Kind: driver.KindWebhosting}
		h := agent.Handler(agent.Modules{driver.KindWebhosting: mem}, nil)
		r, err := http.NewRequest(method, "https://agent"+path, strings.NewReader(body))
		if err != nil {
			return
		}
		w := &recorder{header: http.Header{}}
		h.ServeHTTP(w, r)
		if w.status >= 500 {
			t.Fatalf("%s %s %q: status %d", method, path, body, w.status)
		}
		ct := w.header.Get("Content-Type")
		if w.status != http.StatusNoContent && w.status != http.StatusMethodNotAllowed && strings.HasPrefix(ct, "application/json") && !json.Valid([]byte(w.body.String())) {
			t.Fatalf("answer is not JSON: %q", w.body.String())
		}
		list, _ := mem.List(t.Context())
		for _, l := range list {
			a, _ := mem.Get(l.Ref)
			if err := agent.ValidAccount(driver.KindWebhosting, a.Account); err != nil {
				t.Fatalf("the module got an invalid account: %v", err)
			}
		}
	})
}

// FuzzDecodeAccount: decoding never panics, and what validates survives a round trip.
func FuzzDecodeAccount(f *testing.F) {
	f.Add(`{"ref":"hp1","kind":"webhosting","domain":"xn--bcher-kva.example","secret":"s"}`)
	f.Add(`{"ref":"hp1","domain":"-a.nl","secret":"s"}`)
	f.Add(`{"ref":"hp1"} {}`)
	f.Add(`{"ref":"hp1","package":{"disk_mb":1e99}}`)
	f.Fuzz(func(t *testing.T, body string) {
		var a driver.Account
		if err := agent.Decode(strings.NewReader(body), &a); err != nil {
			return
		}
		if agent.ValidAccount(driver.KindWebhosting, a) != nil {
			return
		}
		data, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		var b driver.Account
		if err := agent.Decode(strings.NewReader(string(data)), &b); err != nil {
			t.Fatal(err)
		}
		if agent.ValidAccount(driver.KindWebhosting, b) != nil || b.Ref != a.Ref || b.Domain != a.Domain || b.Secret != a.Secret {
			t.Fatalf("round trip changed %+v into %+v", a, b)
		}
	})
}

func FuzzValidDomain(f *testing.F) {
	for _, s := range []string{"example.nl", "a-b.c", "-a.nl", "a-.nl", "a..nl", ".a", "a.", "xn--bcher-kva.example", "a b", "a;b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, d string) {
		if !agent.ValidDomain(d) {
			return
		}
		for _, label := range strings.Split(d, ".") {
			if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
				t.Fatalf("%q accepted with label %q", d, label)
			}
			if strings.Trim(label, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" {
				t.Fatalf("%q accepted with characters outside LDH", d)
			}
		}
	})
}

type recorder struct {
	header http.Header
	status int
	body   strings.Builder
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = 200
	}
	return r.body.Write(p)
}
func (r *recorder) WriteHeader(s int) {
	if r.status == 0 {
		r.status = s
	}
}
