package epp

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hostpact/hostpact/internal/domains/registry"
)

// EPP result codes the client acts on (RFC 5730 section 3).
const (
	CodeOK              = 1000
	CodePending         = 1001
	CodeNoMessages      = 1300
	CodeAckToDequeue    = 1301
	CodeLoggedOut       = 1500
	CodeUnimplemented   = 2101
	CodeNotEligRenew    = 2105
	CodeNotEligTransfer = 2106
	CodeAuthentication  = 2200
	CodeAuthorization   = 2201
	CodeInvalidAuthInfo = 2202
	CodePendingTransfer = 2300
	CodeNotPendingTrans = 2301
	CodeExists          = 2302
	CodeNotExists       = 2303
	CodeStatusProhibits = 2304
	CodeAssocProhibits  = 2305
	CodeParamPolicy     = 2306
	CodeCommandFailed   = 2400
	CodeClosing         = 2500
	CodeAuthClosing     = 2501
	CodeLimitClosing    = 2502
)

// Error is a registry's refusal: its code and its own words. It unwraps to the
// registry package's error a caller acts on, where there is one.
type Error struct {
	Op     string // the command, e.g. "domain:create"
	Code   int
	Msg    string
	Reason string // extValue reasons and SIDN's own messages
}

func (e *Error) Error() string {
	s := fmt.Sprintf("epp %s: %d %s", e.Op, e.Code, e.Msg)
	if e.Reason != "" {
		s += " (" + e.Reason + ")"
	}
	return s
}

// Unwrap maps the result code onto registry's errors.
func (e *Error) Unwrap() error { return sentinel(e.Code) }

func sentinel(code int) error {
	switch code {
	case CodeExists:
		return registry.ErrNotAvailable
	case CodeNotExists:
		return registry.ErrNotFound
	case CodeAuthorization, CodeInvalidAuthInfo:
		return registry.ErrAuthorization
	case CodeStatusProhibits, CodeAssocProhibits, CodeNotEligRenew, CodeNotEligTransfer,
		CodePendingTransfer, CodeNotPendingTrans, CodeUnimplemented:
		return registry.ErrNotAllowed
	case CodeCommandFailed, CodeClosing, CodeAuthClosing, CodeLimitClosing:
		return registry.ErrUnavailable
	}
	return nil
}

// TransportError is a lost or broken connection: the command may or may not have been
// applied, so a changing call first asks the registry before it tries again.
type TransportError struct {
	Op  string
	Err error
}

func (e *TransportError) Error() string { return "epp " + e.Op + ": connection: " + e.Err.Error() }

// Unwrap is registry.ErrUnavailable, so callers see one error for "try later".
func (e *TransportError) Unwrap() []error { return []error{registry.ErrUnavailable, e.Err} }

// IsTransport says whether err means the connection was lost (and the session with it).
func IsTransport(err error) bool {
	var te *TransportError
	if errors.As(err, &te) {
		return true
	}
	var ee *Error
	if errors.As(err, &ee) {
		return ee.Code >= CodeClosing
	}
	return false
}

// resultError turns a response's first result into an error when it is not a success.
func resultError(op string, r *Response) error {
	res := r.Results[0]
	if res.Code < 2000 {
		return nil
	}
	var reasons []string
	for _, x := range r.Results {
		for _, ev := range x.ExtValues {
			if ev.Reason != "" {
				reasons = append(reasons, ev.Reason)
			}
		}
	}
	if r.Extension != nil && r.Extension.SIDN != nil && r.Extension.SIDN.Response != nil {
		for _, m := range r.Extension.SIDN.Response.Msgs {
			reasons = append(reasons, strings.TrimSpace(m.Code+" "+m.Text))
		}
	}
	return &Error{Op: op, Code: res.Code, Msg: strings.TrimSpace(res.Msg), Reason: strings.Join(reasons, "; ")}
}
