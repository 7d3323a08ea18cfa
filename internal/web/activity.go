package web

import (
	"github.com/hostpact/hostpact/internal/audit"
)

// activitySentence words an audit entry for a person: who did what to which object
// ("Piet heeft factuur 12 betaald"). Every action a customer's feed can show has a
// sentence under "activity.do.<action>" with the actor (%[1]s) and the object (%[2]s);
// an action without one reads as a change to the object, never as a raw action code.
// The technical record (action, summary) stays for staff to unfold.
func (s *server) activitySentence(pg *page, e audit.Entry) string {
	who := s.activityActor(pg, e)
	obj := ""
	if e.ObjectKind != "" {
		kind := "activity.object." + e.ObjectKind
		if hasMessage(kind) {
			obj = pg.T(kind, e.ObjectID)
		} else {
			obj = pg.T("activity.object.other", e.ObjectID)
		}
	}
	key := "activity.do." + e.Action
	if !hasMessage(key) {
		key = "activity.do.other"
		if obj == "" {
			key = "activity.do.something"
		}
	}
	return pg.T(key, who, obj)
}

// activityActor names who acted, as the subject of the sentence.
func (s *server) activityActor(pg *page, e audit.Entry) string {
	switch e.Actor.Kind {
	case audit.ActorStaff:
		return pg.T("activity.by_staff", s.cfg.ProviderName)
	case audit.ActorSystem:
		return pg.T("activity.subject.system")
	case audit.ActorPublic:
		return pg.T("activity.subject.public")
	default:
		if e.Actor.Label == "" {
			return pg.T("activity.subject.someone")
		}
		return e.Actor.Label
	}
}
