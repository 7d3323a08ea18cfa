package app_test

import (
	"context"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/app"
	"github.com/hostpact/hostpact/internal/privacy"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

// personal matches column names that look like personal data: a name part equal to
// one of these words (so "subscription_id" is not an ip and "description" no name).
var personal = regexp.MustCompile(`(^|_)(email|e_mail|name|phone|mobile|addr|address|ip|street|city|postal|zip|iban|birth|person|contact|debtor|creditor|counterparty|customer_json)(_|$)`)

// TestPrivacyGuard is issue 12's guard: every table of every schema with a column
// that looks personal is covered by a privacy.Holder in app.PrivacyHolders or named
// with a reason in app.PrivacyExempt. A new package's table fails here until it says
// how a data subject's request reaches it.
func TestPrivacyGuard(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite, app.Schemas()...)
	ctx := context.Background()
	covered := map[string]string{}
	for _, h := range app.PrivacyHolders() {
		for _, tb := range h.Tables() {
			covered[tb] = h.Package()
		}
		// Every holder's queries run on the real schema.
		if _, err := h.PersonalData(ctx, db, privacy.Person{Email: "nobody@example.test"}); err != nil {
			t.Errorf("holder %s: %v", h.Package(), err)
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.Anonymise(ctx, tx, privacy.Person{Email: "nobody@example.test"}); err != nil {
			t.Errorf("holder %s: anonymise: %v", h.Package(), err)
		}
		_ = tx.Rollback()
	}
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	var missing []string
	for _, tb := range tables {
		crows, err := db.QueryContext(ctx, `SELECT name FROM pragma_table_info($1)`, tb)
		if err != nil {
			t.Fatal(err)
		}
		var cols []string
		for crows.Next() {
			var c string
			if err := crows.Scan(&c); err != nil {
				t.Fatal(err)
			}
			if personal.MatchString(c) {
				cols = append(cols, c)
			}
		}
		crows.Close()
		if len(cols) == 0 {
			continue
		}
		_, ok := covered[tb]
		_, exempt := app.PrivacyExempt[tb]
		if !ok && !exempt {
			missing = append(missing, tb+" ("+strings.Join(cols, ", ")+")")
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("tables with personal-looking columns that no privacy.Holder covers and PrivacyExempt does not name:\n  %s\n"+
			"add the table to its package's holder in app.PrivacyHolders (internal/privacy/holders), or to app.PrivacyExempt with the reason",
			strings.Join(missing, "\n  "))
	}
	for tb := range app.PrivacyExempt {
		if !slices.Contains(tables, tb) {
			t.Errorf("PrivacyExempt names %s, which no schema has", tb)
		}
	}
}
