package demo

import (
	"context"
	"testing"

	"github.com/hostpact/hostpact/internal/backup"
)

// TestSeedBackups: the demo has a demo backup server with the customers' services on
// it, each with the backups the retention rule keeps of forty nights (7 to 11), and a
// restore recorded from a ticket that is done; a second seed adds nothing.
func TestSeedBackups(t *testing.T) {
	eachSeeded(t, func(t *testing.T, s *seededDemo) {
		a := s.a // seeded twice
		ctx := context.Background()
		by := demoAdmin(t, a)
		svs, err := a.Backup.Servers(ctx, by)
		if err != nil || len(svs) != 1 || !svs[0].Demo {
			t.Fatalf("backup servers %+v %v", svs, err)
		}
		list, err := a.Backup.StaffServices(ctx, by, backup.StaffFilter{}, backup.Page{})
		if err != nil || len(list) < 3 {
			t.Fatalf("backed-up services %d %v", len(list), err)
		}
		for _, e := range list {
			_, runs, err := a.Backup.ServiceBackups(ctx, by, e.ID)
			if err != nil || len(runs) < 7 || len(runs) > 11 {
				t.Fatalf("%s (%s): %d restorable backups, %v", e.Ref, e.Kind, len(runs), err)
			}
		}
		rs, err := a.Backup.Restores(ctx, by, 0, backup.Page{})
		if err != nil || len(rs) != 1 || rs[0].Status != backup.RestoreDone || rs[0].Via != "ticket" {
			t.Fatalf("restores %+v %v", rs, err)
		}
	})
}
