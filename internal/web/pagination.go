package web

import (
	"net/http"
	"strconv"
)

// pager is numbered pagination over a list whose total is known.
type pager struct {
	Page, PerPage, Total, Pages int
	From, To                    int // 1-based positions shown on this page
	PrevURL, NextURL            string
}

// newPager builds links that keep the request's other query parameters (search, filters).
func newPager(r *http.Request, page, perPage, total int) pager {
	p := pager{Page: page, PerPage: perPage, Total: total}
	if perPage < 1 {
		perPage, p.PerPage = 25, 25
	}
	p.Pages = (total + perPage - 1) / perPage
	if total > 0 {
		p.From = (page-1)*perPage + 1
		p.To = min(page*perPage, total)
	}
	link := func(n int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		if n == 1 {
			q.Del("page")
		}
		return withQuery(r.URL.Path, q)
	}
	if page > 1 {
		p.PrevURL = link(min(page-1, max(p.Pages, 1)))
	}
	if page < p.Pages {
		p.NextURL = link(page + 1)
	}
	return p
}

// cursor is newest-first pagination over an append-only list (the audit trail, the
// outbox) that pages by "entries before this one", which stays correct while new
// entries arrive.
type cursor struct {
	OlderURL  string // the next page, when there is one
	NewestURL string // back to the start, when not on it
	// Ordered: the list is in an order of its own (names), not newest first, and the
	// links say "next" and "first page".
	Ordered bool
}

// newCursor takes one item more than it shows (limit+1) to know whether an older page
// exists; lastKey is the key of the last item shown.
func newCursor(r *http.Request, param string, more bool, lastKey int64) cursor {
	var c cursor
	q := r.URL.Query()
	if q.Get(param) != "" {
		q.Del(param)
		c.NewestURL = withQuery(r.URL.Path, q)
	}
	if more {
		q := r.URL.Query()
		q.Set(param, strconv.FormatInt(lastKey, 10))
		c.OlderURL = withQuery(r.URL.Path, q)
	}
	return c
}
