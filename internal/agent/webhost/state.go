package webhost

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/provision/driver"
)

// Status is where an account is in its life on this server.
type Status string

const (
	// StatusCreating is written before the first thing is made, so that an account a
	// crash left half-made is still the module's to finish or remove.
	StatusCreating   Status = "creating"
	StatusActive     Status = "active"
	StatusSuspended  Status = "suspended"
	StatusTerminated Status = "terminated"
	// StatusDeleting is written before the first thing is removed.
	StatusDeleting Status = "deleting"
)

// state is the small file the module keeps per account in its data directory: what it
// manages, independent of parsing nginx or PHP-FPM configuration. No secret is kept.
type state struct {
	Ref       string               `json:"ref"`
	Domain    string               `json:"domain"`
	Package   driver.Package       `json:"package"`
	Status    Status               `json:"status"`
	Reason    driver.SuspendReason `json:"reason,omitempty"`
	CreatedAt time.Time            `json:"created_at"`
	UpdatedAt time.Time            `json:"updated_at"`
}

func (m *Module) statePath(ref string) string { return filepath.Join(m.dataDir, ref+".json") }

// load returns the account's state, or ok false when the module does not manage ref.
func (m *Module) load(ref string) (st state, ok bool, err error) {
	data, err := os.ReadFile(m.statePath(ref))
	if errors.Is(err, fs.ErrNotExist) {
		return state{}, false, nil
	}
	if err != nil {
		return state{}, false, err
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return state{}, false, err
	}
	return st, true, nil
}

// save replaces the state file atomically (write, sync, rename), so a crash leaves the
// old state or the new one.
func (m *Module) save(st state) error {
	st.UpdatedAt = m.clock.Now()
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(m.statePath(st.Ref), data, 0o600)
}

func (m *Module) forget(ref string) error {
	err := os.Remove(m.statePath(ref))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// all returns every account the module manages, sorted by ref.
func (m *Module) all() ([]state, error) {
	entries, err := os.ReadDir(m.dataDir)
	if err != nil {
		return nil, err
	}
	var out []state
	for _, e := range entries {
		ref, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || driver.ValidRef(ref) != nil {
			continue
		}
		st, ok, err := m.load(ref)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, st)
		}
	}
	slices.SortFunc(out, func(a, b state) int { return strings.Compare(a.Ref, b.Ref) })
	return out, nil
}

func writeAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func removeFile(path string) (removed bool, err error) {
	err = os.Remove(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}
