package backup

import (
	"context"
	"errors"
	"testing"
	"time"
)

type provList struct{ ps []Provisioned }

func (p *provList) ServicesAfter(_ context.Context, after int64, limit int) ([]Provisioned, error) {
	var out []Provisioned
	for _, x := range p.ps {
		if x.ServiceID > after && len(out) < limit {
			out = append(out, x)
		}
	}
	return out, nil
}

// The enrolment job enrols the live services of backed-up kinds on provisioning
// servers with a backup server, once, even when killed half-way; it leaves other
// kinds, unassigned servers and unplaced services alone, and stops an ended service.
func TestEnrolFromProvisioning(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, e *env) {
		sv := e.server("backup-ams", "/demo/repo")
		if err := e.svc.AssignHost(e.ctx, support, 3, sv.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.AssignHost(e.ctx, customer(7), 4, sv.ID); err == nil {
			t.Fatal("a customer assigned a backup server")
		}
		p := &provList{ps: []Provisioned{
			{ServiceID: 1, OrgID: 7, Ref: "hp1", Kind: "webhosting", ProvServerID: 3, Live: true},
			{ServiceID: 2, OrgID: 7, Ref: "hp2", Kind: "email", ProvServerID: 3, Live: true},
			{ServiceID: 3, OrgID: 7, Ref: "hp3", Kind: "vpn", ProvServerID: 3, Live: true},
			{ServiceID: 4, OrgID: 8, Ref: "hp4", Kind: "webhosting", ProvServerID: 9, Live: true}, // no backup server
			{ServiceID: 5, OrgID: 8, Ref: "hp5", Kind: "webhosting", Live: false},                 // not placed
			{ServiceID: 6, OrgID: 8, Ref: "hp6", Kind: "webhosting", ProvServerID: 3, Ended: true},
		}}
		e.svc.SetProvisioning(p)
		e.svc.set.Batch = 2 // pages of the keyset walk
		e.svc.failpoint = func(point string) error {
			if point == "before-enrol" {
				return errCrash
			}
			return nil
		}
		if err := e.svc.EnrolAll(e.ctx, e.clk.Now()); !errors.Is(err, errCrash) {
			t.Fatalf("crash: %v", err)
		}
		e.svc.failpoint = nil
		for range 2 {
			if err := e.svc.EnrolAll(e.ctx, e.clk.Now()); err != nil {
				t.Fatal(err)
			}
		}
		list, err := e.svc.StaffServices(e.ctx, support, StaffFilter{}, Page{})
		if err != nil || len(list) != 2 || list[0].Ref != "hp1" || list[1].Ref != "hp2" || list[0].ServerID != sv.ID {
			t.Fatalf("enrolled %+v %v", list, err)
		}
		p.ps[0].Live, p.ps[0].Ended = false, true
		e.clk.Advance(time.Hour)
		if err := e.svc.EnrolAll(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		if n := e.count("backup_services", "enabled = FALSE AND stopped_at IS NOT NULL AND ref = 'hp1'"); n != 1 {
			t.Fatalf("hp1 not stopped")
		}
		if n := e.count("audit_entries", "action = 'backup.stopped'"); n != 1 {
			t.Fatalf("%d stop audits", n)
		}
	})
}
