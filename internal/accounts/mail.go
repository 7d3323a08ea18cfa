package accounts

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"maps"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
)

//go:embed mail/*.txt
var mailFiles embed.FS

var mailTemplates = notify.NewTemplates(must(fs.Sub(mailFiles, "mail")))

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// sendMail queues template name for u inside q, the transaction of the change the mail
// is about. Secrets other than a one-time link never go into a mail
// (cp.security.passwords.4).
func (s *Service) sendMail(ctx context.Context, q store.Querier, now time.Time, u User, name string, extra map[string]any) error {
	return s.queueMail(ctx, q, now, u, name, extra, false)
}

// sendLinkMail is sendMail for a mail that carries a one-time link (a reset or an
// invitation): the outbox keeps it sealed with the secret key until it is sent and
// redacts it after, so a database copy cannot be used to take over the account
// (security finding 1).
func (s *Service) sendLinkMail(ctx context.Context, q store.Querier, now time.Time, u User, name string, extra map[string]any) error {
	return s.queueMail(ctx, q, now, u, name, extra, true)
}

func (s *Service) queueMail(ctx context.Context, q store.Querier, now time.Time, u User, name string, extra map[string]any, secret bool) error {
	base := strings.TrimRight(s.cfg.BaseURL, "/")
	data := map[string]any{
		"Name":         u.Name,
		"Email":        u.Email,
		"ProviderName": s.cfg.ProviderName,
		"ResetURL":     base + "/reset",
	}
	maps.Copy(data, extra)
	subject, body, err := mailTemplates.Render(name, u.Language, data)
	if err != nil {
		return err
	}
	_, err = notify.Enqueue(ctx, q, now, notify.Message{OrgID: u.OrgID, To: u.Email, ToName: u.Name,
		Lang: u.Language, Subject: subject, Text: body, Secret: secret, Keys: s.keys})
	return err
}

// LinkMarker is the part of every one-time link (reset, invitation) that no other mail
// contains; app uses it to protect such mail queued before it was sealed.
const LinkMarker = "/reset?token="

func (s *Service) resetLink(token string) string {
	return strings.TrimRight(s.cfg.BaseURL, "/") + LinkMarker + token
}

// humanDuration writes a link's lifetime the way a person says it.
func humanDuration(d time.Duration, lang string) string {
	type unit struct {
		size          time.Duration
		nlOne, nlMany string
		enOne, enMany string
	}
	for _, u := range []unit{
		{24 * time.Hour, "dag", "dagen", "day", "days"},
		{time.Hour, "uur", "uur", "hour", "hours"},
		{time.Minute, "minuut", "minuten", "minute", "minutes"},
	} {
		if d >= u.size && d%u.size == 0 || u.size == time.Minute {
			n := max(1, int(d/u.size))
			one, many := u.nlOne, u.nlMany
			if lang == "en" {
				one, many = u.enOne, u.enMany
			}
			if n == 1 {
				return "1 " + one
			}
			return fmt.Sprintf("%d %s", n, many)
		}
	}
	return d.String()
}

var dutchMonths = [...]string{"januari", "februari", "maart", "april", "mei", "juni", "juli",
	"augustus", "september", "oktober", "november", "december"}

// humanTime writes t in Amsterdam time, the zone customers read dates in.
func humanTime(t time.Time, lang string) string {
	t = t.In(clock.Amsterdam)
	if lang == "en" {
		return t.Format("2 January 2006 at 15:04") + " (Amsterdam time)"
	}
	return fmt.Sprintf("%d %s %d om %s", t.Day(), dutchMonths[t.Month()-1], t.Year(), t.Format("15:04"))
}
