package backup

import (
	"strings"
	"testing"
)

// FuzzParseBackup feeds restic's backup output parser arbitrary lines: it never
// panics, and it reports a snapshot only from a summary line that names one.
func FuzzParseBackup(f *testing.F) {
	f.Add(`{"message_type":"status","percent_done":0.5}` + "\n" + `{"message_type":"summary","files_new":1,"total_files_processed":1,"total_bytes_processed":6,"total_duration":0.2,"snapshot_id":"d7a89f3a"}`)
	f.Add(`{"message_type":"error","error":{"message":"permission denied"},"during":"archival","item":"/srv/x"}`)
	f.Add("not json\n{}")
	f.Fuzz(func(t *testing.T, out string) {
		res, err := parseBackup([]byte(out))
		if err == nil && (res.SnapshotID == "" || !strings.Contains(out, "summary")) {
			t.Fatalf("a snapshot from %q: %+v", out, res)
		}
	})
}
