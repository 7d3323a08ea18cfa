package accounts

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

// BenchmarkCustomerSearch: a page of the customer search among 20,000 customers shaped
// as `hostpact bench pages` makes them ("Klant N", klantN@example.nl), for a term
// every customer matches, one that a few do and one that none does, on each engine
// (issue 16). Compare CPU per operation; the machine's wall clock is shared.
func BenchmarkCustomerSearch(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			db := storetest.Open(b, d, audit.Schema, notify.Schema, Schema)
			ctx := context.Background()
			const n = 20000
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			for i := 1; i <= n; i++ {
				if _, err := tx.ExecContext(ctx, `INSERT INTO organisations (kind, legal_name, contact_name, email, phone, language,
					postal_street, postal_code, postal_city, postal_country, billing_street, billing_postal_code, billing_city, billing_country,
					kvk, vat_id, is_reseller, created_at, updated_at)
					VALUES ('consumer', $1, '', $2, '', 'nl', 'Dorpsstraat 1', '1234 AB', 'Amsterdam', 'NL', '', '', '', '', '', '', $3, $4, $4)`,
					fmt.Sprintf("Klant %d", i), fmt.Sprintf("klant%d@example.nl", i), false, time.Now().UTC()); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
			if d == store.Postgres {
				if _, err := db.ExecContext(ctx, `ANALYZE organisations`); err != nil {
					b.Fatal(err)
				}
			}
			s := New(db, clock.NewFake(t0), Config{BaseURL: "https://portal.example/", Argon2: lightArgon})
			admin := Principal{User: User{ID: 1, Email: "admin@provider.test", Roles: []Role{RoleAdmin}}}
			for _, q := range []string{"example.nl", "klant 10005", "jansen", "kl"} {
				for _, after := range []int64{0, 7275} {
					b.Run(fmt.Sprintf("q=%s/after=%d", q, after), func(b *testing.B) {
						for b.Loop() {
							if _, err := s.ListOrganisationsAfter(ctx, admin, OrgFilter{Query: q, PerPage: 26, AfterID: after}); err != nil {
								b.Fatal(err)
							}
						}
					})
				}
			}
		})
	}
}
