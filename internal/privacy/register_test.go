package privacy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRegisterSeedCitesClauses: every clause id the seeded register cites exists in the
// clause register (skipped when it is not next to the repository).
func TestRegisterSeedCitesClauses(t *testing.T) {
	var text string
	for _, p := range []string{filepath.Join("..", "..", "..", "shared", "clauses.yaml"), filepath.Join("..", "..", "..", "..", "shared", "clauses.yaml")} {
		if b, err := os.ReadFile(p); err == nil {
			text = string(b)
			break
		}
	}
	if text == "" {
		t.Skip("clauses.yaml not available")
	}
	seen := map[string]bool{}
	for _, a := range seedActivities {
		if seen[a.key] {
			t.Errorf("activity %s twice", a.key)
		}
		seen[a.key] = true
		for _, id := range strings.Split(a.clauses, ",") {
			if id = strings.TrimSpace(id); !strings.Contains(text, "id: "+id+"\n") {
				t.Errorf("activity %s cites %s, which clauses.yaml does not have", a.key, id)
			}
		}
	}
	for _, k := range []string{"account", "orders", "newsletter", "portal", "contact", "domains", "hosting", "vps", "email", "email-marketing", "vpn", "server-logs", "applications"} {
		if !seen[k] {
			t.Errorf("purpose %s of cp.privacy missing from the register", k)
		}
	}
}
