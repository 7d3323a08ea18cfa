package app

import (
	"github.com/hostpact/hostpact/internal/newsletter"
	"github.com/hostpact/hostpact/internal/secrets"
)

// newsletterTokenPurpose derives the key of the newsletter's unsubscribe tokens from
// the secret key: a token stays valid as long as that key is the current one.
const newsletterTokenPurpose secrets.Purpose = "newsletter-token"

// buildNewsletter builds the newsletter (cp.privacy.newsletter.1-.5) and routes the
// mails to its List-Unsubscribe mailto: address (newsletter-unsubscribe@ the desks'
// domain) to it.
func (a *App) buildNewsletter() error {
	key, err := a.Config.Keys.Subkey(a.Config.Keys.ID(), newsletterTokenPurpose)
	if err != nil {
		return err
	}
	mailbox := "newsletter-unsubscribe@" + deskDomain(a.Pack)
	a.Newsletter, err = newsletter.New(a.DB, a.Clock, newsletter.Config{BaseURL: a.Config.URL(), TokenKey: key, UnsubscribeMailbox: mailbox})
	if err != nil {
		return err
	}
	a.Inbound.Handle(mailbox, a.Newsletter.MailHandler())
	return nil
}
