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
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/hostpact/hostpact/internal/secrets"
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
	// OnBehalfOf is the customer organisation a reseller's user acted for in the
	// portal's "act for this customer" mode (cp.av.7.1, cp.av.7.7: the reseller answers
	// for what is done for its customers), and OnBehalfOfLabel its name; 0 and "" when
	// the actor acted for its own organisation. The actor stays the reseller's user, so
	// the trail names both.
	OnBehalfOf      int64
	OnBehalfOfLabel string
}

// System returns the actor for a job or command named name.
func System(name string) Actor { return Actor{Kind: ActorSystem, Label: name} }

type actorKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// JobContext names the job name as the actor of ctx, unless a named system actor (an
// outer job or command) is there already, which keeps the name of what started it.
func JobContext(ctx context.Context, name string) context.Context {
	if a := ActorFrom(ctx); a.Kind == ActorSystem && a.Label != "unknown" {
		return ctx
	}
	return WithActor(ctx, System(name))
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

var entryColumns = []string{"seq", "at", "actor_kind", "actor_id", "actor_label", "org_id", "action", "object_kind", "object_id",
	"summary", "ip", "user_agent", "prev_hash", "hash", "on_behalf_of", "on_behalf_of_label"}

// recordChunk is how many entries one INSERT writes (16 parameters each, well under
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
	return recordMany(ctx, q, at, cs, chainKeys.Load())
}

// chainKeys is the process's secret key, which keys every entry Record writes. It is
// process-wide because Record is called from every package inside their transactions;
// one hostpact process serves one provider with one key. Without it (tests of other
// packages) entries get the legacy unkeyed hash, which Verify with a key refuses.
var chainKeys atomic.Pointer[secrets.Keyring]

// UseKeys makes Record key the chain with keys from now on (app.Build calls it).
func UseKeys(keys *secrets.Keyring) { chainKeys.Store(keys) }

func recordMany(ctx context.Context, q store.Querier, at time.Time, cs []Change, keys *secrets.Keyring) error {
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
	var err error
	// Bumping the head first takes its row lock (PostgreSQL) before reading the previous
	// hash, so two concurrent transactions cannot chain onto the same predecessor.
	var last int64
	var prev string
	if err := q.QueryRowContext(ctx, `UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash`, int64(len(cs))).Scan(&last, &prev); err != nil {
		return fmt.Errorf("audit: advance head: %w", err)
	}
	seq := last - int64(len(cs))
	rows := make([][]any, len(cs))
	for j, c := range cs {
		seq++
		e := Entry{Seq: seq, At: at, Actor: a, OrgID: c.OrgID, Action: c.Action, ObjectKind: c.ObjectKind, ObjectID: c.ObjectID,
			Summary: c.Summary, PrevHash: prev}
		if keys == nil {
			e.Hash = e.legacyHash()
		} else if e.Hash, err = e.mac(keys, keys.ID()); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		prev = e.Hash
		rows[j] = []any{e.Seq, e.At, string(a.Kind), a.ID, a.Label, e.OrgID, e.Action, e.ObjectKind, e.ObjectID, e.Summary,
			a.IP, a.UserAgent, e.PrevHash, e.Hash, a.OnBehalfOf, a.OnBehalfOfLabel}
	}
	// A batch goes in by COPY where q can (a PostgreSQL transaction that holds its
	// connection, store.CopierOf): no statement of thousands of parameters to build and
	// plan. The rows are the same.
	if cp, ok := store.CopierOf(q); ok && len(rows) > 1 {
		if _, err := cp.CopyFrom(ctx, "audit_entries", entryColumns, rows); err != nil {
			return fmt.Errorf("audit: insert: %w", err)
		}
	} else {
		for i := 0; i < len(rows); i += recordChunk {
			part := rows[i:min(i+recordChunk, len(rows))]
			var sb strings.Builder
			sb.WriteString(`INSERT INTO audit_entries (` + strings.Join(entryColumns, ", ") + `) VALUES `)
			args := make([]any, 0, len(part)*len(entryColumns))
			for j, row := range part {
				if j > 0 {
					sb.WriteString(", ")
				}
				placeholders(&sb, len(args)+1, len(row))
				args = append(args, row...)
			}
			if _, err := q.ExecContext(ctx, sb.String(), args...); err != nil {
				return fmt.Errorf("audit: insert: %w", err)
			}
		}
	}
	if _, err := q.ExecContext(ctx, `UPDATE audit_head SET hash = $1 WHERE id = 1`, prev); err != nil {
		return fmt.Errorf("audit: head hash: %w", err)
	}
	return nil
}

// writeFields writes every field with its length, so no two different entries
// serialise to the same bytes.
func (e Entry) writeFields(w io.Writer) {
	for _, f := range []string{
		strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(time.RFC3339Nano),
		string(e.Actor.Kind), strconv.FormatInt(e.Actor.ID, 10), e.Actor.Label,
		strconv.FormatInt(e.OrgID, 10), e.Action, e.ObjectKind, e.ObjectID, e.Summary,
		e.Actor.IP, e.Actor.UserAgent, e.PrevHash,
	} {
		fmt.Fprintf(w, "%d:%s;", len(f), f)
	}
	// Only entries made on behalf of another organisation carry these fields, so every
	// entry written before they existed hashes to what it always did.
	if e.Actor.OnBehalfOf != 0 || e.Actor.OnBehalfOfLabel != "" {
		for _, f := range []string{"on_behalf_of", strconv.FormatInt(e.Actor.OnBehalfOf, 10), e.Actor.OnBehalfOfLabel} {
			fmt.Fprintf(w, "%d:%s;", len(f), f)
		}
	}
}

// legacyHash is the unkeyed SHA-256 of the entries written before the chain was keyed.
// Anyone with the database can recompute it, which is why Rekey replaces it.
func (e Entry) legacyHash() string {
	h := sha256.New()
	e.writeFields(h)
	return hex.EncodeToString(h.Sum(nil))
}

// macPrefix starts a keyed hash: chain version 1, then the id of the key.
const macPrefix = "hmac:v1:"

// mac is the entry's keyed hash under the key with id: HMAC-SHA256 with the audit chain
// subkey, so editing an entry and recomputing the chain needs the secret key, which is
// not in the database.
func (e Entry) mac(keys *secrets.Keyring, id string) (string, error) {
	var b strings.Builder
	e.writeFields(&b)
	sum, err := keys.MAC(id, secrets.PurposeAuditChain, []byte(b.String()))
	if err != nil {
		return "", err
	}
	return macPrefix + id + ":" + hex.EncodeToString(sum), nil
}

// KeyIDOf returns the id of the key an entry's hash was made with, or "" for a legacy,
// unkeyed hash.
func KeyIDOf(hash string) string {
	rest, ok := strings.CutPrefix(hash, macPrefix)
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, ":")
	return id
}

// check says what is wrong with e's hash, or "" when it is right. keys nil checks only
// legacy hashes; legacyOK accepts a correct legacy hash even with keys (Rekey).
func (e Entry) check(keys *secrets.Keyring, legacyOK bool) string {
	id := KeyIDOf(e.Hash)
	switch {
	case id == "" && keys != nil && !legacyOK:
		return "not keyed with the secret key: written without it, or rewritten by someone who lacks it"
	case id == "":
		if e.legacyHash() != e.Hash {
			return "content does not match its hash (edited)"
		}
	case keys == nil:
		return fmt.Sprintf("keyed with key %s: verify with the secret key", id)
	case !keys.Has(id):
		return fmt.Sprintf("keyed with key %s, which the configured key file does not hold", id)
	default:
		if want, err := e.mac(keys, id); err != nil || !hmac.Equal([]byte(want), []byte(e.Hash)) {
			return "content does not match its MAC (edited)"
		}
	}
	return ""
}

// Filter selects entries. Zero values select everything.
type Filter struct {
	OrgID     int64 // >0: only this organisation's entries
	Action    string
	ActorKind ActorKind
	Query     string // substring of summary, actor label or object id
	BeforeSeq int64  // >0: entries with seq below it (pagination, newest first)
	Limit     int

	// The text search on SQLite in two parts (List): entries with seq above `above`
	// by a walk, those up to `upTo` through the index (migration 0017). 0: no bound.
	above, upTo int64
}

// List returns entries newest first.
func List(ctx context.Context, q store.Querier, f Filter) ([]Entry, error) {
	var d store.Dialect // unknown in a transaction: the text search is then a filter
	if db, ok := q.(*store.DB); ok {
		d = db.Dialect
	}
	if d == store.SQLite && utf8.RuneCountInString(strings.TrimSpace(f.Query)) >= 3 {
		// A common word ("invoice") fills a page within the newest few hundred
		// entries, where FTS5 would read its whole list of matches; a rare one does
		// not, and FTS5 is then cheap (issue 16). The window first.
		query, args := searchWindowQuery(f)
		page, err := list(ctx, q, query, args...)
		if err != nil || len(page) == listLimit(f) {
			return page, err
		}
		return searchSQLite(ctx, q, f)
	}
	query, args := listQuery(d, f)
	return list(ctx, q, query, args...)
}

// searchSQLite answers a text search in two parts, split at the newest entry the FTS5
// index holds (read once, so that the parts neither overlap nor leave a gap): the
// entries above it, which the SearchIndexer has not reached, by a walk with LIKE
// (newer, so first), then the rest of the page from the index.
func searchSQLite(ctx context.Context, q store.Querier, f Filter) ([]Entry, error) {
	upto, err := searchedUpTo(ctx, q)
	if err != nil {
		return nil, err
	}
	tail := f
	tail.above = upto
	query, args := listQuery("", tail)
	page, err := list(ctx, q, query, args...)
	if err != nil || len(page) == listLimit(f) || upto == 0 {
		return page, err
	}
	indexed := f
	indexed.Limit, indexed.upTo = listLimit(f)-len(page), upto
	query, args = listQuery(store.SQLite, indexed)
	more, err := list(ctx, q, query, args...)
	return append(page, more...), err
}

// searchWindowQuery is the text search of f over the newest searchWindow entries
// below the cursor (with f's other filters), a range of the primary key or of the
// filter's index: its first matches are the first matches of all.
func searchWindowQuery(f Filter) (string, []any) {
	inner, args := listQuery("", Filter{OrgID: f.OrgID, Action: f.Action, ActorKind: f.ActorKind, BeforeSeq: f.BeforeSeq, Limit: searchWindow})
	args = append(args, "%"+likeEscape(strings.ToLower(strings.TrimSpace(f.Query)))+"%")
	n := "$" + strconv.Itoa(len(args))
	return `SELECT * FROM (` + inner + `) w WHERE (LOWER(summary) LIKE ` + n + ` ESCAPE '\' OR LOWER(actor_label) LIKE ` + n +
		` ESCAPE '\' OR LOWER(object_id) LIKE ` + n + ` ESCAPE '\') ORDER BY seq DESC LIMIT ` + strconv.Itoa(listLimit(f)), args
}

// searchWindow is how many of the newest entries (below the cursor) a text search
// on SQLite reads before it turns to FTS5.
const searchWindow = 500

func listLimit(f Filter) int {
	if f.Limit <= 0 || f.Limit > 500 {
		return 50
	}
	return f.Limit
}

func list(ctx context.Context, q store.Querier, query string, args ...any) ([]Entry, error) {
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

// listQuery is List's query on engine d: newest first by keyset on seq, each filter
// along its index (audit_entries_org, audit_entries_action, audit_entries_actor_kind).
// A text query of three characters or more is answered by the index of migration
// 0016: on SQLite the FTS5 table audit_search, walked in its own rowid (seq) order
// newest first, each match joined to its entry, so a page stops after itself however
// many entries match; on PostgreSQL a LIKE over searchPostgres, which pg_trgm's GIN
// index serves, the planner choosing between the matches and the walk along seq from
// its statistics. A shorter query has no trigram and stays a filter on the walk
// (issue 16).
func listQuery(d store.Dialect, f Filter) (string, []any) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1))
	}
	text := strings.ToLower(strings.TrimSpace(f.Query))
	fts := d == store.SQLite && utf8.RuneCountInString(text) >= 3
	col := func(c string) string {
		if fts {
			return "a." + c
		}
		return c
	}
	if fts {
		add("audit_search MATCH ?", `"`+strings.ReplaceAll(text, `"`, `""`)+`"`)
		where = append(where, "a.seq = audit_search.rowid")
	}
	if f.OrgID > 0 {
		add(col("org_id")+" = ?", f.OrgID)
	}
	if f.Action != "" {
		add(col("action")+" = ?", f.Action)
	}
	if f.ActorKind != "" {
		add(col("actor_kind")+" = ?", string(f.ActorKind))
	}
	// The first page too is "below a seq" (the largest there is), so that every page
	// is a range of the primary key or of the filter's index (issue 16).
	before := f.BeforeSeq
	if before <= 0 {
		before = math.MaxInt64
	}
	key := "seq"
	if fts {
		key = "audit_search.rowid"
	}
	add(key+" < ?", before)
	if f.above > 0 {
		add(key+" > ?", f.above)
	}
	if f.upTo > 0 {
		add(key+" <= ?", f.upTo)
	}
	switch {
	case fts:
	case d == store.Postgres && utf8.RuneCountInString(text) >= 3:
		add(searchPostgres+` LIKE ? ESCAPE '\'`, "%"+likeEscape(text)+"%")
	case text != "":
		args = append(args, "%"+likeEscape(text)+"%")
		n := "$" + strconv.Itoa(len(args))
		where = append(where, "(LOWER(summary) LIKE "+n+` ESCAPE '\' OR LOWER(actor_label) LIKE `+n+` ESCAPE '\' OR LOWER(object_id) LIKE `+n+` ESCAPE '\')`)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	cols := strings.Split(entryCols, ", ")
	for i := range cols {
		cols[i] = col(cols[i])
	}
	query := `SELECT ` + strings.Join(cols, ", ") + ` FROM audit_entries`
	if fts {
		// FTS5 first (CROSS JOIN keeps SQLite's loop there): it hands out its matches
		// in rowid order, so ORDER BY ... DESC LIMIT reads no more than the page.
		query = `SELECT ` + strings.Join(cols, ", ") + ` FROM audit_search CROSS JOIN audit_entries a`
	}
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY " + key + " DESC LIMIT " + strconv.Itoa(limit)
	return query, args
}

const entryCols = `seq, at, actor_kind, actor_id, actor_label, org_id, action, object_kind, object_id, summary, ip, user_agent, prev_hash, hash, on_behalf_of, on_behalf_of_label`

// searchPostgres is the expression of the index audit_entries_search on PostgreSQL
// (migration 0016), written the same here so that the planner matches it; chr(1)
// keeps a match from spanning two columns.
const searchPostgres = `LOWER(summary || chr(1) || actor_label || chr(1) || object_id)`

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

type scanner interface{ Scan(...any) error }

func scan(s scanner) (Entry, error) {
	var e Entry
	var kind string
	err := s.Scan(&e.Seq, &e.At, &kind, &e.Actor.ID, &e.Actor.Label, &e.OrgID, &e.Action, &e.ObjectKind, &e.ObjectID, &e.Summary, &e.Actor.IP, &e.Actor.UserAgent, &e.PrevHash, &e.Hash,
		&e.Actor.OnBehalfOf, &e.Actor.OnBehalfOfLabel)
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

// Verify walks the whole trail with the process's key (UseKeys) and no checkpoints:
// VerifyWith without them.
func Verify(ctx context.Context, q store.Querier) (checked int64, problems []Problem, err error) {
	r, err := VerifyWith(ctx, q, VerifyOptions{Keys: chainKeys.Load()})
	return r.Checked, r.Problems, err
}

// VerifyOptions are what VerifyWith checks the trail against, both from outside the
// database.
type VerifyOptions struct {
	Keys        *secrets.Keyring // nil: only legacy, unkeyed entries can be checked
	Checkpoints []Checkpoint     // signed heads (ReadCheckpoints); their signatures already checked
}

// Report is what VerifyWith found.
type Report struct {
	Checked     int64 // entries read
	Last        int64 // the last entry's sequence number
	Checkpoints int   // checkpoints compared with the trail
	Problems    []Problem
}

// VerifyWith walks the whole trail in order and reports every entry whose content no
// longer matches its MAC (edited, even when the chain was recomputed without the key),
// every gap in the sequence (removed), every entry that does not chain onto its
// predecessor (reordered or removed), a head that does not match the last entry, every
// checkpointed entry that is no longer what was signed, and a trail shorter than a
// checkpoint (removed from the end and the head moved back). It streams, so memory stays
// flat.
func VerifyWith(ctx context.Context, q store.Querier, opts VerifyOptions) (Report, error) {
	var r Report
	byseq := map[int64][]Checkpoint{}
	for _, c := range opts.Checkpoints {
		byseq[c.Seq] = append(byseq[c.Seq], c)
	}
	r.Checkpoints = len(opts.Checkpoints)
	rows, err := q.QueryContext(ctx, `SELECT seq, at, actor_kind, actor_id, actor_label, org_id, action, object_kind, object_id, summary, ip, user_agent, prev_hash, hash, on_behalf_of, on_behalf_of_label FROM audit_entries ORDER BY seq`)
	if err != nil {
		return r, err
	}
	defer rows.Close()
	prevHash := ""
	add := func(seq int64, format string, args ...any) {
		r.Problems = append(r.Problems, Problem{seq, fmt.Sprintf(format, args...)})
	}
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return r, err
		}
		r.Checked++
		if e.Seq != r.Last+1 {
			add(e.Seq, "entries %d to %d are missing", r.Last+1, e.Seq-1)
			for s := r.Last + 1; s < e.Seq; s++ {
				for _, c := range byseq[s] {
					add(s, "is missing, but checkpoint %s signed it at %s", c.File, c.At.Format(time.RFC3339))
				}
			}
		}
		if reason := e.check(opts.Keys, false); reason != "" {
			add(e.Seq, "%s", reason)
		}
		if e.PrevHash != prevHash {
			add(e.Seq, "does not follow the entry before it (reordered or removed)")
		}
		for _, c := range byseq[e.Seq] {
			if c.Hash != e.Hash {
				add(e.Seq, "is not the entry checkpoint %s signed at %s: it or an entry before it was rewritten", c.File, c.At.Format(time.RFC3339))
			}
		}
		r.Last, prevHash = e.Seq, e.Hash
	}
	if err := rows.Err(); err != nil {
		return r, err
	}
	var headSeq int64
	var headHash string
	if err := q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return r, err
	}
	if headSeq != r.Last || headHash != prevHash {
		add(headSeq, "the trail ends at entry %d but %d entries were written (removed from the end)", r.Last, headSeq)
	}
	for _, c := range opts.Checkpoints {
		if c.Seq > r.Last {
			add(c.Seq, "the trail ends at entry %d, but checkpoint %s signed entry %d at %s: entries were removed from the end",
				r.Last, c.File, c.Seq, c.At.Format(time.RFC3339))
		}
	}
	return r, nil
}

// HeadKeyID is the id of the key the last entry was made with, "" for none or a legacy
// hash: app refuses to start with a key that is not this one.
func HeadKeyID(ctx context.Context, q store.Querier) (string, error) {
	var hash string
	if err := q.QueryRowContext(ctx, `SELECT hash FROM audit_head WHERE id = 1`).Scan(&hash); err != nil {
		return "", fmt.Errorf("audit: read the head: %w", err)
	}
	return KeyIDOf(hash), nil
}

// placeholders writes a row of n placeholders, numbered from first: "($1, $2)".
func placeholders(sb *strings.Builder, first, n int) {
	sb.WriteByte('(')
	for i := range n {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('$')
		sb.WriteString(strconv.Itoa(first + i))
	}
	sb.WriteByte(')')
}
