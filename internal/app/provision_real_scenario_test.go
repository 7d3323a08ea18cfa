package app_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/agent"
	"github.com/hostpact/hostpact/internal/agent/agenttest"
	"github.com/hostpact/hostpact/internal/agent/mailhost"
	"github.com/hostpact/hostpact/internal/agent/webhost"
	"github.com/hostpact/hostpact/internal/agent/webhost/webhosttest"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/dunning"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/monitor/probe/realtest"
	"github.com/hostpact/hostpact/internal/provision"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/terms"
)

// realServer is one hosting server as a provider runs it: nginx, PHP-FPM and MariaDB,
// Dovecot and Postfix, and the hostpact agent with the webhosting and e-mail modules
// configured against them, serving over mutual TLS with the bundle hostpact's
// enrolment made when staff registered it.
type realServer struct {
	web  *webhosttest.Env
	mail *realtest.MailHosting
	id   int64 // its provisioning server id in hostpact
	// monitorID is the monitor server it is measured as.
	monitorID int64
}

// startRealServer starts the components, registers the server through the app's
// provisioning service as staff (driver type "agent") and starts the agent with the
// bundle the registration returned.
func (e *env) startRealServer() *realServer {
	t := e.t
	t.Helper()
	s := &realServer{web: webhosttest.Start(t), mail: realtest.StartMailHosting(t)}
	mailSettings, err := json.Marshal(mailhost.Config{
		PasswdFile: s.mail.PasswdFile, PasswdGID: s.mail.PasswdGID,
		MailDir: s.mail.MailDir, UID: s.mail.UID, GID: s.mail.GID,
		DomainsMap: s.mail.DomainsMap, MailboxesMap: s.mail.MailboxesMap, AliasesMap: s.mail.AliasesMap,
		PostfixReload: s.mail.PostfixReload, Doveadm: s.mail.Doveadm,
		Host: "mail.provider.test", IMAPPort: 993, SubmissionPort: 587,
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := agent.Config{DataDir: filepath.Join(realtest.TempDir(t), "agent"),
		Modules: map[string]json.RawMessage{"webhosting": s.web.Settings, "email": mailSettings}}
	mods, err := cfg.Build(agent.Factories{driver.KindWebhosting: webhost.Factory, driver.KindEmail: mailhost.Factory})
	if err != nil {
		t.Fatal(err)
	}
	// The SLA measures the services where they run: the server is the monitor's too.
	mon, err := e.a.Monitor.CreateServer(e.ctx, e.staff, monitor.ServerInput{Name: "ams-web-01", Kind: "webhosting", Location: "Amsterdam"})
	if err != nil {
		t.Fatal(err)
	}
	s.monitorID = mon.ID
	l, endpoint := agenttest.Listen(t)
	reg, err := e.a.Provision.RegisterServer(e.ctx, e.staff, provision.ServerInput{Name: "ams-web-01", Type: "agent",
		Endpoint: endpoint, Location: "Amsterdam", Capacity: 10, MonitorServerID: mon.ID})
	if err != nil {
		t.Fatalf("register the server: %v", err)
	}
	if len(reg.Bundle) == 0 || !reg.Server.CredentialsSet {
		t.Fatalf("enrolment: bundle %d bytes, credentials kept %v", len(reg.Bundle), reg.Server.CredentialsSet)
	}
	agenttest.Serve(t, l, reg.Bundle, mods)
	if err := e.a.Provision.TestServer(e.ctx, e.staff, reg.Server.ID); err != nil {
		t.Fatalf("hostpact reaches the agent: %v", err)
	}
	s.id = reg.Server.ID
	return s
}

// service is the organisation's service of kind k as staff see it.
func (e *env) service(orgID int64, k driver.Kind) provision.ServiceView {
	e.t.Helper()
	list, err := e.a.Provision.Services(e.ctx, e.staff, orgID)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, v := range list {
		if v.Kind == k {
			return v
		}
	}
	e.t.Fatalf("no %s service among %+v", k, list)
	return provision.ServiceView{}
}

// auditActions lists the actions recorded on a provisioning service, oldest first.
func (e *env) auditActions(serviceID int64) []string {
	e.t.Helper()
	rows, err := e.db.QueryContext(e.ctx, `SELECT action FROM audit_entries WHERE object_kind = 'provision_service' AND object_id = $1 ORDER BY seq`,
		strconv.FormatInt(serviceID, 10))
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

// wantAudit checks that the service's audit entries include want, in that order.
func (e *env) wantAudit(what string, serviceID int64, want ...string) {
	e.t.Helper()
	got := e.auditActions(serviceID)
	i := 0
	for _, a := range got {
		if i < len(want) && a == want[i] {
			i++
		}
	}
	if i < len(want) {
		e.t.Errorf("%s: audit of service %d is %v, want %v in order", what, serviceID, got, want)
	}
}

// payOpen pays every invoice of the organisation that is still open, as a customer
// who pays on time from now on.
func (e *env) payOpen(orgID int64) {
	e.t.Helper()
	list, _, err := e.a.Billing.ListInvoices(e.ctx, e.staff, billing.InvoiceFilter{OrgID: orgID, DocType: billing.DocInvoice}, billing.Page{Limit: 200})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, h := range list {
		inv, err := e.a.Billing.GetInvoice(e.ctx, e.staff, h.ID)
		if err != nil {
			e.t.Fatal(err)
		}
		if inv.State.Open > 0 {
			e.pay(inv, inv.State.Open)
		}
	}
}

// runPaying runs the jobs day by day through to and pays what is open each day.
func (e *env) runPaying(orgID int64, to terms.Date) {
	e.t.Helper()
	for d := e.today().AddDays(1); !d.After(to); d = d.AddDays(1) {
		e.clk.Set(time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, time.UTC))
		if _, err := e.runner.RunDue(e.ctx); err != nil {
			e.t.Fatalf("jobs on %s: %v", d, err)
		}
		e.payOpen(orgID)
	}
}

// runMinute moves the clock a minute on and runs the jobs that are due.
func (e *env) runMinute() {
	e.t.Helper()
	e.clk.Advance(time.Minute)
	if _, err := e.runner.RunDue(e.ctx); err != nil {
		e.t.Fatal(err)
	}
}

// wantInSync compares the server's accounts with hostpact's services (the sync job's
// work) and wants the report to list listed accounts and nothing amiss.
func (e *env) wantInSync(what string, srv *realServer, listed int) {
	e.t.Helper()
	if err := e.a.Provision.Sync(e.ctx, e.clk.Now()); err != nil {
		e.t.Fatalf("%s: sync: %v", what, err)
	}
	r, err := e.a.Provision.SyncReport(e.ctx, e.staff, srv.id)
	if err != nil {
		e.t.Fatal(err)
	}
	if r.Error != "" || r.Listed != listed || len(r.Orphans)+len(r.Missing)+len(r.Differ) > 0 {
		e.t.Errorf("%s: sync report %+v, want %d accounts listed and nothing amiss", what, r, listed)
	}
}

func (e *env) wantState(what string, orgID int64, k driver.Kind, want provision.State) provision.ServiceView {
	e.t.Helper()
	v := e.service(orgID, k)
	if v.State != want {
		e.t.Fatalf("%s: %s service is %s (task %+v, problem %s %s), want %s", what, k, v.State, v.Task, v.Problem, v.ProblemText, want)
	}
	return v
}

// TestRealProvisioningScenario is issue 13's "must show" through the whole application
// and the real components: a consumer orders web hosting and a mailbox; the site
// answers on its nginx server block with PHP as the account's user, the database
// accepts the customer's login and the mailbox an IMAP login, with the credentials the
// customer sees once in the portal; the customer does not pay and dunning suspends
// (the suspension page, IMAP refused); the customer pays and it comes back; the
// contract ends and the services are terminated with their data kept; a month later
// (the retention of hosting and e-mail data, cp.av.13.6) the data are gone.
func TestRealProvisioningScenario(t *testing.T) {
	if os.Geteuid() != 0 {
		realtest.Missing(t, "webhosting", "creating system users needs root")
	}
	each(t, func(t *testing.T, e *env) {
		srv := e.startRealServer()
		org, webSub := e.customer(accounts.Consumer, "Jan de Vries", "webhosting/start", "email/plus")
		custUser, err := e.a.Accounts.FindUserByEmail(e.ctx, "admin@jan.test")
		if err != nil {
			t.Fatal(err)
		}
		cust := accounts.Principal{User: custUser, Org: &org}
		const domain = "jan.nl"
		// The system user is named after the subscription (provision.Ref); one a failed
		// run left behind would be taken over, so it is removed at the end in any case.
		ref := provision.Ref(webSub)
		t.Cleanup(func() {
			if _, err := user.Lookup(ref); err == nil {
				_ = exec.Command("userdel", "--force", ref).Run()
			}
		})

		// 1. The order is provisioned on the registered server by the jobs.
		e.runThrough(e.today())
		e.runMinute()
		web := e.wantState("after the order", org.ID, driver.KindWebhosting, provision.StateActive)
		mail := e.wantState("after the order", org.ID, driver.KindEmail, provision.StateActive)
		if web.Ref != ref || web.ServerID != srv.id || mail.ServerID != srv.id || web.Domain != domain {
			t.Fatalf("placement: web %+v, mail %+v", web, mail)
		}
		for _, v := range []provision.ServiceView{web, mail} {
			on, err := e.a.Monitor.PlacedOn(e.ctx, e.staff, v.SubscriptionID)
			if err != nil || len(on) != 1 || on[0].ID != srv.monitorID {
				t.Errorf("the SLA measures %s on %+v (%v), want monitor server %d", v.Kind, on, err, srv.monitorID)
			}
		}
		if !web.CredentialsReady || !mail.CredentialsReady {
			t.Fatal("no credentials waiting to be shown")
		}
		if _, err := e.a.Provision.RevealCredentials(e.ctx, e.staff, web.ID); err == nil {
			t.Error("staff saw the customer's credentials")
		}
		webCred, err := e.a.Provision.RevealCredentials(e.ctx, cust, web.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.a.Provision.RevealCredentials(e.ctx, cust, web.ID); !errors.Is(err, provision.ErrNothingToShow) {
			t.Errorf("credentials shown a second time: %v", err)
		}
		mailCred, err := e.a.Provision.RevealCredentials(e.ctx, cust, mail.ID)
		if err != nil {
			t.Fatal(err)
		}
		mailbox := mailCred.Details["username"]
		if webCred.Secret == "" || mailCred.Secret == "" || mailbox != "postmaster@"+domain {
			t.Fatalf("credentials: web %q, mailbox %q", webCred.Details, mailCred.Details)
		}

		srv.web.Upload(t, ref, "whoami.php", webhosttest.Whoami)
		siteWorks := func(what string) {
			t.Helper()
			srv.web.Await(t, domain, "/whoami.php", func(code int, body string) bool { return code == 200 && body == "user="+ref }, what)
			db, err := srv.web.Login(ref, webCred.Secret)
			if err != nil {
				t.Fatalf("%s: the customer's database login: %v", what, err)
			}
			if _, err := db.Exec("CREATE TABLE IF NOT EXISTS orders (id INT PRIMARY KEY)"); err != nil {
				t.Errorf("%s: a table in the own database: %v", what, err)
			}
			db.Close()
			if err := realtest.IMAPLogin(srv.mail.IMAP, mailbox, mailCred.Secret); err != nil {
				t.Fatalf("%s: IMAP login: %v", what, err)
			}
		}
		siteWorks("provisioned")
		if db, err := srv.web.Login(ref, webCred.Secret+"x"); err == nil {
			db.Close()
			t.Error("a wrong database password logs in")
		}
		e.wantInSync("provisioned", srv, 2)
		e.wantAudit("provisioned", web.ID, "provision.service_new", "provision.service_placed", "provision.create", "service.credentials_shown")
		e.wantAudit("provisioned", mail.ID, "provision.service_new", "provision.service_placed", "provision.create", "service.credentials_shown")

		// 2. The customer does not pay: dunning suspends on the day the default notice
		// announced, and the jobs suspend both services on the server.
		inv := e.firstInvoice(org.ID)
		pol, err := e.a.Pack.At(inv.IssueDate)
		if err != nil {
			t.Fatal(err)
		}
		pay, _, err := pol.Payment(terms.PaymentInput{Customer: terms.Consumer, InvoiceDate: inv.IssueDate})
		if err != nil {
			t.Fatal(err)
		}
		e.nextDay(pay.DefaultFrom)
		suspendOn := e.steps(inv.ID)[dunning.StepDefault].NextOn
		if suspendOn.IsZero() {
			t.Fatal("the default notice announces no suspension")
		}
		e.nextDay(suspendOn.AddDays(-1))
		e.wantState("the day before the suspension", org.ID, driver.KindWebhosting, provision.StateActive)
		e.nextDay(suspendOn)
		if s, _ := e.a.Contracts.IsSuspended(e.ctx, webSub); !s {
			t.Fatalf("not suspended on %s: %s", suspendOn, e.stepNames(inv.ID))
		}
		e.runMinute()
		web = e.wantState("suspended for non-payment", org.ID, driver.KindWebhosting, provision.StateSuspended)
		mail = e.wantState("suspended for non-payment", org.ID, driver.KindEmail, provision.StateSuspended)
		if !web.Suspended(driver.SuspendNonPayment) || !mail.Suspended(driver.SuspendNonPayment) {
			t.Errorf("reasons: web %v, mail %v", web.Reasons, mail.Reasons)
		}
		_, page := srv.web.Await(t, domain, "/whoami.php", func(code int, _ string) bool { return code == 503 }, "the suspension page")
		if !strings.Contains(page, "suspended") || strings.Contains(page, "user=") {
			t.Errorf("suspension page: %q", page)
		}
		if err := realtest.IMAPLogin(srv.mail.IMAP, mailbox, mailCred.Secret); err == nil || !strings.Contains(err.Error(), "suspended") {
			t.Errorf("IMAP login while suspended: %v, want refused as suspended", err)
		}
		if db, err := srv.web.Login(ref, webCred.Secret); err == nil {
			db.Close()
			t.Error("the database accepts the customer's login while suspended")
		}
		// The customer's portal shows the state, not why staff would see a problem.
		own, err := e.a.Provision.Services(e.ctx, cust, org.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range own {
			if v.State != provision.StateSuspended || v.ProblemText != "" {
				t.Errorf("the customer's view of %s: %s %q", v.Kind, v.State, v.ProblemText)
			}
		}
		e.wantInSync("suspended", srv, 2)
		e.wantAudit("suspended", web.ID, "provision.suspend_non_payment", "provision.suspend")
		e.wantAudit("suspended", mail.ID, "provision.suspend_non_payment", "provision.suspend")

		// 3. The customer pays what is open: dunning lifts the suspension within the
		// minute and the jobs put both services back in use.
		e.nextDay(suspendOn.AddDays(2))
		e.payOpen(org.ID)
		e.runMinute()
		e.runMinute()
		if s, _ := e.a.Contracts.IsSuspended(e.ctx, webSub); s {
			t.Fatalf("still suspended after payment: %s", e.stepNames(inv.ID))
		}
		web = e.wantState("after payment", org.ID, driver.KindWebhosting, provision.StateActive)
		mail = e.wantState("after payment", org.ID, driver.KindEmail, provision.StateActive)
		if len(web.Reasons)+len(mail.Reasons) > 0 {
			t.Errorf("reasons left: web %v, mail %v", web.Reasons, mail.Reasons)
		}
		siteWorks("after payment")
		e.wantInSync("after payment", srv, 2)
		e.wantAudit("unsuspended", web.ID, "provision.unsuspend_non_payment", "provision.unsuspend")
		e.wantAudit("unsuspended", mail.ID, "provision.unsuspend_non_payment", "provision.unsuspend")

		// 4. The customer cancels both services in the portal; on the end date the
		// contract ends and the services are terminated, their data kept.
		var endsOn terms.Date
		for _, v := range []provision.ServiceView{web, mail} {
			c, err := e.a.Contracts.ConfirmCancellation(e.ctx, cust, v.SubscriptionID, contracts.CancelInput{})
			if err != nil {
				t.Fatalf("cancel %s: %v", v.Kind, err)
			}
			if !endsOn.IsZero() && c.EndsOn != endsOn {
				t.Fatalf("end dates %s and %s", endsOn, c.EndsOn)
			}
			endsOn = c.EndsOn
		}
		t.Logf("suspended on %s, paid on %s, ends on %s", suspendOn, suspendOn.AddDays(2), endsOn)
		e.runPaying(org.ID, endsOn.AddDays(-1))
		e.wantState("the day before the end", org.ID, driver.KindWebhosting, provision.StateActive)
		e.runPaying(org.ID, endsOn)
		e.runMinute()
		web = e.wantState("ended", org.ID, driver.KindWebhosting, provision.StateTerminated)
		mail = e.wantState("ended", org.ID, driver.KindEmail, provision.StateTerminated)
		srv.web.Await(t, domain, "/whoami.php", func(code int, body string) bool {
			return code == 404 && strings.Contains(body, realtest.NoSite)
		}, "no site after the end")
		if err := realtest.IMAPLogin(srv.mail.IMAP, mailbox, mailCred.Secret); err == nil {
			t.Error("the mailbox of an ended service still logs in")
		}
		if db, err := srv.web.Login(ref, webCred.Secret); err == nil {
			db.Close()
			t.Error("the database of an ended service accepts the customer's login")
		}
		home := filepath.Join(srv.web.Home, ref)
		maildir := filepath.Join(srv.mail.MailDir, domain, "postmaster")
		for _, p := range []string{filepath.Join(home, "public_html", "whoami.php"), maildir} {
			if _, err := os.Stat(p); err != nil {
				t.Errorf("data of a terminated service gone before the retention passed: %v", err)
			}
		}
		if !srv.web.DatabaseExists(t, ref) {
			t.Error("the database of a terminated service is gone before the retention passed")
		}
		var deleteAfter string
		if err := e.db.QueryRowContext(e.ctx, `SELECT delete_after FROM deletion_schedule WHERE subscription_id = $1`, webSub).Scan(&deleteAfter); err != nil {
			t.Fatalf("deletion schedule: %v", err)
		}
		until, err := terms.ParseDate(deleteAfter[:10])
		if err != nil {
			t.Fatal(err)
		}
		if until.Before(endsOn.AddDays(28)) || until.After(endsOn.AddDays(31)) {
			t.Errorf("data kept until %s after the end on %s, want one month", until, endsOn)
		}
		e.wantAudit("terminated", web.ID, "provision.terminate_queued", "provision.terminate")
		e.wantAudit("terminated", mail.ID, "provision.terminate_queued", "provision.terminate")

		t.Logf("data kept until %s", until)

		// 5. The last day of the retention the data are there; the day after, the jobs
		// delete them from the server.
		e.runThrough(until)
		e.runMinute()
		e.wantState("on the last day of the retention", org.ID, driver.KindWebhosting, provision.StateTerminated)
		if _, err := os.Stat(home); err != nil {
			t.Errorf("home on the last day of the retention: %v", err)
		}
		e.nextDay(until.AddDays(1))
		e.runMinute()
		web = e.wantState("after the retention", org.ID, driver.KindWebhosting, provision.StateDeleted)
		mail = e.wantState("after the retention", org.ID, driver.KindEmail, provision.StateDeleted)
		for _, p := range []string{home, maildir} {
			if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s after the retention: %v, want gone", p, err)
			}
		}
		if srv.web.DatabaseExists(t, ref) || srv.web.DatabaseUsers(t, ref) > 0 {
			t.Error("the database or its users are still there after the retention")
		}
		if _, err := user.Lookup(ref); err == nil {
			t.Error("the system user is still there after the retention")
		}
		if n := e.count(`SELECT COUNT(*) FROM deletion_schedule WHERE org_id = $1 AND done_at IS NULL`, org.ID); n != 0 {
			t.Errorf("%d deletions not recorded as done", n)
		}
		e.wantInSync("after the retention", srv, 0)
		e.wantAudit("deleted", web.ID, "provision.delete_queued", "provision.delete")
		e.wantAudit("deleted", mail.ID, "provision.delete_queued", "provision.delete")
		if n := e.count(`SELECT COUNT(*) FROM audit_entries WHERE action = 'subscription.data_deleted' AND org_id = $1`, org.ID); n != 2 {
			t.Errorf("%d data deletions in the audit trail, want 2", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM provision_tasks WHERE status <> 'done'`); n != 0 {
			t.Errorf("%d provisioning tasks not done", n)
		}
	})
}
