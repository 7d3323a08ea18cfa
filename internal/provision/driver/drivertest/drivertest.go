// Package drivertest is the conformance suite every provisioning driver runs against
// its real component (or its documented fake): the same life of one account, with the
// component-specific checks a driver's test supplies as callbacks.
package drivertest

import (
	"context"
	"slices"
	"testing"

	"github.com/hostpact/hostpact/internal/provision/driver"
)

// Checks are what a driver's test asserts on the real component between the steps.
// A nil check is skipped. Each check fails the test itself (t.Fatal) when the component
// does not show what it should.
type Checks struct {
	// Works asserts that the account is in service and that secret logs in (the site
	// answers, the database and the mailbox accept the login, the handshake completes).
	Works func(t *testing.T, a driver.Account, c driver.Created, secret string)
	// Suspended asserts that the account is out of service (suspension page, login
	// refused, container paused, peer removed).
	Suspended func(t *testing.T, a driver.Account)
	// Package asserts that the package p is in force on the component.
	Package func(t *testing.T, a driver.Account, p driver.Package)
	// Terminated asserts that the account no longer serves but its data are kept.
	Terminated func(t *testing.T, a driver.Account)
	// Gone asserts that nothing of the account is left.
	Gone func(t *testing.T, a driver.Account)
}

// Run takes one account through its life on d: created twice (one account), suspended
// twice and unsuspended, its package changed to other, its credentials reset, usage
// read, listed, terminated, its data deleted twice, and no longer listed.
func Run(t *testing.T, d driver.Driver, a driver.Account, other driver.Package, c Checks) {
	t.Helper()
	ctx := context.Background()
	if err := d.Test(ctx); err != nil {
		t.Fatalf("Test: %v", err)
	}
	first, err := d.Create(ctx, a)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	again, err := d.Create(ctx, a)
	if err != nil {
		t.Fatalf("Create again (must be idempotent): %v", err)
	}
	if len(first.Details) > 0 && !mapsEqual(first.Details, again.Details) {
		t.Errorf("Create again returned other details: %v, then %v", first.Details, again.Details)
	}
	if n := count(t, d, a.Ref); n != 1 {
		t.Fatalf("after two creates the server lists %d accounts with ref %s, want 1", n, a.Ref)
	}
	if c.Works != nil {
		c.Works(t, a, first, a.Secret)
	}
	if c.Package != nil {
		c.Package(t, a, a.Package)
	}
	for i := range 2 {
		if err := d.Suspend(ctx, a.Ref, driver.SuspendNonPayment); err != nil {
			t.Fatalf("Suspend #%d: %v", i+1, err)
		}
	}
	if l := find(t, d, a.Ref); !l.Suspended {
		t.Errorf("List does not show %s as suspended", a.Ref)
	}
	if c.Suspended != nil {
		c.Suspended(t, a)
	}
	for i := range 2 {
		if err := d.Unsuspend(ctx, a.Ref); err != nil {
			t.Fatalf("Unsuspend #%d: %v", i+1, err)
		}
	}
	if l := find(t, d, a.Ref); l.Suspended {
		t.Errorf("List still shows %s as suspended", a.Ref)
	}
	if c.Works != nil {
		c.Works(t, a, first, a.Secret)
	}
	if err := d.ChangePackage(ctx, a.Ref, other); err != nil {
		t.Fatalf("ChangePackage: %v", err)
	}
	if c.Package != nil {
		c.Package(t, a, other)
	}
	newSecret := a.Secret + "-Reset2"
	reset, err := d.ResetCredentials(ctx, a.Ref, newSecret)
	if err != nil {
		t.Fatalf("ResetCredentials: %v", err)
	}
	if c.Works != nil {
		merged := driver.Created{Details: first.Details, Sensitive: reset.Sensitive}
		if len(reset.Details) > 0 {
			merged.Details = reset.Details
		}
		c.Works(t, a, merged, newSecret)
	}
	if _, err := d.Usage(ctx, a.Ref); err != nil {
		t.Errorf("Usage: %v", err)
	}
	for i := range 2 {
		if err := d.Terminate(ctx, a.Ref); err != nil {
			t.Fatalf("Terminate #%d: %v", i+1, err)
		}
	}
	if c.Terminated != nil {
		c.Terminated(t, a)
	}
	for i := range 2 {
		if err := d.DeleteData(ctx, a.Ref); err != nil {
			t.Fatalf("DeleteData #%d: %v", i+1, err)
		}
	}
	if n := count(t, d, a.Ref); n != 0 {
		t.Errorf("after DeleteData the server still lists %s", a.Ref)
	}
	if c.Gone != nil {
		c.Gone(t, a)
	}
}

func list(t *testing.T, d driver.Driver) []driver.Listed {
	t.Helper()
	l, err := d.List(context.Background())
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	return l
}

func count(t *testing.T, d driver.Driver, ref string) int {
	t.Helper()
	n := 0
	for _, l := range list(t, d) {
		if l.Ref == ref {
			n++
		}
	}
	return n
}

func find(t *testing.T, d driver.Driver, ref string) driver.Listed {
	t.Helper()
	l := list(t, d)
	i := slices.IndexFunc(l, func(x driver.Listed) bool { return x.Ref == ref })
	if i < 0 {
		t.Fatalf("List does not show %s", ref)
	}
	return l[i]
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
