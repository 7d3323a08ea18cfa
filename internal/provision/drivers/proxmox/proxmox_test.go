package proxmox_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/provision/driver/drivertest"
	"github.com/hostpact/hostpact/internal/provision/drivers/pin"
	"github.com/hostpact/hostpact/internal/provision/drivers/proxmox"
	"github.com/hostpact/hostpact/internal/provision/drivers/proxmox/proxmoxfake"
)

const secret = "8a3c0d52-6e1b-4f9a-9d3e-2b7c41f0a6d1"

func start(t *testing.T) (*proxmoxfake.Server, *proxmox.Driver) {
	t.Helper()
	f := proxmoxfake.New(secret)
	t.Cleanup(f.Close)
	f.AddTemplate("debian12", 8192)
	return f, newDriver(t, f, secret, f.Fingerprint())
}

func newDriver(t *testing.T, f *proxmoxfake.Server, tokenSecret, fingerprint string) *proxmox.Driver {
	t.Helper()
	d, err := proxmox.New(driver.Server{
		Name: "pve1", Endpoint: f.URL,
		Credentials: map[string]string{"token_id": f.TokenID, "token_secret": tokenSecret, "fingerprint": fingerprint},
		Settings:    map[string]string{"node": f.Node, "ciuser": "klant"},
	})
	if err != nil {
		t.Fatal(err)
	}
	d.PollInterval = time.Millisecond
	return d
}

var small = driver.Package{Name: "vps-s", Template: "debian12", CPUMilli: 1000, MemoryMB: 1024, DiskMB: 20480}

func account() driver.Account {
	return driver.Account{Ref: "hp42", Kind: driver.KindVPS, Package: small, Secret: "Initial-Secret-1"}
}

func TestFakeLifecycle(t *testing.T) {
	t.Parallel()
	f, d := start(t)
	a := account()
	bigger := driver.Package{Name: "vps-m", Template: "debian12", CPUMilli: 2500, MemoryMB: 4096, DiskMB: 40960}
	drivertest.Run(t, d, a, bigger, drivertest.Checks{
		Works: func(t *testing.T, a driver.Account, c driver.Created, secret string) {
			vm, found := f.VM(a.Ref)
			if !found || !vm.Running {
				t.Fatalf("guest %s is not running: %+v", a.Ref, vm)
			}
			if vm.CIPassword != secret {
				t.Errorf("cloud-init password is %q, want %q", vm.CIPassword, secret)
			}
			if c.Details["vmid"] == "" || c.Details["node"] != f.Node || c.Details["username"] != "klant" {
				t.Errorf("details = %v", c.Details)
			}
		},
		Suspended: func(t *testing.T, a driver.Account) {
			if vm, _ := f.VM(a.Ref); vm.Running {
				t.Error("suspended guest still runs")
			}
		},
		Package: func(t *testing.T, a driver.Account, p driver.Package) {
			vm, _ := f.VM(a.Ref)
			wantCores := int((p.CPUMilli + 999) / 1000)
			if vm.Cores != wantCores || vm.MemoryMB != p.MemoryMB || vm.DiskMB != p.DiskMB {
				t.Errorf("guest has %d cores, %d MB memory, %d MB disk; want %d, %d, %d", vm.Cores, vm.MemoryMB, vm.DiskMB, wantCores, p.MemoryMB, p.DiskMB)
			}
			if p.CPUMilli == 2500 && vm.CPULimit != "2.5" {
				t.Errorf("cpulimit = %q, want 2.5", vm.CPULimit)
			}
		},
		Terminated: func(t *testing.T, a driver.Account) {
			vm, found := f.VM(a.Ref)
			if !found {
				t.Fatal("terminated guest was destroyed; its disks must be kept until DeleteData")
			}
			if vm.Running {
				t.Error("terminated guest still runs")
			}
		},
		Gone: func(t *testing.T, a driver.Account) {
			if n := f.Count(a.Ref); n != 0 {
				t.Errorf("%d guests named %s left", n, a.Ref)
			}
		},
	})
	if n := strings.Count(strings.Join(f.Requests(), "\n"), "/clone"); n != 1 {
		t.Errorf("%d clone requests, want 1", n)
	}
}

func TestResetCredentialsSaysNextBoot(t *testing.T) {
	t.Parallel()
	f, d := start(t)
	ctx := context.Background()
	if _, err := d.Create(ctx, account()); err != nil {
		t.Fatal(err)
	}
	c, err := d.ResetCredentials(ctx, "hp42", "New-Secret-2")
	if err != nil {
		t.Fatal(err)
	}
	if c.Details["password_applies"] != "next-boot" {
		t.Errorf("details = %v, want password_applies=next-boot", c.Details)
	}
	if vm, _ := f.VM("hp42"); vm.CIPassword != "New-Secret-2" {
		t.Errorf("cipassword = %q", vm.CIPassword)
	}
}

func TestUsageFromRRD(t *testing.T) {
	t.Parallel()
	_, d := start(t)
	ctx := context.Background()
	if _, err := d.Create(ctx, account()); err != nil {
		t.Fatal(err)
	}
	u, err := d.Usage(ctx, "hp42")
	if err != nil {
		t.Fatal(err)
	}
	// The fake's 70 one-minute samples: 25 % of 1 core, 1500 bytes/s, half the memory.
	// The first sample has no predecessor and counts as one minute, like the others.
	if u.CPUSeconds != 70*60*0.25 || u.TransferBytes != 70*60*1500 || u.MemoryBytes != 512<<20 || u.MeasuredAt.IsZero() {
		t.Errorf("usage = %+v", u)
	}
}

func TestListOnlyTaggedGuests(t *testing.T) {
	t.Parallel()
	f, d := start(t)
	ctx := context.Background()
	f.AddTemplate("not-ours", 1024) // templates are never listed
	if _, err := d.Create(ctx, account()); err != nil {
		t.Fatal(err)
	}
	l, err := d.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(l) != 1 || l[0].Ref != "hp42" || l[0].Kind != driver.KindVPS || l[0].Suspended {
		t.Errorf("List = %+v", l)
	}
}

func TestShrinkingDiskIsRefused(t *testing.T) {
	t.Parallel()
	f, d := start(t)
	ctx := context.Background()
	if _, err := d.Create(ctx, account()); err != nil {
		t.Fatal(err)
	}
	smaller := small
	smaller.DiskMB = 10240
	smaller.MemoryMB = 2048
	err := d.ChangePackage(ctx, "hp42", smaller)
	if !driver.IsRefusal(err) || !strings.Contains(err.Error(), "cannot shrink") {
		t.Fatalf("ChangePackage to a smaller disk: %v, want a refusal", err)
	}
	if vm, _ := f.VM("hp42"); vm.MemoryMB != 1024 || vm.DiskMB != 20480 {
		t.Errorf("a refused change changed the guest: %+v", vm)
	}
}

func TestBadTokenFailsTestClearly(t *testing.T) {
	t.Parallel()
	f, _ := start(t)
	d := newDriver(t, f, "wrong-secret", f.Fingerprint())
	err := d.Test(context.Background())
	if !driver.IsRefusal(err) || !strings.Contains(err.Error(), "did not accept the API token") || !strings.Contains(err.Error(), "authentication failure") {
		t.Fatalf("Test with a wrong token: %v", err)
	}
	if _, err := d.List(context.Background()); !driver.IsRefusal(err) {
		t.Errorf("List with a wrong token: %v, want a refusal (retrying cannot help)", err)
	}
}

func TestOtherCertificateIsRefused(t *testing.T) {
	t.Parallel()
	f, _ := start(t)
	other := proxmoxfake.New(secret)
	defer other.Close()
	d := newDriver(t, f, secret, other.Fingerprint())
	err := d.Test(context.Background())
	if !errors.Is(err, pin.ErrMismatch) {
		t.Fatalf("Test against a server with another certificate: %v, want the pin mismatch", err)
	}
	if len(f.Requests()) != 0 {
		t.Errorf("requests reached the server despite the mismatch: %v", f.Requests())
	}
}

func TestFailedTaskIsRefusalWithProxmoxMessage(t *testing.T) {
	t.Parallel()
	f, d := start(t)
	f.FailTask("qmclone", "clone failed: storage 'local-lvm' does not have enough free space")
	_, err := d.Create(context.Background(), account())
	if !driver.IsRefusal(err) || !strings.Contains(err.Error(), "not have enough free space") {
		t.Fatalf("Create with a failing clone task: %v", err)
	}
	if f.Count("hp42") != 0 {
		t.Error("a failed clone left a guest")
	}
}

func TestServerErrorIsRetryable(t *testing.T) {
	t.Parallel()
	f, d := start(t)
	ctx := context.Background()
	f.FailRequest(http.MethodPost, "/clone", http.StatusInternalServerError, "cfs-lock 'file-user_cfg' error: got lock request timeout")
	_, err := d.Create(ctx, account())
	if err == nil || driver.IsRefusal(err) || !strings.Contains(err.Error(), "got lock request timeout") {
		t.Fatalf("Create on a 500: %v, want a retryable error with Proxmox's message", err)
	}
	if _, err := d.Create(ctx, account()); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if f.Count("hp42") != 1 {
		t.Errorf("%d guests after the retry", f.Count("hp42"))
	}
}

func TestRetryAfterPartialCreate(t *testing.T) {
	t.Parallel()
	f, d := start(t)
	ctx := context.Background()
	// The clone succeeds and the start fails: the retry finds the clone and finishes.
	f.FailRequest(http.MethodPost, "/status/start", http.StatusInternalServerError, "timeout waiting on systemd")
	if _, err := d.Create(ctx, account()); err == nil {
		t.Fatal("Create succeeded although start failed")
	}
	if _, err := d.Create(ctx, account()); err != nil {
		t.Fatal(err)
	}
	vm, _ := f.VM("hp42")
	if f.Count("hp42") != 1 || !vm.Running {
		t.Errorf("after the retry: %d guests, running=%v", f.Count("hp42"), vm.Running)
	}
	if n := strings.Count(strings.Join(f.Requests(), "\n"), "/clone"); n != 1 {
		t.Errorf("%d clones", n)
	}
}

func TestTemplateNotFound(t *testing.T) {
	t.Parallel()
	_, d := start(t)
	a := account()
	a.Package.Template = "ubuntu24"
	_, err := d.Create(context.Background(), a)
	if !driver.IsRefusal(err) || !strings.Contains(err.Error(), `no template guest named "ubuntu24"`) {
		t.Fatalf("Create with an unknown template: %v", err)
	}
}

func TestUnknownRef(t *testing.T) {
	t.Parallel()
	_, d := start(t)
	ctx := context.Background()
	if err := d.Suspend(ctx, "hp404", driver.SuspendStaff); !errors.Is(err, driver.ErrNotFound) {
		t.Errorf("Suspend of an unknown guest: %v", err)
	}
	if err := d.Terminate(ctx, "hp404"); err != nil {
		t.Errorf("Terminate of an unknown guest: %v", err)
	}
	if err := d.DeleteData(ctx, "hp404"); err != nil {
		t.Errorf("DeleteData of an unknown guest: %v", err)
	}
}

func TestParameterErrorIsRefusal(t *testing.T) {
	t.Parallel()
	_, d := start(t)
	ctx := context.Background()
	if _, err := d.Create(ctx, account()); err != nil {
		t.Fatal(err)
	}
	p := small
	p.MemoryMB = 8 // below Proxmox's minimum of 16 MiB
	err := d.ChangePackage(ctx, "hp42", p)
	if !driver.IsRefusal(err) || !strings.Contains(err.Error(), "Parameter verification failed.") || !strings.Contains(err.Error(), "memory:") {
		t.Fatalf("ChangePackage with invalid memory: %v", err)
	}
}

func TestNewChecksSettings(t *testing.T) {
	t.Parallel()
	for _, s := range []driver.Server{
		{Endpoint: "http://pve:8006", Credentials: map[string]string{"token_id": "a@pam!b", "token_secret": "x"}, Settings: map[string]string{"node": "pve"}},
		{Endpoint: "https://pve:8006", Credentials: map[string]string{"token_id": "nobang", "token_secret": "x"}, Settings: map[string]string{"node": "pve"}},
		{Endpoint: "https://pve:8006", Credentials: map[string]string{"token_id": "a@pam!b", "token_secret": "x"}},
		{Endpoint: "https://pve:8006", Credentials: map[string]string{"token_id": "a@pam!b", "token_secret": "x", "fingerprint": "zz"}, Settings: map[string]string{"node": "pve"}},
	} {
		if _, err := proxmox.New(s); err == nil {
			t.Errorf("New(%+v) accepted", s)
		}
	}
	if typ := proxmox.Type(); !slices.Contains(typ.Kinds, driver.KindVPS) || typ.Name != "proxmox" || typ.New == nil {
		t.Errorf("Type = %+v", typ)
	}
}

// TestCloneInterrupted: the clone started but the driver lost sight of its task. The
// retry finds the guest locked and waits (a retryable error); once the clone ends the
// next retry finishes the same guest. One clone in all.
func TestCloneInterrupted(t *testing.T) {
	t.Parallel()
	f, d := start(t)
	ctx := context.Background()
	f.FailRequest(http.MethodGet, "/status", http.StatusInternalServerError, "got timeout")
	if _, err := d.Create(ctx, account()); err == nil || driver.IsRefusal(err) {
		t.Fatalf("Create losing its task: %v, want a retryable error", err)
	}
	_, err := d.Create(ctx, account())
	if err == nil || driver.IsRefusal(err) || !strings.Contains(err.Error(), "locked (clone)") {
		t.Fatalf("Create during the clone: %v, want a retryable error about the lock", err)
	}
	f.FinishTasks()
	if _, err := d.Create(ctx, account()); err != nil {
		t.Fatal(err)
	}
	vm, _ := f.VM("hp42")
	if f.Count("hp42") != 1 || !vm.Running || vm.CIPassword != "Initial-Secret-1" {
		t.Errorf("after the clone ended: %d guests, %+v", f.Count("hp42"), vm)
	}
	if n := strings.Count(strings.Join(f.Requests(), "\n"), "/clone"); n != 1 {
		t.Errorf("%d clones", n)
	}
}

func TestGuestOfSameNameNotOurs(t *testing.T) {
	t.Parallel()
	f, d := start(t)
	f.AddGuest("hp42", 4096)
	_, err := d.Create(context.Background(), account())
	if !driver.IsRefusal(err) || !strings.Contains(err.Error(), "hostpact did not make") {
		t.Fatalf("Create over another guest of the same name: %v", err)
	}
	if vm, _ := f.VM("hp42"); vm.CIPassword != "theirs" || vm.Running {
		t.Errorf("the other guest was changed: %+v", vm)
	}
}
