package metrics_test

import (
	"context"
	"net/http"
)

func contextWith(r *http.Request, key any) context.Context {
	return context.WithValue(r.Context(), key, true)
}
