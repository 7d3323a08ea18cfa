package billing

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/hostpact/hostpact/internal/terms"
)

// UBL identifiers.
const (
	CustomizationPeppol = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
	CustomizationNLCIUS = "urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0"
	ProfilePeppol       = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"

	nsInvoice    = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
	nsCreditNote = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
	nsCAC        = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
	nsCBC        = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
)

// node is an XML element; children are written in the order given, which is the
// order the UBL 2.1 schema's sequences demand.
type node struct {
	name  string
	attrs [][2]string
	text  string
	kids  []*node
}

func el(name string, kids ...*node) *node { return &node{name: name, kids: kids} }

func txt(name, text string, attrs ...string) *node {
	n := &node{name: name, text: text}
	for i := 0; i+1 < len(attrs); i += 2 {
		n.attrs = append(n.attrs, [2]string{attrs[i], attrs[i+1]})
	}
	return n
}

// opt returns n when cond holds, else nil (skipped).
func opt(cond bool, n *node) *node {
	if !cond {
		return nil
	}
	return n
}

func (n *node) write(b *bytes.Buffer, depth int) {
	if n == nil {
		return
	}
	b.WriteString(strings.Repeat("  ", depth))
	b.WriteString("<" + n.name)
	for _, a := range n.attrs {
		b.WriteString(" " + a[0] + `="`)
		_ = xml.EscapeText(b, []byte(a[1])) // a bytes.Buffer write never fails
		b.WriteString(`"`)
	}
	var kids []*node
	for _, k := range n.kids {
		if k != nil {
			kids = append(kids, k)
		}
	}
	switch {
	case len(kids) > 0:
		b.WriteString(">\n")
		for _, k := range kids {
			k.write(b, depth+1)
		}
		b.WriteString(strings.Repeat("  ", depth) + "</" + n.name + ">\n")
	default:
		b.WriteString(">")
		_ = xml.EscapeText(b, []byte(n.text)) // a bytes.Buffer write never fails
		b.WriteString("</" + n.name + ">\n")
	}
}

func amt(name string, m terms.Money, cur string) *node {
	return txt(name, m.String(), "currencyID", cur)
}

// eas returns the Peppol electronic address scheme (EAS) and identifier of a party:
// KvK (0106) for a Dutch registered business, its VAT id for an EU business (9944 NL,
// 9925 BE, 9930 DE, ...), else its e-mail address (EM).
func eas(p Party) (scheme, id string) {
	if p.Country == "NL" && p.KvK != "" {
		return "0106", p.KvK
	}
	vatSchemes := map[string]string{"NL": "9944", "BE": "9925", "DE": "9930", "FR": "9957", "IT": "0211", "AT": "9914", "ES": "9920",
		"IE": "9935", "LU": "9938", "PT": "9946", "SE": "9955", "DK": "0184", "FI": "0213", "PL": "9945"}
	if p.VATID != "" {
		if s, ok := vatSchemes[p.Country]; ok {
			return s, p.VATID
		}
	}
	return "EM", p.Email
}

func address(p Party) *node {
	return el("cac:PostalAddress",
		opt(p.Street != "", txt("cbc:StreetName", p.Street)),
		opt(p.City != "", txt("cbc:CityName", p.City)),
		opt(p.PostalCode != "", txt("cbc:PostalZone", p.PostalCode)),
		el("cac:Country", txt("cbc:IdentificationCode", p.Country)))
}

func taxScheme() *node { return el("cac:TaxScheme", txt("cbc:ID", "VAT")) }

func taxCategory(name, code string, rate terms.Rate) *node {
	n := el(name, txt("cbc:ID", code), opt(code != "O", txt("cbc:Percent", rate.String())))
	switch code {
	case "AE":
		n.kids = append(n.kids, txt("cbc:TaxExemptionReasonCode", "VATEX-EU-AE"), txt("cbc:TaxExemptionReason", "Reverse charge - btw verlegd"))
	case "O":
		n.kids = append(n.kids, txt("cbc:TaxExemptionReasonCode", "VATEX-EU-O"), txt("cbc:TaxExemptionReason", "Not subject to VAT"))
	}
	n.kids = append(n.kids, taxScheme())
	return n
}

// UBL renders the document as UBL 2.1 in Peppol BIS Billing 3.0: an Invoice, or a
// CreditNote for a credit note. Where both parties are in the Netherlands the
// CustomizationID is that of SI-UBL 2.0 (NLCIUS) and the KvK number (scheme 0106) is
// the legal entity id.
func (inv Invoice) UBL() []byte {
	cur := inv.Currency
	credit := inv.DocType == DocCreditNote
	onlyO := true
	for _, v := range inv.VATBreakdown {
		if v.Code != "O" {
			onlyO = false
		}
	}
	nl := inv.Provider.Country == "NL" && inv.Customer.Country == "NL"
	custID := CustomizationPeppol
	if nl {
		custID = CustomizationNLCIUS
	}
	sup, cus := inv.Provider, inv.Customer
	supScheme, supID := eas(sup)
	cusScheme, cusID := eas(cus)

	var notes []*node
	if inv.VATScheme == SchemeReverseCharge {
		notes = append(notes, txt("cbc:Note", pick(inv.Lang, "Btw verlegd (art. 196 Btw-richtlijn)", "VAT reverse charged (art. 196 VAT Directive)")))
	}
	if inv.Reason != "" {
		notes = append(notes, txt("cbc:Note", inv.Reason))
	}

	supplier := el("cac:AccountingSupplierParty", el("cac:Party",
		txt("cbc:EndpointID", supID, "schemeID", supScheme),
		el("cac:PartyName", txt("cbc:Name", sup.Name)),
		address(sup),
		opt(!onlyO && sup.VATID != "", el("cac:PartyTaxScheme", txt("cbc:CompanyID", sup.VATID), taxScheme())),
		el("cac:PartyLegalEntity", txt("cbc:RegistrationName", sup.Name), opt(sup.KvK != "", txt("cbc:CompanyID", sup.KvK, "schemeID", "0106"))),
		opt(sup.Email != "", el("cac:Contact", txt("cbc:ElectronicMail", sup.Email)))))
	customer := el("cac:AccountingCustomerParty", el("cac:Party",
		opt(cusID != "", txt("cbc:EndpointID", cusID, "schemeID", cusScheme)),
		el("cac:PartyName", txt("cbc:Name", cus.Name)),
		address(cus),
		opt(!onlyO && cus.VATID != "", el("cac:PartyTaxScheme", txt("cbc:CompanyID", cus.VATID), taxScheme())),
		el("cac:PartyLegalEntity", txt("cbc:RegistrationName", cus.Name), opt(cus.Country == "NL" && cus.KvK != "", txt("cbc:CompanyID", cus.KvK, "schemeID", "0106"))),
		opt(cus.Email != "", el("cac:Contact", txt("cbc:ElectronicMail", cus.Email)))))

	var payment []*node
	if !credit {
		code := "1"
		if sup.IBAN != "" {
			code = "58"
		}
		payment = append(payment, el("cac:PaymentMeans",
			txt("cbc:PaymentMeansCode", code),
			txt("cbc:PaymentID", inv.Reference),
			opt(sup.IBAN != "", el("cac:PayeeFinancialAccount", txt("cbc:ID", sup.IBAN), txt("cbc:Name", sup.Name),
				opt(sup.BIC != "", el("cac:FinancialInstitutionBranch", txt("cbc:ID", sup.BIC)))))),
			el("cac:PaymentTerms", txt("cbc:Note", fmt.Sprintf(pick(inv.Lang, "Te betalen uiterlijk %s onder vermelding van %s", "Pay by %s quoting %s"), inv.DueDate, inv.Reference))))
	}

	taxTotal := el("cac:TaxTotal", amt("cbc:TaxAmount", inv.VAT, cur))
	for _, v := range inv.VATBreakdown {
		taxTotal.kids = append(taxTotal.kids, el("cac:TaxSubtotal", amt("cbc:TaxableAmount", v.Base, cur), amt("cbc:TaxAmount", v.VAT, cur),
			taxCategory("cac:TaxCategory", v.Code, v.Rate)))
	}
	monetary := el("cac:LegalMonetaryTotal",
		amt("cbc:LineExtensionAmount", inv.TotalExcl, cur),
		amt("cbc:TaxExclusiveAmount", inv.TotalExcl, cur),
		amt("cbc:TaxInclusiveAmount", inv.TotalIncl, cur),
		opt(inv.CreditApplied != 0, amt("cbc:PrepaidAmount", inv.CreditApplied, cur)),
		amt("cbc:PayableAmount", inv.AmountDue, cur))

	lineName, qtyName, root, ns, typeCode := "cac:InvoiceLine", "cbc:InvoicedQuantity", "Invoice", nsInvoice, "cbc:InvoiceTypeCode"
	typeValue := "380"
	if credit {
		lineName, qtyName, root, ns, typeCode, typeValue = "cac:CreditNoteLine", "cbc:CreditedQuantity", "CreditNote", nsCreditNote, "cbc:CreditNoteTypeCode", "381"
	}
	var lines []*node
	for _, l := range inv.Lines {
		code := vatCode(inv.VATScheme, l.VATCategory, l.VATRate)
		lines = append(lines, el(lineName,
			txt("cbc:ID", fmt.Sprint(l.Position)),
			txt(qtyName, fmt.Sprint(l.Quantity), "unitCode", l.Unit),
			amt("cbc:LineExtensionAmount", l.Amount, cur),
			opt(!l.PeriodStart.IsZero(), el("cac:InvoicePeriod", txt("cbc:StartDate", l.PeriodStart.String()), txt("cbc:EndDate", l.PeriodEnd.String()))),
			el("cac:Item", txt("cbc:Name", truncate(l.Description, 100)), taxCategory("cac:ClassifiedTaxCategory", code, l.VATRate)),
			el("cac:Price", amt("cbc:PriceAmount", l.UnitPrice, cur))))
	}

	doc := &node{name: root, attrs: [][2]string{{"xmlns", ns}, {"xmlns:cac", nsCAC}, {"xmlns:cbc", nsCBC}}}
	doc.kids = append(doc.kids,
		txt("cbc:CustomizationID", custID),
		txt("cbc:ProfileID", ProfilePeppol),
		txt("cbc:ID", inv.Number),
		txt("cbc:IssueDate", inv.IssueDate.String()),
		opt(!credit, txt("cbc:DueDate", inv.DueDate.String())),
		txt(typeCode, typeValue))
	doc.kids = append(doc.kids, notes...)
	doc.kids = append(doc.kids,
		txt("cbc:DocumentCurrencyCode", cur),
		txt("cbc:BuyerReference", fmt.Sprintf("K%d", inv.OrgID)),
		opt(!inv.PeriodStart.IsZero(), el("cac:InvoicePeriod", txt("cbc:StartDate", inv.PeriodStart.String()), txt("cbc:EndDate", inv.PeriodEnd.String()))),
		opt(credit, el("cac:BillingReference", el("cac:InvoiceDocumentReference", txt("cbc:ID", inv.CreditsNumber),
			opt(!inv.CreditsIssueDate.IsZero(), txt("cbc:IssueDate", inv.CreditsIssueDate.String()))))),
		supplier, customer)
	doc.kids = append(doc.kids, payment...)
	doc.kids = append(doc.kids, taxTotal, monetary)
	doc.kids = append(doc.kids, lines...)

	var b bytes.Buffer
	b.WriteString(xml.Header)
	doc.write(&b, 0)
	return b.Bytes()
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
