package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/dunning"
	"github.com/hostpact/hostpact/internal/payments"
)

// problem turns a service error into the RFC 9457 response a client can act on. Every
// handler returns through it, so no error text the client was not meant to see (SQL,
// file paths) leaves the server: whatever it does not recognise becomes a bare 500 and
// is logged instead.
func (s *server) problem(ctx context.Context, err error) error {
	var fe accounts.FieldErrors
	var te *accounts.ThrottledError
	var se huma.StatusError
	var pe *payments.ParseError
	var nd *dunning.NotDueError
	var refused *contracts.RefusedError
	switch {
	case errors.As(err, &fe):
		return fieldProblem(fe)
	case errors.As(err, &pe):
		return parseProblem(pe)
	case errors.As(err, &te):
		return throttled(te.RetryAfter)
	case errors.Is(err, contracts.ErrIdempotencyConflict):
		return huma.Error409Conflict("this Idempotency-Key was already used for a different request; " +
			"a key may only repeat the same request (a retry). Send a new key with each new request")
	case errors.As(err, &refused):
		return huma.Error403Forbidden(refused.Error())
	case errors.Is(err, accounts.ErrNotFound) || errors.Is(err, dunning.ErrNotFound):
		return huma.Error404NotFound("not found")
	case errors.Is(err, accounts.ErrForbidden):
		return huma.Error403Forbidden("you are not allowed to do this")
	case errors.Is(err, accounts.ErrIPNotAllowed):
		return huma.Error403Forbidden(accounts.ErrIPNotAllowed.Error())
	case errors.Is(err, accounts.ErrDisabled):
		return huma.Error403Forbidden("the account or organisation is disabled")
	case errors.Is(err, billing.ErrPaymentConflict), errors.Is(err, billing.ErrAlreadyBilled),
		errors.Is(err, billing.ErrImmutable), errors.Is(err, billing.ErrProviderIncomplete):
		return huma.Error409Conflict(strings.TrimPrefix(err.Error(), "billing: "))
	case errors.As(err, &nd):
		return keyedProblem(http.StatusUnprocessableEntity, nd.Key(), nd.Error(), "path.id")
	case errors.Is(err, dunning.ErrNotOpen):
		return huma.Error409Conflict("the invoice has no open amount")
	case errors.Is(err, payments.ErrProvider):
		return huma.Error502BadGateway("the payment provider did not answer as expected; try again later")
	case errors.As(err, &se):
		// Already a problem (raised by the API layer itself).
		return err
	case errors.Is(err, context.Canceled):
		// The client went away; nobody reads the answer.
		return huma.NewError(499, "request cancelled")
	}
	s.log.ErrorContext(ctx, "api: unexpected error", "err", err)
	return huma.Error500InternalServerError("internal error; it has been logged")
}

// fieldProblem reports each invalid field at its place in the request body, in the
// shape huma uses for its own validation errors, so a client handles one format.
func fieldProblem(fe accounts.FieldErrors) error {
	keys := make([]string, 0, len(fe))
	for k := range fe {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	details := make([]error, len(keys))
	for i, k := range keys {
		details[i] = &huma.ErrorDetail{Location: "body." + k, Message: fe[k].Error()}
	}
	return huma.Error422UnprocessableEntity("validation failed", details...)
}

// KeyedProblem is a problem that names its message key, so a client can show its own
// text for it (for instance "claim.not_due").
type KeyedProblem struct {
	huma.ErrorModel
	Key string `json:"key" doc:"Message key of the problem."`
}

// keyedProblem returns a problem with its key and one detail at loc.
func keyedProblem(status int, key, detail, loc string) error {
	return &KeyedProblem{ErrorModel: huma.ErrorModel{Title: http.StatusText(status), Status: status, Detail: detail,
		Errors: []*huma.ErrorDetail{{Location: loc, Message: detail}}}, Key: key}
}

// parseProblem reports a bank statement that cannot be read: where in the file (the
// statement's entry, transaction and element) and what is wrong with it.
func parseProblem(pe *payments.ParseError) error {
	loc := "body"
	if pe.Entry > 0 {
		loc += ".entries[" + strconv.Itoa(pe.Entry) + "]"
	}
	if pe.Tx > 0 {
		loc += ".transactions[" + strconv.Itoa(pe.Tx) + "]"
	}
	if pe.Field != "" {
		loc += "." + strings.ReplaceAll(pe.Field, "/", ".")
	}
	return huma.Error422UnprocessableEntity("the bank statement cannot be read; nothing was imported: "+pe.Error(),
		&huma.ErrorDetail{Location: loc, Message: pe.Msg.Error()})
}

// throttled is a 429 that says when to come back.
func throttled(after time.Duration) error {
	secs := int(math.Ceil(after.Seconds()))
	if secs < 1 {
		secs = 1
	}
	h := http.Header{}
	h.Set("Retry-After", strconv.Itoa(secs))
	return huma.ErrorWithHeaders(
		huma.Error429TooManyRequests("too many requests; try again in "+strconv.Itoa(secs)+" seconds"), h)
}

// redactErrorValues drops the echoed input from validation errors. Huma puts the
// offending value (for a malformed body, the whole body) into each error; that can be
// a password, and error responses end up in client logs and proxies.
func redactErrorValues(_ huma.Context, _ string, v any) (any, error) {
	if em, ok := v.(*huma.ErrorModel); ok {
		for _, d := range em.Errors {
			if d != nil {
				d.Value = nil
			}
		}
	}
	return v, nil
}

// writeProblem writes a problem response outside huma's operations (unknown paths),
// in the same shape.
func writeProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(&huma.ErrorModel{Title: http.StatusText(status), Status: status, Detail: detail})
}

// logger returns l, or one that discards, so the API never checks for nil.
func logger(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.New(slog.DiscardHandler)
}
