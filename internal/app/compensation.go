package app

import (
	"context"
	"time"

	"github.com/hostpact/hostpact/internal/compensation"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/sla"
	"github.com/hostpact/hostpact/internal/store"
)

// slaMeasurements is what the SLA reads of the monitor. Until the monitor service is
// wired here (issue 10, part A1: a.Monitor implements compensation.Measurements), no
// service is placed on a measured server, so every month is fully available.
func slaMeasurements(*App) compensation.Measurements { return noMeasurements{} }

// slaMaintenance is the status package's maintenance (part B: a.Status implements
// compensation.MaintenanceSource); nil until it is wired.
func slaMaintenance(*App) compensation.MaintenanceSource { return nil }

type noMeasurements struct{}

func (noMeasurements) ServersOf(context.Context, store.Querier, int64) ([]monitor.Server, error) {
	return nil, nil
}

func (noMeasurements) ServiceChecks(context.Context, store.Querier, int64, time.Time, time.Time) ([]sla.Check, error) {
	return nil, nil
}
