package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// testIP is where test requests come from unless a test says otherwise.
const testIP = "192.0.2.10"

// testUA is the User-Agent of test requests unless a test says otherwise.
const testUA = "hostpact-api-test/1"

// request describes one call; the zero value of the optional fields means the defaults.
type request struct {
	method, path, token string
	body                any // nil, a string (sent as is) or a value to encode as JSON
	ip                  string
	auth                string // a raw Authorization header, instead of token
	ua                  string // User-Agent, instead of the default
	header              map[string]string
}

func serve(h http.Handler, r request) *httptest.ResponseRecorder {
	var body *bytes.Reader
	switch b := r.body.(type) {
	case nil:
		body = bytes.NewReader(nil)
	case string:
		body = bytes.NewReader([]byte(b))
	default:
		j, err := json.Marshal(b)
		if err != nil {
			panic(err)
		}
		body = bytes.NewReader(j)
	}
	req := httptest.NewRequest(r.method, r.path, body)
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch {
	case r.auth != "":
		req.Header.Set("Authorization", r.auth)
	case r.token != "":
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	ip := r.ip
	if ip == "" {
		ip = testIP
	}
	req.RemoteAddr = ip + ":40000"
	ua := r.ua
	if ua == "" {
		ua = testUA
	}
	req.Header.Set("User-Agent", ua)
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// expect fails the test unless rec has status want, and decodes the body into out.
func expect(t *testing.T, rec *httptest.ResponseRecorder, want int, out any) {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("status %d, want %d; body: %s", rec.Code, want, rec.Body.String())
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatalf("decode %T: %v; body: %s", out, err, rec.Body.String())
		}
	}
}

// problemBody is an RFC 9457 problem as huma writes it.
type problemBody struct {
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Key    string `json:"key"`
	Errors []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
		Value    any    `json:"value"`
	} `json:"errors"`
}

// expectProblem checks that rec is a problem+json response with status want.
func expectProblem(t *testing.T, rec *httptest.ResponseRecorder, want int) problemBody {
	t.Helper()
	var p problemBody
	expect(t, rec, want, &p)
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	if p.Status != want || p.Title == "" {
		t.Errorf("problem %+v does not carry status %d and a title", p, want)
	}
	return p
}

// locations lists where a problem's errors point.
func (p problemBody) locations() []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Location)
	}
	return out
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
