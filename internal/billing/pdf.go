package billing

import (
	"fmt"
	"strings"

	"github.com/johnfercher/maroto/v2"
	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/line"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/components/text"
	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/props"

	"github.com/hostpact/hostpact/internal/pdfdoc"
	"github.com/hostpact/hostpact/internal/terms"
)

// pdfText holds the words of a document in nl and en.
var pdfText = map[string]map[string]string{
	"nl": {"invoice": "Factuur", "credit_note": "Creditnota", "number": "Nummer", "date": "Factuurdatum", "due": "Te betalen uiterlijk",
		"period": "Periode", "reference": "Betalingskenmerk", "customer_no": "Klantnummer", "credits": "Crediteert factuur",
		"description": "Omschrijving", "qty": "Aantal", "price": "Prijs", "vat": "Btw", "amount": "Bedrag", "excl": "Totaal excl. btw",
		"vat_over": "Btw %s over %s", "incl": "Totaal incl. btw", "credit": "Verrekend tegoed", "to_pay": "Te betalen",
		"reverse": "Btw verlegd naar de afnemer (art. 196 Btw-richtlijn).", "oss": "Btw van %s (One-Stop-Shop).",
		"outside": "Niet onderworpen aan btw", "pay": "Graag betalen op %s t.n.v. %s onder vermelding van %s.",
		"kvk": "KvK", "vat_id": "Btw-id", "reason": "Reden"},
	"en": {"invoice": "Invoice", "credit_note": "Credit note", "number": "Number", "date": "Invoice date", "due": "Due date",
		"period": "Period", "reference": "Payment reference", "customer_no": "Customer number", "credits": "Credits invoice",
		"description": "Description", "qty": "Qty", "price": "Price", "vat": "VAT", "amount": "Amount", "excl": "Total excl. VAT",
		"vat_over": "VAT %s on %s", "incl": "Total incl. VAT", "credit": "Account credit applied", "to_pay": "Amount due",
		"reverse": "VAT reverse charged to the customer (art. 196 VAT Directive).", "oss": "VAT of %s (One-Stop-Shop).",
		"outside": "Not subject to VAT", "pay": "Please pay to %s in the name of %s quoting %s.",
		"kvk": "Chamber of Commerce", "vat_id": "VAT id", "reason": "Reason"},
}

// PDF renders the document in its language (nl or en), with everything a Dutch
// invoice must state (art. 35a Wet OB): both parties' names and addresses, the
// provider's VAT id and KvK number, date, number, description, period, quantity, the
// amount excl. VAT per rate, the rate and the VAT (or the reverse-charge note).
func (inv Invoice) PDF() ([]byte, error) {
	m, err := inv.layout()
	if err != nil {
		return nil, err
	}
	doc, err := m.Generate()
	if err != nil {
		return nil, fmt.Errorf("billing: pdf %s: %w", inv.Number, err)
	}
	return doc.GetBytes(), nil
}

// layout lays the document out; tests read its texts through pdfdoc.Texts.
func (inv Invoice) layout() (core.Maroto, error) {
	cb, err := pdfdoc.Config()
	if err != nil {
		return nil, err
	}
	w := pdfText[inv.Lang]
	if w == nil {
		w = pdfText["nl"]
	}
	// Amounts and dates as the reader writes them: "€ 1.234,56", "4 december 2026".
	lang := inv.Lang
	euro := func(m terms.Money) string { return m.In(lang) }
	title := w["invoice"]
	if inv.DocType == DocCreditNote {
		title = w["credit_note"]
	}
	cfg := cb.WithTitle(title+" "+inv.Number, false).WithSubject(inv.Number, false).WithAuthor(inv.Provider.Name, true).
		WithCreationDate(inv.CreatedAt).Build()
	m := maroto.New(cfg)

	bold := props.Text{Style: fontstyle.Bold}
	right := props.Text{Align: align.Right}
	boldRight := props.Text{Style: fontstyle.Bold, Align: align.Right}
	small := props.Text{Size: 8}
	p, c := inv.Provider, inv.Customer

	provLines := []string{p.Street, strings.TrimSpace(p.PostalCode + " " + p.City), w["kvk"] + " " + p.KvK, w["vat_id"] + " " + p.VATID}
	if p.IBAN != "" {
		provLines = append(provLines, "IBAN "+p.IBAN+" "+p.BIC)
	}
	if p.Email != "" {
		provLines = append(provLines, p.Email)
	}
	m.AddRows(text.NewRow(8, p.Name, props.Text{Style: fontstyle.Bold, Size: 14}))
	for _, l := range provLines {
		m.AddRows(text.NewRow(4, l, small))
	}
	m.AddRows(row.New(6))
	m.AddRows(text.NewRow(9, title+" "+inv.Number, props.Text{Style: fontstyle.Bold, Size: 13}))

	custLines := []string{c.Name, c.Street, strings.TrimSpace(c.PostalCode + " " + c.City), c.Country}
	if c.VATID != "" {
		custLines = append(custLines, w["vat_id"]+" "+c.VATID)
	}
	if c.KvK != "" {
		custLines = append(custLines, w["kvk"]+" "+c.KvK)
	}
	meta := [][2]string{{w["number"], inv.Number}, {w["date"], inv.IssueDate.In(lang)}}
	if inv.DocType == DocInvoice {
		meta = append(meta, [2]string{w["due"], inv.DueDate.In(lang)}, [2]string{w["reference"], inv.Reference})
	} else {
		meta = append(meta, [2]string{w["credits"], inv.CreditsNumber})
	}
	if !inv.PeriodStart.IsZero() {
		meta = append(meta, [2]string{w["period"], pdfdoc.Period(inv.PeriodStart, inv.PeriodEnd, lang)})
	}
	meta = append(meta, [2]string{w["customer_no"], fmt.Sprintf("K%d", inv.OrgID)})
	for i := 0; i < max(len(custLines), len(meta)); i++ {
		var left, k, v string
		if i < len(custLines) {
			left = custLines[i]
		}
		if i < len(meta) {
			k, v = meta[i][0], meta[i][1]
		}
		m.AddRows(row.New(4.5).Add(text.NewCol(6, left), text.NewCol(3, k, bold), text.NewCol(3, v)))
	}
	if inv.Reason != "" {
		m.AddRows(text.NewRow(5, w["reason"]+": "+inv.Reason))
	}
	m.AddRows(row.New(6))
	header := []core.Col{text.NewCol(5, w["description"], bold), text.NewCol(2, w["period"], bold), text.NewCol(1, w["qty"], boldRight),
		text.NewCol(1, w["price"], boldRight), text.NewCol(1, w["vat"], boldRight), text.NewCol(2, w["amount"], boldRight)}
	m.AddRows(row.New(6).Add(header...))
	m.AddRows(line.NewRow(1))
	for _, l := range inv.Lines {
		period := pdfdoc.Period(l.PeriodStart, l.PeriodEnd, lang)
		rate := pdfdoc.Percent(l.VATRate, lang)
		if l.VATCategory == VATNone {
			rate = "–"
		}
		m.AddAutoRow(text.NewCol(5, l.Description), text.NewCol(2, period, small), text.NewCol(1, fmt.Sprint(l.Quantity), right),
			text.NewCol(1, pdfdoc.Number(l.UnitPrice, lang), right), text.NewCol(1, rate, right), text.NewCol(2, euro(l.Amount), right))
		// maroto sizes an auto row to its first line; wrapped text needs room below.
		m.AddRows(row.New(2))
	}
	m.AddRows(line.NewRow(1))
	sum := func(label, value string, b bool) {
		tp, vp := props.Text{Align: align.Right}, props.Text{Align: align.Right}
		if b {
			tp.Style, vp.Style = fontstyle.Bold, fontstyle.Bold
		}
		m.AddRows(row.New(5).Add(col.New(4), text.NewCol(6, label, tp), text.NewCol(2, value, vp)))
	}
	sum(w["excl"], euro(inv.TotalExcl), false)
	for _, v := range inv.VATBreakdown {
		label := fmt.Sprintf(w["vat_over"], pdfdoc.Percent(v.Rate, lang), euro(v.Base))
		if v.Code == "O" {
			label = w["outside"] + " " + euro(v.Base)
		}
		sum(label, euro(v.VAT), false)
	}
	sum(w["incl"], euro(inv.TotalIncl), true)
	if inv.CreditApplied != 0 {
		sum(w["credit"], "− "+euro(inv.CreditApplied), false)
	}
	if inv.DocType == DocInvoice {
		sum(w["to_pay"], euro(inv.AmountDue), true)
	}
	m.AddRows(row.New(5))
	switch inv.VATScheme {
	case SchemeReverseCharge:
		m.AddRows(text.NewRow(5, w["reverse"], bold))
	case SchemeOSS:
		m.AddRows(text.NewRow(5, fmt.Sprintf(w["oss"], inv.VATCountry)))
	}
	if inv.DocType == DocInvoice && inv.AmountDue > 0 && p.IBAN != "" {
		m.AddRows(text.NewRow(5, fmt.Sprintf(w["pay"], p.IBAN, p.Name, inv.Reference)))
	}
	return m, nil
}
