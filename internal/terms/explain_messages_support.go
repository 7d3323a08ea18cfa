package terms

// Sentences of the support rules (cp.sla.support.2, cp.av.17.1).
var supportExplainMessages = map[string]explainMsg{
	"support.response": {nl: "Een vraag wordt beantwoord binnen {hours:int} uur van de openingstijden van de klantenservice ({open:text}, op werkdagen); de klok staat stil zolang het ticket op de klant wacht. Al gebruikt: {spent:int} minuten; uiterlijk {due:time}.",
		en: "A question is answered within {hours:int} hours of customer service's open hours ({open:text}, on werkdagen); the clock stops while the ticket waits for the customer. Used so far: {spent:int} minutes; due by {due:time}."},
	"support.complaint": {nl: "Een klacht wordt binnen {period:period} na ontvangst inhoudelijk beantwoord; een antwoord dat alleen om meer tijd vraagt, houdt de klok niet tegen. Ontvangen op {received:time}, dus uiterlijk op {last:date}.",
		en: "A complaint is answered in substance within {period:period} of receipt; an answer that only asks for more time does not stop the clock. Received on {received:time}, so by {last:date} at the latest."},
}

func init() {
	for k, m := range supportExplainMessages {
		explainMessages[k] = m
	}
}
