package usage

import (
	"strings"
	"testing"
	"time"
)

func TestParseSamples(t *testing.T) {
	t.Parallel()
	ss, errs, err := ParseSamples(strings.NewReader(`{"samples":[
		{"key":"a","service_id":1,"metric":"traffic_in","value":1000,"measured_at":"2026-03-14T09:00:00Z"},
		{"key":"b","service_id":1.5,"metric":"disk","value":-1,"measured_at":"yesterday"},
		{"key":"c","service_id":1,"metric":"disk","value":1,"measured_at":"2026-03-14T09:00:00+01:00","extra":1}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 1 || ss[0].Value != 1000 || !ss[0].MeasuredAt.Equal(time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("samples %+v", ss)
	}
	if len(errs) != 3 || errs[0].Field != "service_id" || errs[1].Field != "measured_at" || errs[2].Index != 2 {
		t.Fatalf("errors %+v", errs)
	}
	for _, bad := range []string{``, `[]`, `{"samples":[]}`, `{"samples":[1]} {}`, `{"other":1}`} {
		if _, _, err := ParseSamples(strings.NewReader(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzParseSamples: whatever a collector sends, the parser answers without panicking,
// and every sample it returns is one the item errors did not name.
func FuzzParseSamples(f *testing.F) {
	f.Add(`{"samples":[{"key":"a","service_id":1,"metric":"traffic_in","value":1000,"measured_at":"2026-03-14T09:00:00Z"}]}`)
	f.Add(`{"samples":[{"key":"","service_id":-1,"metric":"x","value":1e99,"measured_at":""}]}`)
	f.Add(`{"samples":[null, {}, [], "x"]}`)
	f.Fuzz(func(t *testing.T, body string) {
		ss, errs, err := ParseSamples(strings.NewReader(body))
		if err != nil {
			if len(ss) > 0 || len(errs) > 0 {
				t.Fatal("an error for the whole and items as well")
			}
			return
		}
		if len(ss)+len(errs) == 0 {
			t.Fatal("nothing parsed and no error")
		}
		for _, s := range ss {
			if s.MeasuredAt.IsZero() {
				t.Fatal("a sample without its time")
			}
		}
	})
}
