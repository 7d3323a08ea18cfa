package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/i18n"
)

func TestProblemMapping(t *testing.T) {
	var logged bytes.Buffer
	s := &server{log: slog.New(slog.NewTextHandler(&logged, nil))}
	ctx := context.Background()
	for _, c := range []struct {
		err        error
		status     int
		retryAfter string
	}{
		{fmt.Errorf("get: %w", accounts.ErrNotFound), http.StatusNotFound, ""},
		{accounts.ErrForbidden, http.StatusForbidden, ""},
		{accounts.ErrIPNotAllowed, http.StatusForbidden, ""},
		{accounts.ErrDisabled, http.StatusForbidden, ""},
		{&accounts.ThrottledError{RetryAfter: 1500 * time.Millisecond}, http.StatusTooManyRequests, "2"},
		{accounts.FieldErrors{"vat_id": i18n.Raw("x")}, http.StatusUnprocessableEntity, ""},
		{huma.Error409Conflict("taken"), http.StatusConflict, ""},
		{errors.New(`pq: relation "users" does not exist`), http.StatusInternalServerError, ""},
	} {
		got := s.problem(ctx, c.err)
		var se huma.StatusError
		if !errors.As(got, &se) || se.GetStatus() != c.status {
			t.Errorf("%v: got %v, want status %d", c.err, got, c.status)
			continue
		}
		var he huma.HeadersError
		ra := ""
		if errors.As(got, &he) {
			ra = he.GetHeaders().Get("Retry-After")
		}
		if ra != c.retryAfter {
			t.Errorf("%v: Retry-After %q, want %q", c.err, ra, c.retryAfter)
		}
		if c.status == http.StatusInternalServerError && strings.Contains(got.Error(), "relation") {
			t.Errorf("500 leaks the internal error: %v", got)
		}
	}
	if !strings.Contains(logged.String(), "relation") {
		t.Error("the unexpected error was not logged")
	}
}

func TestFieldProblemLocations(t *testing.T) {
	err := fieldProblem(accounts.FieldErrors{"vat_id": i18n.Raw("invalid"), "postal_address.postal_code": i18n.T("accounts.postal_nl")})
	em, ok := err.(*huma.ErrorModel)
	if !ok || em.Status != http.StatusUnprocessableEntity {
		t.Fatalf("got %#v", err)
	}
	var got []string
	for _, d := range em.Errors {
		got = append(got, d.Location+"="+d.Message)
	}
	want := "body.postal_address.postal_code=a Dutch postal code looks like 1234 AB,body.vat_id=invalid"
	if strings.Join(got, ",") != want {
		t.Errorf("details %v, want %s", got, want)
	}
}
