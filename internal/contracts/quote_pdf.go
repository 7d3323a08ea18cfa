package contracts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/johnfercher/maroto/v2"
	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/line"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/components/text"
	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/props"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/pdfdoc"
	"github.com/hostpact/hostpact/internal/terms"
)

// ErrContentMismatch: a sent quote's stored content no longer matches its hash, so no
// document is made from it.
var ErrContentMismatch = errors.New("contracts: the quote's frozen content does not match its sha256")

// quoteDoc is what a quote's PDF shows. For a sent quote the lines, totals, terms
// version and expiry come from the frozen content (content_json), so the document
// always matches what was hashed and what an acceptance is given to.
type quoteDoc struct {
	Lang         string
	ID           int64
	Title        string
	Draft        bool
	Provider     terms.Provider
	Customer     accounts.Organisation
	SentOn       terms.Date
	Expires      terms.Date
	ExpiryClause string
	Lines        []Line
	Totals       Totals
	TermsVersion string
	ContentHash  string
	Link         string
	CreatedAt    time.Time
}

// QuotePDF renders a quote as PDF in the customer's language (nl or en), with the
// provider, the customer, the quote's number, the date it was sent, the last day it
// can be accepted with the clause that sets it, the lines and totals excl. VAT, the
// VAT per rate, the terms version, the content's sha256 and the link to accept it.
// A sent quote is rendered from its frozen content, which must match the stored hash;
// a draft (staff only: GetQuote hides drafts from customers) from its current lines,
// marked as a draft. The customer's name and address are read as they are now.
func (s *Service) QuotePDF(ctx context.Context, by accounts.Principal, id int64) (Quote, []byte, error) {
	qt, err := s.GetQuote(ctx, by, id)
	if err != nil {
		return Quote{}, nil, err
	}
	if s.customers == nil {
		return Quote{}, nil, errors.New("contracts: no customer directory configured")
	}
	org, err := s.customers.GetOrganisation(ctx, by, qt.OrgID)
	if err != nil {
		return Quote{}, nil, err
	}
	doc, err := s.quoteDoc(qt, org)
	if err != nil {
		return Quote{}, nil, err
	}
	pdf, err := doc.pdf()
	if err != nil {
		return Quote{}, nil, err
	}
	return qt, pdf, nil
}

// quoteDoc assembles the document of qt for the customer org.
func (s *Service) quoteDoc(qt Quote, org accounts.Organisation) (quoteDoc, error) {
	d := quoteDoc{Lang: fromOrg(org).Lang, ID: qt.ID, Title: qt.Title, Provider: s.pack.Provider, Customer: org,
		Link: s.baseURL + fmt.Sprintf("/portal/quotes/%d", qt.ID), CreatedAt: qt.CreatedAt}
	if qt.Status == QuoteDraft {
		d.Draft, d.Lines, d.Totals, d.Expires = true, qt.Lines, qt.Totals, qt.ValidUntil
		return d, nil
	}
	sum := sha256.Sum256([]byte(qt.ContentJSON))
	if qt.ContentJSON == "" || hex.EncodeToString(sum[:]) != qt.ContentHash {
		return quoteDoc{}, fmt.Errorf("%w (quote %d)", ErrContentMismatch, qt.ID)
	}
	c, err := parseContent(qt.ContentJSON)
	if err != nil {
		return quoteDoc{}, fmt.Errorf("contracts: quote %d content: %w", qt.ID, err)
	}
	if c.Type != "quote" || c.QuoteID != qt.ID || c.OrgID != qt.OrgID {
		return quoteDoc{}, fmt.Errorf("%w (quote %d: content of %s %d)", ErrContentMismatch, qt.ID, c.Type, c.QuoteID)
	}
	d.Lines, d.Totals, d.TermsVersion, d.Expires, d.ContentHash = c.Lines, c.Totals, c.TermsVersion, c.Expires, qt.ContentHash
	d.SentOn, d.ExpiryClause = qt.SentOn, strings.Join(qt.ExpiryExplanation.Clauses(), ", ")
	return d, nil
}

// parseContent reads frozen content back. A one-off line's period is stored as "",
// which terms.Period does not parse, so periods are read as text first.
func parseContent(js string) (content, error) {
	var raw struct {
		content
		Lines []struct {
			Line
			Period string `json:"period"`
		} `json:"lines"`
	}
	if err := json.Unmarshal([]byte(js), &raw); err != nil {
		return content{}, err
	}
	c := raw.content
	c.Lines = nil
	for _, rl := range raw.Lines {
		l := rl.Line
		if rl.Period != "" {
			p, err := terms.ParsePeriod(rl.Period)
			if err != nil {
				return content{}, err
			}
			l.Period = p
		}
		c.Lines = append(c.Lines, l)
	}
	return c, nil
}

// quotePDFText holds the words of a quote in nl and en.
var quotePDFText = map[string]map[string]string{
	"nl": {"quote": "Offerte", "draft": "CONCEPT — niet verzonden, niet te accepteren", "number": "Offertenummer", "sent": "Datum",
		"valid": "Geldig tot en met", "customer_no": "Klantnummer", "terms": "Voorwaarden", "version": "versie %s",
		"description": "Omschrijving", "period": "Periode", "qty": "Aantal", "price": "Prijs excl. btw", "vat": "Btw", "amount": "Bedrag excl. btw",
		"excl": "Totaal excl. btw", "vat_over": "Btw %s over %s", "incl": "Totaal incl. btw",
		"setup": "eenmalige kosten %s", "term": "per contracttermijn %s", "one_off": "eenmalig",
		"per_month": "per maand", "per_months": "per %d maanden", "per_year": "per jaar", "per_years": "per %d jaar",
		"kvk": "KvK", "vat_id": "Btw-id", "seat": "Vestigingsplaats", "prices": "Alle prijzen zijn exclusief btw.",
		"accept": "Accepteren: %s", "hash": "Inhoud sha256: %s", "clause": "artikel %s"},
	"en": {"quote": "Quote", "draft": "DRAFT — not sent, cannot be accepted", "number": "Quote number", "sent": "Date",
		"valid": "Valid until (inclusive)", "customer_no": "Customer number", "terms": "Terms", "version": "version %s",
		"description": "Description", "period": "Period", "qty": "Qty", "price": "Price excl. VAT", "vat": "VAT", "amount": "Amount excl. VAT",
		"excl": "Total excl. VAT", "vat_over": "VAT %s on %s", "incl": "Total incl. VAT",
		"setup": "one-off setup fee %s", "term": "per contract term %s", "one_off": "one-off",
		"per_month": "per month", "per_months": "per %d months", "per_year": "per year", "per_years": "per %d years",
		"kvk": "Chamber of Commerce", "vat_id": "VAT id", "seat": "Registered office", "prices": "All prices exclude VAT.",
		"accept": "Accept: %s", "hash": "Content sha256: %s", "clause": "clause %s"},
}

// periodText names how often a line's price recurs.
func periodText(w map[string]string, l Line) string {
	if l.Billing != catalog.Subscription || l.Period.IsZero() {
		return w["one_off"]
	}
	switch m, ok := l.Period.InMonths(); {
	case !ok:
		return l.Period.Words()
	case m == 1:
		return w["per_month"]
	case m == 12:
		return w["per_year"]
	case m%12 == 0:
		return fmt.Sprintf(w["per_years"], m/12)
	default:
		return fmt.Sprintf(w["per_months"], m)
	}
}

// shortHash is the first 16 hex digits of a sha256, enough to compare by eye.
func shortHash(h string) string {
	if len(h) > 16 {
		return h[:16]
	}
	return h
}

func (d quoteDoc) pdf() ([]byte, error) {
	m, err := d.layout()
	if err != nil {
		return nil, err
	}
	doc, err := m.Generate()
	if err != nil {
		return nil, fmt.Errorf("contracts: pdf of quote %d: %w", d.ID, err)
	}
	return doc.GetBytes(), nil
}

// layout lays the quote out; tests read its texts through pdfdoc.Texts.
func (d quoteDoc) layout() (core.Maroto, error) {
	w := quotePDFText[d.Lang]
	if w == nil {
		w = quotePDFText["nl"]
	}
	// Amounts and dates as the reader writes them: "€ 1.234,56", "4 december 2026".
	lang := d.Lang
	euro := func(m terms.Money) string { return m.In(lang) }
	number := fmt.Sprint(d.ID)
	cb, err := pdfdoc.Config()
	if err != nil {
		return nil, err
	}
	cb = cb.WithTitle(w["quote"]+" "+number+": "+d.Title, true).WithSubject(w["quote"]+" "+number, false).
		WithAuthor(d.Provider.LegalName, true).WithCreationDate(d.CreatedAt)
	if d.ContentHash != "" {
		cb = cb.WithKeywords("sha256:"+d.ContentHash, false)
	}
	m := maroto.New(cb.Build())

	bold := props.Text{Style: fontstyle.Bold}
	right := props.Text{Align: align.Right}
	boldRight := props.Text{Style: fontstyle.Bold, Align: align.Right}
	small := props.Text{Size: 8}
	p, c := d.Provider, d.Customer

	name := p.LegalName
	if len(p.TradeNames) > 0 {
		name = p.TradeNames[0]
	}
	var provLines []string
	if name != p.LegalName {
		provLines = append(provLines, p.LegalName)
	}
	provLines = append(provLines, p.Address)
	if p.Seat != "" {
		provLines = append(provLines, w["seat"]+" "+p.Seat)
	}
	provLines = append(provLines, w["kvk"]+" "+p.KvK)
	if p.VATID != "" {
		provLines = append(provLines, w["vat_id"]+" "+p.VATID)
	}
	for _, x := range []string{p.Email, p.Phone, p.Website} {
		if x != "" {
			provLines = append(provLines, x)
		}
	}
	m.AddRows(text.NewRow(8, name, props.Text{Style: fontstyle.Bold, Size: 14}))
	for _, l := range provLines {
		if strings.TrimSpace(l) != "" {
			m.AddRows(text.NewRow(4, l, small))
		}
	}
	m.AddRows(row.New(6))
	m.AddRows(text.NewRow(9, w["quote"]+" "+number+": "+d.Title, props.Text{Style: fontstyle.Bold, Size: 13}))
	if d.Draft {
		m.AddRows(text.NewRow(7, w["draft"], props.Text{Style: fontstyle.Bold, Size: 11}))
	}

	addr := c.BillingAddress
	if addr.Street == "" && addr.City == "" {
		addr = c.PostalAddress
	}
	custLines := []string{c.LegalName}
	if c.ContactName != "" && c.ContactName != c.LegalName {
		custLines = append(custLines, c.ContactName)
	}
	custLines = append(custLines, addr.Street, strings.TrimSpace(addr.PostalCode+" "+addr.City), addr.Country)
	if c.VATID != "" {
		custLines = append(custLines, w["vat_id"]+" "+c.VATID)
	}
	if c.KvK != "" {
		custLines = append(custLines, w["kvk"]+" "+c.KvK)
	}
	meta := [][2]string{{w["number"], number}}
	if !d.SentOn.IsZero() {
		meta = append(meta, [2]string{w["sent"], d.SentOn.In(lang)})
	}
	if !d.Expires.IsZero() {
		meta = append(meta, [2]string{w["valid"], d.Expires.In(lang)})
		if d.ExpiryClause != "" {
			meta = append(meta, [2]string{"", "(" + fmt.Sprintf(w["clause"], d.ExpiryClause) + ")"})
		}
	}
	meta = append(meta, [2]string{w["customer_no"], fmt.Sprintf("K%d", c.ID)})
	if d.TermsVersion != "" {
		meta = append(meta, [2]string{w["terms"], fmt.Sprintf(w["version"], d.TermsVersion)})
	}
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
	m.AddRows(row.New(6))

	rates := map[string]terms.Rate{}
	for _, v := range d.Totals.VAT {
		rates[v.Category] = v.Rate
	}
	m.AddRows(row.New(6).Add(text.NewCol(5, w["description"], bold), text.NewCol(2, w["period"], bold), text.NewCol(1, w["qty"], boldRight),
		text.NewCol(1, w["price"], boldRight), text.NewCol(1, w["vat"], boldRight), text.NewCol(2, w["amount"], boldRight)))
	m.AddRows(line.NewRow(1))
	for _, l := range d.Lines {
		desc := l.Description
		if l.Domain != "" {
			desc += " (" + l.Domain + ")"
		}
		var notes []string
		if l.Billing == catalog.Subscription && l.TermPrice != l.UnitPrice {
			notes = append(notes, fmt.Sprintf(w["term"], euro(l.TermPrice)))
		}
		if l.SetupFee != 0 {
			notes = append(notes, fmt.Sprintf(w["setup"], euro(l.SetupFee)))
		}
		rate := "–"
		if r, ok := rates[l.VATCategory]; ok {
			rate = pdfdoc.Percent(r, lang)
		}
		m.AddAutoRow(text.NewCol(5, desc), text.NewCol(2, periodText(w, l), small), text.NewCol(1, fmt.Sprint(l.Quantity), right),
			text.NewCol(1, pdfdoc.Number(l.UnitPrice, lang), right), text.NewCol(1, rate, right), text.NewCol(2, euro(l.Amount), right))
		if len(notes) > 0 {
			m.AddAutoRow(text.NewCol(5, strings.Join(notes, "; "), props.Text{Size: 7.5, Style: fontstyle.Italic}), col.New(7))
		}
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
	sum(w["excl"], euro(d.Totals.TotalExcl), false)
	for _, v := range d.Totals.VAT {
		sum(fmt.Sprintf(w["vat_over"], pdfdoc.Percent(v.Rate, lang), euro(v.Base)), euro(v.VAT), false)
	}
	sum(w["incl"], euro(d.Totals.TotalIncl), true)
	m.AddRows(row.New(5))
	m.AddRows(text.NewRow(5, w["prices"]))
	if !d.Draft {
		m.AddRows(text.NewRow(5, fmt.Sprintf(w["accept"], d.Link)))
	}
	if d.ContentHash != "" {
		m.AddRows(text.NewRow(5, fmt.Sprintf(w["hash"], shortHash(d.ContentHash)), small))
	}
	return m, nil
}
