package sidnfake

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/domains/epp"
)

// Domain states the fake keeps (SIDN's, mapped onto EPP statuses in info answers).
const (
	StateActive     = "active"
	StateScheduled  = "scheduled_delete"
	StateQuarantine = "quarantine"
)

type domainRec struct {
	Name, ROID    string
	Sponsor       string
	Registrant    string
	Admin, Tech   []string
	NS            []string
	Created       time.Time
	Expires       time.Time
	Updated       time.Time
	Transferred   time.Time
	PeriodMonths  int
	State         string
	DeleteAt      time.Time
	QuarantineEnd time.Time
	Token         string
	Transfer      *transferRec
}

type transferRec struct {
	Status         string
	ReID, AcID     string
	ReDate, AcDate time.Time
}

type contactRec struct {
	ID, Owner  string
	PostalInfo epp.PostalInfo
	Voice      string
	Email      string
	Legal      epp.SIDNContact
	Created    time.Time
}

type hostRec struct {
	Name, Owner string
	Addrs       []epp.HostAddr
	Created     time.Time
}

type message struct {
	ID      string
	Queued  time.Time
	Text    string
	Command string
	Domain  *domainRec // a copy at the time of the message
	Trn     *epp.DomainTrnData
}

// DomainView is a test's look at one domain.
type DomainView struct {
	Name, Sponsor, Registrant, State, Token string
	NS                                      []string
	Expires, DeleteAt, QuarantineEnd        time.Time
	Transfer                                string // status of the last transfer
}

// Domain returns the registry's record of a name.
func (r *Registry) Domain(name string) (DomainView, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tick()
	d := r.domains[strings.ToLower(name)]
	if d == nil {
		return DomainView{}, false
	}
	v := DomainView{Name: d.Name, Sponsor: d.Sponsor, Registrant: d.Registrant, State: d.State, Token: d.Token,
		NS: slices.Clone(d.NS), Expires: d.Expires, DeleteAt: d.DeleteAt, QuarantineEnd: d.QuarantineEnd}
	if d.Transfer != nil {
		v.Transfer = d.Transfer.Status
	}
	return v, true
}

// Seed registers a name for another registrar (Rival), so it is taken; it returns the
// transfer token its registrant would hand a new registrar.
func (r *Registry) Seed(name, registrant string) string {
	return r.SeedFor(Rival, name, registrant)
}

// SeedFor registers a name for the given registrar, a year ago, renewing in six months.
func (r *Registry) SeedFor(registrar, name, registrant string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.clk.Now()
	if _, ok := r.contacts[registrant]; !ok {
		r.contacts[registrant] = &contactRec{ID: registrant, Owner: registrar, Created: now,
			PostalInfo: epp.PostalInfo{Type: "loc", Name: registrant, Addr: epp.Addr{City: "Amsterdam", CC: "NL"}},
			Email:      "registrant@example.nl", Legal: epp.SIDNContact{LegalForm: "PERSOON"}}
	}
	d := &domainRec{Name: strings.ToLower(name), ROID: r.roid("DOM"), Sponsor: registrar, Registrant: registrant,
		Created: now.AddDate(-1, 0, 0), Expires: now.AddDate(0, 6, 0), Updated: now, PeriodMonths: 12,
		State: StateActive, Token: newToken()}
	r.domains[d.Name] = d
	return d.Token
}

func (r *Registry) roid(kind string) string {
	r.seq++
	return fmt.Sprintf("%s%06d-SIDN", kind, r.seq)
}

func newToken() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

func (r *Registry) queue(registrar, command, text string, d *domainRec, trn *epp.DomainTrnData) {
	r.seq++
	cp := *d
	r.queues[registrar] = append(r.queues[registrar], &message{
		ID: fmt.Sprint(r.seq), Queued: r.clk.Now(), Text: text, Command: command, Domain: &cp, Trn: trn,
	})
}

// tick applies what the clock made due. Called under r.mu before every command.
func (r *Registry) tick() {
	now := r.clk.Now()
	for name, d := range r.domains {
		switch d.State {
		case StateActive:
			// Subscriptions renew by themselves at the end of each period until cancelled.
			for !now.Before(d.Expires) {
				d.Expires = d.Expires.AddDate(0, d.PeriodMonths, 0)
			}
			if d.Transfer != nil && d.Transfer.Status == "pending" && r.opts.Generic && !now.Before(d.Transfer.ReDate.AddDate(0, 0, 5)) {
				r.completeTransfer(d, d.Transfer.ReID, "serverApproved")
			}
		case StateScheduled:
			for !now.Before(d.Expires) && d.Expires.Before(d.DeleteAt) {
				d.Expires = d.Expires.AddDate(0, d.PeriodMonths, 0)
			}
			if !now.Before(d.DeleteAt) {
				r.enterQuarantine(d, d.DeleteAt)
			}
		}
		if d.State == StateQuarantine && !now.Before(d.QuarantineEnd) {
			r.queue(d.Sponsor, "domain:delete", "Domain name released after quarantine: "+d.Name, d, nil)
			delete(r.domains, name)
		}
	}
}

func (r *Registry) enterQuarantine(d *domainRec, at time.Time) {
	d.State = StateQuarantine
	d.Updated = at
	d.QuarantineEnd = at.AddDate(0, 0, r.profile.Rules.QuarantineDays)
	d.DeleteAt = time.Time{}
	d.Transfer = nil
	r.queue(d.Sponsor, "domain:quarantine", "Domain name in quarantine until "+d.QuarantineEnd.Format(time.DateOnly)+": "+d.Name, d, nil)
}

func (r *Registry) completeTransfer(d *domainRec, gainer, status string) {
	now := r.clk.Now()
	loser := d.Sponsor
	d.Sponsor = gainer
	d.Transferred, d.Updated = now, now
	d.State, d.DeleteAt = StateActive, time.Time{}
	d.Token = newToken() // SIDN: the old token is spent; the gaining registrar gets a new one
	if d.Transfer == nil {
		d.Transfer = &transferRec{ReID: gainer, ReDate: now}
	}
	d.Transfer.Status, d.Transfer.AcID, d.Transfer.AcDate = status, loser, now
	trn := trnData(d)
	r.queue(loser, "domain:transfer", "Domain name transferred away: "+d.Name, d, trn)
	r.queue(gainer, "domain:transfer", "Domain name transferred in: "+d.Name, d, trn)
}

func trnData(d *domainRec) *epp.DomainTrnData {
	t := d.Transfer
	return &epp.DomainTrnData{Name: d.Name, TrStatus: t.Status, ReID: t.ReID, ReDate: ts(t.ReDate),
		AcID: t.AcID, AcDate: ts(t.AcDate), ExDate: ts(d.Expires)}
}

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func months(p *epp.Period) int {
	if p == nil {
		return 12
	}
	if p.Unit == "m" {
		return p.Value
	}
	return 12 * p.Value
}

func validName(n string) bool {
	if len(n) < 4 || len(n) > 253 || n != strings.ToLower(n) || !strings.Contains(n, ".") {
		return false
	}
	for _, l := range strings.Split(n, ".") {
		if l == "" || len(l) > 63 || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return false
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

func (r *Registry) handle(user string, c *epp.Command) *epp.Response {
	switch {
	case c.Check != nil:
		return r.check(c.Check)
	case c.Info != nil:
		return r.info(user, c.Info)
	case c.Create != nil:
		return r.create(user, c.Create, c.Extension)
	case c.Delete != nil && c.Delete.DomainDelete != nil:
		return r.domainDelete(user, c.Delete.DomainDelete.Name)
	case c.Renew != nil && c.Renew.DomainRenew != nil:
		return r.renew(user, c.Renew.DomainRenew)
	case c.Update != nil:
		return r.update(user, c.Update, c.Extension)
	case c.Transfer != nil && c.Transfer.DomainTransfer != nil:
		return r.transfer(user, c.Transfer.Op, c.Transfer.DomainTransfer)
	case c.Poll != nil:
		return r.poll(user, c.Poll)
	}
	return fail(2101, "Unimplemented command")
}

func (r *Registry) check(o *epp.ObjCmd) *epp.Response {
	rd := &epp.ResData{}
	cd := func(name string, taken bool, reason string) epp.CD {
		avail := "1"
		if taken {
			avail = "0"
		}
		return epp.CD{Name: &epp.CDName{Avail: avail, Value: name}, Reason: reason}
	}
	switch {
	case o.DomainCheck != nil:
		rd.DomainChk = &epp.ChkData{}
		for _, n := range o.DomainCheck.Names {
			n = strings.ToLower(n)
			d := r.domains[n]
			switch {
			case !validName(n):
				rd.DomainChk.CDs = append(rd.DomainChk.CDs, cd(n, true, "invalid domain name"))
			case d == nil:
				rd.DomainChk.CDs = append(rd.DomainChk.CDs, cd(n, false, ""))
			case d.State == StateQuarantine:
				rd.DomainChk.CDs = append(rd.DomainChk.CDs, cd(n, true, "in quarantine"))
			default:
				rd.DomainChk.CDs = append(rd.DomainChk.CDs, cd(n, true, "in use"))
			}
		}
	case o.ContactCheck != nil:
		rd.ContactChk = &epp.ChkData{}
		for _, id := range o.ContactCheck.IDs {
			_, taken := r.contacts[id]
			c := cd(id, taken, "")
			c.ID, c.Name = c.Name, nil
			rd.ContactChk.CDs = append(rd.ContactChk.CDs, c)
		}
	case o.HostCheck != nil:
		rd.HostChk = &epp.ChkData{}
		for _, n := range o.HostCheck.Names {
			_, taken := r.hosts[strings.ToLower(n)]
			rd.HostChk.CDs = append(rd.HostChk.CDs, cd(n, taken, ""))
		}
	default:
		return fail(2001, "Command syntax error")
	}
	resp := ok1000()
	resp.ResData = rd
	return resp
}

func (r *Registry) info(user string, o *epp.ObjCmd) *epp.Response {
	resp := ok1000()
	switch {
	case o.DomainInfo != nil:
		d := r.domains[strings.ToLower(o.DomainInfo.Name.Name)]
		if d == nil {
			return fail(2303, "Object does not exist")
		}
		full := d.Sponsor == user
		if !full && o.DomainInfo.AuthInfo != nil && d.Token != "" && o.DomainInfo.AuthInfo.PW == d.Token {
			full = true
		}
		inf := &epp.DomainInfData{Name: d.Name, ROID: d.ROID, ClID: d.Sponsor}
		switch {
		case d.State == StateQuarantine:
			inf.Statuses = []epp.Status{{S: "pendingDelete"}, {S: "inactive"}}
		case d.Transfer != nil && d.Transfer.Status == "pending":
			inf.Statuses = []epp.Status{{S: "pendingTransfer"}}
		default:
			inf.Statuses = []epp.Status{{S: "ok"}}
		}
		if full {
			inf.Registrant = d.Registrant
			for _, a := range d.Admin {
				inf.Contacts = append(inf.Contacts, epp.DomainContact{Type: "admin", ID: a})
			}
			for _, t := range d.Tech {
				inf.Contacts = append(inf.Contacts, epp.DomainContact{Type: "tech", ID: t})
			}
			if len(d.NS) > 0 {
				inf.NS = &epp.NS{HostObj: slices.Clone(d.NS)}
			}
			inf.CrDate, inf.UpDate, inf.ExDate, inf.TrDate = ts(d.Created), ts(d.Updated), ts(d.Expires), ts(d.Transferred)
			if d.Sponsor == user && d.State != StateQuarantine {
				// SIDN makes a token when the registrar asks for one; it stays valid until used.
				if d.Token == "" {
					d.Token = newToken()
				}
				inf.AuthInfo = &epp.AuthInfo{PW: d.Token}
			}
		}
		resp.ResData = &epp.ResData{DomainInf: inf}
		if !r.opts.Generic {
			di := &epp.SIDNDomainInf{Period: fmt.Sprint(d.PeriodMonths), OptOut: "false", Limited: "false"}
			if d.State == StateScheduled {
				di.ScheduledDeleteDate = ts(d.DeleteAt)
			}
			resp.Extension = &epp.RespExt{SIDN: &epp.SIDNExt{InfData: &epp.SIDNInfData{Domain: di}}}
		} else if d.State == StateQuarantine {
			resp.Extension = &epp.RespExt{RGPInf: &epp.RGPInfData{RGPStatus: []epp.Status{{S: "redemptionPeriod"}}}}
		}
	case o.ContactInfo != nil:
		c := r.contacts[o.ContactInfo.ID]
		if c == nil {
			return fail(2303, "Object does not exist")
		}
		if c.Owner != user {
			return fail(2201, "Authorization error")
		}
		resp.ResData = &epp.ResData{ContactInf: &epp.ContactInfData{ID: c.ID, ROID: "C" + c.ID, Statuses: []epp.Status{{S: "ok"}},
			PostalInfo: []epp.PostalInfo{c.PostalInfo}, Voice: c.Voice, Email: c.Email, ClID: c.Owner, CrDate: ts(c.Created)}}
		if !r.opts.Generic {
			lf := c.Legal
			resp.Extension = &epp.RespExt{SIDN: &epp.SIDNExt{InfData: &epp.SIDNInfData{Contact: &lf}}}
		}
	case o.HostInfo != nil:
		h := r.hosts[strings.ToLower(o.HostInfo.Name)]
		if h == nil {
			return fail(2303, "Object does not exist")
		}
		resp.ResData = &epp.ResData{HostInf: &epp.HostInfData{Name: h.Name, ROID: "H" + h.Name, Statuses: []epp.Status{{S: "ok"}},
			Addrs: h.Addrs, ClID: h.Owner, CrDate: ts(h.Created)}}
	default:
		return fail(2001, "Command syntax error")
	}
	return resp
}

func (r *Registry) create(user string, o *epp.ObjCmd, ext *epp.CmdExt) *epp.Response {
	now := r.clk.Now()
	resp := ok1000()
	switch {
	case o.DomainCreate != nil:
		dc := o.DomainCreate
		name := strings.ToLower(dc.Name)
		if !validName(name) {
			return fail(2005, "Parameter value syntax error: domain name")
		}
		if r.domains[name] != nil {
			return fail(2302, "Object exists")
		}
		rc := r.contacts[dc.Registrant]
		if rc == nil {
			return fail(2303, "Object does not exist: registrant")
		}
		if rc.Owner != user {
			return fail(2201, "Authorization error: registrant belongs to another registrar")
		}
		for _, h := range dc.Hosts() {
			if r.hosts[strings.ToLower(h)] == nil {
				return fail(2303, "Object does not exist: host "+h)
			}
		}
		m := months(dc.Period)
		if m <= 0 || m%12 != 0 || m > 120 {
			return fail(2306, "Parameter value policy error: period")
		}
		d := &domainRec{Name: name, ROID: r.roid("DOM"), Sponsor: user, Registrant: dc.Registrant,
			Created: now, Updated: now, Expires: now.AddDate(0, m, 0), PeriodMonths: 12, State: StateActive}
		if r.opts.Generic {
			if dc.AuthInfo.PW == "" {
				return fail(2306, "Parameter value policy error: authInfo required")
			}
			d.Token = dc.AuthInfo.PW
		}
		for _, c := range dc.Contacts {
			switch c.Type {
			case "admin":
				d.Admin = append(d.Admin, c.ID)
			case "tech":
				d.Tech = append(d.Tech, c.ID)
			}
		}
		if dc.NS != nil {
			d.NS = slices.Clone(dc.NS.HostObj)
		}
		r.domains[name] = d
		resp.ResData = &epp.ResData{DomainCre: &epp.DomainCreData{Name: name, CrDate: ts(now), ExDate: ts(d.Expires)}}
	case o.ContactCreate != nil:
		cc := o.ContactCreate
		if cc.ID == "" || len(cc.ID) > 16 {
			return fail(2005, "Parameter value syntax error: id")
		}
		if r.contacts[cc.ID] != nil {
			return fail(2302, "Object exists")
		}
		c := &contactRec{ID: cc.ID, Owner: user, PostalInfo: cc.PostalInfo, Voice: cc.Voice, Email: cc.Email, Created: now}
		if ext != nil && ext.SIDN != nil && ext.SIDN.Create != nil {
			c.Legal = ext.SIDN.Create.Contact
		}
		if !r.opts.Generic && c.Legal.LegalForm == "" {
			return fail(2003, "Required parameter missing: legalForm")
		}
		r.contacts[cc.ID] = c
		resp.ResData = &epp.ResData{ContactCre: &epp.ContactCreData{ID: cc.ID, CrDate: ts(now)}}
	case o.HostCreate != nil:
		name := strings.ToLower(o.HostCreate.Name)
		if !validName(name) {
			return fail(2005, "Parameter value syntax error: host name")
		}
		if r.hosts[name] != nil {
			return fail(2302, "Object exists")
		}
		r.hosts[name] = &hostRec{Name: name, Owner: user, Addrs: o.HostCreate.Addrs, Created: now}
		resp.ResData = &epp.ResData{HostCre: &epp.HostCreData{Name: name, CrDate: ts(now)}}
	default:
		return fail(2001, "Command syntax error")
	}
	return resp
}

func (r *Registry) sponsored(user, name string) (*domainRec, *epp.Response) {
	d := r.domains[strings.ToLower(name)]
	if d == nil {
		return nil, fail(2303, "Object does not exist")
	}
	if d.Sponsor != user {
		return nil, fail(2201, "Authorization error")
	}
	return d, nil
}

func (r *Registry) domainDelete(user, name string) *epp.Response {
	d, bad := r.sponsored(user, name)
	if bad != nil {
		return bad
	}
	if d.State == StateQuarantine {
		return fail(2304, "Object status prohibits operation: in quarantine")
	}
	r.enterQuarantine(d, r.clk.Now())
	return ok1000()
}

func (r *Registry) renew(user string, rn *epp.DomainRenew) *epp.Response {
	if !r.opts.Generic {
		return fail(2101, "Unimplemented command: .nl subscriptions renew automatically")
	}
	d, bad := r.sponsored(user, rn.Name)
	if bad != nil {
		return bad
	}
	if d.State != StateActive {
		return fail(2105, "Object is not eligible for renewal")
	}
	if rn.CurExpDate != d.Expires.UTC().Format(time.DateOnly) {
		return fail(2306, "Parameter value policy error: curExpDate does not match")
	}
	d.Expires = d.Expires.AddDate(0, months(rn.Period), 0)
	d.Updated = r.clk.Now()
	resp := ok1000()
	resp.ResData = &epp.ResData{DomainRen: &epp.DomainRenData{Name: d.Name, ExDate: ts(d.Expires)}}
	return resp
}

func (r *Registry) update(user string, o *epp.ObjCmd, ext *epp.CmdExt) *epp.Response {
	now := r.clk.Now()
	switch {
	case o.DomainUpdate != nil:
		u := o.DomainUpdate
		d, bad := r.sponsored(user, u.Name)
		if bad != nil {
			return bad
		}
		if ext != nil && ext.RGP != nil {
			if !r.opts.Generic {
				return fail(2103, "Unimplemented extension")
			}
			if d.State != StateQuarantine {
				return fail(2304, "Object status prohibits operation: not in redemption period")
			}
			d.State, d.QuarantineEnd, d.Updated = StateActive, time.Time{}, now
			return ok1000()
		}
		if d.State == StateQuarantine {
			return fail(2304, "Object status prohibits operation: in quarantine")
		}
		if ext != nil && ext.ScheduledDelete != nil {
			if r.opts.Generic {
				return fail(2103, "Unimplemented extension")
			}
			switch ext.ScheduledDelete.Operation {
			case epp.SchDSetDate:
				at, err := time.Parse(time.DateOnly, ext.ScheduledDelete.Date)
				if err != nil {
					return fail(2005, "Parameter value syntax error: date")
				}
				if !at.After(now) {
					return fail(2306, "Parameter value policy error: date must lie in the future")
				}
				d.State, d.DeleteAt = StateScheduled, at
			case epp.SchDEndOfPeriod:
				d.State, d.DeleteAt = StateScheduled, d.Expires
			case epp.SchDCancel:
				if d.State != StateScheduled {
					return fail(2304, "Object status prohibits operation: no scheduled delete")
				}
				d.State, d.DeleteAt = StateActive, time.Time{}
			default:
				return fail(2005, "Parameter value syntax error: operation")
			}
			d.Updated = now
			return ok1000()
		}
		ns := slices.Clone(d.NS)
		if u.Rem != nil && u.Rem.NS != nil {
			ns = slices.DeleteFunc(ns, func(h string) bool { return slices.Contains(u.Rem.NS.HostObj, h) })
		}
		if u.Add != nil && u.Add.NS != nil {
			for _, h := range u.Add.NS.HostObj {
				if r.hosts[strings.ToLower(h)] == nil {
					return fail(2303, "Object does not exist: host "+h)
				}
				if slices.Contains(ns, h) {
					return fail(2302, "Object exists: name server already set")
				}
				ns = append(ns, h)
			}
		}
		if u.Chg != nil && u.Chg.Registrant != "" {
			if c := r.contacts[u.Chg.Registrant]; c == nil || c.Owner != user {
				return fail(2303, "Object does not exist: registrant")
			}
			d.Registrant = u.Chg.Registrant
		}
		if u.Chg != nil && u.Chg.AuthInfo != nil {
			d.Token = u.Chg.AuthInfo.PW
		}
		d.NS, d.Updated = ns, now
		return ok1000()
	case o.ContactUpdate != nil:
		c := r.contacts[o.ContactUpdate.ID]
		if c == nil {
			return fail(2303, "Object does not exist")
		}
		if c.Owner != user {
			return fail(2201, "Authorization error")
		}
		if chg := o.ContactUpdate.Chg; chg != nil {
			if chg.PostalInfo != nil {
				c.PostalInfo = *chg.PostalInfo
			}
			if chg.Voice != "" {
				c.Voice = chg.Voice
			}
			if chg.Email != "" {
				c.Email = chg.Email
			}
		}
		if ext != nil && ext.SIDN != nil && ext.SIDN.Update != nil {
			c.Legal = ext.SIDN.Update.Contact
		}
		return ok1000()
	}
	return fail(2101, "Unimplemented command")
}

func (r *Registry) transfer(user, op string, t *epp.DomainTransfer) *epp.Response {
	now := r.clk.Now()
	d := r.domains[strings.ToLower(t.Name)]
	if d == nil {
		return fail(2303, "Object does not exist")
	}
	trnResp := func(code int, msg string) *epp.Response {
		resp := &epp.Response{Results: []epp.Result{{Code: code, Msg: msg}}}
		resp.ResData = &epp.ResData{DomainTrn: trnData(d)}
		return resp
	}
	switch op {
	case "request":
		if d.Sponsor == user {
			return fail(2106, "Object is not eligible for transfer: already sponsored by you")
		}
		if d.State == StateQuarantine {
			return fail(2304, "Object status prohibits operation: in quarantine")
		}
		if d.Transfer != nil && d.Transfer.Status == "pending" {
			return fail(2300, "Object pending transfer")
		}
		pw := ""
		if t.AuthInfo != nil {
			pw = t.AuthInfo.PW
		}
		if pw == "" && !r.opts.Generic {
			// Without a token SIDN asks the current registrar; it stays pending until
			// that registrar approves or rejects.
			d.Transfer = &transferRec{Status: "pending", ReID: user, ReDate: now, AcID: d.Sponsor}
			r.queue(d.Sponsor, "domain:transfer-start", "Transfer requested without token: "+d.Name, d, trnData(d))
			return trnResp(1001, "Command completed successfully; action pending")
		}
		if d.Token == "" || pw != d.Token {
			return fail(2202, "Invalid authorization information")
		}
		d.Transfer = &transferRec{Status: "pending", ReID: user, ReDate: now, AcID: d.Sponsor}
		if r.opts.Generic {
			r.queue(d.Sponsor, "domain:transfer", "Transfer requested: "+d.Name, d, trnData(d))
			return trnResp(1001, "Command completed successfully; action pending")
		}
		r.completeTransfer(d, user, "serverApproved")
		resp := trnResp(1000, "Command completed successfully")
		resp.Extension = &epp.RespExt{SIDN: &epp.SIDNExt{TrnData: &epp.SIDNTrnData{PW: d.Token}}}
		return resp
	case "query":
		if d.Transfer == nil || (d.Sponsor != user && d.Transfer.ReID != user && d.Transfer.AcID != user) {
			return fail(2301, "Object not pending transfer")
		}
		return trnResp(1000, "Command completed successfully")
	case "approve", "reject":
		if d.Sponsor != user {
			return fail(2201, "Authorization error")
		}
		if d.Transfer == nil || d.Transfer.Status != "pending" {
			return fail(2301, "Object not pending transfer")
		}
		if op == "approve" {
			r.completeTransfer(d, d.Transfer.ReID, "clientApproved")
			return trnResp(1000, "Command completed successfully")
		}
		d.Transfer.Status, d.Transfer.AcDate = "clientRejected", now
		r.queue(d.Transfer.ReID, "domain:transfer", "Transfer rejected: "+d.Name, d, trnData(d))
		return trnResp(1000, "Command completed successfully")
	case "cancel":
		if d.Transfer == nil || d.Transfer.ReID != user || d.Transfer.Status != "pending" {
			return fail(2301, "Object not pending transfer")
		}
		d.Transfer.Status, d.Transfer.AcDate = "clientCancelled", now
		return trnResp(1000, "Command completed successfully")
	}
	return fail(2005, "Parameter value syntax error: op")
}

func (r *Registry) cancelDelete(user string, c *epp.SIDNCommand) *epp.Response {
	if r.opts.Generic || c.DomainCancelDelete == nil {
		return fail(2101, "Unimplemented command")
	}
	d := r.domains[strings.ToLower(c.DomainCancelDelete.Name)]
	if d == nil {
		return fail(2303, "Object does not exist")
	}
	if d.State != StateQuarantine {
		return fail(2304, "Object status prohibits operation: not in quarantine")
	}
	// Only the last registrant gets the name back, through the registrar that held it.
	if d.Sponsor != user {
		return fail(2201, "Authorization error: only the last registrant's registrar can redeem")
	}
	d.State, d.QuarantineEnd, d.Updated = StateActive, time.Time{}, r.clk.Now()
	return ok1000()
}

func (r *Registry) poll(user string, p *epp.Poll) *epp.Response {
	q := r.queues[user]
	switch p.Op {
	case "req":
		if len(q) == 0 {
			return &epp.Response{Results: []epp.Result{{Code: 1300, Msg: "Command completed successfully; no messages"}}}
		}
		m := q[0]
		resp := &epp.Response{Results: []epp.Result{{Code: 1301, Msg: "Command completed successfully; ack to dequeue"}},
			MsgQ: &epp.MsgQ{Count: len(q), ID: m.ID, QDate: ts(m.Queued), Msg: m.Text}}
		inner := &epp.ResData{DomainTrn: m.Trn}
		if m.Trn == nil {
			inner = &epp.ResData{DomainInf: &epp.DomainInfData{Name: m.Domain.Name, ROID: m.Domain.ROID, ClID: m.Domain.Sponsor}}
		}
		if r.opts.Generic {
			resp.ResData = inner
		} else {
			resp.ResData = &epp.ResData{SIDNPoll: &epp.SIDNPollData{Command: m.Command,
				Data: epp.SIDNPollBody{Result: epp.Result{Code: 1000, Msg: "Command completed successfully"}, ResData: inner}}}
		}
		return resp
	case "ack":
		for i, m := range q {
			if m.ID == p.MsgID {
				r.queues[user] = slices.Delete(q, i, i+1)
				resp := ok1000()
				resp.MsgQ = &epp.MsgQ{Count: len(r.queues[user]), ID: p.MsgID}
				return resp
			}
		}
		return fail(2303, "Object does not exist: message")
	}
	return fail(2005, "Parameter value syntax error: op")
}
