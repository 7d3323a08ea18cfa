// Package pdns is hostpact's own small client for the PowerDNS Authoritative HTTP API
// (api/v1, servers/localhost): zones, their record sets, DNSSEC keys, rectify and
// notify. No PowerDNS client is on the module proxy; this covers what internal/dns
// needs and no more.
package pdns

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client talks to one PowerDNS server's API.
type Client struct {
	// BaseURL is the webserver's root, e.g. http://127.0.0.1:8081.
	BaseURL string
	// APIKey is sent as X-API-Key.
	APIKey string
	// Server is the server id in the API path; empty: localhost.
	Server string
	// HTTP is the client used; nil: one with Timeout.
	HTTP *http.Client
	// Timeout bounds one call when HTTP is nil; zero: 10 seconds.
	Timeout time.Duration
}

// Error is an answer of PowerDNS other than success, with its own message.
type Error struct {
	Status  int    // the HTTP status
	Message string // PowerDNS's "error" field, or the body's start
}

func (e *Error) Error() string {
	return fmt.Sprintf("powerdns: %d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
}

// ErrNotFound is what a missing zone or key answers (Is matches an *Error with 404,
// and PowerDNS's 422 "Could not find domain").
var ErrNotFound = errors.New("powerdns: not found")

// Is lets errors.Is(err, ErrNotFound) see a missing zone.
func (e *Error) Is(target error) bool {
	return target == ErrNotFound && (e.Status == http.StatusNotFound ||
		e.Status == http.StatusUnprocessableEntity && strings.Contains(e.Message, "Could not find domain"))
}

// Conflict reports whether the answer says the zone exists already.
func (e *Error) Conflict() bool { return e.Status == http.StatusConflict }

// Record is one record of a record set: its content in presentation format.
type Record struct {
	Content  string `json:"content"`
	Disabled bool   `json:"disabled"`
}

// RRSet is all records of one name and type. Names are absolute (trailing dot).
type RRSet struct {
	Name       string   `json:"name"`
	Type       string   `json:"type"`
	TTL        uint32   `json:"ttl,omitempty"`
	ChangeType string   `json:"changetype,omitempty"` // REPLACE or DELETE in a patch
	Records    []Record `json:"records"`
}

// Change types of a patch.
const (
	Replace = "REPLACE"
	Delete  = "DELETE"
)

// Zone is a zone as the API describes it.
type Zone struct {
	ID          string   `json:"id,omitempty"`
	Name        string   `json:"name"`
	Kind        string   `json:"kind"`
	Serial      uint32   `json:"serial,omitempty"`
	DNSSEC      bool     `json:"dnssec"`
	Nameservers []string `json:"nameservers,omitempty"`
	RRSets      []RRSet  `json:"rrsets,omitempty"`
	SOAEditAPI  string   `json:"soa_edit_api,omitempty"`
	APIRectify  *bool    `json:"api_rectify,omitempty"`
}

// CryptoKey is a DNSSEC key of a zone.
type CryptoKey struct {
	ID        int      `json:"id,omitempty"`
	KeyType   string   `json:"keytype"`
	Active    bool     `json:"active"`
	Published bool     `json:"published,omitempty"`
	Algorithm string   `json:"algorithm,omitempty"`
	Bits      int      `json:"bits,omitempty"`
	DNSKEY    string   `json:"dnskey,omitempty"`
	DS        []string `json:"ds,omitempty"`
}

// Fqdn adds the trailing dot.
func Fqdn(name string) string {
	if strings.HasSuffix(name, ".") {
		return name
	}
	return name + "."
}

// zoneID is the zone's id in a path: its absolute name with "/" escaped as PowerDNS
// does ("=2F").
func zoneID(name string) string {
	return url.PathEscape(strings.ReplaceAll(Fqdn(name), "/", "=2F"))
}

func (c *Client) base() string {
	s := c.Server
	if s == "" {
		s = "localhost"
	}
	return strings.TrimRight(c.BaseURL, "/") + "/api/v1/servers/" + url.PathEscape(s)
}

func (c *Client) client() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	t := c.Timeout
	if t <= 0 {
		t = 10 * time.Second
	}
	return &http.Client{Timeout: t}
}

// maxBody bounds what is read of an answer: a zone of many records is large, nothing
// larger is expected.
const maxBody = 16 << 20

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base()+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("X-API-Key", c.APIKey)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.client().Do(req)
	if err != nil {
		// The URL may hold nothing secret, but the error can quote it: keep it short.
		return fmt.Errorf("powerdns: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("powerdns: %s %s: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return parseError(resp.StatusCode, data)
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("powerdns: %s %s: answer: %w", method, path, err)
		}
	}
	return nil
}

// parseError reads PowerDNS's {"error": "..."}; another body is quoted shortly.
func parseError(status int, data []byte) *Error {
	var e struct {
		Error  string   `json:"error"`
		Errors []string `json:"errors"`
	}
	msg := ""
	if json.Unmarshal(data, &e) == nil {
		msg = e.Error
		if msg == "" && len(e.Errors) > 0 {
			msg = strings.Join(e.Errors, "; ")
		}
	}
	if msg == "" {
		msg = strings.TrimSpace(string(data))
		if len(msg) > 200 {
			msg = msg[:200] + "…"
		}
	}
	return &Error{Status: status, Message: msg}
}

// Zones lists the server's zones (without record sets).
func (c *Client) Zones(ctx context.Context) ([]Zone, error) {
	var out []Zone
	err := c.do(ctx, http.MethodGet, "/zones", nil, &out)
	return out, err
}

// Zone returns a zone with its record sets.
func (c *Client) Zone(ctx context.Context, name string) (Zone, error) {
	var z Zone
	err := c.do(ctx, http.MethodGet, "/zones/"+zoneID(name), nil, &z)
	return z, err
}

// CreateZone creates a Native zone with its nameservers and record sets. PowerDNS
// writes the SOA itself; SOAEditAPI DEFAULT raises the serial on every API change.
func (c *Client) CreateZone(ctx context.Context, z Zone) (Zone, error) {
	z.Name = Fqdn(z.Name)
	if z.Kind == "" {
		z.Kind = "Native"
	}
	if z.SOAEditAPI == "" {
		z.SOAEditAPI = "DEFAULT"
	}
	for i := range z.Nameservers {
		z.Nameservers[i] = Fqdn(z.Nameservers[i])
	}
	var out Zone
	err := c.do(ctx, http.MethodPost, "/zones", z, &out)
	return out, err
}

// PatchRRSets replaces or deletes record sets of a zone in one change: PowerDNS
// applies all or none.
func (c *Client) PatchRRSets(ctx context.Context, zone string, sets []RRSet) error {
	return c.do(ctx, http.MethodPatch, "/zones/"+zoneID(zone), map[string]any{"rrsets": sets}, nil)
}

// DeleteZone removes a zone and everything in it.
func (c *Client) DeleteZone(ctx context.Context, zone string) error {
	return c.do(ctx, http.MethodDelete, "/zones/"+zoneID(zone), nil, nil)
}

// Rectify recomputes the zone's DNSSEC ordering and auth fields.
func (c *Client) Rectify(ctx context.Context, zone string) error {
	return c.do(ctx, http.MethodPut, "/zones/"+zoneID(zone)+"/rectify", nil, nil)
}

// Notify sends NOTIFY to the zone's secondaries.
func (c *Client) Notify(ctx context.Context, zone string) error {
	return c.do(ctx, http.MethodPut, "/zones/"+zoneID(zone)+"/notify", nil, nil)
}

// CryptoKeys lists a zone's DNSSEC keys with their DS records.
func (c *Client) CryptoKeys(ctx context.Context, zone string) ([]CryptoKey, error) {
	var out []CryptoKey
	err := c.do(ctx, http.MethodGet, "/zones/"+zoneID(zone)+"/cryptokeys", nil, &out)
	return out, err
}

// AddCryptoKey adds a key (e.g. an active CSK with ECDSAP256SHA256), which signs the
// zone at once.
func (c *Client) AddCryptoKey(ctx context.Context, zone string, k CryptoKey) (CryptoKey, error) {
	var out CryptoKey
	err := c.do(ctx, http.MethodPost, "/zones/"+zoneID(zone)+"/cryptokeys", k, &out)
	return out, err
}

// DeleteCryptoKey removes a key.
func (c *Client) DeleteCryptoKey(ctx context.Context, zone string, id int) error {
	return c.do(ctx, http.MethodDelete, fmt.Sprintf("/zones/%s/cryptokeys/%d", zoneID(zone), id), nil, nil)
}

// Ping asks for the server's description: an answer means the URL and key work.
func (c *Client) Ping(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, "", nil, nil)
}
