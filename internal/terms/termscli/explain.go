package termscli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/hostpact/hostpact/internal/terms"
)

// question is one question the calculator answers.
type question struct {
	help     string
	required []string
	optional []string
	// anchor is the date flag that picks the version of the terms when --on is absent.
	anchor string
	run    func(p *terms.Policy, v *values) (any, terms.Explanation, error)
}

var questions = map[string]question{
	"business-days": {
		help:     "--from D --add N: the Nth werkdag after (or before) D",
		required: []string{"from", "add"},
		anchor:   "from",
		run: func(p *terms.Policy, v *values) (any, terms.Explanation, error) {
			from, n := v.dates["from"].v, v.ints["add"].v
			d := p.Calendar().AddWerkdagen(from, n)
			ex := terms.Explanation{{
				Clause:  strings.Join(werkdagClauses(p), ", "),
				Says:    "Werkdagen are Monday to Friday except the holidays of art. 3 Algemene termijnenwet (1 January, Good Friday, Easter Monday, King's Day, 5 May, Ascension Day, Whit Monday, 25 and 26 December) and the provider's closed days; within N werkdagen of a day ends on the Nth werkdag after it.",
				Reading: "A11",
				Inputs:  []terms.Input{{Name: "from", Value: from.String()}, {Name: "add", Value: fmt.Sprint(n)}},
				Value:   d.String(),
			}}
			return struct {
				Date terms.Date `json:"date"`
			}{d}, ex, nil
		},
	},
	"add-months": {
		help:     "--from D --months N: D plus N months, same day or the month's last day",
		required: []string{"from", "months"},
		anchor:   "from",
		run: func(p *terms.Policy, v *values) (any, terms.Explanation, error) {
			from, n := v.dates["from"].v, v.ints["months"].v
			d := from.AddMonths(n)
			clauses := p.Terms.Contract.Consumer.Clauses
			if len(clauses) == 0 {
				clauses = p.Terms.Contract.Clauses
			}
			ex := terms.Explanation{{
				Clause:  strings.Join(clauses, ", "),
				Says:    "D + N months is the day with the same number N months later, or the last day of that month when it is shorter.",
				Reading: "A08 (HR 1 September 2017, ECLI:NL:HR:2017:2225)",
				Inputs:  []terms.Input{{Name: "from", Value: from.String()}, {Name: "months", Value: fmt.Sprint(n)}},
				Value:   d.String(),
			}}
			return struct {
				Date terms.Date `json:"date"`
			}{d}, ex, nil
		},
	},
	"quote-expiry": {
		help:     "--sent D: the last day the quote is valid",
		required: []string{"sent"},
		anchor:   "sent",
		run: func(p *terms.Policy, v *values) (any, terms.Explanation, error) {
			return p.QuoteExpiry(v.dates["sent"].v)
		},
	},
	"cancellation": {
		help:     "--customer consumer|business --start D --received D: when the contract ends",
		required: []string{"customer", "start", "received"},
		anchor:   "start",
		run: func(p *terms.Policy, v *values) (any, terms.Explanation, error) {
			c, err := customer(v)
			if err != nil {
				return nil, nil, err
			}
			return p.Cancellation(terms.CancellationInput{Customer: c, Start: v.dates["start"].v, Received: v.dates["received"].v})
		},
	},
	"withdrawal": {
		help:     "--concluded D --received D [--domain] [--waived] [--service-started D --price X] [--invoiced X --paid X]: a consumer's withdrawal (price and amounts incl. VAT; --invoiced defaults to --paid)",
		required: []string{"concluded", "received"},
		optional: []string{"domain", "waived", "service-started", "price", "invoiced", "paid", "customer"},
		anchor:   "concluded",
		run: func(p *terms.Policy, v *values) (any, terms.Explanation, error) {
			c := terms.Consumer
			if *v.strs["customer"] != "" {
				var err error
				if c, err = customer(v); err != nil {
					return nil, nil, err
				}
			}
			invoiced := v.money["paid"].v
			if v.money["invoiced"].set {
				invoiced = v.money["invoiced"].v
			}
			return p.Withdrawal(terms.WithdrawalInput{
				Customer: c, Concluded: v.dates["concluded"].v, Received: v.dates["received"].v,
				Domain: *v.bools["domain"], Waived: *v.bools["waived"],
				ServiceStarted: v.dates["service-started"].v, Price: v.money["price"].v, Invoiced: invoiced, Paid: v.money["paid"].v,
			})
		},
	},
	"payment": {
		help:     "--customer consumer|business --invoice-date D: due date, reminder and default",
		required: []string{"customer", "invoice-date"},
		anchor:   "invoice-date",
		run: func(p *terms.Policy, v *values) (any, terms.Explanation, error) {
			c, err := customer(v)
			if err != nil {
				return nil, nil, err
			}
			return p.Payment(terms.PaymentInput{Customer: c, InvoiceDate: v.dates["invoice-date"].v})
		},
	},
	"interest": {
		help:     "--customer consumer|business --principal X --from D --to D: late-payment interest from D up to, not including, --to",
		required: []string{"customer", "principal", "from", "to"},
		anchor:   "from",
		run: func(p *terms.Policy, v *values) (any, terms.Explanation, error) {
			c, err := customer(v)
			if err != nil {
				return nil, nil, err
			}
			return p.Interest(terms.InterestInput{Customer: c, Principal: v.money["principal"].v, From: v.dates["from"].v, To: v.dates["to"].v})
		},
	},
	"collection-costs": {
		help:     "--principal X [--customer business --actual-costs X]: extrajudicial collection costs",
		required: []string{"principal"},
		optional: []string{"customer", "actual-costs"},
		run: func(p *terms.Policy, v *values) (any, terms.Explanation, error) {
			c := terms.Consumer
			if *v.strs["customer"] != "" {
				var err error
				if c, err = customer(v); err != nil {
					return nil, nil, err
				}
			}
			return p.CollectionCosts(terms.CollectionInput{Principal: v.money["principal"].v, Customer: c, ActualCosts: v.money["actual-costs"].v})
		},
	},
	"sla-credit": {
		help:     "--downtime-minutes N --monthly-fee X [--reading favourable|literal|full-hours] [--breach]: SLA credit",
		required: []string{"downtime-minutes", "monthly-fee"},
		optional: []string{"reading", "breach"},
		run: func(p *terms.Policy, v *values) (any, terms.Explanation, error) {
			return p.SLACredit(terms.SLAInput{
				DowntimeMinutes: v.ints["downtime-minutes"].v, MonthlyFee: v.money["monthly-fee"].v,
				Reading: *v.strs["reading"], Breach: *v.bools["breach"],
			})
		},
	},
	"liability-cap": {
		help:     "cp: --annual-fees X; 5online: --agreement-fees X --months N [--paid-last-6-months X]: liability cap per event",
		optional: []string{"annual-fees", "agreement-fees", "months", "paid-last-6-months", "customer"},
		run: func(p *terms.Policy, v *values) (any, terms.Explanation, error) {
			c := terms.Business
			if *v.strs["customer"] != "" {
				var err error
				if c, err = customer(v); err != nil {
					return nil, nil, err
				}
			}
			l := p.Terms.Liability
			switch l.Model {
			case "annual_fees":
				if err := v.require("liability-cap under "+p.PackName(), "annual-fees"); err != nil {
					return nil, nil, err
				}
			default:
				if err := v.require("liability-cap under "+p.PackName(), "agreement-fees", "months"); err != nil {
					return nil, nil, err
				}
				if v.ints["months"].v > l.LongAgreementMonths {
					if err := v.require(fmt.Sprintf("liability-cap for an agreement of more than %d months", l.LongAgreementMonths), "paid-last-6-months"); err != nil {
						return nil, nil, err
					}
				}
			}
			return p.LiabilityCap(terms.LiabilityInput{
				Customer: c, AnnualFees: v.money["annual-fees"].v, AgreementFees: v.money["agreement-fees"].v,
				AgreementMonths: v.ints["months"].v, PaidLast6Months: v.money["paid-last-6-months"].v,
			})
		},
	},
	"deadline": {
		help:     "--process P --received D: deadline of a process (complaint, ntd, ntd-urgent, disclosure-ack, disclosure-assessment, disclosure-fix, dsar, subprocessor-objection, ...)",
		required: []string{"process", "received"},
		anchor:   "received",
		run: func(p *terms.Policy, v *values) (any, terms.Explanation, error) {
			return p.Deadline(*v.strs["process"], v.dates["received"].v)
		},
	},
}

// werkdagClauses returns the deadline clauses of a pack counted in werkdagen, which
// are the clauses that make werkdagen matter.
func werkdagClauses(p *terms.Policy) []string {
	var out []string
	for _, name := range p.Processes() {
		d := p.Terms.Deadlines[name]
		if d.Period.Unit == terms.Werkdagen {
			out = append(out, d.Clauses...)
		}
	}
	if len(out) == 0 {
		out = p.Terms.Contract.Clauses
	}
	return out
}

func questionNames() []string {
	names := make([]string, 0, len(questions))
	for n := range questions {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func customer(v *values) (terms.CustomerKind, error) {
	c, err := terms.ParseCustomerKind(*v.strs["customer"])
	if err != nil {
		return "", usageErr("--customer: %v", err)
	}
	return c, nil
}

// answer is the JSON form of an explained result.
type answer struct {
	Policy      string            `json:"policy"`
	Version     string            `json:"version"`
	Question    string            `json:"question"`
	Result      any               `json:"result"`
	Explanation terms.Explanation `json:"explanation"`
}

func runExplain(args []string, stdout io.Writer) error {
	v, err := parse(args)
	if err != nil {
		return err
	}
	if len(v.args) == 0 {
		return usageErr("explain needs a QUESTION (one of %s)", strings.Join(questionNames(), ", "))
	}
	if len(v.args) > 1 {
		return usageErr("explain takes one QUESTION, got %q", strings.Join(v.args, " "))
	}
	name := v.args[0]
	q, ok := questions[name]
	if !ok {
		return usageErr("unknown question %q (one of %s)", name, strings.Join(questionNames(), ", "))
	}
	allowed := append([]string{"policy", "pack-file", "on", "json"}, q.required...)
	if err := v.allow(name, append(allowed, q.optional...)...); err != nil {
		return err
	}
	if *v.strs["pack-file"] == "" {
		if err := v.require(name, "policy"); err != nil {
			return err
		}
	}
	if err := v.require(name, q.required...); err != nil {
		return err
	}
	pk, err := loadPack(*v.strs["policy"], *v.strs["pack-file"])
	if err != nil {
		return err
	}
	on := v.dates["on"].v
	if on.IsZero() && q.anchor != "" {
		on = v.dates[q.anchor].v
	}
	pol, err := version(pk, on)
	if err != nil {
		return err
	}
	res, ex, err := q.run(pol, v)
	if err != nil {
		return ruleErr(err)
	}
	if err := checkDates(res); err != nil {
		return err
	}
	a := answer{Policy: pk.Name, Version: pol.Version, Question: name, Result: res, Explanation: ex}
	if *v.bools["json"] {
		return writeJSON(stdout, a)
	}
	return writeText(stdout, a)
}

var farDateRE = regexp.MustCompile(`^\d{5,}-\d{2}-\d{2}$`)

// checkDates rejects answers with dates beyond what the calculator can print as
// YYYY-MM-DD (a question about the year 9999 plus some months).
func checkDates(res any) error {
	raw, err := json.Marshal(res)
	if err != nil {
		return writeError{err}
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return writeError{err}
	}
	for k, v := range m {
		if s, ok := v.(string); ok && farDateRE.MatchString(s) {
			return usageErr("the answer's %s (%s) lies beyond the year %d", k, s, terms.MaxYear)
		}
	}
	return nil
}

// ruleErr names the flag behind a rule's input error.
func ruleErr(err error) error {
	var ie *terms.InputError
	if errors.As(err, &ie) {
		return usageErr("--%s: %s", strings.ReplaceAll(ie.Field, "_", "-"), ie.Msg)
	}
	return err
}

func writeText(w io.Writer, a answer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "policy: %s (version %s)\nquestion: %s\nresult:\n", a.Policy, a.Version, a.Question)
	raw, err := json.Marshal(a.Result)
	if err != nil {
		return writeError{err}
	}
	// Walk the result's JSON object to print its fields in their declared order.
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return writeError{err}
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return writeError{err}
		}
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return writeError{err}
		}
		s := string(val)
		if len(s) > 1 && s[0] == '"' {
			if err := json.Unmarshal(val, &s); err != nil {
				return writeError{err}
			}
		}
		fmt.Fprintf(&b, "  %s: %s\n", key, s)
	}
	b.WriteString("explanation:\n")
	for _, line := range strings.Split(strings.TrimRight(a.Explanation.Text(), "\n"), "\n") {
		b.WriteString("  " + line + "\n")
	}
	return write(w, b.Bytes())
}
