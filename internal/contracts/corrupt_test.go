package contracts

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/store"
)

// TestCorruptStoredExplanationIsAnError: a stored explanation that no longer decodes is
// an error naming the record, never an empty explanation, wherever it is read: a
// terms version in the list, and a force majeure a cancellation rests on.
func TestCorruptStoredExplanationIsAnError(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cust := e.org(accounts.Business, "Klant BV")
		mail := e.plan("cloudprovider", "email", "basic")
		c := e.order(e.cp, cust, false, OrderLine{PlanID: mail.ID, Quantity: 1})
		tv, err := e.cp.PublishTermsVersion(e.ctx, e.sales, TermsVersionInput{Version: "cp-2", Effective: d("2026-06-01")})
		if err != nil {
			t.Fatal(err)
		}
		fm, err := e.cp.RecordForceMajeure(e.ctx, e.support, e.cp.today(), "flood")
		if err != nil {
			t.Fatal(err)
		}
		corrupt := func(table string, id int64) {
			t.Helper()
			if _, err := e.db.ExecContext(e.ctx, `UPDATE `+table+` SET explanation = '[{"says": ' WHERE id = $1`, id); err != nil {
				t.Fatal(err)
			}
		}
		isCorrupt := func(what string, err error, record string) {
			t.Helper()
			var ce *store.CorruptError
			if !errors.As(err, &ce) || ce.Field != "explanation" || ce.Record != record || !strings.Contains(err.Error(), record) {
				t.Fatalf("%s: err %v, want a corrupt explanation of %s", what, err, record)
			}
		}

		corrupt("terms_versions", tv.ID)
		_, err = e.cp.ListTermsVersions(e.ctx, e.sales)
		isCorrupt("list terms versions", err, fmt.Sprintf("terms version %d", tv.ID))
		err = e.cp.ObjectToTermsChange(e.ctx, cust, tv.ID, cust.User.OrgID, "no")
		isCorrupt("object to terms", err, fmt.Sprintf("terms version %d", tv.ID))

		corrupt("force_majeure", fm.ID)
		_, err = e.cp.ListForceMajeure(e.ctx, e.sales)
		isCorrupt("list force majeure", err, fmt.Sprintf("force majeure %d", fm.ID))
		e.setDay(fm.RightsFrom)
		_, err = e.cp.PreviewCancellation(e.ctx, cust, c.Subscriptions[0].ID, CancelInput{Basis: BasisForceMajeure, BasisID: fm.ID})
		isCorrupt("cancel for force majeure", err, fmt.Sprintf("force majeure %d", fm.ID))
	})
}
