package web

// backupMessages are the texts of the backup pages: key → {Dutch, English}.
var backupMessages = map[string][2]string{
	"nav.backups": {"Back-ups", "Backups"},

	"bk.title":         {"Back-ups", "Backups"},
	"bk.intro":         {"Van je diensten wordt elke dag een back-up gemaakt. Bewaard blijven de 7 meest recente dagelijkse back-ups en de laatste back-up van elk van de 4 meest recente weken (SLA, back-ups punt 1 en 2). Kies een dienst om een back-up terug te laten zetten.", "Your services are backed up every day. Kept are the 7 most recent daily backups and the last backup of each of the 4 most recent weeks (SLA, backups points 1 and 2). Choose a service to have a backup restored."},
	"bk.empty":         {"Er zijn nog geen diensten waarvan back-ups worden gemaakt. Voor een VPS kun je back-ups als aanvulling bestellen.", "None of your services is backed up yet. For a VPS you can order backups as an add-on."},
	"bk.none_yet":      {"nog geen", "none yet"},
	"bk.restores":      {"Verzoeken om terug te zetten", "Restore requests"},
	"bk.no_restores":   {"Er zijn nog geen verzoeken om een back-up terug te zetten.", "There are no restore requests yet."},
	"bk.backups":       {"Back-ups", "Backups"},
	"bk.service_title": {"Back-ups van %s", "Backups of %s"},
	"bk.service_intro": {"Kies de dag waarvan je de bestanden terug wilt. Ze worden teruggezet in dezelfde dienst; je krijgt een e-mail zodra het klaar is.", "Choose the day whose files you want back. They are restored into the same service; you get an e-mail once it is done."},
	"bk.no_backups":    {"Er is nog geen back-up die kan worden teruggezet.", "There is no backup to restore yet."},
	"bk.restore_this":  {"Deze terugzetten", "Restore this one"},
	"bk.files":         {"%d bestanden", "%d files"},
	"bk.forgotten":     {"verwijderd volgens de bewaarregel", "removed by the retention rule"},
	"bk.adopted":       {"na een onderbreking teruggevonden", "found again after an interruption"},

	"bk.restore_title":        {"Back-up terugzetten", "Restore a backup"},
	"bk.restore_question":     {"De back-up van %s terugzetten in %s?", "Restore the backup of %s into %s?"},
	"bk.restore_detail":       {"Bestanden die in de back-up staan, worden overschreven met de versie van die dag. Bestanden die later zijn toegevoegd, blijven staan.", "Files in the backup are overwritten with that day's version. Files added later stay."},
	"bk.restore":              {"Terugzetten", "Restore"},
	"bk.ticket":               {"Ticket", "Ticket"},
	"bk.ticket_hint":          {"Het ticket waarin de klant om het terugzetten vroeg.", "The ticket in which the customer asked for the restore."},
	"bk.ticket_required":      {"Geef het ticket op waarin de klant erom vroeg.", "Give the ticket in which the customer asked for it."},
	"flash.bk_restore_queued": {"Het terugzetten staat klaar. Er volgt een e-mail zodra het is gebeurd.", "The restore is queued. An e-mail follows once it is done."},

	"bk.col.service":   {"Dienst", "Service"},
	"bk.col.last_good": {"Laatste goede back-up", "Last good backup"},
	"bk.col.backup_of": {"Back-up van", "Backup of"},
	"bk.col.asked":     {"Gevraagd", "Asked"},
	"bk.col.status":    {"Status", "Status"},
	"bk.col.day":       {"Dag", "Day"},
	"bk.col.size":      {"Omvang", "Size"},
	"bk.col.snapshot":  {"Snapshot", "Snapshot"},
	"bk.col.actions":   {"Acties", "Actions"},
	"bk.col.server":    {"Back-upserver", "Backup server"},
	"bk.col.period":    {"Kwartaal", "Quarter"},
	"bk.col.when":      {"Uitgevoerd", "Run"},

	"bk.via.portal": {"via het portaal", "in the portal"},
	"bk.via.ticket": {"via ticket", "by ticket"},

	"bk.restore_status.queued":  {"staat klaar", "queued"},
	"bk.restore_status.running": {"bezig", "running"},
	"bk.restore_status.done":    {"teruggezet", "restored"},
	"bk.restore_status.failed":  {"mislukt; de beheerders zijn gewaarschuwd", "failed; staff have been alerted"},
	"bk.run_status.running":     {"bezig", "running"},
	"bk.run_status.done":        {"gelukt", "done"},
	"bk.run_status.failed":      {"mislukt", "failed"},
	"bk.run_status.skipped":     {"overgeslagen", "skipped"},
	"bk.test_status.running":    {"bezig", "running"},
	"bk.test_status.passed":     {"geslaagd", "passed"},
	"bk.test_status.failed":     {"mislukt", "failed"},

	"bk.staff_title":         {"Back-ups", "Backups"},
	"bk.staff_intro":         {"Van elke dienst de laatste goede back-up, de runs, de verzoeken om terug te zetten en de hersteltest per kwartaal (beveiligingsbeleid, back-ups punt 3). Welke back-ups blijven, bepaalt de bewaarregel van de voorwaarden, niet restic.", "Every service's last good backup, the runs, the restore requests and the quarterly restore test (security policy, backups point 3). Which backups stay is decided by the terms' retention rule, not by restic."},
	"bk.staff_service_intro": {"Alle runs van %s op back-upserver %s. Een verzoek uit een ticket leg je vast met Terugzetten bij de gevraagde dag.", "Every run of %s on backup server %s. Record a request from a ticket with Restore next to the day asked for."},
	"bk.missed":              {"Geen geslaagde hersteltest in: %s. Het beveiligingsbeleid vraagt er minstens één per kwartaal.", "No passed restore test in: %s. The security policy asks for at least one per quarter."},
	"bk.demo_server":         {"%s is de demo-back-upserver: hij legt runs vast maar maakt geen echte back-ups.", "%s is the demo backup server: it records runs but makes no real backups."},
	"bk.services":            {"Diensten", "Services"},
	"bk.filter_label":        {"Diensten filteren", "Filter the services"},
	"bk.f.show":              {"Toon", "Show"},
	"bk.f.all":               {"Alle diensten", "All services"},
	"bk.f.stale":             {"Geen goede back-up in 36 uur", "No good backup in 36 hours"},
	"bk.filter":              {"Filteren", "Filter"},
	"bk.next":                {"Volgende", "Next"},
	"bk.older":               {"Oudere runs", "Older runs"},
	"bk.none_stale":          {"Elke dienst heeft een goede back-up van de afgelopen 36 uur.", "Every service has a good backup from the last 36 hours."},
	"bk.none_enrolled":       {"Er worden nog van geen enkele dienst back-ups gemaakt.", "No service is backed up yet."},
	"bk.no_runs":             {"Nog geen runs.", "No runs yet."},
	"bk.tests":               {"Hersteltests", "Restore tests"},
	"bk.tests_intro":         {"Elk kwartaal wordt een steekproef van diensten teruggezet op een aparte plek en vergeleken met de snapshot.", "Every quarter a sample of services is restored into a scratch location and compared with the snapshot."},
	"bk.no_tests":            {"Nog geen hersteltests.", "No restore tests yet."},
	"bk.recent_runs":         {"Laatste runs", "Recent runs"},
	"bk.servers":             {"Back-upservers", "Backup servers"},
	"bk.server_services":     {"%d diensten", "%d services"},
	"bk.no_servers":          {"Er zijn nog geen back-upservers.", "There are no backup servers yet."},
}

func init() {
	for k, v := range backupMessages {
		if _, dup := messages[k]; dup {
			panic("web: message " + k + " defined twice")
		}
		messages[k] = v
	}
}
