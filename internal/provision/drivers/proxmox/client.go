package proxmox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/provision/driver"
)

// call makes one API request and returns the "data" member of the answer. Proxmox puts
// the error in the HTTP status line (and, for parameter errors, in "errors"): a 401 is a
// token staff must fix, other 4xx are refusals, 5xx and transport failures may pass and
// are retried by the provisioning layer.
func (d *Driver) call(ctx context.Context, op, method, path string, form url.Values) (json.RawMessage, error) {
	u := d.base + path
	var body io.Reader
	if method == http.MethodGet || method == http.MethodDelete {
		if len(form) > 0 {
			u += "?" + form.Encode()
		}
	} else {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, fmt.Errorf("proxmox: %w", err)
	}
	req.Header.Set("Authorization", d.auth)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := d.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("proxmox: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, fmt.Errorf("proxmox: %s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode/100 == 2 {
		data, err := parseEnvelope(raw)
		if err != nil {
			return nil, fmt.Errorf("proxmox: %s %s: %w", method, path, err)
		}
		return data, nil
	}
	msg := errorMessage(resp.StatusCode, resp.Status, raw)
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return nil, &driver.Refusal{Op: op, Message: "Proxmox VE did not accept the API token (" + msg + "): check token_id and token_secret"}
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		return nil, &driver.Refusal{Op: op, Message: "Proxmox VE: " + msg}
	default:
		return nil, fmt.Errorf("proxmox: %s %s: %d %s", method, path, resp.StatusCode, msg)
	}
}

// parseEnvelope returns the data member of {"data": …}.
func parseEnvelope(raw []byte) (json.RawMessage, error) {
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("answer is not Proxmox's JSON envelope: %w", err)
	}
	return env.Data, nil
}

// errorMessage is the reason phrase Proxmox puts in the status line, followed by the
// per-parameter errors when there are any.
func errorMessage(code int, status string, raw []byte) string {
	msg := strings.TrimSpace(strings.TrimPrefix(status, strconv.Itoa(code)))
	if msg == "" {
		msg = http.StatusText(code)
	}
	var env struct {
		Errors  map[string]string `json:"errors"`
		Message string            `json:"message"`
	}
	if json.Unmarshal(raw, &env) == nil {
		if m := strings.TrimSpace(env.Message); m != "" && !strings.Contains(msg, m) {
			msg += ": " + m
		}
		keys := make([]string, 0, len(env.Errors))
		for k := range env.Errors {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			msg += " " + k + ": " + strings.TrimSpace(env.Errors[k]) + ";"
		}
	}
	return strings.TrimSuffix(msg, ";")
}

// task makes a request that may start a worker task (Proxmox answers its UPID) and
// waits for the task to end; a request answered synchronously returns at once.
func (d *Driver) task(ctx context.Context, op, method, path string, form url.Values) error {
	data, err := d.call(ctx, op, method, path, form)
	if err != nil {
		return err
	}
	var upid string
	if json.Unmarshal(data, &upid) != nil || !strings.HasPrefix(upid, "UPID:") {
		return nil
	}
	return d.wait(ctx, op, upid)
}

// wait polls a task's status until it stops. A task that ends with another exit
// status than OK (or "WARNINGS: n") was refused: the exit status is Proxmox's message.
func (d *Driver) wait(ctx context.Context, op, upid string) error {
	node, err := upidNode(upid)
	if err != nil {
		return err
	}
	path := "/nodes/" + url.PathEscape(node) + "/tasks/" + url.PathEscape(upid) + "/status"
	for {
		data, err := d.call(ctx, op, http.MethodGet, path, nil)
		if err != nil {
			return err
		}
		var st struct {
			Status     string `json:"status"`
			ExitStatus string `json:"exitstatus"`
		}
		if err := json.Unmarshal(data, &st); err != nil {
			return fmt.Errorf("proxmox: task status of %s: %w", upid, err)
		}
		if st.Status == "stopped" {
			if st.ExitStatus == "OK" || strings.HasPrefix(st.ExitStatus, "WARNINGS") {
				return nil
			}
			return &driver.Refusal{Op: op, Message: "Proxmox VE task " + upidType(upid) + " failed: " + st.ExitStatus}
		}
		t := time.NewTimer(d.PollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("proxmox: waiting for task %s: %w", upid, ctx.Err())
		case <-t.C:
		}
	}
}

// upidNode reads the node from UPID:node:pid:pstart:starttime:type:id:user:.
func upidNode(upid string) (string, error) {
	f := strings.Split(upid, ":")
	if len(f) < 8 || f[0] != "UPID" || f[1] == "" {
		return "", errors.New("proxmox: malformed task id " + strconv.Quote(upid))
	}
	return f[1], nil
}

func upidType(upid string) string {
	if f := strings.Split(upid, ":"); len(f) >= 8 {
		return f[5]
	}
	return "?"
}

// number reads a JSON number or a numeric string (Proxmox answers both, e.g. memory
// became a string with the property-string format of PVE 8.1).
func number(raw json.RawMessage) float64 {
	var f float64
	if json.Unmarshal(raw, &f) == nil {
		return f
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		s, _, _ = strings.Cut(strings.TrimPrefix(strings.TrimSpace(s), "current="), ",")
		f, _ = strconv.ParseFloat(s, 64)
	}
	return f
}
