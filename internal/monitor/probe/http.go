package probe

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
)

// maxBody bounds how much of a response is searched for the keyword.
const maxBody = 1 << 20

// HTTP checks a web server: one GET without following redirects, an accepted status,
// optionally a keyword in the body, and for https the TLS policy.
type HTTP struct {
	URL string
	// Address, when set, is the host:port to connect to instead of the URL's host, so a
	// shared web server is checked for a customer's site name (cp.sla.availability.2:
	// the web server is measured, not the customer's DNS).
	Address string
	// Status lists the accepted status codes; empty accepts 200-399.
	Status  []int
	Keyword string
	TLS     TLSPolicy
	Timeout time.Duration
	Clock   clock.Clock
}

// Kind is http or https, after the URL's scheme.
func (h HTTP) Kind() Kind {
	if strings.HasPrefix(strings.ToLower(h.URL), "https:") {
		return KindHTTPS
	}
	return KindHTTP
}

// Target is the URL.
func (h HTTP) Target() string { return h.URL }

// Run performs the check.
func (h HTTP) Run(ctx context.Context) Result {
	return run(ctx, h.Clock, h.Kind(), h.URL, h.Timeout, h.check)
}

func (h HTTP) check(ctx context.Context, r *Result) *Reason {
	u, err := url.Parse(h.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return configReason("url", "must be an absolute http or https URL")
	}
	// The trace hooks run on the transport's goroutines.
	var stage atomic.Value
	stage.Store("connect")
	tlsCfg := h.TLS.config(u.Hostname())
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if h.Address != "" {
				addr = h.Address
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
		TLSClientConfig:   tlsCfg,
		ForceAttemptHTTP2: true,
		DisableKeepAlives: true,
		Proxy:             nil,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	trace := &httptrace.ClientTrace{
		TLSHandshakeStart: func() { stage.Store("tls") },
		WroteRequest:      func(httptrace.WroteRequestInfo) { stage.Store("response") },
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodGet, u.String(), nil)
	if err != nil {
		return configReason("url", err.Error())
	}
	req.Header.Set("User-Agent", "hostpact-monitor")
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		at := stage.Load().(string)
		if at == "tls" {
			return h.TLS.handshakeReason(ctx, tlsCfg.ServerName, err)
		}
		address := h.Address
		if address == "" {
			address = u.Host
		}
		return netReason(ctx, at, address, err)
	}
	defer resp.Body.Close()
	r.Details.StatusCode = resp.StatusCode
	if resp.TLS != nil {
		if rs := h.TLS.check(*resp.TLS, r); rs != nil {
			return rs
		}
	}
	if !h.accepts(resp.StatusCode) {
		return reason("probe.http.status", nil, "got", resp.StatusCode, "want", h.wantText())
	}
	if h.Keyword != "" {
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		if err != nil {
			return netReason(ctx, "body", u.Host, err)
		}
		if !bytes.Contains(body, []byte(h.Keyword)) {
			return reason("probe.http.keyword", nil, "keyword", h.Keyword)
		}
	}
	return nil
}

func (h HTTP) accepts(code int) bool {
	if len(h.Status) == 0 {
		return code >= 200 && code < 400
	}
	for _, c := range h.Status {
		if c == code {
			return true
		}
	}
	return false
}

func (h HTTP) wantText() string {
	if len(h.Status) == 0 {
		return "200-399"
	}
	s := make([]string, len(h.Status))
	for i, c := range h.Status {
		s[i] = strconv.Itoa(c)
	}
	return strings.Join(s, ", ")
}
