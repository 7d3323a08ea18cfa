package terms

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Step is one step of the reasoning behind a result: the clause it rests on, what the
// clause says or which reading hostpact chose, the inputs it used and the value it
// produced. Staff, customers and auditors are shown the same steps (DESIGN.md).
type Step struct {
	// Clause holds the clause id(s) from clauses.yaml, comma-separated when a step rests
	// on more than one ("cp.av.13.1, cp.av.13.3").
	Clause string `json:"clause"`
	// Says is a plain English sentence: the rule as hostpact reads it.
	Says string `json:"says"`
	// Reading names the interpretation chosen where the terms are open or conflict
	// (conflict ids such as A07, and the alternatives).
	Reading string `json:"reading,omitempty"`
	// Inputs are the values the step used, in order.
	Inputs []Input `json:"inputs,omitempty"`
	// Value is what the step produced, in the calculator's formats (YYYY-MM-DD, "425.00").
	Value string `json:"value"`
	// Key names the step's sentence in the explanation catalogue (explain_messages.go)
	// and Args fills it. Args hold the values in their machine text form (2027-12-04,
	// "425.00", P3M, 8.15, RFC 3339 times), so a stored explanation reads back equal;
	// the catalogue's placeholder types tell Text how to write each in the reader's
	// language. Steps stored before keys existed have none; Text then uses Says.
	Key  string            `json:"key,omitempty"`
	Args map[string]string `json:"args,omitempty"`
}

// Input is a named value used by a Step.
type Input struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Explanation is the ordered list of steps behind one result. A state change that the
// terms drive stores it next to the change.
type Explanation []Step

// inputs builds an Input list from alternating names and values.
func inputs(kv ...any) []Input {
	out := make([]Input, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, Input{Name: fmt.Sprint(kv[i]), Value: fmt.Sprint(kv[i+1])})
	}
	return out
}

func (e *Explanation) add(clauses []string, says, reading string, inputs []Input, value any) {
	*e = append(*e, Step{
		Clause:  strings.Join(clauses, ", "),
		Says:    says,
		Reading: reading,
		Inputs:  inputs,
		Value:   fmt.Sprint(value),
	})
}

// kv is the argument map of a keyed step.
type kv = map[string]any

// key names the sentence of the step added last.
func (e *Explanation) key(k string, args kv) {
	s := &(*e)[len(*e)-1]
	s.Key, s.Args = k, StepArgs(args)
}

// StepArgs writes typed values (Date, Money, Period, Rate, time.Time, numbers,
// strings) in the text form Step.Args keeps; packages that add steps of their own use
// it too.
func StepArgs(args map[string]any) map[string]string {
	if len(args) == 0 {
		return nil
	}
	out := make(map[string]string, len(args))
	for k, v := range args {
		switch x := v.(type) {
		case time.Time:
			out[k] = x.UTC().Format(time.RFC3339)
		case fmt.Stringer:
			out[k] = x.String()
		default:
			out[k] = fmt.Sprint(v)
		}
	}
	return out
}

// Clauses returns every clause id the explanation cites, in order of first use.
func (e Explanation) Clauses() []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range e {
		for _, id := range strings.Split(s.Clause, ",") {
			id = strings.TrimSpace(id)
			if id != "" && !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return out
}

// Result returns the value of the last step, what the explanation arrives at, or ""
// for an empty explanation.
func (e Explanation) Result() string {
	if len(e) == 0 {
		return ""
	}
	return e[len(e)-1].Value
}

// Head returns the first n steps, or all of them when there are fewer.
func (e Explanation) Head(n int) Explanation { return e[:min(n, len(e))] }

// Text renders the explanation for people: one numbered paragraph per step.
func (e Explanation) Text() string {
	var b strings.Builder
	for i, s := range e {
		fmt.Fprintf(&b, "%d. [%s] %s\n", i+1, s.Clause, s.Says)
		if s.Reading != "" {
			fmt.Fprintf(&b, "   reading: %s\n", s.Reading)
		}
		if len(s.Inputs) > 0 {
			parts := make([]string, len(s.Inputs))
			for j, in := range s.Inputs {
				parts[j] = in.Name + "=" + in.Value
			}
			fmt.Fprintf(&b, "   inputs: %s\n", strings.Join(parts, ", "))
		}
		fmt.Fprintf(&b, "   → %s\n", s.Value)
	}
	return b.String()
}

// InputError reports an input a rule cannot work with: a missing date, a receipt
// before the contract started, a negative amount. Field names the input as the rule's
// input struct calls it in snake_case, so a form or the calculator can point at it.
type InputError struct {
	Field string
	Msg   string
}

func (e *InputError) Error() string { return e.Field + ": " + e.Msg }

func inputErr(field, format string, args ...any) error {
	return &InputError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// ErrNotInTerms is returned (wrapped) when a rule is asked about something the
// provider's terms do not provide for: an SLA credit under 5online's terms, consumer
// cancellation under terms that serve businesses only.
var ErrNotInTerms = errors.New("not provided for in these terms")

func notInTerms(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrNotInTerms, fmt.Sprintf(format, args...))
}

func requireDate(field string, d Date) error {
	if d.IsZero() {
		return inputErr(field, "a date is required")
	}
	return nil
}
