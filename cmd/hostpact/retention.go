package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/terms"
)

// cmdRetention is `hostpact retention plan [--json] [--until DATE]`: what the retention
// job will delete or anonymise and when, with the rule and its clauses (issue 12).
func cmdRetention(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "plan" {
		return usageError{errors.New("want: retention plan [--json] [--until YYYY-MM-DD]")}
	}
	fs := flagSet("retention plan", stderr)
	configFile := fs.String("config", "", "settings file")
	asJSON := fs.Bool("json", false, "print JSON")
	until := fs.String("until", "", "the last day to plan for (default: one year from today)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	a, err := open(ctx, *configFile, stderr, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	horizon := terms.DateIn(a.Clock.Now(), clock.Amsterdam).AddDays(365)
	if *until != "" {
		if horizon, err = terms.ParseDate(*until); err != nil {
			return usageError{fmt.Errorf("--until: %w", err)}
		}
	}
	plan, err := a.Privacy.PlanAsSystem(ctx, horizon)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(plan)
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DUE\tRULE\tACTION\tOBJECT\tCUSTOMER\tCLAUSES\tNOTE")
	for _, it := range plan {
		due, obj, org, note := "-", "-", "-", it.Link
		if !it.Due.IsZero() {
			due = it.Due.String()
		}
		if it.ID != "" {
			obj = it.Kind + ":" + it.ID
		} else {
			obj = it.Kind
		}
		if it.OrgID != 0 {
			org = fmt.Sprint(it.OrgID)
		}
		if it.Held != "" {
			note = "HELD: " + it.Held
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", due, it.Rule, it.Action, obj, org, it.Clauses, note)
	}
	return tw.Flush()
}
