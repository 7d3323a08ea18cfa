package backup

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"time"
)

// Remote finds where restic runs for a service whose data live on another machine:
// the hostpact agent on the service's provisioning server (the agentdriver package
// implements it). The agent runs restic next to the data, so the data never cross the
// network twice and the repository need only be reachable from the hosting servers
// (cp.security.backup.2). For answers nil, nil for a service it does not hold; such a
// service is backed up by Deps.Engine and Deps.Source on this machine.
type Remote interface {
	For(ctx context.Context, e Enrolled) (Host, error)
}

// Host runs the engine on the machine that holds a service's data. The repository's
// password travels with each call (over the agent's mutual TLS) and is never kept
// there.
type Host interface {
	// Backup backs up what the host's module says the service's data are.
	Backup(ctx context.Context, r Repo, e Enrolled, tags []string, at time.Time) (Result, error)
	Snapshots(ctx context.Context, r Repo, tags []string) ([]Snapshot, error)
	Forget(ctx context.Context, r Repo, ids []string) error
	Prune(ctx context.Context, r Repo) error
	// Restore puts the snapshot's files of the service back in place.
	Restore(ctx context.Context, r Repo, e Enrolled, snapshot string) error
	// Verify restores the snapshot into a scratch directory on the host and checks
	// the files against the snapshot (VerifyRestore), removing the scratch afterwards.
	Verify(ctx context.Context, r Repo, e Enrolled, snapshot string) (files, mismatches int, err error)
}

// host is the Host of e, or nil when e is backed up on this machine.
func (s *Service) host(ctx context.Context, e Enrolled) (Host, error) {
	if s.remote == nil {
		return nil, nil
	}
	return s.remote.For(ctx, e)
}

// SetRemote sets where services on other machines are backed up (app).
func (s *Service) SetRemote(r Remote) { s.remote = r }

// snapshots lists e's snapshots with tags, wherever its restic runs.
func (s *Service) snapshots(ctx context.Context, e Enrolled, repo Repo, tags []string) ([]Snapshot, error) {
	h, err := s.host(ctx, e)
	if err != nil {
		return nil, err
	}
	if h != nil {
		return h.Snapshots(ctx, repo, tags)
	}
	return s.engine.Snapshots(ctx, repo, tags)
}

// VerifyRestore restores the snapshot's paths below scratch with eng and compares
// every file the snapshot lists (restic ls) under paths with what was restored:
// present, a regular file, the same size; restic's --verify has read each file back
// against the snapshot. scratch is emptied first and removed afterwards. The agent
// runs the same check on its host.
func VerifyRestore(ctx context.Context, eng Engine, repo Repo, snapshot string, paths []string, scratch string) (files, mismatches int, err error) {
	if len(paths) == 0 {
		return 0, 0, errors.New("backup: no paths to verify")
	}
	if err := os.RemoveAll(scratch); err != nil {
		return 0, 0, err
	}
	if err := os.MkdirAll(scratch, 0o700); err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(scratch)
	for _, p := range paths {
		if err := eng.Restore(ctx, repo, snapshot, p, scratch); err != nil {
			return 0, 0, err
		}
	}
	nodes, err := eng.Files(ctx, repo, snapshot)
	if err != nil {
		return 0, 0, err
	}
	for _, n := range nodes {
		if n.Type != "file" || !under(n.Path, paths) {
			continue
		}
		files++
		fi, err := os.Lstat(filepath.Join(scratch, filepath.FromSlash(n.Path)))
		if err != nil || !fi.Mode().IsRegular() || fi.Size() != n.Size {
			mismatches++
		}
	}
	return files, mismatches, nil
}
