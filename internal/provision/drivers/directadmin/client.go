package directadmin

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/hostpact/hostpact/internal/provision/driver"
)

// call runs one CMD_API_ command as login (the admin or reseller, or "admin|user" to
// act as a user) and returns the decoded answer. DirectAdmin answers 200 with error=1
// and its own words when it refuses; a wrong login is a 401 with the header
// X-DirectAdmin: unauthorized (older versions: the login page with 200).
func (d *Driver) call(ctx context.Context, op, login, cmd string, form url.Values) (url.Values, error) {
	method := http.MethodPost
	u := d.base + "/" + cmd
	var body io.Reader = strings.NewReader(form.Encode())
	if form == nil {
		method, body = http.MethodGet, nil
	} else if strings.HasPrefix(cmd, "CMD_API_SHOW_") {
		method, body = http.MethodGet, nil
		u += "?" + form.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, fmt.Errorf("directadmin: %w", err)
	}
	req.SetBasicAuth(login, d.password)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := d.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("directadmin: %s: %w", cmd, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, fmt.Errorf("directadmin: %s: reading the answer: %w", cmd, err)
	}
	if resp.StatusCode == http.StatusUnauthorized || resp.Header.Get("X-DirectAdmin") == "unauthorized" {
		return nil, &driver.Refusal{Op: op, Message: "DirectAdmin did not accept the login of " + d.username + ": check the username and password (or login key) and that the key allows " + cmd}
	}
	if resp.StatusCode >= 500 {
		return nil, fmt.Errorf("directadmin: %s: HTTP %d", cmd, resp.StatusCode)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &driver.Refusal{Op: op, Message: fmt.Sprintf("DirectAdmin answered %s to %s", resp.Status, cmd)}
	}
	v, err := parseAnswer(string(raw))
	if errors.Is(err, errNotAnswer) {
		return nil, &driver.Refusal{Op: op, Message: "DirectAdmin answered " + cmd + " with a web page: " + err.Error()}
	}
	if err != nil {
		return nil, fmt.Errorf("directadmin: %s: %w", cmd, err)
	}
	if v.Get("error") == "1" {
		return v, &driver.Refusal{Op: op, Message: "DirectAdmin: " + message(v)}
	}
	return v, nil
}

// entity is an HTML entity with its closing ";", the only form PHP's
// html_entity_decode undoes.
var entity = regexp.MustCompile(`&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});`)

// parseAnswer decodes a url-encoded answer as DirectAdmin's documentation says to:
// undo the HTML entities (DirectAdmin writes "<br>" in details as "&#60;br&#62;"),
// then parse the query string. Only entities with their ";" are undone, as PHP does;
// Go's html.UnescapeString alone would also turn "&quota=" into "\"a=". An HTML page
// (the login page of an older DirectAdmin after a wrong login) is not an answer.
func parseAnswer(body string) (url.Values, error) {
	body = strings.TrimSpace(body)
	if strings.HasPrefix(body, "<") {
		return nil, errNotAnswer
	}
	body = entity.ReplaceAllStringFunc(body, html.UnescapeString)
	v, err := url.ParseQuery(body)
	if err != nil {
		return nil, fmt.Errorf("the answer is not url-encoded: %w", err)
	}
	return v, nil
}

var errNotAnswer = errors.New("the login page or another HTML page instead of an API answer (a wrong login on older DirectAdmin versions; check the username, the password or login key, and that the endpoint is the panel)")

// message is text and details of an error answer in one line, without DirectAdmin's
// <br> tags.
func message(v url.Values) string {
	clean := func(s string) string {
		s = strings.NewReplacer("<br>", " ", "<br/>", " ", "<br />", " ", "\n", " ", "\r", " ").Replace(s)
		return strings.Join(strings.Fields(s), " ")
	}
	text, details := clean(v.Get("text")), clean(v.Get("details"))
	switch {
	case details == "":
		return text
	case text == "":
		return details
	}
	return text + ": " + details
}
