package proxmox

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDiskSize(t *testing.T) {
	for in, want := range map[string]int64{
		"local-lvm:vm-101-disk-0,size=32G":                     32768,
		"local:101/vm-101-disk-0.qcow2,iothread=1,size=10752M": 10752,
		"ceph:vm-1-disk-0,size=1T,ssd=1":                       1 << 20,
		"x:y,size=1073741824":                                  1024,
		"x:y,size=1.5G":                                        1536,
	} {
		got, err := diskSize(in)
		if err != nil || got != want {
			t.Errorf("diskSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"x:y", "x:y,size=", "x:y,size=abcG", "x:y,size=-1G"} {
		if _, err := diskSize(in); err == nil {
			t.Errorf("diskSize(%q) accepted", in)
		}
	}
}

func FuzzDiskSize(f *testing.F) {
	for _, s := range []string{"local-lvm:vm-101-disk-0,size=32G", "x,size=1e308T", "size=NaN", ",size=+1G", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, err := diskSize(s); err == nil && n < 0 {
			t.Errorf("diskSize(%q) = %d", s, n)
		}
	})
}

// FuzzAnswer feeds arbitrary answers to the parsers of what Proxmox sends back.
func FuzzAnswer(f *testing.F) {
	f.Add(`{"data":"UPID:pve:0000:0000:0000:qmclone:100:root@pam:"}`, "500 VM 101 is running - destroy failed")
	f.Add(`{"data":null,"errors":{"memory":"value must have a minimum value of 16"}}`, "400 Parameter verification failed.")
	f.Add(`{"data":[{"time":1,"cpu":0.5,"maxcpu":2,"netin":1,"netout":2},{"time":0}]}`, "200 OK")
	f.Add(`[]`, "")
	f.Fuzz(func(t *testing.T, body, status string) {
		_ = errorMessage(500, status, []byte(body))
		data, err := parseEnvelope([]byte(body))
		if err != nil {
			return
		}
		_ = number(data)
		var upid string
		if json.Unmarshal(data, &upid) == nil && strings.HasPrefix(upid, "UPID:") {
			_, _ = upidNode(upid)
			_ = upidType(upid)
		}
		var rows []sample
		if json.Unmarshal(data, &rows) == nil {
			if u := usageOf(rows); u.TransferBytes < 0 && len(rows) == 0 {
				t.Errorf("usage of no rows = %+v", u)
			}
		}
	})
}
