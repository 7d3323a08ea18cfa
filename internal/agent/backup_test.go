package agent_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/agent"
)

func backupHandler(t testing.TB, log *logRecorder) http.Handler {
	b := agent.NewBackups(agent.BackupConfig{Restic: "/nonexistent/restic", Repositories: []string{"rest:https://backup.internal/repo"}}, t.TempDir())
	return agent.HandlerWith(memModules(), b, slogTo(log))
}

// Backup requests are checked before restic sees them: the repository is one the
// agent's configuration allows, tags and snapshot ids have restic's shapes, and a
// module that names no data refuses; without a backup section there are no routes.
func TestBackupRequestsAreValidated(t *testing.T) {
	t.Parallel()
	var log logRecorder
	h := backupHandler(t, &log)
	const repo = `"repo":{"location":"rest:https://backup.internal/repo","password":"Backup-Pass-123"}`
	for _, c := range []struct {
		path, body string
		code       int
		kind       string
	}{
		{"/v1/backups/snapshots", `{"repo":{"location":"/etc","password":"Backup-Pass-123"}}`, 400, agent.CodeBadRequest},
		{"/v1/backups/snapshots", `{"repo":{"location":"rest:https://backup.internal/repo","password":"a\nb"}}`, 400, agent.CodeBadRequest},
		{"/v1/backups/snapshots", `{` + repo + `,"tags":["--password-file=/x"]}`, 400, agent.CodeBadRequest},
		{"/v1/backups/forget", `{` + repo + `,"ids":["--keep-last"]}`, 400, agent.CodeBadRequest},
		{"/v1/backups/restore/webhosting/hp1", `{` + repo + `,"snapshot":"latest"}`, 409, agent.CodeRefused},
		{"/v1/backups/backup/webhosting/HP..1", `{` + repo + `}`, 400, agent.CodeBadRequest},
		{"/v1/backups/backup/vpn/hp1", `{` + repo + `}`, 400, agent.CodeBadRequest},
		{"/v1/backups/backup/webhosting/hp1", `{` + repo + `,"tags":["hp-service=hp1"]}`, 409, agent.CodeRefused}, // the memory module names no data
	} {
		w := do(h, "POST", c.path, c.body)
		if w.Code != c.code || wireError(t, w).Code != c.kind {
			t.Errorf("%s %s: %d %s", c.path, c.body, w.Code, w.Body)
		}
	}
	// A valid request reaches restic (missing here): an internal error, and neither
	// the answer nor the log holds the password.
	w := do(h, "POST", "/v1/backups/snapshots", `{`+repo+`,"tags":["hp-service=hp1","hp-day=2026-01-05"]}`)
	if w.Code != 500 || strings.Contains(w.Body.String(), "Backup-Pass") {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if !strings.Contains(log.buf.String(), "/v1/backups/snapshots") || strings.Contains(log.buf.String(), "Backup-Pass") {
		t.Fatalf("log %q", log.buf.String())
	}
	if w := do(agent.Handler(memModules(), nil), "POST", "/v1/backups/snapshots", `{`+repo+`}`); w.Code != 404 {
		t.Fatalf("without backups: %d", w.Code)
	}
}

func FuzzBackupRequest(f *testing.F) {
	ops := []string{"snapshots", "forget", "prune", "init", "backup/webhosting/hp1", "restore/webhosting/hp1", "verify/webhosting/hp1"}
	f.Add(uint8(0), `{"repo":{"location":"rest:https://backup.internal/repo","password":"p"},"tags":["hp-service=hp1"]}`)
	f.Add(uint8(1), `{"repo":{"location":"x","password":"p"},"ids":["abcdef12"]}`)
	f.Add(uint8(6), `{"repo":{},"snapshot":"abcdef12"}`)
	var log logRecorder
	h := backupHandler(f, &log)
	f.Fuzz(func(t *testing.T, op uint8, body string) {
		path := "/v1/backups/" + ops[int(op)%len(ops)]
		// Only forgetting nothing succeeds without restic.
		if w := do(h, "POST", path, body); w.Code == 200 || (w.Code == 204 && !strings.HasSuffix(path, "/forget")) {
			t.Fatalf("%s %q succeeded without restic", path, body)
		}
	})
}
