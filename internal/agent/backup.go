package agent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/backup"
	"github.com/hostpact/hostpact/internal/provision/driver"
)

// The agent runs restic on the host that holds a service's data (issue 15): hostpact
// says which repository and which snapshot, per call, with the repository's password
// in the request body over mutual TLS; the agent hands the password to the restic
// child process alone (its environment), never writes it to disk and never logs it.

// BackupData is implemented by a module whose accounts' data are directories on this
// host: what a backup of the account holds and a restore puts back in place.
type BackupData interface {
	BackupPaths(ctx context.Context, ref string) ([]string, error)
}

// BackupConfig is the agent configuration's "backup" section; without it the agent
// makes no backups.
type BackupConfig struct {
	// Restic is the restic program (default "restic" from PATH).
	Restic string `json:"restic"`
	// CacheDir is restic's cache (default: none).
	CacheDir string `json:"cache_dir"`
	// Scratch is where restore tests write (default data_dir/backup-scratch).
	Scratch string `json:"scratch"`
	// Host is the host name recorded in snapshots (default "hostpact-agent").
	Host string `json:"host"`
	// Repositories, when given, are the only repository locations hostpact may name.
	Repositories []string `json:"repositories"`
}

// BackupTimeout bounds one backup, restore or restore test on the agent.
const BackupTimeout = 6 * time.Hour

// Backups serves the backup routes with restic.
type Backups struct {
	cfg    BackupConfig
	engine backup.Engine
}

// NewBackups makes the backup side of an agent; dataDir is the agent's data_dir.
func NewBackups(c BackupConfig, dataDir string) *Backups {
	if c.Scratch == "" {
		c.Scratch = filepath.Join(dataDir, "backup-scratch")
	}
	if c.Host == "" {
		c.Host = "hostpact-agent"
	}
	return &Backups{cfg: c, engine: backup.Restic{Bin: c.Restic, CacheDir: c.CacheDir, Host: c.Host}}
}

// BackupRepo is a repository as hostpact names it for one call.
type BackupRepo struct {
	Location string `json:"location"`
	Password string `json:"password"`
}

// BackupRequest is the body of POST /v1/backups/backup/{kind}/{ref}.
type BackupRequest struct {
	Repo BackupRepo `json:"repo"`
	Tags []string   `json:"tags"`
	Time time.Time  `json:"time"`
}

// SnapshotsRequest is the body of POST /v1/backups/snapshots.
type SnapshotsRequest struct {
	Repo BackupRepo `json:"repo"`
	Tags []string   `json:"tags"`
}

// ForgetRequest is the body of POST /v1/backups/forget.
type ForgetRequest struct {
	Repo BackupRepo `json:"repo"`
	IDs  []string   `json:"ids"`
}

// RepoRequest is the body of POST /v1/backups/prune and /v1/backups/init.
type RepoRequest struct {
	Repo BackupRepo `json:"repo"`
}

// SnapshotRequest is the body of POST /v1/backups/restore/{kind}/{ref} and
// /v1/backups/verify/{kind}/{ref}.
type SnapshotRequest struct {
	Repo     BackupRepo `json:"repo"`
	Snapshot string     `json:"snapshot"`
}

// Verified is the answer of a restore test.
type Verified struct {
	Files      int `json:"files"`
	Mismatches int `json:"mismatches"`
}

var (
	tagRe      = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}=[a-z0-9-]{1,64}$`)
	snapshotRe = regexp.MustCompile(`^[0-9a-f]{8,64}$`)
)

// ValidBackupRepo checks a repository before restic sees it.
func (b *Backups) validRepo(r BackupRepo) error {
	if r.Location == "" || len(r.Location) > 1000 || strings.ContainsAny(r.Location, "\x00\r\n") {
		return errors.New("bad repository location")
	}
	if len(b.cfg.Repositories) > 0 && !slices.Contains(b.cfg.Repositories, r.Location) {
		return errors.New("this agent may not use that repository")
	}
	if r.Password == "" || len(r.Password) > 1024 || strings.ContainsAny(r.Password, "\x00\r\n") {
		return errors.New("bad repository password")
	}
	return nil
}

// ValidTags checks restic tags: name=value of lower-case letters, digits and hyphens.
func ValidTags(tags []string) error {
	if len(tags) > 8 {
		return errors.New("too many tags")
	}
	for _, t := range tags {
		if !tagRe.MatchString(t) {
			return fmt.Errorf("bad tag %q", t)
		}
	}
	return nil
}

// ValidSnapshotID checks a restic snapshot id (full or short).
func ValidSnapshotID(id string) error {
	if !snapshotRe.MatchString(id) {
		return errors.New("bad snapshot id")
	}
	return nil
}

func (s *server) backupRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/backups/init", s.backupOp(false, s.backupInit))
	mux.HandleFunc("POST /v1/backups/snapshots", s.backupOp(false, s.backupSnapshots))
	mux.HandleFunc("POST /v1/backups/forget", s.backupOp(false, s.backupForget))
	mux.HandleFunc("POST /v1/backups/prune", s.backupOp(false, s.backupPrune))
	mux.HandleFunc("POST /v1/backups/backup/{kind}/{ref}", s.backupOp(true, s.backupAccount))
	mux.HandleFunc("POST /v1/backups/restore/{kind}/{ref}", s.backupOp(true, s.backupRestore))
	mux.HandleFunc("POST /v1/backups/verify/{kind}/{ref}", s.backupOp(true, s.backupVerify))
}

type backupFunc func(r *http.Request, b *Backups, paths []string) (any, error)

// backupOp runs h with the backups configured; for an account's operation (account)
// it resolves the module's paths of {ref} and holds the ref's lock, so a backup does
// not interleave with a termination of the same account.
func (s *server) backupOp(account bool, h backupFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.backups == nil {
			writeError(w, http.StatusNotFound, WireError{Code: CodeBadRequest, Message: "this agent makes no backups (no backup section)"})
			return
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), BackupTimeout)
		defer cancel()
		r = r.WithContext(ctx)
		start := time.Now()
		var out any
		var err error
		if account {
			out, err = s.backupAccountOp(r, h)
		} else {
			out, err = h(r, s.backups, nil)
		}
		status := s.answer(w, out, err)
		s.log.Info("agent backup request", "path", r.URL.Path, "status", status, "duration", time.Since(start))
	}
}

func (s *server) backupAccountOp(r *http.Request, h backupFunc) (any, error) {
	kind, ref := driver.Kind(r.PathValue("kind")), r.PathValue("ref")
	if err := driver.ValidRef(ref); err != nil {
		return nil, badRequest{err}
	}
	m, ok := s.mods[kind]
	if !ok {
		return nil, badRequest{errors.New("this agent delivers no " + string(kind))}
	}
	bd, ok := m.(BackupData)
	if !ok {
		return nil, &driver.Refusal{Op: "backup", Message: "the " + string(kind) + " module names no data to back up"}
	}
	defer s.lock(ref)()
	paths, err := bd.BackupPaths(r.Context(), ref)
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, &driver.Refusal{Op: "backup", Message: "the account has no data to back up"}
	}
	return h(r, s.backups, paths)
}

// repoOf decodes the body into v and checks its repository.
func (b *Backups) repoOf(r *http.Request, v any, repo *BackupRepo) (backup.Repo, error) {
	if err := decode(r, v); err != nil {
		return backup.Repo{}, err
	}
	if err := b.validRepo(*repo); err != nil {
		return backup.Repo{}, badRequest{err}
	}
	return backup.Repo{Location: repo.Location, Password: repo.Password}, nil
}

func (s *server) backupInit(r *http.Request, b *Backups, _ []string) (any, error) {
	var req RepoRequest
	repo, err := b.repoOf(r, &req, &req.Repo)
	if err != nil {
		return nil, err
	}
	return nil, b.engine.Init(r.Context(), repo)
}

func (s *server) backupSnapshots(r *http.Request, b *Backups, _ []string) (any, error) {
	var req SnapshotsRequest
	repo, err := b.repoOf(r, &req, &req.Repo)
	if err != nil {
		return nil, err
	}
	if err := ValidTags(req.Tags); err != nil {
		return nil, badRequest{err}
	}
	ss, err := b.engine.Snapshots(r.Context(), repo, req.Tags)
	if ss == nil && err == nil {
		ss = []backup.Snapshot{}
	}
	return ss, err
}

func (s *server) backupForget(r *http.Request, b *Backups, _ []string) (any, error) {
	var req ForgetRequest
	repo, err := b.repoOf(r, &req, &req.Repo)
	if err != nil {
		return nil, err
	}
	if len(req.IDs) > 1000 {
		return nil, badRequest{errors.New("too many snapshots")}
	}
	for _, id := range req.IDs {
		if err := ValidSnapshotID(id); err != nil {
			return nil, badRequest{err}
		}
	}
	return nil, b.engine.Forget(r.Context(), repo, req.IDs)
}

func (s *server) backupPrune(r *http.Request, b *Backups, _ []string) (any, error) {
	var req RepoRequest
	repo, err := b.repoOf(r, &req, &req.Repo)
	if err != nil {
		return nil, err
	}
	return nil, b.engine.Prune(r.Context(), repo)
}

func (s *server) backupAccount(r *http.Request, b *Backups, paths []string) (any, error) {
	var req BackupRequest
	repo, err := b.repoOf(r, &req, &req.Repo)
	if err != nil {
		return nil, err
	}
	if err := ValidTags(req.Tags); err != nil {
		return nil, badRequest{err}
	}
	if req.Time.IsZero() {
		req.Time = time.Now()
	}
	// A new repository is made on first use: one restic call that reads its config.
	if err := b.engine.Init(r.Context(), repo); err != nil {
		return nil, err
	}
	res, err := b.engine.Backup(r.Context(), repo, paths, req.Tags, req.Time)
	if err != nil {
		return nil, err
	}
	return BackupAnswer{Result: res, Errors: res.Errors}, nil
}

// BackupAnswer is the answer of a backup: restic's summary with the files it could
// not read (which backup.Result keeps out of its JSON).
type BackupAnswer struct {
	backup.Result
	Errors []string `json:"errors,omitempty"`
}

func (s *server) backupRestore(r *http.Request, b *Backups, paths []string) (any, error) {
	var req SnapshotRequest
	repo, err := b.repoOf(r, &req, &req.Repo)
	if err != nil {
		return nil, err
	}
	if err := ValidSnapshotID(req.Snapshot); err != nil {
		return nil, badRequest{err}
	}
	// In place: each file goes back to its own path, into the same account.
	for _, p := range paths {
		if err := b.engine.Restore(r.Context(), repo, req.Snapshot, p, "/"); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

func (s *server) backupVerify(r *http.Request, b *Backups, paths []string) (any, error) {
	var req SnapshotRequest
	repo, err := b.repoOf(r, &req, &req.Repo)
	if err != nil {
		return nil, err
	}
	if err := ValidSnapshotID(req.Snapshot); err != nil {
		return nil, badRequest{err}
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	scratch := filepath.Join(b.cfg.Scratch, r.PathValue("ref")+"-"+hex.EncodeToString(rnd[:]))
	files, mismatches, err := backup.VerifyRestore(r.Context(), b.engine, repo, req.Snapshot, paths, scratch)
	return Verified{Files: files, Mismatches: mismatches}, err
}
