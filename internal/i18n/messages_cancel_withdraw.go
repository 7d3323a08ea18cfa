package i18n

// Texts of withdrawing a cancellation (contracts.WithdrawCancellation).
var _ = add(map[string][2]string{
	"contracts.no_cancellation_to_withdraw":    {"Deze dienst heeft geen opzegging die nog kan worden ingetrokken", "This service has no cancellation that can still be withdrawn"},
	"contracts.cancellation_already_effect":    {"De opzegging is al ingegaan op %s en kan niet meer worden ingetrokken", "The cancellation took effect on %s and can no longer be withdrawn"},
	"contracts.withdraw_cancellation_courtesy": {"De voorwaarden geven geen recht om een opzegging in te trekken; de aanbieder staat het toe zolang de einddatum nog niet is bereikt. De dienst loopt door en wordt weer verlengd volgens de voorwaarden", "The terms give no right to withdraw a cancellation; the provider allows it as a courtesy until the end date. The service runs on and renews again under the terms"},
})
