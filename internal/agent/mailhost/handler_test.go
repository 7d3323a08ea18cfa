package mailhost

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/provision/driver"
)

func TestHandler(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := e.m.Create(context.Background(), newAccount("hp1", "shop.example", driver.Package{Name: "duo", Mailboxes: 2, DiskMB: 100}))
	must(t, err)
	// As the agent hands it the requests: with /v1/email/x taken off.
	h := http.StripPrefix("/v1/email/x", e.m)
	do := func(method, path, body string) (int, string) {
		t.Helper()
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if ct := w.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s %s: content type %q", method, path, ct)
		}
		return w.Code, w.Body.String()
	}
	for _, c := range []struct {
		method, path, body string
		code               int
		has                string
	}{
		{"GET", "/v1/email/x/hp1", "", 200, `"address":"postmaster@shop.example","quota_mb":100`},
		{"POST", "/v1/email/x/hp1/mailboxes", `{"local":"info","password":"Inf0-Passw0rd!"}`, 200, `"address":"info@shop.example"`},
		{"POST", "/v1/email/x/hp1/mailboxes", `{"local":"sales","password":"S4les-Passw0rd!"}`, 409, `{"error":{"code":"refused","op":"add mailbox","message":"package \"duo\" allows 2 mailboxes`},
		{"POST", "/v1/email/x/hp1/mailboxes", `{"local":"sales","password":"S4les-Passw0rd!","admin":true}`, 400, `{"error":{"code":"bad_request","message":"malformed request: json: unknown field`},
		{"POST", "/v1/email/x/hp1/mailboxes", `{"local":"sales"}{"local":"x"}`, 400, "more than one"},
		{"POST", "/v1/email/x/hp1/mailboxes", `{"local":`, 400, "malformed"},
		{"POST", "/v1/email/x/hp1/mailboxes", `{"local":"` + strings.Repeat("a", MaxRequestBytes) + `"}`, 413, `"code":"bad_request","message":"request body over`},
		{"POST", "/v1/email/x/hp9/mailboxes", `{"local":"info","password":"Inf0-Passw0rd!"}`, 404, `{"error":{"code":"not_found"`},
		{"PUT", "/v1/email/x/hp1/mailboxes/info/password", `{"password":"N3w-Passw0rd!"}`, 200, `"info@shop.example"`},
		{"PUT", "/v1/email/x/hp1/mailboxes/info/password", `{"password":"weak"}`, 409, "shorter than"},
		{"PUT", "/v1/email/x/hp1/aliases/sales", `{"targets":["info@shop.example"]}`, 200, `"targets":["info@shop.example"]`},
		{"PUT", "/v1/email/x/hp1/aliases/sales", `{"targets":"info@shop.example"}`, 400, "malformed"},
		{"DELETE", "/v1/email/x/hp1/mailboxes/info", "", 409, "alias sales@shop.example forwards"},
		{"DELETE", "/v1/email/x/hp1/aliases/sales", "", 200, `"aliases":[]`},
		{"DELETE", "/v1/email/x/hp1/mailboxes/info", "", 200, `"mailboxes":[{"address":"postmaster@shop.example"`},
		{"GET", "/v1/email/x/hp1/mailboxes/info/password", "", 404, "no such route"},
		{"POST", "/v1/email/x/hp1", "", 404, "no such route"},
	} {
		code, body := do(c.method, c.path, c.body)
		if code != c.code || !strings.Contains(body, c.has) {
			t.Errorf("%s %s %.60s: %d %s, want %d with %q", c.method, c.path, c.body, code, body, c.code, c.has)
		}
		if strings.Contains(body, "Passw0rd") || strings.Contains(body, "ARGON2") {
			t.Errorf("%s %s answered with a password or hash: %s", c.method, c.path, body)
		}
	}
}

// FuzzRequests feeds the handler's decoder arbitrary bodies. Whatever it accepts and
// the validation lets through must be unable to break the files it ends up in: no
// separator of the passwd-file or of Postfix's maps, no path element.
func FuzzRequests(f *testing.F) {
	for _, s := range []string{
		`{"local":"info","password":"Inf0-Passw0rd!"}`,
		`{"password":"N3w-Passw0rd!"}`,
		`{"targets":["info@shop.example","boss+x@elsewhere.example"]}`,
		`{"local":"a:b","password":"x"}`,
		`{"local":"../../etc","password":"Inf0-Passw0rd!"}`,
		`{"targets":["a b@c.example","x@y.example\n"]}`,
		`{"local":"info"} trailing`,
		`[1,2]`, `null`, `{"local":"\u0000"}`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		bad := func(s string) bool { return strings.ContainsAny(s, ": ,\n\r\t/\x00") || s == "." || s == ".." }
		var mb MailboxRequest
		if decodeJSON(bytes.NewReader(body), &mb) == nil && validLocal(mb.Local) == nil && bad(mb.Local) {
			t.Fatalf("local %q passed", mb.Local)
		}
		var pw PasswordRequest
		if decodeJSON(bytes.NewReader(body), &pw) == nil && checkPassword(pw.Password) == nil && strings.ContainsAny(pw.Password, "\n\r\x00") {
			t.Fatalf("password %q passed", pw.Password)
		}
		var al AliasRequest
		if decodeJSON(bytes.NewReader(body), &al) == nil {
			for _, x := range al.Targets {
				if validTarget(x) == nil && bad(x) {
					t.Fatalf("target %q passed", x)
				}
			}
		}
		if len(body) > MaxRequestBytes && decodeJSON(bytes.NewReader(body), &json.RawMessage{}) == nil {
			t.Fatal("an oversized body was accepted")
		}
	})
}
