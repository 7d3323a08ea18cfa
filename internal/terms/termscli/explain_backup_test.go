package termscli

import (
	"fmt"
	"strings"
	"testing"
)

func TestExplainBackupRetention(t *testing.T) {
	var ds []string
	for d := 1; d <= 31; d++ {
		ds = append(ds, fmt.Sprintf("2026-01-%02d", d))
	}
	for d := 1; d <= 9; d++ {
		ds = append(ds, fmt.Sprintf("2026-02-%02d", d))
	}
	a := explainJSON(t, "backup-retention", "--policy", "cloudprovider", "--backups", strings.Join(ds, ","))
	keep := fmt.Sprint(a["result"].(map[string]any)["keep"])
	want := "[2026-01-25 2026-02-01 2026-02-03 2026-02-04 2026-02-05 2026-02-06 2026-02-07 2026-02-08 2026-02-09]"
	if keep != want {
		t.Fatalf("keep = %s, want %s", keep, want)
	}
	if code, _, errs := run("explain", "backup-retention", "--policy", "cloudprovider", "--backups", "2026-02-30"); code == 0 || !strings.Contains(errs, "--backups") {
		t.Fatalf("a bad date: exit %d, %s", code, errs)
	}
	if code, _, errs := run("explain", "backup-retention", "--policy", "5online", "--backups", "2026-02-03"); code == 0 || !strings.Contains(errs, "no backups") {
		t.Fatalf("5online: exit %d, %s", code, errs)
	}
}
