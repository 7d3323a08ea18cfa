// Package billing owns invoices and credit notes, what is open on them, payments
// booked against them, account credit and refunds (cp.av.14.1-14.4, cp.av.13.5, cp.av.13.9,
// fo.av.16.1-16.4). Payments import (CAMT, SEPA, PSP) and dunning live in other packages and
// call the service below; every amount, rate and date comes from package terms.
//
// # Documents
//
// An invoice is issued in one transaction with its number, its lines, the items it
// bills (billed_items), its open amount (invoice_state), its audit entry and its mail.
// Numbers are gapless per series — the year of issue for invoices (2027-000001), "C"
// and the year for credit notes (C2027-000001) — taken from a counter row bumped in the
// issuing transaction, so a rolled back issue returns its number and concurrent
// issuers queue on the row. Each invoice carries snapshots of both parties (provider
// details from the pack, overridable in Config because the shipped packs lack a VAT
// id), the VAT treatment and breakdown, and a sha256 seal of its content; issued
// documents are never updated (no UPDATE or DELETE of invoices or invoice_lines exists
// in this package, TestImmutable checks it) and GetInvoice and Verify report
// ErrTampered when stored rows no longer match the seal. Corrections are credit notes.
//
// VAT: prices exclude VAT. Dutch customers, and businesses outside the EU or without a
// VAT id, pay Dutch VAT at the rate of the line's category; an EU business with a VAT
// id is invoiced without VAT (reverse charge, "btw verlegd", UBL category AE); an EU
// consumer pays their country's standard rate from the pack's table (One-Stop-Shop).
// Interest and collection costs are outside the scope of VAT (category O) and go on an
// invoice of their own. VAT is computed once per rate per document, rounded half away
// from zero (DESIGN.md principle 7).
//
// Payment reference: ISO 11649 structured creditor reference, "RF" + two mod-97 check
// digits + series digits + sequence (RF71 2027 000001 style). NormaliseReference
// accepts it as banks print it (spaces, lower case) and rejects bad check digits.
//
// PDF (Invoice.PDF, maroto v2 with the embedded Go fonts, nl or en) and UBL
// (Invoice.UBL: UBL 2.1 Invoice or CreditNote in Peppol BIS Billing 3.0; SI-UBL 2.0 /
// NLCIUS CustomizationID with KvK as legal entity id, scheme 0106, when both parties
// are Dutch) are rendered from the stored document at any time.
//
// # The billing run
//
// RunBilling (job "billing.run", see Job) invoices every subscription period that
// starts on or before today + Config.InvoiceAhead days and is not yet billed, in
// advance (cp.av.14.2, fo.av.16.2), one invoice per customer per run. Customers are
// committed in batches (Config.RunBatch; 1 = one transaction per customer): a failing
// customer rolls its batch back and the batch is redone one transaction per customer,
// so each customer's invoice, number, keys and audit entry are all-or-nothing. A
// batch's invoices are issued together (issueAll): one reservation of consecutive
// numbers, multi-row INSERTs (COPY on PostgreSQL) and one audit.RecordMany for the
// batch, and one mail each.
// Billing periods follow the subscription's price period (monthly plans monthly,
// yearly plans yearly) anchored on its start date with the
// month rule of INTERPRETATION.md (A08); a period cut short by the end of the
// subscription is prorated by days. The run streams contracts' billing feed
// (contracts.BillableSubscriptions) in pages ordered by customer, so memory does not
// grow with the number of subscriptions. Each billed item is a unique key in
// billed_items, so a run killed at any point and started again bills exactly what is
// missing, once. Contracts' pending charges (upgrades) go on the customer's next
// invoice. 5online projects are invoiced in two stages by IssueProjectInvoice
// (fo.av.16.1, terms.Policy.Deposit).
//
// # API for other packages
//
//	GetInvoice(ctx, by, id)                      one document with lines; tenant-checked
//	ListInvoices(ctx, by, InvoiceFilter, Page)   headers, newest first, keyset pages
//	OpenInvoices(ctx, asOf)                      for dunning: id, org, kind, dates, open, reference
//	FindByPaymentReference(ctx, ref)             RF reference → invoice (also when paid: Open 0)
//	FindByInvoiceNumber(ctx, number)             invoice number → invoice
//	ApplyPayment(ctx, q, invoiceID, amount, on, source, sourceRef) (applied, excess, err)
//	ReversePayment(ctx, q, source, sourceRef)
//	IssueCharge(ctx, by, orgID, []ChargeLine, reason, key)  interest, collection costs (VATNone)
//	IssueChargeIn(ctx, q, orgID, []ChargeLine, reason, key)  the same inside the caller's transaction (dunning's step)
//	OpenInvoiceByID(ctx, id), InvoicePayments(ctx, id)      for dunning: one invoice (Open 0 once paid), its payments
//	CreditInvoice(ctx, by, invoiceID, CreditInput)          credit note, full or per line
//	GrantCredit(ctx, q, orgID, amount, source, sourceRef, description)  SLA credits
//	CreditBalance(ctx, by, orgID)
//	OpenRefunds(ctx), RefundForPayout(ctx, q, id), MarkRefundSent(ctx, q, id, ref),
//	MarkRefundPaid(ctx, q, id, on, paidRef)      refunds owed; payments pays them out
//	MarkCollectionPending / EndCollectionPending(ctx, q, invoiceID, ...)  direct debits
//	IssueProjectInvoice(ctx, by, subscriptionID, StageDeposit|StageBalance)
//	RunBilling(ctx, now), ProcessRefundsDue(ctx, now), ProcessOverpaymentChecks(ctx, now), Job()
//	Receivables, RevenuePerMonth, VATReport (+ Write*CSV)
//	Verify(ctx)                                  seals and gapless series
//
// ApplyPayment and ReversePayment run in the caller's transaction q and are
// idempotent by (source, sourceRef); the same key on another invoice is
// ErrPaymentConflict. An excess becomes account credit while the customer has a
// running service, and a refund (due by the pack's "overpayment-refund" deadline, 30
// days for cp.av.13.5) once all have ended. Account credit (GrantCredit, excess) is set
// off only against invoices issued after it exists — never against invoices already
// open, and never paid out (cp.sla.compensation.5) — as "paid amount" (UBL
// PrepaidAmount) that lowers the amount due, not the VAT base.
//
// Withdrawals (cp.av.13.9, A16): contracts asks AccountOf (through internal/app) what
// was invoiced and paid for each service; ProcessRefundsDue then issues, per invoice, a
// credit note that cancels what was not paid and credits what was paid beyond the
// deduction for the days used, which is refunded by contracts' date. Overpayment after
// termination (cp.av.13.5): ProcessOverpaymentChecks credits the billed days after the
// end of a service.
//
// Authorization: reading is for staff with any role and for the organisation's own
// users (another organisation's documents are ErrNotFound); issuing charges, credit
// notes and project invoices is for staff with the billing role. The run reads
// customers as SystemPrincipal. Payment and credit functions that take a Querier are
// system calls for other packages' services, which check their own callers.
package billing
