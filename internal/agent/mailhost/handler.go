package mailhost

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/hostpact/hostpact/internal/provision/driver"
)

// MaxRequestBytes bounds a request body: the largest, an alias with all its targets,
// is well under it.
const MaxRequestBytes = 16 << 10

// ServeHTTP serves the module's own routes. The agent (internal/agent) hands it every
// request under /v1/email/x/ with that prefix taken off, after its mutual-TLS check:
//
//	GET    /v1/email/x/{ref}                            the account's mailboxes and aliases (View)
//	POST   /v1/email/x/{ref}/mailboxes                  {"local": "info", "password": "…"}
//	PUT    /v1/email/x/{ref}/mailboxes/{local}/password {"password": "…"}
//	DELETE /v1/email/x/{ref}/mailboxes/{local}
//	PUT    /v1/email/x/{ref}/aliases/{local}            {"targets": ["info@example.nl"]}
//	DELETE /v1/email/x/{ref}/aliases/{local}
//
// Success answers 200 with the account's View. Failures answer as the agent's own
// routes do, {"error": {"code": …, "op": …, "message": …}}: 409 "refused" (a
// *driver.Refusal: the limit is reached, the name taken…; the message is for staff and
// customer), 404 "not_found", 400 or 413 "bad_request", 500 "internal".
func (m *Mailhost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mux.ServeHTTP(w, r)
}

func (m *Mailhost) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{ref}", func(w http.ResponseWriter, r *http.Request) {
		m.answer(w, r, nil)
	})
	mux.HandleFunc("POST /{ref}/mailboxes", func(w http.ResponseWriter, r *http.Request) {
		var req MailboxRequest
		if !decodeRequest(w, r, &req) {
			return
		}
		m.answer(w, r, m.AddMailbox(r.Context(), r.PathValue("ref"), req.Local, req.Password))
	})
	mux.HandleFunc("PUT /{ref}/mailboxes/{local}/password", func(w http.ResponseWriter, r *http.Request) {
		var req PasswordRequest
		if !decodeRequest(w, r, &req) {
			return
		}
		m.answer(w, r, m.SetMailboxPassword(r.Context(), r.PathValue("ref"), r.PathValue("local"), req.Password))
	})
	mux.HandleFunc("DELETE /{ref}/mailboxes/{local}", func(w http.ResponseWriter, r *http.Request) {
		m.answer(w, r, m.RemoveMailbox(r.Context(), r.PathValue("ref"), r.PathValue("local")))
	})
	mux.HandleFunc("PUT /{ref}/aliases/{local}", func(w http.ResponseWriter, r *http.Request) {
		var req AliasRequest
		if !decodeRequest(w, r, &req) {
			return
		}
		m.answer(w, r, m.AddAlias(r.Context(), r.PathValue("ref"), r.PathValue("local"), req.Targets))
	})
	mux.HandleFunc("DELETE /{ref}/aliases/{local}", func(w http.ResponseWriter, r *http.Request) {
		m.answer(w, r, m.RemoveAlias(r.Context(), r.PathValue("ref"), r.PathValue("local")))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, codeBadRequest, "", "no such route")
	})
	return mux
}

// MailboxRequest adds a mailbox.
type MailboxRequest struct {
	Local    string `json:"local"`
	Password string `json:"password"`
}

// PasswordRequest sets a mailbox's password.
type PasswordRequest struct {
	Password string `json:"password"`
}

// AliasRequest sets an alias's targets.
type AliasRequest struct {
	Targets []string `json:"targets"`
}

// ErrorBody is the body of a failed request, the agent's wire format
// (internal/agent.ErrorBody), repeated here so the module does not depend on the agent.
type ErrorBody struct {
	Error WireError `json:"error"`
}

// WireError is one error; Code says what hostpact does with it.
type WireError struct {
	Code    string `json:"code"`
	Op      string `json:"op,omitempty"`
	Message string `json:"message"`
}

// The agent's error codes.
const (
	codeRefused    = "refused"
	codeNotFound   = "not_found"
	codeBadRequest = "bad_request"
	codeInternal   = "internal"
)

// answer writes err, or when nil the account's View.
func (m *Mailhost) answer(w http.ResponseWriter, r *http.Request, err error) {
	if err == nil {
		var v View
		if v, err = m.Show(r.Context(), r.PathValue("ref")); err == nil {
			writeJSON(w, http.StatusOK, v)
			return
		}
	}
	var refusal *driver.Refusal
	switch {
	case errors.As(err, &refusal):
		writeError(w, http.StatusConflict, codeRefused, refusal.Op, refusal.Message)
	case errors.Is(err, driver.ErrNotFound):
		writeError(w, http.StatusNotFound, codeNotFound, "", err.Error())
	default:
		writeError(w, http.StatusInternalServerError, codeInternal, "", err.Error())
	}
}

func writeError(w http.ResponseWriter, status int, code, op, msg string) {
	writeJSON(w, status, ErrorBody{Error: WireError{Code: code, Op: op, Message: msg}})
}

// decodeRequest reads the body into v, or answers the failure and returns false.
func decodeRequest(w http.ResponseWriter, r *http.Request, v any) bool {
	err := decodeJSON(http.MaxBytesReader(w, r.Body, MaxRequestBytes), v)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, codeBadRequest, "", fmt.Sprintf("request body over %d bytes", MaxRequestBytes))
		return false
	case err != nil:
		writeError(w, http.StatusBadRequest, codeBadRequest, "", err.Error())
		return false
	}
	return true
}

// decodeJSON reads exactly one JSON object with only known fields from r.
func decodeJSON(r io.Reader, v any) error {
	body, err := io.ReadAll(io.LimitReader(r, MaxRequestBytes+1))
	if err != nil {
		return err
	}
	if len(body) > MaxRequestBytes {
		return &http.MaxBytesError{Limit: MaxRequestBytes}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("malformed request: %w", err)
	}
	if dec.More() {
		return errors.New("malformed request: more than one JSON value")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("malformed request: data after the JSON value")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
