package abuse

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

func reasonsOf(text string, field string) (string, error) {
	text = strings.TrimSpace(text)
	if text == "" || len(text) > 4000 {
		return "", accounts.FieldErrors{field: i18n.T("abuse.err.reasons")}
	}
	return text, nil
}

// step runs a staff change on one case in a transaction: it loads the case, checks the
// state, runs fn and audits the summary fn returns.
func (s *Service) step(ctx context.Context, by accounts.Principal, id int64, action string, allowed []State, fn func(q store.Querier, c *Case) (string, error)) error {
	if err := by.Check(accounts.AbuseManage, accounts.Provider); err != nil {
		return err
	}
	ctx = actor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		c, err := s.load(ctx, q, id, true)
		if err != nil {
			return err
		}
		ok := len(allowed) == 0
		for _, st := range allowed {
			ok = ok || c.State == st
		}
		if !ok {
			return ErrState
		}
		summary, err := fn(q, &c)
		if err != nil {
			return err
		}
		return record(ctx, q, s.now(), c.OrgID, action, id, fmt.Sprintf("%s: %s", c.Number(), summary))
	})
}

func (s *Service) setState(ctx context.Context, q store.Querier, c *Case, st State, outcome string) error {
	due := c.DueOn.String()
	if c.DueOn.IsZero() || st == StateClosed || st == StateIncomplete {
		due = ""
	}
	_, err := q.ExecContext(ctx, `UPDATE abuse_cases SET state = $1, outcome = $2, due_on = $3, updated_at = $4 WHERE id = $5`,
		string(st), outcome, due, s.now(), c.ID)
	c.State, c.Outcome = st, outcome
	return err
}

func (s *Service) askDetails(ctx context.Context, q store.Querier, c *Case, what string) error {
	if err := s.setState(ctx, q, c, StateIncomplete, ""); err != nil {
		return err
	}
	if err := s.mail(ctx, q, c, "notifier", c.NotifierEmail, c.NotifierName, c.NotifierLang, "incomplete", what); err != nil {
		return err
	}
	return s.event(ctx, q, c.ID, "asked", "notifier", "desk", what)
}

// AskDetails asks the notifier to complete a notice; the case waits and no clock runs
// until they answer (cp.ntd.2.1).
func (s *Service) AskDetails(ctx context.Context, by accounts.Principal, id int64, what string) error {
	what, err := reasonsOf(what, "what")
	if err != nil {
		return err
	}
	return s.step(ctx, by, id, "abuse.ask_details", []State{StateNew, StateDeciding}, func(q store.Querier, c *Case) (string, error) {
		return "details asked from the notifier", s.askDetails(ctx, q, c, what)
	})
}

// CloseNotOurs closes a case whose content is not (or no longer) online with us or is
// hosted by someone else, and tells the notifier who hosts it when known (cp.ntd.2.2).
func (s *Service) CloseNotOurs(ctx context.Context, by accounts.Principal, id int64, offline bool, hostedBy string) error {
	hostedBy = strings.TrimSpace(hostedBy)
	if len(hostedBy) > 500 {
		return accounts.FieldErrors{"hosted_by": i18n.T("abuse.err.reasons")}
	}
	return s.step(ctx, by, id, "abuse.close", []State{StateNew, StateIncomplete, StateDeciding}, func(q store.Querier, c *Case) (string, error) {
		outcome := OutcomeNotOurs
		if offline {
			outcome = OutcomeOffline
		}
		line := ""
		if hostedBy != "" {
			line = map[string]string{"nl": "De inhoud wordt gehost door: ", "en": "The content is hosted by: "}[langOf(c.NotifierLang)] + hostedBy + "\n"
		}
		if err := s.setState(ctx, q, c, StateClosed, outcome); err != nil {
			return "", err
		}
		if err := s.mail(ctx, q, c, "notifier", c.NotifierEmail, c.NotifierName, c.NotifierLang, "not_ours", line); err != nil {
			return "", err
		}
		return "closed: " + outcome, s.event(ctx, q, c.ID, "closed", "staff", "", outcome+" "+hostedBy)
	})
}

// DecideUrgency records whether staff find a notice urgent, with the reasons
// (cp.ntd.2.6): urgent, every step is due within 1 werkdag of receipt; not urgent, the
// provisional clock stops.
func (s *Service) DecideUrgency(ctx context.Context, by accounts.Principal, id int64, urgent bool, reasons string) error {
	reasons, err := reasonsOf(reasons, "urgency_decision")
	if err != nil {
		return err
	}
	pol, err := s.policy()
	if err != nil {
		return err
	}
	return s.step(ctx, by, id, "abuse.urgency", []State{StateNew, StateForwarded, StateDeciding}, func(q store.Querier, c *Case) (string, error) {
		due, kind := "", ""
		var ex terms.Explanation
		if urgent {
			r, e, err := pol.NTDDue(true, terms.DateIn(c.ReceivedAt.In(amsterdam()), amsterdam()))
			if err != nil {
				return "", err
			}
			due, kind, ex = r.Deadline.String(), "urgent", e
		} else if c.ForwardedAt != nil {
			r, e, err := pol.NTDDue(false, terms.DateIn(c.ForwardedAt.In(amsterdam()), amsterdam()))
			if err != nil {
				return "", err
			}
			due, kind, ex = r.Deadline.String(), "response", e
		}
		b, _ := json.Marshal(append(c.Explanation, ex...))
		if _, err := q.ExecContext(ctx, `UPDATE abuse_cases SET urgent = $1, due_on = $2, due_kind = $3, explanation = $4, updated_at = $5 WHERE id = $6`,
			urgent, due, kind, string(b), s.now(), c.ID); err != nil {
			return "", err
		}
		word := map[bool]string{true: "urgent", false: "not urgent"}[urgent]
		return word, s.event(ctx, q, c.ID, "urgency", "staff", "", word+": "+reasons)
	})
}

// Forward sends the notice to the customer, who has 2 werkdagen to respond, and tells
// the notifier (cp.ntd.2.3). Not when the notifier contacted the customer already.
func (s *Service) Forward(ctx context.Context, by accounts.Principal, id int64) error {
	pol, err := s.policy()
	if err != nil {
		return err
	}
	return s.step(ctx, by, id, "abuse.forward", []State{StateNew}, func(q store.Querier, c *Case) (string, error) {
		if c.ContactedCustomer || c.OrgID == 0 {
			return "", ErrState
		}
		now := s.now()
		due, kind := c.DueOn, c.DueKind
		ex := c.Explanation
		if c.DueKind != "urgent" {
			r, e, err := pol.NTDDue(false, terms.DateIn(now.In(amsterdam()), amsterdam()))
			if err != nil {
				return "", err
			}
			due, kind, ex = r.Deadline, "response", append(ex, e...)
		}
		b, _ := json.Marshal(ex)
		if _, err := q.ExecContext(ctx, `UPDATE abuse_cases SET state = $1, forwarded_at = $2, due_on = $3, due_kind = $4, explanation = $5, updated_at = $2 WHERE id = $6`,
			string(StateForwarded), now, due.String(), kind, string(b), c.ID); err != nil {
			return "", err
		}
		c.State = StateForwarded
		to, err := s.d.Customers.Contact(ctx, q, c.OrgID)
		if err != nil {
			return "", err
		}
		var targets []string
		for _, t := range c.Targets {
			if t.OrgID == c.OrgID {
				targets = append(targets, t.Target)
			}
		}
		link := fmt.Sprintf("%s/portal/abuse/%d", strings.TrimRight(s.d.BaseURL, "/"), c.ID)
		if err := s.mail(ctx, q, c, "customer", to.Email, to.Name, to.Lang, "forward", due.String(), to.Name, strings.Join(targets, ", "),
			groundName(c.Ground, to.Lang), c.Description, link); err != nil {
			return "", err
		}
		if err := s.mail(ctx, q, c, "notifier", c.NotifierEmail, c.NotifierName, c.NotifierLang, "forwarded", due.String()); err != nil {
			return "", err
		}
		return "forwarded to the customer, response due " + due.String(), s.event(ctx, q, c.ID, "forwarded", "customer", "", "response due "+due.String())
	})
}

// ToDecision moves a case to the staff decision without forwarding: the notifier
// contacted the customer already, or the deadline passed without an answer.
func (s *Service) ToDecision(ctx context.Context, by accounts.Principal, id int64) error {
	return s.step(ctx, by, id, "abuse.to_decision", []State{StateNew, StateForwarded}, func(q store.Querier, c *Case) (string, error) {
		if c.State == StateNew && !c.ContactedCustomer && c.OrgID != 0 && !c.Urgent {
			return "", ErrState // forward first (cp.ntd.2.3)
		}
		return "to decision", s.setState(ctx, q, c, StateDeciding, "")
	})
}

// Respond records the customer's answer and passes it on to the notifier
// (cp.ntd.2.3); the case goes to the staff decision.
func (s *Service) Respond(ctx context.Context, by accounts.Principal, orgID, id int64, answer string) error {
	if err := by.Check(accounts.AbuseRespond, accounts.OrgID(orgID)); err != nil {
		return err
	}
	answer, err := reasonsOf(answer, "answer")
	if err != nil {
		return err
	}
	ctx = actor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		c, err := s.load(ctx, q, id, true)
		if err != nil {
			return err
		}
		if c.OrgID != orgID || c.ForwardedAt == nil {
			return ErrNotFound
		}
		if c.Response != "" || c.State != StateForwarded && (c.State != StateDeciding || c.Decision != "") {
			return ErrState // one answer, passed on as given
		}
		now := s.now()
		if _, err := q.ExecContext(ctx, `UPDATE abuse_cases SET response = $1, responded_at = $2, state = $3, updated_at = $2 WHERE id = $4`,
			answer, now, string(StateDeciding), id); err != nil {
			return err
		}
		c.State = StateDeciding
		if err := s.event(ctx, q, id, "response", "customer", by.User.Email, answer); err != nil {
			return err
		}
		if err := s.mail(ctx, q, &c, "notifier", c.NotifierEmail, c.NotifierName, c.NotifierLang, "passed_on", answer); err != nil {
			return err
		}
		if err := s.event(ctx, q, id, "passed_on", "notifier", "desk", "the customer's answer was passed on"); err != nil {
			return err
		}
		return record(ctx, q, now, orgID, "abuse.respond", id, c.Number()+": the customer answered")
	})
}

// NotifierAgrees closes the case when the notifier agrees with the customer's answer,
// and tells the customer (cp.ntd.2.3).
func (s *Service) NotifierAgrees(ctx context.Context, by accounts.Principal, id int64) error {
	return s.step(ctx, by, id, "abuse.agreed", []State{StateDeciding}, func(q store.Querier, c *Case) (string, error) {
		if c.Response == "" || c.Decision != "" {
			return "", ErrState
		}
		if err := s.setState(ctx, q, c, StateClosed, OutcomeAgreed); err != nil {
			return "", err
		}
		to, err := s.d.Customers.Contact(ctx, q, c.OrgID)
		if err != nil {
			return "", err
		}
		if err := s.mail(ctx, q, c, "customer", to.Email, to.Name, to.Lang, "agreed", to.Name); err != nil {
			return "", err
		}
		return "closed: the notifier agreed", s.event(ctx, q, c.ID, "closed", "staff", "", OutcomeAgreed)
	})
}

// Decide records staff's own assessment with reasons (cp.ntd.2.4). Justified with
// removal asked: the content is blocked (never deleted) and both parties are told,
// the customer with the reasons. Unjustified: the notifier is told why.
func (s *Service) Decide(ctx context.Context, by accounts.Principal, id int64, justified bool, reasons string) error {
	reasons, err := reasonsOf(reasons, "reasons")
	if err != nil {
		return err
	}
	var block bool
	err = s.step(ctx, by, id, "abuse.decide", []State{StateNew, StateForwarded, StateDeciding}, func(q store.Querier, c *Case) (string, error) {
		if c.Decision != "" || c.OrgID == 0 {
			return "", ErrState
		}
		if c.State == StateNew && !c.ContactedCustomer && !c.Urgent {
			return "", ErrState // forward first (cp.ntd.2.3)
		}
		decision := map[bool]string{true: "justified", false: "unjustified"}[justified]
		if _, err := q.ExecContext(ctx, `UPDATE abuse_cases SET decision = $1, decision_reasons = $2, state = $3, updated_at = $4 WHERE id = $5`,
			decision, reasons, string(StateDeciding), s.now(), c.ID); err != nil {
			return "", err
		}
		c.Decision, c.State = decision, StateDeciding
		if err := s.event(ctx, q, c.ID, "decision", "staff", "", decision+": "+reasons); err != nil {
			return "", err
		}
		if justified {
			block = c.AsksRemoval && !c.Blocked
			what := map[string]string{"nl": "De toegang tot de inhoud is geblokkeerd.", "en": "Access to the content has been blocked."}[langOf(c.NotifierLang)]
			if !c.AsksRemoval {
				what = ""
			}
			if err := s.mail(ctx, q, c, "notifier", c.NotifierEmail, c.NotifierName, c.NotifierLang, "justified_notifier", what); err != nil {
				return "", err
			}
			if c.AsksRemoval {
				to, err := s.d.Customers.Contact(ctx, q, c.OrgID)
				if err != nil {
					return "", err
				}
				if err := s.mail(ctx, q, c, "customer", to.Email, to.Name, to.Lang, "blocked_customer", to.Name, reasons); err != nil {
					return "", err
				}
			}
		} else {
			if err := s.mail(ctx, q, c, "notifier", c.NotifierEmail, c.NotifierName, c.NotifierLang, "unjustified_notifier", reasons); err != nil {
				return "", err
			}
		}
		if !c.AsksIdentification || c.Identification != "" {
			if err := s.setState(ctx, q, c, StateClosed, OutcomeDecided); err != nil {
				return "", err
			}
		}
		return decision, nil
	})
	if err != nil || !block {
		return err
	}
	return s.block(ctx, by, id, "notice "+Number(id)+" justified")
}

// Identify decides a request for the customer's name and address (cp.ntd.2.5,
// fo.av.9.8): given only when the notice is justified and the notifier has a real
// interest; the customer is told. Otherwise the notifier is told why not.
func (s *Service) Identify(ctx context.Context, by accounts.Principal, id int64, grant, realInterest bool, reasons string) error {
	reasons, err := reasonsOf(reasons, "identification_reasons")
	if err != nil {
		return err
	}
	return s.step(ctx, by, id, "abuse.identify", []State{StateDeciding}, func(q store.Querier, c *Case) (string, error) {
		if !c.AsksIdentification || c.Identification != "" || c.Decision == "" {
			return "", ErrState
		}
		if grant && (c.Decision != "justified" || !realInterest) {
			return "", accounts.FieldErrors{"grant": i18n.T("abuse.err.identify")}
		}
		word := map[bool]string{true: "granted", false: "refused"}[grant]
		if _, err := q.ExecContext(ctx, `UPDATE abuse_cases SET identification = $1, identification_reasons = $2, updated_at = $3 WHERE id = $4`,
			word, reasons, s.now(), c.ID); err != nil {
			return "", err
		}
		if grant {
			to, err := s.d.Customers.Contact(ctx, q, c.OrgID)
			if err != nil {
				return "", err
			}
			if err := s.mail(ctx, q, c, "notifier", c.NotifierEmail, c.NotifierName, c.NotifierLang, "identified_notifier", to.LegalName, to.Address); err != nil {
				return "", err
			}
			if err := s.mail(ctx, q, c, "customer", to.Email, to.Name, to.Lang, "identified_customer", to.Name, reasons); err != nil {
				return "", err
			}
		} else if err := s.mail(ctx, q, c, "notifier", c.NotifierEmail, c.NotifierName, c.NotifierLang, "identification_refused", reasons); err != nil {
			return "", err
		}
		if err := s.event(ctx, q, c.ID, "identification", "staff", "", word+": "+reasons); err != nil {
			return "", err
		}
		// The audit names the decision, never the customer's details given.
		return "identification " + word, s.setState(ctx, q, c, StateClosed, OutcomeDecided)
	})
}

// Block blocks the service a case concerns (service.block). It is a suspension with
// the reason abuse, never a deletion (cp.ntd.2.4, fo.av.9.7); where no service exists
// in provisioning it is a recorded task for staff.
func (s *Service) Block(ctx context.Context, by accounts.Principal, id int64, note string) error {
	if err := by.Check(accounts.AbuseManage, accounts.Provider); err != nil {
		return err
	}
	note, err := reasonsOf(note, "note")
	if err != nil {
		return err
	}
	return s.block(ctx, by, id, note)
}

func (s *Service) block(ctx context.Context, by accounts.Principal, id int64, note string) error {
	ctx = actor(ctx, by)
	c, err := s.load(ctx, s.db, id, false)
	if err != nil {
		return err
	}
	if c.OrgID == 0 {
		return ErrState
	}
	how := "task"
	if c.ServiceID != 0 && s.d.Blocker != nil {
		// Provisioning runs its own transaction: the block is asked first and recorded
		// after; asked twice, a set reason stays set.
		if err := s.d.Blocker.Block(ctx, by, c.ServiceID, Number(id)+": "+note); err != nil {
			return err
		}
		how = "service"
	}
	return s.db.InTx(ctx, func(q store.Querier) error {
		if _, err := q.ExecContext(ctx, `UPDATE abuse_cases SET blocked = TRUE, updated_at = $1 WHERE id = $2`, s.now(), id); err != nil {
			return err
		}
		body := fmt.Sprintf("service %d suspended for abuse: %s", c.ServiceID, note)
		kind := "block"
		if how == "task" {
			kind = "task"
			body = "block by hand (no service in provisioning for this customer's content): " + note
		}
		if err := s.event(ctx, q, id, kind, "staff", by.User.Email, body); err != nil {
			return err
		}
		return record(ctx, q, s.now(), c.OrgID, "abuse.block", id, c.Number()+": blocked ("+how+")")
	})
}

// Unblock lifts a case's block (service.block), with a note.
func (s *Service) Unblock(ctx context.Context, by accounts.Principal, id int64, note string) error {
	if err := by.Check(accounts.AbuseManage, accounts.Provider); err != nil {
		return err
	}
	note, err := reasonsOf(note, "note")
	if err != nil {
		return err
	}
	ctx = actor(ctx, by)
	c, err := s.load(ctx, s.db, id, false)
	if err != nil {
		return err
	}
	if !c.Blocked {
		return ErrState
	}
	if c.ServiceID != 0 && s.d.Blocker != nil {
		if err := s.d.Blocker.Unblock(ctx, by, c.ServiceID, Number(id)+": "+note); err != nil {
			return err
		}
	}
	return s.db.InTx(ctx, func(q store.Querier) error {
		if _, err := q.ExecContext(ctx, `UPDATE abuse_cases SET blocked = FALSE, updated_at = $1 WHERE id = $2`, s.now(), id); err != nil {
			return err
		}
		if err := s.event(ctx, q, id, "unblock", "staff", by.User.Email, note); err != nil {
			return err
		}
		return record(ctx, q, s.now(), c.OrgID, "abuse.unblock", id, c.Number()+": block lifted")
	})
}

// Note adds a staff note to a case.
func (s *Service) Note(ctx context.Context, by accounts.Principal, id int64, text string) error {
	text, err := reasonsOf(text, "note")
	if err != nil {
		return err
	}
	return s.step(ctx, by, id, "abuse.note", nil, func(q store.Querier, c *Case) (string, error) {
		return "note added", s.event(ctx, q, c.ID, "note", "staff", "", text)
	})
}

func groundName(g, lang string) string {
	names := map[string][2]string{
		"copyright": {"auteursrecht", "copyright"}, "trademark": {"merkenrecht", "trademark"}, "defamation": {"smaad of laster", "defamation"},
		"privacy": {"privacy of portretrecht", "privacy or portrait right"}, "hate": {"haat of discriminatie", "hate"},
		"fraud": {"fraude of phishing", "fraud or phishing"}, "malware": {"malware", "malware"},
		"csam": {"materiaal van seksueel kindermisbruik", "child sexual abuse material"}, "spam": {"spam", "spam"}, "other": {"anders", "other"},
	}
	n := names[g]
	if lang == "en" {
		return n[1]
	}
	return n[0]
}
