package demo

import (
	"context"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/documents"
)

// The clauses the demo documents must anchor, so explanations that cite them link to
// a paragraph: cancellation, withdrawal and payment in the terms (cp.av.13.1-13.10,
// cp.av.14.1-14.7), and the paragraph of each other document a decision cites.
var wantClauses = map[documents.Kind][]string{
	documents.Terms: {"cp.av.13.1", "cp.av.13.2", "cp.av.13.3", "cp.av.13.4", "cp.av.13.5", "cp.av.13.9", "cp.av.13.10",
		"cp.av.14.1", "cp.av.14.2", "cp.av.14.3", "cp.av.14.4", "cp.av.14.7", "cp.av.2.2", "cp.av.4.3", "cp.av.17.1", "cp.av.18.2"},
	documents.Withdrawal: {"cp.withdrawal.right.1", "cp.withdrawal.right.2", "cp.withdrawal.right.3", "cp.withdrawal.exceptions.1", "cp.av.13.9"},
	documents.Privacy:    {"cp.privacy.serverlogs.2", "cp.privacy.rights.3", "cp.privacy.vpn.2"},
	documents.SLA:        {"cp.sla.availability.1", "cp.sla.compensation.2", "cp.sla.compensation.5", "cp.sla.exclusions.8"},
	documents.NTD:        {"cp.ntd.2.3", "cp.ntd.2.6"},
	documents.Disclosure: {"cp.rd.expect.4", "cp.rd.expect.5", "cp.rd.expect.7", "cp.rd.expect.8"},
	documents.DPA:        {"cp.dpa.6.2", "cp.dpa.8.1", "cp.dpa.8.3"},
	documents.Disclaimer: {"cp.disclaimer.intro.1"},
}

// Every demo document exists in both languages, with the same clause anchors in each,
// and would be accepted for publication.
func TestDemoDocuments(t *testing.T) {
	t.Parallel()
	for _, k := range documents.Kinds {
		var clauses [2]string
		for i, lang := range documents.Languages {
			title, body, err := demoDocument(k, lang)
			if err != nil {
				t.Fatalf("%s.%s: %v", k, lang, err)
			}
			if title == "" || strings.HasPrefix(body, "# ") {
				t.Errorf("%s.%s: title %q", k, lang, title)
			}
			got := documents.Clauses(body)
			clauses[i] = strings.Join(got, " ")
			for _, c := range wantClauses[k] {
				if !strings.Contains(" "+clauses[i]+" ", " "+c+" ") {
					t.Errorf("%s.%s lacks clause %s", k, lang, c)
				}
			}
			for _, b := range documents.Blocks(body) {
				if strings.Contains(b.Text, "{#") {
					t.Errorf("%s.%s: malformed anchor in %q", k, lang, b.Text)
				}
			}
		}
		if clauses[0] != clauses[1] {
			t.Errorf("%s: the Dutch and English texts anchor different clauses:\nnl %s\nen %s", k, clauses[0], clauses[1])
		}
	}
}

// The demo publishes its documents before it places its orders, so the orders record
// the versions they showed and the confirmation mails link them; seeding again changes
// nothing.
func TestSeedPublishesDocumentsAndOrdersLinkThem(t *testing.T) {
	eachSeeded(t, func(t *testing.T, s *seededDemo) {
		a, db := s.a, s.db // seeded twice
		ctx := context.Background()
		count := func(q string) int {
			var n int
			if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		versions, shown := s.versions, s.shown // after the first seed
		if versions != 2*len(documents.Kinds) || shown != len(demoOrders["cloudprovider"])*3 {
			t.Fatalf("%d document versions, %d recorded for orders", versions, shown)
		}
		ref, err := a.Documents.InForce(ctx, documents.Withdrawal, "nl", a.Documents.Today())
		if err != nil {
			t.Fatal(err)
		}
		var body string
		if err := db.QueryRowContext(ctx, `SELECT m.body_text FROM mail_outbox m WHERE m.dedupe_key LIKE 'contract:%:concluded' AND m.to_addr = 'jan@devries.test'`).Scan(&body); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(body, ref.URL) || !strings.Contains(body, "Herroepingsrecht en modelformulier") {
			t.Fatalf("the consumer's confirmation does not link the withdrawal information %s:\n%s", ref.URL, body)
		}
		if count(`SELECT COUNT(*) FROM document_versions`) != versions || count(`SELECT COUNT(*) FROM order_documents`) != shown {
			t.Fatal("a second seed changed the documents")
		}
	})
}
