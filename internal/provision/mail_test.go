package provision

import (
	"strings"
	"testing"
)

// TestReadyMailsCarryNoSecret: the customer hears once that a service is ready and once
// per reset that new credentials wait in the portal; no mail carries the secret.
func TestReadyMailsCarryNoSecret(t *testing.T) {
	each(t, Settings{}, func(t *testing.T, e *env) {
		e.server("web1", 10)
		acme := e.org("Acme BV")
		sub := e.order(acme, "webhosting", "start")
		e.run()
		e.run()
		id := e.of(sub).ID
		first, err := e.svc.RevealCredentials(e.ctx, acme, id)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.ResetCredentials(e.ctx, acme, id); err != nil {
			t.Fatal(err)
		}
		e.run()
		second, err := e.svc.RevealCredentials(e.ctx, acme, id)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := e.db.QueryContext(e.ctx, `SELECT to_addr, subject, body_text FROM mail_outbox WHERE org_id = $1 AND dedupe_key LIKE 'provision-%' ORDER BY id`, acme.User.OrgID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var subjects []string
		for rows.Next() {
			var to, subject, body string
			if err := rows.Scan(&to, &subject, &body); err != nil {
				t.Fatal(err)
			}
			if to != acme.Org.Email {
				t.Errorf("mail to %q, want the organisation's contact %q", to, acme.Org.Email)
			}
			for _, secret := range []string{first.Secret, second.Secret} {
				if strings.Contains(body, secret) || strings.Contains(subject, secret) {
					t.Errorf("mail %q carries a secret", subject)
				}
			}
			if !strings.Contains(body, "https://portal.example/portal/services/") {
				t.Errorf("mail %q does not link the service page:\n%s", subject, body)
			}
			subjects = append(subjects, subject)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if len(subjects) != 2 || !strings.HasPrefix(subjects[0], "Your service") || !strings.HasPrefix(subjects[1], "New login details") {
			t.Fatalf("mails: %q, want one ready mail and one for the reset", subjects)
		}
	})
}
