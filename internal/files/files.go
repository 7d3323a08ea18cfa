// Package files keeps uploaded and received files: ticket attachments, the evidence of a
// notice, a vulnerability report's proof of concept. A domain package stores a file in
// the transaction that records what it belongs to and keeps the returned id; the bytes
// sit once per content hash in a table of their own, apart from the rows that list them.
//
// Every file has an owner string ("ticket:12", "ntd:7") so that retention and a data
// subject's export can find what belongs to a record without knowing its package.
package files

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hostpact/hostpact/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Schema holds the files tables.
var Schema = store.SchemaFrom("files", migrations, "migrations")

// File describes a stored file without its bytes.
type File struct {
	ID          int64
	SHA256      string
	Size        int64
	Name        string
	ContentType string
	Owner       string
	CreatedAt   time.Time
}

// Errors carry the message key an outsider reads.
var (
	ErrTooLarge = &Error{Key: "files.too_large"}
	ErrEmpty    = &Error{Key: "files.empty"}
	ErrName     = &Error{Key: "files.bad_name"}
	ErrNotFound = errors.New("files: not found")
)

// Error is a refused upload with the key of its message; Args fill the message.
type Error struct {
	Key  string
	Args []any
}

func (e *Error) Error() string { return "files: " + e.Key }

// Put stores the bytes read from r (at most limit) under owner and returns the file. A
// file over limit is refused whole: nothing is stored. The content type is sniffed from
// the bytes, never taken from the sender, so a file cannot claim to be what it is not.
func Put(ctx context.Context, q store.Querier, owner, name string, r io.Reader, limit int64, now time.Time) (File, error) {
	name = cleanName(name)
	if name == "" {
		return File{}, ErrName
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return File{}, fmt.Errorf("files: read %s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return File{}, &Error{Key: "files.too_large", Args: []any{name, limit}}
	}
	if len(data) == 0 {
		return File{}, &Error{Key: "files.empty", Args: []any{name}}
	}
	sum := sha256.Sum256(data)
	f := File{
		SHA256:      hex.EncodeToString(sum[:]),
		Size:        int64(len(data)),
		Name:        name,
		ContentType: sniff(data, name),
		Owner:       owner,
		CreatedAt:   now.UTC(),
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO file_contents (sha256, size, data) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING`,
		f.SHA256, f.Size, data); err != nil {
		return File{}, fmt.Errorf("files: store contents: %w", err)
	}
	if err := q.QueryRowContext(ctx, `INSERT INTO files (sha256, size, name, content_type, owner, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		f.SHA256, f.Size, f.Name, f.ContentType, f.Owner, f.CreatedAt).Scan(&f.ID); err != nil {
		return File{}, fmt.Errorf("files: store %s: %w", name, err)
	}
	return f, nil
}

// Get returns the file and its bytes. Callers check that the principal may see the owner
// first: ids are not secrets.
func Get(ctx context.Context, q store.Querier, id int64) (File, []byte, error) {
	f, err := Stat(ctx, q, id)
	if err != nil {
		return File{}, nil, err
	}
	var data []byte
	if err := q.QueryRowContext(ctx, `SELECT data FROM file_contents WHERE sha256 = $1`, f.SHA256).Scan(&data); err != nil {
		return File{}, nil, fmt.Errorf("files: read %d: %w", id, err)
	}
	return f, data, nil
}

// Stat returns the file without its bytes.
func Stat(ctx context.Context, q store.Querier, id int64) (File, error) {
	var f File
	err := q.QueryRowContext(ctx, `SELECT id, sha256, size, name, content_type, owner, created_at FROM files WHERE id = $1`, id).
		Scan(&f.ID, &f.SHA256, &f.Size, &f.Name, &f.ContentType, &f.Owner, &f.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return File{}, ErrNotFound
	}
	if err != nil {
		return File{}, fmt.Errorf("files: stat %d: %w", id, err)
	}
	return f, nil
}

// ByOwner lists an owner's files, oldest first.
func ByOwner(ctx context.Context, q store.Querier, owner string) ([]File, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, sha256, size, name, content_type, owner, created_at FROM files WHERE owner = $1 ORDER BY id`, owner)
	if err != nil {
		return nil, fmt.Errorf("files: list %s: %w", owner, err)
	}
	defer rows.Close()
	var out []File
	for rows.Next() {
		var f File
		if err := rows.Scan(&f.ID, &f.SHA256, &f.Size, &f.Name, &f.ContentType, &f.Owner, &f.CreatedAt); err != nil {
			return nil, fmt.Errorf("files: list %s: %w", owner, err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// DeleteOwner removes an owner's files, and the bytes no other file shares. Retention
// and erasure call it; it returns how many files went.
func DeleteOwner(ctx context.Context, q store.Querier, owner string) (int, error) {
	fs, err := ByOwner(ctx, q, owner)
	if err != nil {
		return 0, err
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM files WHERE owner = $1`, owner); err != nil {
		return 0, fmt.Errorf("files: delete %s: %w", owner, err)
	}
	for _, f := range fs {
		if _, err := q.ExecContext(ctx, `DELETE FROM file_contents WHERE sha256 = $1 AND NOT EXISTS (SELECT 1 FROM files WHERE sha256 = $1)`, f.SHA256); err != nil {
			return 0, fmt.Errorf("files: delete contents of %s: %w", owner, err)
		}
	}
	return len(fs), nil
}

// cleanName keeps the last path element of a sender's file name, printable and short.
func cleanName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = filepath.Base(strings.TrimSpace(name))
	if name == "." || name == "/" || name == ".." || !utf8.ValidString(name) {
		return ""
	}
	var b strings.Builder
	for _, r := range name {
		if r < 0x20 || r == 0x7f || r == '"' {
			continue
		}
		b.WriteRune(r)
	}
	name = b.String()
	if utf8.RuneCountInString(name) > 200 {
		name = string([]rune(name)[:200])
	}
	return name
}

// sniff decides the content type from the bytes; a text file keeps a more precise type
// its extension names (text/csv), never one that a browser would run.
func sniff(data []byte, name string) string {
	ct := http.DetectContentType(data)
	if strings.HasPrefix(ct, "text/plain") {
		if ext := mime.TypeByExtension(strings.ToLower(filepath.Ext(name))); strings.HasPrefix(ext, "text/") && !strings.Contains(ext, "html") {
			return ext
		}
	}
	if strings.HasPrefix(ct, "text/html") || bytes.HasPrefix(bytes.TrimSpace(data), []byte("<svg")) {
		return "text/plain; charset=utf-8"
	}
	return ct
}
