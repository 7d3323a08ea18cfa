package usage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// wireSample is a sample as a collector sends it: value as a JSON integer, the time
// in RFC 3339.
type wireSample struct {
	Key        string          `json:"key"`
	ServiceID  json.Number     `json:"service_id"`
	Metric     string          `json:"metric"`
	Value      json.Number     `json:"value"`
	MeasuredAt string          `json:"measured_at"`
	Extra      json.RawMessage `json:"-"`
}

// ParseSamples reads a delivery from a collector: {"samples": [{"key", "service_id",
// "metric", "value", "measured_at"}, …]}. Unknown fields, numbers that are not whole,
// and times that are not RFC 3339 are errors of the item; a body that is not such a
// document is one error for the whole. It never panics, whatever the input (fuzzed).
func ParseSamples(r io.Reader) ([]Sample, []ItemError, error) {
	body, err := io.ReadAll(io.LimitReader(r, maxDeliveryBytes+1))
	if err != nil {
		return nil, nil, err
	}
	if len(body) > maxDeliveryBytes {
		return nil, nil, fmt.Errorf("the delivery is larger than %d bytes; send fewer samples at a time", maxDeliveryBytes)
	}
	var doc struct {
		Samples []json.RawMessage `json:"samples"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, errors.New(`the body is not {"samples": [...]} in JSON`)
	}
	if dec.More() {
		return nil, nil, errors.New("the body has more than one JSON document")
	}
	if len(doc.Samples) == 0 {
		return nil, nil, errors.New("no samples")
	}
	if len(doc.Samples) > MaxBatch {
		return nil, nil, fmt.Errorf("at most %d samples per delivery", MaxBatch)
	}
	out := make([]Sample, 0, len(doc.Samples))
	var errs []ItemError
	for i, raw := range doc.Samples {
		var w wireSample
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		d.UseNumber()
		if err := d.Decode(&w); err != nil {
			errs = append(errs, ItemError{Index: i, Field: "sample", Message: "not an object with key, service_id, metric, value and measured_at"})
			continue
		}
		sm := Sample{Key: w.Key, Metric: Metric(w.Metric)}
		bad := func(field, msg string) {
			errs = append(errs, ItemError{Index: i, Key: truncate(w.Key, 60), Field: field, Message: msg})
		}
		ok := true
		if sm.ServiceID, err = strconv.ParseInt(string(w.ServiceID), 10, 64); err != nil {
			bad("service_id", "a whole number is required")
			ok = false
		}
		if sm.Value, err = strconv.ParseInt(string(w.Value), 10, 64); err != nil {
			bad("value", "a whole number of bytes (CPU: milliseconds) is required")
			ok = false
		}
		if sm.MeasuredAt, err = time.Parse(time.RFC3339Nano, w.MeasuredAt); err != nil {
			bad("measured_at", "a time in RFC 3339 is required, such as 2026-03-14T09:00:00Z")
			ok = false
		}
		if ok {
			out = append(out, sm)
		}
	}
	return out, errs, nil
}

// maxDeliveryBytes bounds a delivery: MaxBatch samples of a few hundred bytes.
const maxDeliveryBytes = 4 << 20
