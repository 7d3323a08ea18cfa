package directadmin

import (
	"math"
	"net/url"
	"strconv"
	"time"

	"github.com/hostpact/hostpact/internal/provision/driver"
)

func usageOf(v url.Values, now time.Time) driver.Usage {
	num := func(k string) float64 {
		f, err := strconv.ParseFloat(v.Get(k), 64)
		if err != nil || !(f >= 0) || math.IsInf(f, 0) || f > 1<<52 {
			return 0
		}
		return f
	}
	const mb = 1 << 20
	return driver.Usage{
		DiskBytes:     int64(num("quota") * mb),
		TransferBytes: int64(num("bandwidth") * mb),
		DatabaseBytes: int64(num("db_quota")),
		Mailboxes:     int(num("nemails")),
		MeasuredAt:    now.UTC(),
	}
}
