package web

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/status"
)

// statusPages caches the public status page rendered from one status snapshot per
// language, so a request is a memory copy (the snapshot changes when something
// happens and at least every minute).
type statusPages struct {
	cur atomic.Pointer[renderedStatus]
	// subscribe limits subscription requests per e-mail address, beside the per-IP
	// limit of the sign-in forms: a confirmation mail to someone else's address is
	// the one thing a visitor can make us send.
	subscribe *limiter
}

// renderedStatus is the page of one snapshot version in each language; never changed
// once stored, so readers need no lock.
type renderedStatus struct {
	version uint64
	pages   map[string][]byte
	gzipped map[string][]byte
	tags    map[string]string
}

type statusView struct {
	View status.View
	Days int
}

// Avg is the mean of the days' figures, as "99,95 %" in the reader's language is left
// to the page: three decimals, never rounded up to 100.
func (statusView) Avg(days []status.DayFigure) string {
	if len(days) == 0 {
		return "–"
	}
	var sum float64
	for _, d := range days {
		sum += d.Percent
	}
	return fmt.Sprintf("%.3f%%", float64(int(sum/float64(len(days))*1000))/1000)
}

func (s *server) statusRoutes(mux *http.ServeMux) {
	if s.status == nil {
		return
	}
	s.statusCache = &statusPages{subscribe: newLimiter(s.clock, 3, time.Hour/3)}
	mux.HandleFunc("GET /status", s.statusPage)
	mux.HandleFunc("GET /status.json", s.statusJSON)
	mux.HandleFunc("GET /status/feed.atom", s.statusFeed)
	mux.HandleFunc("POST /status/subscribe", s.statusSubscribe)
	mux.HandleFunc("GET /status/confirm", s.statusConfirm)
	mux.HandleFunc("GET /status/unsubscribe", s.statusUnsubscribeForm)
	mux.HandleFunc("POST /status/unsubscribe", s.statusUnsubscribe)
}

// serveCached writes a cached body with its ETag, or 304 when the client has it. A
// client that accepts gzip gets the precompressed form, under its own ETag (a strong
// ETag names one representation).
func serveCached(w http.ResponseWriter, r *http.Request, ctype, tag string, body, gzipped []byte) {
	h := w.Header()
	h.Set("Content-Type", ctype)
	if gzipped != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		body, tag = gzipped, strings.TrimSuffix(tag, `"`)+`-gz"`
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("ETag", tag)
	h.Set("Cache-Control", "public, max-age=15")
	h.Set("Vary", "Accept-Encoding, Accept-Language, Cookie")
	if inm := r.Header.Get("If-None-Match"); inm != "" && strings.Contains(inm, tag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// acceptsGzip reads an Accept-Encoding header (RFC 9110, 12.5.3): gzip (or x-gzip, or
// *) listed without q=0.
func acceptsGzip(header string) bool {
	star := false
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "x-gzip" && name != "*" {
			continue
		}
		zero := false
		for p := range strings.SplitSeq(params, ";") {
			k, v, _ := strings.Cut(p, "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				if q, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && q == 0 {
					zero = true
				}
			}
		}
		if name == "*" {
			star = !zero
			continue
		}
		return !zero
	}
	return star
}

func (s *server) statusPage(w http.ResponseWriter, r *http.Request) {
	snap, err := s.status.Snapshot(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := s.language(r, nil)
	c := s.statusCache
	cur := c.cur.Load()
	var body, gzipped []byte
	var tag string
	ok := false
	if cur != nil && cur.version == snap.Version {
		body, ok = cur.pages[lang]
		gzipped, tag = cur.gzipped[lang], cur.tags[lang]
	}
	if !ok {
		// Rendered without the visitor's session: the page is the same for everyone.
		pg := &page{Lang: lang, Path: "/status", Provider: s.cfg.ProviderName, Demo: s.cfg.Demo, Docs: s.docs != nil,
			Today: s.today(), AssetVer: s.assetVer, Data: statusView{View: snap.View, Days: status.HistoryDays}}
		pg.Title = pg.T("status.title")
		var buf bytes.Buffer
		if err := s.pages[lang].ExecuteTemplate(&buf, "layout:status", pg); err != nil {
			s.fail(w, r, err)
			return
		}
		body, tag = buf.Bytes(), fmt.Sprintf(`"%d-%s"`, snap.Version, lang)
		gzipped = status.Gzip(body)
		next := &renderedStatus{version: snap.Version, pages: map[string][]byte{lang: body}, gzipped: map[string][]byte{lang: gzipped},
			tags: map[string]string{lang: tag}}
		if cur != nil && cur.version == snap.Version {
			for l, b := range cur.pages {
				if l != lang {
					next.pages[l], next.gzipped[l], next.tags[l] = b, cur.gzipped[l], cur.tags[l]
				}
			}
		}
		c.cur.CompareAndSwap(cur, next)
	}
	serveCached(w, r, "text/html; charset=utf-8", tag, body, gzipped)
}

func (s *server) statusJSON(w http.ResponseWriter, r *http.Request) {
	snap, err := s.status.Snapshot(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	serveCached(w, r, "application/json", snap.JSONTag, snap.JSON, snap.JSONGzip)
}

func (s *server) statusFeed(w http.ResponseWriter, r *http.Request) {
	snap, err := s.status.Snapshot(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := r.URL.Query().Get("lang")
	if lang != "en" && lang != "nl" {
		lang = s.language(r, nil)
	}
	serveCached(w, r, "application/atom+xml; charset=utf-8", snap.AtomTag[lang], snap.Atom[lang], snap.AtomGzip[lang])
}

func (s *server) statusMessage(w http.ResponseWriter, r *http.Request, code int, lines ...string) {
	pg := s.newPage(w, r, "status.title")
	v := messageView{Links: []link{{URL: "/status", Label: pg.T("status.back")}}}
	for _, l := range lines {
		v.Lines = append(v.Lines, pg.T(l))
	}
	pg.Data = v
	s.render(w, code, "message", pg)
}

func (s *server) statusSubscribe(w http.ResponseWriter, r *http.Request) {
	pg := s.newPage(w, r, "status.title")
	if ok, wait := s.limiter.allow("status:" + limitKey(info(r.Context()).ip)); !ok {
		s.tooMany(w, r, wait)
		return
	}
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		s.badForm(w, r, err)
		return
	}
	email, err := status.NormalizeEmail(f.Get("email"))
	if err == nil {
		if ok, wait := s.statusCache.subscribe.allow(email); !ok {
			s.tooMany(w, r, wait)
			return
		}
		err = s.status.Subscribe(r.Context(), email, pg.Lang)
	}
	var fe accounts.FieldErrors
	if errors.As(err, &fe) {
		s.statusMessage(w, r, http.StatusUnprocessableEntity, "status.bad_link")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg.Data = messageView{Lines: []string{pg.T("status.subscribe_sent", email)}, Links: []link{{URL: "/status", Label: pg.T("status.back")}}}
	s.render(w, http.StatusOK, "message", pg)
}

func (s *server) statusConfirm(w http.ResponseWriter, r *http.Request) {
	err := s.status.Confirm(r.Context(), r.URL.Query().Get("t"))
	switch {
	case errors.Is(err, status.ErrBadToken):
		s.statusMessage(w, r, http.StatusNotFound, "status.bad_link")
	case err != nil:
		s.fail(w, r, err)
	default:
		s.statusMessage(w, r, http.StatusOK, "status.confirmed")
	}
}

// statusUnsubscribeForm asks before unsubscribing: mail scanners follow links, and a GET
// must not change anything. Mail clients use the one-click POST (RFC 8058).
func (s *server) statusUnsubscribeForm(w http.ResponseWriter, r *http.Request) {
	pg := s.newPage(w, r, "status.title")
	t := r.URL.Query().Get("t")
	pg.Data = confirmView{Question: pg.T("status.unsubscribe_q"), Action: "/status/unsubscribe?t=" + url.QueryEscape(t),
		Submit: "status.unsubscribe_button", Cancel: "/status"}
	s.render(w, http.StatusOK, "confirm", pg)
}

// statusUnsubscribe is the one-click unsubscribe: a POST to the URL in the mail's
// List-Unsubscribe header with body List-Unsubscribe=One-Click, or the form above.
func (s *server) statusUnsubscribe(w http.ResponseWriter, r *http.Request) {
	err := s.status.Unsubscribe(r.Context(), r.URL.Query().Get("t"))
	switch {
	case errors.Is(err, status.ErrBadToken):
		s.statusMessage(w, r, http.StatusNotFound, "status.bad_link")
	case err != nil:
		s.fail(w, r, err)
	default:
		s.statusMessage(w, r, http.StatusOK, "status.unsubscribed")
	}
}
