package directadmin

import (
	"testing"
	"time"
)

func TestParseAnswer(t *testing.T) {
	v, err := parseAnswer("error=1&text=Unable to Create User&details=That username already exists on the system&lt;br&gt;\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := message(v); got != "Unable to Create User: That username already exists on the system" {
		t.Errorf("message = %q", got)
	}
	v, err = parseAnswer("error=1&text=Unable&details=No such user&#60;br&#62;&quota=1")
	if err != nil || v.Get("details") != "No such user<br>" || v.Get("quota") != "1" {
		t.Errorf("numeric entities: %v, %v", v, err)
	}
	v, err = parseAnswer("list[]=hp1&list[]=hp2")
	if err != nil || len(v["list[]"]) != 2 {
		t.Errorf("list = %v, %v", v, err)
	}
	if _, err := parseAnswer("<html><body>Please login</body></html>"); err == nil {
		t.Error("the login page parsed as an answer")
	}
}

// FuzzAnswer feeds arbitrary answers to the parsers of what DirectAdmin sends back.
func FuzzAnswer(f *testing.F) {
	f.Add("error=0&text=Success&details=")
	f.Add("list[]=a&list[]=b")
	f.Add("bandwidth=12.5&quota=NaN&db_quota=1e400&nemails=-3")
	f.Add("error=1&text=%ZZ")
	f.Add("<html>")
	f.Fuzz(func(t *testing.T, body string) {
		v, err := parseAnswer(body)
		if err != nil {
			return
		}
		_ = message(v)
		_ = isUnknownUser(v)
		u := usageOf(v, time.Unix(0, 0))
		if u.DiskBytes < 0 || u.TransferBytes < 0 || u.DatabaseBytes < 0 || u.Mailboxes < 0 {
			t.Errorf("negative usage %+v from %q", u, body)
		}
	})
}
