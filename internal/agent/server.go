// Package agent is the hostpact agent: the small HTTPS server, run as `hostpact agent
// serve` on each of the provider's own hosting servers, that hostpact's provisioning
// layer drives over mutual TLS (internal/provision/drivers/agentdriver is the client).
//
// The agent holds no business rules. Each module delivers one kind of service
// (webhosting, email, vpn) by implementing driver.Driver, the same contract every
// provisioning driver implements; the agent decodes and validates requests, serialises
// the operations on one account, calls the module and turns its answer into JSON. A
// module that needs more than the contract may also implement http.Handler and gets the
// routes under /v1/{kind}/x/.
package agent

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/hostpact/hostpact/internal/provision/driver"
)

// OperationTimeout bounds one module operation.
const OperationTimeout = 5 * time.Minute

// Modules are the modules an agent serves, by the kind each delivers.
type Modules map[driver.Kind]driver.Driver

// Handler serves the agent's routes for mods. Requests reach it only after the TLS
// layer verified hostpact's client certificate (see TLSConfig); it logs operations,
// kinds and refs, never a body, so no secret reaches a log.
func Handler(mods Modules, log *slog.Logger) http.Handler {
	return HandlerWith(mods, nil, log)
}

// HandlerWith is Handler with the backup routes served by b (nil: none).
func HandlerWith(mods Modules, b *Backups, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &server{mods: mods, backups: b, log: log, locks: map[string]*refLock{}}
	mux := http.NewServeMux()
	s.backupRoutes(mux)
	mux.HandleFunc("GET /v1/health", s.health)
	mux.HandleFunc("GET /v1/locate", s.locate)
	mux.HandleFunc("GET /v1/{kind}/accounts", s.module(s.list))
	mux.HandleFunc("POST /v1/{kind}/accounts", s.module(s.create))
	mux.HandleFunc("POST /v1/{kind}/accounts/{ref}/{op}", s.module(s.account(s.operate)))
	mux.HandleFunc("DELETE /v1/{kind}/accounts/{ref}", s.module(s.account(s.deleteData)))
	mux.HandleFunc("GET /v1/{kind}/accounts/{ref}/usage", s.module(s.account(s.usage)))
	mux.HandleFunc("/v1/{kind}/x/", s.extra)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, WireError{Code: CodeBadRequest, Message: "no such route"})
	})
	return http.MaxBytesHandler(mux, MaxBody)
}

type server struct {
	mods    Modules
	backups *Backups
	log     *slog.Logger

	mu    sync.Mutex
	locks map[string]*refLock
}

type refLock struct {
	mu    sync.Mutex
	users int
}

// lock serialises the operations on one ref across kinds: refs are unique per server,
// and two requests for one account (a retry overtaking a slow first attempt) must not
// interleave their steps.
func (s *server) lock(ref string) func() {
	s.mu.Lock()
	l := s.locks[ref]
	if l == nil {
		l = &refLock{}
		s.locks[ref] = l
	}
	l.users++
	s.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		s.mu.Lock()
		if l.users--; l.users == 0 {
			delete(s.locks, ref)
		}
		s.mu.Unlock()
	}
}

type moduleFunc func(w http.ResponseWriter, r *http.Request, kind driver.Kind, m driver.Driver) (any, error)

// module resolves {kind} to its module, runs h and writes its answer.
func (s *server) module(h moduleFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		kind := driver.Kind(r.PathValue("kind"))
		m, ok := s.mods[kind]
		if !ok {
			writeError(w, http.StatusNotFound, WireError{Code: CodeBadRequest, Message: "this agent delivers no " + string(kind)})
			return
		}
		// An operation that started runs to its end even when hostpact hangs up: a
		// server block written but not yet loaded helps nobody, and the retry that
		// follows waits for this one on the ref's lock.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), OperationTimeout)
		defer cancel()
		r = r.WithContext(ctx)
		start := time.Now()
		out, err := h(w, r, kind, m)
		status := s.answer(w, out, err)
		s.log.Info("agent request", "method", r.Method, "kind", kind, "ref", r.PathValue("ref"),
			"op", r.PathValue("op"), "status", status, "duration", time.Since(start))
	}
}

// account validates {ref} and holds its lock around h.
func (s *server) account(h moduleFunc) moduleFunc {
	return func(w http.ResponseWriter, r *http.Request, kind driver.Kind, m driver.Driver) (any, error) {
		ref := r.PathValue("ref")
		if err := driver.ValidRef(ref); err != nil {
			return nil, badRequest{err}
		}
		defer s.lock(ref)()
		return h(w, r, kind, m)
	}
}

// badRequest marks an error as the request's fault.
type badRequest struct{ error }

func (s *server) answer(w http.ResponseWriter, out any, err error) int {
	var refusal *driver.Refusal
	var bad badRequest
	var tooBig *http.MaxBytesError
	switch {
	case err == nil && out == nil:
		w.WriteHeader(http.StatusNoContent)
		return http.StatusNoContent
	case err == nil:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_ = json.NewEncoder(w).Encode(out)
		return http.StatusOK
	case errors.As(err, &refusal):
		return writeError(w, http.StatusConflict, WireError{Code: CodeRefused, Op: refusal.Op, Message: refusal.Message})
	case errors.Is(err, driver.ErrNotFound):
		return writeError(w, http.StatusNotFound, WireError{Code: CodeNotFound, Message: err.Error()})
	case errors.As(err, &tooBig):
		return writeError(w, http.StatusRequestEntityTooLarge, WireError{Code: CodeBadRequest, Message: "request body too large"})
	case errors.As(err, &bad):
		return writeError(w, http.StatusBadRequest, WireError{Code: CodeBadRequest, Message: err.Error()})
	default:
		// The module's own error, for staff; modules never put a secret in an error.
		s.log.Error("agent module failed", "err", err)
		return writeError(w, http.StatusInternalServerError, WireError{Code: CodeInternal, Message: err.Error()})
	}
}

func writeError(w http.ResponseWriter, status int, e WireError) int {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(ErrorBody{Error: e})
	return status
}

func decode(r *http.Request, v any) error {
	if err := Decode(r.Body, v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		return badRequest{err}
	}
	return nil
}

func (s *server) health(w http.ResponseWriter, r *http.Request) {
	h := Health{Status: "ok", Kinds: s.kinds()}
	for _, k := range h.Kinds {
		if err := s.mods[k].Test(r.Context()); err != nil {
			s.answer(w, nil, err)
			return
		}
	}
	s.answer(w, h, nil)
}

func (s *server) kinds() []driver.Kind {
	kinds := make([]driver.Kind, 0, len(s.mods))
	for k := range s.mods {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	return kinds
}

// locate finds the module that holds ?ref=, for a client that knows only the ref.
func (s *server) locate(w http.ResponseWriter, r *http.Request) {
	ref := r.URL.Query().Get("ref")
	if err := driver.ValidRef(ref); err != nil {
		s.answer(w, nil, badRequest{err})
		return
	}
	for _, k := range s.kinds() {
		l, err := s.mods[k].List(r.Context())
		if err != nil {
			s.answer(w, nil, err)
			return
		}
		if slices.ContainsFunc(l, func(x driver.Listed) bool { return x.Ref == ref }) {
			s.answer(w, Located{Ref: ref, Kind: k}, nil)
			return
		}
	}
	s.answer(w, nil, driver.ErrNotFound)
}

func (s *server) list(_ http.ResponseWriter, r *http.Request, kind driver.Kind, m driver.Driver) (any, error) {
	l, err := m.List(r.Context())
	if err != nil {
		return nil, err
	}
	for i := range l {
		if l[i].Kind == "" {
			l[i].Kind = kind
		}
	}
	if l == nil {
		l = []driver.Listed{}
	}
	return l, nil
}

func (s *server) create(_ http.ResponseWriter, r *http.Request, kind driver.Kind, m driver.Driver) (any, error) {
	var a driver.Account
	if err := decode(r, &a); err != nil {
		return nil, err
	}
	if err := ValidAccount(kind, a); err != nil {
		return nil, badRequest{err}
	}
	a.Kind = kind
	r.SetPathValue("ref", a.Ref) // for the log line
	defer s.lock(a.Ref)()
	return m.Create(r.Context(), a)
}

func (s *server) operate(_ http.ResponseWriter, r *http.Request, _ driver.Kind, m driver.Driver) (any, error) {
	ctx, ref := r.Context(), r.PathValue("ref")
	switch r.PathValue("op") {
	case "suspend":
		var req SuspendRequest
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		switch req.Reason {
		case driver.SuspendNonPayment, driver.SuspendAbuse, driver.SuspendStaff:
		default:
			return nil, badRequest{errors.New("unknown suspension reason")}
		}
		return nil, m.Suspend(ctx, ref, req.Reason)
	case "unsuspend":
		return nil, m.Unsuspend(ctx, ref)
	case "terminate":
		return nil, m.Terminate(ctx, ref)
	case "package":
		var p driver.Package
		if err := decode(r, &p); err != nil {
			return nil, err
		}
		if p.DiskMB < 0 || p.MemoryMB < 0 || p.CPUMilli < 0 || p.Mailboxes < 0 || p.Databases < 0 {
			return nil, badRequest{errors.New("package limits cannot be negative")}
		}
		return nil, m.ChangePackage(ctx, ref, p)
	case "credentials":
		var req CredentialsRequest
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		if err := ValidSecret(req.Secret); err != nil {
			return nil, badRequest{err}
		}
		return m.ResetCredentials(ctx, ref, req.Secret)
	default:
		return nil, badRequest{errors.New("unknown operation")}
	}
}

func (s *server) deleteData(_ http.ResponseWriter, r *http.Request, _ driver.Kind, m driver.Driver) (any, error) {
	return nil, m.DeleteData(r.Context(), r.PathValue("ref"))
}

func (s *server) usage(_ http.ResponseWriter, r *http.Request, _ driver.Kind, m driver.Driver) (any, error) {
	return m.Usage(r.Context(), r.PathValue("ref"))
}

// extra hands /v1/{kind}/x/… to a module that serves its own routes, with the prefix
// taken off.
func (s *server) extra(w http.ResponseWriter, r *http.Request) {
	kind := r.PathValue("kind")
	h, ok := s.mods[driver.Kind(kind)].(http.Handler)
	if !ok {
		writeError(w, http.StatusNotFound, WireError{Code: CodeBadRequest, Message: "no such route"})
		return
	}
	http.StripPrefix("/v1/"+kind+"/x", h).ServeHTTP(w, r)
}
