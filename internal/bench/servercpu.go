package bench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/store"
)

// serverCPU is the user+system CPU time so far of the PostgreSQL backends serving db's
// connections, read from /proc when the server runs on this machine (the benchmark's
// loopback database): on a machine shared with other work the wall time of a
// round-trip-bound run says little, the CPU spent on each side says what it cost.
// ok is false on SQLite (its work is in this process's CPU) or when the backends
// cannot be seen. The benchmark keeps its connections open (SetMaxIdleConns), so a
// backend that served part of the run is still there at its end.
func serverCPU(ctx context.Context, db *store.DB, appName string) (cpu time.Duration, ok bool) {
	if db.Dialect != store.Postgres || appName == "" {
		return 0, false
	}
	rows, err := db.QueryContext(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, appName)
	if err != nil {
		return 0, false
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			return 0, false
		}
		t, err := procCPU(pid)
		if err != nil {
			return 0, false
		}
		cpu += t
		n++
	}
	return cpu, rows.Err() == nil && n > 0
}

// procCPU is utime+stime of a process (/proc/PID/stat fields 14 and 15, in USER_HZ
// ticks, 100 a second on Linux).
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command", pid)
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state): utime is field 14, stime 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad times", pid)
	}
	return time.Duration(u+st) * (time.Second / 100), nil
}
