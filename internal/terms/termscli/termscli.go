// Package termscli is the calculator `hostpact terms`: it lists a policy pack's
// parameters, compares two packs and answers questions with the terms engine, showing
// the explanation in text or JSON. cmd/hostpact hands it everything after "terms".
package termscli

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/hostpact/hostpact/internal/terms"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // the answer could not be written
	exitUsage = 2 // the question, a flag, a date or the pack was wrong
)

const usageText = `usage:
  hostpact terms list [--policy P] [--pack-file FILE] [--on DATE] [--json]
  hostpact terms diff A B [--on DATE] [--json]        (A, B: pack names or pack files)
  hostpact terms explain QUESTION --policy P [--pack-file FILE] [--on DATE] [flags] [--json]
  hostpact terms questions

Dates are YYYY-MM-DD, amounts euros like 425.00. --on picks the version of the terms in
force on that date (default: the question's own date, else the newest version).
`

// Run executes `hostpact terms` with args (everything after "terms") and returns the
// exit status. It never panics on bad input: a wrong question, flag or date prints a
// message naming it to stderr and returns 2.
func Run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usageText)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "list":
		err = runList(args[1:], stdout)
	case "diff":
		err = runDiff(args[1:], stdout)
	case "explain":
		err = runExplain(args[1:], stdout)
	case "questions":
		for _, q := range questionNames() {
			fmt.Fprintf(stdout, "%-18s %s\n", q, questions[q].help)
		}
		return exitOK
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usageText)
		return exitOK
	default:
		err = usageErr("unknown command %q (want list, diff, explain or questions)", args[0])
	}
	if err == nil {
		return exitOK
	}
	var we writeError
	if errors.As(err, &we) {
		fmt.Fprintln(stderr, "hostpact terms:", err)
		return exitError
	}
	fmt.Fprintln(stderr, "hostpact terms:", err)
	return exitUsage
}

type writeError struct{ error }

func usageErr(format string, args ...any) error { return fmt.Errorf(format, args...) }

var flagNameRE = regexp.MustCompile(`(flag[^-]*) -([A-Za-z0-9-]+)`)

// flagErr rewrites the flag package's "-name" into the "--name" users type.
func flagErr(err error) error {
	return errors.New(flagNameRE.ReplaceAllString(err.Error(), "$1 --$2"))
}

// values are the flags of one invocation, parsed.
type values struct {
	fs    *flag.FlagSet
	dates map[string]*dateFlag
	money map[string]*moneyFlag
	ints  map[string]*intFlag
	strs  map[string]*string
	bools map[string]*bool
	args  []string // positional arguments
}

type dateFlag struct {
	v   terms.Date
	set bool
}

func (f *dateFlag) String() string { return f.v.String() }
func (f *dateFlag) Set(s string) error {
	d, err := terms.ParseDate(s)
	if err != nil {
		return err
	}
	f.v, f.set = d, true
	return nil
}

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
	f.v, f.set = m, true
	return nil
}

type intFlag struct {
	v   int
	set bool
}

func (f *intFlag) String() string { return strconv.Itoa(f.v) }
func (f *intFlag) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < -100000 || n > 100000 {
		return fmt.Errorf("%q is not a whole number", s)
	}
	f.v, f.set = n, true
	return nil
}

var (
	dateFlags  = []string{"from", "to", "sent", "start", "received", "concluded", "invoice-date", "on", "service-started"}
	moneyFlags = []string{"principal", "monthly-fee", "annual-fees", "agreement-fees", "paid-last-6-months", "price", "invoiced", "paid", "actual-costs"}
	intFlags   = []string{"add", "months", "downtime-minutes"}
	strFlags   = []string{"policy", "pack-file", "customer", "reading", "process"}
	boolFlags  = []string{"domain", "waived", "json", "breach"}
)

// parse reads flags and positional arguments in any order.
func parse(args []string) (*values, error) {
	v := &values{
		fs:    flag.NewFlagSet("hostpact terms", flag.ContinueOnError),
		dates: map[string]*dateFlag{}, money: map[string]*moneyFlag{}, ints: map[string]*intFlag{},
		strs: map[string]*string{}, bools: map[string]*bool{},
	}
	v.fs.SetOutput(io.Discard)
	v.fs.Usage = func() {}
	for _, n := range dateFlags {
		v.dates[n] = &dateFlag{}
		v.fs.Var(v.dates[n], n, "date YYYY-MM-DD")
	}
	for _, n := range moneyFlags {
		v.money[n] = &moneyFlag{}
		v.fs.Var(v.money[n], n, "amount in euros")
	}
	for _, n := range intFlags {
		v.ints[n] = &intFlag{}
		v.fs.Var(v.ints[n], n, "whole number")
	}
	for _, n := range strFlags {
		v.strs[n] = v.fs.String(n, "", "")
	}
	for _, n := range boolFlags {
		v.bools[n] = v.fs.Bool(n, false, "")
	}
	for {
		if err := v.fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, usageErr("%s", strings.TrimSpace(usageText))
			}
			return nil, flagErr(err)
		}
		if v.fs.NArg() == 0 {
			break
		}
		v.args = append(v.args, v.fs.Arg(0))
		args = v.fs.Args()[1:]
	}
	return v, nil
}

// setFlags returns the names of the flags given.
func (v *values) setFlags() map[string]bool {
	set := map[string]bool{}
	v.fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// allow rejects flags that do not belong to the command or question.
func (v *values) allow(what string, names ...string) error {
	ok := map[string]bool{}
	for _, n := range names {
		ok[n] = true
	}
	var bad []string
	for n := range v.setFlags() {
		if !ok[n] {
			bad = append(bad, "--"+n)
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return usageErr("%s does not take %s", what, strings.Join(bad, ", "))
	}
	return nil
}

func (v *values) require(what string, names ...string) error {
	set := v.setFlags()
	for _, n := range names {
		if !set[n] {
			return usageErr("%s: missing required flag --%s", what, n)
		}
	}
	return nil
}

// loadPack returns the pack named by --policy, or read from --pack-file.
func loadPack(name, file string) (*terms.Pack, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, usageErr("--pack-file: %v", err)
		}
		pk, err := terms.ParsePack(b)
		if err != nil {
			return nil, usageErr("--pack-file %s: %v", file, err)
		}
		if name != "" && name != pk.Name {
			return nil, usageErr("--policy %s does not match the pack %s in --pack-file", name, pk.Name)
		}
		return pk, nil
	}
	pk, err := terms.LoadPack(name)
	if err != nil {
		return nil, usageErr("--policy: %v", err)
	}
	return pk, nil
}

// packArg loads a pack given as a positional name or file path.
func packArg(arg string) (*terms.Pack, error) {
	if strings.ContainsAny(arg, `/\`) || strings.HasSuffix(arg, ".yaml") || strings.HasSuffix(arg, ".yml") {
		return loadPack("", arg)
	}
	pk, err := terms.LoadPack(arg)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return pk, nil
}

func version(pk *terms.Pack, on terms.Date) (*terms.Policy, error) {
	if on.IsZero() {
		return pk.Latest(), nil
	}
	p, err := pk.At(on)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return p, nil
}

func runList(args []string, stdout io.Writer) error {
	v, err := parse(args)
	if err != nil {
		return err
	}
	if err := v.allow("list", "policy", "pack-file", "on", "json"); err != nil {
		return err
	}
	if len(v.args) > 0 {
		return usageErr("list takes no arguments (got %q); use --policy", v.args[0])
	}
	var names []string
	switch {
	case *v.strs["pack-file"] != "" || *v.strs["policy"] != "":
		names = []string{*v.strs["policy"]}
	default:
		names = terms.EmbeddedPackNames()
	}
	type listing struct {
		Policy     string            `json:"policy"`
		Version    string            `json:"version"`
		Effective  terms.Date        `json:"effective_from"`
		Provider   terms.Provider    `json:"provider"`
		Parameters []terms.Parameter `json:"parameters"`
	}
	var out []listing
	for _, n := range names {
		pk, err := loadPack(n, *v.strs["pack-file"])
		if err != nil {
			return err
		}
		pol, err := version(pk, v.dates["on"].v)
		if err != nil {
			return err
		}
		out = append(out, listing{Policy: pk.Name, Version: pol.Version, Effective: pol.EffectiveFrom, Provider: pk.Provider, Parameters: terms.Parameters(pol)})
	}
	if *v.bools["json"] {
		if len(out) == 1 {
			return writeJSON(stdout, out[0])
		}
		return writeJSON(stdout, out)
	}
	var b bytes.Buffer
	for i, l := range out {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "policy %s, version %s (effective from %s): %s, KvK %s\n", l.Policy, l.Version, l.Effective, l.Provider.LegalName, l.Provider.KvK)
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		for _, p := range l.Parameters {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", p.Path, p.Value, strings.Join(p.Clauses, ", "))
		}
		tw.Flush()
	}
	return write(stdout, b.Bytes())
}

func runDiff(args []string, stdout io.Writer) error {
	v, err := parse(args)
	if err != nil {
		return err
	}
	if err := v.allow("diff", "on", "json"); err != nil {
		return err
	}
	if len(v.args) != 2 {
		return usageErr("diff needs two packs, e.g. diff cloudprovider 5online")
	}
	var pols [2]*terms.Policy
	var names [2]string
	for i, a := range v.args {
		pk, err := packArg(a)
		if err != nil {
			return err
		}
		if pols[i], err = version(pk, v.dates["on"].v); err != nil {
			return err
		}
		names[i] = pk.Name + "@" + pols[i].Version
	}
	diffs := terms.Diff(pols[0], pols[1])
	if *v.bools["json"] {
		return writeJSON(stdout, map[string]any{"a": names[0], "b": names[1], "differences": diffs})
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%d parameters differ between %s (a) and %s (b)\n", len(diffs), names[0], names[1])
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "  parameter\ta\tb\n")
	for _, d := range diffs {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", d.Path, short(orDash(d.A)), short(orDash(d.B)))
	}
	tw.Flush()
	return write(stdout, b.Bytes())
}

// short keeps long list values from swamping the table; --json has them in full.
func short(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:57]) + "..."
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func write(w io.Writer, b []byte) error {
	if _, err := w.Write(b); err != nil {
		return writeError{err}
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return writeError{err}
	}
	return write(w, append(b, '\n'))
}
