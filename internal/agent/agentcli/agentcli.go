// Package agentcli is `hostpact agent`, the command that runs the hostpact agent on a
// hosting server, and the list of modules built into it.
package agentcli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/hostpact/hostpact/internal/agent"
	"github.com/hostpact/hostpact/internal/agent/kvm"
	"github.com/hostpact/hostpact/internal/agent/mailhost"
	"github.com/hostpact/hostpact/internal/agent/vpn"
	"github.com/hostpact/hostpact/internal/agent/webhost"
	"github.com/hostpact/hostpact/internal/provision/driver"
)

// Modules are the modules this binary can run; the configuration's "modules" section
// chooses which do. A new module is one line here.
var Modules = agent.Factories{
	driver.KindWebhosting: webhost.Factory,
	driver.KindEmail:      mailhost.Factory,
	driver.KindVPN:        vpn.Factory,
	driver.KindVPS:        kvm.Factory,
}

const usage = `usage:
  hostpact agent serve --config FILE   (runs the agent; the file is JSON, see internal/agent.Config)
`

// Run executes `hostpact agent …` and returns the exit code; cancelling ctx stops the
// server gracefully.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	switch args[0] {
	case "serve":
		fs := flag.NewFlagSet("agent serve", flag.ContinueOnError)
		fs.SetOutput(stderr)
		config := fs.String("config", "/etc/hostpact/agent.json", "the agent's configuration `FILE`")
		if err := fs.Parse(args[1:]); err != nil {
			return 2
		}
		c, err := agent.LoadConfig(*config)
		if err != nil {
			fmt.Fprintf(stderr, "hostpact agent: %v\n", err)
			return 1
		}
		log := slog.New(slog.NewTextHandler(stderr, nil))
		if err := agent.Run(ctx, c, Modules, log); err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintf(stderr, "hostpact agent: %v\n", err)
			return 1
		}
		return 0
	default:
		fmt.Fprintf(stderr, "hostpact agent: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}
