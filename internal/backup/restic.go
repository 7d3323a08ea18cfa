package backup

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Repo is one backup server's repository as the engine needs it: where it is (a
// directory, or a rest:/sftp: URL restic understands) and its password, unsealed only
// for the call and handed to the child process alone, never logged.
type Repo struct {
	Location string
	Password string
}

// LogValue keeps the password out of every log line.
func (r Repo) String() string { return r.Location }

// Snapshot is one backup in a repository.
type Snapshot struct {
	ID    string    `json:"id"`
	Short string    `json:"short_id"`
	Time  time.Time `json:"time"`
	Paths []string  `json:"paths"`
	Tags  []string  `json:"tags"`
}

// Tag returns the value of the tag name=value, or "".
func (s Snapshot) Tag(name string) string {
	for _, t := range s.Tags {
		if v, ok := strings.CutPrefix(t, name+"="); ok {
			return v
		}
	}
	return ""
}

// Result is what `restic backup --json` reports in its summary.
type Result struct {
	SnapshotID string  `json:"snapshot_id"`
	FilesNew   int64   `json:"files_new"`
	FilesTotal int64   `json:"total_files_processed"`
	BytesTotal int64   `json:"total_bytes_processed"`
	DataAdded  int64   `json:"data_added"`
	Duration   float64 `json:"total_duration"` // seconds
	// Errors are the per-file errors restic reported while it still made the snapshot.
	Errors []string `json:"-"`
}

// FileNode is one file of a snapshot as `restic ls --json` lists it.
type FileNode struct {
	Path string `json:"path"`
	Type string `json:"type"`
	Size int64  `json:"size"`
}

// Engine makes, lists, removes and restores backups. Restic is the engine hostpact
// ships; the demo has one that only records (DemoEngine).
type Engine interface {
	Init(ctx context.Context, r Repo) error
	Backup(ctx context.Context, r Repo, paths, tags []string, at time.Time) (Result, error)
	Snapshots(ctx context.Context, r Repo, tags []string) ([]Snapshot, error)
	// Forget removes exactly the snapshots named; Prune then frees their data.
	Forget(ctx context.Context, r Repo, ids []string) error
	Prune(ctx context.Context, r Repo) error
	// Restore writes the files under path of the snapshot below target, each at
	// target + its path in the snapshot, verifying what it wrote.
	Restore(ctx context.Context, r Repo, id, path, target string) error
	Files(ctx context.Context, r Repo, id string) ([]FileNode, error)
}

// Restic drives the restic program through its command line with --json.
type Restic struct {
	// Bin is the restic program (default "restic" from PATH; Debian's /usr/bin/restic).
	Bin string
	// CacheDir is restic's cache; empty runs without one.
	CacheDir string
	// Host is the host name recorded in snapshots (default "hostpact").
	Host string
}

func (e Restic) cmd(ctx context.Context, r Repo, args ...string) *exec.Cmd {
	bin := e.Bin
	if bin == "" {
		bin = "restic"
	}
	if e.CacheDir != "" {
		args = append([]string{"--cache-dir", e.CacheDir}, args...)
	} else {
		args = append([]string{"--no-cache"}, args...)
	}
	c := exec.CommandContext(ctx, bin, args...)
	// Only what restic needs: the repository and its password go to the child alone.
	c.Env = []string{"RESTIC_REPOSITORY=" + r.Location, "RESTIC_PASSWORD=" + r.Password, "TZ=UTC",
		"HOME=" + os.Getenv("HOME"), "PATH=" + os.Getenv("PATH")}
	return c
}

// ResticError is a failed restic call: the command (never the password) and what
// restic said on stderr.
type ResticError struct {
	Op     string
	Stderr string
	Err    error
}

func (e *ResticError) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if len(msg) > 2000 {
		msg = msg[:2000] + "…"
	}
	return fmt.Sprintf("restic %s: %v: %s", e.Op, e.Err, msg)
}

func (e Restic) run(ctx context.Context, r Repo, op string, args ...string) ([]byte, []byte, error) {
	c := e.cmd(ctx, r, args...)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		return out.Bytes(), errb.Bytes(), &ResticError{Op: op, Stderr: redact(errb.String(), r.Password), Err: err}
	}
	return out.Bytes(), errb.Bytes(), nil
}

// redact removes the password should restic ever echo it.
func redact(s, password string) string {
	if password == "" {
		return s
	}
	return strings.ReplaceAll(s, password, "[password]")
}

// Init creates the repository; one that exists already is left as it is.
func (e Restic) Init(ctx context.Context, r Repo) error {
	if _, _, err := e.run(ctx, r, "cat config", "cat", "config"); err == nil {
		return nil
	}
	_, _, err := e.run(ctx, r, "init", "init")
	return err
}

// Backup makes one snapshot of paths with the tags, dated at (restic's --time).
func (e Restic) Backup(ctx context.Context, r Repo, paths, tags []string, at time.Time) (Result, error) {
	if len(paths) == 0 {
		return Result{}, errors.New("backup: no paths to back up")
	}
	args := []string{"backup", "--json", "--host", e.host(), "--time", at.UTC().Format("2006-01-02 15:04:05")}
	for _, t := range tags {
		args = append(args, "--tag", t)
	}
	args = append(args, "--")
	args = append(args, paths...)
	out, stderr, err := e.run(ctx, r, "backup", args...)
	res, perr := parseBackup(out)
	res.Errors = append(res.Errors, lines(redact(string(stderr), r.Password))...)
	if err != nil {
		// Exit code 3: the snapshot was made but some files could not be read.
		var xe *exec.ExitError
		var re *ResticError
		if errors.As(err, &re) && errors.As(re.Err, &xe) && xe.ExitCode() == 3 && res.SnapshotID != "" {
			return res, nil
		}
		return res, err
	}
	if perr != nil {
		return res, perr
	}
	return res, nil
}

func (e Restic) host() string {
	if e.Host == "" {
		return "hostpact"
	}
	return e.Host
}

// parseBackup reads the JSON lines of `restic backup --json`: status lines, error
// lines and one summary.
func parseBackup(out []byte) (Result, error) {
	var res Result
	found := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		line := sc.Bytes()
		var head struct {
			Type  string `json:"message_type"`
			Item  string `json:"item"`
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
			During string `json:"during"`
		}
		if json.Unmarshal(line, &head) != nil {
			continue
		}
		switch head.Type {
		case "summary":
			if err := json.Unmarshal(line, &res); err != nil {
				return res, fmt.Errorf("restic backup: summary: %w", err)
			}
			found = true
		case "error":
			res.Errors = append(res.Errors, strings.TrimSpace(head.During+" "+head.Item+": "+head.Error.Message))
		}
	}
	if !found || res.SnapshotID == "" {
		return res, errors.New("restic backup: no summary with a snapshot id")
	}
	return res, nil
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// Snapshots lists the snapshots carrying every tag given.
func (e Restic) Snapshots(ctx context.Context, r Repo, tags []string) ([]Snapshot, error) {
	args := []string{"snapshots", "--json"}
	if len(tags) > 0 {
		args = append(args, "--tag", strings.Join(tags, ","))
	}
	out, _, err := e.run(ctx, r, "snapshots", args...)
	if err != nil {
		return nil, err
	}
	var ss []Snapshot
	if err := json.Unmarshal(bytes.TrimSpace(out), &ss); err != nil {
		return nil, fmt.Errorf("restic snapshots: %w", err)
	}
	return ss, nil
}

// Forget removes the snapshots named, and nothing else: no keep-flag is ever passed,
// so the terms' rule (terms.Policy.BackupRetention) alone decides.
func (e Restic) Forget(ctx context.Context, r Repo, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	_, _, err := e.run(ctx, r, "forget", append([]string{"forget", "--"}, ids...)...)
	return err
}

// Prune frees the data no snapshot uses any more.
func (e Restic) Prune(ctx context.Context, r Repo) error {
	_, _, err := e.run(ctx, r, "prune", "prune")
	return err
}

// Restore writes the files under path of snapshot id below target (target + the
// file's path in the snapshot), with restic's --verify reading every restored file
// back against the snapshot.
func (e Restic) Restore(ctx context.Context, r Repo, id, path, target string) error {
	_, _, err := e.run(ctx, r, "restore", "restore", id, "--target", target, "--include", path, "--verify")
	return err
}

// Files lists the files of a snapshot (`restic ls --json`).
func (e Restic) Files(ctx context.Context, r Repo, id string) ([]FileNode, error) {
	out, _, err := e.run(ctx, r, "ls", "ls", "--json", id)
	if err != nil {
		return nil, err
	}
	var nodes []FileNode
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		var n struct {
			FileNode
			StructType string `json:"struct_type"`
		}
		if json.Unmarshal(sc.Bytes(), &n) != nil || n.StructType != "node" {
			continue
		}
		nodes = append(nodes, n.FileNode)
	}
	return nodes, sc.Err()
}
