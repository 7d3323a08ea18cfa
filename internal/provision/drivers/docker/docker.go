// Package docker delivers containers (driver type "docker", kind containers) on a
// Docker Engine through its HTTP API, with the moby client.
//
// One account is one container named by its Ref, with the labels hostpact.managed-by,
// hostpact.ref and hostpact.kind (List finds the accounts by them, so containers staff
// run by hand on the same engine are never touched), and one named volume
// "<ref>-data" mounted at /data that holds the customer's data.
//
// What is enforced: the package's memory (MemoryMB, no swap on top) and CPU (CPUMilli
// as NanoCPUs) through the engine's cgroups; DiskMB is not enforced (the overlay2 quota
// needs xfs with project quotas, which a Docker host rarely has). Entries of
// Package.Extra named "env.NAME" become environment variables of the container.
//
// Suspension pauses the container (its processes are frozen, its memory kept), so
// unsuspending continues where it stopped. Termination stops it and keeps container and
// volume; DeleteData removes both, which the provisioning layer asks for one month after
// the service ended (cp.privacy.hosting.4, containerhosting included).
//
// The secret: environment variables can only change by re-creating the container,
// which would also lose its writable layer. Instead the secret is a file,
// /data/.hostpact/secret (mode 0400), written into the volume through the engine's
// archive API, and the container learns its path from HOSTPACT_SECRET_FILE. A reset
// rewrites the file; the application reads it again (a restart is the image's business).
package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/client"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/provision/driver"
)

// Labels hostpact puts on what it creates.
const (
	LabelManagedBy = "hostpact.managed-by"
	LabelRef       = "hostpact.ref"
	LabelKind      = "hostpact.kind"
	managedBy      = "hostpact"
)

// DataPath is where the account's volume is mounted; SecretFile is the secret inside it.
const (
	DataPath   = "/data"
	SecretFile = DataPath + "/.hostpact/secret"
)

// Credential and setting names staff enter when registering a Docker host.
const (
	CredentialCA   = "ca_pem"   // the CA that signed the engine's certificate (tcp only)
	CredentialCert = "cert_pem" // hostpact's client certificate
	CredentialKey  = "key_pem"  // its private key
	// SettingNetwork is the container's network mode: empty for the engine's default,
	// "host" to share the host's network (the application then binds where its
	// environment says), "none" for none.
	SettingNetwork = "network"
	// SettingRestart is the restart policy, "unless-stopped" when empty: a terminated
	// (stopped) container stays stopped when the engine restarts.
	SettingRestart = "restart"
)

// Type is the registry entry of the driver type; its drivers read time from clk.
func Type(clk clock.Clock) driver.Type {
	return driver.Type{
		Name:             "docker",
		Kinds:            []driver.Kind{driver.KindContainers},
		CredentialFields: []string{CredentialCA, CredentialCert, CredentialKey},
		SettingFields:    []string{SettingNetwork, SettingRestart},
		New:              func(s driver.Server) (driver.Driver, error) { return New(s, clk) },
	}
}

// Driver is one Docker Engine.
type Driver struct {
	cli     *client.Client
	network string
	restart container.RestartPolicyMode
	clock   clock.Clock
}

var _ driver.Driver = (*Driver)(nil)

// New makes a driver for the engine at s.Endpoint ("unix:///run/docker.sock" or
// "tcp://host:2376"; over tcp the credentials give mutual TLS).
func New(s driver.Server, c clock.Clock) (*Driver, error) {
	if s.Endpoint == "" {
		return nil, errors.New("docker: the endpoint is required")
	}
	opts := []client.Opt{}
	if ca := s.Credentials[CredentialCA]; ca != "" {
		cfg, err := tlsConfig(ca, s.Credentials[CredentialCert], s.Credentials[CredentialKey])
		if err != nil {
			return nil, err
		}
		opts = append(opts, client.WithHTTPClient(&http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}))
	} else if strings.HasPrefix(s.Endpoint, "tcp://") {
		// The engine's API is root on its host: never without TLS over a network.
		return nil, errors.New("docker: a tcp endpoint needs TLS credentials")
	}
	opts = append(opts, client.WithHost(s.Endpoint))
	cli, err := client.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("docker: %w", err)
	}
	d := &Driver{cli: cli, network: s.Settings[SettingNetwork], restart: container.RestartPolicyUnlessStopped, clock: c}
	if r := s.Settings[SettingRestart]; r != "" {
		d.restart = container.RestartPolicyMode(r)
		if err := container.ValidateRestartPolicy(container.RestartPolicy{Name: d.restart}); err != nil {
			return nil, fmt.Errorf("docker: %w", err)
		}
	}
	return d, nil
}

func tlsConfig(caPEM, certPEM, keyPEM string) (*tls.Config, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(caPEM)) {
		return nil, errors.New("docker: the CA is not a PEM certificate")
	}
	cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if certPEM != "" || keyPEM != "" {
		pair, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
		if err != nil {
			return nil, fmt.Errorf("docker: client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

// Close releases the client's connections.
func (d *Driver) Close() error { return d.cli.Close() }

// Test pings the engine.
func (d *Driver) Test(ctx context.Context) error {
	_, err := d.cli.Ping(ctx, client.PingOptions{})
	return classify("test", err)
}

func volumeName(ref string) string { return ref + "-data" }

func labels(ref string) map[string]string {
	return map[string]string{LabelManagedBy: managedBy, LabelRef: ref, LabelKind: string(driver.KindContainers)}
}

// resources are the package's limits as the engine takes them. Swap equal to memory
// means no swap beyond the limit. Zero is no limit when the container is created; in
// an update the engine reads zero as "unchanged", so a package change to "no limit"
// keeps the limit in force until the container is created again.
func resources(p driver.Package) container.Resources {
	r := container.Resources{NanoCPUs: p.CPUMilli * 1_000_000}
	if p.MemoryMB > 0 {
		r.Memory = p.MemoryMB << 20
		r.MemorySwap = r.Memory
	}
	return r
}

func env(p driver.Package) []string {
	out := []string{"HOSTPACT_SECRET_FILE=" + SecretFile}
	keys := make([]string, 0, len(p.Extra))
	for k := range p.Extra {
		if name, ok := strings.CutPrefix(k, "env."); ok && name != "" {
			keys = append(keys, name)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, k+"="+p.Extra["env."+k])
	}
	return out
}

// inspect returns the account's container, or ok false when there is none. A container
// of that name hostpact did not create is a refusal: it is never taken over.
func (d *Driver) inspect(ctx context.Context, op, ref string) (container.InspectResponse, bool, error) {
	if err := driver.ValidRef(ref); err != nil {
		return container.InspectResponse{}, false, driver.Refused(op, "%v", err)
	}
	r, err := d.cli.ContainerInspect(ctx, ref, client.ContainerInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return container.InspectResponse{}, false, nil
	}
	if err != nil {
		return container.InspectResponse{}, false, classify(op, err)
	}
	c := r.Container
	if c.Config == nil || c.Config.Labels[LabelManagedBy] != managedBy || c.Config.Labels[LabelRef] != ref {
		return c, false, driver.Refused(op, "a container named %s exists that hostpact does not manage", ref)
	}
	return c, true, nil
}

// Create creates (or finds) the account's container and volume, writes the secret and
// starts it; a retried create makes the limits match and starts it if it is not running.
func (d *Driver) Create(ctx context.Context, a driver.Account) (driver.Created, error) {
	if a.Kind != "" && a.Kind != driver.KindContainers {
		return driver.Created{}, driver.Refused("create", "kind %s is not delivered by a Docker host", a.Kind)
	}
	c, found, err := d.inspect(ctx, "create", a.Ref)
	if err != nil {
		return driver.Created{}, err
	}
	if !found {
		if a.Package.Image == "" {
			return driver.Created{}, driver.Refused("create", "the package names no image")
		}
		if err := d.createContainer(ctx, a); err != nil {
			return driver.Created{}, err
		}
		if c, _, err = d.inspect(ctx, "create", a.Ref); err != nil {
			return driver.Created{}, err
		}
	} else if err := d.update(ctx, "create", a.Ref, a.Package); err != nil {
		return driver.Created{}, err
	}
	if err := d.writeSecret(ctx, "create", a.Ref, a.Secret); err != nil {
		return driver.Created{}, err
	}
	if c.State == nil || (!c.State.Running && !c.State.Paused) {
		if _, err := d.cli.ContainerStart(ctx, a.Ref, client.ContainerStartOptions{}); err != nil {
			return driver.Created{}, classify("create", err)
		}
	}
	return driver.Created{Details: d.details(a.Ref)}, nil
}

func (d *Driver) details(ref string) map[string]string {
	det := map[string]string{"container": ref, "volume": volumeName(ref), "secret_file": SecretFile}
	if d.network != "" {
		det["network"] = d.network
	}
	return det
}

func (d *Driver) createContainer(ctx context.Context, a driver.Account) error {
	if _, err := d.cli.VolumeCreate(ctx, client.VolumeCreateOptions{Name: volumeName(a.Ref), Labels: labels(a.Ref)}); err != nil {
		return classify("create", err)
	}
	opts := client.ContainerCreateOptions{
		Name: a.Ref,
		Config: &container.Config{
			Image:    a.Package.Image,
			Env:      env(a.Package),
			Labels:   labels(a.Ref),
			Hostname: a.Ref,
		},
		HostConfig: &container.HostConfig{
			Resources:     resources(a.Package),
			RestartPolicy: container.RestartPolicy{Name: d.restart},
			NetworkMode:   container.NetworkMode(d.network),
			Mounts:        []mount.Mount{{Type: mount.TypeVolume, Source: volumeName(a.Ref), Target: DataPath}},
		},
	}
	_, err := d.cli.ContainerCreate(ctx, opts)
	if cerrdefs.IsNotFound(err) {
		// The image is not on the host yet: pull it once, then create.
		if perr := d.pull(ctx, a.Package.Image); perr != nil {
			return perr
		}
		_, err = d.cli.ContainerCreate(ctx, opts)
	}
	if cerrdefs.IsConflict(err) {
		// A create that raced with another (or was killed after the engine created
		// the container): the container exists now, which is what was asked.
		return nil
	}
	return classify("create", err)
}

func (d *Driver) pull(ctx context.Context, image string) error {
	r, err := d.cli.ImagePull(ctx, image, client.ImagePullOptions{})
	if err != nil {
		if cerrdefs.IsNotFound(err) || cerrdefs.IsUnauthorized(err) || cerrdefs.IsPermissionDenied(err) {
			return driver.Refused("create", "image %s cannot be pulled: %v", image, err)
		}
		return fmt.Errorf("docker: pull %s: %w", image, err)
	}
	defer r.Close()
	if err := r.Wait(ctx); err != nil {
		return fmt.Errorf("docker: pull %s: %w", image, err)
	}
	return nil
}

// writeSecret puts the secret file into the volume through the engine's archive API,
// which works on a created, running or stopped container alike.
func (d *Driver) writeSecret(ctx context.Context, op, ref, secret string) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	now := d.clock.Now()
	hdrs := []*tar.Header{
		{Name: ".hostpact/", Typeflag: tar.TypeDir, Mode: 0o700, ModTime: now},
		{Name: ".hostpact/secret", Typeflag: tar.TypeReg, Mode: 0o400, Size: int64(len(secret)), ModTime: now},
	}
	for _, h := range hdrs {
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
	}
	if _, err := io.WriteString(tw, secret); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	_, err := d.cli.CopyToContainer(ctx, ref, client.CopyToContainerOptions{DestinationPath: DataPath, Content: &buf})
	return classify(op, err)
}

func (d *Driver) update(ctx context.Context, op, ref string, p driver.Package) error {
	r := resources(p)
	_, err := d.cli.ContainerUpdate(ctx, ref, client.ContainerUpdateOptions{Resources: &r})
	return classify(op, err)
}

// Suspend pauses the container. A stopped (terminated) container is out of service
// already and stays as it is.
func (d *Driver) Suspend(ctx context.Context, ref string, _ driver.SuspendReason) error {
	c, found, err := d.inspect(ctx, "suspend", ref)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("docker: suspend %s: %w", ref, driver.ErrNotFound)
	}
	if c.State == nil || !c.State.Running || c.State.Paused {
		return nil
	}
	_, err = d.cli.ContainerPause(ctx, ref, client.ContainerPauseOptions{})
	return classify("suspend", err)
}

// Unsuspend continues a paused container.
func (d *Driver) Unsuspend(ctx context.Context, ref string) error {
	c, found, err := d.inspect(ctx, "unsuspend", ref)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("docker: unsuspend %s: %w", ref, driver.ErrNotFound)
	}
	if c.State == nil || !c.State.Paused {
		return nil
	}
	_, err = d.cli.ContainerUnpause(ctx, ref, client.ContainerUnpauseOptions{})
	return classify("unsuspend", err)
}

// Terminate stops the container and keeps it with its volume. A paused container is
// continued first so that it can end cleanly on SIGTERM.
func (d *Driver) Terminate(ctx context.Context, ref string) error {
	c, found, err := d.inspect(ctx, "terminate", ref)
	if err != nil || !found {
		return err
	}
	if c.State == nil || (!c.State.Running && !c.State.Paused && !c.State.Restarting) {
		return nil
	}
	if c.State.Paused {
		if _, err := d.cli.ContainerUnpause(ctx, ref, client.ContainerUnpauseOptions{}); err != nil {
			return classify("terminate", err)
		}
	}
	_, err = d.cli.ContainerStop(ctx, ref, client.ContainerStopOptions{})
	return classify("terminate", err)
}

// DeleteData removes the container and its volume.
func (d *Driver) DeleteData(ctx context.Context, ref string) error {
	_, found, err := d.inspect(ctx, "delete", ref)
	if err != nil {
		return err
	}
	if found {
		_, err := d.cli.ContainerRemove(ctx, ref, client.ContainerRemoveOptions{Force: true})
		if err != nil && !cerrdefs.IsNotFound(err) {
			return classify("delete", err)
		}
	}
	v, err := d.cli.VolumeInspect(ctx, volumeName(ref), client.VolumeInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return classify("delete", err)
	}
	if v.Volume.Labels[LabelManagedBy] != managedBy {
		return driver.Refused("delete", "volume %s exists but hostpact does not manage it", volumeName(ref))
	}
	_, err = d.cli.VolumeRemove(ctx, volumeName(ref), client.VolumeRemoveOptions{})
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	return classify("delete", err)
}

// ChangePackage updates the container's memory and CPU limits in place. The image is
// not changed: a new image is a new container, which is a move, not a package change.
func (d *Driver) ChangePackage(ctx context.Context, ref string, p driver.Package) error {
	_, found, err := d.inspect(ctx, "change_package", ref)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("docker: change package of %s: %w", ref, driver.ErrNotFound)
	}
	return d.update(ctx, "change_package", ref, p)
}

// ResetCredentials rewrites the secret file.
func (d *Driver) ResetCredentials(ctx context.Context, ref, secret string) (driver.Created, error) {
	_, found, err := d.inspect(ctx, "reset_credentials", ref)
	if err != nil {
		return driver.Created{}, err
	}
	if !found {
		return driver.Created{}, fmt.Errorf("docker: reset credentials of %s: %w", ref, driver.ErrNotFound)
	}
	if err := d.writeSecret(ctx, "reset_credentials", ref, secret); err != nil {
		return driver.Created{}, err
	}
	return driver.Created{Details: d.details(ref)}, nil
}

// Usage reads one sample of the engine's statistics: memory in use (without the page
// cache, as `docker stats` shows it), CPU time used since the start, network transfer,
// and the size of the container's writable layer.
func (d *Driver) Usage(ctx context.Context, ref string) (driver.Usage, error) {
	_, found, err := d.inspect(ctx, "usage", ref)
	if err != nil {
		return driver.Usage{}, err
	}
	if !found {
		return driver.Usage{}, fmt.Errorf("docker: usage of %s: %w", ref, driver.ErrNotFound)
	}
	r, err := d.cli.ContainerStats(ctx, ref, client.ContainerStatsOptions{})
	if err != nil {
		return driver.Usage{}, classify("usage", err)
	}
	defer r.Body.Close()
	var st container.StatsResponse
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&st); err != nil {
		return driver.Usage{}, fmt.Errorf("docker: usage of %s: %w", ref, err)
	}
	u := driver.Usage{MeasuredAt: d.clock.Now()}
	mem := int64(st.MemoryStats.Usage)
	for _, k := range []string{"total_inactive_file", "inactive_file"} {
		if v, ok := st.MemoryStats.Stats[k]; ok && int64(v) < mem {
			mem -= int64(v)
			break
		}
	}
	u.MemoryBytes = mem
	u.CPUSeconds = float64(st.CPUStats.CPUUsage.TotalUsage) / 1e9
	for _, n := range st.Networks {
		u.TransferBytes += int64(n.RxBytes + n.TxBytes)
	}
	ins, err := d.cli.ContainerInspect(ctx, ref, client.ContainerInspectOptions{Size: true})
	if err != nil {
		return driver.Usage{}, classify("usage", err)
	}
	if ins.Container.SizeRw != nil {
		u.DiskBytes = *ins.Container.SizeRw
	}
	return u, nil
}

// List returns the containers hostpact manages on this engine, running or not.
func (d *Driver) List(ctx context.Context) ([]driver.Listed, error) {
	r, err := d.cli.ContainerList(ctx, client.ContainerListOptions{
		All:     true,
		Filters: make(client.Filters).Add("label", LabelManagedBy+"="+managedBy),
	})
	if err != nil {
		return nil, classify("list", err)
	}
	var out []driver.Listed
	for _, c := range r.Items {
		ref := c.Labels[LabelRef]
		if ref == "" {
			continue
		}
		out = append(out, driver.Listed{Ref: ref, Kind: driver.Kind(c.Labels[LabelKind]), Suspended: c.State == container.StatePaused})
	}
	slices.SortFunc(out, func(a, b driver.Listed) int { return strings.Compare(a.Ref, b.Ref) })
	return out, nil
}

// classify turns the engine's answers into the driver contract: a request the engine
// understood and refused (bad parameters, a conflict, no permission) is a refusal;
// anything else (unreachable, timeouts, the engine's own failures) may pass on retry.
func classify(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case cerrdefs.IsInvalidArgument(err), cerrdefs.IsConflict(err), cerrdefs.IsPermissionDenied(err),
		cerrdefs.IsFailedPrecondition(err), cerrdefs.IsNotImplemented(err), cerrdefs.IsUnauthorized(err):
		return &driver.Refusal{Op: op, Message: err.Error()}
	}
	return fmt.Errorf("docker: %s: %w", op, err)
}
