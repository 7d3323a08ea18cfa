// Package proxmox is the provisioning driver for virtual private servers on Proxmox VE,
// through its REST API (/api2/json) with an API token.
//
// A VPS is a QEMU guest cloned from a template guest (Package.Template names it) and
// named by the account's Ref; the name is how every call finds it again, so a retried
// Create finds the clone of the first attempt instead of making a second one. Guests
// hostpact manages carry the tag "hostpact" (setting "tag"), which List selects by.
//
// Choices, each Proxmox-specific:
//   - Suspend shuts the guest down (ACPI, forced after a timeout) and tags it
//     "<tag>-suspended"; it does not use status/suspend, which pauses the guest with its
//     memory still reserved on the node and resumes it with a stale clock. Unsuspend
//     starts it. The tag is what List reports as suspended, because a guest the customer
//     shut down from inside is stopped too.
//   - Terminate shuts the guest down and tags it "<tag>-terminated"; its disks are kept
//     until DeleteData destroys it (purge=1, destroy-unreferenced-disks=1).
//   - Proxmox can grow a disk but not shrink it: ChangePackage to a smaller disk is a
//     refusal, checked before anything is changed. Cores and memory of a running guest
//     take effect at its next restart unless hot-plug is enabled on the guest.
//   - The customer's password is the cloud-init user password (cipassword). Cloud-init
//     applies it when the guest boots, so after ResetCredentials it takes effect at the
//     next restart; the answer says so in the detail "password_applies".
//   - Proxmox nodes use a self-signed certificate: the driver pins its SHA-256
//     fingerprint (credential "fingerprint") and refuses any other.
package proxmox

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/provision/drivers/pin"
)

// TypeName is the registry name of the driver type.
const TypeName = "proxmox"

// Type is the registry entry of the driver.
func Type() driver.Type {
	return driver.Type{
		Name:             TypeName,
		Kinds:            []driver.Kind{driver.KindVPS},
		CredentialFields: []string{"token_id", "token_secret", "fingerprint"},
		SettingFields:    []string{"node", "disk", "tag", "storage", "linked_clone", "ciuser"},
		New:              func(s driver.Server) (driver.Driver, error) { return New(s) },
	}
}

// Driver talks to one Proxmox VE node (or cluster, through one of its nodes).
type Driver struct {
	base    string
	auth    string
	node    string
	disk    string
	tag     string
	storage string
	linked  bool
	ciuser  string
	http    *http.Client

	// PollInterval is the wait between two looks at a running task.
	PollInterval time.Duration
}

// New makes a driver for s. Endpoint is the node's address, e.g. https://pve1:8006;
// credentials token_id (USER@REALM!TOKENID), token_secret and fingerprint; setting
// node is the node new guests are created on.
func New(s driver.Server) (*Driver, error) {
	u, err := url.Parse(strings.TrimSpace(s.Endpoint))
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, errors.New("proxmox: endpoint must be an https:// address, e.g. https://pve1.example.net:8006")
	}
	id, secret := s.Credentials["token_id"], s.Credentials["token_secret"]
	if !strings.Contains(id, "@") || !strings.Contains(id, "!") || secret == "" {
		return nil, errors.New("proxmox: credentials need token_id (USER@REALM!TOKENID) and token_secret")
	}
	node := s.Settings["node"]
	if node == "" {
		return nil, errors.New("proxmox: setting node (the node new guests are created on) is missing")
	}
	client, err := pin.Client(s.Credentials["fingerprint"], 60*time.Second)
	if err != nil {
		return nil, err
	}
	d := &Driver{
		base: strings.TrimSuffix(strings.TrimSuffix(u.String(), "/"), "/api2/json") + "/api2/json",
		auth: "PVEAPIToken=" + id + "=" + secret,
		node: node, disk: "scsi0", tag: "hostpact",
		storage: s.Settings["storage"], linked: s.Settings["linked_clone"] == "yes",
		ciuser: s.Settings["ciuser"], http: client, PollInterval: time.Second,
	}
	if v := s.Settings["disk"]; v != "" {
		d.disk = v
	}
	if v := s.Settings["tag"]; v != "" {
		d.tag = strings.ToLower(v)
	}
	return d, nil
}

var _ driver.Driver = (*Driver)(nil)

// Test checks that the API answers, accepts the token and knows the node.
func (d *Driver) Test(ctx context.Context) error {
	if _, err := d.call(ctx, "test", http.MethodGet, "/version", nil); err != nil {
		return err
	}
	data, err := d.call(ctx, "test", http.MethodGet, "/nodes", nil)
	if err != nil {
		return err
	}
	var nodes []struct {
		Node   string `json:"node"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal(data, &nodes); err != nil {
		return errors.New("proxmox: /nodes: " + err.Error())
	}
	for _, n := range nodes {
		if n.Node == d.node {
			if n.Status != "online" {
				return errors.New("proxmox: node " + d.node + " is " + n.Status)
			}
			return nil
		}
	}
	return driver.Refused("test", "Proxmox VE has no node %q (the token may lack Sys.Audit on it)", d.node)
}
