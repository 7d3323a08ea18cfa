// Package csvsafe writes CSV files that spreadsheet programs open without running
// anything a customer typed. Every CSV export of hostpact goes through it.
//
// A cell that starts with =, +, -, @, a tab or a carriage return is read as a formula by
// Excel, LibreOffice and Google Sheets ("CSV injection"): a reseller who names a
// customer =HYPERLINK(…) would otherwise put a live link or a DDE command into the
// books of whoever opens the receivables export. Such a cell is prefixed with an
// apostrophe, which spreadsheets show as text and do not evaluate (OWASP's advice).
// A plain number (-12.50, a credit note's total) is left alone: it is not a formula,
// and turning it into text would break the sums in the accounts.
package csvsafe

import (
	"encoding/csv"
	"io"
)

// Writer is an encoding/csv Writer that neutralises formula cells.
type Writer struct{ w *csv.Writer }

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: csv.NewWriter(w)} }

// Write writes one record, each cell passed through Cell.
func (w *Writer) Write(record []string) error {
	out := make([]string, len(record))
	for i, c := range record {
		out[i] = Cell(c)
	}
	return w.w.Write(out)
}

// Flush writes buffered data; Error reports any error of a Write or the Flush.
func (w *Writer) Flush() { w.w.Flush() }

// Error reports any error that occurred during a Write or Flush.
func (w *Writer) Error() error { return w.w.Error() }

// Cell returns s as it is safe to put in a CSV cell.
func Cell(s string) string {
	if s == "" || isPlainNumber(s) {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// isPlainNumber reports whether s is an optionally negative decimal number such as
// -12.50: digits with at most one dot between digits, nothing else.
func isPlainNumber(s string) bool {
	if s[0] == '-' {
		s = s[1:]
	}
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot && digits > 0 && i < len(s)-1:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}
