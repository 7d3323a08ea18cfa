package demo

import (
	"context"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/newsletter"
)

// The demo shows subscribers by order and by confirmed sign-up, one who said no at the
// order, one who unsubscribed with one click, and one sent newsletter; a second seed
// adds nothing.
func TestSeedNewsletter(t *testing.T) {
	eachSeeded(t, func(t *testing.T, s *seededDemo) {
		a := s.a
		ctx := context.Background()
		sales := accounts.Principal{User: accounts.User{ID: -1, Roles: []accounts.Role{accounts.RoleSales}}}
		ls, err := a.Newsletter.List(ctx, sales, 0, 10)
		if err != nil || len(ls) != 1 || ls[0].Status != newsletter.Sent || ls[0].Queued != 4 {
			t.Fatalf("newsletters: %+v %v", ls, err)
		}
		xs, err := a.Newsletter.ListSubscribers(ctx, sales, newsletter.SubscriberFilter{}, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		states := map[string]string{}
		for _, x := range xs {
			states[x.Email] = x.Status
		}
		if len(xs) != 4 || states["info@webbouwers.test"] != newsletter.Unsubscribed || states["lezer@nieuwsgierig.test"] != newsletter.Active ||
			states["henk@fietsenpietersen.test"] != "" {
			t.Fatalf("subscribers: %v", states)
		}
	})
}
