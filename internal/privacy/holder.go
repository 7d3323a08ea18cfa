package privacy

import (
	"context"
	"strings"

	"github.com/hostpact/hostpact/internal/store"
)

// Person is the data subject of a request, as the packages find them: by e-mail
// address (case-insensitive), and the user accounts and organisations that resolve to
// that address. OrgIDs are only organisations whose contact the person is.
type Person struct {
	Email   string  `json:"email"`
	Name    string  `json:"name,omitempty"`
	UserIDs []int64 `json:"user_ids,omitempty"`
	OrgIDs  []int64 `json:"org_ids,omitempty"`
}

// Normal returns the address as the packages compare it.
func (p Person) Normal() string { return strings.ToLower(strings.TrimSpace(p.Email)) }

// Record is one thing a package holds about a person: a row of Table, its fields as
// exported (secrets and hashes left out).
type Record struct {
	Package string         `json:"package"`
	Table   string         `json:"table"`
	ID      string         `json:"id"`
	Fields  map[string]any `json:"fields"`
}

// Holder is how every package that keeps personal data answers for it: what it holds
// about a person (the access and portability export, cp.privacy.rights.1) and how it
// anonymises the person (erasure; what fiscal law keeps stays, with the name removed).
// Tables names the package's tables the holder answers for: the guard test in
// internal/app fails for a table with personal-looking columns that no holder names
// and that is not exempted with a reason.
type Holder interface {
	Package() string
	Tables() []string
	PersonalData(ctx context.Context, q store.Querier, p Person) ([]Record, error)
	Anonymise(ctx context.Context, q store.Querier, p Person) error
}

// Anonymised is the text that replaces a person's name and address where a record
// must stay (an issued invoice, cp.privacy.order.1 with art. 52 AWR).
const Anonymised = "[geanonimiseerd / anonymised]"

// AnonymousEmail is the address that replaces a person's: unique per record so that
// unique constraints hold, and never deliverable (.invalid, RFC 2606).
func AnonymousEmail(kind string, id int64) string {
	return "anonymised-" + kind + "-" + itoa(id) + "@anonymised.invalid"
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
