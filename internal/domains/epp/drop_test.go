package epp_test

import (
	"testing"

	"github.com/hostpact/hostpact/internal/domains/epp/sidnfake"
	"github.com/hostpact/hostpact/internal/domains/registry"
)

// A registry that applies a change and then drops the connection before answering
// leaves no half-done state: the retry reconnects, sees the change made, and does not
// send it again.

func TestDroppedRenewFinishesOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sidnfake.Options{Generic: true})
	d := e.create(t, "eenmaal.eu", e.registrant(t))
	e.fake.DropAfterApply("domain:renew", 1)
	exp, err := e.reg.Renew(e.ctx, d.Name, d.Expires, 1)
	if err != nil || !exp.Equal(d.Expires.AddDate(1, 0, 0)) {
		t.Fatalf("renew: %v %v", exp, err)
	}
	if n := e.fake.Applied("domain:renew"); n != 1 {
		t.Fatalf("renew applied %d times", n)
	}
	if v, _ := e.fake.Domain(d.Name); !v.Expires.Equal(exp) {
		t.Fatalf("registry expiry %v, want %v", v.Expires, exp)
	}
}

func TestDroppedTransferFinishesOnceAndKeepsNewToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sidnfake.Options{})
	token := e.fake.Seed("verhuis.nl", "OLDREG")
	e.fake.DropAfterApply("domain:transfer:request", 1)
	tr, err := e.reg.RequestTransfer(e.ctx, "verhuis.nl", token)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := e.fake.Domain("verhuis.nl")
	if v.Sponsor != sidnfake.Us || tr.NewToken != v.Token || tr.NewToken == token {
		t.Fatalf("transfer %+v, registry %+v", tr, v)
	}
	if n := e.fake.Applied("domain:transfer:request"); n != 1 {
		t.Fatalf("transfer applied %d times", n)
	}
}

func TestDroppedScheduleDeleteAndContactFinishOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sidnfake.Options{})
	e.fake.DropAfterApply("contact:create", 1)
	reg := e.registrant(t)
	if n := e.fake.Applied("contact:create"); n != 1 {
		t.Fatalf("contact:create applied %d times", n)
	}
	d := e.create(t, "stop.nl", reg)
	e.fake.DropAfterApply("domain:update", 1)
	got, err := e.reg.ScheduleDelete(e.ctx, d.Name, registry.DeleteAt{EndOfPeriod: true})
	if err != nil || got.State != registry.StateScheduledDelete {
		t.Fatalf("schedule: %+v %v", got, err)
	}
	if n := e.fake.Applied("domain:update"); n != 1 {
		t.Fatalf("domain:update applied %d times", n)
	}
}

func TestDroppedBeforeApplyIsSentAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sidnfake.Options{})
	reg := e.registrant(t)
	e.fake.DropBeforeApply("domain:create", 1)
	d := e.create(t, "tweede.nl", reg)
	if d.State != registry.StateActive || e.fake.Applied("domain:create") != 1 {
		t.Fatalf("%+v applied %d", d, e.fake.Applied("domain:create"))
	}
	// The two tries carry the same operation key in their clTRIDs.
	var trids []string
	for _, l := range e.fake.Log() {
		if l.Command == "domain:create" {
			trids = append(trids, l.ClTRID)
		}
	}
	if len(trids) != 2 || trids[0][:len("hp-create-")+8] != trids[1][:len("hp-create-")+8] {
		t.Fatalf("clTRIDs %v", trids)
	}
}

func dropped(t *testing.T, e *env, command string) {
	t.Helper()
	for _, l := range e.fake.Log() {
		if l.Command == command && l.Dropped {
			return
		}
	}
	t.Fatalf("the fake never dropped %s", command)
}

func TestDropsReallyHappened(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sidnfake.Options{})
	e.fake.DropAfterApply("contact:create", 1)
	reg := e.registrant(t)
	dropped(t, e, "contact:create")
	e.fake.DropAfterApply("domain:create", 1)
	e.create(t, "echt.nl", reg)
	dropped(t, e, "domain:create")
}
