package proxmox

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/hostpact/hostpact/internal/provision/driver"
)

// sample is one row of a guest's RRD data: averages over the step before time; cpu is
// the share of the guest's cores in use, netin/netout bytes per second.
type sample struct {
	Time   int64    `json:"time"`
	CPU    *float64 `json:"cpu"`
	MaxCPU float64  `json:"maxcpu"`
	Mem    float64  `json:"mem"`
	Disk   float64  `json:"disk"`
	NetIn  float64  `json:"netin"`
	NetOut float64  `json:"netout"`
}

// Usage reads the last hour of the guest's RRD data: CPU seconds and network transfer
// summed over the hour, memory and disk as last measured (disk is only measured when
// the guest agent reports it).
func (d *Driver) Usage(ctx context.Context, ref string) (driver.Usage, error) {
	const op = "usage"
	g, err := d.mustFind(ctx, op, ref)
	if err != nil {
		return driver.Usage{}, err
	}
	data, err := d.call(ctx, op, http.MethodGet, g.path()+"/rrddata", url.Values{"timeframe": {"hour"}, "cf": {"AVERAGE"}})
	if err != nil {
		return driver.Usage{}, err
	}
	var rows []sample
	if err := json.Unmarshal(data, &rows); err != nil {
		return driver.Usage{}, fmt.Errorf("proxmox: rrddata of %d: %w", g.VMID, err)
	}
	return usageOf(rows), nil
}

func usageOf(rows []sample) driver.Usage {
	var u driver.Usage
	var transfer float64
	for i, r := range rows {
		if r.CPU == nil {
			continue // no data for this step (guest stopped)
		}
		step := 60.0
		if i > 0 && r.Time > rows[i-1].Time {
			step = float64(r.Time - rows[i-1].Time)
		}
		u.CPUSeconds += *r.CPU * r.MaxCPU * step
		transfer += (r.NetIn + r.NetOut) * step
		u.MemoryBytes = int64(r.Mem)
		u.DiskBytes = int64(r.Disk)
		u.MeasuredAt = time.Unix(r.Time, 0).UTC()
	}
	u.TransferBytes = int64(transfer)
	if u.MeasuredAt.IsZero() && len(rows) > 0 {
		u.MeasuredAt = time.Unix(rows[len(rows)-1].Time, 0).UTC()
	}
	return u
}
