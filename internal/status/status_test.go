package status_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/sla"
	"github.com/hostpact/hostpact/internal/status"
	"github.com/hostpact/hostpact/internal/status/statustest"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

var (
	t0      = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	support = accounts.Principal{User: accounts.User{ID: 1, Email: "support@example.test", Roles: []accounts.Role{accounts.RoleSupport}}}
	sales   = accounts.Principal{User: accounts.User{ID: 2, Email: "sales@example.test", Roles: []accounts.Role{accounts.RoleSales}}}
	client  = accounts.Principal{User: accounts.User{ID: 4, OrgID: 7, OrgAdmin: true, Email: "c@example.test"},
		Org: &accounts.Organisation{ID: 7, Kind: accounts.Consumer}}
)

type kit struct {
	svc  *status.Service
	db   *store.DB
	clk  *clock.Fake
	mon  *statustest.Monitor
	keys *secrets.Keyring
}

func newKit(t *testing.T, db *store.DB) kit {
	t.Helper()
	pk, err := terms.LoadPack("cloudprovider")
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(t0)
	mon := &statustest.Monitor{
		Servers: []monitor.Server{
			{ID: 1, Name: "web1", Kind: "webhosting", Location: "ams1"},
			{ID: 2, Name: "web2", Kind: "webhosting", Location: "ams1"},
			{ID: 3, Name: "vpn1", Kind: "vpn", Location: "rtm1"},
		},
		Placements: []monitor.Placement{{SubscriptionID: 10, OrgID: 7, ServerID: 1}, {SubscriptionID: 11, OrgID: 8, ServerID: 1}, {SubscriptionID: 12, OrgID: 7, ServerID: 3}},
	}
	keys := secrets.Ephemeral()
	svc := status.New(db, clk, status.Deps{Pack: pk, Monitor: mon, Keys: keys, BaseURL: "https://portal.example/",
		Customers: statustest.Customers{7: {Email: "anna@klant.test", Name: "Anna", Lang: "nl"}, 8: {Email: "bob@client.test", Name: "Bob", Lang: "en"}}})
	return kit{svc, db, clk, mon, keys}
}

type mail struct {
	To, Lang, Subject, Text, Unsub string
	OrgID                          int64
	Secret                         bool
}

func outbox(t *testing.T, db *store.DB) []mail {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT to_addr, lang, subject, body_text, list_unsubscribe, org_id, secret FROM mail_outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []mail
	for rows.Next() {
		var m mail
		if err := rows.Scan(&m.To, &m.Lang, &m.Subject, &m.Text, &m.Unsub, &m.OrgID, &m.Secret); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

var schemas = []store.Schema{audit.Schema, notify.Schema, status.Schema}

func TestIncidentLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		k := newKit(t, db)
		in := status.IncidentInput{TitleNL: "Trage mail", MessageNL: "We kijken ernaar.", Impact: "minor", ServerIDs: []int64{1}}
		for _, by := range []accounts.Principal{sales, client} {
			if _, err := k.svc.OpenIncident(ctx, by, in); err == nil {
				t.Fatalf("%s may not open incidents", by.User.Email)
			}
		}
		var fe accounts.FieldErrors
		if _, err := k.svc.OpenIncident(ctx, support, status.IncidentInput{Impact: "huge"}); !errors.As(err, &fe) || fe["title_nl"].IsZero() || fe["impact"].IsZero() {
			t.Fatalf("want field errors, got %v", err)
		}
		inc, err := k.svc.OpenIncident(ctx, support, in)
		if err != nil {
			t.Fatal(err)
		}
		if inc.Status != status.Investigating || !inc.Open() || inc.Title("en") != "Trage mail" || len(inc.Updates) != 1 {
			t.Fatalf("opened: %+v", inc)
		}
		k.clk.Advance(10 * time.Minute)
		if inc, err = k.svc.PostUpdate(ctx, support, inc.ID, status.UpdateInput{Status: status.Identified, MessageNL: "Oorzaak gevonden.", MessageEN: "Found it."}); err != nil {
			t.Fatal(err)
		}
		if inc.Status != status.Identified || inc.Updates[1].Message("en") != "Found it." {
			t.Fatalf("updated: %+v", inc)
		}
		if inc, err = k.svc.Resolve(ctx, support, inc.ID, "Opgelost.", ""); err != nil {
			t.Fatal(err)
		}
		if inc.Open() || inc.Resolution("en") != "Opgelost." || !inc.ResolvedAt.Equal(t0.Add(10*time.Minute)) {
			t.Fatalf("resolved: %+v", inc)
		}
		if _, err := k.svc.PostUpdate(ctx, support, inc.ID, status.UpdateInput{Status: status.Monitoring, MessageNL: "x"}); err == nil {
			t.Fatal("a resolved incident takes no updates")
		}
		list, err := k.svc.Incidents(ctx, sales, 0) // every staff member reads
		if err != nil || len(list) != 1 {
			t.Fatalf("list = %v, %v", list, err)
		}
		if _, err := k.svc.Incidents(ctx, client, 0); err == nil {
			t.Fatal("customers do not read the staff list")
		}
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_entries WHERE object_kind = 'incident'`).Scan(&n); err != nil || n != 3 {
			t.Fatalf("audit entries = %d, %v", n, err)
		}
	}, schemas...)
}

// A confirmed outage of a server with services opens one automatic incident; a second
// outage of the same server joins it; a server without services opens none. When the
// last outage ends, the automatic incident resolves itself.
func TestHooksOpenAndResolveAutomaticIncidents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		k := newKit(t, db)
		inTx := func(fn func(q store.Querier) error) {
			t.Helper()
			if err := db.InTx(ctx, fn); err != nil {
				t.Fatal(err)
			}
		}
		imap := k.mon.Start(monitor.Outage{ServerID: 1, Component: "imap", From: t0})
		inTx(func(q store.Querier) error { return k.svc.OutageStarted(ctx, q, imap) })
		inTx(func(q store.Querier) error { return k.svc.OutageStarted(ctx, q, imap) }) // repeated: nothing twice
		smtp := k.mon.Start(monitor.Outage{ServerID: 1, Component: "smtp", From: t0.Add(time.Minute)})
		inTx(func(q store.Querier) error { return k.svc.OutageStarted(ctx, q, smtp) })
		lonely := k.mon.Start(monitor.Outage{ServerID: 2, Component: "http", From: t0})
		inTx(func(q store.Querier) error { return k.svc.OutageStarted(ctx, q, lonely) })

		list, err := k.svc.Incidents(ctx, support, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || !list[0].Automatic || len(list[0].Outages) != 2 || list[0].ServerIDs[0] != 1 || !strings.Contains(list[0].Title("en"), "web1") {
			t.Fatalf("incidents: %+v", list)
		}
		inTx(func(q store.Querier) error {
			return k.svc.OutageEnded(ctx, q, k.mon.End(imap.ID, t0.Add(107*time.Minute)))
		})
		inc, _ := k.svc.Incident(ctx, support, list[0].ID)
		if !inc.Open() {
			t.Fatal("resolved while smtp is still down")
		}
		inTx(func(q store.Querier) error {
			return k.svc.OutageEnded(ctx, q, k.mon.End(smtp.ID, t0.Add(110*time.Minute)))
		})
		inc, _ = k.svc.Incident(ctx, support, list[0].ID)
		if inc.Open() || inc.Updates[len(inc.Updates)-1].Status != status.Resolved {
			t.Fatalf("automatic incident after recovery: %+v", inc)
		}

		// An incident staff spoke on waits for them: a "monitoring" update instead.
		o := k.mon.Start(monitor.Outage{ServerID: 3, Component: "wireguard", From: t0.Add(3 * time.Hour)})
		inTx(func(q store.Querier) error { return k.svc.OutageStarted(ctx, q, o) })
		list, _ = k.svc.Incidents(ctx, support, 0)
		if _, err := k.svc.PostUpdate(ctx, support, list[0].ID, status.UpdateInput{Status: status.Identified, MessageNL: "Stroomstoring"}); err != nil {
			t.Fatal(err)
		}
		inTx(func(q store.Querier) error { return k.svc.OutageEnded(ctx, q, k.mon.End(o.ID, t0.Add(4*time.Hour))) })
		inc, _ = k.svc.Incident(ctx, support, list[0].ID)
		if !inc.Open() || inc.Status != status.Monitoring {
			t.Fatalf("staff incident after recovery: %+v", inc)
		}
	}, schemas...)
}

func TestMaintenance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		k := newKit(t, db)
		day := 24 * time.Hour
		plan := func(kind string, starts time.Time, hours int, servers ...int64) status.Maintenance {
			t.Helper()
			m, err := k.svc.ScheduleMaintenance(ctx, support, status.MaintenanceInput{Kind: kind, TitleNL: "Nieuwe schijven", TitleEN: "New disks",
				MessageNL: "De mail is even weg.", Reason: "schijf stuk", StartsAt: starts, EndsAt: starts.Add(time.Duration(hours) * time.Hour), ServerIDs: servers})
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		inTime := plan(status.Planned, t0.Add(3*day), 2, 1)
		late := plan(status.Planned, t0.Add(day), 1, 1)
		emergency := plan(status.Emergency, t0.Add(2*time.Hour), 1, 3)
		cancelled := plan(status.Planned, t0.Add(5*day), 1, 1)
		if !inTime.Announced || late.Announced || !emergency.Excluded() {
			t.Fatalf("announced: in time %v, late %v, emergency %v", inTime.Announced, late.Announced, emergency.Excluded())
		}
		if last := late.Explanation[len(late.Explanation)-1]; !strings.Contains(last.Says, "not excluded") || last.Clause == "" {
			t.Fatalf("late explanation: %+v", late.Explanation)
		}
		if _, err := k.svc.CancelMaintenance(ctx, support, cancelled.ID, ""); err == nil {
			t.Fatal("cancelling needs a reason")
		}
		if _, err := k.svc.CancelMaintenance(ctx, support, cancelled.ID, "leverancier te laat"); err != nil {
			t.Fatal(err)
		}
		if _, err := k.svc.ScheduleMaintenance(ctx, support, status.MaintenanceInput{Kind: status.Emergency, TitleNL: "x", StartsAt: t0, EndsAt: t0.Add(time.Hour), ServerIDs: []int64{1}}); err == nil {
			t.Fatal("emergency maintenance needs its reason")
		}
		if _, err := k.svc.ScheduleMaintenance(ctx, sales, status.MaintenanceInput{}); !errors.Is(err, accounts.ErrForbidden) {
			t.Fatalf("sales: %v", err)
		}

		var got []sla.Exclusion
		if err := db.InTx(ctx, func(q store.Querier) (err error) {
			got, err = k.svc.MaintenanceFor(ctx, q, []int64{1, 3}, t0, t0.Add(10*day))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		want := []sla.Exclusion{
			{From: emergency.StartsAt, To: emergency.EndsAt, Reason: status.ReasonEmergency},
			{From: inTime.StartsAt, To: inTime.EndsAt, Reason: status.ReasonAnnounced},
		}
		if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
			t.Fatalf("MaintenanceFor = %+v\nwant %+v", got, want)
		}
		// Clipped to the range, and other servers' maintenance is not theirs.
		_ = db.InTx(ctx, func(q store.Querier) (err error) {
			got, err = k.svc.MaintenanceFor(ctx, q, []int64{1}, t0.Add(3*day+time.Hour), t0.Add(4*day))
			return err
		})
		if len(got) != 1 || !got[0].From.Equal(t0.Add(3*day+time.Hour)) || !got[0].To.Equal(t0.Add(3*day+2*time.Hour)) {
			t.Fatalf("clipped: %+v", got)
		}
		_ = db.InTx(ctx, func(q store.Querier) (err error) {
			got, err = k.svc.MaintenanceFor(ctx, q, []int64{2}, t0, t0.Add(10*day))
			return err
		})
		if len(got) != 0 {
			t.Fatalf("server 2: %+v", got)
		}

		// Every organisation on server 1 heard of each planned window once, in its
		// language; the cancelled one was cancelled to them; emergency maintenance on
		// server 3 mails nobody ahead.
		var anna, bob []mail
		for _, m := range outbox(t, db) {
			switch m.To {
			case "anna@klant.test":
				anna = append(anna, m)
			case "bob@client.test":
				bob = append(bob, m)
			}
		}
		if len(anna) != 4 || len(bob) != 4 {
			t.Fatalf("anna %d, bob %d mails: %+v", len(anna), len(bob), outbox(t, db))
		}
		if !strings.HasPrefix(anna[0].Subject, "Gepland onderhoud: Nieuwe schijven") || !strings.Contains(anna[0].Text, "5 maart 2026 10:00") || anna[0].OrgID != 7 {
			t.Errorf("anna: %+v", anna[0])
		}
		if !strings.HasPrefix(bob[0].Subject, "Planned maintenance: New disks") || bob[0].Lang != "en" || !strings.Contains(bob[0].Text, "5 March 2026 10:00") {
			t.Errorf("bob: %+v", bob[0])
		}
		if !strings.Contains(bob[3].Subject, "cancelled") {
			t.Errorf("bob's last: %+v", bob[3])
		}
	}, schemas...)
}

func TestSnapshotJSONAndAtom(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		k := newKit(t, db)
		k.mon.Start(monitor.Outage{ServerID: 3, Component: "wireguard", From: t0.Add(-2 * time.Hour), To: t0.Add(-time.Hour)})
		o := k.mon.Start(monitor.Outage{ServerID: 1, Component: "imap", From: t0.Add(-30 * time.Minute)})
		if err := db.InTx(ctx, func(q store.Querier) error { return k.svc.OutageStarted(ctx, q, o) }); err != nil {
			t.Fatal(err)
		}
		snap, err := k.svc.Rebuild(ctx)
		if err != nil {
			t.Fatal(err)
		}
		v := snap.View
		if v.State != status.StateDown || len(v.Groups) != 2 || len(v.Incidents) != 1 {
			t.Fatalf("view: %+v", v)
		}
		web := v.Groups[1]
		if web.Kind != "webhosting" || web.State != status.StateDown || web.Down[0] != "imap" || len(web.Days) != status.HistoryDays {
			t.Fatalf("webhosting: %+v", web)
		}
		vpn := v.Groups[0]
		if vpn.State != status.StateUp || vpn.Days[len(vpn.Days)-1].Down != 60 {
			t.Fatalf("vpn today: %+v", vpn.Days[len(vpn.Days)-1])
		}
		var decoded map[string]any
		if err := json.Unmarshal(snap.JSON, &decoded); err != nil || decoded["state"] != "outage" {
			t.Fatalf("json: %v %s", err, snap.JSON)
		}
		if strings.Contains(string(snap.JSON), "monitor") || strings.Contains(string(snap.JSON), "support@") {
			t.Fatalf("json shows who posted: %s", snap.JSON)
		}
		for _, lang := range []string{"nl", "en"} {
			var feed struct {
				XMLName xml.Name
				Title   string `xml:"title"`
				Entries []struct {
					ID    string `xml:"id"`
					Title string `xml:"title"`
				} `xml:"entry"`
			}
			if err := xml.Unmarshal(snap.Atom[lang], &feed); err != nil {
				t.Fatal(err)
			}
			if feed.XMLName.Space != "http://www.w3.org/2005/Atom" || len(feed.Entries) != 1 || !strings.HasPrefix(feed.Entries[0].ID, "tag:portal.example,2026:incident/") {
				t.Fatalf("%s feed: %+v", lang, feed)
			}
		}
		// A change through the service makes a new snapshot at once.
		if _, err := k.svc.ScheduleMaintenance(ctx, support, status.MaintenanceInput{Kind: status.Planned, TitleNL: "Onderhoud", StartsAt: t0.Add(72 * time.Hour),
			EndsAt: t0.Add(73 * time.Hour), ServerIDs: []int64{3}}); err != nil {
			t.Fatal(err)
		}
		next, _ := k.svc.Snapshot(ctx)
		if next.Version != snap.Version+1 || len(next.View.Maintenance) != 1 || next.JSONTag == snap.JSONTag {
			t.Fatalf("after maintenance: version %d, %+v", next.Version, next.View.Maintenance)
		}
	}, schemas...)
}

var linkRE = regexp.MustCompile(`https://portal\.example/status/(confirm|unsubscribe)\?t=([A-Za-z0-9_-]+)`)

func TestSubscriptionDoubleOptInAndOneClickUnsubscribe(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		k := newKit(t, db)
		if err := k.svc.Subscribe(ctx, "not an address", "nl"); err == nil {
			t.Fatal("want a field error")
		}
		if got, err := status.NormalizeEmail(" Fan@Example.test "); err != nil || got != "fan@example.test" {
			t.Fatalf("an address with capitals is normalised, not refused: %q, %v", got, err)
		}
		if err := k.svc.Subscribe(ctx, "fan@example.test", "en"); err != nil {
			t.Fatal(err)
		}
		// Before confirming, an incident mails nobody.
		if _, err := k.svc.OpenIncident(ctx, support, status.IncidentInput{TitleNL: "Eerste", MessageNL: "x", Impact: "minor"}); err != nil {
			t.Fatal(err)
		}
		mails := outbox(t, db)
		if len(mails) != 1 || !mails[0].Secret {
			t.Fatalf("want only the sealed confirmation mail: %+v", mails)
		}
		body, err := k.keys.OpenString(secrets.PurposeMail, "mail:fan@example.test", secrets.Sealed(mails[0].Text))
		if err != nil {
			t.Fatal(err)
		}
		m := linkRE.FindStringSubmatch(body)
		if m == nil || m[1] != "confirm" {
			t.Fatalf("no confirmation link in %q", body)
		}
		var stored int
		_ = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM status_subscribers WHERE confirm_hash = $1 OR unsub_hash = $1`, m[2]).Scan(&stored)
		if stored != 0 {
			t.Fatal("a token is stored in the clear")
		}
		if err := k.svc.Confirm(ctx, "wrong"); !errors.Is(err, status.ErrBadToken) {
			t.Fatalf("wrong token: %v", err)
		}
		if err := k.svc.Confirm(ctx, m[2]); err != nil {
			t.Fatal(err)
		}
		if err := k.svc.Confirm(ctx, m[2]); !errors.Is(err, status.ErrBadToken) {
			t.Fatal("a confirmation link works once")
		}
		if _, err := k.svc.OpenIncident(ctx, support, status.IncidentInput{TitleNL: "Tweede", TitleEN: "Second", MessageNL: "y", MessageEN: "why", Impact: "major"}); err != nil {
			t.Fatal(err)
		}
		mails = outbox(t, db)
		last := mails[len(mails)-1]
		if last.To != "fan@example.test" || last.Subject != "[investigating] Second" || last.Unsub == "" || !strings.Contains(last.Text, last.Unsub) {
			t.Fatalf("status mail: %+v", last)
		}
		u := linkRE.FindStringSubmatch(last.Unsub)
		if u == nil || u[1] != "unsubscribe" {
			t.Fatalf("unsubscribe URL %q", last.Unsub)
		}
		if err := k.svc.Unsubscribe(ctx, u[2]); err != nil {
			t.Fatal(err)
		}
		if err := k.svc.Unsubscribe(ctx, u[2]); !errors.Is(err, status.ErrBadToken) {
			t.Fatalf("second unsubscribe: %v", err)
		}
		var left int
		_ = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM status_subscribers`).Scan(&left)
		if left != 0 {
			t.Fatal("the address is kept after unsubscribing")
		}
	}, schemas...)
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"a@b.nl", "A@B.NL", "x", "<a@b.nl>", "a@b", "Name <a@b.nl>", "a@b.nl\r\nBcc: c@d.nl", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := status.NormalizeEmail(s)
		if err != nil {
			return
		}
		if strings.ContainsAny(got, "\r\n<> ") || got != strings.ToLower(got) {
			t.Fatalf("NormalizeEmail(%q) = %q", s, got)
		}
		if again, err := status.NormalizeEmail(got); err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q, %v", got, again, err)
		}
	})
}
