package termscli

import (
	"strings"

	"github.com/hostpact/hostpact/internal/terms"
)

// The backup-retention question (cp.sla.backups.2, INTERPRETATION.md A05) is added
// here, apart from the table in explain.go, so the areas' questions stay in files of
// their own.
func init() {
	strFlags = append(strFlags, "backups")
	questions["backup-retention"] = question{
		help:     "--backups D1,D2,...: which daily backups the retention rule keeps (result.keep, ascending)",
		required: []string{"backups"},
		run: func(p *terms.Policy, v *values) (any, terms.Explanation, error) {
			dates, err := dateListFlag("backups", *v.strs["backups"])
			if err != nil {
				return nil, nil, err
			}
			return p.BackupRetention(dates)
		},
	}
}

// dateListFlag reads a comma-separated list of YYYY-MM-DD dates.
func dateListFlag(name, s string) ([]terms.Date, error) {
	var out []terms.Date
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		d, err := terms.ParseDate(part)
		if err != nil {
			return nil, usageErr("--%s: %v", name, err)
		}
		out = append(out, d)
	}
	if len(out) == 0 {
		return nil, usageErr("--%s: give at least one date YYYY-MM-DD", name)
	}
	return out, nil
}
