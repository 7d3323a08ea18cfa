package i18n

// Texts of the provisioning layer (internal/provision): field errors, the errors its
// functions return, why a service waits, and the names of states, steps and task
// statuses that pages show.
var _ = add(map[string][2]string{
	"provision.err.name":               {"Geef een naam van hoogstens 100 tekens", "Give a name of at most 100 characters"},
	"provision.err.name_taken":         {"Er is al een server met deze naam", "There is already a server with this name"},
	"provision.err.type":               {"Kies een soort server uit de lijst", "Choose a server type from the list"},
	"provision.err.kind":               {"Kies alleen soorten diensten die dit type server levert", "Choose only kinds of service this server type delivers"},
	"provision.err.endpoint":           {"Geef het adres van de server (een host, host:poort of URL, zonder spaties)", "Give the server's address (a host, host:port or URL, without spaces)"},
	"provision.err.location":           {"Geef een locatie van hoogstens 50 tekens", "Give a location of at most 50 characters"},
	"provision.err.capacity":           {"Geef het aantal diensten dat de server hoogstens krijgt (1 tot 100000)", "Give the most services the server takes (1 to 100000)"},
	"provision.err.monitor_server":     {"Kies een server van de monitoring", "Choose a server of the monitoring"},
	"provision.err.setting_unknown":    {"Dit veld hoort niet bij deze soort server", "This field does not belong to this server type"},
	"provision.err.too_long":           {"Dit is te lang", "This is too long"},
	"provision.err.credential_missing": {"Vul dit toegangsgegeven in", "Fill in this credential"},
	"provision.err.note":               {"Geef de reden (hoogstens 2000 tekens)", "Give the reason (at most 2000 characters)"},
	"provision.err.nothing_to_show":    {"Er staan geen nieuwe toegangsgegevens klaar: ze zijn al eens getoond. Stel een nieuw wachtwoord in om nieuwe te krijgen.", "No new credentials are waiting: they were shown once already. Reset the password to get new ones."},
	"provision.err.not_running":        {"Deze dienst draait niet (meer) op een server", "This service is not running on a server (any more)"},
	"provision.err.no_panel":           {"Deze dienst heeft geen eigen beheerpaneel", "This service has no panel of its own"},
	"provision.err.reset_underway":     {"Er wordt al een nieuw wachtwoord ingesteld; wacht tot dat klaar is", "A new password is already being set; wait until that is done"},
	"provision.err.not_retryable":      {"Alleen een mislukte of geweigerde stap kan opnieuw", "Only a failed or refused step can run again"},
	"provision.err.gone":               {"Deze dienst is beëindigd", "This service has ended"},
	"provision.err.same_server":        {"De dienst staat al op deze server", "The service is on this server already"},
	"provision.err.server_unsuitable":  {"Deze server staat uit of levert deze soort dienst niet", "This server is disabled or does not deliver this kind of service"},
	"provision.err.server_full":        {"Deze server heeft geen ruimte meer", "This server has no room left"},

	"provision.problem.no_room": {"Wacht op een server met ruimte: geen ingeschakelde server die deze soort dienst levert, heeft plaats", "Waiting for a server with room: no enabled server that delivers this kind of service has room"},
	"provision.problem.refused": {"De server weigerde de laatste stap; de dienst bleef zoals hij was", "The server refused the last step; the service stayed as it was"},
	"provision.problem.failed":  {"De server was te vaak onbereikbaar; de stap wacht op een medewerker", "The server could not be reached too often; the step waits for staff"},

	"provision.state.pending":      {"wacht op aanmaken", "waiting to be created"},
	"provision.state.provisioning": {"wordt aangemaakt", "being created"},
	"provision.state.active":       {"actief", "active"},
	"provision.state.suspended":    {"opgeschort", "suspended"},
	"provision.state.terminated":   {"beëindigd", "terminated"},
	"provision.state.deleted":      {"gegevens verwijderd", "data deleted"},

	"provision.op.create":            {"aanmaken", "create"},
	"provision.op.suspend":           {"opschorten", "suspend"},
	"provision.op.unsuspend":         {"weer in gebruik nemen", "put back in use"},
	"provision.op.terminate":         {"beëindigen", "terminate"},
	"provision.op.delete":            {"gegevens verwijderen", "delete data"},
	"provision.op.change_package":    {"pakket wijzigen", "change package"},
	"provision.op.reset_credentials": {"nieuw wachtwoord instellen", "reset credentials"},
	"provision.op.move":              {"verhuizen", "move"},

	"provision.task.queued":  {"in de wachtrij", "queued"},
	"provision.task.running": {"bezig", "running"},
	"provision.task.done":    {"klaar", "done"},
	"provision.task.failed":  {"mislukt", "failed"},
	"provision.task.refused": {"geweigerd", "refused"},

	"provision.reason.non-payment": {"niet betaald", "non-payment"},
	"provision.reason.abuse":       {"misbruik", "abuse"},
	"provision.reason.staff":       {"door een medewerker", "by staff"},
})
