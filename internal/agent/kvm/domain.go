package kvm

import (
	"crypto/sha256"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
)

// Marks in the metadata: what the provisioning layer last asked of the VPS.
const (
	stateActive     = "active"
	stateSuspended  = "suspended"
	stateTerminated = "terminated"
)

// meta is hostpact's element in a domain's <metadata>: the VPS as the provisioning
// layer defined it. The domain's XML is rendered from it, so it is the one place the
// package lives.
type meta struct {
	XMLName  xml.Name `xml:"vps"`
	State    string   `xml:"state,attr"`
	Template string   `xml:"template,attr"`
	VCPUs    int      `xml:"vcpus,attr"`
	MemoryMB int64    `xml:"memory-mb,attr"`
	DiskMB   int64    `xml:"disk-mb,attr"`
	Network  string   `xml:"network,attr,omitempty"`
}

// parseMeta reads the element as libvirt returns it (DomainGetMetadata, which selects
// it by namespace and returns it without one); it comes from the daemon, whose domains
// anyone with access to the host can edit.
func parseMeta(s string) (meta, error) {
	var m meta
	if err := xml.Unmarshal([]byte(s), &m); err != nil {
		return meta{}, fmt.Errorf("kvm: hostpact metadata: %w", err)
	}
	switch m.State {
	case stateActive, stateSuspended, stateTerminated:
	default:
		return meta{}, fmt.Errorf("kvm: hostpact metadata: state %q", m.State)
	}
	if m.VCPUs < 1 || m.VCPUs > 4096 || m.MemoryMB < 1 || m.DiskMB < 0 {
		return meta{}, fmt.Errorf("kvm: hostpact metadata: package %d vCPUs, %d MB memory, %d MB disk", m.VCPUs, m.MemoryMB, m.DiskMB)
	}
	if m.Template != "" && !namePattern.MatchString(m.Template) {
		return meta{}, fmt.Errorf("kvm: hostpact metadata: template %q", m.Template)
	}
	if m.Network != "" && !namePattern.MatchString(m.Network) {
		return meta{}, fmt.Errorf("kvm: hostpact metadata: network %q", m.Network)
	}
	return m, nil
}

// vps is one domain as the module defines it.
type vps struct {
	Name    string
	UUID    string
	Machine string
	CPUMode string
	Meta    meta
	Disk    string // qcow2
	Seed    string // ISO
	Console string // serial log
}

// The domain XML, as far as the module writes it. Whatever libvirt adds (PCI addresses,
// controllers, the emulator) it adds again when the definition is replaced.
type domainXML struct {
	XMLName    xml.Name   `xml:"domain"`
	Type       string     `xml:"type,attr"`
	Name       string     `xml:"name"`
	UUID       string     `xml:"uuid"`
	Metadata   metadataEl `xml:"metadata"`
	Memory     sizeEl     `xml:"memory"`
	CurrentMem sizeEl     `xml:"currentMemory"`
	VCPU       int        `xml:"vcpu"`
	OS         struct {
		Type struct {
			Arch    string `xml:"arch,attr"`
			Machine string `xml:"machine,attr"`
			Value   string `xml:",chardata"`
		} `xml:"type"`
		Boot struct {
			Dev string `xml:"dev,attr"`
		} `xml:"boot"`
	} `xml:"os"`
	Features struct {
		ACPI struct{} `xml:"acpi"`
		APIC struct{} `xml:"apic"`
	} `xml:"features"`
	CPU *struct {
		Mode string `xml:"mode,attr"`
	} `xml:"cpu"`
	OnPoweroff string `xml:"on_poweroff"`
	OnReboot   string `xml:"on_reboot"`
	OnCrash    string `xml:"on_crash"`
	Devices    struct {
		Disks      []diskEl      `xml:"disk"`
		Interfaces []interfaceEl `xml:"interface"`
		Serial     struct {
			Type   string `xml:"type,attr"`
			Source struct {
				Path   string `xml:"path,attr"`
				Append string `xml:"append,attr"`
			} `xml:"source"`
			Target struct {
				Port int `xml:"port,attr"`
			} `xml:"target"`
		} `xml:"serial"`
		MemBalloon struct {
			Model string `xml:"model,attr"`
		} `xml:"memballoon"`
	} `xml:"devices"`
}

// metadataEl writes meta with a prefix: libvirt keeps a metadata element by its
// namespace and needs the namespace declared on it.
type metadataEl struct {
	VPS struct {
		XMLName  xml.Name `xml:"hostpact:vps"`
		NS       string   `xml:"xmlns:hostpact,attr"`
		State    string   `xml:"state,attr"`
		Template string   `xml:"template,attr"`
		VCPUs    int      `xml:"vcpus,attr"`
		MemoryMB int64    `xml:"memory-mb,attr"`
		DiskMB   int64    `xml:"disk-mb,attr"`
		Network  string   `xml:"network,attr,omitempty"`
	}
}

type sizeEl struct {
	Unit  string `xml:"unit,attr"`
	Value int64  `xml:",chardata"`
}

type diskEl struct {
	Type   string `xml:"type,attr"`
	Device string `xml:"device,attr"`
	Driver struct {
		Name string `xml:"name,attr"`
		Type string `xml:"type,attr"`
	} `xml:"driver"`
	Source *struct {
		File string `xml:"file,attr"`
	} `xml:"source"`
	Target struct {
		Dev string `xml:"dev,attr"`
		Bus string `xml:"bus,attr"`
	} `xml:"target"`
	ReadOnly *struct{} `xml:"readonly"`
}

type interfaceEl struct {
	Type string `xml:"type,attr"`
	MAC  struct {
		Address string `xml:"address,attr"`
	} `xml:"mac"`
	Source struct {
		Network string `xml:"network,attr"`
	} `xml:"source"`
	Model struct {
		Type string `xml:"type,attr"`
	} `xml:"model"`
}

// render returns the domain's XML definition.
func (v vps) render() (string, error) {
	var x domainXML
	x.Type = "kvm"
	x.Name = v.Name
	x.UUID = v.UUID
	m := &x.Metadata.VPS
	m.NS = MetadataNS
	m.State, m.Template, m.VCPUs, m.MemoryMB, m.DiskMB, m.Network = v.Meta.State, v.Meta.Template, v.Meta.VCPUs, v.Meta.MemoryMB, v.Meta.DiskMB, v.Meta.Network
	x.Memory = sizeEl{Unit: "MiB", Value: v.Meta.MemoryMB}
	x.CurrentMem = x.Memory
	x.VCPU = v.Meta.VCPUs
	x.OS.Type.Arch, x.OS.Type.Machine, x.OS.Type.Value = "x86_64", v.Machine, "hvm"
	x.OS.Boot.Dev = "hd"
	if v.CPUMode != "" {
		x.CPU = &struct {
			Mode string `xml:"mode,attr"`
		}{v.CPUMode}
	}
	x.OnPoweroff, x.OnReboot, x.OnCrash = "destroy", "restart", "destroy"

	var disk diskEl
	disk.Type, disk.Device = "file", "disk"
	disk.Driver.Name, disk.Driver.Type = "qemu", "qcow2"
	disk.Source = &struct {
		File string `xml:"file,attr"`
	}{v.Disk}
	disk.Target.Dev, disk.Target.Bus = "vda", "virtio"
	x.Devices.Disks = []diskEl{disk, v.seedDisk()}

	if v.Meta.Network != "" {
		var nic interfaceEl
		nic.Type = "network"
		nic.MAC.Address = macFor(v.UUID)
		nic.Source.Network = v.Meta.Network
		nic.Model.Type = "virtio"
		x.Devices.Interfaces = []interfaceEl{nic}
	}
	x.Devices.Serial.Type = "file"
	x.Devices.Serial.Source.Path, x.Devices.Serial.Source.Append = v.Console, "on"
	x.Devices.MemBalloon.Model = "virtio"

	b, err := xml.MarshalIndent(x, "", "  ")
	if err != nil {
		return "", err
	}
	return string(b) + "\n", nil
}

// seedDisk is the CD-ROM drive with the cloud-init seed.
func (v vps) seedDisk() diskEl {
	var seed diskEl
	seed.Type, seed.Device = "file", "cdrom"
	seed.Driver.Name, seed.Driver.Type = "qemu", "raw"
	seed.Source = &struct {
		File string `xml:"file,attr"`
	}{v.Seed}
	// Q35 has no IDE controller; i440FX ("pc") has no SATA one without an extra device.
	seed.Target.Dev, seed.Target.Bus = "hdc", "ide"
	if strings.Contains(v.Machine, "q35") {
		seed.Target.Dev, seed.Target.Bus = "sda", "sata"
	}
	seed.ReadOnly = &struct{}{}
	return seed
}

// seedXML is the seed drive's XML, for changing the medium of a running guest; empty
// (ejected) when eject is set.
func (v vps) seedXML(eject bool) (string, error) {
	disk := v.seedDisk()
	if eject {
		disk.Source = nil
	}
	b, err := xml.Marshal(struct {
		XMLName xml.Name `xml:"disk"`
		diskEl
	}{diskEl: disk})
	return string(b), err
}

// macFor is the interface's MAC address, derived from the domain's UUID so that every
// redefinition keeps it (the guest's network configuration and the DHCP lease follow
// the address), in QEMU's locally administered range 52:54:00.
func macFor(uuid string) string {
	h := sha256.Sum256([]byte(uuid))
	return fmt.Sprintf("52:54:00:%02x:%02x:%02x", h[0], h[1], h[2])
}

// vcpusFor rounds a plan's thousandths of a CPU up to whole vCPUs, at least one.
func vcpusFor(milli int64) int {
	if milli <= 0 {
		return 1
	}
	return int((milli + 999) / 1000)
}

func itoa[T int | int64](v T) string { return strconv.FormatInt(int64(v), 10) }
