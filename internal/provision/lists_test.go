package provision

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

// TestServiceListsInOneQuery: the lists of services (a customer's, a server's, the
// unplaced) read in one query show each service as the single-service read does: its
// server, and the task in progress or the refusal still standing (issue 16).
func TestServiceListsInOneQuery(t *testing.T) {
	each(t, Settings{}, func(t *testing.T, e *env) {
		sv := e.server("web1", 2)
		acme, beta := e.org("Acme"), e.org("Beta")
		e.order(acme, "webhosting", "pro")
		e.order(acme, "webhosting", "pro")
		e.order(beta, "webhosting", "pro")
		e.kit.Refuse("create", "quota reached")
		e.run() // two placed (one refused by the panel), one waits for room
		e.kit.Allow("create")
		e.order(beta, "webhosting", "pro") // queued, not yet run
		same := func(what string, list []ServiceView, want int) {
			t.Helper()
			if len(list) != want {
				t.Fatalf("%s: %d services, want %d", what, len(list), want)
			}
			for _, got := range list {
				one, err := e.svc.Service(e.ctx, support, got.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, one) {
					t.Errorf("%s: service %d listed as\n%+v %+v\nread alone as\n%+v %+v", what, got.ID, got, got.Task, one, one.Task)
				}
			}
		}
		on, err := e.svc.ServicesOn(e.ctx, support, sv.ID)
		if err != nil {
			t.Fatal(err)
		}
		same("on the server", on, 2)
		refused := 0
		for _, v := range on {
			if v.Task != nil && v.Task.Status == TaskRefused {
				refused++
			}
		}
		if refused != 2 {
			t.Errorf("%d services with the refusal standing, want 2", refused)
		}
		waiting, err := e.svc.Unplaced(e.ctx, support)
		if err != nil {
			t.Fatal(err)
		}
		same("unplaced", waiting, 2)
		for _, by := range []int64{acme.User.OrgID, beta.User.OrgID} {
			list, err := e.svc.Services(e.ctx, support, by)
			if err != nil {
				t.Fatal(err)
			}
			same("a customer's", list, 2)
		}
	})
}

// TestQueuePagesByKeyset: the queue read a page at a time (Before) holds every task
// once, newest first, as one long read does (issue 16).
func TestQueuePagesByKeyset(t *testing.T) {
	each(t, Settings{}, func(t *testing.T, e *env) {
		e.server("web1", 10)
		acme := e.org("Acme")
		for range 5 {
			e.order(acme, "webhosting", "pro")
		}
		e.run()
		for _, f := range []QueueFilter{{}, {Status: TaskDone}, {Open: true}} {
			all, err := e.svc.Queue(e.ctx, support, f)
			if err != nil {
				t.Fatal(err)
			}
			var paged []Task
			for p := f; ; {
				p.Limit = 2
				page, err := e.svc.Queue(e.ctx, support, p)
				if err != nil {
					t.Fatal(err)
				}
				paged = append(paged, page...)
				if len(page) < 2 {
					break
				}
				p.Before = page[len(page)-1].ID
			}
			if !reflect.DeepEqual(paged, all) {
				t.Errorf("%+v: pages %d tasks, one read %d", f, len(paged), len(all))
			}
		}
		if one, err := e.svc.Task(e.ctx, support, 1); err != nil || one.ID != 1 {
			t.Errorf("task 1: %+v %v", one, err)
		}
	})
}

// TestQueueAndListsUseTheirIndexes: each filter of the queue is a range of its index in
// id order (no scan of the tasks; on SQLite no sort but of the open ones), and a list of services finds each
// one's task by probing provision_tasks_service (issue 16).
func TestQueueAndListsUseTheirIndexes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, c := range []struct {
			f     QueueFilter
			index string
		}{
			{QueueFilter{}, ""},
			{QueueFilter{Before: 1000}, ""},
			{QueueFilter{Status: TaskFailed, Before: 1000}, "provision_tasks_status"},
			// The open tasks (few: the work outstanding) may be sorted.
			{QueueFilter{Open: true}, "provision_tasks_"},
			{QueueFilter{Open: true, ServerID: 3}, "provision_tasks_"},
			{QueueFilter{ServiceID: 7, Before: 1000}, "provision_tasks_service"},
		} {
			where, args := queueQuery(c.f)
			q := `SELECT ` + taskCols + ` FROM provision_tasks t JOIN provision_services v ON v.id = t.service_id ` + where
			text := strings.Join(storetest.NoFullScan(t, db, []string{"provision_tasks", "t"}, q, args...), "\n")
			if !strings.Contains(text, c.index) || (!c.f.Open && strings.Contains(text, "TEMP B-TREE")) {
				t.Errorf("%+v: not along %q without a sort:\n%s", c.f, c.index, text)
			}
		}
		text := strings.Join(storetest.NoFullScan(t, db, []string{"provision_tasks", "t", "a", "b", "d"},
			viewsQuery+`WHERE v.org_id = $1 ORDER BY v.id DESC`, int64(7)), "\n")
		if !strings.Contains(text, "provision_tasks_service") {
			t.Errorf("the services' tasks not probed by service:\n%s", text)
		}
	}, Schema)
}
