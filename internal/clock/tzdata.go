package clock

// The terms are read in Europe/Amsterdam; embed the zone database so a minimal host
// without /usr/share/zoneinfo still computes the right calendar dates.
import _ "time/tzdata"
