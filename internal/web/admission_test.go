package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestAdmission: requests beyond the slots wait and go in the order they came; one
// whose client left never runs; one that waited the longest allowed runs beside the
// others; the health endpoint never waits.
func TestAdmission(t *testing.T) {
	t.Parallel()
	s := &server{admission: newAdmission(2, time.Hour)}
	started := make(chan string, 10)
	finish := map[string]chan struct{}{}
	for _, n := range []string{"a", "b", "c", "d", "e", "late"} {
		finish[n] = make(chan struct{})
	}
	h := s.admit(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := r.URL.Query().Get("n")
		started <- n
		if ch := finish[n]; ch != nil {
			<-ch
		}
	}))
	serve := func(ctx context.Context, path string) chan struct{} {
		done := make(chan struct{})
		go func() {
			defer close(done)
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil).WithContext(ctx))
		}()
		return done
	}
	// queued waits until n requests wait for a slot.
	queued := func(n int64) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); s.admission.waiting.Load() != n; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d requests wait for a slot, want %d", s.admission.waiting.Load(), n)
			}
		}
	}
	ctx := context.Background()
	serve(ctx, "/portal/?n=a")
	serve(ctx, "/portal/?n=b")
	for range 2 {
		<-started
	}
	gone, leave := context.WithCancel(ctx)
	left := serve(gone, "/portal/?n=gone")
	queued(1)
	for i, n := range []string{"c", "d", "e"} {
		serve(ctx, "/portal/?n="+n)
		queued(int64(i + 2))
	}
	leave()
	<-left
	queued(3)
	<-serve(ctx, "/healthz?n=health")
	if n := <-started; n != "health" {
		t.Fatalf("the health check waited; %q ran instead", n)
	}
	for _, next := range [][2]string{{"a", "c"}, {"b", "d"}} {
		close(finish[next[0]])
		if n := <-started; n != next[1] {
			t.Fatalf("%q was admitted before %q, which came first", n, next[1])
		}
	}
	// Both slots are held (c, d) and e waits: a request allowed to wait only briefly
	// then runs beside them.
	s.admission.maxWait = time.Millisecond
	serve(ctx, "/portal/?n=late")
	if n := <-started; n != "late" {
		t.Fatalf("%q ran where the request that had waited long enough should", n)
	}
	close(finish["late"])
	close(finish["c"])
	if n := <-started; n != "e" {
		t.Fatalf("%q ran; e was next", n)
	}
	close(finish["d"])
	close(finish["e"])
	select {
	case n := <-started:
		t.Fatalf("%q ran, though its client had left", n)
	default:
	}
}
