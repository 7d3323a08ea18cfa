package terms

import (
	"fmt"
	"time"
)

// DisclosureTerms: responsible disclosure (cp.rd). The three deadlines are the
// processes "disclosure-ack", "disclosure-assessment" and "disclosure-fix" of Deadlines.
type DisclosureTerms struct {
	// RewardMax is the most a reward in gift vouchers may be (cp.rd.expect.8); the
	// least is a T-shirt.
	RewardMax Money `yaml:"reward_max"`
	// SecurityTxtExpires is how far ahead /.well-known/security.txt's Expires lies; RFC
	// 9116 asks for less than a year, and the file is renewed from the clock.
	SecurityTxtExpires Period   `yaml:"security_txt_expires"`
	Clauses            []string `yaml:"clauses"`
	Reading            string   `yaml:"reading"`
}

// DisclosureDue are a report's three deadlines, all counted from its receipt.
type DisclosureDue struct {
	Ack        Date `json:"ack"`
	Assessment Date `json:"assessment"`
	Fix        Date `json:"fix"`
}

// DisclosureDeadlines computes the acknowledgement (cp.rd.expect.4), assessment
// (cp.rd.expect.5) and fix (cp.rd.expect.7) deadlines of a report received on from.
func (p *Policy) DisclosureDeadlines(from Date) (DisclosureDue, Explanation, error) {
	var due DisclosureDue
	var ex Explanation
	for _, d := range []struct {
		process string
		to      *Date
	}{{"disclosure-ack", &due.Ack}, {"disclosure-assessment", &due.Assessment}, {"disclosure-fix", &due.Fix}} {
		r, e, err := p.Deadline(d.process, from)
		if err != nil {
			return DisclosureDue{}, nil, err
		}
		*d.to = r.Deadline
		ex = append(ex, e...)
	}
	return due, ex, nil
}

// DisclosureReward checks a reward in gift vouchers against the pack's maximum
// (cp.rd.expect.8). A T-shirt is amount 0.
func (p *Policy) DisclosureReward(amount Money) (Explanation, error) {
	d := p.Terms.Disclosure
	if amount < 0 {
		return nil, inputErr("amount", "a reward cannot be negative")
	}
	if d.RewardMax <= 0 {
		return nil, notInTerms("%s names no reward", p.PackName())
	}
	if amount > d.RewardMax {
		return nil, inputErr("amount", "a reward is at most %s in gift vouchers", d.RewardMax)
	}
	var ex Explanation
	ex.add(d.Clauses, fmt.Sprintf("the reward ranges from a T-shirt to at most %s in gift vouchers, by severity and report quality", d.RewardMax), d.Reading,
		inputs("amount", amount), amount)
	ex.key("disclosure.reward", kv{"amount": amount, "max": d.RewardMax})
	return ex, nil
}

// SecurityTxtExpires is the Expires of /.well-known/security.txt served at now: the
// pack's period ahead, at most a year (RFC 9116 section 2.5.5), so the file renews
// itself as the clock moves.
func (p *Policy) SecurityTxtExpires(now time.Time) time.Time {
	per := p.Terms.Disclosure.SecurityTxtExpires
	loc := amsterdam()
	today := DateIn(now.In(loc), loc)
	limit := today.AddYears(1)
	end := limit
	if !per.IsZero() {
		end = per.AddTo(today, p.Calendar())
	}
	if end.After(limit) {
		end = limit
	}
	return end.Time(loc).UTC()
}
