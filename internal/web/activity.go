package web

import (
	"context"
	"errors"
	"strconv"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
)

// activityNames are the names people know the objects and actors of one page of the
// feed by: "factuur 2026-000004" rather than "factuur 12", "Piet" rather than
// piet@example.nl. They are looked up once per page, one query per kind of object,
// through the services with the reader's principal, so a name of another organisation
// never shows; what is not found (gone, or not the reader's to see) falls back to the id.
type activityNames struct {
	objects map[string]string // "kind:id" → name
	users   map[int64]string  // user id → display name
	payers  map[string]int64  // online payment id → the user who paid
}

func (n activityNames) object(kind, id string) (string, bool) {
	name, ok := n.objects[kind+":"+id]
	return name, ok
}

// activityNames looks up the names for entries, all of organisation orgID.
func (s *server) activityNames(ctx context.Context, p accounts.Principal, orgID int64, entries []audit.Entry) activityNames {
	n := activityNames{objects: map[string]string{}, users: map[int64]string{}, payers: map[string]int64{}}
	if orgID == 0 || len(entries) == 0 {
		return n
	}
	ids := map[string][]int64{}
	seen := map[string]bool{}
	users := false
	for _, e := range entries {
		if e.Actor.Kind == audit.ActorCustomer && e.Actor.ID != 0 {
			users = true
		}
		id, err := strconv.ParseInt(e.ObjectID, 10, 64)
		if err != nil || e.ObjectKind == "" || seen[e.ObjectKind+":"+e.ObjectID] {
			continue
		}
		seen[e.ObjectKind+":"+e.ObjectID] = true
		ids[e.ObjectKind] = append(ids[e.ObjectKind], id)
		users = users || e.ObjectKind == "user" || e.ObjectKind == "psp_payment"
	}
	put := func(kind string, m map[int64]string) {
		for id, name := range m {
			n.objects[kind+":"+strconv.FormatInt(id, 10)] = name
		}
	}
	// A name that cannot be read is not worth failing the page for: the sentence
	// then names the object by its id, as the audit trail does.
	warn := func(kind string, err error) {
		if err != nil && !errors.Is(err, accounts.ErrForbidden) {
			s.log.Warn("activity: names", "kind", kind, "org", orgID, "err", err)
		}
	}
	if docs := append(ids["invoice"], ids["credit_note"]...); len(docs) > 0 && s.bill != nil {
		numbers, err := s.bill.DocumentNumbers(ctx, p, orgID, docs)
		warn("invoice", err)
		put("invoice", numbers)
		put("credit_note", numbers)
	}
	if len(ids["contract"])+len(ids["subscription"])+len(ids["quote"]) > 0 && s.con != nil {
		names, err := s.con.ObjectNames(ctx, p, orgID, ids["contract"], ids["subscription"], ids["quote"])
		warn("contract", err)
		put("contract", names.Contracts)
		put("subscription", names.Subscriptions)
		put("quote", names.Quotes)
	}
	if len(ids["psp_payment"]) > 0 && s.pay != nil {
		paid, err := s.pay.OnlinePaymentNames(ctx, p, orgID, ids["psp_payment"])
		warn("psp_payment", err)
		for id, op := range paid {
			key := strconv.FormatInt(id, 10)
			// An online payment reads as the invoice it pays.
			n.objects["psp_payment:"+key] = op.InvoiceNumber
			n.payers[key] = op.StartedBy
		}
	}
	if users {
		list, err := s.acc.ListUsers(ctx, p, orgID)
		warn("user", err)
		for _, u := range list {
			name := u.Name
			if name == "" {
				name = u.Email
			}
			n.users[u.ID] = name
			n.objects["user:"+strconv.FormatInt(u.ID, 10)] = name
		}
	}
	return n
}

// activitySentence words an audit entry for a person: who did what to which object
// ("Piet heeft factuur 2026-000004 betaald"). Every action a customer's feed can show
// has a sentence under "activity.do.<action>" with the actor (%[1]s) and the object
// (%[2]s). An online payment is booked by the provider's webhook, but the customer
// paid it: where the user who started it is known, "activity.payer_did.<action>" words
// it with them as the subject ("Piet heeft factuur … betaald"). An action without
// a sentence reads as a change to the object, never as a raw action code. The
// technical record (action, summary) stays for staff to unfold.
func (s *server) activitySentence(pg *page, names activityNames, e audit.Entry) string {
	who := s.activityActor(pg, names, e)
	obj := ""
	if e.ObjectKind != "" {
		id := e.ObjectID
		if name, ok := names.object(e.ObjectKind, e.ObjectID); ok {
			id = name
		}
		kind := "activity.object." + e.ObjectKind
		if e.ObjectKind == "psp_payment" && id != e.ObjectID {
			kind = "activity.object.invoice"
		}
		if hasMessage(kind) {
			obj = pg.T(kind, id)
		} else {
			obj = pg.T("activity.object.other", id)
		}
	}
	key := "activity.do." + e.Action
	if payer := names.users[names.payers[e.ObjectID]]; e.ObjectKind == "psp_payment" && payer != "" && hasMessage("activity.payer_did."+e.Action) {
		key, who = "activity.payer_did."+e.Action, payer
	}
	if !hasMessage(key) {
		key = "activity.do.other"
		if obj == "" {
			key = "activity.do.something"
		}
	}
	return pg.T(key, who, obj)
}

// activityActor names who acted, as the subject of the sentence: a customer's user by
// their name where known, else the e-mail address the trail keeps.
func (s *server) activityActor(pg *page, names activityNames, e audit.Entry) string {
	switch e.Actor.Kind {
	case audit.ActorStaff:
		return pg.T("activity.by_staff", s.cfg.ProviderName)
	case audit.ActorSystem:
		return pg.T("activity.subject.system")
	case audit.ActorPublic:
		return pg.T("activity.subject.public")
	default:
		if name := names.users[e.Actor.ID]; e.Actor.Kind == audit.ActorCustomer && e.Actor.ID != 0 && name != "" {
			return name
		}
		if e.Actor.Label == "" {
			return pg.T("activity.subject.someone")
		}
		return e.Actor.Label
	}
}
