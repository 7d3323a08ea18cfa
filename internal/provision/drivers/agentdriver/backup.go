package agentdriver

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/hostpact/hostpact/internal/agent"
	"github.com/hostpact/hostpact/internal/backup"
)

// BackupHost is an agent as the backup layer's backup.Host: restic runs there, next
// to the data, and the repository's password goes with each request over the mutual
// TLS connection (docs/agent.md, "Backups").
type BackupHost struct {
	c *Client
	// long has no overall timeout: a backup takes as long as the data need, bounded
	// by the caller's context and the agent's own agent.BackupTimeout.
	long *http.Client
}

var _ backup.Host = (*BackupHost)(nil)

// BackupHost returns the backup side of the agent.
func (c *Client) BackupHost() *BackupHost {
	return &BackupHost{c: c, long: &http.Client{Transport: c.http.Transport}}
}

// forgetBatch keeps a forget request well inside agent.MaxBody.
const forgetBatch = 400

func wireRepo(r backup.Repo) agent.BackupRepo {
	return agent.BackupRepo{Location: r.Location, Password: r.Password}
}

func accountPath(op string, e backup.Enrolled) string {
	return fmt.Sprintf("/v1/backups/%s/%s/%s", op, url.PathEscape(e.Kind), url.PathEscape(e.Ref))
}

func (h *BackupHost) Backup(ctx context.Context, r backup.Repo, e backup.Enrolled, tags []string, at time.Time) (backup.Result, error) {
	var a agent.BackupAnswer
	err := h.c.doWith(ctx, h.long, http.MethodPost, accountPath("backup", e), agent.BackupRequest{Repo: wireRepo(r), Tags: tags, Time: at.UTC()}, &a)
	a.Result.Errors = a.Errors
	return a.Result, err
}

func (h *BackupHost) Snapshots(ctx context.Context, r backup.Repo, tags []string) ([]backup.Snapshot, error) {
	var ss []backup.Snapshot
	err := h.c.doWith(ctx, h.long, http.MethodPost, "/v1/backups/snapshots", agent.SnapshotsRequest{Repo: wireRepo(r), Tags: tags}, &ss)
	return ss, err
}

func (h *BackupHost) Forget(ctx context.Context, r backup.Repo, ids []string) error {
	for len(ids) > 0 {
		n := min(len(ids), forgetBatch)
		if err := h.c.doWith(ctx, h.long, http.MethodPost, "/v1/backups/forget", agent.ForgetRequest{Repo: wireRepo(r), IDs: ids[:n]}, nil); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

func (h *BackupHost) Prune(ctx context.Context, r backup.Repo) error {
	return h.c.doWith(ctx, h.long, http.MethodPost, "/v1/backups/prune", agent.RepoRequest{Repo: wireRepo(r)}, nil)
}

// Init creates the repository from the agent (a backup does so too on first use).
func (h *BackupHost) Init(ctx context.Context, r backup.Repo) error {
	return h.c.doWith(ctx, h.long, http.MethodPost, "/v1/backups/init", agent.RepoRequest{Repo: wireRepo(r)}, nil)
}

func (h *BackupHost) Restore(ctx context.Context, r backup.Repo, e backup.Enrolled, snapshot string) error {
	return h.c.doWith(ctx, h.long, http.MethodPost, accountPath("restore", e), agent.SnapshotRequest{Repo: wireRepo(r), Snapshot: snapshot}, nil)
}

func (h *BackupHost) Verify(ctx context.Context, r backup.Repo, e backup.Enrolled, snapshot string) (int, int, error) {
	var v agent.Verified
	err := h.c.doWith(ctx, h.long, http.MethodPost, accountPath("verify", e), agent.SnapshotRequest{Repo: wireRepo(r), Snapshot: snapshot}, &v)
	return v.Files, v.Mismatches, err
}
