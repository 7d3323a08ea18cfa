package i18n

// Texts of the one-time secret links (internal/onetime).
var _ = add(map[string][2]string{
	"onetime.gone":     {"Deze link is al gebruikt of verlopen", "This link has been used already or has expired"},
	"onetime.empty":    {"Vul het geheim in", "Enter the secret"},
	"onetime.too_long": {"Het geheim is langer dan %d KB", "The secret is longer than %d KB"},
	"onetime.lifetime": {"Kies een looptijd van %d uur tot %d dagen", "Choose a lifetime from %d hours to %d days"},
})
