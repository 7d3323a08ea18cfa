package abuse

import (
	"errors"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
)

// The evidence of a case goes to the abuse desk only, one file of this case at a time;
// child sexual abuse evidence is never handed out (it goes to the hotline).
func TestEvidenceFile(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		n := notice("r@rights.test", "https://shop-example.nl/a.jpg")
		n.Evidence = []Upload{{Name: "proof.pdf", Data: strings.NewReader("%PDF-1.4 proof")}}
		c, err := e.svc.Submit(e.ctx, n)
		e.ok(err)
		fs, err := e.svc.Evidence(e.ctx, abuseDesk, c.ID)
		e.ok(err)
		if len(fs) != 1 {
			t.Fatalf("evidence %v", fs)
		}
		f, data, err := e.svc.EvidenceFile(e.ctx, abuseDesk, c.ID, fs[0].ID)
		e.ok(err)
		if string(data) != "%PDF-1.4 proof" || f.ContentType != "application/pdf" {
			t.Fatalf("%+v %q", f, data)
		}
		support := accounts.Principal{User: accounts.User{ID: 5, Email: "support@provider.test", Roles: []accounts.Role{accounts.RoleSupport}}}
		for _, p := range []accounts.Principal{support, salesP, customerOf(101)} {
			if _, _, err := e.svc.EvidenceFile(e.ctx, p, c.ID, fs[0].ID); err == nil {
				t.Errorf("%s downloaded the evidence", p.User.Email)
			}
		}
		n2 := notice("x@rights.test", "https://shop-example.nl/b.jpg")
		n2.Ground, n2.Evidence = "csam", []Upload{{Name: "x.pdf", Data: strings.NewReader("%PDF-1.4 x")}}
		c2, err := e.svc.Submit(e.ctx, n2)
		e.ok(err)
		if _, _, err := e.svc.EvidenceFile(e.ctx, abuseDesk, c2.ID, fs[0].ID); !errors.Is(err, ErrEvidenceWithheld) {
			t.Errorf("csam case: %v, want withheld", err)
		}
		fs2, err := e.svc.Evidence(e.ctx, abuseDesk, c2.ID)
		e.ok(err)
		// Another case's file through this case: not found.
		c3, err := e.svc.Submit(e.ctx, notice("y@rights.test", "https://shop-example.nl/c.jpg"))
		e.ok(err)
		if _, _, err := e.svc.EvidenceFile(e.ctx, abuseDesk, c3.ID, fs2[0].ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("another case's file: %v, want not found", err)
		}
		var n3 int
		e.ok(e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM audit_entries WHERE action = 'abuse.evidence_download'`).Scan(&n3))
		if n3 != 1 {
			t.Errorf("audited downloads %d, want 1", n3)
		}
	})
}
