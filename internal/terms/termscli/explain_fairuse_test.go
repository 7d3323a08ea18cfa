package termscli

import (
	"strings"
	"testing"
)

// TestExplainFairUse: fo.av.12.3 from the command line, amounts in GB with decimals.
func TestExplainFairUse(t *testing.T) {
	t.Parallel()
	a := explainJSON(t, "fair-use", "--policy", "5online", "--usage", "25", "--peers", "10,12,10.5,9,11,13")
	r := a["result"].(map[string]any)
	if r["over_limit"] != true || r["limit"] != "21.83" || r["mean"] != "10.92" {
		t.Errorf("six peers: %v", r)
	}
	a = explainJSON(t, "fair-use", "--policy", "5online", "--usage", "20", "--peers", "10,10,10,10,10")
	if r := a["result"].(map[string]any); r["over_limit"] != false || r["limit"] != "20.00" {
		t.Errorf("at the limit: %v", r)
	}
	a = explainJSON(t, "fair-use", "--policy", "5online", "--usage", "500", "--peers", "1,2,3,4")
	if r := a["result"].(map[string]any); r["over_limit"] != false || !strings.Contains(r["note"].(string), "no action is possible") {
		t.Errorf("four peers: %v", r)
	}
	code, out, _ := run("explain", "fair-use", "--policy", "5online", "--usage", "25", "--peers", "10,12,10.5,9,11,13")
	if code != 0 || !strings.Contains(out, "over_limit: true") || !strings.Contains(out, "mean: 10.92") {
		t.Errorf("text: %d %s", code, out)
	}
	for _, bad := range [][]string{
		{"--usage", "-1", "--peers", "1,1,1,1,1"},
		{"--usage", "1e3", "--peers", "1,1,1,1,1"},
		{"--usage", "1", "--peers", "1,,1"},
		{"--usage", "1"},
	} {
		if code, _, errs := run(append([]string{"explain", "fair-use", "--policy", "5online"}, bad...)...); code == 0 || errs == "" {
			t.Errorf("%v: exit %d", bad, code)
		}
	}
	if code, _, _ := run("explain", "fair-use", "--policy", "cloudprovider", "--usage", "1", "--peers", "1,1,1,1,1"); code == 0 {
		t.Error("cloudprovider has no fair-use policy")
	}
}
