package proxmox

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/hostpact/hostpact/internal/provision/driver"
)

// guest is a QEMU guest as /cluster/resources lists it.
type guest struct {
	VMID     int    `json:"vmid"`
	Name     string `json:"name"`
	Node     string `json:"node"`
	Type     string `json:"type"`
	Status   string `json:"status"`
	Template int    `json:"template"`
	Tags     string `json:"tags"`
	Lock     string `json:"lock"`
}

func (g guest) path() string {
	return "/nodes/" + url.PathEscape(g.Node) + "/qemu/" + strconv.Itoa(g.VMID)
}

func (g guest) tags() []string { return splitTags(g.Tags) }

func splitTags(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ';' || r == ',' || r == ' ' })
}

// marker is the description a clone gets, which tells a guest an earlier attempt cloned
// (and has not tagged yet) from another guest of the same name.
func (d *Driver) marker(ref string) string { return "hostpact " + d.tag + " " + ref }

func (d *Driver) suspendedTag() string  { return d.tag + "-suspended" }
func (d *Driver) terminatedTag() string { return d.tag + "-terminated" }

func (d *Driver) guests(ctx context.Context, op string) ([]guest, error) {
	data, err := d.call(ctx, op, http.MethodGet, "/cluster/resources", url.Values{"type": {"vm"}})
	if err != nil {
		return nil, err
	}
	var all []guest
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, fmt.Errorf("proxmox: /cluster/resources: %w", err)
	}
	out := all[:0]
	for _, g := range all {
		if g.Type == "qemu" || g.Type == "" {
			out = append(out, g)
		}
	}
	return out, nil
}

// find returns the guest named ref (nil when there is none). Two guests with that name
// are a conflict staff must resolve; the driver does not guess.
func (d *Driver) find(ctx context.Context, op, ref string) (*guest, error) {
	all, err := d.guests(ctx, op)
	if err != nil {
		return nil, err
	}
	var found *guest
	for i, g := range all {
		if g.Template == 0 && g.Name == ref {
			if found != nil {
				return nil, driver.Refused(op, "Proxmox VE has two guests named %s (%d and %d)", ref, found.VMID, g.VMID)
			}
			found = &all[i]
		}
	}
	return found, nil
}

func (d *Driver) mustFind(ctx context.Context, op, ref string) (*guest, error) {
	g, err := d.find(ctx, op, ref)
	if err == nil && g == nil {
		err = fmt.Errorf("proxmox: guest %s: %w", ref, driver.ErrNotFound)
	}
	return g, err
}

// template finds the template guest by name, or by vmid when name is a number.
func (d *Driver) template(ctx context.Context, name string) (*guest, error) {
	all, err := d.guests(ctx, "create")
	if err != nil {
		return nil, err
	}
	for i, g := range all {
		if g.Template == 1 && (g.Name == name || strconv.Itoa(g.VMID) == name) {
			return &all[i], nil
		}
	}
	return nil, driver.Refused("create", "Proxmox VE has no template guest named %q", name)
}

// config is the part of a guest's configuration the driver reads.
type config struct {
	Cores       int
	MemoryMB    int64
	DiskMB      int64
	Tags        []string
	CIUser      string
	Description string
}

func (d *Driver) config(ctx context.Context, op string, g *guest) (config, error) {
	data, err := d.call(ctx, op, http.MethodGet, g.path()+"/config", nil)
	if err != nil {
		return config{}, err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return config{}, fmt.Errorf("proxmox: config of %d: %w", g.VMID, err)
	}
	str := func(k string) string {
		var s string
		_ = json.Unmarshal(raw[k], &s)
		return s
	}
	c := config{Cores: int(number(raw["cores"])), MemoryMB: int64(number(raw["memory"])), Tags: splitTags(str("tags")), CIUser: str("ciuser"), Description: str("description")}
	disk := str(d.disk)
	if disk == "" {
		return c, driver.Refused(op, "guest %d has no disk %s (setting disk)", g.VMID, d.disk)
	}
	c.DiskMB, err = diskSize(disk)
	if err != nil {
		return c, fmt.Errorf("proxmox: disk %s of guest %d: %w", d.disk, g.VMID, err)
	}
	return c, nil
}

// diskSize reads the size option of a drive, e.g. "local-lvm:vm-101-disk-0,size=32G".
func diskSize(drive string) (int64, error) {
	for opt := range strings.SplitSeq(drive, ",") {
		v, found := strings.CutPrefix(opt, "size=")
		if !found {
			continue
		}
		mult := 1.0 / (1 << 20)
		if v != "" {
			switch v[len(v)-1] {
			case 'K':
				mult = 1.0 / 1024
			case 'M':
				mult = 1
			case 'G':
				mult = 1024
			case 'T':
				mult = 1 << 20
			}
			if mult != 1.0/(1<<20) {
				v = v[:len(v)-1]
			}
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f >= 0) || math.IsInf(f, 0) || f*mult > math.MaxInt64/2 {
			return 0, fmt.Errorf("size %q is not a size", v)
		}
		return int64(math.Ceil(f * mult)), nil
	}
	return 0, fmt.Errorf("no size in %q", drive)
}

// setTags writes the tag set; Proxmox separates tags with ";".
func (d *Driver) setTags(ctx context.Context, op string, g *guest, tags []string) error {
	if slices.Equal(tags, g.tags()) {
		return nil
	}
	if len(tags) == 0 {
		return d.task(ctx, op, http.MethodPost, g.path()+"/config", url.Values{"delete": {"tags"}})
	}
	return d.task(ctx, op, http.MethodPost, g.path()+"/config", url.Values{"tags": {strings.Join(tags, ";")}})
}

func withTag(tags []string, t string) []string {
	if slices.Contains(tags, t) {
		return tags
	}
	return append(slices.Clone(tags), t)
}

func withoutTag(tags []string, t string) []string {
	return slices.DeleteFunc(slices.Clone(tags), func(x string) bool { return x == t })
}

func (d *Driver) start(ctx context.Context, op string, g *guest) error {
	if g.Status == "running" {
		return nil
	}
	return d.task(ctx, op, http.MethodPost, g.path()+"/status/start", nil)
}

// shutdown asks the guest to power off and forces it after two minutes, so a guest
// that ignores ACPI cannot stay in service.
func (d *Driver) shutdown(ctx context.Context, op string, g *guest) error {
	if g.Status != "running" {
		return nil
	}
	return d.task(ctx, op, http.MethodPost, g.path()+"/status/shutdown", url.Values{"forceStop": {"1"}, "timeout": {"120"}})
}

// packageValues are the config values of a package: cores rounded up from thousandths,
// a CPU limit when the package gives a fraction of a core, memory in MiB.
func packageValues(p driver.Package) url.Values {
	v := url.Values{}
	if p.CPUMilli > 0 {
		v.Set("cores", strconv.FormatInt((p.CPUMilli+999)/1000, 10))
		if p.CPUMilli%1000 != 0 {
			v.Set("cpulimit", strconv.FormatFloat(float64(p.CPUMilli)/1000, 'f', -1, 64))
		}
	}
	if p.MemoryMB > 0 {
		v.Set("memory", strconv.FormatInt(p.MemoryMB, 10))
	}
	return v
}

// grow resizes the disk to p.DiskMB when that is larger than it is.
func (d *Driver) grow(ctx context.Context, op string, g *guest, current int64, p driver.Package) error {
	if p.DiskMB <= current {
		return nil
	}
	return d.task(ctx, op, http.MethodPut, g.path()+"/resize", url.Values{"disk": {d.disk}, "size": {strconv.FormatInt(p.DiskMB, 10) + "M"}})
}

func (d *Driver) details(g *guest, c config) map[string]string {
	m := map[string]string{"vmid": strconv.Itoa(g.VMID), "node": g.Node, "name": g.Name}
	if c.CIUser != "" {
		m["username"] = c.CIUser
	}
	return m
}

// Create clones the template to a new guest named a.Ref (or finds the guest an earlier
// attempt made), gives it the package and the cloud-init password, and starts it.
func (d *Driver) Create(ctx context.Context, a driver.Account) (driver.Created, error) {
	const op = "create"
	if err := driver.ValidRef(a.Ref); err != nil {
		return driver.Created{}, err
	}
	if a.Package.Template == "" {
		return driver.Created{}, driver.Refused(op, "the plan names no Proxmox template (package template)")
	}
	g, err := d.find(ctx, op, a.Ref)
	if err != nil {
		return driver.Created{}, err
	}
	if g != nil && g.Lock != "" {
		// An earlier attempt's clone (or another operation) is still running; Proxmox
		// would refuse every change until it ends.
		return driver.Created{}, fmt.Errorf("proxmox: guest %s (%d) is locked (%s); trying again later", a.Ref, g.VMID, g.Lock)
	}
	if g == nil {
		if err := d.clone(ctx, a); err != nil {
			return driver.Created{}, err
		}
		if g, err = d.mustFind(ctx, op, a.Ref); err != nil {
			return driver.Created{}, err
		}
	}
	c, err := d.config(ctx, op, g)
	if err != nil {
		return driver.Created{}, err
	}
	// A guest of that name that hostpact neither tagged nor cloned is someone else's.
	if !slices.Contains(c.Tags, d.tag) && c.Description != d.marker(a.Ref) {
		return driver.Created{}, driver.Refused(op, "Proxmox VE already has a guest named %s (%d) that hostpact did not make", a.Ref, g.VMID)
	}
	v := packageValues(a.Package)
	v.Set("cipassword", a.Secret)
	if d.ciuser != "" {
		v.Set("ciuser", d.ciuser)
		c.CIUser = d.ciuser
	}
	v.Set("tags", strings.Join(withTag(c.Tags, d.tag), ";"))
	if err := d.task(ctx, op, http.MethodPost, g.path()+"/config", v); err != nil {
		return driver.Created{}, err
	}
	// A template disk larger than the plan's stays as it is: Proxmox cannot shrink.
	if err := d.grow(ctx, op, g, c.DiskMB, a.Package); err != nil {
		return driver.Created{}, err
	}
	if !slices.Contains(c.Tags, d.suspendedTag()) && !slices.Contains(c.Tags, d.terminatedTag()) {
		if err := d.start(ctx, op, g); err != nil {
			return driver.Created{}, err
		}
	}
	return driver.Created{Details: d.details(g, c)}, nil
}

func (d *Driver) clone(ctx context.Context, a driver.Account) error {
	const op = "create"
	t, err := d.template(ctx, a.Package.Template)
	if err != nil {
		return err
	}
	data, err := d.call(ctx, op, http.MethodGet, "/cluster/nextid", nil)
	if err != nil {
		return err
	}
	newid := strconv.Itoa(int(number(data)))
	v := url.Values{"newid": {newid}, "name": {a.Ref}, "description": {d.marker(a.Ref)}}
	if !d.linked {
		// A full clone does not depend on the template staying unchanged.
		v.Set("full", "1")
		if d.storage != "" {
			v.Set("storage", d.storage)
		}
	}
	if t.Node != d.node {
		v.Set("target", d.node)
	}
	return d.task(ctx, op, http.MethodPost, t.path()+"/clone", v)
}

// Suspend tags the guest suspended and shuts it down.
func (d *Driver) Suspend(ctx context.Context, ref string, _ driver.SuspendReason) error {
	const op = "suspend"
	g, err := d.mustFind(ctx, op, ref)
	if err != nil {
		return err
	}
	if err := d.setTags(ctx, op, g, withTag(g.tags(), d.suspendedTag())); err != nil {
		return err
	}
	return d.shutdown(ctx, op, g)
}

// Unsuspend starts the guest, then removes the suspended tag.
func (d *Driver) Unsuspend(ctx context.Context, ref string) error {
	const op = "unsuspend"
	g, err := d.mustFind(ctx, op, ref)
	if err != nil {
		return err
	}
	if slices.Contains(g.tags(), d.terminatedTag()) {
		return driver.Refused(op, "guest %s is terminated", ref)
	}
	if err := d.start(ctx, op, g); err != nil {
		return err
	}
	return d.setTags(ctx, op, g, withoutTag(g.tags(), d.suspendedTag()))
}

// Terminate tags the guest terminated and shuts it down; its disks stay.
func (d *Driver) Terminate(ctx context.Context, ref string) error {
	const op = "terminate"
	g, err := d.find(ctx, op, ref)
	if err != nil || g == nil {
		return err
	}
	if err := d.setTags(ctx, op, g, withTag(g.tags(), d.terminatedTag())); err != nil {
		return err
	}
	return d.shutdown(ctx, op, g)
}

// DeleteData stops the guest and destroys it with its disks and its entries in backup
// jobs, replication and HA (purge).
func (d *Driver) DeleteData(ctx context.Context, ref string) error {
	const op = "delete"
	g, err := d.find(ctx, op, ref)
	if err != nil || g == nil {
		return err
	}
	if g.Status == "running" {
		if err := d.task(ctx, op, http.MethodPost, g.path()+"/status/stop", nil); err != nil {
			return err
		}
	}
	return d.task(ctx, op, http.MethodDelete, g.path(), url.Values{"purge": {"1"}, "destroy-unreferenced-disks": {"1"}})
}

// ChangePackage sets cores and memory and grows the disk. A smaller disk is refused
// before anything changes.
func (d *Driver) ChangePackage(ctx context.Context, ref string, p driver.Package) error {
	const op = "change_package"
	g, err := d.mustFind(ctx, op, ref)
	if err != nil {
		return err
	}
	c, err := d.config(ctx, op, g)
	if err != nil {
		return err
	}
	if p.DiskMB > 0 && p.DiskMB < c.DiskMB {
		return driver.Refused(op, "Proxmox VE cannot shrink a disk: %s of guest %d is %d MB, the plan has %d MB", d.disk, g.VMID, c.DiskMB, p.DiskMB)
	}
	if v := packageValues(p); len(v) > 0 {
		if p.CPUMilli > 0 && p.CPUMilli%1000 == 0 {
			v.Set("delete", "cpulimit")
		}
		if err := d.task(ctx, op, http.MethodPost, g.path()+"/config", v); err != nil {
			return err
		}
	}
	return d.grow(ctx, op, g, c.DiskMB, p)
}

// ResetCredentials sets the cloud-init password, which the guest takes at its next boot.
func (d *Driver) ResetCredentials(ctx context.Context, ref string, secret string) (driver.Created, error) {
	const op = "reset_credentials"
	g, err := d.mustFind(ctx, op, ref)
	if err != nil {
		return driver.Created{}, err
	}
	if err := d.task(ctx, op, http.MethodPost, g.path()+"/config", url.Values{"cipassword": {secret}}); err != nil {
		return driver.Created{}, err
	}
	c, err := d.config(ctx, op, g)
	if err != nil {
		return driver.Created{}, err
	}
	det := d.details(g, c)
	det["password_applies"] = "next-boot"
	return driver.Created{Details: det}, nil
}

// List returns the guests that carry the driver's tag.
func (d *Driver) List(ctx context.Context) ([]driver.Listed, error) {
	all, err := d.guests(ctx, "list")
	if err != nil {
		return nil, err
	}
	var out []driver.Listed
	for _, g := range all {
		tags := g.tags()
		if g.Template != 0 || !slices.Contains(tags, d.tag) {
			continue
		}
		out = append(out, driver.Listed{
			Ref: g.Name, Kind: driver.KindVPS,
			Suspended: slices.Contains(tags, d.suspendedTag()) || slices.Contains(tags, d.terminatedTag()),
		})
	}
	return out, nil
}
