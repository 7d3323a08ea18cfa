// Package terms is the terms engine of hostpact: the provider's published terms as data
// plus pure functions, and the only place where a period, a rate or a percentage of the
// terms lives. It does no I/O besides reading the packs embedded in the binary and
// parsing bytes handed to it.
//
// # Model
//
// A Pack is a provider's terms as a YAML file a person can read: the provider's
// details, data tables that follow the law (statutory interest rates of art. 6:119 and
// 6:119a BW, the collection-cost scale, VAT rates, extra closed days), the clauses the
// engine deliberately leaves to people (with reasons), and one or more versions of the
// terms, each with an effective_from date. Two packs ship embedded: "cloudprovider"
// (clause ids cp.*) and "5online" (fo.*). A provider may load its own file, whole or as
// `extends: <pack>` stating only what differs; ParsePack rejects a bad file with errors
// that name each bad field by its path.
//
// Pack.At(date) returns the Policy in force on that date: contracts, invoices and
// decisions keep the version that applied when they were made. A Policy holds every
// number and choice of that version in its Terms, each section citing the clause ids
// of clauses.yaml it comes from and, where the terms are open or contradict themselves,
// the reading chosen (INTERPRETATION.md, conflict ids C01-C24 and A01-A24). The
// readings are the defaults; the alternatives INTERPRETATION.md names are parameters
// of the pack (for instance sla.credit_reading).
//
// The rules are methods on Policy: QuoteExpiry, Renewals, Cancellation, Withdrawal,
// Payment, Interest, CollectionCosts, SLACredit, FairUse, LiabilityCap, PriceIncrease,
// TermsChange, PlanChange, Deadline, Retention, Audit and VATRate. Each returns its
// result, an Explanation — ordered steps, each with the clause id, what the rule says,
// the reading chosen, the inputs used and the value produced — and an error for inputs
// it cannot work with (an *InputError naming the input, or ErrNotInTerms when the
// provider's terms do not provide for the question). Rules never panic on input.
//
// # Values
//
// Date is a civil date (the terms count calendar days in Europe/Amsterdam); month
// arithmetic follows the same-day-or-last-day rule of A08, never time.AddDate. Money
// is an exact number of euro cents; rounding is half away from zero and happens only
// where a rule says so. Rate is a percentage in hundredths of a percent. Period is a
// duration as clauses.yaml writes it (P14D, P1M, P1Y, and P2WD for two werkdagen).
// Calendar knows the Dutch werkdagen: Monday to Friday except the holidays of art. 3
// Algemene termijnenwet and the provider's extra closed days (A11).
package terms
