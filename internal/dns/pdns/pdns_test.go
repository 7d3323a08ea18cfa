package pdns

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestClientSpeaksTheAPI: the key goes in X-API-Key, zone ids are absolute names,
// PowerDNS's own message comes back in a typed error, a missing zone is ErrNotFound.
func TestClientSpeaksTheAPI(t *testing.T) {
	t.Parallel()
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-API-Key") != "k" {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte("Unauthorized"))
			return
		}
		seen = append(seen, r.Method+" "+r.URL.EscapedPath())
		switch {
		case r.Method == http.MethodPatch:
			var body struct{ RRSets []RRSet }
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil || len(body.RRSets) != 1 || body.RRSets[0].ChangeType != Replace {
				t.Errorf("patch body %+v %v", body, err)
			}
			w.WriteHeader(http.StatusUnprocessableEntity)
			w.Write([]byte(`{"error": "Record a.example.nl./A '1.2.3': Parsing record content failed"}`))
		case strings.HasSuffix(r.URL.Path, "/gone.nl."):
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"error": "Not Found"}`))
		default:
			w.Write([]byte(`{"name": "example.nl.", "serial": 2026030201, "rrsets": []}`))
		}
	}))
	t.Cleanup(srv.Close)
	ctx := context.Background()
	c := &Client{BaseURL: srv.URL + "/", APIKey: "k"}
	z, err := c.Zone(ctx, "example.nl")
	if err != nil || z.Serial != 2026030201 {
		t.Fatalf("zone %+v %v", z, err)
	}
	err = c.PatchRRSets(ctx, "example.nl.", []RRSet{{Name: "a.example.nl.", Type: "A", ChangeType: Replace, Records: []Record{{Content: "1.2.3"}}}})
	var pe *Error
	if !errors.As(err, &pe) || pe.Status != 422 || !strings.Contains(pe.Message, "Parsing record content failed") {
		t.Fatalf("refusal %v", err)
	}
	if _, err := c.Zone(ctx, "gone.nl"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing zone %v", err)
	}
	if err := (&Client{BaseURL: srv.URL, APIKey: "x"}).Ping(ctx); !errors.As(err, &pe) || pe.Status != 401 || pe.Message != "Unauthorized" {
		t.Fatalf("wrong key %v", err)
	}
	if seen[0] != "GET /api/v1/servers/localhost/zones/example.nl." {
		t.Fatalf("paths %v", seen)
	}
}

// TestClientTimeout: a server that never answers ends in an error within the timeout.
func TestClientTimeout(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(srv.Close)
	c := &Client{BaseURL: srv.URL, APIKey: "k", Timeout: 50 * time.Millisecond}
	if err := c.Ping(context.Background()); err == nil {
		t.Fatal("no error from a silent server")
	}
}

// FuzzParseError: whatever a server sends with an error status becomes a bounded
// message, never a panic.
func FuzzParseError(f *testing.F) {
	f.Add(422, []byte(`{"error": "x"}`))
	f.Add(500, []byte(`{"errors": ["a", "b"]}`))
	f.Add(404, []byte(strings.Repeat("z", 1000)))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := parseError(status, body)
		if e == nil || e.Status != status {
			t.Fatal("no error")
		}
		var js struct{ Error string }
		if json.Unmarshal(body, &js) != nil && len(e.Message) > 210 {
			t.Fatalf("message of %d bytes", len(e.Message))
		}
		_ = e.Error()
	})
}
