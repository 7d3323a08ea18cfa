package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/hostpact/hostpact/internal/provision/driver"
)

// The wire format between hostpact (internal/provision/drivers/agentdriver) and the
// agent: JSON bodies that are the driver package's own types, and errors as ErrorBody.

// Error codes an agent answers with; the client turns each back into the driver
// package's error of the same meaning.
const (
	CodeRefused    = "refused"     // a *driver.Refusal: the module said no (HTTP 409)
	CodeNotFound   = "not_found"   // driver.ErrNotFound (HTTP 404)
	CodeBadRequest = "bad_request" // the request itself is malformed (HTTP 400, 404, 405, 413)
	CodeInternal   = "internal"    // anything else; hostpact retries (HTTP 500)
)

// ErrorBody is every error answer.
type ErrorBody struct {
	Error WireError `json:"error"`
}

// WireError is one error: Code says what hostpact does with it, Op and Message are for
// staff (a module's refusal in its own words).
type WireError struct {
	Code    string `json:"code"`
	Op      string `json:"op,omitempty"`
	Message string `json:"message"`
}

// SuspendRequest is the body of POST …/suspend.
type SuspendRequest struct {
	Reason driver.SuspendReason `json:"reason"`
}

// CredentialsRequest is the body of POST …/credentials.
type CredentialsRequest struct {
	Secret string `json:"secret"`
}

// Health is the answer of GET /v1/health: the kinds this agent delivers.
type Health struct {
	Status string        `json:"status"`
	Kinds  []driver.Kind `json:"kinds"`
}

// Located is the answer of GET /v1/locate?ref=: which module holds the account.
type Located struct {
	Ref  string      `json:"ref"`
	Kind driver.Kind `json:"kind"`
}

// MaxBody bounds every request body: an account with its package is a few hundred
// bytes, so 64 KiB leaves room for a module's extra settings and nothing more.
const MaxBody = 64 << 10

// MaxSecret bounds a secret; hostpact generates far shorter ones.
const MaxSecret = 256

// Decode reads exactly one JSON value into v from r, at most MaxBody bytes. Unknown
// fields are accepted so that a newer hostpact can talk to an older agent.
func Decode(r io.Reader, v any) error {
	data, err := io.ReadAll(io.LimitReader(r, MaxBody+1))
	if err != nil {
		return err
	}
	if len(data) > MaxBody {
		return fmt.Errorf("body larger than %d bytes", MaxBody)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("body is not the expected JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("body holds more than one JSON value")
	}
	return nil
}

// ValidSecret checks a secret before any module sees it: present, bounded, and free of
// the control characters that would end a line in chpasswd's or a config file's input.
func ValidSecret(s string) error {
	if s == "" {
		return errors.New("secret is empty")
	}
	if len(s) > MaxSecret {
		return fmt.Errorf("secret is longer than %d bytes", MaxSecret)
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f {
			return errors.New("secret holds a control character")
		}
	}
	return nil
}

// ValidAccount checks a create request for kind.
func ValidAccount(kind driver.Kind, a driver.Account) error {
	if err := driver.ValidRef(a.Ref); err != nil {
		return err
	}
	if a.Kind != "" && a.Kind != kind {
		return fmt.Errorf("account of kind %q sent to the %q module", a.Kind, kind)
	}
	if err := ValidSecret(a.Secret); err != nil {
		return err
	}
	if a.Domain != "" && !ValidDomain(a.Domain) {
		return fmt.Errorf("domain %q is not an ASCII host name", a.Domain)
	}
	return nil
}

// ValidDomain reports whether d is an ASCII (punycode) host name of letter-digit-hyphen
// labels: the only thing a module may write into a web server's configuration.
func ValidDomain(d string) bool {
	if len(d) == 0 || len(d) > 253 {
		return false
	}
	label := 0
	for i := 0; i < len(d); i++ {
		c := d[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c >= 'A' && c <= 'Z':
			label++
		case c == '-':
			if label == 0 || i == len(d)-1 || d[i+1] == '.' {
				return false
			}
			label++
		case c == '.':
			if label == 0 || i == len(d)-1 {
				return false
			}
			label = 0
			continue
		default:
			return false
		}
		if label > 63 {
			return false
		}
	}
	return true
}
