package terms

import (
	"fmt"
	"strings"
	"time"
)

// SupportTerms: when customer service is open and how fast it answers. cp.sla.support.2
// names the hours (Monday to Friday 9:00–16:30); hostpact counts them on werkdagen only
// (INTERPRETATION.md "Complaints and support"), so a public holiday is closed. The terms
// name no response time for an ordinary question: ResponseHours is the provider's own
// target, counted in open hours and paused while the ticket waits for the customer.
// A complaint is answered in substance within Complaint of receipt (cp.av.17.1), a clock
// no status pauses.
type SupportTerms struct {
	Days             []string `yaml:"days"`   // mon … sun
	Opens            string   `yaml:"opens"`  // "09:00", Europe/Amsterdam
	Closes           string   `yaml:"closes"` // "16:30"
	ResponseHours    int      `yaml:"response_hours"`
	Complaint        Period   `yaml:"complaint"`
	Clauses          []string `yaml:"clauses"`
	ComplaintClauses []string `yaml:"complaint_clauses"`
	Reading          string   `yaml:"reading"`
	ComplaintReading string   `yaml:"complaint_reading"`
}

var weekdayNames = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}

// clockMinutes reads "HH:MM" as minutes after midnight.
func clockMinutes(s string) (int, bool) {
	var h, m int
	if _, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil || h < 0 || h > 24 || m < 0 || m > 59 || len(s) != 5 {
		return 0, false
	}
	return h*60 + m, true
}

func (v *validator) support(path string, s SupportTerms) {
	if len(s.Days) == 0 {
		v.fail(path+".days", "must list the days customer service is open")
	}
	for _, d := range s.Days {
		if _, ok := weekdayNames[d]; !ok {
			v.fail(path+".days", "%q is not a day (mon … sun)", d)
		}
	}
	o, ok1 := clockMinutes(s.Opens)
	c, ok2 := clockMinutes(s.Closes)
	if !ok1 || !ok2 || o >= c {
		v.fail(path+".opens", "opens and closes must be HH:MM with opens before closes")
	}
	if s.ResponseHours <= 0 {
		v.fail(path+".response_hours", "must be above 0")
	}
	v.need(path+".complaint", s.Complaint, Werkdagen, Days)
	v.clauses(path+".clauses", s.Clauses)
	v.clauses(path+".complaint_clauses", s.ComplaintClauses)
}

// supportDay returns the open interval of customer service on the day of t in
// Amsterdam, and false when it is closed that day (a weekend, a holiday, a closed day).
func (p *Policy) supportDay(d Date) (open, close time.Time, ok bool) {
	s := p.Terms.Support
	loc := amsterdam()
	wd := d.Time(loc).Weekday()
	dayOK := false
	for _, n := range s.Days {
		if weekdayNames[n] == wd {
			dayOK = true
		}
	}
	if !dayOK || !p.Calendar().IsWerkdag(d) {
		return time.Time{}, time.Time{}, false
	}
	o, _ := clockMinutes(s.Opens)
	c, _ := clockMinutes(s.Closes)
	base := d.Time(loc)
	at := func(min int) time.Time {
		return time.Date(base.Year(), base.Month(), base.Day(), min/60, min%60, 0, 0, loc)
	}
	return at(o), at(c), true
}

// SupportOpen says whether customer service is open at t.
func (p *Policy) SupportOpen(t time.Time) bool {
	o, c, ok := p.supportDay(DateIn(t, amsterdam()))
	return ok && !t.Before(o) && t.Before(c)
}

// SupportTimeBetween is the open time of customer service from a to b: what a response
// clock that ran from a to b has used.
func (p *Policy) SupportTimeBetween(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	loc := amsterdam()
	var total time.Duration
	for d := DateIn(a, loc); !d.After(DateIn(b, loc)); d = d.AddDays(1) {
		o, c, ok := p.supportDay(d)
		if !ok {
			continue
		}
		from, to := maxTime(a, o), minTime(b, c)
		if to.After(from) {
			total += to.Sub(from)
		}
	}
	return total
}

// AddSupportTime returns the moment at which d of open time has passed after from.
func (p *Policy) AddSupportTime(from time.Time, d time.Duration) time.Time {
	loc := amsterdam()
	day := DateIn(from, loc)
	for i := 0; i < 3660; i++ { // ten years of days bounds a broken calendar
		o, c, ok := p.supportDay(day)
		if ok {
			start := maxTime(from, o)
			if start.Before(c) {
				if left := c.Sub(start); d <= left {
					return start.Add(d).UTC()
				} else {
					d -= left
				}
			}
		}
		day = day.AddDays(1)
	}
	return from.Add(d).UTC()
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// SupportHours describes the open hours in words ("mon–fri 09:00–16:30").
func (p *Policy) SupportHours() string {
	s := p.Terms.Support
	if len(s.Days) == 0 {
		return ""
	}
	return s.Days[0] + "–" + s.Days[len(s.Days)-1] + " " + s.Opens + "–" + s.Closes
}

// ResponseDue is when a ticket whose clock runs from start, having used spent before
// (the clock paused while the ticket waited for the customer), is due for an answer.
func (p *Policy) ResponseDue(start time.Time, spent time.Duration) (time.Time, Explanation, error) {
	s := p.Terms.Support
	if s.ResponseHours <= 0 {
		return time.Time{}, nil, notInTerms("%s names no support response time", p.PackName())
	}
	if start.IsZero() {
		return time.Time{}, nil, inputErr("start", "the clock's start is required")
	}
	target := time.Duration(s.ResponseHours) * time.Hour
	left := max(target-spent, 0)
	due := p.AddSupportTime(start, left)
	var e Explanation
	e.add(s.Clauses, fmt.Sprintf("a question is answered within %d hours of customer service's open hours (%s on werkdagen); the clock stops while the ticket waits for the customer", s.ResponseHours, p.SupportHours()),
		s.Reading, inputs("start", start.UTC().Format(time.RFC3339), "spent_minutes", int(spent.Minutes())), due.Format(time.RFC3339))
	e.key("support.response", kv{"hours": s.ResponseHours, "open": strings.ToUpper(p.SupportHours()[:1]) + p.SupportHours()[1:], "spent": int(spent.Minutes()), "due": due})
	return due, e, nil
}

// ComplaintDue is the moment a complaint received at received is overdue: the end of
// the last werkdag of the complaint period counted from the day of receipt
// (cp.av.17.1). Nothing pauses it: an answer that only asks for more time leaves it
// running (INTERPRETATION.md "Complaints and support").
func (p *Policy) ComplaintDue(received time.Time) (last Date, due time.Time, e Explanation, err error) {
	s := p.Terms.Support
	if s.Complaint.IsZero() {
		return Date{}, time.Time{}, nil, notInTerms("%s names no complaint period", p.PackName())
	}
	if received.IsZero() {
		return Date{}, time.Time{}, nil, inputErr("received", "the moment of receipt is required")
	}
	loc := amsterdam()
	from := DateIn(received, loc)
	cal := p.Calendar()
	last = s.Complaint.AddTo(from, cal)
	due = last.AddDays(1).Time(loc).UTC()
	says := fmt.Sprintf("a complaint is answered in substance within %s of receipt; an answer that only asks for more time does not stop the clock", s.Complaint.Words())
	if s.Complaint.Unit == Werkdagen {
		says += "; werkdagen skip weekends, public holidays and closed days: " + describeClosed(cal.ClosedDays(from.AddDays(1), last))
	}
	e.add(s.ComplaintClauses, says, s.ComplaintReading, inputs("received", received.UTC().Format(time.RFC3339), "period", s.Complaint), last)
	e.key("support.complaint", kv{"period": s.Complaint, "received": received, "last": last})
	return last, due, e, nil
}
