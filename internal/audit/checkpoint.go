package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
)

// A Checkpoint is the trail's head as it was at a moment, signed with Ed25519 by a key
// derived from the secret key and kept outside the database. Someone with only the
// database can cut the trail short and move the head back, and (without the key) cannot
// re-MAC an edited entry; the checkpoints make the first visible as well: every
// checkpointed entry must still be in the trail with the hash that was signed.
type Checkpoint struct {
	Seq       int64
	Hash      string
	At        time.Time
	KeyID     string
	Signature []byte
	File      string // the file it was read from (base name), for messages
}

const checkpointLabel = "hostpact audit checkpoint v1"

// message is what is signed: every field, one per line, under a label naming the format.
func (c Checkpoint) message() []byte {
	return fmt.Appendf(nil, "%s\nseq=%d\nhash=%s\nat=%s\nkey=%s\n", checkpointLabel, c.Seq, c.Hash, c.At.UTC().Format(time.RFC3339Nano), c.KeyID)
}

// SignCheckpoint signs the head (seq, hash) at time at with the current key.
func SignCheckpoint(keys *secrets.Keyring, seq int64, hash string, at time.Time) Checkpoint {
	c := Checkpoint{Seq: seq, Hash: hash, At: at.UTC().Truncate(time.Second), KeyID: keys.ID()}
	c.Signature = ed25519.Sign(keys.Signer(), c.message())
	c.File = checkpointFile(seq)
	return c
}

// checkSignature reports a checkpoint whose signature is not the key's.
func (c Checkpoint) checkSignature(keys *secrets.Keyring) error {
	pub, err := keys.PublicKey(c.KeyID)
	if err != nil {
		return fmt.Errorf("signed with key %s, which the configured key file does not hold", c.KeyID)
	}
	if !ed25519.Verify(pub, c.message(), c.Signature) {
		return errors.New("the signature does not match its content (forged or altered)")
	}
	return nil
}

type checkpointJSON struct {
	Format    string `json:"format"`
	Seq       int64  `json:"seq"`
	Hash      string `json:"hash"`
	At        string `json:"at"`
	KeyID     string `json:"key_id"`
	Signature string `json:"signature"`
}

// Marshal is the checkpoint's file content.
func (c Checkpoint) Marshal() []byte {
	b, _ := json.MarshalIndent(checkpointJSON{Format: checkpointLabel, Seq: c.Seq, Hash: c.Hash, At: c.At.UTC().Format(time.RFC3339Nano),
		KeyID: c.KeyID, Signature: base64.StdEncoding.EncodeToString(c.Signature)}, "", "  ")
	return append(b, '\n')
}

// ParseCheckpoint reads a checkpoint file's content; it does not check the signature.
func ParseCheckpoint(b []byte) (Checkpoint, error) {
	var j checkpointJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return Checkpoint{}, fmt.Errorf("not a checkpoint: %w", err)
	}
	if j.Format != checkpointLabel || j.Seq < 1 || j.Hash == "" || j.KeyID == "" {
		return Checkpoint{}, errors.New("not a checkpoint: format, seq, hash or key_id missing")
	}
	at, err := time.Parse(time.RFC3339Nano, j.At)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("not a checkpoint: at: %w", err)
	}
	sig, err := base64.StdEncoding.DecodeString(j.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return Checkpoint{}, errors.New("not a checkpoint: the signature is not an Ed25519 signature")
	}
	return Checkpoint{Seq: j.Seq, Hash: j.Hash, At: at, KeyID: j.KeyID, Signature: sig}, nil
}

// checkpointFile names the checkpoint of entry seq; one name per sequence number makes
// "one checkpoint per head" a property of the directory.
func checkpointFile(seq int64) string { return fmt.Sprintf("checkpoint-%020d.json", seq) }

func seqOfFile(name string) (int64, bool) {
	s, ok := strings.CutPrefix(name, "checkpoint-")
	if !ok {
		return 0, false
	}
	s, ok = strings.CutSuffix(s, ".json")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

// ErrNoCheckpoints is returned by ReadCheckpoints for a directory that does not exist.
var ErrNoCheckpoints = errors.New("audit: no checkpoint directory")

// ReadCheckpoints reads every checkpoint in dir, oldest first. A file whose signature is
// wrong, or whose name does not match its content, is a problem (and not returned).
func ReadCheckpoints(dir string, keys *secrets.Keyring) ([]Checkpoint, []Problem, error) {
	des, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("%w: %s", ErrNoCheckpoints, dir)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("audit: checkpoints: %w", err)
	}
	var cps []Checkpoint
	var problems []Problem
	for _, de := range des {
		seq, ok := seqOfFile(de.Name())
		if !ok || !de.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, de.Name()))
		if err != nil {
			return nil, nil, fmt.Errorf("audit: checkpoints: %w", err)
		}
		c, err := ParseCheckpoint(b)
		if err == nil && c.Seq != seq {
			err = fmt.Errorf("it signs entry %d, not the entry its name says", c.Seq)
		}
		if err == nil {
			err = c.checkSignature(keys)
		}
		if err != nil {
			problems = append(problems, Problem{seq, fmt.Sprintf("checkpoint %s: %v", de.Name(), err)})
			continue
		}
		c.File = de.Name()
		cps = append(cps, c)
	}
	sort.Slice(cps, func(i, j int) bool { return cps[i].Seq < cps[j].Seq })
	return cps, problems, nil
}

// writeCheckpoint creates c's file in dir and never replaces one: the content goes to a
// temporary file first and is then linked to its name, which fails if the name exists,
// so a reader never sees half a checkpoint and a crash leaves at most a temporary file.
// When the file exists with the same head (a run that died before recording it), that
// is success; with another head it is an error, for the trail was rewritten.
func writeCheckpoint(dir string, c Checkpoint) error {
	final := filepath.Join(dir, checkpointFile(c.Seq))
	if existing, err := os.ReadFile(final); err == nil {
		return sameCheckpoint(final, existing, c)
	}
	suffix := make([]byte, 8)
	_, _ = rand.Read(suffix) // crypto/rand.Read never fails (it crashes the program instead)
	tmp := filepath.Join(dir, ".tmp-"+hex.EncodeToString(suffix))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("audit: checkpoint: %w", err)
	}
	defer os.Remove(tmp)
	if _, err := f.Write(c.Marshal()); err != nil {
		f.Close()
		return fmt.Errorf("audit: checkpoint: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("audit: checkpoint: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("audit: checkpoint: %w", err)
	}
	if err := os.Link(tmp, final); err != nil {
		if existing, rerr := os.ReadFile(final); rerr == nil {
			return sameCheckpoint(final, existing, c)
		}
		return fmt.Errorf("audit: checkpoint: %w", err)
	}
	// Make the new name durable: a checkpoint that a crash can take back is none.
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("audit: checkpoint: sync directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("audit: checkpoint: sync directory: %w", err)
	}
	return nil
}

func sameCheckpoint(path string, existing []byte, c Checkpoint) error {
	old, err := ParseCheckpoint(existing)
	if err != nil {
		return fmt.Errorf("audit: checkpoint %s exists and cannot be read: %v", path, err)
	}
	if old.Hash != c.Hash {
		return fmt.Errorf("audit: checkpoint %s signed entry %d with another hash than the trail has now: the trail was rewritten", path, c.Seq)
	}
	return nil
}

// Checkpointer writes signed checkpoints of the trail's head outside the database, after
// every Every entries and at least every MaxAge while entries are written, and records
// each in audit_checkpoints (and, with Mail, mails it) once.
type Checkpointer struct {
	DB     *store.DB
	Keys   *secrets.Keyring
	Dir    string
	Every  int64         // entries between checkpoints; default 1000
	MaxAge time.Duration // default an hour
	Mail   string        // optional recipient of every checkpoint
	Logger *slog.Logger
}

// Job is "audit.checkpoint", every minute: a checkpoint is due when Every entries were
// written since the last or the last is MaxAge old, which the job notices within a minute.
func (c *Checkpointer) Job() jobs.Job {
	return jobs.Job{Name: "audit.checkpoint", Every: time.Minute, Run: c.Run}
}

// Run records checkpoints found in the directory but not yet in the database (a run
// that died between writing and recording), then writes a new one when one is due,
// after checking that the entries since the last checkpoint chain onto it with valid
// MACs: a checkpoint never signs a trail that was already broken.
func (c *Checkpointer) Run(ctx context.Context, now time.Time) error {
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return fmt.Errorf("audit: checkpoint directory: %w", err)
	}
	cps, problems, err := ReadCheckpoints(c.Dir, c.Keys)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("audit: not writing checkpoints while the directory holds a bad one: %s", problems[0])
	}
	if err := c.recordMissing(ctx, cps, now); err != nil {
		return err
	}
	var headSeq int64
	var headHash string
	if err := c.DB.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return fmt.Errorf("audit: checkpoint: %w", err)
	}
	var last Checkpoint
	if len(cps) > 0 {
		last = cps[len(cps)-1]
	}
	switch {
	case headSeq < last.Seq:
		return fmt.Errorf("audit: the trail's head is entry %d, but checkpoint %s signed entry %d: entries were removed", headSeq, last.File, last.Seq)
	case headSeq == last.Seq && headHash != last.Hash:
		return fmt.Errorf("audit: the trail's head is not the entry checkpoint %s signed: the trail was rewritten", last.File)
	case headSeq == last.Seq:
		return nil
	}
	every, maxAge := c.Every, c.MaxAge
	if every <= 0 {
		every = 1000
	}
	if maxAge <= 0 {
		maxAge = time.Hour
	}
	if last.Seq > 0 && headSeq-last.Seq < every && now.Sub(last.At) < maxAge {
		return nil
	}
	if err := verifySince(ctx, c.DB, c.Keys, last, headSeq, headHash); err != nil {
		return err
	}
	cp := SignCheckpoint(c.Keys, headSeq, headHash, now)
	if err := writeCheckpoint(c.Dir, cp); err != nil {
		return err
	}
	return c.record(ctx, cp, now)
}

// recordMissing records the checkpoints in the directory that audit_checkpoints lacks.
func (c *Checkpointer) recordMissing(ctx context.Context, cps []Checkpoint, now time.Time) error {
	var recorded int64
	if err := c.DB.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM audit_checkpoints`).Scan(&recorded); err != nil {
		return fmt.Errorf("audit: checkpoints: %w", err)
	}
	for _, cp := range cps {
		if cp.Seq > recorded {
			if err := c.record(ctx, cp, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// record notes cp in audit_checkpoints and queues its mail, once per checkpoint: the row's
// key and the mail's dedupe key are the entry it signs. No audit entry is written for a
// checkpoint: it changes nothing, and an entry would move the head it just signed.
func (c *Checkpointer) record(ctx context.Context, cp Checkpoint, now time.Time) error {
	now = store.Now(now)
	err := c.DB.InTx(ctx, func(q store.Querier) error {
		res, err := q.ExecContext(ctx, `INSERT INTO audit_checkpoints (seq, hash, signed_at, key_id, file, recorded_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (seq) DO NOTHING`, cp.Seq, cp.Hash, store.Now(cp.At), cp.KeyID, checkpointFile(cp.Seq), now)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 || c.Mail == "" {
			return err
		}
		subject, body, err := mailTemplates.Render("checkpoint", "nl", map[string]any{
			"Seq": cp.Seq, "Hash": cp.Hash, "At": cp.At.UTC().Format(time.RFC3339), "KeyID": cp.KeyID,
			"File": checkpointFile(cp.Seq), "Content": string(cp.Marshal()),
		})
		if err != nil {
			return err
		}
		_, err = notify.Enqueue(ctx, q, now, notify.Message{DedupeKey: "audit:checkpoint:" + strconv.FormatInt(cp.Seq, 10),
			To: c.Mail, Lang: "nl", Subject: subject, Text: body})
		if errors.Is(err, notify.ErrDuplicate) {
			return nil
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("audit: record checkpoint %d: %w", cp.Seq, err)
	}
	if c.Logger != nil {
		c.Logger.Info("audit checkpoint written", "seq", cp.Seq, "file", checkpointFile(cp.Seq))
	}
	return nil
}

// verifySince checks the entries after checkpoint last up to the head: in sequence,
// each chained onto the one before (the first onto last's hash), each MAC right, the
// last one the head.
func verifySince(ctx context.Context, db *store.DB, keys *secrets.Keyring, last Checkpoint, headSeq int64, headHash string) error {
	after, prev := last.Seq, last.Hash
	for after < headSeq {
		batch, err := entriesAfter(ctx, db, after, rekeyChunk)
		if err != nil {
			return fmt.Errorf("audit: checkpoint: %w", err)
		}
		if len(batch) == 0 {
			break
		}
		for _, e := range batch {
			reason := e.check(keys, false)
			if e.Seq != after+1 || e.PrevHash != prev {
				reason = "does not follow the entry before it"
			}
			if reason != "" {
				return fmt.Errorf("audit: not signing a checkpoint: the trail since the last checkpoint is broken: %s", Problem{e.Seq, reason})
			}
			after, prev = e.Seq, e.Hash
		}
	}
	if after != headSeq || prev != headHash {
		return fmt.Errorf("audit: not signing a checkpoint: the trail ends at entry %d but the head says %d", after, headSeq)
	}
	return nil
}

//go:embed mail/*.txt
var mailFiles embed.FS

var mailTemplates = notify.NewTemplates(mustSub(mailFiles, "mail"))

func mustSub(f fs.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return s
}
