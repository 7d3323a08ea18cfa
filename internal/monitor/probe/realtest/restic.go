package realtest

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// Restic finds Debian's restic (/usr/bin/restic) and gives a fresh directory for a
// local repository in the test's temp dir (not yet initialised: the caller's code
// does that, as hostpact does when staff add a backup server). It skips, or fails
// under HOSTPACT_REQUIRE_REAL=1, when restic is missing or does not run.
func Restic(t testing.TB) (bin, repo string) {
	t.Helper()
	bin = Require(t, "restic", "restic")[0]
	if out, err := exec.Command(bin, "version").CombinedOutput(); err != nil {
		Missing(t, "restic", "restic version: "+err.Error()+": "+string(out))
	}
	return bin, filepath.Join(t.TempDir(), "repo")
}
