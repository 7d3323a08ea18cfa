package bench

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
)

// baselineTables are the rows the target compares the billing run with
// (issue 16): what a run must write at the least, in an order the foreign keys accept.
// The run also writes billed_items and invoice_state and reads what is due; the
// target of at most twice the baseline leaves room for that.
var baselineTables = []struct{ name, order string }{
	{"invoices", "id"},
	{"invoice_lines", "invoice_id, position"},
	{"audit_entries", "seq"},
	{"mail_outbox", "id"},
}

// baselineChunk is the rows per INSERT and per transaction: parameters stay under
// SQLite's 32,766 per statement.
func baselineChunk(columns int) int { return min(1000, 30000/columns) }

// baseline copies the run's invoice, line, audit and outbox rows from src into an empty
// database of the same engine with multi-row INSERTs, one transaction per INSERT, and
// times the writes only (the reads from src are outside the timing).
func baseline(ctx context.Context, src *store.DB, databaseURL string, res *Result) error {
	if src.Dialect == store.SQLite {
		databaseURL = "" // a temporary file beside the run's
	}
	dsn, cleanup, err := freshDatabase(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer cleanup()
	dst, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer dst.Close()
	dst.SetMaxIdleConns(20)
	if err := dst.Migrate(ctx, audit.Schema, notify.Schema, contracts.Schema, billing.Schema); err != nil {
		return err
	}
	s1, haveS1 := serverCPU(ctx, dst, appName(dsn))
	defer func() {
		s2, haveS2 := serverCPU(ctx, dst, appName(dsn))
		res.BaselineServerCPU, res.HaveServerCPU = s2-s1, res.HaveServerCPU && haveS1 && haveS2
	}()
	res.BaselineRows = map[string]int{}
	for _, t := range baselineTables {
		n, wall, cpu, err := copyTable(ctx, src, dst, t.name, t.order)
		if err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
		res.BaselineRows[t.name] = n
		res.Baseline += wall
		res.BaselineCPU += cpu
	}
	return nil
}

// copyTable streams table from src and inserts its rows into dst, returning the rows
// copied and the wall and CPU time spent writing.
func copyTable(ctx context.Context, src, dst *store.DB, table, order string) (n int, wall, cpu time.Duration, err error) {
	rows, err := src.QueryContext(ctx, `SELECT * FROM `+table+` ORDER BY `+order)
	if err != nil {
		return 0, 0, 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, 0, 0, err
	}
	chunk := baselineChunk(len(cols))
	args := make([]any, 0, chunk*len(cols))
	insert := func(k int) error {
		var sb strings.Builder
		sb.WriteString(`INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES `)
		p := 0
		for i := range k {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteByte('(')
			for j := range cols {
				if j > 0 {
					sb.WriteString(", ")
				}
				p++
				fmt.Fprintf(&sb, "$%d", p)
			}
			sb.WriteByte(')')
		}
		t0, c0 := time.Now(), cpuTime()
		err := dst.InTx(ctx, func(q store.Querier) error {
			_, err := q.ExecContext(ctx, sb.String(), args...)
			return err
		})
		wall += time.Since(t0)
		cpu += cpuTime() - c0
		args = args[:0]
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	k := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, wall, cpu, err
		}
		args = append(args, vals...)
		k++
		n++
		if k == chunk {
			if err := insert(k); err != nil {
				return n, wall, cpu, err
			}
			k = 0
		}
	}
	if err := rows.Err(); err != nil {
		return n, wall, cpu, err
	}
	if k > 0 {
		if err := insert(k); err != nil {
			return n, wall, cpu, err
		}
	}
	return n, wall, cpu, nil
}

// loadAverage is the machine's load (/proc/loadavg), printed beside the figures: on a
// shared machine the wall times mean little without it.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
