// Package documents owns the provider's published documents: the general terms, the data
// processing agreement, the privacy statement, the SLA, the notice-and-takedown policy,
// the responsible disclosure policy, the withdrawal information with the model
// withdrawal form, and the website disclaimer. Staff write them in Markdown, in Dutch
// and English; each published version has an effective date and a SHA-256 content hash
// fixed at publication, and is never changed afterwards: a new version takes over from
// its own effective date (cp.av.18.1-18.2). Paragraphs carry clause ids (`{#cp.av.13.3}`),
// rendered as anchors, so explanations and confirmations can link to the exact
// paragraph of the version that applied.
//
// Published documents are public: reading needs no principal. Publishing needs
// accounts.DocumentPublish and is audited in its own transaction. Orders record which
// versions they showed (RecordShown, called by contracts in its transaction), because
// terms that were not made available to the customer can be voided (art. 6:233-234 BW).
package documents

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Schema holds the documents tables.
var Schema = store.SchemaFrom("documents", migrations, "migrations")

// Kind is which document a version belongs to; it is also the public path (/terms).
type Kind string

// The documents a provider publishes.
const (
	Terms      Kind = "terms"      // general terms (algemene voorwaarden), cp.av
	Privacy    Kind = "privacy"    // privacy statement, cp.privacy
	DPA        Kind = "dpa"        // data processing agreement (verwerkersovereenkomst), cp.dpa
	SLA        Kind = "sla"        // service level agreement, cp.sla
	NTD        Kind = "ntd"        // notice-and-takedown policy, cp.ntd
	Disclosure Kind = "disclosure" // responsible disclosure policy, cp.rd
	Withdrawal Kind = "withdrawal" // withdrawal information and model form, cp.withdrawal, cp.av.13.9
	Disclaimer Kind = "disclaimer" // website disclaimer, cp.disclaimer
)

// Kinds lists every kind in the order pages list them.
var Kinds = []Kind{Terms, Privacy, DPA, SLA, NTD, Disclosure, Withdrawal, Disclaimer}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Languages are the languages a document is published in.
var Languages = []string{"nl", "en"}

// Other returns the other language, for the fallback when a document has no text in
// the reader's language.
func Other(lang string) string {
	if lang == "en" {
		return "nl"
	}
	return "en"
}

// MaxBody bounds a document's Markdown: ten times the longest terms we know.
const MaxBody = 200_000

// Version is one published text of a document in one language.
type Version struct {
	ID               int64      `json:"id"`
	Kind             Kind       `json:"kind"`
	Version          string     `json:"version"`
	Lang             string     `json:"lang"`
	Title            string     `json:"title"`
	Body             string     `json:"body"` // Markdown
	EffectiveOn      terms.Date `json:"effective_on"`
	Hash             string     `json:"hash"` // hex SHA-256 of ContentHash's input
	PublishedBy      int64      `json:"-"`
	PublishedByLabel string     `json:"-"`
	PublishedAt      time.Time  `json:"published_at"`
}

// Path is the version's stable address: /terms/v/2026-04-01?lang=nl.
func (v Version) Path() string { return VersionPath(v.Kind, v.Version, v.Lang) }

// VersionPath is the stable address of a version in a language.
func VersionPath(k Kind, version, lang string) string {
	return "/" + string(k) + "/v/" + url.PathEscape(version) + "?lang=" + lang
}

// Verify reports whether the stored text still has the hash fixed at publication.
func (v Version) Verify() bool {
	return ContentHash(Input{Kind: v.Kind, Version: v.Version, Lang: v.Lang, Title: v.Title, Body: v.Body, EffectiveOn: v.EffectiveOn}) == v.Hash
}

// Input is a version to publish.
type Input struct {
	Kind        Kind       `json:"kind"`
	Version     string     `json:"version"` // a label, e.g. "2026-04-01"; shared by the nl and en texts of one version
	Lang        string     `json:"lang"`
	Title       string     `json:"title"`
	Body        string     `json:"body"`
	EffectiveOn terms.Date `json:"effective_on"`
}

// ContentHash is the SHA-256 that fixes a version: of a header naming the kind,
// version, language, effective date and title, a blank line, and the Markdown body
// (LF line ends). Anyone with the text and its metadata can recompute it.
func ContentHash(in Input) string {
	h := sha256.New()
	fmt.Fprintf(h, "hostpact-document-v1\nkind: %s\nversion: %s\nlang: %s\neffective: %s\ntitle: %s\n\n%s",
		in.Kind, in.Version, in.Lang, in.EffectiveOn, in.Title, in.Body)
	return hex.EncodeToString(h.Sum(nil))
}

// Ref names the version of a document in force: what an order records and links.
type Ref struct {
	ID          int64      `json:"id"`
	Kind        Kind       `json:"kind"`
	Version     string     `json:"version"`
	Lang        string     `json:"lang"`
	Title       string     `json:"title"`
	EffectiveOn terms.Date `json:"effective_on"`
	Hash        string     `json:"hash"`
	URL         string     `json:"url"` // absolute when the service has a base URL
}

// Problem is why an input is refused: a message key and its arguments, rendered in the
// reader's language by the web layer.
type Problem struct {
	Key  string
	Args []any
}

// Invalid maps the fields of an Input to their problems.
type Invalid map[string]Problem

func (e Invalid) Error() string {
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e[k].Key
		if len(e[k].Args) > 0 {
			parts[i] += fmt.Sprint(e[k].Args)
		}
	}
	return "documents: invalid input: " + strings.Join(parts, "; ")
}

// The problem keys.
const (
	ProblemKind            = "kind"             // not one of Kinds
	ProblemLang            = "lang"             // not nl or en
	ProblemVersionFormat   = "version_format"   // the label is not letters, digits, dots or dashes
	ProblemVersionExists   = "version_exists"   // args: version, lang — published versions never change
	ProblemVersionDate     = "version_date"     // args: other language, its effective date
	ProblemTitle           = "title"            // empty or longer than 200
	ProblemBodyEmpty       = "body_empty"       //
	ProblemBodyLong        = "body_long"        // args: MaxBody
	ProblemBodyText        = "body_text"        // not UTF-8, or a control character
	ProblemClauseMalformed = "clause_malformed" // args: the marker's content
	ProblemClauseTwice     = "clause_twice"     // args: clause id
	ProblemEffectiveNone   = "effective_none"   //
	ProblemEffectivePast   = "effective_past"   // args: today
	ProblemEffectiveEarly  = "effective_early"  // args: version, its effective date
	ProblemChanged         = "changed"          // the text is not the one previewed
)

// ProblemKeys lists every key a Problem may carry, for the translation test.
var ProblemKeys = []string{ProblemKind, ProblemLang, ProblemVersionFormat, ProblemVersionExists, ProblemVersionDate,
	ProblemTitle, ProblemBodyEmpty, ProblemBodyLong, ProblemBodyText, ProblemClauseMalformed, ProblemClauseTwice,
	ProblemEffectiveNone, ProblemEffectivePast, ProblemEffectiveEarly, ProblemChanged}

// Config is the deployment's view of the documents.
type Config struct {
	BaseURL string // public URL for the links an order records, e.g. https://portal.example.nl
}

// Service is the documents' operations.
type Service struct {
	db    *store.DB
	clock clock.Clock
	base  string
}

// New returns the documents service.
func New(db *store.DB, clk clock.Clock, cfg Config) *Service {
	return &Service{db: db, clock: clk, base: strings.TrimRight(cfg.BaseURL, "/")}
}

func (s *Service) now() time.Time { return store.Now(s.clock.Now()) }

// Today is the day in Amsterdam, where documents take effect.
func (s *Service) Today() terms.Date { return terms.DateIn(s.clock.Now(), clock.Amsterdam) }

var versionRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// normalise gives the input the form it is hashed and stored in: trimmed fields, LF
// line ends (browsers send CRLF from a textarea), one final newline.
func normalise(in Input) Input {
	in.Version = strings.TrimSpace(in.Version)
	in.Lang = strings.TrimSpace(in.Lang)
	in.Title = strings.Join(strings.Fields(in.Title), " ")
	body := strings.ReplaceAll(in.Body, "\r\n", "\n")
	body = strings.ReplaceAll(body, "\r", "\n")
	body = strings.TrimRight(body, " \t\n")
	if body != "" {
		body += "\n"
	}
	in.Body = body
	return in
}

// validate checks what needs no database.
func validate(in Input) Invalid {
	bad := Invalid{}
	if !in.Kind.Valid() {
		bad["kind"] = Problem{Key: ProblemKind}
	}
	if !slices.Contains(Languages, in.Lang) {
		bad["lang"] = Problem{Key: ProblemLang}
	}
	if !versionRE.MatchString(in.Version) {
		bad["version"] = Problem{Key: ProblemVersionFormat}
	}
	if in.Title == "" || utf8.RuneCountInString(in.Title) > 200 || !utf8.ValidString(in.Title) {
		bad["title"] = Problem{Key: ProblemTitle}
	}
	switch {
	case strings.TrimSpace(in.Body) == "":
		bad["body"] = Problem{Key: ProblemBodyEmpty}
	case len(in.Body) > MaxBody:
		bad["body"] = Problem{Key: ProblemBodyLong, Args: []any{MaxBody}}
	case !utf8.ValidString(in.Body) || strings.ContainsFunc(in.Body, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' }):
		bad["body"] = Problem{Key: ProblemBodyText}
	default:
		seen := map[string]bool{}
		for _, b := range Blocks(in.Body) {
			if b.Kind == BlockCode {
				continue
			}
			// A valid marker was taken off the text; one still there is malformed.
			if id, ok := markerLine(b.Text); ok {
				bad["body"] = Problem{Key: ProblemClauseMalformed, Args: []any{id}}
				break
			}
			if b.Clause != "" && seen[b.Clause] {
				bad["body"] = Problem{Key: ProblemClauseTwice, Args: []any{b.Clause}}
				break
			}
			seen[b.Clause] = true
		}
	}
	if in.EffectiveOn.IsZero() || !in.EffectiveOn.InRange() {
		bad["effective_on"] = Problem{Key: ProblemEffectiveNone}
	}
	return bad
}

// checkHistory checks in against what was published: a version is never replaced,
// takes effect no earlier than today and than the version before it (so the version in
// force on a day never changes after that day), and its translation shares its
// effective date.
func (s *Service) checkHistory(ctx context.Context, q store.Querier, in Input, bad Invalid) error {
	if _, ok := bad["effective_on"]; !ok {
		if today := s.Today(); in.EffectiveOn.Before(today) {
			bad["effective_on"] = Problem{Key: ProblemEffectivePast, Args: []any{today}}
		}
	}
	if len(bad) > 0 {
		return nil
	}
	var exists int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM document_versions WHERE kind = $1 AND version = $2 AND lang = $3`,
		string(in.Kind), in.Version, in.Lang).Scan(&exists); err != nil {
		return err
	}
	if exists > 0 {
		bad["version"] = Problem{Key: ProblemVersionExists, Args: []any{in.Version, in.Lang}}
		return nil
	}
	var other terms.Date
	err := q.QueryRowContext(ctx, `SELECT effective_on FROM document_versions WHERE kind = $1 AND version = $2 AND lang = $3`,
		string(in.Kind), in.Version, Other(in.Lang)).Scan(&other)
	switch {
	case err == nil && other != in.EffectiveOn:
		bad["effective_on"] = Problem{Key: ProblemVersionDate, Args: []any{Other(in.Lang), other}}
		return nil
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return err
	}
	latest, err := latest(ctx, q, in.Kind, in.Lang)
	if err != nil && !errors.Is(err, accounts.ErrNotFound) {
		return err
	}
	if err == nil && in.EffectiveOn.Before(latest.EffectiveOn) {
		bad["effective_on"] = Problem{Key: ProblemEffectiveEarly, Args: []any{latest.Version, latest.EffectiveOn}}
	}
	return nil
}

// Draft is a version as it would be published, for the preview.
type Draft struct {
	Input    Input
	Hash     string
	HTML     string
	Clauses  []string
	Previous *Version // the latest published version of the kind in the language, if any
}

// Preview checks in as Publish would and renders it, without publishing.
func (s *Service) Preview(ctx context.Context, by accounts.Principal, in Input) (Draft, error) {
	if err := by.Check(accounts.DocumentPublish, accounts.Provider); err != nil {
		return Draft{}, err
	}
	in = normalise(in)
	bad := validate(in)
	if err := s.checkHistory(ctx, s.db, in, bad); err != nil {
		return Draft{}, err
	}
	if len(bad) > 0 {
		return Draft{}, bad
	}
	html, err := RenderHTML(in.Body)
	if err != nil {
		return Draft{}, err
	}
	d := Draft{Input: in, Hash: ContentHash(in), HTML: html, Clauses: Clauses(in.Body)}
	if prev, err := latest(ctx, s.db, in.Kind, in.Lang); err == nil {
		d.Previous = &prev
	} else if !errors.Is(err, accounts.ErrNotFound) {
		return Draft{}, err
	}
	return d, nil
}

// Publish publishes a version. expectHash, when given, is the hash the preview showed:
// a text changed since is refused, so what staff confirmed is what is published.
func (s *Service) Publish(ctx context.Context, by accounts.Principal, in Input, expectHash string) (Version, error) {
	if err := by.Check(accounts.DocumentPublish, accounts.Provider); err != nil {
		return Version{}, err
	}
	in = normalise(in)
	ctx = withActor(ctx, by)
	var v Version
	err := s.db.InTx(ctx, func(q store.Querier) error {
		bad := validate(in)
		if err := s.checkHistory(ctx, q, in, bad); err != nil {
			return err
		}
		hash := ContentHash(in)
		if _, ok := bad["body"]; !ok && expectHash != "" && expectHash != hash {
			bad["body"] = Problem{Key: ProblemChanged}
		}
		if len(bad) > 0 {
			return bad
		}
		now := s.now()
		var id int64
		err := q.QueryRowContext(ctx, `INSERT INTO document_versions (kind, version, lang, title, body, effective_on, hash,
			published_by, published_by_label, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			string(in.Kind), in.Version, in.Lang, in.Title, in.Body, in.EffectiveOn, hash, by.User.ID, by.User.Email, now).Scan(&id)
		if store.IsUniqueViolation(err) {
			return Invalid{"version": {Key: ProblemVersionExists, Args: []any{in.Version, in.Lang}}}
		}
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, q, now, audit.Change{Action: "document.publish", ObjectKind: "document_version", ObjectID: fmt.Sprint(id),
			Summary: fmt.Sprintf("%s version %s (%s) %q published, effective %s, sha256 %s", in.Kind, in.Version, in.Lang, in.Title, in.EffectiveOn, hash)}); err != nil {
			return err
		}
		v, err = getVersion(ctx, q, id)
		return err
	})
	return v, err
}

func withActor(ctx context.Context, by accounts.Principal) context.Context {
	a := audit.ActorFrom(ctx)
	if a == audit.System("unknown") {
		a = audit.Actor{}
	}
	if a.Kind == audit.ActorSystem {
		return ctx // the demo seed and the command line keep their own name
	}
	a.Kind, a.ID, a.Label = audit.ActorStaff, by.User.ID, by.User.Email
	return audit.WithActor(ctx, a)
}

// ---- reading (public) ----

const versionSelect = `SELECT id, kind, version, lang, title, body, effective_on, hash, published_by, published_by_label, published_at FROM document_versions`

type scanner interface{ Scan(dest ...any) error }

func scanVersion(r scanner) (Version, error) {
	var v Version
	var kind string
	err := r.Scan(&v.ID, &kind, &v.Version, &v.Lang, &v.Title, &v.Body, &v.EffectiveOn, &v.Hash, &v.PublishedBy, &v.PublishedByLabel, &v.PublishedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Version{}, accounts.ErrNotFound
	}
	v.Kind, v.PublishedAt = Kind(kind), v.PublishedAt.UTC()
	return v, err
}

func getVersion(ctx context.Context, q store.Querier, id int64) (Version, error) {
	return scanVersion(q.QueryRowContext(ctx, versionSelect+` WHERE id = $1`, id))
}

// latest is the last published version of kind in lang, in force or not yet.
func latest(ctx context.Context, q store.Querier, k Kind, lang string) (Version, error) {
	return scanVersion(q.QueryRowContext(ctx, versionSelect+` WHERE kind = $1 AND lang = $2 ORDER BY effective_on DESC, id DESC LIMIT 1`, string(k), lang))
}

// inForce is the version of kind in lang in force on day: the last to take effect on or
// before it (the later publication when two take effect on one day).
func inForce(ctx context.Context, q store.Querier, k Kind, lang string, on terms.Date) (Version, error) {
	return scanVersion(q.QueryRowContext(ctx, versionSelect+` WHERE kind = $1 AND lang = $2 AND effective_on <= $3
		ORDER BY effective_on DESC, id DESC LIMIT 1`, string(k), lang, on))
}

// Current returns the version of kind in force on day in lang; when the document has
// no text in lang it returns the other language's and fallback is true.
func (s *Service) Current(ctx context.Context, k Kind, lang string, on terms.Date) (v Version, fallback bool, err error) {
	v, err = inForce(ctx, s.db, k, lang, on)
	if errors.Is(err, accounts.ErrNotFound) {
		v, err = inForce(ctx, s.db, k, Other(lang), on)
		fallback = err == nil
	}
	return v, fallback, err
}

// Get returns version label of kind in lang, or in the other language (fallback true).
func (s *Service) Get(ctx context.Context, k Kind, version, lang string) (v Version, fallback bool, err error) {
	q := versionSelect + ` WHERE kind = $1 AND version = $2 AND lang = $3`
	v, err = scanVersion(s.db.QueryRowContext(ctx, q, string(k), version, lang))
	if errors.Is(err, accounts.ErrNotFound) {
		v, err = scanVersion(s.db.QueryRowContext(ctx, q, string(k), version, Other(lang)))
		fallback = err == nil
	}
	return v, fallback, err
}

// ByID returns a version by its id.
func (s *Service) ByID(ctx context.Context, id int64) (Version, error) {
	return getVersion(ctx, s.db, id)
}

// History returns every published version of kind, both languages, latest first.
func (s *Service) History(ctx context.Context, k Kind) ([]Version, error) {
	return s.list(ctx, ` WHERE kind = $1 ORDER BY effective_on DESC, id DESC`, string(k))
}

// List returns every published version of every document for the staff pages, latest
// first per kind.
func (s *Service) List(ctx context.Context, by accounts.Principal) ([]Version, error) {
	if err := by.Check(accounts.DocumentPublish, accounts.Provider); err != nil {
		return nil, err
	}
	vs, err := s.list(ctx, ` ORDER BY effective_on DESC, id DESC`)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(vs, func(i, j int) bool {
		return slices.Index(Kinds, vs[i].Kind) < slices.Index(Kinds, vs[j].Kind)
	})
	return vs, nil
}

// Staff returns one version for the staff pages, with who published it.
func (s *Service) Staff(ctx context.Context, by accounts.Principal, id int64) (Version, error) {
	if err := by.Check(accounts.DocumentPublish, accounts.Provider); err != nil {
		return Version{}, err
	}
	return getVersion(ctx, s.db, id)
}

func (s *Service) list(ctx context.Context, where string, args ...any) ([]Version, error) {
	rows, err := s.db.QueryContext(ctx, versionSelect+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ---- the link to orders ----

func (s *Service) ref(v Version) Ref {
	return Ref{ID: v.ID, Kind: v.Kind, Version: v.Version, Lang: v.Lang, Title: v.Title, EffectiveOn: v.EffectiveOn,
		Hash: v.Hash, URL: s.base + v.Path()}
}

// InForce returns the version of kind in force on day in lang (or, lacking that
// language, the other), as an order links and records it. accounts.ErrNotFound: the
// provider has published no such document.
func (s *Service) InForce(ctx context.Context, k Kind, lang string, on terms.Date) (Ref, error) {
	v, _, err := s.Current(ctx, k, lang, on)
	if err != nil {
		return Ref{}, err
	}
	return s.ref(v), nil
}

// OrderKinds are the documents an order shows and links: the general terms and the
// privacy statement; for a consumer the withdrawal information with the model form
// (art. 6:230m BW, cp.av.13.9), for a business the DPA, which is an annex of its terms
// (cp.av.intro.1).
func OrderKinds(consumer bool) []Kind {
	if consumer {
		return []Kind{Terms, Privacy, Withdrawal}
	}
	return []Kind{Terms, Privacy, DPA}
}

// RecordShown records, in the caller's transaction q, the versions of OrderKinds in
// force on day in lang as shown to the customer of contract contractID, with their
// hashes, and returns them for the confirmation. A document the provider has not
// published is left out. Recording again changes nothing.
func (s *Service) RecordShown(ctx context.Context, q store.Querier, contractID, orgID int64, consumer bool, lang string, on terms.Date) ([]Ref, error) {
	var refs []Ref
	var parts []string
	now := s.now()
	for _, k := range OrderKinds(consumer) {
		v, err := inForce(ctx, q, k, lang, on)
		if errors.Is(err, accounts.ErrNotFound) {
			v, err = inForce(ctx, q, k, Other(lang), on)
		}
		if errors.Is(err, accounts.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		res, err := q.ExecContext(ctx, `INSERT INTO order_documents (contract_id, document_version_id, hash, recorded_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (contract_id, document_version_id) DO NOTHING`, contractID, v.ID, v.Hash, now)
		if err != nil {
			return nil, err
		}
		if n, err := res.RowsAffected(); err != nil {
			return nil, err
		} else if n > 0 {
			parts = append(parts, fmt.Sprintf("%s %s (%s) sha256 %s", v.Kind, v.Version, v.Lang, v.Hash))
		}
		refs = append(refs, s.ref(v))
	}
	if len(parts) > 0 {
		if err := audit.Record(ctx, q, now, audit.Change{OrgID: orgID, Action: "contract.documents", ObjectKind: "contract",
			ObjectID: fmt.Sprint(contractID), Summary: "documents shown and linked at conclusion: " + strings.Join(parts, "; ")}); err != nil {
			return nil, err
		}
	}
	return refs, nil
}

// Shown returns the document versions recorded for a contract. The caller (contracts,
// through internal/app) has checked that the principal may see the contract.
func (s *Service) Shown(ctx context.Context, contractID int64) ([]Ref, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT v.id, v.kind, v.version, v.lang, v.title, v.effective_on, o.hash
		FROM order_documents o JOIN document_versions v ON v.id = o.document_version_id WHERE o.contract_id = $1 ORDER BY v.id`, contractID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Ref
	for rows.Next() {
		var r Ref
		var kind string
		if err := rows.Scan(&r.ID, &kind, &r.Version, &r.Lang, &r.Title, &r.EffectiveOn, &r.Hash); err != nil {
			return nil, err
		}
		r.Kind = Kind(kind)
		r.URL = s.base + VersionPath(r.Kind, r.Version, r.Lang)
		out = append(out, r)
	}
	return out, rows.Err()
}
