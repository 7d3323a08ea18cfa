package terms

// Sentences of the audit rule (rules_audit.go, C11).
var auditExplainMessages = map[string]explainMsg{
	"audit.reports_first": {nl: "Een audit vindt pas plaats nadat je de bestaande auditrapporten hebt gekregen en beoordeeld, en met redenen hebt aangegeven waarom die onvoldoende duidelijkheid geven.",
		en: "An audit takes place only after you received and assessed the existing audit reports and gave reasons why they give insufficient clarity.", lead: true},
	"audit.suspicion": {nl: "Een audit vindt alleen plaats bij een redelijk, schriftelijk en onderbouwd vermoeden dat de verwerkersovereenkomst is geschonden.",
		en: "An audit takes place only on a reasonable, written and substantiated suspicion that the processing agreement was breached.", lead: true},
	"audit.repeat_report": {nl: "Er was al een audit op {previous:date}, binnen dezelfde periode: we mogen volstaan met de relevante delen van dat rapport.",
		en: "An audit already took place on {previous:date}, within the same period: we may answer with the relevant parts of that report."},
	"audit.proposed_ok": {nl: "De voorgestelde datum {proposed:date} ligt op of na de vroegste datum {earliest:date}.",
		en: "The proposed day {proposed:date} is on or after the earliest day {earliest:date}."},
	"audit.too_early": {nl: "De voorgestelde datum {proposed:date} ligt vóór de vroegste datum {earliest:date}.",
		en: "The proposed day {proposed:date} is before the earliest day {earliest:date}."},
	"audit.costs": {nl: "De redelijke kosten van de audit en de kosten van de auditor zijn voor de klant.",
		en: "The reasonable costs of the audit and the auditor's costs are borne by the customer."},
}

func init() {
	for k, m := range auditExplainMessages {
		if _, dup := explainMessages[k]; dup {
			panic("terms: explanation key " + k + " defined twice")
		}
		explainMessages[k] = m
	}
}
