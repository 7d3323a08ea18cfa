package i18n

// Field errors of internal/backup (issue 15).
var _ = add(map[string][2]string{
	"backup.server_name":       {"geef de back-upserver een naam van hooguit 100 tekens", "give the backup server a name of at most 100 characters"},
	"backup.server_repository": {"geef de opslagplaats op: een map of een rest:/sftp:-adres", "give the repository: a directory or a rest:/sftp: address"},
	"backup.server_password":   {"het wachtwoord van de opslagplaats heeft minstens 12 tekens", "the repository password has at least 12 characters"},
	"backup.repository_failed": {"de opslagplaats kon niet worden geopend of aangemaakt: %s", "the repository could not be opened or created: %s"},
	"backup.server_exists":     {"er is al een back-upserver met deze naam", "there is already a backup server with this name"},
	"backup.enrol_service":     {"geef de dienst, de klant, de referentie en de soort op", "give the service, the customer, the reference and the kind"},
	"backup.enrol_server":      {"deze back-upserver bestaat niet", "no such backup server"},
	"backup.ticket_staff":      {"alleen medewerkers leggen een verzoek uit een ticket vast (hooguit 100 tekens)", "only staff record a request from a ticket (at most 100 characters)"},
	"backup.not_available":     {"deze back-up is niet (meer) beschikbaar", "this backup is not (or no longer) available"},
})
