package terms

import (
	"bytes"
	"embed"
	"encoding"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

//go:embed packs/*.yaml
var packFiles embed.FS

// packFile is the layout of a pack file. Versions stay YAML nodes until resolved,
// because each version inherits whatever it does not state from the one before it.
type packFile struct {
	Pack         string         `yaml:"pack"`
	Extends      string         `yaml:"extends"`
	Title        string         `yaml:"title"`
	Provider     Provider       `yaml:"provider"`
	Tables       Tables         `yaml:"tables"`
	NotAutomated []NotAutomated `yaml:"not_automated"`
	Versions     []yaml.Node    `yaml:"versions"`
}

// PackError lists everything wrong with a pack file, each problem prefixed with the
// path of the field it concerns ("versions[0].payment.term: ...").
type PackError struct {
	Problems []string
}

func (e *PackError) Error() string {
	return "invalid policy pack:\n  " + strings.Join(e.Problems, "\n  ")
}

// EmbeddedPackNames lists the packs built into the binary.
func EmbeddedPackNames() []string {
	entries, _ := packFiles.ReadDir("packs") // embedded: cannot fail
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// EmbeddedPackSource returns the YAML text of a built-in pack, for a provider to copy
// and edit.
func EmbeddedPackSource(name string) ([]byte, error) {
	b, err := packFiles.ReadFile("packs/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("no built-in policy pack %q (have %s)", name, strings.Join(EmbeddedPackNames(), ", "))
	}
	return b, nil
}

var (
	embeddedOnce  sync.Once
	embeddedPacks map[string]*Pack
	embeddedErr   error
)

// Packs returns the built-in packs by name (cloudprovider, 5online). They are parsed
// once; the returned packs are shared and must not be modified.
func Packs() (map[string]*Pack, error) {
	embeddedOnce.Do(func() {
		embeddedPacks = map[string]*Pack{}
		for _, name := range EmbeddedPackNames() {
			b, _ := EmbeddedPackSource(name) // the name came from EmbeddedPackNames
			pk, err := ParsePack(b)
			if err != nil {
				embeddedErr = fmt.Errorf("built-in pack %s: %w", name, err)
				return
			}
			embeddedPacks[name] = pk
		}
	})
	if embeddedErr != nil {
		return nil, embeddedErr
	}
	out := make(map[string]*Pack, len(embeddedPacks))
	for k, v := range embeddedPacks {
		out[k] = v
	}
	return out, nil
}

// LoadPack returns the built-in pack with the given name.
func LoadPack(name string) (*Pack, error) {
	packs, err := Packs()
	if err != nil {
		return nil, err
	}
	pk, ok := packs[name]
	if !ok {
		return nil, fmt.Errorf("no built-in policy pack %q (have %s)", name, strings.Join(EmbeddedPackNames(), ", "))
	}
	return pk, nil
}

// ParsePack reads a pack file. A provider's own file either stands alone or starts with
// `extends: <built-in pack>`: it then changes only what it states (provider details,
// whole tables, the not-automated list) and its versions follow the built-in ones,
// each inheriting what it does not state from the version before it. A bad pack is
// rejected with a *PackError naming every bad field.
func ParsePack(b []byte) (*Pack, error) { return parsePack(b, true) }

func parsePack(b []byte, allowExtends bool) (*Pack, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, &PackError{Problems: []string{"not valid YAML: " + err.Error()}}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, &PackError{Problems: []string{"empty pack file"}}
	}
	root := doc.Content[0]
	var probs []string
	checkNode(root, reflect.TypeFor[packFile](), "", &probs)
	if len(probs) > 0 {
		return nil, &PackError{Problems: probs}
	}

	var raw packFile
	var baseVersions []yaml.Node
	var baseLabel []string
	if ext := extendsOf(root); ext != "" {
		if !allowExtends {
			return nil, &PackError{Problems: []string{"extends: a built-in pack cannot extend another"}}
		}
		src, err := EmbeddedPackSource(ext)
		if err != nil {
			return nil, &PackError{Problems: []string{"extends: " + err.Error()}}
		}
		if err := yaml.Unmarshal(src, &raw); err != nil {
			return nil, err
		}
		baseVersions = raw.Versions
		raw.Versions = nil
		for i := range baseVersions {
			baseLabel = append(baseLabel, fmt.Sprintf("%s versions[%d]", ext, i))
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil {
		return nil, &PackError{Problems: []string{err.Error()}}
	}
	nodes := append(baseVersions, raw.Versions...)
	labels := baseLabel
	for i := range raw.Versions {
		labels = append(labels, fmt.Sprintf("versions[%d]", i))
	}

	pk := &Pack{
		Name:         raw.Pack,
		Title:        raw.Title,
		Provider:     raw.Provider,
		Tables:       raw.Tables,
		NotAutomated: raw.NotAutomated,
	}
	pk.cal = NewCalendar(pk.Tables.ClosedDays...)
	for i := range nodes {
		pol := &Policy{pack: pk}
		for j := 0; j <= i; j++ {
			if err := nodes[j].Decode(&pol.Terms); err != nil {
				return nil, &PackError{Problems: []string{labels[j] + ": " + err.Error()}}
			}
		}
		pol.Version, pol.EffectiveFrom = pol.Terms.Version, pol.Terms.EffectiveFrom
		pk.versions = append(pk.versions, pol)
	}
	v := &validator{}
	v.pack(pk, labels)
	if len(v.probs) > 0 {
		return nil, &PackError{Problems: v.probs}
	}
	return pk, nil
}

func extendsOf(root *yaml.Node) string {
	if root.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "extends" {
			return root.Content[i+1].Value
		}
	}
	return ""
}

var (
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	yamlNodeType        = reflect.TypeFor[yaml.Node]()
)

// checkNode walks a YAML node against the Go type it will be decoded into and
// reports, by path, every unknown field and every value of the wrong form. The YAML
// library itself would stop at the first bad value and name only a line.
func checkNode(n *yaml.Node, t reflect.Type, path string, probs *[]string) {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	where := path
	if where == "" {
		where = "(top level)"
	}
	bad := func(format string, args ...any) {
		*probs = append(*probs, where+": "+fmt.Sprintf(format, args...))
	}
	if t == yamlNodeType {
		return
	}
	if t.Kind() == reflect.Slice && t.Elem() == yamlNodeType && path == "versions" {
		if n.Kind != yaml.SequenceNode {
			bad("must be a list of versions")
			return
		}
		for i, c := range n.Content {
			checkNode(c, reflect.TypeFor[Terms](), fmt.Sprintf("versions[%d]", i), probs)
		}
		return
	}
	if reflect.PointerTo(t).Implements(textUnmarshalerType) {
		if n.Kind != yaml.ScalarNode {
			bad("must be a single value")
			return
		}
		u := reflect.New(t).Interface().(encoding.TextUnmarshaler)
		if err := u.UnmarshalText([]byte(n.Value)); err != nil {
			switch t {
			case reflect.TypeFor[Period]():
				bad("must be a duration like P1M, P14D or P2WD (got %q)", n.Value)
			case reflect.TypeFor[Date]():
				bad("must be a date like 2025-01-31 (got %q)", n.Value)
			case reflect.TypeFor[Money]():
				bad("must be an amount in euros like 425.00 (got %q)", n.Value)
			case reflect.TypeFor[Rate]():
				bad("must be a percentage like 10.15 (got %q)", n.Value)
			default:
				bad("%v", err)
			}
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			bad("must be a mapping of fields")
			return
		}
		fields := map[string]reflect.Type{}
		for i := 0; i < t.NumField(); i++ {
			if name := yamlName(t.Field(i)); name != "" {
				fields[name] = t.Field(i).Type
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			ft, ok := fields[key]
			if !ok {
				*probs = append(*probs, joinPath(path, key)+": unknown field")
				continue
			}
			checkNode(n.Content[i+1], ft, joinPath(path, key), probs)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			bad("must be a mapping")
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			checkNode(n.Content[i+1], t.Elem(), joinPath(path, n.Content[i].Value), probs)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			bad("must be a list")
			return
		}
		for i, c := range n.Content {
			checkNode(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i), probs)
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			bad("must be text")
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			bad("must be true or false (got %q)", n.Value)
		}
	case reflect.Int:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			bad("must be a whole number (got %q)", n.Value)
		}
	}
}

// validator collects the semantic problems of a decoded pack.
type validator struct {
	probs []string
}

func (v *validator) fail(path, format string, args ...any) {
	v.probs = append(v.probs, path+": "+fmt.Sprintf(format, args...))
}

var (
	packNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	clauseRE   = regexp.MustCompile(`^[a-z0-9]+(\.[a-z0-9-]+)+$`)
	countryRE  = regexp.MustCompile(`^[A-Z]{2}$`)
)

func (v *validator) pack(pk *Pack, labels []string) {
	if !packNameRE.MatchString(pk.Name) {
		v.fail("pack", "must be a name of lowercase letters, digits and dashes (got %q)", pk.Name)
	}
	if pk.Provider.LegalName == "" {
		v.fail("provider.legal_name", "is required")
	}
	v.clauses("provider.clauses", pk.Provider.Clauses)
	v.tables(pk.Tables)
	seen := map[string]bool{}
	for i, na := range pk.NotAutomated {
		p := fmt.Sprintf("not_automated[%d]", i)
		if !clauseRE.MatchString(na.Clause) {
			v.fail(p+".clause", "must be a clause id like cp.av.13.1 (got %q)", na.Clause)
		}
		if strings.TrimSpace(na.Reason) == "" {
			v.fail(p+".reason", "must say why the clause is not automated")
		}
		if seen[na.Clause] {
			v.fail(p+".clause", "%s is listed twice", na.Clause)
		}
		seen[na.Clause] = true
	}
	if len(pk.versions) == 0 {
		v.fail("versions", "at least one version is required")
		return
	}
	names := map[string]bool{}
	for i, pol := range pk.versions {
		p := labels[i]
		if pol.Version == "" {
			v.fail(p+".version", "is required")
		} else if names[pol.Version] {
			v.fail(p+".version", "%q is used by an earlier version", pol.Version)
		}
		names[pol.Version] = true
		if pol.EffectiveFrom.IsZero() {
			v.fail(p+".effective_from", "is required")
		} else if i > 0 && !pol.EffectiveFrom.After(pk.versions[i-1].EffectiveFrom) {
			v.fail(p+".effective_from", "must be after the previous version's %s", pk.versions[i-1].EffectiveFrom)
		}
		v.policy(pol, p)
	}
}

func (v *validator) clauses(path string, ids []string) {
	if len(ids) == 0 {
		v.fail(path, "must cite at least one clause id")
	}
	for i, id := range ids {
		if !clauseRE.MatchString(id) {
			v.fail(fmt.Sprintf("%s[%d]", path, i), "must be a clause id like cp.av.13.1 (got %q)", id)
		}
	}
}

// optionalClauses checks a list of clause ids that may be empty.
func (v *validator) optionalClauses(path string, ids []string) {
	for i, id := range ids {
		if !clauseRE.MatchString(id) {
			v.fail(fmt.Sprintf("%s[%d]", path, i), "must be a clause id like cp.av.13.1 (got %q)", id)
		}
	}
}

func (v *validator) need(path string, p Period, units ...Unit) {
	if p.IsZero() {
		v.fail(path, "is required: a duration like P1M")
		return
	}
	if len(units) == 0 {
		return
	}
	for _, u := range units {
		if p.Unit == u {
			return
		}
	}
	names := make([]string, len(units))
	for i, u := range units {
		names[i] = Period{1, u}.String()[2:]
	}
	v.fail(path, "must be counted in %s (got %s)", strings.Join(names, " or "), p)
}

func (v *validator) oneOf(path, val string, allowed ...string) {
	for _, a := range allowed {
		if val == a {
			return
		}
	}
	v.fail(path, "must be one of %s (got %q)", strings.Join(allowed, ", "), val)
}

func (v *validator) policy(pl *Policy, p string) {
	pol := &pl.Terms
	c := pol.Customers
	if !c.Consumers && !c.Businesses {
		v.fail(p+".customers", "must serve consumers, businesses or both")
	}
	v.clauses(p+".customers.clauses", c.Clauses)
	v.optionalClauses(p+".customers.refusal_clauses", c.RefusalClauses)

	v.need(p+".quote.validity", pol.Quote.Validity, Days, Weeks, Months)
	v.clauses(p+".quote.clauses", pol.Quote.Clauses)

	ct := pol.Contract
	v.need(p+".contract.initial_term", ct.InitialTerm, Months, Years)
	v.need(p+".contract.renewal_term", ct.RenewalTerm, Months, Years)
	v.clauses(p+".contract.clauses", ct.Clauses)
	if c.Consumers {
		v.need(p+".contract.consumer.notice_before_term_end", ct.Consumer.NoticeBeforeTermEnd, Days, Weeks, Months)
		v.clauses(p+".contract.consumer.clauses", ct.Consumer.Clauses)
	}
	if c.Businesses {
		v.need(p+".contract.business.notice_before_term_end", ct.Business.NoticeBeforeTermEnd, Days, Weeks, Months)
		v.clauses(p+".contract.business.clauses", ct.Business.Clauses)
	}

	w := pol.Withdrawal
	if w.Enabled {
		v.need(p+".withdrawal.period", w.Period, Days)
		v.need(p+".withdrawal.refund_within", w.RefundWithin, Days)
		v.oneOf(p+".withdrawal.domain_exclusion", w.DomainExclusion, "with_waiver", "always", "never")
		if w.DomainExclusion == "with_waiver" {
			v.clauses(p+".withdrawal.waiver_clauses", w.WaiverClauses)
		}
	}
	v.clauses(p+".withdrawal.clauses", w.Clauses)
	v.optionalClauses(p+".withdrawal.waiver_clauses", w.WaiverClauses)

	pay := pol.Payment
	v.need(p+".payment.term", pay.Term, Days, Weeks, Months)
	v.need(p+".payment.default_after", pay.DefaultAfter, Days, Weeks)
	if !pay.BillingPeriod.IsZero() {
		v.need(p+".payment.billing_period", pay.BillingPeriod, Months, Years)
	}
	v.oneOf(p+".payment.proration", pay.Proration, ProrationDaysInPeriod)
	if pay.DepositPercent > Percent(100) {
		v.fail(p+".payment.deposit_percent", "must be at most 100")
	}
	v.clauses(p+".payment.clauses", pay.Clauses)

	for name, st := range map[string]DunningStep{"suspension": pol.Dunning.Suspension, "termination": pol.Dunning.Termination} {
		if st.After.IsZero() {
			continue
		}
		v.need(p+".dunning."+name+".after", st.After, Days, Weeks, Months)
		if len(st.Clauses) == 0 {
			v.fail(p+".dunning."+name+".clauses", "is required when after is set: the clause that gives the right")
		}
		v.clauses(p+".dunning."+name+".clauses", st.Clauses)
	}
	if pol.Dunning.MinimumCharge < 0 {
		v.fail(p+".dunning.minimum_charge", "must not be negative")
	}

	if pol.Reminder.Enabled {
		v.need(p+".reminder.send_after_due", pol.Reminder.SendAfterDue)
		v.need(p+".reminder.pay_within", pol.Reminder.PayWithin, Days, Weeks)
		v.clauses(p+".reminder.clauses", pol.Reminder.Clauses)
	}

	kinds := map[string]InterestKind{}
	if c.Consumers {
		kinds["consumer"] = pol.Interest.Consumer
	}
	if c.Businesses {
		kinds["business"] = pol.Interest.Business
	}
	for name, k := range kinds {
		q := p + ".interest." + name
		v.oneOf(q+".table", k.Table, "consumer", "commercial")
		v.oneOf(q+".from", k.From, "day_after_due", "default")
		v.clauses(q+".clauses", k.Clauses)
	}
	if pol.Interest.DayCount != 365 {
		v.fail(p+".interest.day_count", "must be 365 (interest accrues at 1/365 of the yearly rate per day)")
	}

	v.oneOf(p+".collection_costs.scale", pol.CollectionCosts.Scale, "statutory")
	v.clauses(p+".collection_costs.clauses", pol.CollectionCosts.Clauses)

	s := pol.SLA
	if s.Enabled {
		q := p + ".sla"
		if s.Target <= 0 || s.Target > Percent(100) {
			v.fail(q+".target", "must be a percentage above 0 and at most 100")
		}
		if s.ThresholdMinutes <= 0 {
			v.fail(q+".threshold_minutes", "must be above 0")
		}
		if s.StepMinutes <= 0 {
			v.fail(q+".step_minutes", "must be above 0")
		}
		if s.StepPercent <= 0 || s.StepPercent > 100 {
			v.fail(q+".step_percent", "must be between 1 and 100")
		}
		if s.CapPercent <= 0 || s.CapPercent > 100 {
			v.fail(q+".cap_percent", "must be between 1 and 100")
		}
		v.oneOf(q+".credit_reading", s.CreditReading, SLAReadings...)
		v.need(q+".claim_window", s.ClaimWindow, Days, Werkdagen)
		v.oneOf(q+".open_invoice_means", s.OpenInvoiceMeans, "overdue", "unpaid")
		v.clauses(q+".credit_clauses", s.CreditClauses)
		v.clauses(q+".exclusion_clauses", s.ExclusionClauses)
		if len(s.Exclusions) == 0 {
			v.fail(q+".exclusions", "must map each exclusion reason to its clause")
		}
		for reason, c := range s.Exclusions {
			v.clauses(q+".exclusions."+reason, []string{c})
		}
		v.clauses(q+".overdue_clauses", s.OverdueClauses)
		m := s.Measurement
		if m.ConfirmFailures < 1 {
			v.fail(q+".measurement.confirm_failures", "must be at least 1")
		}
		if m.MaxCheckGapMinutes < 1 {
			v.fail(q+".measurement.max_check_gap_minutes", "must be at least 1")
		}
		if len(m.Components) == 0 {
			v.fail(q+".measurement.components", "must list the measured components per service kind")
		}
		for kind, cs := range m.Components {
			if len(cs) == 0 {
				v.fail(q+".measurement.components."+kind, "must list at least one component")
			}
		}
		v.clauses(q+".measurement.clauses", m.Clauses)
		if s.FreezeAfterMinutes < 0 {
			v.fail(q+".freeze_after_minutes", "must not be negative")
		}
	}
	v.clauses(p+".sla.clauses", s.Clauses)

	v.need(p+".maintenance.notice", pol.Maintenance.Notice, Days, Werkdagen)
	v.clauses(p+".maintenance.clauses", pol.Maintenance.Clauses)
	v.support(p+".support", pol.Support)
	v.need(p+".monitoring.keep_results", pol.Monitoring.KeepResults, Days)
	v.clauses(p+".monitoring.clauses", pol.Monitoring.Clauses)
	if sl := pol.SecretLinks; sl.Shortest.Duration <= 0 || sl.Longest.Duration < sl.Shortest.Duration || sl.MaxBytes <= 0 {
		v.fail(p+".secret_links", "needs 0 < shortest <= longest and max_bytes > 0")
	}
	v.clauses(p+".secret_links.clauses", pol.SecretLinks.Clauses)
	pol.Backups.validate(v, p)

	u := pol.Usage
	v.clauses(p+".usage.clauses", u.Clauses)
	if u.FairUse.Enabled {
		q := p + ".usage.fair_use"
		if u.FairUse.Multiplier <= 0 {
			v.fail(q+".multiplier", "must be above 0")
		}
		if u.FairUse.MinPeers <= 0 {
			v.fail(q+".min_peers", "must be above 0")
		}
		v.oneOf(q+".statistic", u.FairUse.Statistic, "mean")
		v.clauses(q+".clauses", u.FairUse.Clauses)
	}
	if u.OverageMode != "" {
		v.oneOf(p+".usage.overage_mode", u.OverageMode, "bill", "raise", "fair_use")
	}
	if u.OverageMode == "bill" || u.CustomerChoosesMode {
		if u.OveragePrices.TrafficGB <= 0 || u.OveragePrices.StorageGB <= 0 {
			v.fail(p+".usage.overage_prices", "billing usage above the plan needs a price per GB for traffic and storage")
		}
	}
	for i, w := range u.WarnAt {
		if w <= 0 || w > 100 || i > 0 && w <= u.WarnAt[i-1] {
			v.fail(p+".usage.warn_at", "must be ascending percentages from 1 to 100")
		}
	}
	v.clauses(p+".usage.traffic_clauses", u.TrafficClauses)
	v.clauses(p+".usage.storage_clauses", u.StorageClauses)

	l := pol.Liability
	v.oneOf(p+".liability.model", l.Model, "annual_fees", "agreement_fees")
	if l.AbsoluteCap <= 0 {
		v.fail(p+".liability.absolute_cap", "must be an amount above 0")
	}
	if l.Model == "agreement_fees" && l.LongAgreementMonths <= 0 {
		v.fail(p+".liability.long_agreement_months", "must be above 0 for model agreement_fees")
	}
	v.clauses(p+".liability.clauses", l.Clauses)

	pi := pol.PriceIncrease
	if pi.Enabled {
		v.oneOf(p+".price_increase.max_once_per", pi.MaxOncePer, "calendar_year", "12_months")
		v.need(p+".price_increase.notice", pi.Notice)
	}
	v.clauses(p+".price_increase.clauses", pi.Clauses)

	v.need(p+".terms_change.effective_after", pol.TermsChange.EffectiveAfter)
	v.clauses(p+".terms_change.clauses", pol.TermsChange.Clauses)

	v.need(p+".audit.min_interval", pol.Audit.MinInterval, Months, Years)
	v.clauses(p+".audit.clauses", pol.Audit.Clauses)
	v.oneOf(p+".audit.precondition", pol.Audit.Precondition, AuditReportsFirst, AuditSuspicion)
	v.clauses(p+".audit.precondition_clauses", pol.Audit.PreconditionClauses)
	v.clauses(p+".audit.cost_clauses", pol.Audit.CostClauses)
	if pol.Audit.RepeatWithReport {
		v.clauses(p+".audit.repeat_clauses", pol.Audit.RepeatClauses)
	}
	v.need(p+".domains.default_cancel_notice", pol.Domains.DefaultCancelNotice, Days, Months)
	v.clauses(p+".domains.clauses", pol.Domains.Clauses)
	v.clauses(p+".domains.data_sharing", pol.Domains.DataSharing)
	v.clauses(p+".vat.clauses", pol.VAT.Clauses)
	v.moneyOut(pol, p)

	v.privacy(p, pol.Privacy)

	for _, name := range sortedKeys(pol.Deadlines) {
		d := pol.Deadlines[name]
		q := p + ".deadlines." + name
		v.need(q+".period", d.Period)
		if d.From == "" {
			v.fail(q+".from", "must say what starts the clock")
		}
		v.clauses(q+".clauses", d.Clauses)
	}
	v.ntd(pol, p)
	for _, name := range sortedKeys(pol.Retention) {
		r := pol.Retention[name]
		q := p + ".retention." + name
		if r.Period.IsZero() {
			v.fail(q+".period", "is required: a duration like P6M")
		}
		if r.From == "" {
			v.fail(q+".from", "must say what starts the period")
		}
		if len(r.Clauses) == 0 && r.Basis == "" {
			v.fail(q+".clauses", "must cite a clause id, or give a statutory basis")
		}
		for i, id := range r.Clauses {
			if !clauseRE.MatchString(id) {
				v.fail(fmt.Sprintf("%s.clauses[%d]", q, i), "must be a clause id like cp.av.13.1 (got %q)", id)
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (v *validator) rateTable(path string, rows []RateFrom) {
	if len(rows) == 0 {
		v.fail(path, "needs at least one rate")
	}
	for i, r := range rows {
		if r.From.IsZero() {
			v.fail(fmt.Sprintf("%s[%d].from", path, i), "is required")
		} else if i > 0 && !r.From.After(rows[i-1].From) {
			v.fail(fmt.Sprintf("%s[%d].from", path, i), "must be after %s (rows in date order)", rows[i-1].From)
		}
		if r.Rate > Percent(100) {
			v.fail(fmt.Sprintf("%s[%d].rate", path, i), "must be at most 100")
		}
	}
}

func (v *validator) tables(t Tables) {
	v.rateTable("tables.statutory_interest.consumer", t.StatutoryInterest.Consumer)
	v.rateTable("tables.statutory_interest.commercial", t.StatutoryInterest.Commercial)

	cs := t.CollectionCosts
	if len(cs.Brackets) == 0 {
		v.fail("tables.collection_costs.brackets", "needs at least one bracket")
	}
	for i, b := range cs.Brackets {
		p := fmt.Sprintf("tables.collection_costs.brackets[%d]", i)
		last := i == len(cs.Brackets)-1
		switch {
		case last && b.UpTo != 0:
			v.fail(p+".up_to", "must be left out on the last bracket (it has no upper bound)")
		case !last && b.UpTo <= 0:
			v.fail(p+".up_to", "is required on every bracket but the last")
		case !last && i > 0 && b.UpTo <= cs.Brackets[i-1].UpTo:
			v.fail(p+".up_to", "must be above the previous bracket's %s", cs.Brackets[i-1].UpTo)
		}
	}
	if cs.Minimum < 0 || cs.Maximum <= 0 || cs.Minimum > cs.Maximum {
		v.fail("tables.collection_costs", "needs 0 <= minimum <= maximum and maximum above 0")
	}

	if len(t.VAT.NL) == 0 {
		v.fail("tables.vat.nl", "needs at least one row")
	}
	for i, r := range t.VAT.NL {
		p := fmt.Sprintf("tables.vat.nl[%d]", i)
		if r.From.IsZero() {
			v.fail(p+".from", "is required")
		} else if i > 0 && !r.From.After(t.VAT.NL[i-1].From) {
			v.fail(p+".from", "must be after %s (rows in date order)", t.VAT.NL[i-1].From)
		}
		if r.Standard <= 0 {
			v.fail(p+".standard", "is required")
		}
	}
	for _, cc := range sortedKeys(t.VAT.EUStandard) {
		if !countryRE.MatchString(cc) {
			v.fail("tables.vat.eu_standard."+cc, "must be a two-letter country code like DE")
		}
		v.rateTable("tables.vat.eu_standard."+cc, t.VAT.EUStandard[cc])
	}
	for i, d := range t.ClosedDays {
		if d.Date.IsZero() {
			v.fail(fmt.Sprintf("tables.closed_days[%d].date", i), "is required")
		}
	}
}

// ntd checks the notice-and-takedown and disclosure sections (rules_ntd.go,
// rules_disclosure.go): the processes they count with must be in Deadlines.
func (v *validator) ntd(pol *Terms, p string) {
	n := pol.NTD
	v.need(p+".ntd.machine_reports.window", n.MachineReports.Window, Days, Weeks)
	if len(n.MachineReports.EscalateAt) == 0 {
		v.fail(p+".ntd.machine_reports.escalate_at", "must name a threshold per kind of report")
	}
	for k, at := range n.MachineReports.EscalateAt {
		if at < 1 {
			v.fail(p+".ntd.machine_reports.escalate_at."+k, "must be at least 1")
		}
	}
	if n.EvidenceMaxBytes < 1 || n.EvidenceMaxFiles < 1 {
		v.fail(p+".ntd.evidence_max_bytes", "evidence_max_bytes and evidence_max_files must be at least 1")
	}
	if n.Hotline == "" {
		v.fail(p+".ntd.hotline", "must name the hotline child sexual abuse material is referred to")
	}
	v.clauses(p+".ntd.clauses", n.Clauses)
	d := pol.Disclosure
	if d.RewardMax <= 0 {
		v.fail(p+".disclosure.reward_max", "must be an amount above 0")
	}
	v.need(p+".disclosure.security_txt_expires", d.SecurityTxtExpires, Days, Months)
	v.clauses(p+".disclosure.clauses", d.Clauses)
	for _, name := range []string{"ntd", "ntd-urgent", "disclosure-ack", "disclosure-assessment", "disclosure-fix"} {
		if _, ok := pol.Deadlines[name]; !ok {
			v.fail(p+".deadlines."+name, "is required by the notice-and-takedown and disclosure desks")
		}
	}
}
