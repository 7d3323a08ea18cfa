package i18n

// Errors of internal/usage (cp.av.9.1-9.4, fo.av.12.1-12.5).
var _ = add(map[string][2]string{
	"usage.err.month":       {"geef een maand als JJJJ-MM", "give a month as YYYY-MM"},
	"usage.err.step":        {"kies waarschuwen, beperken, blokkeren of omzetten", "choose warn, limit, block or convert"},
	"usage.err.note":        {"hoogstens 2000 tekens", "at most 2000 characters"},
	"usage.err.plan":        {"kies het pakket om naar om te zetten", "choose the plan to convert to"},
	"usage.err.not_over":    {"het gebruik van deze dienst ligt in die maand niet boven de grens voor redelijk gebruik", "this service's usage in that month is not above the fair-use limit"},
	"usage.err.warn_first":  {"de voorwaarden vragen eerst een waarschuwing voordat het pakket wordt omgezet, beperkt of geblokkeerd", "the terms require a warning before the plan is converted, limited or blocked"},
	"usage.err.no_measure":  {"deze maatregel kan hier niet worden genomen", "this measure cannot be taken here"},
	"usage.err.scope_alone": {"het recht verbruik doorgeven gaat niet samen met lezen of wijzigen", "the usage scope cannot be combined with read or write"},
	"usage.err.mode":        {"kies factureren of een groter pakket", "choose billing or a larger plan"},
})
