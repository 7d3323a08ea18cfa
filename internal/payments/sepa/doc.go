// Package sepa reads and writes the ISO 20022 messages of Dutch banking and checks the
// SEPA identifiers, without any storage: ParseCAMT053 (bank statements,
// camt.053.001.02), MarshalPain008 (direct debit initiation, pain.008.001.02),
// ValidateIBAN (ISO 13616 mod 97), ValidateCreditorID (EPC262-08, ISO 7064 mod 97-10)
// and ValidateBIC. Package payments books what these read.
//
// The parser is fuzzed here, away from the database drivers (coverage instrumentation of
// those makes each run slow). The seeds are full statements, so give the minimiser a
// short budget:
//
//	go test -run '^$' -fuzz FuzzParseCAMT053 -fuzztime 30s -fuzzminimizetime 1s ./internal/payments/sepa/
package sepa
