package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"

	"github.com/hostpact/hostpact/internal/agent/pki"
	"github.com/hostpact/hostpact/internal/provision/driver"
)

// Config is the agent's configuration file, JSON:
//
//	{
//	  "listen": "0.0.0.0:7443",
//	  "bundle": "/etc/hostpact/agent.pem",
//	  "data_dir": "/var/lib/hostpact-agent",
//	  "modules": {
//	    "webhosting": { …the webhost module's settings… },
//	    "email":      { …the mailhost module's settings… },
//	    "vpn":        { …the vpn module's settings… }
//	  }
//	}
//
// Only the modules named under "modules" run; each gets its own section and its own
// directory data_dir/<kind> for the state it keeps.
type Config struct {
	Listen  string                     `json:"listen"`
	Bundle  string                     `json:"bundle"` // the PEM file enrolment produced
	DataDir string                     `json:"data_dir"`
	Modules map[string]json.RawMessage `json:"modules"`
	// Backup, when present, lets hostpact back up and restore the modules' accounts
	// here with restic (docs/agent.md, "Backups").
	Backup *BackupConfig `json:"backup,omitempty"`
}

// Factory makes a module from its section of the configuration and its data directory.
type Factory func(settings json.RawMessage, dataDir string) (driver.Driver, error)

// Factories are the modules an agent binary knows, by kind.
type Factories map[driver.Kind]Factory

// LoadConfig reads and checks a configuration file.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	var c Config
	if err := json.Unmarshal(data, &c); err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	if c.Listen == "" || c.Bundle == "" || c.DataDir == "" {
		return Config{}, fmt.Errorf("%s: listen, bundle and data_dir are required", path)
	}
	if len(c.Modules) == 0 {
		return Config{}, fmt.Errorf("%s: no modules configured", path)
	}
	return c, nil
}

// Build makes the configured modules from fs.
func (c Config) Build(fs Factories) (Modules, error) {
	mods := Modules{}
	names := make([]string, 0, len(c.Modules))
	for k := range c.Modules {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, name := range names {
		kind := driver.Kind(name)
		f, ok := fs[kind]
		if !ok {
			return nil, fmt.Errorf("module %q is not built into this agent", name)
		}
		dir := filepath.Join(c.DataDir, name)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		m, err := f(c.Modules[name], dir)
		if err != nil {
			return nil, fmt.Errorf("module %s: %w", name, err)
		}
		mods[kind] = m
	}
	return mods, nil
}

// Run serves the configuration c with the modules fs until ctx ends.
func Run(ctx context.Context, c Config, fs Factories, log *slog.Logger) error {
	data, err := os.ReadFile(c.Bundle)
	if err != nil {
		return err
	}
	b, err := pki.ParseBundle(data)
	if err != nil {
		return fmt.Errorf("%s: %w", c.Bundle, err)
	}
	tc, err := TLSConfig(b)
	if err != nil {
		return err
	}
	mods, err := c.Build(fs)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return err
	}
	log.Info("hostpact agent listening", "addr", l.Addr().String(), "modules", len(mods))
	var bk *Backups
	if c.Backup != nil {
		bk = NewBackups(*c.Backup, c.DataDir)
	}
	return Serve(ctx, l, tc, HandlerWith(mods, bk, log), log)
}
