package bench

import (
	"bytes"
	"context"
	"fmt"
	"html"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/app"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/terms"
)

// camtEntries is the bench's entries per bank statement file, well under
// sepa.MaxStatementEntries and its 20 MiB.
const camtEntries = 1000

// payInvoices pays up to n open invoices, the oldest first, the way a provider's bank
// does: CAMT.053 statements with each invoice's structured reference, imported by the
// demo's billing user through the payments service, which matches and applies them.
func payInvoices(ctx context.Context, a *app.App, n int) (int, error) {
	u, err := a.Accounts.FindUserByEmail(ctx, "billing@cloudprovider.test")
	if err != nil {
		return 0, err
	}
	by := accounts.Principal{User: u}
	ctx = audit.WithActor(ctx, audit.System("bench"))
	type due struct {
		ref    string
		amount terms.Money
	}
	rows, err := a.DB.QueryContext(ctx, `SELECT reference, amount_due FROM invoices WHERE doc_type = $1 AND amount_due > 0 ORDER BY id LIMIT $2`,
		string(billing.DocInvoice), n)
	if err != nil {
		return 0, err
	}
	var all []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.ref, &d.amount); err != nil {
			rows.Close()
			return 0, err
		}
		all = append(all, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	booked := a.Clock.Now().UTC()
	paid := 0
	for f := 0; f*camtEntries < len(all); f++ {
		part := all[f*camtEntries : min((f+1)*camtEntries, len(all))]
		var b bytes.Buffer
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>BENCH%08d</MsgId><CreDtTm>%s</CreDtTm></GrpHdr>
<Stmt><Id>BENCH%08d</Id><CreDtTm>%s</CreDtTm><Acct><Id><IBAN>%s</IBAN></Id><Ccy>EUR</Ccy></Acct>
`, f, booked.Format("2006-01-02T15:04:05"), f, booked.Format("2006-01-02T15:04:05"), html.EscapeString(a.Config.Provider.IBAN))
		for i, d := range part {
			fmt.Fprintf(&b, `<Ntry><Amt Ccy="EUR">%s</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>%s</Dt></BookgDt>
<AcctSvcrRef>BENCH%08d%06d</AcctSvcrRef><NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Klant</Nm></Dbtr></RltdPties>
<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>CUR</Issr></Tp><Ref>%s</Ref></CdtrRefInf></Strd></RmtInf></TxDtls></NtryDtls></Ntry>
`, d.amount.String(), booked.Format("2006-01-02"), f, i, html.EscapeString(d.ref))
		}
		b.WriteString("</Stmt></BkToCstmrStmt></Document>\n")
		res, err := a.Payments.ImportCAMT053(ctx, by, fmt.Sprintf("bench-%d.xml", f), &b)
		if err != nil {
			return paid, err
		}
		paid += res.Matched
	}
	return paid, nil
}
