package billing

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// billedKey marks an item as billed (billed_items); a second attempt finds it.
type billedKey struct {
	source   string
	sourceID int64
	period   string
}

// draft is a document about to be issued.
type draft struct {
	docType     DocType
	orgID       int64
	customer    Party
	kind        terms.CustomerKind
	lang        string
	pol         *terms.Policy
	vat         vatDecision
	issueDate   terms.Date
	lines       []Line // VATRate set; Position and Amount filled by issue
	keys        []billedKey
	reason      string
	credits     *Invoice // for a credit note: the invoice it credits
	applyCredit bool     // set off account credit (invoices only)
	ex          terms.Explanation
}

// series returns the number series of a document: the year of issue for invoices
// ("2027" → 2027-000001), "C" + year for credit notes (C2027-000001).
func series(t DocType, issue terms.Date) string {
	if t == DocCreditNote {
		return fmt.Sprintf("C%d", issue.Year())
	}
	return fmt.Sprintf("%d", issue.Year())
}

// reserveNumbers takes the next n numbers of a series in the issuing transaction and
// returns the first: one statement, whatever n. The counter row is locked until commit
// (PostgreSQL row lock; SQLite's single writer), so concurrent issuers queue, a rolled
// back transaction returns its numbers, and numbers are gapless and never reused — as
// long as the transaction issues all n documents or rolls back (issueAll does).
func reserveNumbers(ctx context.Context, q store.Querier, series string, n int) (int64, error) {
	var last int64
	err := q.QueryRowContext(ctx, `INSERT INTO invoice_series (series, last) VALUES ($1, $2)
		ON CONFLICT (series) DO UPDATE SET last = invoice_series.last + $2 RETURNING last`, series, int64(n)).Scan(&last)
	return last - int64(n) + 1, err
}

// contentHash seals a document: sha256 of the JSON of every immutable field (the
// explanation, which records why, is kept beside the document but not sealed).
func contentHash(inv Invoice) string {
	c := inv
	c.ID, c.ContentHash, c.CreatedAt, c.State, c.Explanation = 0, "", time.Time{}, State{}, nil
	b, err := json.Marshal(c)
	if err != nil {
		panic(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// sealParts is the JSON that contentHash hashes, prepared before the document has
// its number and account credit: the text before the number fields ("seq", "number",
// "reference"), between them and the credit fields ("credit_applied", "amount_due"),
// and after those. Marshalling the whole document was most of the seal's cost; with
// the parts prepared beside the previous batch's write (RunBilling), the transaction
// writes the few fields it decides and hashes. ok is false when the fields could not
// be found once each (then hash is contentHash). TestSealPartsMatchContentHash holds
// the two equal.
type sealParts struct {
	head, mid, tail []byte
	ok              bool
}

// numberFields and creditFields are the document's fields the transaction decides, in
// the document's JSON order.
type numberFields struct {
	Seq       int64  `json:"seq"`
	Number    string `json:"number"`
	Reference string `json:"reference"`
}

type creditFields struct {
	CreditApplied terms.Money `json:"credit_applied"`
	AmountDue     terms.Money `json:"amount_due"`
}

// fieldsJSON is v's fields as they appear inside an object's JSON: without braces.
func fieldsJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b[1 : len(b)-1]
}

var (
	zeroNumberJSON = fieldsJSON(numberFields{})
	zeroCreditJSON = fieldsJSON(creditFields{})
)

func sealOf(inv Invoice) sealParts {
	inv.Seq, inv.Number, inv.Reference, inv.CreditApplied, inv.AmountDue = 0, "", "", 0, 0
	inv.ID, inv.ContentHash, inv.CreatedAt, inv.State, inv.Explanation = 0, "", time.Time{}, State{}, nil
	b, err := json.Marshal(inv)
	if err != nil {
		panic(err)
	}
	// A key's quotes inside a string value are escaped, so each text occurs once, as
	// the top-level fields, unless something unforeseen encodes them twice.
	if bytes.Count(b, zeroNumberJSON) != 1 || bytes.Count(b, zeroCreditJSON) != 1 {
		return sealParts{}
	}
	i := bytes.Index(b, zeroNumberJSON)
	j := bytes.Index(b, zeroCreditJSON)
	if j < i+len(zeroNumberJSON) {
		return sealParts{}
	}
	return sealParts{head: b[:i], mid: b[i+len(zeroNumberJSON) : j], tail: b[j+len(zeroCreditJSON):], ok: true}
}

// hash is contentHash(*inv) from the prepared parts and inv's number and credit.
func (p sealParts) hash(inv *Invoice) string {
	if !p.ok {
		return contentHash(*inv)
	}
	h := sha256.New()
	h.Write(p.head)
	h.Write(fieldsJSON(numberFields{inv.Seq, inv.Number, inv.Reference}))
	h.Write(p.mid)
	h.Write(fieldsJSON(creditFields{inv.CreditApplied, inv.AmountDue}))
	h.Write(p.tail)
	return hex.EncodeToString(h.Sum(nil))
}

// creditBalance is the organisation's account credit available now.
func creditBalance(ctx context.Context, q store.Querier, orgID int64) (terms.Money, error) {
	var b terms.Money
	err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM account_credit WHERE org_id = $1`, orgID).Scan(&b)
	return b, err
}

// issue numbers, seals and stores a document in q's transaction, with its audit entry
// and mail. It returns ErrAlreadyBilled (and the caller must roll back) when one of the
// draft's items was billed meanwhile.
func (s *Service) issue(ctx context.Context, q store.Querier, now time.Time, d draft) (Invoice, error) {
	invs, err := s.issueAll(ctx, q, now, []draft{d})
	if err != nil {
		return Invoice{}, err
	}
	return invs[0], nil
}

// issueAll issues drafts in q's transaction exactly as issue would one after another,
// in order — consecutive numbers per series in draft order, each with its lines,
// billed items, state, audit entry and mail — but with one statement per table for
// all of them (multi-row INSERTs, one number reservation per series, one audit
// RecordMany) instead of one per document. On any error the caller must roll back:
// the numbers were reserved for all drafts, so only the whole batch keeps the series
// gapless. ErrAlreadyBilled means one of the drafts' items was billed meanwhile (not
// which one: issue the drafts one by one to find out).
func (s *Service) issueAll(ctx context.Context, q store.Querier, now time.Time, ds []draft) ([]Invoice, error) {
	if err := s.checkProvider(); err != nil {
		return nil, err
	}
	pre := make([]prepared, len(ds))
	due := paymentMemo{}
	for i := range ds {
		p, err := prepare(&ds[i], s.provider, due)
		if err != nil {
			return nil, err
		}
		pre[i] = p
	}
	return s.issuePrepared(ctx, q, now, ds, pre)
}

// prepared is a draft's document composed ahead of its transaction (compose), with
// the JSON of its seal around what only the transaction decides: the number and the
// account credit. The billing run prepares a batch's documents while the previous
// batch is written (RunBilling).
type prepared struct {
	inv                   Invoice
	seal                  sealParts
	customerJSON, vatJSON string // the row's customer_json and vat_json
}

// prepare composes d's document and the parts of its seal; it fills in the draft's
// lines' positions and amounts.
func prepare(d *draft, provider Party, due paymentMemo) (prepared, error) {
	inv, err := compose(d, provider, due)
	if err != nil {
		return prepared{}, err
	}
	// Issuing may append the credit set-off step: never into a backing array that a
	// retry of the same prepared document (a failed batch's customers one by one) shares.
	inv.Explanation = slices.Clip(inv.Explanation)
	return prepared{inv: inv, seal: sealOf(inv), customerJSON: mustJSON(inv.Customer), vatJSON: mustJSON(inv.VATBreakdown)}, nil
}

// issuePrepared is issueAll of documents prepared (prepare) from ds.
func (s *Service) issuePrepared(ctx context.Context, q store.Querier, now time.Time, ds []draft, pre []prepared) ([]Invoice, error) {
	if err := s.checkProvider(); err != nil {
		return nil, err
	}
	invs := make([]Invoice, len(ds))
	for i := range ds {
		invs[i] = pre[i].inv
		if err := s.fail("issue:before-number"); err != nil {
			return nil, err
		}
	}
	if err := assignNumbers(ctx, q, invs); err != nil {
		return nil, err
	}
	// Account credit is read once per organisation; what an earlier draft of the batch
	// set off is not yet in the table, so it is subtracted here.
	setOff := map[int64]terms.Money{}
	for i := range invs {
		inv := &invs[i]
		inv.AmountDue = inv.TotalIncl
		if ds[i].applyCredit && ds[i].docType == DocInvoice && inv.TotalIncl > 0 {
			bal, err := creditBalance(ctx, q, ds[i].orgID)
			if err != nil {
				return nil, err
			}
			bal -= setOff[ds[i].orgID]
			if bal > 0 {
				inv.CreditApplied = min(bal, inv.TotalIncl)
				inv.AmountDue = inv.TotalIncl - inv.CreditApplied
				setOff[ds[i].orgID] += inv.CreditApplied
				var clauses []string
				if ds[i].pol != nil {
					clauses = ds[i].pol.AccountCreditClauses()
				}
				inv.Explanation = append(inv.Explanation, terms.Step{Clause: terms.ClauseRef(clauses),
					Says:   "Account credit is set off against a new invoice, never against one already open, and never paid out.",
					Inputs: []terms.Input{{Name: "balance", Value: bal.String()}}, Value: inv.CreditApplied.String(),
					Key: "billing.credit_setoff", Args: terms.StepArgs(map[string]any{"balance": bal, "applied": inv.CreditApplied})})
			}
		}
		inv.ContentHash = pre[i].seal.hash(inv)
		inv.CreatedAt = now
	}
	// The mails depend on nothing the statements below change (numbers, amounts and
	// parties are final): they are rendered from a copy beside those statements, on
	// the other core while SQLite writes. The goroutine ends on its own whatever
	// happens here (mailc has room for its answer).
	mailc := make(chan renderedMails, 1)
	if s.cfg.Mail {
		go renderMails(slices.Clone(invs), mailc)
	} else {
		mailc <- renderedMails{}
	}
	if err := insertInvoices(ctx, q, invs, pre); err != nil {
		return nil, err
	}
	if err := insertLines(ctx, q, invs); err != nil {
		return nil, err
	}
	if err := insertKeys(ctx, q, invs, ds); err != nil {
		return nil, err
	}
	changes := make([]audit.Change, len(invs))
	for i := range invs {
		inv := &invs[i]
		if inv.CreditApplied > 0 {
			if _, err := q.ExecContext(ctx, `INSERT INTO account_credit (org_id, amount, source, source_ref, invoice_id, description, created_at)
				VALUES ($1, $2, 'invoice', $3, $4, $5, $6)`, inv.OrgID, -inv.CreditApplied, inv.Number, inv.ID,
				"set off against invoice "+inv.Number, now); err != nil {
				return nil, err
			}
		}
		st := State{Status: StatusOpen, Open: inv.AmountDue}
		if inv.DocType == DocCreditNote {
			st = State{Status: StatusApplied}
		} else if inv.AmountDue == 0 {
			st = State{Status: StatusPaid, SettledOn: inv.IssueDate}
		}
		inv.State = st
		what := "invoice"
		if inv.DocType == DocCreditNote {
			what = "credit note"
		}
		changes[i] = audit.Change{OrgID: inv.OrgID, Action: "billing." + string(inv.DocType) + ".issue", ObjectKind: string(inv.DocType),
			ObjectID: fmt.Sprint(inv.ID), Summary: fmt.Sprintf("%s %s issued: %s excl. VAT, %s VAT, %s due by %s", what, inv.Number,
				inv.TotalExcl, inv.VAT, inv.AmountDue, inv.DueDate)}
	}
	if err := insertStates(ctx, q, invs, now); err != nil {
		return nil, err
	}
	if err := audit.RecordMany(ctx, q, now, changes); err != nil {
		return nil, err
	}
	for range invs {
		if err := s.fail("issue:before-mail"); err != nil {
			return nil, err
		}
	}
	r := <-mailc
	if r.err != nil {
		return nil, r.err
	}
	mails := r.mails
	// A mail already queued for a number (dedupe key) is left as it is.
	if _, err := notify.EnqueueMany(ctx, q, now, mails); err != nil {
		return nil, err
	}
	return invs, nil
}

// renderedMails is renderMails' answer.
type renderedMails struct {
	mails []notify.Message
	err   error
}

// renderMails renders the mail of each document with a customer address, in order.
func renderMails(invs []Invoice, out chan<- renderedMails) {
	var r renderedMails
	for _, inv := range invs {
		if inv.Customer.Email == "" {
			continue
		}
		m, err := issuedMail(inv)
		if err != nil {
			r = renderedMails{err: err}
			break
		}
		r.mails = append(r.mails, m)
	}
	out <- r
}

// paymentMemo keeps the terms' payment dates of the documents of one issueAll or
// billing run: a run has one issue date and two kinds of customer, and the
// answer depends on nothing else (terms.Policy.Payment is pure).
type paymentMemo map[paymentKey]paymentAnswer

type paymentKey struct {
	pol *terms.Policy
	in  terms.PaymentInput
}

type paymentAnswer struct {
	res terms.PaymentResult
	ex  terms.Explanation
}

func (m paymentMemo) payment(pol *terms.Policy, in terms.PaymentInput) (terms.PaymentResult, terms.Explanation, error) {
	k := paymentKey{pol, in}
	if a, ok := m[k]; ok {
		return a.res, a.ex, nil
	}
	res, ex, err := pol.Payment(in)
	if err == nil {
		m[k] = paymentAnswer{res, ex}
	}
	return res, ex, err
}

// compose builds the document of a draft, all but its number, account credit and
// seal; it fills in the draft's lines' positions and amounts.
func compose(d *draft, provider Party, due paymentMemo) (Invoice, error) {
	if len(d.lines) == 0 {
		return Invoice{}, errors.New("billing: a document needs at least one line")
	}
	inv := Invoice{DocType: d.docType, OrgID: d.orgID, Pack: d.pol.PackName(), TermsVersion: d.pol.Version, CustomerKind: d.kind,
		Lang: d.lang, Currency: "EUR", IssueDate: d.issueDate, VATScheme: d.vat.scheme, VATCountry: d.vat.country,
		Reason: d.reason, Customer: d.customer, Provider: provider, Explanation: append(terms.Explanation{}, d.vat.ex...)}
	inv.Explanation = append(inv.Explanation, d.ex...)
	for i := range d.lines {
		l := &d.lines[i]
		l.Position = i + 1
		if l.Quantity == 0 {
			l.Quantity = 1
		}
		if l.Unit == "" {
			l.Unit = "C62"
		}
		l.Amount = l.UnitPrice.Mul(l.Quantity)
		if inv.PeriodStart.IsZero() || (!l.PeriodStart.IsZero() && l.PeriodStart.Before(inv.PeriodStart)) {
			inv.PeriodStart = l.PeriodStart
		}
		if l.PeriodEnd.After(inv.PeriodEnd) {
			inv.PeriodEnd = l.PeriodEnd
		}
	}
	inv.Lines = d.lines
	inv.VATBreakdown, inv.TotalExcl, inv.VAT = breakdown(d.vat.scheme, d.lines)
	inv.TotalIncl = inv.TotalExcl + inv.VAT
	if inv.TotalExcl < 0 {
		return Invoice{}, invalid("lines", "billing.total_document_cannot_negative")
	}
	if d.docType == DocCreditNote {
		inv.DueDate = d.issueDate
		inv.CreditsInvoiceID, inv.CreditsNumber, inv.CreditsIssueDate = d.credits.ID, d.credits.Number, d.credits.IssueDate
	} else {
		pr, ex, err := due.payment(d.pol, terms.PaymentInput{Customer: d.kind, InvoiceDate: d.issueDate})
		if err != nil {
			return Invoice{}, err
		}
		inv.DueDate = pr.Due
		inv.Explanation = append(inv.Explanation, ex.Head(1)...) // the due date; shared with the batch, never changed
	}
	inv.Series = series(d.docType, d.issueDate)
	return inv, nil
}

// assignNumbers numbers the documents in order, with one reservation per series.
func assignNumbers(ctx context.Context, q store.Querier, invs []Invoice) error {
	var order []string
	count := map[string]int{}
	for _, inv := range invs {
		if count[inv.Series] == 0 {
			order = append(order, inv.Series)
		}
		count[inv.Series]++
	}
	next := map[string]int64{}
	for _, sr := range order {
		first, err := reserveNumbers(ctx, q, sr, count[sr])
		if err != nil {
			return fmt.Errorf("billing: number: %w", err)
		}
		next[sr] = first
	}
	for i := range invs {
		inv := &invs[i]
		inv.Seq = next[inv.Series]
		next[inv.Series]++
		inv.Number = fmt.Sprintf("%s-%06d", inv.Series, inv.Seq)
		inv.Reference = rfReference(inv.Series, inv.Seq)
	}
	return nil
}

// Rows per multi-row INSERT: parameters stay well under SQLite's 32,766 and
// PostgreSQL's 65,535 per statement.
const (
	invoiceChunk = 500  // 32 parameters a row
	lineChunk    = 1000 // 13
	keyChunk     = 2000 // 4
	stateChunk   = 2000 // 7
)

// values writes n rows of width placeholders each, numbered from 1. The text of a
// batch's statements is the same from batch to batch, so it is written once
// (valuesText) rather than for every batch.
func values(sb *strings.Builder, n, width int) {
	sb.WriteString(valuesText(n, width))
}

// valuesTexts holds the placeholder lists written so far, by rows and width; at most
// maxValuesTexts of them.
var valuesTexts sync.Map

const maxValuesTexts = 256

var valuesTextCount atomic.Int64

func valuesText(n, width int) string {
	k := [2]int{n, width}
	if t, ok := valuesTexts.Load(k); ok {
		return t.(string)
	}
	var sb strings.Builder
	writeValues(&sb, n, width)
	t := sb.String()
	if valuesTextCount.Load() < maxValuesTexts {
		if _, loaded := valuesTexts.LoadOrStore(k, t); !loaded {
			valuesTextCount.Add(1)
		}
	}
	return t
}

func writeValues(sb *strings.Builder, n, width int) {
	p := 0
	for i := range n {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('(')
		for j := range width {
			if j > 0 {
				sb.WriteString(", ")
			}
			p++
			sb.WriteByte('$')
			sb.WriteString(strconv.Itoa(p))
		}
		sb.WriteByte(')')
	}
}

// A batch of documents (the billing run's) is copied into its tables with COPY where
// the transaction can (PostgreSQL, copierOf): no SQL text with tens of thousands of
// parameters to build, send, parse and plan, and the rows streamed in the binary
// format. One document (issue) stays a multi-row INSERT of one row, a single round
// trip. Either way the rows, numbers and keys are the same, in the same transaction.
func copyBatch(q store.Querier, n int) (store.Copier, bool) {
	if n < 2 {
		return nil, false
	}
	return copierOf(q)
}

var invoiceColumns = []string{"doc_type", "series", "seq", "number", "reference", "org_id", "pack", "terms_version", "customer_kind",
	"lang", "currency", "issue_date", "due_date", "period_start", "period_end", "vat_scheme", "vat_country", "total_excl", "vat", "total_incl",
	"credit_applied", "amount_due", "credits_invoice_id", "credits_number", "credits_issue_date", "reason", "customer_json", "provider_json",
	"vat_json", "explanation", "content_hash", "created_at"}

// batchJSON encodes the parties and explanations of a batch's documents: the provider
// (the same on every document of a run) once, and an explanation once for each of the
// few distinct ones of a billing run's batch (the run's, VAT and due-date steps, which
// differ only by kind of customer and number of lines). Encoding every document's
// explanation anew was a tenth of issuing's Go CPU (issue 16).
type batchJSON struct {
	provider Party
	json     string
	ex       []exText
}

type exText struct {
	ex   terms.Explanation
	json string
}

// maxExTexts bounds the explanations remembered per batch.
const maxExTexts = 8

func (m *batchJSON) of(p Party) string {
	if m.json == "" || p != m.provider {
		m.provider, m.json = p, mustJSON(p)
	}
	return m.json
}

func (m *batchJSON) explanation(ex terms.Explanation) string {
	for _, e := range m.ex {
		if sameSteps(e.ex, ex) {
			return e.json
		}
	}
	j := exJSON(ex)
	if len(m.ex) < maxExTexts {
		m.ex = append(m.ex, exText{ex, j})
	}
	return j
}

// sameSteps reports whether a and b encode to the same JSON (nil and empty alike:
// exJSON writes both as []).
func sameSteps(a, b terms.Explanation) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := &a[i], &b[i]
		if x.Clause != y.Clause || x.Says != y.Says || x.Reading != y.Reading || x.Value != y.Value || x.Key != y.Key ||
			!slices.Equal(x.Inputs, y.Inputs) || !maps.Equal(x.Args, y.Args) || (x.Args == nil) != (y.Args == nil) ||
			(x.Inputs == nil) != (y.Inputs == nil) {
			return false
		}
	}
	return true
}

// invoiceRow is a document's invoiceColumns; pre is the document as prepared.
func invoiceRow(inv *Invoice, enc *batchJSON, pre *prepared) []any {
	return []any{string(inv.DocType), inv.Series, inv.Seq, inv.Number, inv.Reference, inv.OrgID, inv.Pack, inv.TermsVersion,
		string(inv.CustomerKind), inv.Lang, inv.Currency, inv.IssueDate.String(), inv.DueDate.String(), dateText(inv.PeriodStart),
		dateText(inv.PeriodEnd), inv.VATScheme, inv.VATCountry, int64(inv.TotalExcl), int64(inv.VAT), int64(inv.TotalIncl),
		int64(inv.CreditApplied), int64(inv.AmountDue), inv.CreditsInvoiceID, inv.CreditsNumber, dateText(inv.CreditsIssueDate), inv.Reason,
		pre.customerJSON, enc.of(inv.Provider), pre.vatJSON, enc.explanation(inv.Explanation), inv.ContentHash, inv.CreatedAt}
}

// insertInvoices stores the documents, prepared as pre, and sets their ids.
func insertInvoices(ctx context.Context, q store.Querier, invs []Invoice, pre []prepared) error {
	if err := addVATDays(ctx, q, invs); err != nil {
		return err
	}
	if err := addRevenueDays(ctx, q, invs); err != nil {
		return err
	}
	if c, ok := copyBatch(q, len(invs)); ok {
		return copyInvoices(ctx, q, c, invs, pre)
	}
	width := len(invoiceColumns)
	var parties batchJSON
	for i := 0; i < len(invs); i += invoiceChunk {
		part := invs[i:min(i+invoiceChunk, len(invs))]
		var sb strings.Builder
		sb.WriteString(`INSERT INTO invoices (` + strings.Join(invoiceColumns, ", ") + `) VALUES `)
		values(&sb, len(part), width)
		sb.WriteString(` RETURNING id, number`)
		args := make([]any, 0, len(part)*width)
		at := make(map[string]int, len(part))
		for j := range part {
			at[part[j].Number] = i + j
			args = append(args, invoiceRow(&part[j], &parties, &pre[i+j])...)
		}
		// RETURNING's row order is not promised on either engine: match by number.
		rows, err := q.QueryContext(ctx, sb.String(), args...)
		if err != nil {
			return fmt.Errorf("billing: insert invoice: %w", err)
		}
		got := 0
		for rows.Next() {
			var id int64
			var number string
			if err := rows.Scan(&id, &number); err != nil {
				rows.Close()
				return fmt.Errorf("billing: insert invoice: %w", err)
			}
			k, ok := at[number]
			if !ok {
				rows.Close()
				return fmt.Errorf("billing: insert invoice: unexpected number %s returned", number)
			}
			invs[k].ID = id
			got++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("billing: insert invoice: %w", err)
		}
		if got != len(part) {
			return fmt.Errorf("billing: insert invoice: %d of %d rows returned", got, len(part))
		}
	}
	return nil
}

// copyInvoices takes ids for the documents from the invoices' identity sequence, in
// one statement, and copies them in with those ids. Ids are only unique, not gapless
// (the numbers are): a rolled back batch leaves its ids unused, as an INSERT would.
func copyInvoices(ctx context.Context, q store.Querier, c store.Copier, invs []Invoice, pre []prepared) error {
	rows, err := q.QueryContext(ctx, `SELECT nextval(pg_get_serial_sequence('invoices', 'id')) FROM generate_series(1, $1)`, int64(len(invs)))
	if err != nil {
		return fmt.Errorf("billing: invoice ids: %w", err)
	}
	ids := make([]int64, 0, len(invs))
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("billing: invoice ids: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("billing: invoice ids: %w", err)
	}
	if len(ids) != len(invs) {
		return fmt.Errorf("billing: invoice ids: %d of %d", len(ids), len(invs))
	}
	slices.Sort(ids) // ids in the order of the numbers
	cols := append([]string{"id"}, invoiceColumns...)
	data := make([][]any, len(invs))
	var parties batchJSON
	for i := range invs {
		invs[i].ID = ids[i]
		data[i] = append([]any{ids[i]}, invoiceRow(&invs[i], &parties, &pre[i])...)
	}
	if _, err := c.CopyFrom(ctx, "invoices", cols, data); err != nil {
		return fmt.Errorf("billing: insert invoice: %w", err)
	}
	return nil
}

var lineColumns = []string{"invoice_id", "position", "source", "source_id", "description", "period_start", "period_end", "quantity",
	"unit", "unit_price", "amount", "vat_category", "vat_rate"}

// insertLines stores the documents' lines.
func insertLines(ctx context.Context, q store.Querier, invs []Invoice) error {
	var all [][]any
	for i := range invs {
		for j := range invs[i].Lines {
			l := &invs[i].Lines[j]
			all = append(all, []any{invs[i].ID, int64(l.Position), l.Source, l.SourceID, l.Description, dateText(l.PeriodStart),
				dateText(l.PeriodEnd), l.Quantity, l.Unit, int64(l.UnitPrice), int64(l.Amount), string(l.VATCategory), l.VATRate.BasisPoints()})
		}
	}
	if c, ok := copyBatch(q, len(invs)); ok {
		if _, err := c.CopyFrom(ctx, "invoice_lines", lineColumns, all); err != nil {
			return fmt.Errorf("billing: insert lines: %w", err)
		}
		return nil
	}
	for i := 0; i < len(all); i += lineChunk {
		part := all[i:min(i+lineChunk, len(all))]
		if _, err := q.ExecContext(ctx, insertText("invoice_lines", lineColumns, len(part), ""), flatten(part)...); err != nil {
			return fmt.Errorf("billing: insert lines: %w", err)
		}
	}
	return nil
}

// insertText is a multi-row INSERT of n rows into table's columns, with tail.
func insertText(table string, columns []string, n int, tail string) string {
	var sb strings.Builder
	sb.WriteString(`INSERT INTO ` + table + ` (` + strings.Join(columns, ", ") + `) VALUES `)
	values(&sb, n, len(columns))
	sb.WriteString(tail)
	return sb.String()
}

// flatten is rows' values in one argument list.
func flatten(rows [][]any) []any {
	n := 0
	for _, r := range rows {
		n += len(r)
	}
	out := make([]any, 0, n)
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

var stateColumns = []string{"invoice_id", "org_id", "doc_type", "open_amount", "status", "settled_on", "updated_at"}

// insertStates stores the documents' initial states, and what they leave open in
// receivable_days (migration 0018).
func insertStates(ctx context.Context, q store.Querier, invs []Invoice, now time.Time) error {
	orgs := openOrgs(invs)
	before, err := firstDue(ctx, q, orgs)
	if err != nil {
		return err
	}
	if err := insertStateRows(ctx, q, invs, now); err != nil {
		return err
	}
	// New invoices only add: a customer's oldest open due day is the earlier of theirs
	// before and the new ones'.
	after := maps.Clone(before)
	d := receivableDelta{}
	for i := range invs {
		amount, n := openPart(invs[i].State.Status, invs[i].State.Open)
		due := invs[i].DueDate.String()
		d.add(due, amount, n, 0)
		if first, ok := after[invs[i].OrgID]; n > 0 && (!ok || due < first) {
			after[invs[i].OrgID] = due
		}
	}
	d.moveDebtors(before, after)
	return d.apply(ctx, q)
}

func insertStateRows(ctx context.Context, q store.Querier, invs []Invoice, now time.Time) error {
	all := make([][]any, len(invs))
	for i := range invs {
		inv := &invs[i]
		st := inv.State
		all[i] = []any{inv.ID, inv.OrgID, string(inv.DocType), int64(st.Open), string(st.Status), nullDate(st.SettledOn), now}
	}
	if c, ok := copyBatch(q, len(invs)); ok {
		if _, err := c.CopyFrom(ctx, "invoice_state", stateColumns, all); err != nil {
			return fmt.Errorf("billing: insert state: %w", err)
		}
		return nil
	}
	for i := 0; i < len(all); i += stateChunk {
		part := all[i:min(i+stateChunk, len(all))]
		if _, err := q.ExecContext(ctx, insertText("invoice_state", stateColumns, len(part), ""), flatten(part)...); err != nil {
			return fmt.Errorf("billing: insert state: %w", err)
		}
	}
	return nil
}

var keyColumns = []string{"source", "source_id", "period_start", "invoice_id"}

// insertKeys claims the drafts' items for their documents; any already claimed means
// another run billed them first, and the whole transaction must roll back. An INSERT
// skips a claimed key (ON CONFLICT DO NOTHING) and counts short; a COPY, which has no
// ON CONFLICT, fails on the key's unique violation (after waiting, like the INSERT,
// for a transaction that holds the key uncommitted).
func insertKeys(ctx context.Context, q store.Querier, invs []Invoice, ds []draft) error {
	var all [][]any
	for i := range ds {
		for _, k := range ds[i].keys {
			all = append(all, []any{k.source, k.sourceID, k.period, invs[i].ID})
		}
	}
	if c, ok := copyBatch(q, len(invs)); ok {
		if _, err := c.CopyFrom(ctx, "billed_items", keyColumns, all); err != nil {
			if store.IsUniqueViolation(err) {
				return ErrAlreadyBilled
			}
			return fmt.Errorf("billing: claim items: %w", err)
		}
		return nil
	}
	for i := 0; i < len(all); i += keyChunk {
		part := all[i:min(i+keyChunk, len(all))]
		res, err := q.ExecContext(ctx, insertText("billed_items", keyColumns, len(part), " ON CONFLICT (source, source_id, period_start) DO NOTHING"), flatten(part)...)
		if err != nil {
			return fmt.Errorf("billing: claim items: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != int64(len(part)) {
			return ErrAlreadyBilled
		}
	}
	return nil
}

// issuedMail is the mail that tells the customer a document was issued.
func issuedMail(inv Invoice) (notify.Message, error) {
	name := "invoice_issued"
	if inv.DocType == DocCreditNote {
		name = "credit_note_issued"
	}
	data := map[string]any{"Name": inv.Customer.Name, "Number": inv.Number, "Date": inv.IssueDate, "Due": inv.DueDate,
		"AmountDue": inv.AmountDue, "Total": inv.TotalIncl, "Reference": inv.Reference,
		"IBAN": inv.Provider.IBAN, "Provider": inv.Provider.Name, "Credits": inv.CreditsNumber}
	subject, body, err := templates.Render(name, inv.Lang, data)
	if err != nil {
		return notify.Message{}, err
	}
	return notify.Message{DedupeKey: "billing:" + inv.Number, OrgID: inv.OrgID, To: inv.Customer.Email,
		ToName: inv.Customer.Name, Lang: inv.Lang, Subject: subject, Text: body}, nil
}

// vatDay is a row of vat_days: the VAT report's totals of one day of issue, scheme,
// country, code and rate.
type vatDay struct {
	date, scheme, country, code string
	rate                        terms.Rate
}

// addVATDays adds the documents' VAT breakdowns to vat_days in the issuing
// transaction, credit notes negative, in one statement per batch (a batch's documents
// share a day and a few rates). The keys are written in order, so that two
// transactions adding to the same days lock their rows in the same order (issue 16).
func addVATDays(ctx context.Context, q store.Querier, invs []Invoice) error {
	sums := map[vatDay][2]terms.Money{}
	for i := range invs {
		sign := terms.Money(1)
		if invs[i].DocType == DocCreditNote {
			sign = -1
		}
		for _, l := range invs[i].VATBreakdown {
			k := vatDay{invs[i].IssueDate.String(), invs[i].VATScheme, invs[i].VATCountry, l.Code, l.Rate}
			s := sums[k]
			sums[k] = [2]terms.Money{s[0] + sign*l.Base, s[1] + sign*l.VAT}
		}
	}
	if len(sums) == 0 {
		return nil
	}
	keys := make([]vatDay, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b vatDay) int {
		return cmp.Or(cmp.Compare(a.date, b.date), cmp.Compare(a.scheme, b.scheme), cmp.Compare(a.country, b.country),
			cmp.Compare(a.code, b.code), cmp.Compare(a.rate, b.rate))
	})
	var sb strings.Builder
	sb.WriteString(`INSERT INTO vat_days (issue_date, scheme, country, code, rate, base, vat) VALUES `)
	values(&sb, len(keys), 7)
	sb.WriteString(` ON CONFLICT (issue_date, scheme, country, code, rate) DO UPDATE SET base = vat_days.base + excluded.base, vat = vat_days.vat + excluded.vat`)
	args := make([]any, 0, 7*len(keys))
	for _, k := range keys {
		s := sums[k]
		args = append(args, k.date, k.scheme, k.country, k.code, int64(k.rate), int64(s[0]), int64(s[1]))
	}
	if _, err := q.ExecContext(ctx, sb.String(), args...); err != nil {
		return fmt.Errorf("billing: vat days: %w", err)
	}
	return nil
}
