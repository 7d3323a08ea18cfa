// Package audit keeps hostpact's append-only, hash-chained audit trail.
//
// Every change a person or a job makes is recorded by Record in the same transaction as
// the change itself (DESIGN.md, principle 3), so there is never a change without its
// entry or an entry without its change. Each entry's hash covers its content and the
// previous entry's hash; Verify recomputes the chain and reports an edited, removed or
// reordered entry. The trail is evidence (cp.av.19.5, fo.av.23.5), and customers see
// their organisation's part of it in the portal.
package audit

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Schema holds the audit tables.
var Schema = store.SchemaFrom("audit", migrations, "migrations")

// ActorKind says who acted.
type ActorKind string

const (
	ActorStaff    ActorKind = "staff"
	ActorCustomer ActorKind = "customer"
	ActorSystem   ActorKind = "system" // jobs and the command line
	ActorPublic   ActorKind = "public" // not signed in: login attempts, password resets
)

// Actor is who made a change and from where. The web layer puts it in the request
// context; jobs use System.
type Actor struct {
	Kind      ActorKind
	ID        int64
	Label     string // e-mail or job name, kept so the trail reads without joins
	IP        string
	UserAgent string
}

// System returns the actor for a job or command named name.
func System(name string) Actor { return Actor{Kind: ActorSystem, Label: name} }

type actorKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, or a system actor named "unknown".
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return System("unknown")
}

// Entry is one line of the trail.
type Entry struct {
	Seq        int64
	At         time.Time
	Actor      Actor
	OrgID      int64 // the customer organisation the change concerns; 0 for none
	Action     string
	ObjectKind string
	ObjectID   string
	Summary    string
	PrevHash   string
	Hash       string
}

// Change is what a caller records.
type Change struct {
	OrgID      int64
	Action     string // dotted verb, e.g. "customer.create", "user.password_reset"
	ObjectKind string
	ObjectID   string
	Summary    string // what changed, in a sentence; never a secret
}

// Record appends an entry for c, by the actor in ctx, at time at, inside q — which must
// be the transaction making the change.
func Record(ctx context.Context, q store.Querier, at time.Time, c Change) error {
	return RecordMany(ctx, q, at, []Change{c})
}

// recordChunk is how many entries one INSERT writes (14 parameters each, well under
// SQLite's 32,766 and PostgreSQL's 65,535 parameters per statement).
const recordChunk = 500

// RecordMany appends one entry per change, in order, by the actor in ctx, at time at,
// inside q — which must be the transaction making the changes. The entries are the
// ones len(cs) calls of Record would write (consecutive sequence numbers, each chained
// onto the one before), but the head is advanced once, by len(cs), and the entries are
// written in multi-row INSERTs: three statements for a batch instead of three per entry.
// Every change is checked before anything is written; an error after that leaves
// partial writes that the caller's transaction must roll back, as with Record.
func RecordMany(ctx context.Context, q store.Querier, at time.Time, cs []Change) error {
	if len(cs) == 0 {
		return nil
	}
	for _, c := range cs {
		if c.Action == "" {
			return errors.New("audit: action is required")
		}
	}
	a := ActorFrom(ctx)
	at = store.Now(at)
	// Bumping the head first takes its row lock (PostgreSQL) before reading the previous
	// hash, so two concurrent transactions cannot chain onto the same predecessor.
	var last int64
	var prev string
	if err := q.QueryRowContext(ctx, `UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash`, int64(len(cs))).Scan(&last, &prev); err != nil {
		return fmt.Errorf("audit: advance head: %w", err)
	}
	seq := last - int64(len(cs))
	for i := 0; i < len(cs); i += recordChunk {
		part := cs[i:min(i+recordChunk, len(cs))]
		var sb strings.Builder
		sb.WriteString(`INSERT INTO audit_entries
		(seq, at, actor_kind, actor_id, actor_label, org_id, action, object_kind, object_id, summary, ip, user_agent, prev_hash, hash)
		VALUES `)
		args := make([]any, 0, len(part)*14)
		for j, c := range part {
			seq++
			e := Entry{Seq: seq, At: at, Actor: a, OrgID: c.OrgID, Action: c.Action, ObjectKind: c.ObjectKind, ObjectID: c.ObjectID,
				Summary: c.Summary, PrevHash: prev}
			e.Hash = e.computeHash()
			prev = e.Hash
			if j > 0 {
				sb.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&sb, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)",
				n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9, n+10, n+11, n+12, n+13, n+14)
			args = append(args, e.Seq, e.At, string(a.Kind), a.ID, a.Label, e.OrgID, e.Action, e.ObjectKind, e.ObjectID, e.Summary,
				a.IP, a.UserAgent, e.PrevHash, e.Hash)
		}
		if _, err := q.ExecContext(ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("audit: insert: %w", err)
		}
	}
	if _, err := q.ExecContext(ctx, `UPDATE audit_head SET hash = $1 WHERE id = 1`, prev); err != nil {
		return fmt.Errorf("audit: head hash: %w", err)
	}
	return nil
}

// computeHash hashes every field with its length, so no two different entries
// serialise to the same bytes.
func (e Entry) computeHash() string {
	h := sha256.New()
	for _, f := range []string{
		strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(time.RFC3339Nano),
		string(e.Actor.Kind), strconv.FormatInt(e.Actor.ID, 10), e.Actor.Label,
		strconv.FormatInt(e.OrgID, 10), e.Action, e.ObjectKind, e.ObjectID, e.Summary,
		e.Actor.IP, e.Actor.UserAgent, e.PrevHash,
	} {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Filter selects entries. Zero values select everything.
type Filter struct {
	OrgID     int64 // >0: only this organisation's entries
	Action    string
	ActorKind ActorKind
	Query     string // substring of summary, actor label or object id
	BeforeSeq int64  // >0: entries with seq below it (pagination, newest first)
	Limit     int
}

// List returns entries newest first.
func List(ctx context.Context, q store.Querier, f Filter) ([]Entry, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1))
	}
	if f.OrgID > 0 {
		add("org_id = ?", f.OrgID)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.ActorKind != "" {
		add("actor_kind = ?", string(f.ActorKind))
	}
	if f.BeforeSeq > 0 {
		add("seq < ?", f.BeforeSeq)
	}
	if f.Query != "" {
		like := "%" + strings.ToLower(f.Query) + "%"
		args = append(args, like)
		n := "$" + strconv.Itoa(len(args))
		where = append(where, "(LOWER(summary) LIKE "+n+" OR LOWER(actor_label) LIKE "+n+" OR LOWER(object_id) LIKE "+n+")")
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	query := `SELECT seq, at, actor_kind, actor_id, actor_label, org_id, action, object_kind, object_id, summary, ip, user_agent, prev_hash, hash FROM audit_entries`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY seq DESC LIMIT " + strconv.Itoa(limit)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

type scanner interface{ Scan(...any) error }

func scan(s scanner) (Entry, error) {
	var e Entry
	var kind string
	err := s.Scan(&e.Seq, &e.At, &kind, &e.Actor.ID, &e.Actor.Label, &e.OrgID, &e.Action, &e.ObjectKind, &e.ObjectID, &e.Summary, &e.Actor.IP, &e.Actor.UserAgent, &e.PrevHash, &e.Hash)
	e.Actor.Kind = ActorKind(kind)
	e.At = e.At.UTC()
	return e, err
}

// Problem is one break in the chain.
type Problem struct {
	Seq    int64
	Reason string
}

func (p Problem) String() string { return fmt.Sprintf("entry %d: %s", p.Seq, p.Reason) }

// Verify walks the whole trail in order and reports every entry whose content no longer
// matches its hash (edited), every gap in the sequence (removed), every entry that does
// not chain onto its predecessor (reordered or removed), and a head that does not match
// the last entry (removed from the end). It streams, so memory stays flat.
func Verify(ctx context.Context, q store.Querier) (checked int64, problems []Problem, err error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, at, actor_kind, actor_id, actor_label, org_id, action, object_kind, object_id, summary, ip, user_agent, prev_hash, hash FROM audit_entries ORDER BY seq`)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	var prevSeq int64
	prevHash := ""
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return checked, problems, err
		}
		checked++
		if e.Seq != prevSeq+1 {
			problems = append(problems, Problem{e.Seq, fmt.Sprintf("entries %d to %d are missing", prevSeq+1, e.Seq-1)})
		}
		if e.computeHash() != e.Hash {
			problems = append(problems, Problem{e.Seq, "content does not match its hash (edited)"})
		}
		if e.PrevHash != prevHash {
			problems = append(problems, Problem{e.Seq, "does not follow the entry before it (reordered or removed)"})
		}
		prevSeq, prevHash = e.Seq, e.Hash
	}
	if err := rows.Err(); err != nil {
		return checked, problems, err
	}
	var headSeq int64
	var headHash string
	if err := q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return checked, problems, err
	}
	if headSeq != prevSeq || headHash != prevHash {
		problems = append(problems, Problem{headSeq, fmt.Sprintf("the trail ends at entry %d but %d entries were written (removed from the end)", prevSeq, headSeq)})
	}
	return checked, problems, nil
}
