// Package epp is hostpact's own client for the Extensible Provisioning Protocol
// (RFC 5730 framework, RFC 5731 domains, RFC 5732 hosts, RFC 5733 contacts, RFC 5734
// transport over TLS), with registry profiles for the extensions a registry adds (SIDN
// for .nl first). Registry, in registry.go, implements registry.Registry on top of it.
//
// The XML types here serve both directions: the client marshals commands and parses
// responses with them, and the in-process fake registry (registryfake) parses commands
// and marshals responses with the same types. The golden files in testdata pin the
// bytes that go over the wire, so a change to a type shows up as a diff there.
package epp

import "encoding/xml"

// Namespaces of the standard mappings and of the extensions the profiles use.
const (
	NSEPP      = "urn:ietf:params:xml:ns:epp-1.0"
	NSDomain   = "urn:ietf:params:xml:ns:domain-1.0"
	NSContact  = "urn:ietf:params:xml:ns:contact-1.0"
	NSHost     = "urn:ietf:params:xml:ns:host-1.0"
	NSSecDNS   = "urn:ietf:params:xml:ns:secDNS-1.1"
	NSRGP      = "urn:ietf:params:xml:ns:rgp-1.0"
	NSSIDN     = "http://rxsd.domain-registry.nl/sidn-ext-epp-1.0"
	NSSIDNSchD = "http://rxsd.domain-registry.nl/sidn-ext-epp-scheduled-delete-1.0"
)

// EPP is the root element of every frame, in both directions.
type EPP struct {
	XMLName   xml.Name  `xml:"urn:ietf:params:xml:ns:epp-1.0 epp"`
	Hello     *Empty    `xml:"hello"`
	Greeting  *Greeting `xml:"greeting"`
	Command   *Command  `xml:"command"`
	Response  *Response `xml:"response"`
	Extension *ProtoExt `xml:"extension"`
}

// Empty is an element without content (<hello/>, <logout/>).
type Empty struct{}

// Raw keeps an element's content as it came.
type Raw struct {
	Inner string `xml:",innerxml"`
}

// Greeting is the server's first frame and its answer to <hello>.
type Greeting struct {
	SvID    string  `xml:"svID"`
	SvDate  string  `xml:"svDate"`
	SvcMenu SvcMenu `xml:"svcMenu"`
	DCP     Raw     `xml:"dcp"`
}

// SvcMenu lists the versions, languages, objects and extensions a server offers.
type SvcMenu struct {
	Version []string `xml:"version"`
	Lang    []string `xml:"lang"`
	ObjURI  []string `xml:"objURI"`
	ExtURI  []string `xml:"svcExtension>extURI"`
}

// Command is <command>: exactly one of the verbs is set.
type Command struct {
	Login     *Login       `xml:"login"`
	Logout    *Empty       `xml:"logout"`
	Check     *ObjCmd      `xml:"check"`
	Info      *ObjCmd      `xml:"info"`
	Create    *ObjCmd      `xml:"create"`
	Delete    *ObjCmd      `xml:"delete"`
	Renew     *ObjCmd      `xml:"renew"`
	Update    *ObjCmd      `xml:"update"`
	Transfer  *TransferCmd `xml:"transfer"`
	Poll      *Poll        `xml:"poll"`
	Extension *CmdExt      `xml:"extension"`
	ClTRID    string       `xml:"clTRID,omitempty"`
}

// Login opens a session (RFC 5730 2.9.1.1).
type Login struct {
	ClID    string       `xml:"clID"`
	PW      string       `xml:"pw"`
	NewPW   string       `xml:"newPW,omitempty"`
	Options LoginOptions `xml:"options"`
	Svcs    LoginSvcs    `xml:"svcs"`
}

// LoginOptions are the protocol version and language.
type LoginOptions struct {
	Version string `xml:"version"`
	Lang    string `xml:"lang"`
}

// LoginSvcs are the object and extension namespaces the session uses.
type LoginSvcs struct {
	ObjURI []string `xml:"objURI"`
	ExtURI []string `xml:"svcExtension>extURI,omitempty"`
}

// TransferCmd is <transfer op="…">.
type TransferCmd struct {
	Op string `xml:"op,attr"`
	ObjCmd
}

// Poll is <poll op="req"/> or <poll op="ack" msgID="…"/>.
type Poll struct {
	Op    string `xml:"op,attr"`
	MsgID string `xml:"msgID,attr,omitempty"`
}

// ObjCmd carries the object-specific element of a verb; exactly one is set.
type ObjCmd struct {
	DomainCheck    *DomainNames    `xml:"urn:ietf:params:xml:ns:domain-1.0 check"`
	DomainInfo     *DomainInfo     `xml:"urn:ietf:params:xml:ns:domain-1.0 info"`
	DomainCreate   *DomainCreate   `xml:"urn:ietf:params:xml:ns:domain-1.0 create"`
	DomainDelete   *DomainName     `xml:"urn:ietf:params:xml:ns:domain-1.0 delete"`
	DomainRenew    *DomainRenew    `xml:"urn:ietf:params:xml:ns:domain-1.0 renew"`
	DomainUpdate   *DomainUpdate   `xml:"urn:ietf:params:xml:ns:domain-1.0 update"`
	DomainTransfer *DomainTransfer `xml:"urn:ietf:params:xml:ns:domain-1.0 transfer"`
	ContactCheck   *ContactIDs     `xml:"urn:ietf:params:xml:ns:contact-1.0 check"`
	ContactInfo    *ContactInfo    `xml:"urn:ietf:params:xml:ns:contact-1.0 info"`
	ContactCreate  *ContactCreate  `xml:"urn:ietf:params:xml:ns:contact-1.0 create"`
	ContactUpdate  *ContactUpdate  `xml:"urn:ietf:params:xml:ns:contact-1.0 update"`
	HostCheck      *HostNames      `xml:"urn:ietf:params:xml:ns:host-1.0 check"`
	HostInfo       *HostName       `xml:"urn:ietf:params:xml:ns:host-1.0 info"`
	HostCreate     *HostCreate     `xml:"urn:ietf:params:xml:ns:host-1.0 create"`
}

// DomainNames is a domain <check>.
type DomainNames struct {
	Names []string `xml:"name"`
}

// DomainName is a command that names one domain (<delete>).
type DomainName struct {
	Name string `xml:"name"`
}

// DomainInfo is a domain <info>; the authInfo lets a non-sponsor read more.
type DomainInfo struct {
	Name     InfoName  `xml:"name"`
	AuthInfo *AuthInfo `xml:"authInfo"`
}

// InfoName is the name with its hosts attribute (all, del, sub, none).
type InfoName struct {
	Hosts string `xml:"hosts,attr,omitempty"`
	Name  string `xml:",chardata"`
}

// DomainCreate is a domain <create>.
type DomainCreate struct {
	Name       string          `xml:"name"`
	Period     *Period         `xml:"period"`
	NS         *NS             `xml:"ns"`
	Registrant string          `xml:"registrant,omitempty"`
	Contacts   []DomainContact `xml:"contact"`
	AuthInfo   AuthInfo        `xml:"authInfo"`
}

// Period is a registration or renewal period.
type Period struct {
	Unit  string `xml:"unit,attr"`
	Value int    `xml:",chardata"`
}

// NS lists name servers as host objects.
type NS struct {
	HostObj []string `xml:"hostObj"`
}

// DomainContact is an admin, tech or billing contact of a domain.
type DomainContact struct {
	Type string `xml:"type,attr"`
	ID   string `xml:",chardata"`
}

// AuthInfo is the authorisation information, for a domain its transfer token.
type AuthInfo struct {
	PW string `xml:"pw"`
}

// DomainRenew is a domain <renew>.
type DomainRenew struct {
	Name       string  `xml:"name"`
	CurExpDate string  `xml:"curExpDate"`
	Period     *Period `xml:"period"`
}

// DomainUpdate is a domain <update>.
type DomainUpdate struct {
	Name string        `xml:"name"`
	Add  *DomainAddRem `xml:"add"`
	Rem  *DomainAddRem `xml:"rem"`
	Chg  *DomainChg    `xml:"chg"`
}

// DomainAddRem is what an update adds or removes.
type DomainAddRem struct {
	NS       *NS             `xml:"ns"`
	Contacts []DomainContact `xml:"contact"`
	Statuses []Status        `xml:"status"`
}

// DomainChg is what an update changes.
type DomainChg struct {
	Registrant string    `xml:"registrant,omitempty"`
	AuthInfo   *AuthInfo `xml:"authInfo"`
}

// Status is an object status value with an optional note.
type Status struct {
	S    string `xml:"s,attr"`
	Text string `xml:",chardata"`
}

// DomainTransfer is a domain <transfer>.
type DomainTransfer struct {
	Name     string    `xml:"name"`
	Period   *Period   `xml:"period"`
	AuthInfo *AuthInfo `xml:"authInfo"`
}

// ContactIDs is a contact <check>.
type ContactIDs struct {
	IDs []string `xml:"id"`
}

// ContactInfo is a contact <info>.
type ContactInfo struct {
	ID       string    `xml:"id"`
	AuthInfo *AuthInfo `xml:"authInfo"`
}

// ContactCreate is a contact <create>.
type ContactCreate struct {
	ID         string     `xml:"id"`
	PostalInfo PostalInfo `xml:"postalInfo"`
	Voice      string     `xml:"voice,omitempty"`
	Email      string     `xml:"email"`
	AuthInfo   AuthInfo   `xml:"authInfo"`
}

// PostalInfo is a contact's name and address.
type PostalInfo struct {
	Type string `xml:"type,attr"`
	Name string `xml:"name"`
	Org  string `xml:"org,omitempty"`
	Addr Addr   `xml:"addr"`
}

// Addr is a postal address.
type Addr struct {
	Street []string `xml:"street"`
	City   string   `xml:"city"`
	SP     string   `xml:"sp,omitempty"`
	PC     string   `xml:"pc,omitempty"`
	CC     string   `xml:"cc"`
}

// ContactUpdate is a contact <update>.
type ContactUpdate struct {
	ID  string      `xml:"id"`
	Chg *ContactChg `xml:"chg"`
}

// ContactChg is what a contact update changes.
type ContactChg struct {
	PostalInfo *PostalInfo `xml:"postalInfo"`
	Voice      string      `xml:"voice,omitempty"`
	Email      string      `xml:"email,omitempty"`
}

// HostNames is a host <check>.
type HostNames struct {
	Names []string `xml:"name"`
}

// HostName is a host <info>.
type HostName struct {
	Name string `xml:"name"`
}

// HostCreate is a host <create>.
type HostCreate struct {
	Name  string     `xml:"name"`
	Addrs []HostAddr `xml:"addr"`
}

// HostAddr is a glue address.
type HostAddr struct {
	IP   string `xml:"ip,attr,omitempty"`
	Addr string `xml:",chardata"`
}

// CmdExt is <extension> inside <command>.
type CmdExt struct {
	ScheduledDelete *ScheduledDelete `xml:"http://rxsd.domain-registry.nl/sidn-ext-epp-scheduled-delete-1.0 update"`
	SIDN            *SIDNExt         `xml:"http://rxsd.domain-registry.nl/sidn-ext-epp-1.0 ext"`
	RGP             *RGPUpdate       `xml:"urn:ietf:params:xml:ns:rgp-1.0 update"`
}

// ScheduledDelete is SIDN's cancellation ("opheffen") at a date: setDate with a date,
// setDateToEndOfSubscriptionPeriod, or cancel to withdraw it.
type ScheduledDelete struct {
	Operation string `xml:"operation"`
	Date      string `xml:"date,omitempty"`
}

// Operations of SIDN's scheduled-delete extension.
const (
	SchDSetDate     = "setDate"
	SchDEndOfPeriod = "setDateToEndOfSubscriptionPeriod"
	SchDCancel      = "cancel"
)

// SIDNExt is SIDN's general extension element, in commands and in responses.
type SIDNExt struct {
	Create   *SIDNContactWrap `xml:"create"`
	Update   *SIDNContactWrap `xml:"update"`
	InfData  *SIDNInfData     `xml:"infData"`
	TrnData  *SIDNTrnData     `xml:"trnData"`
	Response *SIDNResponse    `xml:"response"`
}

// SIDNContactWrap carries a contact's legal form on create and update.
type SIDNContactWrap struct {
	Contact SIDNContact `xml:"contact"`
}

// SIDNContact is the legal form of a contact (PERSOON, BV, ANDERS, …).
type SIDNContact struct {
	LegalForm      string `xml:"legalForm,omitempty"`
	LegalFormRegNo string `xml:"legalFormRegNo,omitempty"`
}

// SIDNInfData is what SIDN adds to a domain or contact <info> answer.
type SIDNInfData struct {
	Domain  *SIDNDomainInf `xml:"domain"`
	Contact *SIDNContact   `xml:"contact"`
}

// SIDNDomainInf carries the scheduled delete date and the subscription period.
type SIDNDomainInf struct {
	OptOut              string `xml:"optOut,omitempty"`
	Limited             string `xml:"limited,omitempty"`
	Period              string `xml:"period,omitempty"`
	ScheduledDeleteDate string `xml:"scheduledDeleteDate,omitempty"`
}

// SIDNTrnData is the new transfer token SIDN gives the gaining registrar.
type SIDNTrnData struct {
	PW string `xml:"pw"`
}

// SIDNResponse carries SIDN's own error codes and texts.
type SIDNResponse struct {
	Msgs []SIDNMsg `xml:"msg"`
}

// SIDNMsg is one of SIDN's messages.
type SIDNMsg struct {
	Code  string `xml:"code,attr"`
	Field string `xml:"field,attr,omitempty"`
	Text  string `xml:",chardata"`
}

// RGPUpdate is the Redemption Grace Period restore request (RFC 3915).
type RGPUpdate struct {
	Restore RGPRestore `xml:"restore"`
}

// RGPRestore is <rgp:restore op="request"/>.
type RGPRestore struct {
	Op string `xml:"op,attr"`
}

// ProtoExt is a protocol extension at the top level of <epp>; SIDN's command for
// cancelling a delete (redeeming from quarantine) is one.
type ProtoExt struct {
	SIDNCommand *SIDNCommand `xml:"http://rxsd.domain-registry.nl/sidn-ext-epp-1.0 command"`
}

// SIDNCommand is SIDN's own command element.
type SIDNCommand struct {
	DomainCancelDelete *DomainName `xml:"domainCancelDelete"`
	ClTRID             string      `xml:"clTRID,omitempty"`
}

// Response is <response>.
type Response struct {
	Results   []Result `xml:"result"`
	MsgQ      *MsgQ    `xml:"msgQ"`
	ResData   *ResData `xml:"resData"`
	Extension *RespExt `xml:"extension"`
	TrID      TrID     `xml:"trID"`
	// Raw is the frame as received (poll messages keep it).
	Raw []byte `xml:"-"`
}

// Result is a result code with its message.
type Result struct {
	Code      int        `xml:"code,attr"`
	Msg       string     `xml:"msg"`
	ExtValues []ExtValue `xml:"extValue"`
}

// ExtValue explains an error with the offending value.
type ExtValue struct {
	Value  Raw    `xml:"value"`
	Reason string `xml:"reason"`
}

// MsgQ describes the poll queue.
type MsgQ struct {
	Count int    `xml:"count,attr"`
	ID    string `xml:"id,attr"`
	QDate string `xml:"qDate,omitempty"`
	Msg   string `xml:"msg,omitempty"`
}

// TrID are the client's and the server's transaction ids.
type TrID struct {
	ClTRID string `xml:"clTRID,omitempty"`
	SvTRID string `xml:"svTRID"`
}

// ResData is <resData>: the object-specific answer.
type ResData struct {
	DomainChk  *ChkData        `xml:"urn:ietf:params:xml:ns:domain-1.0 chkData"`
	DomainInf  *DomainInfData  `xml:"urn:ietf:params:xml:ns:domain-1.0 infData"`
	DomainCre  *DomainCreData  `xml:"urn:ietf:params:xml:ns:domain-1.0 creData"`
	DomainRen  *DomainRenData  `xml:"urn:ietf:params:xml:ns:domain-1.0 renData"`
	DomainTrn  *DomainTrnData  `xml:"urn:ietf:params:xml:ns:domain-1.0 trnData"`
	ContactChk *ChkData        `xml:"urn:ietf:params:xml:ns:contact-1.0 chkData"`
	ContactInf *ContactInfData `xml:"urn:ietf:params:xml:ns:contact-1.0 infData"`
	ContactCre *ContactCreData `xml:"urn:ietf:params:xml:ns:contact-1.0 creData"`
	HostChk    *ChkData        `xml:"urn:ietf:params:xml:ns:host-1.0 chkData"`
	HostInf    *HostInfData    `xml:"urn:ietf:params:xml:ns:host-1.0 infData"`
	HostCre    *HostCreData    `xml:"urn:ietf:params:xml:ns:host-1.0 creData"`
	SIDNPoll   *SIDNPollData   `xml:"http://rxsd.domain-registry.nl/sidn-ext-epp-1.0 pollData"`
}

// ChkData is a check answer (domain and host use <name>, contact uses <id>).
type ChkData struct {
	CDs []CD `xml:"cd"`
}

// CD is one checked object.
type CD struct {
	Name   *CDName `xml:"name"`
	ID     *CDName `xml:"id"`
	Reason string  `xml:"reason,omitempty"`
}

// CDName is a checked name with its availability.
type CDName struct {
	Avail string `xml:"avail,attr"`
	Value string `xml:",chardata"`
}

// DomainInfData is a domain <info> answer.
type DomainInfData struct {
	Name       string          `xml:"name"`
	ROID       string          `xml:"roid"`
	Statuses   []Status        `xml:"status"`
	Registrant string          `xml:"registrant,omitempty"`
	Contacts   []DomainContact `xml:"contact"`
	NS         *NS             `xml:"ns"`
	ClID       string          `xml:"clID"`
	CrID       string          `xml:"crID,omitempty"`
	CrDate     string          `xml:"crDate,omitempty"`
	UpID       string          `xml:"upID,omitempty"`
	UpDate     string          `xml:"upDate,omitempty"`
	ExDate     string          `xml:"exDate,omitempty"`
	TrDate     string          `xml:"trDate,omitempty"`
	AuthInfo   *AuthInfo       `xml:"authInfo"`
}

// DomainCreData is a domain <create> answer.
type DomainCreData struct {
	Name   string `xml:"name"`
	CrDate string `xml:"crDate"`
	ExDate string `xml:"exDate,omitempty"`
}

// DomainRenData is a domain <renew> answer.
type DomainRenData struct {
	Name   string `xml:"name"`
	ExDate string `xml:"exDate,omitempty"`
}

// DomainTrnData is a domain <transfer> answer and a transfer poll message.
type DomainTrnData struct {
	Name     string `xml:"name"`
	TrStatus string `xml:"trStatus"`
	ReID     string `xml:"reID"`
	ReDate   string `xml:"reDate"`
	AcID     string `xml:"acID"`
	AcDate   string `xml:"acDate"`
	ExDate   string `xml:"exDate,omitempty"`
}

// ContactInfData is a contact <info> answer.
type ContactInfData struct {
	ID         string       `xml:"id"`
	ROID       string       `xml:"roid"`
	Statuses   []Status     `xml:"status"`
	PostalInfo []PostalInfo `xml:"postalInfo"`
	Voice      string       `xml:"voice,omitempty"`
	Email      string       `xml:"email"`
	ClID       string       `xml:"clID"`
	CrID       string       `xml:"crID,omitempty"`
	CrDate     string       `xml:"crDate,omitempty"`
	UpDate     string       `xml:"upDate,omitempty"`
}

// ContactCreData is a contact <create> answer.
type ContactCreData struct {
	ID     string `xml:"id"`
	CrDate string `xml:"crDate"`
}

// HostInfData is a host <info> answer.
type HostInfData struct {
	Name     string     `xml:"name"`
	ROID     string     `xml:"roid"`
	Statuses []Status   `xml:"status"`
	Addrs    []HostAddr `xml:"addr"`
	ClID     string     `xml:"clID"`
	CrDate   string     `xml:"crDate,omitempty"`
}

// HostCreData is a host <create> answer.
type HostCreData struct {
	Name   string `xml:"name"`
	CrDate string `xml:"crDate"`
}

// SIDNPollData is SIDN's poll message body: the command it is about and its result.
type SIDNPollData struct {
	Command string       `xml:"command"`
	Data    SIDNPollBody `xml:"data"`
}

// SIDNPollBody holds the result and object data of the command a poll message is about.
type SIDNPollBody struct {
	Result  Result   `xml:"result"`
	ResData *ResData `xml:"resData"`
}

// RespExt is <extension> in a response.
type RespExt struct {
	SIDN   *SIDNExt    `xml:"http://rxsd.domain-registry.nl/sidn-ext-epp-1.0 ext"`
	RGPInf *RGPInfData `xml:"urn:ietf:params:xml:ns:rgp-1.0 infData"`
}

// RGPInfData carries the RGP status of a domain (RFC 3915).
type RGPInfData struct {
	RGPStatus []Status `xml:"rgpStatus"`
}

// Hosts returns the name servers of a create.
func (c *DomainCreate) Hosts() []string {
	if c.NS == nil {
		return nil
	}
	return c.NS.HostObj
}
