package terms

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// BackupTerms are the backup promises of a pack (cp.sla.backups.1-3,
// cp.security.backup.1-3; INTERPRETATION.md "SLA", the Backups reading A05). A pack
// without them (Daily 0) promises no backups, and the rules below say so.
type BackupTerms struct {
	// Frequency is how often a service is backed up (P1D).
	Frequency Period `yaml:"frequency"`
	// Daily: how many of the most recent daily backups are kept (cp.sla.backups.2).
	Daily int `yaml:"daily"`
	// Weekly: of how many of the most recent ISO weeks that have a backup the week's
	// most recent one is kept (cp.sla.backups.2).
	Weekly int `yaml:"weekly"`
	// VPSOnlyWithAddOn: a VPS is backed up only while its customer bought backups for
	// it (cp.sla.backups.3).
	VPSOnlyWithAddOn bool `yaml:"vps_only_with_addon"`
	// RestoreTest is the calendar period (P3M: each calendar quarter) within which
	// making and restoring backups is tested at least once (cp.security.backup.3).
	RestoreTest Period   `yaml:"restore_test"`
	Clauses     []string `yaml:"clauses"`
	Reading     string   `yaml:"reading"`
}

// Promised reports whether the pack promises backups at all.
func (b BackupTerms) Promised() bool { return b.Daily > 0 }

// validate checks the backup terms of a pack that has them.
func (b BackupTerms) validate(v *validator, p string) {
	if !b.Promised() {
		return
	}
	q := p + ".backups"
	v.need(q+".frequency", b.Frequency, Days)
	if b.Weekly < 0 {
		v.fail(q+".weekly", "must not be negative")
	}
	v.need(q+".restore_test", b.RestoreTest, Months)
	if b.RestoreTest.N > 12 || (b.RestoreTest.N > 0 && 12%b.RestoreTest.N != 0) {
		v.fail(q+".restore_test", "must divide the year into whole calendar periods (P1M, P2M, P3M, P4M, P6M, P12M)")
	}
	v.clauses(q+".clauses", b.Clauses)
}

// BackupRetentionResult is which backups the retention rule keeps.
type BackupRetentionResult struct {
	// Keep are the dates of the backups kept, ascending.
	Keep []Date `json:"keep"`
	// Daily are the dates kept as one of the most recent daily backups, Weekly those
	// kept as the most recent backup of a recent ISO week (a date may be in both).
	Daily  []Date `json:"daily"`
	Weekly []Date `json:"weekly"`
	// Forget are the dates whose backups go, ascending.
	Forget []Date `json:"forget"`
}

// BackupRetention applies the pack's retention rule to the dates of a service's
// backups (INTERPRETATION.md A05, cp.sla.backups.2): kept are the backups of the
// Daily most recent dates that have one, plus the most recent backup of each of the
// Weekly most recent ISO weeks (Monday to Sunday) that have one; a backup may count
// for both. The rule looks only at the backups, never at today's date, so a week
// without backups (a server down) does not use up one of the weeks. A date given
// twice is one daily backup. Restic's own keep-flags never decide: internal/backup
// forgets exactly the snapshots this rule does not keep.
func (p *Policy) BackupRetention(dates []Date) (BackupRetentionResult, Explanation, error) {
	b := p.Terms.Backups
	if !b.Promised() {
		return BackupRetentionResult{}, nil, notInTerms("%s promises no backups", p.PackName())
	}
	for _, d := range dates {
		if !d.InRange() {
			return BackupRetentionResult{}, nil, inputErr("backups", "%s is not a date the calculator handles", d)
		}
	}
	ds := slices.Clone(dates)
	slices.SortFunc(ds, func(a, b Date) int { return b.Compare(a) }) // newest first
	ds = slices.Compact(ds)

	res := BackupRetentionResult{Keep: []Date{}, Daily: []Date{}, Weekly: []Date{}, Forget: []Date{}}
	keep := map[Date]bool{}
	for _, d := range ds[:min(b.Daily, len(ds))] {
		keep[d] = true
		res.Daily = append(res.Daily, d)
	}
	weeks := 0
	var last [2]int
	for _, d := range ds {
		if weeks >= b.Weekly {
			break
		}
		y, w := d.Time(amsterdam()).ISOWeek()
		if weeks > 0 && [2]int{y, w} == last {
			continue // an older backup of a week already counted
		}
		last = [2]int{y, w}
		weeks++
		keep[d] = true
		res.Weekly = append(res.Weekly, d)
	}
	for i := len(ds) - 1; i >= 0; i-- {
		if keep[ds[i]] {
			res.Keep = append(res.Keep, ds[i])
		} else {
			res.Forget = append(res.Forget, ds[i])
		}
	}
	slices.Reverse(res.Daily)
	slices.Reverse(res.Weekly)

	var e Explanation
	e.add(b.Clauses, fmt.Sprintf("kept are the %d most recent daily backups", b.Daily), b.Reading,
		inputs("backups", len(ds)), dateList(res.Daily))
	e.key("backup.retention.daily", kv{"daily": b.Daily, "backups": len(ds), "dates": dateList(res.Daily)})
	e.add(b.Clauses, fmt.Sprintf("and the most recent backup of each of the %d most recent ISO weeks (Monday to Sunday) that have one; a backup may count for both", b.Weekly), "",
		nil, dateList(res.Weekly))
	e.key("backup.retention.weekly", kv{"weekly": b.Weekly, "dates": dateList(res.Weekly)})
	e.add(b.Clauses, "every other backup is removed", "", nil, fmt.Sprintf("keep %d, remove %d", len(res.Keep), len(res.Forget)))
	e.key("backup.retention.result", kv{"keep": len(res.Keep), "forget": len(res.Forget)})
	return res, e, nil
}

func dateList(ds []Date) string {
	if len(ds) == 0 {
		return "-"
	}
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = d.String()
	}
	return strings.Join(s, ", ")
}

// RestoreTestPeriod is the calendar period (a quarter under P3M) that holds d, within
// which making and restoring backups must have been tested at least once
// (cp.security.backup.3). Its name is "2026-Q4" for quarters, "2026-P2" otherwise.
func (p *Policy) RestoreTestPeriod(d Date) (first, last Date, name string, err error) {
	b := p.Terms.Backups
	if !b.Promised() || b.RestoreTest.IsZero() {
		return Date{}, Date{}, "", notInTerms("%s names no restore test period", p.PackName())
	}
	n := b.RestoreTest.N
	idx := (int(d.Month()) - 1) / n
	first = D(d.Year(), time.Month(idx*n+1), 1)
	last = first.AddMonths(n).AddDays(-1)
	if n == 3 {
		name = fmt.Sprintf("%d-Q%d", d.Year(), idx+1)
	} else {
		name = fmt.Sprintf("%d-P%d", d.Year(), idx+1)
	}
	return first, last, name, nil
}

var backupExplainMessages = map[string]explainMsg{
	// ---- backups (cp.sla.backups.2, INTERPRETATION.md A05) ----
	"backup.retention.daily": {nl: "Bewaard blijven de {daily:int} meest recente dagelijkse back-ups (van {backups:int} back-ups): {dates:text}.",
		en: "Kept are the {daily:int} most recent daily backups (of {backups:int} backups): {dates:text}."},
	"backup.retention.weekly": {nl: "Daarnaast blijft de laatste back-up bewaard van elk van de {weekly:int} meest recente ISO-weken (maandag tot en met zondag) waarin een back-up is gemaakt; een back-up kan voor beide tellen: {dates:text}.",
		en: "Also kept is the most recent backup of each of the {weekly:int} most recent ISO weeks (Monday to Sunday) that have one; a backup may count for both: {dates:text}."},
	"backup.retention.result": {nl: "{keep:int} back-ups blijven bewaard, {forget:int} worden verwijderd.",
		en: "{keep:int} backups are kept, {forget:int} are removed.", lead: true},
}

func init() {
	for k, m := range backupExplainMessages {
		if _, dup := explainMessages[k]; dup {
			panic("terms: explanation key " + k + " defined twice")
		}
		explainMessages[k] = m
	}
}
