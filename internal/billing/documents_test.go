package billing

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/terms"
)

// xnode is a parsed XML element for the structural checks.
type xnode struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Kids    []xnode    `xml:",any"`
}

func (n xnode) find(path ...string) []xnode {
	cur := []xnode{n}
	for _, p := range path {
		var next []xnode
		for _, c := range cur {
			for _, k := range c.Kids {
				if k.XMLName.Local == p {
					next = append(next, k)
				}
			}
		}
		cur = next
	}
	return cur
}

func (n xnode) text(path ...string) string {
	f := n.find(path...)
	if len(f) == 0 {
		return ""
	}
	return strings.TrimSpace(f[0].Text)
}

func (n xnode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// UBL 2.1 sequences (the order the schema demands) of the top-level elements used.
var invoiceOrder = []string{"UBLExtensions", "UBLVersionID", "CustomizationID", "ProfileID", "ProfileExecutionID", "ID", "CopyIndicator", "UUID",
	"IssueDate", "IssueTime", "DueDate", "InvoiceTypeCode", "Note", "TaxPointDate", "DocumentCurrencyCode", "TaxCurrencyCode",
	"PricingCurrencyCode", "PaymentCurrencyCode", "PaymentAlternativeCurrencyCode", "AccountingCostCode", "AccountingCost",
	"LineCountNumeric", "BuyerReference", "InvoicePeriod", "OrderReference", "BillingReference", "DespatchDocumentReference",
	"ReceiptDocumentReference", "StatementDocumentReference", "OriginatorDocumentReference", "ContractDocumentReference",
	"AdditionalDocumentReference", "ProjectReference", "Signature", "AccountingSupplierParty", "AccountingCustomerParty", "PayeeParty",
	"BuyerCustomerParty", "SellerSupplierParty", "TaxRepresentativeParty", "Delivery", "DeliveryTerms", "PaymentMeans", "PaymentTerms",
	"PrepaidPayment", "AllowanceCharge", "TaxExchangeRate", "PricingExchangeRate", "PaymentExchangeRate", "PaymentAlternativeExchangeRate",
	"TaxTotal", "WithholdingTaxTotal", "LegalMonetaryTotal", "InvoiceLine"}

var creditNoteOrder = []string{"UBLExtensions", "UBLVersionID", "CustomizationID", "ProfileID", "ProfileExecutionID", "ID", "CopyIndicator",
	"UUID", "IssueDate", "IssueTime", "TaxPointDate", "CreditNoteTypeCode", "Note", "DocumentCurrencyCode", "TaxCurrencyCode",
	"PricingCurrencyCode", "PaymentCurrencyCode", "PaymentAlternativeCurrencyCode", "AccountingCostCode", "AccountingCost",
	"LineCountNumeric", "BuyerReference", "InvoicePeriod", "DiscrepancyResponse", "OrderReference", "BillingReference",
	"DespatchDocumentReference", "ReceiptDocumentReference", "ContractDocumentReference", "AdditionalDocumentReference",
	"StatementDocumentReference", "OriginatorDocumentReference", "Signature", "AccountingSupplierParty", "AccountingCustomerParty",
	"PayeeParty", "BuyerCustomerParty", "SellerSupplierParty", "TaxRepresentativeParty", "Delivery", "DeliveryTerms", "PaymentMeans",
	"PaymentTerms", "TaxExchangeRate", "PricingExchangeRate", "PaymentExchangeRate", "PaymentAlternativeExchangeRate", "AllowanceCharge",
	"TaxTotal", "LegalMonetaryTotal", "CreditNoteLine"}

// checkBIS checks the elements Peppol BIS Billing 3.0 makes mandatory and the UBL
// element order, and returns the parsed document.
func checkBIS(t *testing.T, doc []byte, wantCustomization string) xnode {
	t.Helper()
	var root xnode
	if err := xml.Unmarshal(doc, &root); err != nil {
		t.Fatalf("UBL does not parse: %v\n%s", err, doc)
	}
	credit := root.XMLName.Local == "CreditNote"
	order, line, qty := invoiceOrder, "InvoiceLine", "InvoicedQuantity"
	if credit {
		order, line, qty = creditNoteOrder, "CreditNoteLine", "CreditedQuantity"
	}
	last := -1
	for _, k := range root.Kids {
		i := slices.Index(order, k.XMLName.Local)
		if i < 0 || i < last {
			t.Fatalf("element %s out of UBL order or unknown", k.XMLName.Local)
		}
		last = i
	}
	if got := root.text("CustomizationID"); got != wantCustomization {
		t.Fatalf("CustomizationID %q, want %q", got, wantCustomization)
	}
	must := [][]string{{"ProfileID"}, {"ID"}, {"IssueDate"}, {"DocumentCurrencyCode"}, {"BuyerReference"},
		{"AccountingSupplierParty", "Party", "EndpointID"}, {"AccountingSupplierParty", "Party", "PostalAddress", "Country", "IdentificationCode"},
		{"AccountingSupplierParty", "Party", "PartyLegalEntity", "RegistrationName"},
		{"AccountingCustomerParty", "Party", "PostalAddress", "Country", "IdentificationCode"},
		{"AccountingCustomerParty", "Party", "PartyLegalEntity", "RegistrationName"},
		{"TaxTotal", "TaxAmount"}, {"TaxTotal", "TaxSubtotal", "TaxCategory", "ID"}, {"LegalMonetaryTotal", "LineExtensionAmount"},
		{"LegalMonetaryTotal", "TaxExclusiveAmount"}, {"LegalMonetaryTotal", "TaxInclusiveAmount"}, {"LegalMonetaryTotal", "PayableAmount"},
		{line, "ID"}, {line, qty}, {line, "LineExtensionAmount"}, {line, "Item", "Name"}, {line, "Item", "ClassifiedTaxCategory", "ID"},
		{line, "Price", "PriceAmount"}}
	if credit {
		must = append(must, []string{"CreditNoteTypeCode"}, []string{"BillingReference", "InvoiceDocumentReference", "ID"})
	} else {
		must = append(must, []string{"InvoiceTypeCode"}, []string{"DueDate"}, []string{"PaymentMeans", "PaymentMeansCode"}, []string{"PaymentMeans", "PaymentID"})
	}
	for _, p := range must {
		if root.text(p...) == "" {
			t.Errorf("missing %s", strings.Join(p, "/"))
		}
	}
	if root.text("ProfileID") != ProfilePeppol {
		t.Errorf("ProfileID %q", root.text("ProfileID"))
	}
	return root
}

// validateXSD validates doc against the OASIS UBL 2.1 schema with xmllint when the
// schema files are in testdata/ubl21 (maindoc/ and common/ of the UBL 2.1 release).
func validateXSD(t *testing.T, doc []byte, credit bool) {
	t.Helper()
	xsd := filepath.Join("testdata", "ubl21", "maindoc", "UBL-Invoice-2.1.xsd")
	if credit {
		xsd = filepath.Join("testdata", "ubl21", "maindoc", "UBL-CreditNote-2.1.xsd")
	}
	required := os.Getenv("HOSTPACT_XMLLINT_REQUIRED") == "1"
	lint, err := exec.LookPath("xmllint")
	if err != nil {
		if required {
			t.Fatal("xmllint not found (apt-get install libxml2-utils)")
		}
		t.Log("xmllint not found: UBL schema validation skipped")
		return
	}
	if _, err := os.Stat(xsd); err != nil {
		if required {
			t.Fatalf("UBL 2.1 schema missing: %s", xsd)
		}
		t.Logf("UBL 2.1 schema not in %s: schema validation skipped (structural checks ran)", xsd)
		return
	}
	f := filepath.Join(t.TempDir(), "doc.xml")
	if err := os.WriteFile(f, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(lint, "--noout", "--nonet", "--schema", xsd, f).CombinedOutput()
	if err != nil {
		t.Fatalf("xmllint: %v\n%s\n%s", err, out, doc)
	}
}

func TestUBLAndPDF(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		nl := e.org(accounts.Business, "nlbv", "NL", "NL001234567B01")
		be := e.org(accounts.Business, "bebv", "BE", "BE0123456749")
		de := e.org(accounts.Consumer, "müller", "DE", "")
		for _, o := range []int64{nl, be, de} {
			e.sub(o, "Webhosting Pro & <Mail>", "P1M", eur(7, 95), terms.D(2027, 1, 1))
			e.sub(o, ".nl domein", "P1Y", eur(9, 0), terms.D(2027, 1, 1))
		}
		e.run()
		cases := []struct {
			org    int64
			custID string
			code   string
		}{{nl, CustomizationNLCIUS, "S"}, {be, CustomizationPeppol, "AE"}, {de, CustomizationPeppol, "S"}}
		for _, c := range cases {
			inv := e.invoices(c.org)[0]
			doc := inv.UBL()
			root := checkBIS(t, doc, c.custID)
			if got := root.text("TaxTotal", "TaxSubtotal", "TaxCategory", "ID"); got != c.code {
				t.Errorf("%s: tax category %s, want %s", inv.Number, got, c.code)
			}
			if got := root.text("LegalMonetaryTotal", "PayableAmount"); got != inv.AmountDue.String() {
				t.Errorf("payable %s, want %s", got, inv.AmountDue)
			}
			if c.org == nl {
				le := root.find("AccountingSupplierParty", "Party", "PartyLegalEntity", "CompanyID")
				if len(le) != 1 || le[0].attr("schemeID") != "0106" || strings.TrimSpace(le[0].Text) != "55888674" {
					t.Errorf("supplier KvK: %+v", le)
				}
				if ce := root.find("AccountingCustomerParty", "Party", "PartyLegalEntity", "CompanyID"); len(ce) != 1 || ce[0].attr("schemeID") != "0106" {
					t.Errorf("customer KvK: %+v", ce)
				}
			}
			validateXSD(t, doc, false)

			pdf, err := inv.PDF()
			if err != nil {
				t.Fatal(err)
			}
			if len(pdf) < 1000 || !bytes.HasPrefix(pdf, []byte("%PDF")) || !bytes.Contains(pdf, []byte(inv.Number)) {
				t.Fatalf("PDF of %s: %d bytes, number present %v", inv.Number, len(pdf), bytes.Contains(pdf, []byte(inv.Number)))
			}
		}
		// A credit note is a UBL CreditNote referring to its invoice.
		inv := e.invoices(nl)[0]
		cn, err := e.svc.CreditInvoice(e.ctx, e.staff, inv.ID, CreditInput{Reason: "cancelled"})
		if err != nil {
			t.Fatal(err)
		}
		doc := cn.UBL()
		root := checkBIS(t, doc, CustomizationNLCIUS)
		if root.text("BillingReference", "InvoiceDocumentReference", "ID") != inv.Number {
			t.Error("credit note does not refer to the invoice")
		}
		validateXSD(t, doc, true)
		if pdf, err := cn.PDF(); err != nil || !bytes.Contains(pdf, []byte(cn.Number)) {
			t.Fatalf("credit note PDF: %v", err)
		}
		// Collection costs: category O, no VAT ids (BR-O-02).
		cc, err := e.svc.IssueCharge(e.ctx, e.staff, nl, []ChargeLine{{Description: "Incassokosten", Amount: eur(40, 0), VATCategory: VATNone}}, "", "")
		if err != nil {
			t.Fatal(err)
		}
		root = checkBIS(t, cc.UBL(), CustomizationNLCIUS)
		if len(root.find("AccountingSupplierParty", "Party", "PartyTaxScheme")) != 0 || root.text("TaxTotal", "TaxSubtotal", "TaxCategory", "ID") != "O" {
			t.Error("O invoice carries a VAT id or wrong category")
		}
		validateXSD(t, cc.UBL(), false)
	})
}

func TestReference(t *testing.T) {
	r := rfReference("2027", 1)
	if NormaliseReference(r) != r || NormaliseReference(strings.ToLower(r[:2])+" "+r[2:6]+" "+r[6:]) != r {
		t.Fatalf("reference %s does not validate", r)
	}
	// The ISO 11649 example: RF18 5390 0754 7034.
	if NormaliseReference("RF18 5390 0754 7034") != "RF18539007547034" || NormaliseReference("RF19 5390 0754 7034") != "" {
		t.Fatal("ISO 11649 example")
	}
}
