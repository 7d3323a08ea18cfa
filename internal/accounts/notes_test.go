package accounts

import (
	"errors"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/audit"
)

func TestStaffNotes(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		sales := e.staff("sales@provider.nl", RoleSales)
		privacy := e.staff("privacy@provider.nl", RolePrivacy)
		org, admin := e.customer(sales, business("Acme BV"))
		other, _ := e.customer(sales, business("Other BV"))

		n1, err := e.s.AddNote(e.ctx, sales, org.ID, "  Called about invoice 2026-000004.\r\nPromised to pay Friday.  \n")
		if err != nil {
			t.Fatal(err)
		}
		if n1.Body != "Called about invoice 2026-000004.\nPromised to pay Friday." {
			t.Errorf("body %q: line breaks kept, blanks trimmed", n1.Body)
		}
		// Any staff member may leave a note, whatever its role.
		e.clk.Advance(3600e9)
		if _, err := e.s.AddNote(e.ctx, privacy, org.ID, "Asked for a copy of the DPA."); err != nil {
			t.Fatal(err)
		}
		notes, err := e.s.Notes(e.ctx, sales, org.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(notes) != 2 || notes[0].Body != "Asked for a copy of the DPA." || notes[0].AuthorName != "Staff privacy@provider.nl" ||
			!notes[0].CreatedAt.After(notes[1].CreatedAt) {
			t.Fatalf("notes newest first with author: %+v", notes)
		}
		if others, err := e.s.Notes(e.ctx, sales, other.ID, 0); err != nil || len(others) != 0 {
			t.Errorf("another organisation's notes: %v %v", others, err)
		}

		// Never the customer's: its own admin is refused, another organisation is not found.
		if _, err := e.s.Notes(e.ctx, admin, org.ID, 0); !errors.Is(err, ErrForbidden) {
			t.Errorf("customer reads notes: %v", err)
		}
		if _, err := e.s.AddNote(e.ctx, admin, org.ID, "hello"); !errors.Is(err, ErrForbidden) {
			t.Errorf("customer adds a note: %v", err)
		}
		if _, err := e.s.Notes(e.ctx, admin, other.ID, 0); !errors.Is(err, ErrNotFound) {
			t.Errorf("customer reads another organisation's notes: %v", err)
		}

		var fe FieldErrors
		if _, err := e.s.AddNote(e.ctx, sales, org.ID, " \n "); !errors.As(err, &fe) || fe["body"].IsZero() {
			t.Errorf("empty note: %v", err)
		}
		if _, err := e.s.AddNote(e.ctx, sales, org.ID, strings.Repeat("x", MaxNoteLen+1)); !errors.As(err, &fe) {
			t.Errorf("overlong note: %v", err)
		}

		// Each note is audited, on the provider's side of the trail, without its text.
		entries, err := audit.List(e.ctx, e.db, audit.Filter{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var noted int
		for _, en := range entries {
			if en.Action == "customer.note" {
				noted++
				if en.OrgID != 0 || strings.Contains(en.Summary, "Friday") || strings.Contains(en.Summary, "DPA") {
					t.Errorf("note entry %+v: provider-side and without the text", en)
				}
			}
		}
		if noted != 2 {
			t.Errorf("%d note entries, want 2", noted)
		}
		for _, a := range e.auditActions(org.ID) {
			if a == "customer.note" {
				t.Error("a note shows in the customer's own trail")
			}
		}
	})
}
