// Package payments receives the money: bank transfers read from CAMT.053 bank
// statements, SEPA direct debits (mandates and pain.008 files) and online payments
// through a payment service provider. It decides which invoice a payment is for and
// records it; what a payment does to an invoice (applied, excess, paid, back to open)
// is billing's, reached through the Ledger interface (invoices are paid within the
// payment term of cp.av.14.1; what follows non-payment is cp.av.14.3 and on).
//
// The service:
//
//	s := payments.New(db, clk, ledger, payments.Config{Creditor: ..., Providers: ...})
//
//	// bank statements (billing staff)
//	s.ImportCAMT053(ctx, by, filename, r)   (ImportResult{Entries, Matched, Unmatched, Reversed, Other, Duplicates}, error)
//	s.Unmatched(ctx, by, Page{})            the queue of transactions nothing matched
//	s.AssignUnmatched(ctx, by, txID, "F2026-0005", note)  apply one to an invoice (number or reference)
//	s.IgnoreUnmatched(ctx, by, txID, reason)
//
//	// SEPA direct debit
//	s.CreateMandate / GetMandate / ListMandates / AmendMandate / RevokeMandate
//	s.ProposeCollectionDate(latestInvoiceDate)   the pack's offset, pre-notification, TARGET2
//	s.ExportDirectDebitBatch(ctx, by, collectionDate, []DebitItem) (pain008 []byte, batchID int64, error)
//	s.DirectDebitBatchFile(ctx, by, batchID)
//	s.SettleDirectDebits(ctx, now)               (job) book collections whose date has passed
//
//	// refunds (billing owes them; payments pays them out)
//	s.Refunds(ctx, by)                          outstanding, with deadline, warning day, payout
//	s.PayRefunds(ctx, by)                       provider refunds + one new pain.001 file
//	s.RefundBatches / RefundBatchFile(ctx, by, id) / ConfirmRefundBatch(ctx, by, id, executedOn)
//	s.PollProviderRefunds, s.WarnRefundDeadlines (job)
//
//	// online payments
//	s.StartOnlinePayment(ctx, by, invoiceID, redirect) (checkoutURL string, error)
//	s.HandleWebhook(ctx, providerName, r *http.Request) error
//	s.OnlinePayments(ctx, by, invoiceID)
//
// The formats (CAMT.053, pain.008, IBAN and creditor-id checks) are in package sepa.
//
// # Matching bank transfers
//
// A credit is matched, in this order, by its structured reference (the betalingskenmerk
// in RmtInf/Strd/CdtrRefInf/Ref); by a reference typed into the description (Ustrd,
// spaces ignored); by invoice numbers named in the description (one open invoice, or
// the one of several whose open amount equals the amount paid). The Ledger applies it
// and says what part was excess (an overpayment) — a partial payment simply leaves the
// rest open. A credit that is not in EUR, names no open invoice or several that do not
// decide it goes to the queue, with a note why. Staff assign it to an invoice or ignore
// it with a reason; both are audited.
//
// Only statements of the provider's own accounts are booked (Config.Creditor.IBAN and
// Config.Accounts): a file with a statement of any other account is refused as a
// whole with a ForeignAccountError naming that account. Balances may be 0.00 (a new or
// emptied account); entries and transactions must move money.
//
// Importing is idempotent: a statement is known by account IBAN and Stmt/Id, a booking
// by account IBAN and the bank's AcctSvcrRef (per transaction of a batch entry), so a
// file imported twice, or a booking repeated in an overlapping statement, changes
// nothing the second time. A file is validated completely first (ParseCAMT053: a
// ParseError names the file, entry, transaction and field) and booked in one database
// transaction.
//
// # Direct debit
//
// A mandate's first collection is FRST, the later ones RCUR. ExportDirectDebitBatch
// writes one pain.008.001.02 file (one PmtInf per sequence type). The collection date
// must be a TARGET2 business day (terms.IsTARGET2Day: no weekend, 1 January, Good
// Friday, Easter Monday, 1 May, 25 and 26 December) at least the pack's
// pre-notification period ahead (direct_debit.pre_notification, 14 days; a provider
// setting, as the terms have no direct debit clause). Each debtor is mailed the
// pre-notification (amount, date, mandate, creditor identifier) in the invoice's
// language, once per collection (dedupe key: the EndToEndId). The invoice becomes
// "collection pending" (Ledger.MarkCollectionPending), never paid on a future date:
// SettleDirectDebits (the payments.due job) books the collection in the ledger, dated
// on the collection date (source "sepa_dd", the EndToEndId as reference), once that
// day has passed without a return. The same batch exported again returns the stored
// file. The credit of the collection on a later statement marks it settled; a return
// (DBIT with RtrInf) before it was booked leaves the invoice open and unpaid
// (Ledger.EndCollectionPending), after it reverses it (Ledger.ReversePayment), and:
//   - with a reason that ends the mandate (AC01, AC04, AC06, AG01, MD01, MD07) blocks
//     the mandate;
//   - otherwise (AM04, MD06, MS02, ...) keeps the mandate, and when the returned
//     collection was the first (FRST) and no other collection stands, the next one is
//     FRST again: the series never started. (Since the 2016 rulebook banks also accept
//     RCUR there; FRST is the reading every bank accepts.)
//
// A mandate amendment (reference, name, account) is reported once, with the next
// collection (AmdmntInfDtls); a move to another bank (SMNDA) makes it FRST again. A
// mandate unused for the pack's direct_debit.mandate_expiry (36 months) has expired and
// is refused.
//
// # Online payments
//
// A Provider creates a payment and returns its checkout page; its webhook is only a
// trigger: HandleWebhook verifies it (Mollie: nothing to trust but the id, optional
// HMAC signature; the demo provider: an HMAC over a shared secret), fetches the status
// from the provider, and books a paid payment exactly once: the change to paid is a
// conditional update in the same transaction as Ledger.ApplyPayment, which is also
// idempotent by (source, provider id). Customers start payments only for their own
// organisation's invoices (the service reads the invoice from the Ledger by its id;
// another organisation's invoice is not found) and need the billing
// permission. Mollie talks to Mollie's v2 API; DemoProvider serves `hostpact demo`.
//
// # Refunds
//
// Billing records the refunds owed (a withdrawal, cp.withdrawal.right.3, due 14 days
// after it; an overpayment after termination, cp.av.13.5, due 30 days after it is
// established); payments pays them out. PayRefunds gives every open refund one payout
// (refund_payouts.refund_id is unique, so nothing goes out twice): money that came in
// online goes back through the provider's refund of that payment (Provider.Refund;
// Mollie's POST /v2/payments/{id}/refunds with an Idempotency-Key, so a retry after a
// crash refunds once); the rest goes in one new pain.001.001.03 credit transfer file to
// the account the customer paid from (the bank transfer's counterparty, the direct
// debit's mandate) or that its active mandate names. The file, its payouts and the
// ledger's "sent" are one transaction. A refund is "sent" when its file is made and
// "paid" when staff confirm the file executed (ConfirmRefundBatch) or the provider
// reports it refunded (PollProviderRefunds). A refund with no known account is left to
// staff to pay by hand. WarnRefundDeadlines mails every billing staff member once per
// refund (dedupe key) from the pack's refunds.warn_before (3 werkdagen) before its
// deadline. The payments.due job runs the settlement of direct debits, the polling and
// the warnings hourly.
//
// Authorization: imports, the queue and direct debit files are for staff with the
// billing role (admins hold every role). Every change is audited in the same
// transaction.
package payments
