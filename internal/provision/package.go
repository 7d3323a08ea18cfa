package provision

import (
	"strconv"

	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/provision/driver"
)

// PackageFor is what a plan gives its service on the server. The catalog states a
// plan's storage (StorageMB) and monthly traffic; the driver enforces the storage as
// the disk quota, and the plan's code names the package (a control panel with its own
// packages, DirectAdmin, uses it). Traffic is measured, not enforced, so it travels as
// an extra for drivers that show it.
func PackageFor(p catalog.Plan) driver.Package {
	pkg := driver.Package{Name: p.Code, DiskMB: p.StorageMB}
	if p.TrafficGB > 0 {
		pkg.Extra = map[string]string{"traffic_gb": strconv.FormatInt(p.TrafficGB, 10)}
	}
	return pkg
}
