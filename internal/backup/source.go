package backup

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// Source says what of a service is backed up and where a restore puts it back: the
// service's data directory as its provisioning driver or agent exposes it. Paths are
// absolute; a restore writes each file at RestoreTarget + its path in the snapshot, so
// "/" restores in place, into the same service.
type Source interface {
	Paths(ctx context.Context, s Enrolled) ([]string, error)
	RestoreTarget(ctx context.Context, s Enrolled) (string, error)
}

// LocalSource backs up services whose data live on this machine under Root, one
// directory per service named by its ref (driver.ValidRef), and restores them in place.
// The agent and drivers that expose a remote service's data directory are to implement
// Source the same way.
type LocalSource struct{ Root string }

// Paths is Root/<ref>; a service without a directory there has nothing to back up.
func (l LocalSource) Paths(_ context.Context, s Enrolled) ([]string, error) {
	if l.Root == "" {
		return nil, fmt.Errorf("backup: no local data root")
	}
	dir, err := filepath.Abs(filepath.Join(l.Root, s.Ref))
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("backup: data of %s: %w", s.Ref, err)
	}
	return []string{dir}, nil
}

// RestoreTarget is "/": the files go back where they were.
func (LocalSource) RestoreTarget(context.Context, Enrolled) (string, error) { return "/", nil }
