// Package slacli is `hostpact sla compute`: it computes one service's SLA month from
// files (JSON lines of checks, exclusions and overdue periods) with internal/sla and the
// pack's rules, for staff who want to check a figure and for tests. cmd/hostpact hands
// it everything after "sla".
package slacli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/sla"
	"github.com/hostpact/hostpact/internal/terms"
)

// Exit statuses, as for `hostpact terms`.
const (
	exitOK    = 0
	exitError = 1 // the answer could not be written
	exitUsage = 2 // a flag, a file or the pack was wrong
)

const usageText = `usage:
  hostpact sla compute --policy P --kind webhosting|email|vps|container|vpn --month YYYY-MM
      --checks FILE [--exclusions FILE] [--overdue FILE] [--monthly-fee X] [--breach] [--json]

FILE formats are JSON lines:
  checks:     {"component":"http","target":"web1","location":"ams1","at":"2026-03-04T10:00:00Z","ok":false}
  exclusions: {"from":"2026-03-04T10:00:00Z","to":"2026-03-04T11:00:00Z","reason":"maintenance-announced"}
  overdue:    {"from":"2026-03-01T00:00:00Z","to":"2026-03-10T00:00:00Z"}
Months are Europe/Amsterdam calendar months; amounts are euros excluding VAT like 25.00.
A down interval still open at a location's last check ends at that check.
`

// Run executes `hostpact sla` with args (everything after "sla") and returns the exit
// status. Bad input prints a message naming the flag, file and line and returns 2.
func Run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usageText)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "compute":
		err = runCompute(args[1:], stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usageText)
		return exitOK
	default:
		err = fmt.Errorf("unknown command %q (want compute)", args[0])
	}
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(stderr, "hostpact sla:", err)
	var we writeError
	if errors.As(err, &we) {
		return exitError
	}
	return exitUsage
}

type writeError struct{ error }

var flagNameRE = regexp.MustCompile(`(flag[^-]*) -([A-Za-z0-9-]+)`)

type moneyFlag struct {
	v   terms.Money
	set bool
}

func (f *moneyFlag) String() string { return f.v.String() }
func (f *moneyFlag) Set(s string) error {
	m, err := terms.ParseMoney(s)
	if err != nil {
		return err
	}
	if m < 0 {
		return fmt.Errorf("amount %q cannot be negative", s)
	}
	f.v, f.set = m, true
	return nil
}

// Output is what --json prints.
type Output struct {
	Result      sla.MonthResult   `json:"result"`
	Explanation terms.Explanation `json:"explanation"`
}

func runCompute(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("hostpact sla compute", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	policy := fs.String("policy", "", "")
	kind := fs.String("kind", "", "")
	month := fs.String("month", "", "")
	checksFile := fs.String("checks", "", "")
	exclFile := fs.String("exclusions", "", "")
	overdueFile := fs.String("overdue", "", "")
	var fee moneyFlag
	fs.Var(&fee, "monthly-fee", "")
	breach := fs.Bool("breach", false, "")
	asJSON := fs.Bool("json", false, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errors.New(strings.TrimSpace(usageText))
		}
		return errors.New(flagNameRE.ReplaceAllString(err.Error(), "$1 --$2"))
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("compute takes no arguments (got %q)", fs.Arg(0))
	}
	for name, v := range map[string]string{"policy": *policy, "kind": *kind, "month": *month, "checks": *checksFile} {
		if v == "" {
			return fmt.Errorf("compute: missing required flag --%s", name)
		}
	}
	m, err := ParseMonth(*month)
	if err != nil {
		return fmt.Errorf("--month: %w", err)
	}
	pk, err := terms.LoadPack(*policy)
	if err != nil {
		return fmt.Errorf("--policy: %w", err)
	}
	pol, err := PolicyFor(pk, m)
	if err != nil {
		return fmt.Errorf("--policy: %w", err)
	}
	in := sla.MonthInput{Kind: *kind, Month: m, MonthlyFee: fee.v, Breach: *breach}
	if in.Checks, err = readFile(*checksFile, "checks", ParseChecks); err != nil {
		return err
	}
	if *exclFile != "" {
		if in.Exclusions, err = readFile(*exclFile, "exclusions", ParseExclusions); err != nil {
			return err
		}
	}
	if *overdueFile != "" {
		if in.OpenInvoices, err = readFile(*overdueFile, "overdue", ParseIntervals); err != nil {
			return err
		}
	}
	res, ex, err := sla.Compute(pol, in)
	if err != nil {
		return err
	}
	if res.Intervals == nil {
		res.Intervals = []sla.Interval{}
	}
	if res.Counted == nil {
		res.Counted = []sla.Interval{}
	}
	if *asJSON {
		b, err := json.MarshalIndent(Output{res, ex}, "", "  ")
		if err != nil {
			return writeError{err}
		}
		return write(stdout, append(b, '\n'))
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s service, %s (%s %s)\n", *kind, res.Month, pk.Name, pol.Version)
	fmt.Fprintf(&b, "unavailable minutes (D): %d\nexcluded minutes: %d\ncredit: %d%% = %s\n", res.DownMinutes, res.ExcludedMinutes, res.CreditPercent, res.Credit)
	for _, iv := range res.Intervals {
		fmt.Fprintf(&b, "  down %s – %s (%s)\n", iv.From.UTC().Format(time.RFC3339), iv.To.UTC().Format(time.RFC3339), iv.Duration())
	}
	b.WriteString("\n")
	b.WriteString(ex.Text())
	return write(stdout, b.Bytes())
}

func write(w io.Writer, b []byte) error {
	if _, err := w.Write(b); err != nil {
		return writeError{err}
	}
	return nil
}

// PolicyFor is the version of the terms in force on the month's first day, or, for a
// month in which the first version took effect, on its last day.
func PolicyFor(pk *terms.Pack, m sla.Month) (*terms.Policy, error) {
	iv := m.Interval()
	first := terms.DateIn(iv.From, clock.Amsterdam)
	if p, err := pk.At(first); err == nil {
		return p, nil
	}
	return pk.At(terms.DateIn(iv.To.Add(-time.Second), clock.Amsterdam))
}

var monthRE = regexp.MustCompile(`^(\d{4})-(\d{2})$`)

// ParseMonth reads YYYY-MM.
func ParseMonth(s string) (sla.Month, error) {
	g := monthRE.FindStringSubmatch(s)
	if g == nil {
		return sla.Month{}, fmt.Errorf("%q is not a month like 2026-03", s)
	}
	y, _ := strconv.Atoi(g[1])
	mo, _ := strconv.Atoi(g[2])
	if y < 2000 || y > 2200 || mo < 1 || mo > 12 {
		return sla.Month{}, fmt.Errorf("%q is not a month like 2026-03", s)
	}
	return sla.Month{Year: y, Month: time.Month(mo)}, nil
}

func readFile[T any](path, flagName string, parse func(io.Reader) ([]T, error)) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", flagName, err)
	}
	defer f.Close()
	out, err := parse(f)
	if err != nil {
		return nil, fmt.Errorf("--%s %s: %w", flagName, path, err)
	}
	return out, nil
}

// maxLine bounds one JSON line; a check line is well under 200 bytes.
const maxLine = 64 << 10

// lines decodes every non-blank line of r strictly (unknown fields are an error, so a
// typo in "ok" cannot silently make every check a failure) and passes it to each.
func lines[T any](r io.Reader, each func(n int, v *T) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		var v T
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("line %d: %v", n, err)
		}
		if dec.More() {
			return fmt.Errorf("line %d: one JSON object per line", n)
		}
		if err := each(n, &v); err != nil {
			return fmt.Errorf("line %d: %v", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("after line %d: %v", n, err)
	}
	return nil
}

type checkLine struct {
	Component *string    `json:"component"`
	Target    string     `json:"target"`
	Location  *string    `json:"location"`
	At        *time.Time `json:"at"`
	OK        *bool      `json:"ok"`
}

// ParseChecks reads check results, one JSON object a line; component, location, at and
// ok are required.
func ParseChecks(r io.Reader) ([]sla.Check, error) {
	var out []sla.Check
	err := lines(r, func(_ int, c *checkLine) error {
		switch {
		case c.Component == nil || *c.Component == "":
			return errors.New(`"component" is required`)
		case c.Location == nil || *c.Location == "":
			return errors.New(`"location" is required`)
		case c.At == nil || c.At.IsZero():
			return errors.New(`"at" is required (RFC 3339, e.g. 2026-03-04T10:00:00Z)`)
		case c.OK == nil:
			return errors.New(`"ok" is required (true or false)`)
		}
		out = append(out, sla.Check{Component: *c.Component, Target: c.Target, Location: *c.Location, At: c.At.UTC(), OK: *c.OK})
		return nil
	})
	return out, err
}

type spanLine struct {
	From   *time.Time `json:"from"`
	To     *time.Time `json:"to"`
	Reason *string    `json:"reason"`
}

func (s *spanLine) interval() (sla.Interval, error) {
	if s.From == nil || s.To == nil {
		return sla.Interval{}, errors.New(`"from" and "to" are required`)
	}
	if !s.To.After(*s.From) {
		return sla.Interval{}, errors.New(`"to" must be after "from"`)
	}
	return sla.Interval{From: s.From.UTC(), To: s.To.UTC()}, nil
}

// ParseExclusions reads excluded intervals with their reason, one a line. Whether the
// reason is one of the pack's is for sla.Compute to say.
func ParseExclusions(r io.Reader) ([]sla.Exclusion, error) {
	var out []sla.Exclusion
	err := lines(r, func(_ int, s *spanLine) error {
		iv, err := s.interval()
		if err != nil {
			return err
		}
		if s.Reason == nil || *s.Reason == "" {
			return errors.New(`"reason" is required`)
		}
		out = append(out, sla.Exclusion{From: iv.From, To: iv.To, Reason: *s.Reason})
		return nil
	})
	return out, err
}

// ParseIntervals reads plain intervals (the overdue periods), one a line.
func ParseIntervals(r io.Reader) ([]sla.Interval, error) {
	var out []sla.Interval
	err := lines(r, func(_ int, s *spanLine) error {
		if s.Reason != nil {
			return errors.New(`an overdue period has no "reason"`)
		}
		iv, err := s.interval()
		if err != nil {
			return err
		}
		out = append(out, iv)
		return nil
	})
	return out, err
}
