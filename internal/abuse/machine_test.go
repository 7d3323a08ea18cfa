package abuse

import (
	"testing"

	"github.com/hostpact/hostpact/internal/inbound"
)

const xarfPhishing = `{"xarf_version":"4.0.0","report_id":"550e8400-e29b-41d4-a716-446655440000","timestamp":"2026-04-02T10:00:00Z",
"reporter":{"org":"Bank Security","contact":"abuse@bank.test","domain":"bank.test"},"sender":{"org":"Bank Security","contact":"abuse@bank.test","domain":"bank.test"},
"source_identifier":"192.0.2.10","category":"content","type":"phishing","url":"https://login.shop-example.nl/bank/"}`

const arfReport = "Feedback-Type: fraud\r\nUser-Agent: SomeGenerator/1.0\r\nVersion: 1\r\nArrival-Date: Thu, 02 Apr 2026 10:00:00 +0200\r\nSource-IP: 192.0.2.1\r\nReported-URI: http://www.shop-example.nl/pay\r\n"

func TestParseXARF(t *testing.T) {
	t.Parallel()
	r, err := ParseXARF([]byte(xarfPhishing))
	if err != nil || r.Kind != "phishing" || r.Target != "https://login.shop-example.nl/bank/" || r.Reporter != "Bank Security" || r.At.IsZero() {
		t.Fatalf("%+v %v", r, err)
	}
	for _, bad := range []string{``, `{}`, `{"xarf_version":"3","category":"content","type":"phishing","url":"x"}`, `[1]`, `{"xarf_version":"4.0.0","category":"content","type":"phishing"}`} {
		if _, err := ParseXARF([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseARF(t *testing.T) {
	t.Parallel()
	r, err := ParseARF([]byte(arfReport))
	if err != nil || r.Kind != "phishing" || r.Target != "http://www.shop-example.nl/pay" || r.At.IsZero() {
		t.Fatalf("%+v %v", r, err)
	}
	r, err = ParseARF([]byte("Feedback-Type: abuse\nVersion: 1\nSource-IP: 192.0.2.7\n"))
	if err != nil || r.Kind != "spam" || r.Target != "192.0.2.7" {
		t.Fatalf("%+v %v", r, err)
	}
	if _, err := ParseARF([]byte("Feedback-Type: abuse\nVersion: 1\n")); err == nil {
		t.Fatal("a report without a target accepted")
	}
	m := &inbound.Message{Parts: []inbound.Part{{ContentType: "message/feedback-report", Data: []byte(arfReport)}}}
	if r, err := MachineReportOf(m); err != nil || r.Format != "arf" {
		t.Fatalf("%+v %v", r, err)
	}
}

func FuzzParseXARF(f *testing.F) {
	f.Add([]byte(xarfPhishing))
	f.Add([]byte(`{"xarf_version":"4.1.0","category":"messaging","type":"spam","source_identifier":"198.51.100.1"}`))
	f.Add([]byte(`{"xarf_version":"4.0.0","url":"\u0000"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseXARF(data)
		if err != nil {
			return
		}
		if r.Kind == "" || r.Target == "" || len(r.Target) > 2048 || len(r.Description) > 1000 {
			t.Fatalf("accepted report %+v", r)
		}
		_ = HostOf(r.Target)
	})
}

func FuzzParseARF(f *testing.F) {
	f.Add([]byte(arfReport))
	f.Add([]byte("Feedback-Type: virus\nVersion: 1\nReported-Domain: example.nl\n"))
	f.Add([]byte("\r\n\r\nFeedback-Type"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseARF(data)
		if err != nil {
			return
		}
		if r.Kind == "" || r.Target == "" || len(r.Target) > 2048 {
			t.Fatalf("accepted report %+v", r)
		}
		_ = HostOf(r.Target)
	})
}
