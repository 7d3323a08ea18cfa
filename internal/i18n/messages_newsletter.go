package i18n

// Texts of the newsletter (internal/newsletter): its mails and its errors.
var _ = add(map[string][2]string{
	"newsletter.bad_email":            {"Vul een geldig e-mailadres in", "Enter a valid e-mail address"},
	"newsletter.subject_required":     {"Vul het onderwerp in, in het Nederlands en het Engels", "Enter the subject, in Dutch and in English"},
	"newsletter.body_required":        {"Vul de tekst in, in het Nederlands en het Engels", "Enter the text, in Dutch and in English"},
	"newsletter.subject_one_line":     {"Het onderwerp is één regel", "The subject is one line"},
	"newsletter.mail.confirm_subject": {"Bevestig je aanmelding voor de nieuwsbrief", "Confirm your newsletter subscription"},
	"newsletter.mail.confirm_body": {
		"Iemand (hopelijk jij) wil onze nieuwsbrief ontvangen op dit adres.\nBevestig dat met deze link:\n\n%s\n\nDe link werkt %d uur. Was jij het niet? Dan hoef je niets te doen; je krijgt geen nieuwsbrief.\n",
		"Someone (hopefully you) asked for our newsletter at this address.\nConfirm with this link:\n\n%s\n\nThe link works for %d hours. Not you? Then do nothing; you will get no newsletter.\n"},
	"newsletter.mail.footer": {
		"Je ontvangt deze nieuwsbrief omdat je je hebt aangemeld of klant bij ons bent.\nAfmelden: %s\nTaal of instellingen wijzigen: %s\n",
		"You receive this newsletter because you subscribed or are our customer.\nUnsubscribe: %s\nChange language or settings: %s\n"},
})
