package store

import (
	"encoding/json"
	"errors"
	"fmt"
)

// CorruptError reports a stored value that no longer decodes (a JSON document written
// by an older or damaged version, a date that is not one). It names the record and
// the field, so that a silently empty explanation or snapshot never stands in for what
// was recorded, and staff can find the row.
type CorruptError struct {
	Record string // "invoice 42"
	Field  string // "explanation"
	Err    error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("stored %s of %s cannot be read: %v", e.Field, e.Record, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// ErrCorrupt matches every *CorruptError with errors.Is.
var ErrCorrupt = errors.New("stored value cannot be read")

// Is makes errors.Is(err, ErrCorrupt) true for a CorruptError.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

// DecodeJSON decodes a JSON document stored in field of record into v. Empty text is
// "nothing stored" (columns that default to the empty string) and leaves v as it is;
// anything else that does not decode is a *CorruptError.
func DecodeJSON(record, field, text string, v any) error {
	if text == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(text), v); err != nil {
		return &CorruptError{Record: record, Field: field, Err: err}
	}
	return nil
}
