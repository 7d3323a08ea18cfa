package dns

import (
	"context"
	"fmt"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/store"
)

// Op is what a change does to the zone.
type Op string

// The operations of the editor.
const (
	OpAdd    Op = "add"
	OpEdit   Op = "edit"
	OpDelete Op = "delete"
)

// Change is one edit of a zone as the editor sends it: a record added, a record
// (named by its Key) replaced by another, or a record deleted.
type Change struct {
	Op  Op          `json:"op"`
	Old string      `json:"old,omitempty"` // Record.Key of the record edited or deleted
	New RecordInput `json:"new"`
}

// DiffKind is how a record differs after a change.
type DiffKind string

// The kinds of difference.
const (
	Added   DiffKind = "added"
	Removed DiffKind = "removed"
	Changed DiffKind = "changed"
)

// DiffLine is one record that a change adds, removes or changes.
type DiffLine struct {
	Kind DiffKind `json:"kind"`
	Old  *Record  `json:"old,omitempty"`
	New  *Record  `json:"new,omitempty"`
}

// Preview is what a change would do, shown before it is applied
// (cp.security.change.3): the lines that differ, and the serial of the zone it was
// computed on, which Apply requires unchanged.
type Preview struct {
	Zone   Zone       `json:"zone"`
	Change Change     `json:"change"`
	Diff   []DiffLine `json:"diff"`
	Serial uint32     `json:"serial"`

	after []Record
}

// plan applies a change to the records of a zone and checks the result as a whole:
// a CNAME alone at its name, no duplicates; a record set keeps one TTL, so a record
// added to a set gives the whole set its TTL (the preview shows that).
func plan(zone string, current []Record, ch Change, lim Limits) ([]Record, accounts.FieldErrors) {
	after := make([]Record, 0, len(current)+1)
	var nr Record
	if ch.Op == OpAdd || ch.Op == OpEdit {
		var fe accounts.FieldErrors
		if nr, fe = ParseRecord(zone, ch.New, lim); len(fe) > 0 {
			return nil, fe
		}
	}
	switch ch.Op {
	case OpAdd:
		after = append(after, current...)
	case OpEdit, OpDelete:
		found := false
		for _, r := range current {
			if r.Key() == ch.Old {
				if !r.Editable() {
					return nil, accounts.FieldErrors{"record": i18n.T("dns.err.not_editable")}
				}
				found = true
				continue
			}
			after = append(after, r)
		}
		if !found {
			return nil, accounts.FieldErrors{"record": i18n.T("dns.err.no_record")}
		}
	default:
		return nil, accounts.FieldErrors{"op": i18n.T("dns.err.op")}
	}
	if ch.Op == OpDelete {
		return after, nil
	}
	for i, r := range after {
		if r.Key() == nr.Key() {
			if ch.Op == OpAdd && r.TTL == nr.TTL {
				return nil, accounts.FieldErrors{"value": i18n.T("dns.err.duplicate")}
			}
			after = append(after[:i], after[i+1:]...)
			break
		}
	}
	shown := nr.Name
	if shown == "@" {
		shown = zone
	}
	for i, r := range after {
		if r.Name != nr.Name {
			continue
		}
		switch {
		case nr.Type == "CNAME" && r.Type != "RRSIG" && r.Type != "NSEC" && r.Type != "NSEC3":
			return nil, accounts.FieldErrors{"type": i18n.T("dns.err.cname_beside", shown)}
		case r.Type == "CNAME":
			return nil, accounts.FieldErrors{"type": i18n.T("dns.err.beside_cname", shown)}
		case r.Type == nr.Type:
			after[i].TTL = nr.TTL
		}
	}
	after = append(after, nr)
	sortRecords(after)
	return after, nil
}

// diff lists how after differs from before: a record whose name, type and content
// stay but whose TTL moves is changed; an edit that leaves one record of a name and
// type for one other is changed; the rest is added or removed.
func diff(before, after []Record) []DiffLine {
	bk, ak := map[string]Record{}, map[string]Record{}
	for _, r := range before {
		bk[r.Key()] = r
	}
	for _, r := range after {
		ak[r.Key()] = r
	}
	var out []DiffLine
	var gone, came []Record
	for _, r := range before {
		a, ok := ak[r.Key()]
		switch {
		case !ok:
			gone = append(gone, r)
		case a.TTL != r.TTL:
			o, n := r, a
			out = append(out, DiffLine{Kind: Changed, Old: &o, New: &n})
		}
	}
	for _, r := range after {
		if _, ok := bk[r.Key()]; !ok {
			came = append(came, r)
		}
	}
	if len(gone) == 1 && len(came) == 1 && gone[0].Name == came[0].Name && gone[0].Type == came[0].Type {
		o, n := gone[0], came[0]
		return append(out, DiffLine{Kind: Changed, Old: &o, New: &n})
	}
	for _, r := range gone {
		o := r
		out = append(out, DiffLine{Kind: Removed, Old: &o})
	}
	for _, r := range came {
		n := r
		out = append(out, DiffLine{Kind: Added, New: &n})
	}
	return out
}

// Preview computes what a change would do to a zone, without doing it. A change that
// is wrong answers with field errors.
func (s *Service) Preview(ctx context.Context, by accounts.Principal, id int64, ch Change) (Preview, error) {
	z, err := s.readable(ctx, by, accounts.DNSEdit, id)
	if err != nil {
		return Preview{}, err
	}
	v, err := s.view(ctx, z)
	if err != nil {
		return Preview{}, err
	}
	after, fe := plan(z.Name, v.Records, ch, s.lim)
	if len(fe) > 0 {
		return Preview{}, fe
	}
	d := diff(v.Records, after)
	if len(d) == 0 {
		return Preview{}, accounts.FieldErrors{"value": i18n.T("dns.err.no_change")}
	}
	return Preview{Zone: v.Zone, Change: ch, Diff: d, Serial: v.Serial, after: after}, nil
}

// Apply makes a change that was previewed on the zone with serial. When the zone
// changed since, nothing is done and the preview must be looked at again. PowerDNS
// takes all record sets of the change at once or none; the change is audited.
func (s *Service) Apply(ctx context.Context, by accounts.Principal, id int64, ch Change, serial uint32) (ZoneView, error) {
	p, err := s.Preview(ctx, by, id, ch)
	if err != nil {
		return ZoneView{}, err
	}
	if p.Serial != serial {
		return ZoneView{}, accounts.FieldErrors{"serial": i18n.T("dns.err.stale")}
	}
	ctx = accounts.ActorContext(ctx, by)
	z := p.Zone
	sv, err := s.server(ctx, s.db, z.ServerID)
	if err != nil {
		return ZoneView{}, err
	}
	b, err := s.backend(sv)
	if err != nil {
		return ZoneView{}, err
	}
	// Every record set the diff touches is written whole, or deleted when empty.
	touched := map[string]bool{}
	var names [][2]string
	for _, l := range p.Diff {
		for _, r := range []*Record{l.Old, l.New} {
			if r != nil && !touched[r.Name+" "+r.Type] {
				touched[r.Name+" "+r.Type] = true
				names = append(names, [2]string{r.Name, r.Type})
			}
		}
	}
	var keep []Record
	for _, r := range p.after {
		if touched[r.Name+" "+r.Type] {
			keep = append(keep, r)
		}
	}
	sets := rrsets(z.Name, keep, "REPLACE")
	for _, nt := range names {
		found := false
		for _, set := range sets {
			if set.Name == fqdn(nt[0], z.Name) && set.Type == nt[1] {
				found = true
			}
		}
		if !found {
			sets = append(sets, rrsetDelete(z.Name, nt[0], nt[1]))
		}
	}
	if err := b.PatchRRSets(ctx, z.Name, sets); err != nil {
		return ZoneView{}, backendError(err)
	}
	if z.DNSSEC {
		if err := b.Rectify(ctx, z.Name); err != nil {
			return ZoneView{}, backendError(err)
		}
	}
	v, err := s.view(ctx, z)
	if err != nil {
		return ZoneView{}, err
	}
	now := s.now()
	err = s.db.InTx(ctx, func(q store.Querier) error {
		if _, err := q.ExecContext(ctx, `UPDATE dns_zones SET serial = $2, changed_at = $3 WHERE id = $1`, z.ID, int64(v.Serial), now); err != nil {
			return err
		}
		return record(ctx, q, now, z.OrgID, "dns.records_"+string(ch.Op), "dns_zone", z.ID, fmt.Sprintf("zone %s: %s", z.Name, summary(p.Diff)))
	})
	v.ChangedAt = now
	return v, err
}

// summary is the diff in one line for the audit trail.
func summary(d []DiffLine) string {
	parts := make([]string, len(d))
	for i, l := range d {
		switch l.Kind {
		case Added:
			parts[i] = "added " + show(*l.New)
		case Removed:
			parts[i] = "removed " + show(*l.Old)
		default:
			parts[i] = "changed " + show(*l.Old) + " to " + show(*l.New)
		}
	}
	return strings.Join(parts, "; ")
}

func show(r Record) string { return fmt.Sprintf("%s %d %s %s", r.Name, r.TTL, r.Type, r.Content) }
