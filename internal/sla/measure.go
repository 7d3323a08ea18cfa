// Package sla computes availability under the SLA from check results, without I/O:
// down intervals per component and per service (cp.sla.availability.2), the month's
// unavailable minutes D after exclusions (cp.sla.exclusions.1-8), and the credit through
// terms.Policy.SLACredit, with the explanation. The readings are those of
// INTERPRETATION.md, "SLA" and "Measuring availability"; their numbers come from the
// pack (sla.measurement).
package sla

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/hostpact/hostpact/internal/terms"
)

// Check is one check result as the probes store it (and as `hostpact sla compute`
// reads it): which component of which target, from which probe location, when, and
// whether it succeeded.
type Check struct {
	Component string    `json:"component"`
	Target    string    `json:"target"`
	Location  string    `json:"location"`
	At        time.Time `json:"at"`
	OK        bool      `json:"ok"`
}

// Rules are the measurement readings of a policy pack.
type Rules struct {
	ConfirmFailures int
	MaxCheckGap     time.Duration
	Components      map[string][]string
	AllTargetsDown  []string
	Clauses         []string
	Reading         string
}

// RulesOf returns the measurement rules of p, or terms.ErrNotInTerms (wrapped) when its
// terms give no availability guarantee.
func RulesOf(p *terms.Policy) (Rules, error) {
	s := p.Terms.SLA
	if !s.Enabled {
		return Rules{}, fmt.Errorf("%w: %s gives no availability guarantee", terms.ErrNotInTerms, p.PackName())
	}
	m := s.Measurement
	return Rules{
		ConfirmFailures: m.ConfirmFailures,
		MaxCheckGap:     time.Duration(m.MaxCheckGapMinutes) * time.Minute,
		Components:      m.Components,
		AllTargetsDown:  m.AllTargetsDown,
		Clauses:         m.Clauses,
		Reading:         m.Reading,
	}, nil
}

// LocationDown derives one location's view of one component target from its checks
// (in any order): known is when the location measured (from a check to the next,
// unless more than maxGap apart), down is from the first failed check of a run of at
// least confirm consecutive failures until the first successful check after it. A run
// still failing at the last check before a gap (or at the very last check) ends there.
// A gap also breaks a run: failures on both sides of it are not consecutive checks.
func LocationDown(checks []Check, confirm int, maxGap time.Duration) (down, known []Interval) {
	cs := slices.Clone(checks)
	slices.SortStableFunc(cs, func(a, b Check) int { return a.At.Compare(b.At) })
	confirm = max(confirm, 1)
	for start := 0; start < len(cs); {
		end := start + 1 // cs[start:end] is one stretch without a gap
		for end < len(cs) && cs[end].At.Sub(cs[end-1].At) <= maxGap {
			end++
		}
		seg := cs[start:end]
		known = append(known, Interval{seg[0].At, seg[len(seg)-1].At})
		for i := 0; i < len(seg); {
			if seg[i].OK {
				i++
				continue
			}
			j := i
			for j < len(seg) && !seg[j].OK {
				j++
			}
			if j-i >= confirm {
				to := seg[len(seg)-1].At
				if j < len(seg) {
					to = seg[j].At
				}
				down = append(down, Interval{seg[i].At, to})
			}
			i = j
		}
		start = end
	}
	return Union(down), Union(known)
}

// ComponentDown combines the locations' views of one component target: it is down
// while more than half of the locations that measured it at that moment see it down.
// One location decides alone; where no location measured, the state is unknown and
// counts as available.
func ComponentDown(checks []Check, r Rules) []Interval {
	byLoc := map[string][]Check{}
	for _, c := range checks {
		byLoc[c.Location] = append(byLoc[c.Location], c)
	}
	type event struct {
		at          time.Time
		known, down int
	}
	var events []event
	for _, cs := range byLoc {
		down, known := LocationDown(cs, r.ConfirmFailures, r.MaxCheckGap)
		for _, iv := range known {
			events = append(events, event{iv.From, 1, 0}, event{iv.To, -1, 0})
		}
		for _, iv := range down {
			events = append(events, event{iv.From, 0, 1}, event{iv.To, 0, -1})
		}
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].at.Before(events[j].at) })
	var out []Interval
	known, down := 0, 0
	for i := 0; i < len(events); {
		at := events[i].at
		for ; i < len(events) && events[i].at.Equal(at); i++ {
			known += events[i].known
			down += events[i].down
		}
		majority := known > 0 && 2*down > known
		switch n := len(out); {
		case majority && (n == 0 || !out[n-1].To.IsZero()):
			out = append(out, Interval{From: at})
		case !majority && n > 0 && out[n-1].To.IsZero():
			out[n-1].To = at
		}
	}
	return Union(out)
}

// ComponentError reports a check for a component the service kind is not measured by.
type ComponentError struct {
	Kind, Component string
}

func (e *ComponentError) Error() string {
	return fmt.Sprintf("component %q is not measured for a %s service (the pack's sla.measurement.components)", e.Component, e.Kind)
}

// ServiceDown is when a service of kind is unavailable: while any of its required
// components is down, where a component measured on several targets (DNS: every
// nameserver) is down only while all of them are.
func ServiceDown(kind string, checks []Check, r Rules) ([]Interval, error) {
	required, ok := r.Components[kind]
	if !ok {
		kinds := make([]string, 0, len(r.Components))
		for k := range r.Components {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		return nil, &terms.InputError{Field: "kind", Msg: fmt.Sprintf("must be one of %v (got %q)", kinds, kind)}
	}
	byTarget := map[string]map[string][]Check{} // component → target → checks
	for _, c := range checks {
		if !slices.Contains(required, c.Component) {
			return nil, &ComponentError{Kind: kind, Component: c.Component}
		}
		if byTarget[c.Component] == nil {
			byTarget[c.Component] = map[string][]Check{}
		}
		byTarget[c.Component][c.Target] = append(byTarget[c.Component][c.Target], c)
	}
	var down [][]Interval
	for _, comp := range required {
		var perTarget [][]Interval
		for _, cs := range byTarget[comp] {
			perTarget = append(perTarget, ComponentDown(cs, r))
		}
		if slices.Contains(r.AllTargetsDown, comp) {
			down = append(down, IntersectAll(perTarget))
		} else {
			down = append(down, perTarget...)
		}
	}
	return Union(down...), nil
}
