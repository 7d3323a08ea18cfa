package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/monitor/probe/realtest"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/provision/driver/drivertest"
)

const testImage = "hostpact-test-app:1"

// TestRealDockerContainers takes one container through its life on a private dockerd:
// the application in it answers on 127.0.0.1 (host networking) and sees the secret,
// pausing silences it, the limits are in the engine's record, and nothing is left
// after DeleteData.
func TestRealDockerContainers(t *testing.T) {
	dk := realtest.StartDocker(t)
	cli, err := client.New(client.WithHost(dk.Host))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	buildImage(t, cli)

	d, err := New(driver.Server{Name: "docker1", Endpoint: dk.Host, Settings: map[string]string{SettingNetwork: "host"}}, clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	addr := realtest.Addr(realtest.FreePort(t))
	extra := map[string]string{"env.ADDR": addr}
	a := driver.Account{
		Ref: "hpc1", Kind: driver.KindContainers, Secret: "Container-Secret-1",
		Package: driver.Package{Name: "small", MemoryMB: 64, CPUMilli: 500, Image: testImage, Extra: extra},
	}
	other := driver.Package{Name: "large", MemoryMB: 128, CPUMilli: 1500, Image: testImage, Extra: extra}
	inspect := func(t *testing.T) container.InspectResponse {
		t.Helper()
		r, err := cli.ContainerInspect(context.Background(), a.Ref, client.ContainerInspectOptions{})
		if err != nil {
			t.Fatalf("inspect %s: %v", a.Ref, err)
		}
		return r.Container
	}
	drivertest.Run(t, d, a, other, drivertest.Checks{
		Works: func(t *testing.T, _ driver.Account, _ driver.Created, secret string) {
			waitAnswer(t, "http://"+addr+"/", "ok")
			sum := sha256.Sum256([]byte(secret))
			if got := get(t, "http://"+addr+"/secret", 10*time.Second); got != hex.EncodeToString(sum[:]) {
				t.Errorf("the application sees another secret (sha256 %s)", got)
			}
		},
		Suspended: func(t *testing.T, _ driver.Account) {
			if st := inspect(t).State; st == nil || !st.Paused {
				t.Fatalf("container is not paused: %+v", st)
			}
			// A frozen process still has its listening socket, so the kernel accepts the
			// connection; no answer may come.
			c := &http.Client{Timeout: 500 * time.Millisecond}
			if resp, err := c.Get("http://" + addr + "/"); err == nil {
				resp.Body.Close()
				t.Fatalf("a paused container answered: %s", resp.Status)
			}
		},
		Package: func(t *testing.T, _ driver.Account, p driver.Package) {
			hc := inspect(t).HostConfig
			if hc.Memory != p.MemoryMB<<20 || hc.NanoCPUs != p.CPUMilli*1_000_000 {
				t.Errorf("limits in force: memory %d, nano CPUs %d; want %d, %d", hc.Memory, hc.NanoCPUs, p.MemoryMB<<20, p.CPUMilli*1_000_000)
			}
			if hc.NetworkMode != "host" || hc.RestartPolicy.Name != container.RestartPolicyUnlessStopped {
				t.Errorf("network %q, restart %q", hc.NetworkMode, hc.RestartPolicy.Name)
			}
		},
		Terminated: func(t *testing.T, _ driver.Account) {
			c := inspect(t)
			if c.State.Running || c.State.Paused {
				t.Errorf("terminated container still runs: %+v", c.State)
			}
			if _, err := cli.VolumeInspect(context.Background(), volumeName(a.Ref), client.VolumeInspectOptions{}); err != nil {
				t.Errorf("the volume is gone after terminate: %v", err)
			}
			if resp, err := http.Get("http://" + addr + "/"); err == nil {
				resp.Body.Close()
				t.Errorf("a terminated container answered: %s", resp.Status)
			}
		},
		Gone: func(t *testing.T, _ driver.Account) {
			if _, err := cli.ContainerInspect(context.Background(), a.Ref, client.ContainerInspectOptions{}); !cerrdefs.IsNotFound(err) {
				t.Errorf("container still there after delete: %v", err)
			}
			if _, err := cli.VolumeInspect(context.Background(), volumeName(a.Ref), client.VolumeInspectOptions{}); !cerrdefs.IsNotFound(err) {
				t.Errorf("volume still there after delete: %v", err)
			}
		},
	})

	t.Run("usage", func(t *testing.T) {
		b := a
		b.Ref = "hpc2"
		if _, err := d.Create(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		waitAnswer(t, "http://"+addr+"/", "ok")
		u, err := d.Usage(context.Background(), b.Ref)
		if err != nil {
			t.Fatal(err)
		}
		if u.MemoryBytes <= 0 || u.MemoryBytes > b.Package.MemoryMB<<20 || u.CPUSeconds <= 0 {
			t.Errorf("usage of a running container: %+v", u)
		}
		if err := d.DeleteData(context.Background(), b.Ref); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("reset and create while suspended", func(t *testing.T) {
		// The provisioning layer may reset the credentials of a suspended account, or
		// retry a create after a suspension: the container stays paused and sees the
		// new secret when it continues.
		ctx := context.Background()
		b := a
		b.Ref = "hpc3"
		if _, err := d.Create(ctx, b); err != nil {
			t.Fatal(err)
		}
		waitAnswer(t, "http://"+addr+"/", "ok")
		if err := d.Suspend(ctx, b.Ref, driver.SuspendAbuse); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ResetCredentials(ctx, b.Ref, "Container-Secret-3"); err != nil {
			t.Fatalf("reset while suspended: %v", err)
		}
		b.Secret = "Container-Secret-3"
		if _, err := d.Create(ctx, b); err != nil {
			t.Fatalf("create again while suspended: %v", err)
		}
		r, err := cli.ContainerInspect(ctx, b.Ref, client.ContainerInspectOptions{})
		if err != nil || !r.Container.State.Paused {
			t.Fatalf("after reset and create the suspended container is not paused: %v", err)
		}
		if err := d.Unsuspend(ctx, b.Ref); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(b.Secret))
		if got := get(t, "http://"+addr+"/secret", 10*time.Second); got != hex.EncodeToString(sum[:]) {
			t.Errorf("after the reset the application sees another secret")
		}
		if err := d.Terminate(ctx, b.Ref); err != nil {
			t.Fatal(err)
		}
		if u, err := d.Usage(ctx, b.Ref); err != nil || u.MemoryBytes != 0 {
			t.Errorf("usage of a stopped container: %+v, %v", u, err)
		}
		if err := d.DeleteData(ctx, b.Ref); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("retry after a killed call", func(t *testing.T) {
		// A create killed after the engine created the container (not started, no
		// secret), and a delete killed after the container was removed (volume left):
		// running them again completes them.
		ctx := context.Background()
		b := a
		b.Ref = "hpc4"
		if err := d.createContainer(ctx, b); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Create(ctx, b); err != nil {
			t.Fatalf("create after a killed create: %v", err)
		}
		waitAnswer(t, "http://"+addr+"/", "ok")
		sum := sha256.Sum256([]byte(b.Secret))
		if got := get(t, "http://"+addr+"/secret", 10*time.Second); got != hex.EncodeToString(sum[:]) {
			t.Errorf("the secret was not written by the retried create")
		}
		if _, err := cli.ContainerRemove(ctx, b.Ref, client.ContainerRemoveOptions{Force: true}); err != nil {
			t.Fatal(err)
		}
		if err := d.DeleteData(ctx, b.Ref); err != nil {
			t.Fatalf("delete after a killed delete: %v", err)
		}
		if _, err := cli.VolumeInspect(ctx, volumeName(b.Ref), client.VolumeInspectOptions{}); !cerrdefs.IsNotFound(err) {
			t.Errorf("volume left after the retried delete: %v", err)
		}
	})

	t.Run("foreign container", func(t *testing.T) {
		// A container of the same name that staff started by hand is refused, never
		// taken over, and not listed.
		_, err := cli.ContainerCreate(context.Background(), client.ContainerCreateOptions{
			Name: "hpforeign", Config: &container.Config{Image: testImage},
			HostConfig: &container.HostConfig{NetworkMode: "none"},
		})
		if err != nil {
			t.Fatal(err)
		}
		b := a
		b.Ref = "hpforeign"
		if _, err := d.Create(context.Background(), b); !driver.IsRefusal(err) {
			t.Errorf("Create over a foreign container: %v, want a refusal", err)
		}
		if err := d.DeleteData(context.Background(), b.Ref); !driver.IsRefusal(err) {
			t.Errorf("DeleteData of a foreign container: %v, want a refusal", err)
		}
		l, err := d.List(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range l {
			if x.Ref == b.Ref {
				t.Errorf("List shows a container hostpact does not manage")
			}
		}
	})

	t.Run("no image", func(t *testing.T) {
		b := a
		b.Ref = "hpnoimage"
		b.Package.Image = ""
		if _, err := d.Create(context.Background(), b); !driver.IsRefusal(err) {
			t.Errorf("Create without an image: %v, want a refusal", err)
		}
	})
}

// buildImage builds the test application static and sends it with a Dockerfile as the
// build context: no registry is reachable, so the image is FROM scratch.
func buildImage(t *testing.T, cli *client.Client) {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "app")
	cmd := exec.Command(goBin, "build", "-trimpath", "-o", bin, "./testdata/app")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the test application: %v\n%s", err, out)
	}
	app, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	var ctxTar bytes.Buffer
	tw := tar.NewWriter(&ctxTar)
	for _, f := range []struct {
		name string
		mode int64
		data []byte
	}{
		{"Dockerfile", 0o644, []byte("FROM scratch\nCOPY app /app\nENTRYPOINT [\"/app\"]\n")},
		{"app", 0o755, app},
	} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := cli.ImageBuild(context.Background(), &ctxTar, client.ImageBuildOptions{Tags: []string{testImage}, Remove: true, ForceRemove: true})
	if err != nil {
		t.Fatalf("image build: %v", err)
	}
	defer r.Body.Close()
	dec := json.NewDecoder(r.Body)
	for {
		var m struct {
			Stream string `json:"stream"`
			Error  string `json:"error"`
		}
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("image build output: %v", err)
		}
		if m.Error != "" {
			t.Fatalf("image build: %s", m.Error)
		}
	}
}

// waitAnswer polls url until it answers want: the container's application needs a
// moment to listen after the container started.
func waitAnswer(t *testing.T, url, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	c := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := c.Get(url)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.TrimSpace(string(b)) == want {
				return
			}
			err = nil
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer %q: %v", url, want, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func get(t *testing.T, url string, timeout time.Duration) string {
	t.Helper()
	c := &http.Client{Timeout: timeout}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return strings.TrimSpace(string(b))
}
