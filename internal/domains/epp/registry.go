package epp

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/domains/registry"
)

// Registry implements registry.Registry over one EPP session that it opens on first use
// and reopens after a lost connection.
//
// Every changing call first reads the registry's view (an info or a transfer query)
// and only sends the change when it has not happened yet. A retry after a dropped
// connection, in this call or in a job that runs again after a crash, therefore
// finishes the operation once (cp.av.6.2: the registry's records are what counts).
type Registry struct {
	cfg Config
	clk clock.Clock

	mu sync.Mutex
	c  *Client
}

var _ registry.Registry = (*Registry)(nil)
var _ registry.RuleSource = (*Registry)(nil)

// NewRegistry checks the configuration; the connection opens on the first call.
func NewRegistry(cfg Config) (*Registry, error) {
	if cfg.Address == "" || cfg.Username == "" {
		return nil, errors.New("epp: registry address and username are required")
	}
	if cfg.Profile.Name == "" {
		cfg.Profile = SIDN
	}
	if _, err := cfg.tlsConfig(); err != nil {
		return nil, err
	}
	if cfg.TRIDPrefix == "" {
		cfg.TRIDPrefix = "hp"
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 3
	}
	clk := cfg.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	return &Registry{cfg: cfg, clk: clk}, nil
}

// Rules are the registry's own periods (SIDN: 40 days quarantine, 30 days notice).
func (r *Registry) Rules() registry.Rules { return r.cfg.Profile.Rules }

// Profile is the registry profile in use.
func (r *Registry) Profile() Profile { return r.cfg.Profile }

// Close logs out.
func (r *Registry) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.c == nil {
		return nil
	}
	c := r.c
	r.c = nil
	if c.Broken() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Logout(ctx, r.cfg.TRIDPrefix+"-logout-"+nonce()); err != nil && !IsTransport(err) {
		return err
	}
	return nil
}

// tx names the transactions of one logical operation. The clTRID is
// <prefix>-<op>-<key>-a<attempt>-<step>-<nonce>: the same operation on the same object
// with the same arguments always carries the same <prefix>-<op>-<key>, so a retry (in
// this call or after a crash) is recognisable in the registry's logs next to the first
// try; the nonce keeps every clTRID unique as RFC 5730 asks.
type tx struct {
	prefix, op, key, nonce string
	attempt                int
}

func (t *tx) id(step string) string {
	return fmt.Sprintf("%s-%s-%s-a%d-%s-%s", t.prefix, t.op, t.key, t.attempt, step, t.nonce)
}

func opKey(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:4])
}

func nonce() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// run performs fn on a live session, reconnecting and calling fn again after a lost
// connection. fn must start by checking whether its change is already in place.
func (r *Registry) run(ctx context.Context, op string, key []string, fn func(c *Client, t *tx) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := &tx{prefix: r.cfg.TRIDPrefix, op: op, key: opKey(append([]string{op}, key...)...), nonce: nonce()}
	var err error
	for t.attempt = 1; t.attempt <= r.cfg.Attempts; t.attempt++ {
		if r.c == nil || r.c.Broken() {
			r.c, err = Dial(ctx, r.cfg, t.id("login"))
			if err != nil {
				r.c = nil
				if IsTransport(err) && ctx.Err() == nil {
					continue
				}
				return err
			}
		}
		err = fn(r.c, t)
		if err == nil || !IsTransport(err) || ctx.Err() != nil {
			return err
		}
		r.c.Close()
		r.c = nil
	}
	return err
}

// Check asks whether names are free.
func (r *Registry) Check(ctx context.Context, names ...string) ([]registry.Availability, error) {
	var out []registry.Availability
	err := r.run(ctx, "check", names, func(c *Client, t *tx) error {
		resp, err := c.Exchange(ctx, "domain:check", DomainCheckCmd(t.id("check"), names...))
		if err != nil {
			return err
		}
		if resp.ResData == nil || resp.ResData.DomainChk == nil {
			return errors.New("epp: domain:check answer without chkData")
		}
		out = out[:0]
		for _, cd := range resp.ResData.DomainChk.CDs {
			if cd.Name == nil {
				continue
			}
			out = append(out, registry.Availability{Name: cd.Name.Value, Available: truthy(cd.Name.Avail), Reason: cd.Reason})
		}
		return nil
	})
	return out, err
}

func truthy(s string) bool { return s == "1" || s == "true" }

// Info reads the registry's view of a domain.
func (r *Registry) Info(ctx context.Context, name string) (registry.Domain, error) {
	var d registry.Domain
	err := r.run(ctx, "info", []string{name}, func(c *Client, t *tx) error {
		var err error
		d, err = r.info(ctx, c, t, name)
		return err
	})
	return d, err
}

func (r *Registry) info(ctx context.Context, c *Client, t *tx, name string) (registry.Domain, error) {
	resp, err := c.Exchange(ctx, "domain:info", DomainInfoCmd(t.id("info"), name, ""))
	if err != nil {
		return registry.Domain{}, err
	}
	return r.toDomain(resp)
}

func (r *Registry) toDomain(resp *Response) (registry.Domain, error) {
	if resp.ResData == nil || resp.ResData.DomainInf == nil {
		return registry.Domain{}, errors.New("epp: domain:info answer without infData")
	}
	in := resp.ResData.DomainInf
	d := registry.Domain{
		Name: strings.ToLower(in.Name), ROID: in.ROID, Registrant: in.Registrant,
		Created: parseTime(in.CrDate), Expires: parseTime(in.ExDate),
	}
	if in.NS != nil {
		d.Nameservers = slices.Clone(in.NS.HostObj)
	}
	if in.AuthInfo != nil {
		d.AuthCode = in.AuthInfo.PW
	}
	for _, s := range in.Statuses {
		d.Statuses = append(d.Statuses, s.S)
	}
	var schd string
	if x := resp.Extension; x != nil && x.SIDN != nil && x.SIDN.InfData != nil && x.SIDN.InfData.Domain != nil {
		schd = x.SIDN.InfData.Domain.ScheduledDeleteDate
	}
	rgpRedemption := false
	if x := resp.Extension; x != nil && x.RGPInf != nil {
		for _, s := range x.RGPInf.RGPStatus {
			if s.S == "redemptionPeriod" || s.S == "pendingRestore" {
				rgpRedemption = true
			}
		}
	}
	has := func(s string) bool { return slices.Contains(d.Statuses, s) }
	switch {
	case has("pendingDelete") || rgpRedemption:
		d.State = registry.StateQuarantine
		// The domain went into quarantine at its last update; the profile knows how long
		// the registry keeps it there.
		if up := parseTime(in.UpDate); !up.IsZero() {
			d.DeleteDate = up.AddDate(0, 0, r.cfg.Profile.Rules.QuarantineDays)
		}
	case has("pendingTransfer"):
		d.State = registry.StatePendingTransfer
	case has("pendingCreate"):
		d.State = registry.StatePendingCreate
	case in.ClID != r.cfg.Username:
		d.State = registry.StateUnknown
	case schd != "":
		d.State = registry.StateScheduledDelete
		d.DeleteDate = parseTime(schd)
	default:
		d.State = registry.StateActive
	}
	if in.ClID != r.cfg.Username && d.State == registry.StateQuarantine {
		d.State = registry.StateUnknown
	}
	return d, nil
}

func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, time.RFC3339, "2006-01-02T15:04:05", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

func isCode(err error, codes ...int) bool {
	var e *Error
	return errors.As(err, &e) && slices.Contains(codes, e.Code)
}

// ContactHandle is the id hostpact asks the registry to use for a contact: derived
// from the contact's data, so that a create repeated after a lost connection finds the
// contact it already made instead of making a second one.
func ContactHandle(c registry.Contact) string {
	k := opKey(c.Name, c.Organisation, strings.Join(c.Street, "\n"), c.City, c.PostalCode, c.CountryCode, c.Email, c.Phone, c.LegalForm)
	return strings.ToUpper("HP" + k)
}

func legalForm(c registry.Contact) string {
	if c.LegalForm != "" {
		return c.LegalForm
	}
	if c.Organisation != "" {
		return "ANDERS"
	}
	return "PERSOON"
}

func postal(c registry.Contact) PostalInfo {
	return PostalInfo{Type: "loc", Name: c.Name, Org: c.Organisation,
		Addr: Addr{Street: c.Street, City: c.City, PC: c.PostalCode, CC: strings.ToUpper(c.CountryCode)}}
}

// CreateContact makes a registrant or other contact and returns its handle.
func (r *Registry) CreateContact(ctx context.Context, ct registry.Contact) (string, error) {
	id := ct.Handle
	if id == "" {
		id = ContactHandle(ct)
	}
	err := r.run(ctx, "contact-create", []string{id}, func(c *Client, t *tx) error {
		if _, err := c.Exchange(ctx, "contact:info", ContactInfoCmd(t.id("info"), id)); err == nil {
			return nil // made by an earlier try
		} else if !isCode(err, CodeNotExists) {
			return err
		}
		cc := ContactCreate{ID: id, PostalInfo: postal(ct), Voice: ct.Phone, Email: ct.Email, AuthInfo: AuthInfo{PW: randomToken()}}
		_, err := c.Exchange(ctx, "contact:create", ContactCreateCmd(t.id("create"), r.cfg.Profile, cc, SIDNContact{LegalForm: legalForm(ct)}))
		return err
	})
	return id, err
}

// UpdateContact sets a contact's data; setting the same data twice is harmless.
func (r *Registry) UpdateContact(ctx context.Context, ct registry.Contact) error {
	if ct.Handle == "" {
		return errors.New("epp: contact update needs the handle")
	}
	return r.run(ctx, "contact-update", []string{ct.Handle, ct.Email}, func(c *Client, t *tx) error {
		pi := postal(ct)
		_, err := c.Exchange(ctx, "contact:update", ContactUpdateCmd(t.id("update"), r.cfg.Profile, ct.Handle,
			ContactChg{PostalInfo: &pi, Voice: ct.Phone, Email: ct.Email}, SIDNContact{LegalForm: legalForm(ct)}))
		return err
	})
}

// ensureHosts creates the host objects a domain's name servers need.
func (r *Registry) ensureHosts(ctx context.Context, c *Client, t *tx, hosts []string) error {
	if len(hosts) == 0 {
		return nil
	}
	resp, err := c.Exchange(ctx, "host:check", HostCheckCmd(t.id("hostcheck"), hosts...))
	if err != nil {
		return err
	}
	if resp.ResData == nil || resp.ResData.HostChk == nil {
		return errors.New("epp: host:check answer without chkData")
	}
	for i, cd := range resp.ResData.HostChk.CDs {
		if cd.Name == nil || !truthy(cd.Name.Avail) {
			continue
		}
		if _, err := c.Exchange(ctx, "host:create", HostCreateCmd(t.id("host"+strconv.Itoa(i)), cd.Name.Value, nil)); err != nil && !isCode(err, CodeExists) {
			return err
		}
	}
	return nil
}

func randomToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "Hp" + hex.EncodeToString(b) + "!"
}

// Create registers a domain. A name the registry already holds for this registrar with
// the same registrant is the result of an earlier try and counts as done.
func (r *Registry) Create(ctx context.Context, reg registry.Registration) (registry.Domain, error) {
	name := strings.ToLower(reg.Name)
	var out registry.Domain
	err := r.run(ctx, "create", []string{name, reg.Registrant}, func(c *Client, t *tx) error {
		d, err := r.info(ctx, c, t, name)
		switch {
		case err == nil && d.State == registry.StateUnknown:
			return fmt.Errorf("%w: %s is registered elsewhere", registry.ErrNotAvailable, name)
		case err == nil && d.Registrant == reg.Registrant && d.State != registry.StateQuarantine:
			out = d
			return nil
		case err == nil:
			return fmt.Errorf("%w: %s is already held for another registrant or in quarantine", registry.ErrNotAvailable, name)
		case !isCode(err, CodeNotExists):
			return err
		}
		if err := r.ensureHosts(ctx, c, t, reg.Nameservers); err != nil {
			return err
		}
		admin, tech := reg.AdminC, reg.TechC
		if admin == "" {
			admin = reg.Registrant
		}
		if tech == "" {
			tech = admin
		}
		auth := ""
		if r.cfg.Profile.AuthInfoAtCreate {
			auth = reg.AuthCode
			if auth == "" {
				auth = randomToken()
			}
		}
		if _, err := c.Exchange(ctx, "domain:create", DomainCreateCmd(t.id("create"), r.cfg.Profile, name, reg.Period,
			reg.Registrant, []string{admin}, []string{tech}, reg.Nameservers, auth)); err != nil {
			return err
		}
		out, err = r.info(ctx, c, t, name)
		return err
	})
	return out, err
}

// Renew extends a registration from currentExpiry by years. A registry whose expiry
// already reached the target has done it. A registry that renews by itself (SIDN) gets
// no command: the subscription runs on as long as no cancellation is scheduled, and
// the answer is the expiry it reaches.
func (r *Registry) Renew(ctx context.Context, name string, currentExpiry time.Time, years int) (time.Time, error) {
	if years <= 0 {
		years = 1
	}
	target := currentExpiry.AddDate(years, 0, 0)
	var out time.Time
	err := r.run(ctx, "renew", []string{name, currentExpiry.UTC().Format(time.DateOnly), strconv.Itoa(years)}, func(c *Client, t *tx) error {
		d, err := r.info(ctx, c, t, name)
		if err != nil {
			return err
		}
		if !d.Expires.IsZero() && !dateOf(d.Expires).Before(dateOf(target)) {
			out = d.Expires
			return nil
		}
		if d.State != registry.StateActive {
			return fmt.Errorf("%w: %s is %s", registry.ErrNotAllowed, name, d.State)
		}
		if r.cfg.Profile.AutoRenew {
			out = target
			return nil
		}
		resp, err := c.Exchange(ctx, "domain:renew", DomainRenewCmd(t.id("renew"), r.cfg.Profile, name, currentExpiry, years))
		if err != nil {
			return err
		}
		if resp.ResData != nil && resp.ResData.DomainRen != nil {
			out = parseTime(resp.ResData.DomainRen.ExDate)
		}
		if out.IsZero() {
			out = target
		}
		return nil
	})
	return out, err
}

func dateOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// UpdateNameservers sets exactly these name servers.
func (r *Registry) UpdateNameservers(ctx context.Context, name string, ns []string) error {
	want := make([]string, len(ns))
	for i, h := range ns {
		want[i] = strings.ToLower(strings.TrimSuffix(h, "."))
	}
	return r.run(ctx, "ns", append([]string{name}, want...), func(c *Client, t *tx) error {
		d, err := r.info(ctx, c, t, name)
		if err != nil {
			return err
		}
		var add, rem []string
		for _, h := range want {
			if !slices.Contains(d.Nameservers, h) {
				add = append(add, h)
			}
		}
		for _, h := range d.Nameservers {
			if !slices.Contains(want, h) {
				rem = append(rem, h)
			}
		}
		if len(add) == 0 && len(rem) == 0 {
			return nil
		}
		if err := r.ensureHosts(ctx, c, t, add); err != nil {
			return err
		}
		_, err = c.Exchange(ctx, "domain:update", DomainUpdateNSCmd(t.id("update"), name, add, rem))
		return err
	})
}

func toTransfer(resp *Response) registry.Transfer {
	var tr registry.Transfer
	if resp.ResData != nil && resp.ResData.DomainTrn != nil {
		x := resp.ResData.DomainTrn
		tr = registry.Transfer{Name: strings.ToLower(x.Name), Status: x.TrStatus,
			Requested: parseTime(x.ReDate), Acted: parseTime(x.AcDate), Expires: parseTime(x.ExDate)}
	}
	if x := resp.Extension; x != nil && x.SIDN != nil && x.SIDN.TrnData != nil {
		tr.NewToken = x.SIDN.TrnData.PW
	}
	return tr
}

// RequestTransfer asks to move a domain to this registrar with its transfer token. A
// domain that is already ours after an earlier try is done; SIDN completes at once and
// the new token comes with the answer, or, when that answer was lost, from info.
func (r *Registry) RequestTransfer(ctx context.Context, name, authCode string) (registry.Transfer, error) {
	name = strings.ToLower(name)
	var out registry.Transfer
	err := r.run(ctx, "transfer", []string{name, authCode}, func(c *Client, t *tx) error {
		d, err := r.info(ctx, c, t, name)
		if err != nil {
			return err
		}
		switch d.State {
		case registry.StateActive, registry.StateScheduledDelete:
			out = registry.Transfer{Name: name, Status: "serverApproved", Expires: d.Expires}
			if r.cfg.Profile.Rules.NewTokenAfterTransfer {
				out.NewToken = d.AuthCode
			}
			if q, err := c.Exchange(ctx, "domain:transfer", DomainTransferCmd(t.id("query"), "query", name, "")); err == nil {
				qt := toTransfer(q)
				out.Status, out.Requested, out.Acted = qt.Status, qt.Requested, qt.Acted
			}
			return nil
		case registry.StatePendingTransfer:
			if q, err := c.Exchange(ctx, "domain:transfer", DomainTransferCmd(t.id("query"), "query", name, "")); err == nil {
				out = toTransfer(q)
				return nil
			}
		}
		resp, err := c.Exchange(ctx, "domain:transfer", DomainTransferCmd(t.id("request"), "request", name, authCode))
		if err != nil {
			return err
		}
		out = toTransfer(resp)
		return nil
	})
	return out, err
}

// QueryTransfer reads the state of the domain's last transfer.
func (r *Registry) QueryTransfer(ctx context.Context, name string) (registry.Transfer, error) {
	var out registry.Transfer
	err := r.run(ctx, "transfer-query", []string{name}, func(c *Client, t *tx) error {
		resp, err := c.Exchange(ctx, "domain:transfer", DomainTransferCmd(t.id("query"), "query", name, ""))
		if err != nil {
			return err
		}
		out = toTransfer(resp)
		return nil
	})
	return out, err
}

func (r *Registry) actTransfer(ctx context.Context, op, done, name string) (registry.Transfer, error) {
	var out registry.Transfer
	err := r.run(ctx, "transfer-"+op, []string{name}, func(c *Client, t *tx) error {
		q, err := c.Exchange(ctx, "domain:transfer", DomainTransferCmd(t.id("query"), "query", name, ""))
		if err != nil {
			return err
		}
		if out = toTransfer(q); out.Status == done {
			return nil
		}
		resp, err := c.Exchange(ctx, "domain:transfer", DomainTransferCmd(t.id(op), op, name, ""))
		if err != nil {
			return err
		}
		out = toTransfer(resp)
		return nil
	})
	return out, err
}

// ApproveTransfer lets a pending transfer away go ahead.
func (r *Registry) ApproveTransfer(ctx context.Context, name string) (registry.Transfer, error) {
	return r.actTransfer(ctx, "approve", "clientApproved", name)
}

// RejectTransfer refuses a pending transfer away.
func (r *Registry) RejectTransfer(ctx context.Context, name string) (registry.Transfer, error) {
	return r.actTransfer(ctx, "reject", "clientRejected", name)
}

// ScheduleDelete cancels the domain at a date or at the end of its period (SIDN's
// "opheffen", cp.av.6.6). A date that is today or past deletes at once. A registry
// without scheduled deletes (generic) only takes a delete for today: the caller keeps
// the date and calls again on it.
func (r *Registry) ScheduleDelete(ctx context.Context, name string, at registry.DeleteAt) (registry.Domain, error) {
	today := dateOf(r.clk.Now())
	now := !at.EndOfPeriod && !dateOf(at.Date).After(today)
	if !now && !r.cfg.Profile.ScheduledDelete {
		return registry.Domain{}, fmt.Errorf("%w: registry profile %s keeps no cancellation date; delete on the day", registry.ErrNotAllowed, r.cfg.Profile.Name)
	}
	var out registry.Domain
	err := r.run(ctx, "schedule-delete", []string{name, strconv.FormatBool(at.EndOfPeriod), at.Date.UTC().Format(time.DateOnly)}, func(c *Client, t *tx) error {
		d, err := r.info(ctx, c, t, name)
		if err != nil {
			return err
		}
		switch d.State {
		case registry.StateQuarantine:
			if now {
				out = d
				return nil
			}
			return fmt.Errorf("%w: %s is in quarantine", registry.ErrNotAllowed, name)
		case registry.StateScheduledDelete:
			if (at.EndOfPeriod && dateOf(d.DeleteDate).Equal(dateOf(d.Expires))) || (!at.EndOfPeriod && dateOf(d.DeleteDate).Equal(dateOf(at.Date))) {
				out = d
				return nil
			}
		case registry.StateActive:
		default:
			return fmt.Errorf("%w: %s is %s", registry.ErrNotAllowed, name, d.State)
		}
		var cmd *EPP
		switch {
		case now:
			cmd = DomainDeleteCmd(t.id("delete"), name)
		case at.EndOfPeriod:
			cmd = DomainScheduleDeleteCmd(t.id("schedule"), name, SchDEndOfPeriod, time.Time{})
		default:
			cmd = DomainScheduleDeleteCmd(t.id("schedule"), name, SchDSetDate, at.Date)
		}
		if _, err := c.Exchange(ctx, "domain:update", cmd); err != nil {
			return err
		}
		out, err = r.info(ctx, c, t, name)
		return err
	})
	return out, err
}

// CancelDelete withdraws a scheduled cancellation.
func (r *Registry) CancelDelete(ctx context.Context, name string) (registry.Domain, error) {
	if !r.cfg.Profile.ScheduledDelete {
		return r.Info(ctx, name)
	}
	var out registry.Domain
	err := r.run(ctx, "cancel-delete", []string{name}, func(c *Client, t *tx) error {
		d, err := r.info(ctx, c, t, name)
		if err != nil {
			return err
		}
		switch d.State {
		case registry.StateActive:
			out = d
			return nil
		case registry.StateScheduledDelete:
		default:
			return fmt.Errorf("%w: %s is %s", registry.ErrNotAllowed, name, d.State)
		}
		if _, err := c.Exchange(ctx, "domain:update", DomainScheduleDeleteCmd(t.id("cancel"), name, SchDCancel, time.Time{})); err != nil {
			return err
		}
		out, err = r.info(ctx, c, t, name)
		return err
	})
	return out, err
}

// Restore redeems a domain from quarantine for its last registrant.
func (r *Registry) Restore(ctx context.Context, name string) (registry.Domain, error) {
	var out registry.Domain
	err := r.run(ctx, "restore", []string{name}, func(c *Client, t *tx) error {
		d, err := r.info(ctx, c, t, name)
		if err != nil {
			return err
		}
		switch d.State {
		case registry.StateActive, registry.StateScheduledDelete:
			out = d
			return nil
		case registry.StateQuarantine:
		default:
			return fmt.Errorf("%w: %s is %s", registry.ErrNotAllowed, name, d.State)
		}
		var cmd *EPP
		switch r.cfg.Profile.Restore {
		case "sidn":
			cmd = SIDNCancelDeleteCmd(t.id("restore"), name)
		case "rgp":
			cmd = RGPRestoreCmd(t.id("restore"), name)
		default:
			return fmt.Errorf("%w: registry profile %s has no restore", registry.ErrNotAllowed, r.cfg.Profile.Name)
		}
		if _, err := c.Exchange(ctx, "domain:restore", cmd); err != nil {
			return err
		}
		out, err = r.info(ctx, c, t, name)
		return err
	})
	return out, err
}

// TransferToken returns the domain's transfer token for its registrant. SIDN makes one
// when the sponsoring registrar asks; a generic registry keeps the one set at create,
// and gets a fresh one when it has none.
func (r *Registry) TransferToken(ctx context.Context, name string) (string, error) {
	var out string
	err := r.run(ctx, "token", []string{name}, func(c *Client, t *tx) error {
		d, err := r.info(ctx, c, t, name)
		if err != nil {
			return err
		}
		if d.State == registry.StateUnknown {
			return fmt.Errorf("%w: %s is not held by this registrar", registry.ErrAuthorization, name)
		}
		if d.AuthCode != "" {
			out = d.AuthCode
			return nil
		}
		if r.cfg.Profile.Name == SIDN.Name {
			return fmt.Errorf("%w: registry gave no transfer token for %s", registry.ErrNotAllowed, name)
		}
		tok := randomToken()
		if _, err := c.Exchange(ctx, "domain:update", DomainUpdateAuthCmd(t.id("token"), name, tok)); err != nil {
			return err
		}
		out = tok
		return nil
	})
	return out, err
}

// Poll returns the oldest registry message, or nil when there is none. The message
// stays until Ack.
func (r *Registry) Poll(ctx context.Context) (*registry.Message, error) {
	var out *registry.Message
	err := r.run(ctx, "poll", nil, func(c *Client, t *tx) error {
		resp, err := c.Exchange(ctx, "poll", PollReqCmd(t.id("req")))
		if err != nil {
			return err
		}
		if resp.Results[0].Code == CodeNoMessages || resp.MsgQ == nil {
			out = nil
			return nil
		}
		out = toMessage(resp)
		return nil
	})
	return out, err
}

func toMessage(resp *Response) *registry.Message {
	m := &registry.Message{ID: resp.MsgQ.ID, Queued: parseTime(resp.MsgQ.QDate), Text: strings.TrimSpace(resp.MsgQ.Msg), Kind: "other", Raw: resp.Raw}
	rd := resp.ResData
	command := ""
	if rd != nil && rd.SIDNPoll != nil {
		command = rd.SIDNPoll.Command
		rd = rd.SIDNPoll.Data.ResData
	}
	if rd != nil {
		switch {
		case rd.DomainTrn != nil:
			m.Domain, m.Kind = rd.DomainTrn.Name, "transfer"
		case rd.DomainInf != nil:
			m.Domain = rd.DomainInf.Name
		case rd.DomainCre != nil:
			m.Domain = rd.DomainCre.Name
		}
	}
	switch c := strings.ToLower(command); {
	case strings.Contains(c, "transfer"):
		m.Kind = "transfer"
	case strings.Contains(c, "quarantine"):
		m.Kind = "quarantine"
	case strings.Contains(c, "delete"):
		m.Kind = "delete"
	case strings.Contains(c, "expir"), strings.Contains(c, "renew"):
		m.Kind = "expiry"
	}
	m.Domain = strings.ToLower(m.Domain)
	return m
}

// Ack removes a message from the queue; a message already gone (an ack whose answer was
// lost) counts as acknowledged.
func (r *Registry) Ack(ctx context.Context, id string) error {
	return r.run(ctx, "ack", []string{id}, func(c *Client, t *tx) error {
		_, err := c.Exchange(ctx, "poll", PollAckCmd(t.id("ack"), id))
		if isCode(err, CodeNotExists) {
			return nil
		}
		return err
	})
}
