package accounts

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/authz_matrix.txt from the table")

// who is one kind of principal the action table distinguishes.
type who struct {
	name string
	p    Principal
}

// principals builds every kind of principal: staff with each single role, customer
// users of organisation 10 (admin user, each single permission, none), the admin user of
// organisation 10's reseller (20), and the admin user with a read-only API token.
func principals() []who {
	sess := &Session{ID: 1}
	var out []who
	for _, r := range Roles {
		out = append(out, who{"staff:" + string(r), Principal{User: User{ID: 1, Roles: []Role{r}}, Session: sess}})
	}
	org := &Organisation{ID: 10, ResellerID: 20}
	cust := func(name string, admin bool, perms ...Permission) who {
		return who{name, Principal{User: User{ID: 2, OrgID: 10, OrgAdmin: admin, Permissions: perms}, Org: org, Session: sess}}
	}
	out = append(out, cust("org-admin", true))
	for _, perm := range Permissions {
		out = append(out, cust("perm:"+string(perm), false, perm))
	}
	out = append(out, cust("no-perm", false))
	out = append(out, who{"reseller", Principal{User: User{ID: 3, OrgID: 20, OrgAdmin: true},
		Org: &Organisation{ID: 20, IsReseller: true}, Session: sess}})
	tok := cust("org-admin-read-token", true)
	tok.p.Session, tok.p.Token = nil, &APIToken{ID: 1, Scopes: []Scope{ScopeRead}}
	return append(out, tok)
}

// target is organisation 10 as its objects name it, or the provider for staff-only actions.
var target = OrgRef{ID: 10, ResellerID: 20}

func mark(err error) string {
	switch {
	case err == nil:
		return "x"
	case errors.Is(err, ErrNotFound):
		return "n"
	}
	return "."
}

// TestActionTable walks every action × role × permission and compares the outcome with
// the reviewed matrix in testdata/authz_matrix.txt (x allowed, . forbidden, n not found).
// A change to who may do what shows up as a diff of that file in review; run
// `go test ./internal/accounts -run TestActionTable -update` to accept it.
func TestActionTable(t *testing.T) {
	t.Parallel()
	ws := principals()
	var b strings.Builder
	b.WriteString("# action × principal on organisation 10 (reseller 20): x allowed, . forbidden, n not found\n")
	for i, w := range ws {
		fmt.Fprintf(&b, "# %2d %s\n", i+1, w.name)
	}
	for _, a := range Actions() {
		fmt.Fprintf(&b, "%-22s", a)
		for _, w := range ws {
			b.WriteString(" " + mark(w.p.Check(a, target)))
		}
		b.WriteString("\n")
	}
	path := filepath.Join("testdata", "authz_matrix.txt")
	if *updateGolden {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("the action table changed; review and run with -update.\ngot:\n%s\nwant:\n%s", got, want)
	}
}

// TestActionTableInvariants checks what must hold whatever the table says.
func TestActionTableInvariants(t *testing.T) {
	t.Parallel()
	ws := principals()
	admin := Principal{User: User{ID: 9, Roles: []Role{RoleAdmin}}, Session: &Session{ID: 9}}
	for _, a := range Actions() {
		r := table[a]
		// A staff admin holds every role, and nothing that only customers do.
		if staffMay := r.anyStaff || len(r.staff) > 0; (admin.Check(a, target) == nil) != staffMay {
			t.Errorf("%s: staff admin allowed = %v, want %v", a, !staffMay, staffMay)
		}
		for _, w := range ws {
			p := w.p
			// Someone else's organisation is never found, whoever asks (staff aside).
			if !p.IsStaff() && !r.self {
				if err := p.Check(a, OrgRef{ID: 99}); !errors.Is(err, ErrNotFound) {
					t.Errorf("%s by %s on a stranger: %v, want not found", a, w.name, err)
				}
			}
			// A principal that has not finished signing in, or is disabled, may do nothing.
			pending := p
			if pending.Session != nil {
				s := *pending.Session
				s.MFAPending = true
				pending.Session = &s
				if err := pending.Check(a, target); err == nil {
					t.Errorf("%s by %s with MFA pending allowed", a, w.name)
				}
			}
			disabled := p
			disabled.User.Disabled = true
			if err := disabled.Check(a, target); err == nil {
				t.Errorf("%s by disabled %s allowed", a, w.name)
			}
			// A read token never changes anything.
			if r.write && p.Token != nil && p.Check(a, target) == nil {
				t.Errorf("%s allowed with a read-only token", a)
			}
		}
		// Staff without any role do only what every staff member may.
		bare := Principal{User: User{ID: 8}, Session: &Session{ID: 8}}
		if err := bare.Check(a, target); (err == nil) != r.anyStaff {
			t.Errorf("%s by staff without a role: %v", a, err)
		}
	}
	if err := admin.Check(Action("no.such.action"), Provider); !errors.Is(err, ErrForbidden) {
		t.Errorf("unknown action: %v", err)
	}
}
