package api

import (
	"fmt"
	"net/http"
	"testing"
)

// TestReceivablesPages: the receivables report pages by customer number (limit,
// after, next_after), each page ending with the total of all customers; the pages
// together hold each customer once (issue 16).
func TestReceivablesPages(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		f.sell(&f.a)
		f.sell(&f.b)
		f.invoices()
		var first, second ReceivablesReport
		expect(t, f.get("/api/v1/reports/receivables?limit=1", f.staffToken), http.StatusOK, &first)
		if len(first.Rows) != 2 || first.NextAfter == 0 || first.Rows[0].OrgID != first.NextAfter || first.Rows[1].OrgID != 0 {
			t.Fatalf("first page %+v", first)
		}
		expect(t, f.get(fmt.Sprintf("/api/v1/reports/receivables?limit=1&after=%d", first.NextAfter), f.staffToken), http.StatusOK, &second)
		if len(second.Rows) != 2 || second.NextAfter != 0 || second.Rows[0].OrgID <= first.Rows[0].OrgID || second.Rows[1].Total != first.Rows[1].Total {
			t.Fatalf("second page %+v after %+v", second, first)
		}
		var all ReceivablesReport
		expect(t, f.get("/api/v1/reports/receivables", f.staffToken), http.StatusOK, &all)
		if len(all.Rows) != 3 || all.NextAfter != 0 || all.Rows[2].Total != first.Rows[1].Total {
			t.Fatalf("one page of all %+v", all)
		}
		expectProblem(t, f.get("/api/v1/reports/receivables?limit=501", f.staffToken), http.StatusUnprocessableEntity)
	})
}
