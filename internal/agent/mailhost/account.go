package mailhost

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/provision/driver"
)

// account is the module's record of one e-mail hosting account, kept as one JSON file
// per Ref in the data directory. These files are the truth: Dovecot's passwd-file and
// Postfix's maps are rendered from all of them after every change, so a change cut
// short by a crash is completed by the next one (or by a retry of the same call).
type account struct {
	Ref     string         `json:"ref"`
	Domain  string         `json:"domain"`
	Package driver.Package `json:"package"`
	// Suspended refuses the mailboxes' logins; mail is still accepted.
	Suspended bool                 `json:"suspended,omitempty"`
	Reason    driver.SuspendReason `json:"reason,omitempty"`
	// Terminated refuses logins and delivery; the maildirs stay until DeleteData.
	Terminated bool      `json:"terminated,omitempty"`
	Mailboxes  []mailbox `json:"mailboxes"`
	Aliases    []alias   `json:"aliases,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// mailbox is one virtual user; Mailboxes[0] is the account's own, whose password is
// the account's secret.
type mailbox struct {
	Local string `json:"local"`
	Hash  string `json:"hash"` // Dovecot scheme-prefixed password hash
}

// alias forwards local@domain to its targets.
type alias struct {
	Local   string   `json:"local"`
	Targets []string `json:"targets"`
}

func (a *account) address(local string) string { return local + "@" + a.Domain }

func (a *account) mailbox(local string) int {
	return slices.IndexFunc(a.Mailboxes, func(m mailbox) bool { return m.Local == local })
}

func (a *account) alias(local string) int {
	return slices.IndexFunc(a.Aliases, func(x alias) bool { return x.Local == local })
}

// store keeps the account files under dir.
type store struct{ dir string }

func (s store) path(ref string) string { return filepath.Join(s.dir, ref+".json") }

// load returns the account with ref, or driver.ErrNotFound.
func (s store) load(ref string) (*account, error) {
	if err := driver.ValidRef(ref); err != nil {
		return nil, fmt.Errorf("%w: %v", driver.ErrNotFound, err)
	}
	b, err := os.ReadFile(s.path(ref))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", driver.ErrNotFound, ref)
	}
	if err != nil {
		return nil, err
	}
	var a account
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("mailhost: account file %s: %w", s.path(ref), err)
	}
	if a.Ref != ref || validDomain(a.Domain) != nil || len(a.Mailboxes) == 0 {
		return nil, fmt.Errorf("mailhost: account file %s is inconsistent", s.path(ref))
	}
	return &a, nil
}

// all returns every account, ordered by Ref.
func (s store) all() ([]*account, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, err
	}
	var out []*account
	for _, e := range entries {
		ref, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || e.IsDir() || driver.ValidRef(ref) != nil {
			continue
		}
		a, err := s.load(ref)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ref < out[j].Ref })
	return out, nil
}

// save writes the account atomically. The file holds password hashes, so only the
// agent (root) reads it.
func (s store) save(a *account) error {
	b, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(s.path(a.Ref), append(b, '\n'), 0o600, -1)
}

func (s store) remove(ref string) error {
	err := os.Remove(s.path(ref))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err == nil {
		err = syncDir(s.dir)
	}
	return err
}

// writeAtomic replaces path with data: a temporary file in the same directory, synced,
// given its mode (and group, gid >= 0), then renamed over path, so a reader (Dovecot's
// auth process stats and re-reads its passwd-file) never sees half a file.
func writeAtomic(path string, data []byte, mode os.FileMode, gid int) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if gid >= 0 {
		if err := f.Chown(-1, gid); err != nil {
			f.Close()
			return err
		}
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
