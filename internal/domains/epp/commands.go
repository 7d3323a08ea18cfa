package epp

import (
	"time"
)

// The builders below make one frame per command. They hold no state, so the golden
// tests render them directly and the fake registry can compare what it receives.

func cmd(c *Command, trid string) *EPP { c.ClTRID = trid; return &EPP{Command: c} }

// HelloCmd asks for a greeting.
func HelloCmd() *EPP { return &EPP{Hello: &Empty{}} }

// LoginCmd opens a session with the profile's objects and extensions.
func LoginCmd(user, pw string, p Profile, trid string) *EPP {
	return cmd(&Command{Login: &Login{
		ClID: user, PW: pw,
		Options: LoginOptions{Version: "1.0", Lang: "en"},
		Svcs:    LoginSvcs{ObjURI: p.ObjURI, ExtURI: p.ExtURI},
	}}, trid)
}

// LogoutCmd ends the session.
func LogoutCmd(trid string) *EPP { return cmd(&Command{Logout: &Empty{}}, trid) }

// DomainCheckCmd checks names.
func DomainCheckCmd(trid string, names ...string) *EPP {
	return cmd(&Command{Check: &ObjCmd{DomainCheck: &DomainNames{Names: names}}}, trid)
}

// DomainInfoCmd reads a domain; authCode lets a non-sponsor read it.
func DomainInfoCmd(trid, name, authCode string) *EPP {
	in := &DomainInfo{Name: InfoName{Hosts: "all", Name: name}}
	if authCode != "" {
		in.AuthInfo = &AuthInfo{PW: authCode}
	}
	return cmd(&Command{Info: &ObjCmd{DomainInfo: in}}, trid)
}

// DomainCreateCmd registers a domain.
func DomainCreateCmd(trid string, p Profile, name string, years int, registrant string, admin, tech []string, ns []string, authCode string) *EPP {
	c := &DomainCreate{Name: name, Period: p.period(years), Registrant: registrant, AuthInfo: AuthInfo{PW: authCode}}
	if len(ns) > 0 {
		c.NS = &NS{HostObj: ns}
	}
	for _, a := range admin {
		c.Contacts = append(c.Contacts, DomainContact{Type: "admin", ID: a})
	}
	for _, t := range tech {
		c.Contacts = append(c.Contacts, DomainContact{Type: "tech", ID: t})
	}
	return cmd(&Command{Create: &ObjCmd{DomainCreate: c}}, trid)
}

// DomainRenewCmd renews from the current expiry date.
func DomainRenewCmd(trid string, p Profile, name string, curExp time.Time, years int) *EPP {
	return cmd(&Command{Renew: &ObjCmd{DomainRenew: &DomainRenew{
		Name: name, CurExpDate: curExp.UTC().Format(time.DateOnly), Period: p.period(years),
	}}}, trid)
}

// DomainTransferCmd is a transfer with op request, query, approve, reject or cancel.
func DomainTransferCmd(trid, op, name, authCode string) *EPP {
	t := &DomainTransfer{Name: name}
	if op == "request" || authCode != "" {
		t.AuthInfo = &AuthInfo{PW: authCode}
	}
	return cmd(&Command{Transfer: &TransferCmd{Op: op, ObjCmd: ObjCmd{DomainTransfer: t}}}, trid)
}

// DomainUpdateNSCmd adds and removes name servers.
func DomainUpdateNSCmd(trid, name string, add, rem []string) *EPP {
	u := &DomainUpdate{Name: name}
	if len(add) > 0 {
		u.Add = &DomainAddRem{NS: &NS{HostObj: add}}
	}
	if len(rem) > 0 {
		u.Rem = &DomainAddRem{NS: &NS{HostObj: rem}}
	}
	return cmd(&Command{Update: &ObjCmd{DomainUpdate: u}}, trid)
}

// DomainUpdateAuthCmd sets a new transfer token (generic registries).
func DomainUpdateAuthCmd(trid, name, authCode string) *EPP {
	return cmd(&Command{Update: &ObjCmd{DomainUpdate: &DomainUpdate{Name: name, Chg: &DomainChg{AuthInfo: &AuthInfo{PW: authCode}}}}}, trid)
}

// DomainScheduleDeleteCmd is SIDN's cancellation at a date, at the end of the
// subscription period, or its withdrawal (op SchDCancel).
func DomainScheduleDeleteCmd(trid, name, op string, date time.Time) *EPP {
	sd := &ScheduledDelete{Operation: op}
	if op == SchDSetDate {
		sd.Date = date.UTC().Format(time.DateOnly)
	}
	return cmd(&Command{
		Update:    &ObjCmd{DomainUpdate: &DomainUpdate{Name: name}},
		Extension: &CmdExt{ScheduledDelete: sd},
	}, trid)
}

// DomainDeleteCmd deletes at once (SIDN: into quarantine).
func DomainDeleteCmd(trid, name string) *EPP {
	return cmd(&Command{Delete: &ObjCmd{DomainDelete: &DomainName{Name: name}}}, trid)
}

// SIDNCancelDeleteCmd redeems a domain from quarantine (SIDN's own command).
func SIDNCancelDeleteCmd(trid, name string) *EPP {
	return &EPP{Extension: &ProtoExt{SIDNCommand: &SIDNCommand{DomainCancelDelete: &DomainName{Name: name}, ClTRID: trid}}}
}

// RGPRestoreCmd asks for a restore in the redemption period (RFC 3915).
func RGPRestoreCmd(trid, name string) *EPP {
	return cmd(&Command{
		Update:    &ObjCmd{DomainUpdate: &DomainUpdate{Name: name, Chg: &DomainChg{}}},
		Extension: &CmdExt{RGP: &RGPUpdate{Restore: RGPRestore{Op: "request"}}},
	}, trid)
}

// ContactCheckCmd checks contact ids.
func ContactCheckCmd(trid string, ids ...string) *EPP {
	return cmd(&Command{Check: &ObjCmd{ContactCheck: &ContactIDs{IDs: ids}}}, trid)
}

// ContactInfoCmd reads a contact.
func ContactInfoCmd(trid, id string) *EPP {
	return cmd(&Command{Info: &ObjCmd{ContactInfo: &ContactInfo{ID: id}}}, trid)
}

// ContactCreateCmd creates a contact; SIDN gets the legal form in its extension.
func ContactCreateCmd(trid string, p Profile, c ContactCreate, legal SIDNContact) *EPP {
	e := cmd(&Command{Create: &ObjCmd{ContactCreate: &c}}, trid)
	if p.LegalForm && legal.LegalForm != "" {
		e.Command.Extension = &CmdExt{SIDN: &SIDNExt{Create: &SIDNContactWrap{Contact: legal}}}
	}
	return e
}

// ContactUpdateCmd changes a contact's address, phone and e-mail.
func ContactUpdateCmd(trid string, p Profile, id string, chg ContactChg, legal SIDNContact) *EPP {
	e := cmd(&Command{Update: &ObjCmd{ContactUpdate: &ContactUpdate{ID: id, Chg: &chg}}}, trid)
	if p.LegalForm && legal.LegalForm != "" {
		e.Command.Extension = &CmdExt{SIDN: &SIDNExt{Update: &SIDNContactWrap{Contact: legal}}}
	}
	return e
}

// HostCheckCmd checks host names.
func HostCheckCmd(trid string, names ...string) *EPP {
	return cmd(&Command{Check: &ObjCmd{HostCheck: &HostNames{Names: names}}}, trid)
}

// HostInfoCmd reads a host.
func HostInfoCmd(trid, name string) *EPP {
	return cmd(&Command{Info: &ObjCmd{HostInfo: &HostName{Name: name}}}, trid)
}

// HostCreateCmd creates a host, with glue addresses when it lies inside the registry.
func HostCreateCmd(trid, name string, addrs []HostAddr) *EPP {
	return cmd(&Command{Create: &ObjCmd{HostCreate: &HostCreate{Name: name, Addrs: addrs}}}, trid)
}

// PollReqCmd asks for the oldest message.
func PollReqCmd(trid string) *EPP { return cmd(&Command{Poll: &Poll{Op: "req"}}, trid) }

// PollAckCmd removes a message from the queue.
func PollAckCmd(trid, id string) *EPP { return cmd(&Command{Poll: &Poll{Op: "ack", MsgID: id}}, trid) }
