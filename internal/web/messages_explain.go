package web

// Messages of explanations on pages (issue 9, part E). The sentences themselves live
// in internal/terms (explain_messages.go), with the names of the documents a clause
// link points into.
var explainMessages = map[string][2]string{
	"explain.trace":  {"Technische details", "Technical details"},
	"explain.inputs": {"invoer", "inputs"},
}

func init() {
	for k, v := range explainMessages {
		if _, dup := messages[k]; dup {
			panic("web: message " + k + " defined twice")
		}
		messages[k] = v
	}
}
