package mailhost

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// BackupPaths is what a backup of the account holds (agent.BackupData): the maildirs
// of its domain, MailDir/<domain>; an account whose mailboxes never received or
// stored a message may have none yet, and then has nothing to back up.
func (m *Mailhost) BackupPaths(_ context.Context, ref string) ([]string, error) {
	m.mu.Lock()
	acc, err := m.store.load(ref)
	m.mu.Unlock()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(m.cfg.MailDir, acc.Domain)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("mailhost %s: maildirs: %w", ref, err)
	}
	return []string{dir}, nil
}
