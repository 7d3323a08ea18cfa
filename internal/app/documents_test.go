package app_test

import (
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/documents"
)

// An order records the document versions in force that it showed, with their hashes,
// in the transaction that concludes the contract, and the confirmation mail links them:
// a consumer gets the withdrawal information, a business the DPA (art. 6:234 BW).
func TestOrderRecordsTheDocumentsShown(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		published := map[documents.Kind]documents.Version{}
		for _, k := range []documents.Kind{documents.Terms, documents.Privacy, documents.Withdrawal, documents.DPA} {
			v, err := e.a.Documents.Publish(e.ctx, e.staff, documents.Input{Kind: k, Version: "2026-01", Lang: "nl", Title: "Titel " + string(k),
				Body: "Tekst van " + string(k) + ". {#cp." + string(k) + ".1}\n", EffectiveOn: e.today()}, "")
			if err != nil {
				t.Fatal(err)
			}
			published[k] = v
		}
		for _, tc := range []struct {
			kind  accounts.OrgKind
			name  string
			kinds []documents.Kind
		}{
			{accounts.Consumer, "Jan de Vries", []documents.Kind{documents.Terms, documents.Privacy, documents.Withdrawal}},
			{accounts.Business, "Bakkerij Jansen B.V.", []documents.Kind{documents.Terms, documents.Privacy, documents.DPA}},
		} {
			org, subID := e.customer(tc.kind, tc.name, "webhosting/start")
			sub, err := e.a.Contracts.GetSubscription(e.ctx, e.staff, subID)
			if err != nil {
				t.Fatal(err)
			}
			shown, err := e.a.Documents.Shown(e.ctx, sub.ContractID)
			if err != nil || len(shown) != len(tc.kinds) {
				t.Fatalf("%s: shown %+v %v", tc.name, shown, err)
			}
			mails := e.mails("contract:" + itoa(sub.ContractID) + ":concluded")
			if len(mails) != 1 {
				t.Fatalf("%s: %d confirmations", tc.name, len(mails))
			}
			for i, k := range tc.kinds {
				if shown[i].ID != published[k].ID || shown[i].Hash != published[k].Hash {
					t.Errorf("%s: recorded %+v, want %s", tc.name, shown[i], k)
				}
				if !strings.Contains(mails[0], "Titel "+string(k)+", versie 2026-01: "+shown[i].URL) {
					t.Errorf("%s: the confirmation does not link %s:\n%s", tc.name, k, mails[0])
				}
			}
			if n := e.count(`SELECT COUNT(*) FROM audit_entries WHERE action = 'contract.documents' AND org_id = $1`, org.ID); n != 1 {
				t.Errorf("%s: %d audit entries for the documents", tc.name, n)
			}
		}
	})
}
