package app

import (
	"errors"
	"fmt"
	"os"

	"github.com/hostpact/hostpact/internal/monitor/runner"
)

// probeRunner builds the probe role's runner: the checks of HOSTPACT_PROBE_LOCATION,
// leased from the monitor so that several instances at one location share them
// (cp.sla.availability.2: availability is measured from more than one location).
func (a *App) probeRunner() (*runner.Runner, error) {
	if a.Config.ProbeLocation == "" {
		return nil, errors.New("the probe role needs a location: set HOSTPACT_PROBE_LOCATION or --location")
	}
	if a.ProbeStore == nil {
		return nil, errors.New("the probe role needs the monitor service")
	}
	host, err := os.Hostname()
	if err != nil {
		host = "hostpact"
	}
	return runner.New(a.ProbeStore, a.Clock, runner.Config{
		Location: a.Config.ProbeLocation,
		Instance: fmt.Sprintf("%s-%d", host, os.Getpid()),
		Logger:   a.Logger.With("role", "probe"),
	}), nil
}
