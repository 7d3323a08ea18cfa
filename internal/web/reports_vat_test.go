package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/terms"
)

// TestStaffVATReportPagesAndStreams: the VAT report on the reports page shows a page
// of its rows (scheme, country, rate) with a link to the next, which starts after the
// last row shown; its CSV export is streamed with every row (issue 16).
func TestStaffVATReportPagesAndStreams(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff("anna@provider.test", accounts.RoleBilling)
		// Thirty countries' OSS rows on one day (the report reads the day totals).
		for k := range 30 {
			country := fmt.Sprintf("%c%c", 'A'+k/26, 'A'+k%26)
			if _, err := e.db.ExecContext(e.ctx, `INSERT INTO vat_days (issue_date, scheme, country, code, rate, base, vat) VALUES ($1, 'oss', $2, 'S', 2000, $3, $4)`,
				terms.DateIn(e.clk.Now(), clock.Amsterdam).String(), country, int64(10000+k), int64(2000+k)); err != nil {
				t.Fatal(err)
			}
		}
		c := e.client()
		c.login("anna@provider.test", staffSecret, "/staff/")
		r := c.get("/staff/reports")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "<td>AA</td>", "<td>AY</td>")
		lacks(t, r.Body, "<td>AZ</td>", "<td>BD</td>")
		next := regexp.MustCompile(`href="(/staff/reports\?[^"]*vat_after=[^"#]+[^"]*)"`).FindStringSubmatch(r.Body)
		if next == nil {
			t.Fatalf("no next page of the VAT report:\n%s", r.Body)
		}
		link, _, _ := strings.Cut(strings.ReplaceAll(next[1], "&amp;", "&"), "#") // a browser keeps the fragment
		r = c.get(link)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "<td>AZ</td>", "<td>BD</td>")
		lacks(t, r.Body, "<td>AY</td>", "⟦")

		r = c.get("/staff/reports/vat.csv")
		c.expect(r, http.StatusOK, "")
		if r.Header.Get("Content-Length") != "" || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("headers %v", r.Header)
		}
		recs, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
		if err != nil || len(recs) != 31 || recs[0][0] != "scheme" || recs[30][1] != "BD" || recs[30][4] != "100.29" {
			t.Fatalf("csv %d rows %v: %v", len(recs), err, recs)
		}
	})
}
