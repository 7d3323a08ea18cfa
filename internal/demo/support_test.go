package demo

import (
	"context"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/app"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/support"
)

// TestDemoSupportTickets: the demo shows a complaint with its clock, a change request
// with its fields and a ticket waiting for the customer; seeding twice adds nothing.
func TestDemoSupportTickets(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite, app.Schemas()...)
	a := demoApp(t, db, time.Date(2026, 12, 18, 9, 0, 0, 0, time.UTC))
	ctx := context.Background()
	for range 2 {
		if err := seed(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	admin, err := a.Accounts.FindUserByEmail(ctx, staff[0].email)
	if err != nil {
		t.Fatal(err)
	}
	ts, _, err := a.Support.List(ctx, accounts.Principal{User: admin}, support.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[support.Category]support.Ticket{}
	for _, x := range ts {
		got[x.Category] = x
	}
	if len(ts) != 3 || !got[support.Complaint].ComplaintOpen() || got[support.Complaint].OrgID == 0 ||
		got[support.ChangeRequest].Fields["change"] == "" || got[support.Question].Status != support.StatusWaiting {
		t.Fatalf("demo tickets: %+v", ts)
	}
}
