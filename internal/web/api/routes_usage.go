package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/usage"
)

type submitUsageInput struct {
	RawBody []byte `contentType:"application/json"`
}

// UsageResult is what a delivery of usage samples did.
type UsageResult struct {
	Accepted   int `json:"accepted" doc:"Samples stored."`
	Duplicates int `json:"duplicates" doc:"Samples whose key was delivered before: nothing changed."`
}

// usageProblem reports each refused sample at its place in the body.
func usageProblem(items []usage.ItemError) error {
	details := make([]error, len(items))
	for i, it := range items {
		loc := "body.samples"
		if it.Index >= 0 {
			loc = fmt.Sprintf("body.samples[%d].%s", it.Index, it.Field)
		}
		details[i] = &huma.ErrorDetail{Location: loc, Message: it.Message, Value: it.Key}
	}
	return huma.Error422UnprocessableEntity("samples refused; nothing was stored", details...)
}

func (s *server) usageRoutes() {
	d := s.deps
	if d.Usage == nil {
		return
	}
	register(s, huma.Operation{
		OperationID: "submit-usage", Method: http.MethodPost, Path: "/api/v1/usage", Tags: []string{"usage"},
		Summary: "Deliver usage samples",
		Description: "For a provider's own collectors: `{\"samples\": [{\"key\", \"service_id\", \"metric\", \"value\", \"measured_at\"}]}`, " +
			"at most 10,000 per delivery. `metric` is one of traffic_in, traffic_out, traffic, vpn_traffic (counters, bytes), disk, mailbox, " +
			"database, memory (levels, bytes) or cpu (counter, milliseconds); `measured_at` is RFC 3339. `key` is the sample's " +
			"idempotency key: a sample delivered again changes nothing. A counter value below the one before starts a new counter run. " +
			"The delivery is all or nothing: a bad sample is answered with 422 naming each bad item, and nothing is stored. " +
			"Stored samples count in the monthly figures within a minute, when the warnings at 80% and 100% of a plan's limit go out. " +
			"Staff with the support role (usage.submit), a token with the write scope or the usage scope (which allows nothing else).",
		Errors: []int{http.StatusUnprocessableEntity},
		// The body is read raw and parsed by usage.ParseSamples, which names each bad
		// item; huma's own check would refuse every JSON object as "expected string".
		SkipValidateBody: true,
	}, func(ctx context.Context, p accounts.Principal, in *submitUsageInput) (*body[UsageResult], error) {
		if err := p.Check(accounts.UsageSubmit, accounts.Provider); err != nil {
			return nil, err
		}
		samples, items, err := usage.ParseSamples(bytes.NewReader(in.RawBody))
		if err != nil {
			return nil, huma.Error422UnprocessableEntity(err.Error(), &huma.ErrorDetail{Location: "body", Message: err.Error()})
		}
		if len(items) > 0 {
			return nil, usageProblem(items)
		}
		res, err := d.Usage.Submit(ctx, p, samples)
		var be *usage.BatchError
		if errors.As(err, &be) {
			return nil, usageProblem(be.Items)
		}
		if err != nil {
			return nil, err
		}
		return reply(UsageResult{Accepted: res.Accepted, Duplicates: res.Duplicates})
	})
}
