package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/backup"
	"github.com/hostpact/hostpact/internal/terms"
)

// The backup pages (issue 15, "Backups"): the customer sees each backed-up service's
// backups by date and asks for one to be restored into the service after a
// confirmation (INTERPRETATION.md A05, cp.sla.backups.1-2); staff see every service's
// last good backup (with the filter "no good backup within 36 hours"), the runs, the
// restores, the quarterly restore tests and the quarters missed (cp.security.backup.3),
// and record a restore asked for in a ticket. The backup service decides who may do
// what; these pages only hide buttons a person could not use.

func (s *server) backupRoutes(staff, portal func(string, handlerFunc)) {
	portal("GET /portal/backups", s.portalBackups)
	portal("GET /portal/backups/{id}", s.portalBackupService)
	portal("GET /portal/backups/{id}/restore", s.confirmGet(s.backupRestorePage(false)))
	portal("POST /portal/backups/{id}/restore", s.confirmPost(s.backupRestorePage(false), nil, s.backupRestore(false)))
	staff("GET /staff/backups", s.staffBackups)
	s.backupStaffFormRoutes(staff)
	staff("GET /staff/backups/{id}", s.staffBackupService)
	staff("GET /staff/backups/{id}/restore", s.confirmGet(s.backupRestorePage(true)))
	staff("POST /staff/backups/{id}/restore", s.confirmPost(s.backupRestorePage(true), nil, s.backupRestore(true)))
}

// BackupsNav: the portal offers the backup pages.
func (p *page) BackupsNav() bool {
	return p.Backups && p.P != nil && p.P.Org != nil && p.P.Can(accounts.BackupRead, p.P.Org.Ref())
}

// BackupsStaffNav: the staff navigation offers the backup pages.
func (p *page) BackupsStaffNav() bool {
	return p.Backups && p.P != nil && p.P.Can(accounts.BackupRead, accounts.Provider)
}

type portalBackupsView struct {
	Services []backup.Enrolled
	Restores []backup.Restore
}

func (s *server) portalBackups(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	ctx := r.Context()
	list, err := s.bk.CustomerServices(ctx, *p, p.Org.ID)
	if err != nil {
		return err
	}
	rs, err := s.bk.Restores(ctx, *p, p.Org.ID, backup.Page{Limit: 20})
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "bk.title")
	pg.Nav, pg.Data = "backups", portalBackupsView{Services: list, Restores: rs}
	s.render(w, http.StatusOK, "portal_backups", pg)
	return nil
}

type backupServiceView struct {
	Service    backup.Enrolled
	Runs       []backup.Run
	Restores   []backup.Restore
	MayRestore bool
	Staff      bool
	NextURL    string
}

func (s *server) portalBackupService(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	e, runs, err := s.bk.ServiceBackups(ctx, *p, id)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	pg.Title, pg.Nav = pg.T("bk.service_title", backupName(e)), "backups"
	pg.Data = backupServiceView{Service: e, Runs: runs, MayRestore: p.Can(accounts.BackupRestore, accounts.OrgID(e.OrgID))}
	s.render(w, http.StatusOK, "portal_backups_service", pg)
	return nil
}

func backupName(e backup.Enrolled) string {
	switch {
	case e.Domain != "" && e.Name != "":
		return e.Name + " (" + e.Domain + ")"
	case e.Domain != "":
		return e.Domain
	case e.Name != "":
		return e.Name
	}
	return e.Ref
}

func backupBase(staff bool, id int64) string {
	if staff {
		return "/staff/backups/" + strconv.FormatInt(id, 10)
	}
	return "/portal/backups/" + strconv.FormatInt(id, 10)
}

// backupRestorePage asks to confirm the restore of the backup ?run= into the service;
// staff also give the ticket the request came in.
func (s *server) backupRestorePage(staff bool) confirmPage {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
		e, runs, err := s.bk.ServiceBackups(r.Context(), *p, id)
		if err != nil {
			return err
		}
		runID, _ := strconv.ParseInt(r.URL.Query().Get("run"), 10, 64)
		var run backup.Run
		for _, x := range runs {
			if x.ID == runID {
				run = x
			}
		}
		if runID == 0 && len(runs) > 0 {
			run = runs[0] // no day chosen: the most recent backup
		}
		if run.ID == 0 {
			return accounts.ErrNotFound
		}
		pg.Title = pg.T("bk.restore_title")
		pg.Nav = "backups"
		base := backupBase(staff, id)
		v := confirmView{Question: pg.T("bk.restore_question", pg.DayText(run.Day), backupName(e)),
			Details: []string{pg.T("bk.restore_detail")}, Action: base + "/restore?run=" + strconv.FormatInt(run.ID, 10),
			Submit: "bk.restore", Cancel: base, Danger: true}
		if staff {
			v.Sets = []fieldset{{Fields: []field{{Name: "ticket", Label: "bk.ticket", Type: "text", Required: true, Max: 100, Hint: "bk.ticket_hint"}}}}
		}
		pg.Data = v
		s.render(w, status, "confirm", pg)
		return nil
	}
}

func (s *server) backupRestore(staff bool) confirmAct {
	return func(r *http.Request, p *accounts.Principal, pg *page, f *form, id int64) (string, string, error) {
		runID, _ := strconv.ParseInt(r.URL.Query().Get("run"), 10, 64)
		in := backup.RestoreRequest{ServiceID: id, RunID: runID}
		if staff {
			in.Ticket = strings.TrimSpace(f.Get("ticket"))
			if in.Ticket == "" {
				f.Errors["ticket"] = pg.T("bk.ticket_required")
				return "", "", nil
			}
		}
		if _, err := s.bk.RequestRestore(r.Context(), *p, in); err != nil {
			return "", "", err
		}
		return "bk_restore_queued", backupBase(staff, id), nil
	}
}

type staffBackupsView struct {
	Services []backup.Enrolled
	Stale    bool
	NextURL  string
	Servers  []backup.Server
	Missed   []string
	Tests    []backup.RestoreTest
	Restores []backup.Restore
	Runs     []backup.Run
	StaleAt  time.Time
	Manage   bool
}

func (s *server) staffBackups(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	ctx := r.Context()
	q := r.URL.Query()
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	v := staffBackupsView{Stale: q.Get("stale") == "1"}
	const per = 50
	list, err := s.bk.StaffServices(ctx, *p, backup.StaffFilter{Stale: v.Stale}, backup.Page{After: after, Limit: per})
	if err != nil {
		return err
	}
	v.Services = list
	if len(list) == per {
		next := "/staff/backups?after=" + strconv.FormatInt(list[len(list)-1].ID, 10)
		if v.Stale {
			next += "&stale=1"
		}
		v.NextURL = next
	}
	if v.Servers, err = s.bk.Servers(ctx, *p); err != nil {
		return err
	}
	if v.Missed, err = s.bk.MissedRestoreTests(ctx, *p); err != nil {
		return err
	}
	if v.Tests, err = s.bk.RestoreTests(ctx, *p, 8); err != nil {
		return err
	}
	if v.Restores, err = s.bk.Restores(ctx, *p, 0, backup.Page{Limit: 10}); err != nil {
		return err
	}
	if v.Runs, err = s.bk.Runs(ctx, *p, 0, backup.Page{Limit: 15}); err != nil {
		return err
	}
	v.StaleAt = s.clock.Now().Add(-s.bk.Settings().StaleAfter)
	v.Manage = p.Can(accounts.BackupManage, accounts.Provider)
	pg := s.newPage(w, r, "bk.staff_title")
	pg.Nav, pg.Data = "backups", v
	s.render(w, http.StatusOK, "staff_backups", pg)
	return nil
}

func (s *server) staffBackupService(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	e, _, err := s.bk.ServiceBackups(ctx, *p, id)
	if err != nil {
		return err
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	const per = 40
	runs, err := s.bk.Runs(ctx, *p, id, backup.Page{After: after, Limit: per})
	if err != nil {
		return err
	}
	v := backupServiceView{Service: e, Runs: runs, Staff: true, MayRestore: p.Can(accounts.BackupRestore, accounts.OrgID(e.OrgID))}
	if len(runs) == per {
		v.NextURL = backupBase(true, id) + "?after=" + strconv.FormatInt(runs[len(runs)-1].ID, 10)
	}
	pg := s.newPage(w, r, "")
	pg.Title, pg.Nav = pg.T("bk.service_title", backupName(e)), "backups"
	pg.Data = v
	s.render(w, http.StatusOK, "staff_backups_service", pg)
	return nil
}

// DayText writes a YYYY-MM-DD day in words.
func (p *page) DayText(day string) string {
	d, err := terms.ParseDate(day)
	if err != nil {
		return day
	}
	return d.In(p.Lang)
}

// Bytes writes a size for people: 1.2 GB.
func (p *page) Bytes(n int64) string {
	units := []string{"B", "KB", "MB", "GB", "TB"}
	f := float64(n)
	i := 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	s := strconv.FormatFloat(f, 'f', 1, 64)
	if i == 0 {
		s = strconv.FormatInt(n, 10)
	}
	if p.Lang == "nl" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + " " + units[i]
}
