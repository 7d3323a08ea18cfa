package billing

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hostpact/hostpact/internal/terms"
)

// vatDecision is the VAT treatment of one customer on one day.
type vatDecision struct {
	scheme  string
	country string
	ex      terms.Explanation
}

func inEU(pol *terms.Policy, country string) bool {
	if country == "EL" {
		country = "GR"
	}
	_, ok := pol.Tables().VAT.EUStandard[country]
	return ok
}

// decideVAT: prices exclude VAT (cp.av.4.1, fo.av.15.1). A business in another member
// state with a VAT id is invoiced without VAT (reverse charge, art. 196 VAT Directive:
// "btw verlegd"); a consumer in another member state pays that state's rate
// (One-Stop-Shop); everyone else Dutch VAT.
func decideVAT(pol *terms.Policy, c Party, kind terms.CustomerKind) vatDecision {
	clause := strings.Join(pol.Terms.VAT.Clauses, ", ")
	switch {
	case kind == terms.Business && c.Country != "NL" && c.VATID != "" && inEU(pol, c.Country):
		return vatDecision{scheme: SchemeReverseCharge, country: c.Country, ex: terms.Explanation{{Clause: clause,
			Says:   "A business customer in another EU member state with a VAT id is invoiced without VAT; the customer accounts for it (reverse charge, btw verlegd).",
			Inputs: []terms.Input{{Name: "country", Value: c.Country}, {Name: "vat_id", Value: c.VATID}}, Value: "0%",
			Key: "vat.reverse_charge", Args: terms.StepArgs(map[string]any{"country": c.Country})}}}
	case kind == terms.Consumer && c.Country != "NL" && inEU(pol, c.Country):
		return vatDecision{scheme: SchemeOSS, country: c.Country, ex: terms.Explanation{{Clause: clause,
			Says:   "A consumer in another EU member state pays that state's VAT rate (One-Stop-Shop).",
			Inputs: []terms.Input{{Name: "country", Value: c.Country}}, Value: c.Country,
			Key: "vat.oss_scheme", Args: terms.StepArgs(map[string]any{"country": c.Country})}}}
	}
	return vatDecision{scheme: SchemeDomestic, country: "NL", ex: terms.Explanation{{Clause: clause,
		Says:   "Dutch VAT applies at the Dutch rate of the category.",
		Inputs: []terms.Input{{Name: "country", Value: c.Country}, {Name: "kind", Value: string(kind)}}, Value: "NL", Key: "vat.domestic"}}}
}

// rate returns the VAT rate of a line category under the decision, from the pack's
// tables (terms.Policy.VATRate); nothing here knows a percentage.
func (d vatDecision) rate(pol *terms.Policy, category string, on terms.Date) (terms.Rate, error) {
	switch {
	case category == VATNone:
		return 0, nil
	case d.scheme == SchemeReverseCharge:
		return 0, nil
	case d.scheme == SchemeOSS && category == terms.VATStandard:
		country := d.country
		if country == "EL" {
			country = "GR"
		}
		r, _, err := pol.VATRate(country, category, on)
		return r, err
	}
	r, _, err := pol.VATRate("NL", category, on)
	return r, err
}

// vatCode is the UNCL5305 code of a line's VAT category under a scheme.
func vatCode(scheme, category string, rate terms.Rate) string {
	switch {
	case category == VATNone:
		return "O"
	case scheme == SchemeReverseCharge:
		return "AE"
	case rate == 0:
		return "Z"
	}
	return "S"
}

// breakdown groups lines by VAT code and rate and computes the VAT once per group,
// rounded half away from zero (DESIGN.md principle 7: VAT per invoice per rate).
func breakdown(scheme string, lines []Line) (vat []VATLine, excl, tax terms.Money) {
	type key struct {
		code string
		rate terms.Rate
	}
	groups := map[key]*VATLine{}
	for _, l := range lines {
		k := key{vatCode(scheme, l.VATCategory, l.VATRate), l.VATRate}
		g := groups[k]
		if g == nil {
			g = &VATLine{Code: k.code, Category: l.VATCategory, Rate: l.VATRate}
			groups[k] = g
		}
		g.Base += l.Amount
		excl += l.Amount
	}
	for _, g := range groups {
		g.VAT = terms.VATAmount(g.Base, g.Rate)
		tax += g.VAT
		vat = append(vat, *g)
	}
	sort.Slice(vat, func(i, j int) bool {
		if vat[i].Rate != vat[j].Rate {
			return vat[i].Rate > vat[j].Rate
		}
		return vat[i].Code < vat[j].Code
	})
	return vat, excl, tax
}

// rfReference builds an ISO 11649 structured creditor reference ("RF" + two check
// digits + up to 21 alphanumerics) from an invoice's series and sequence number:
// RF + cc + series digits + the sequence zero-padded to 6 digits. Banks in the
// Netherlands and the SEPA area carry it unchanged in the remittance information, and
// its mod-97 check catches typing errors.
func rfReference(series string, seq int64) string {
	body := strings.ToUpper(series) + fmt.Sprintf("%06d", seq)
	return "RF" + rfCheck(body) + body
}

func rfCheck(body string) string {
	m := mod97(body + "RF00")
	return fmt.Sprintf("%02d", 98-m)
}

func mod97(s string) int {
	r := 0
	for _, c := range s {
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
			r = (r*10 + v) % 97
			continue
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		default:
			return -1
		}
		r = (r*100 + v) % 97
	}
	return r
}

// NormaliseReference turns a payment reference as a bank statement writes it
// ("rf18 2027 0000 01") into its stored form and checks its check digits. It returns
// "" when the text is no valid ISO 11649 reference.
func NormaliseReference(ref string) string {
	r := strings.ToUpper(strings.Join(strings.Fields(ref), ""))
	if len(r) < 5 || len(r) > 25 || !strings.HasPrefix(r, "RF") {
		return ""
	}
	if mod97(r[4:]+r[:4]) != 1 {
		return ""
	}
	return r
}
