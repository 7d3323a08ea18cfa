package metrics

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// Bearer serves h only to requests that carry "Authorization: Bearer <token>". The
// exposition names routes, job runs and mail counts: nothing for the public
// (issue 8, finding 7). Both sides are hashed before the constant-time comparison, so
// neither the token's content nor its length shows in the time an answer takes.
func Bearer(token string, h http.Handler) http.Handler {
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		have := sha256.Sum256([]byte(strings.TrimSpace(got)))
		if !ok || !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(have[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="hostpact metrics"`)
			http.Error(w, "unauthorized: send Authorization: Bearer <HOSTPACT_METRICS_TOKEN>", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
