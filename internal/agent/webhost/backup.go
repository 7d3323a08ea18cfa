package webhost

import (
	"context"
	"fmt"
	"os"
)

// BackupPaths is what a backup of the account holds (agent.BackupData): its home,
// HomeBase/<ref>, with the site and everything the customer uploaded. The database is
// not in it yet: a dump would have to be made first and loaded again on restore.
func (m *Module) BackupPaths(_ context.Context, ref string) ([]string, error) {
	if _, err := m.managed(ref); err != nil {
		return nil, err
	}
	home := m.home(ref)
	if _, err := os.Stat(home); err != nil {
		return nil, fmt.Errorf("webhosting %s: home: %w", ref, err)
	}
	return []string{home}, nil
}
