package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/app"
	"github.com/hostpact/hostpact/internal/backup"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/contracts"
)

// demoBackupDays is how far back the demo's backup history goes: long enough for the
// retention rule to have removed the older ones (7 daily plus 4 weekly, A05).
const demoBackupDays = 40

// seedBackups gives the demo a backup history without restic: a demo backup server
// (backup.DemoEngine records runs and copies nothing, and the staff page says so),
// the demo customers' web, e-mail, VPS and container services on it (the VPS because
// its customer bought the backup add-on, cp.sla.backups.3), forty nightly runs with
// the retention rule applied after each night, and one restore staff recorded from a
// ticket, done and mailed. It runs once: a database with backup servers is left alone.
func seedBackups(ctx context.Context, a *app.App, by accounts.Principal, subs []contracts.Subscription) error {
	if a.Backup == nil || a.Provision == nil || !a.Pack.Latest().Terms.Backups.Promised() {
		return nil
	}
	have, err := a.Backup.Servers(ctx, by)
	if err != nil || len(have) > 0 {
		return err
	}
	sv, err := a.Backup.AddServer(ctx, by, backup.ServerInput{Name: "backup01.fra (demo)", Repository: "demo://backup01.fra/hostpact",
		Password: "demo-repository-password", Demo: true})
	if err != nil {
		return fmt.Errorf("backup server: %w", err)
	}
	var first backup.Enrolled
	for _, sub := range subs {
		switch sub.Kind {
		case "webhosting", "email", "vps", "containers", "hosting":
		default:
			continue
		}
		v, err := a.Provision.ServiceOf(ctx, by, sub.ID)
		if errors.Is(err, accounts.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		e, err := a.Backup.Enroll(ctx, by, backup.Enrolment{ServiceID: v.ID, OrgID: v.OrgID, Ref: v.Ref, Kind: string(v.Kind),
			Name: v.Name, Domain: v.Domain, ServerID: sv.ID})
		if err != nil {
			return fmt.Errorf("enrol %s: %w", v.Ref, err)
		}
		if first.ID == 0 {
			first = e
		}
	}
	// The nightly runs of the last forty days, each at 03:00 in Amsterdam, with the
	// retention rule applied after each, as the jobs would have done.
	now := a.Clock.Now().In(clock.Amsterdam)
	for i := demoBackupDays; i >= 1; i-- {
		d := now.AddDate(0, 0, -i)
		at := time.Date(d.Year(), d.Month(), d.Day(), 3, 0, 0, 0, clock.Amsterdam)
		if err := a.Backup.RunDaily(ctx, at); err != nil {
			return fmt.Errorf("backup run of %s: %w", at.Format("2006-01-02"), err)
		}
		if err := a.Backup.Forget(ctx, at.Add(time.Hour)); err != nil {
			return fmt.Errorf("retention of %s: %w", at.Format("2006-01-02"), err)
		}
	}
	if first.ID == 0 {
		return nil
	}
	// A customer asked by ticket for the files of three days ago; staff recorded it
	// and the restore job carried it out.
	_, runs, err := a.Backup.ServiceBackups(ctx, by, first.ID)
	if err != nil || len(runs) < 3 {
		return err
	}
	if _, err := a.Backup.RequestRestore(ctx, by, backup.RestoreRequest{ServiceID: first.ID, RunID: runs[2].ID, Ticket: "#1042"}); err != nil {
		return fmt.Errorf("demo restore: %w", err)
	}
	return a.Backup.RunRestores(ctx, a.Clock.Now())
}
