package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// RunResult counts what a billing run did.
type RunResult struct {
	Customers int // customers looked at
	Invoices  int // invoices issued
	Lines     int
	Skipped   int // customers another run had just billed
	Failed    int // customers whose invoice could not be issued (see the error)
}

// feedPage is how many subscriptions the run reads at a time; memory stays bounded by
// it, whatever the number of subscriptions.
const feedPage = 2000

// maxCatchUp bounds the periods one run bills per subscription (a run after a long
// stop catches up this many periods; the next run continues).
const maxCatchUp = 24

// Job returns the billing run as a periodic job. Running it more often than daily is
// harmless: every period is billed once.
func (s *Service) Job() jobs.Job {
	return jobs.Job{Name: "billing.run", Every: time.Hour, Run: func(ctx context.Context, now time.Time) error {
		_, err := s.RunBilling(ctx, now)
		if err == nil {
			err = s.ProcessRefundsDue(ctx, now)
		}
		if err == nil {
			err = s.ProcessOverpaymentChecks(ctx, now)
		}
		return err
	}}
}

// RunBilling invoices, ahead of each period (cp.av.14.2, fo.av.16.2), every period of
// every subscription that starts on or before now + InvoiceAhead days and is not yet
// billed, one invoice per customer, each customer all-or-nothing (see runBatch).
// Billing periods follow the subscription's price period (monthly plans monthly,
// yearly plans yearly), anchored on its start date with the month rule of A08; a period cut short
// by the end of the subscription is prorated by days. Setup fees and one-off lines
// (other than 5online projects, see IssueProjectInvoice) go on the first invoice, and
// contracts' pending charges (upgrades) on the next invoice of the customer.
//
// It is idempotent and resumable: each billed item is a unique key (billed_items) in
// the customer's transaction, so a run killed half way leaves whole customers done or
// untouched, and the next run bills exactly what is missing.
func (s *Service) RunBilling(ctx context.Context, now time.Time) (RunResult, error) {
	ctx = jobCtx(ctx, "billing.run")
	var res RunResult
	if err := s.checkProvider(); err != nil {
		return res, err
	}
	today := terms.DateIn(now, clock.Amsterdam)
	horizon := today.AddDays(s.cfg.InvoiceAhead)
	pol, err := s.pack.At(today)
	if err != nil {
		return res, err
	}
	charges, err := s.openCharges(ctx)
	if err != nil {
		return res, err
	}
	usage, err := s.openUsageLines(ctx)
	if err != nil {
		return res, err
	}
	// Who has account credit: only their invoices look up the balance. Credit
	// granted while the run is under way is set off on a later invoice.
	withCredit, err := s.orgsWithCredit(ctx)
	if err != nil {
		return res, err
	}
	sched := newSchedules(pol)
	var errs []error
	batch := &runBatch{s: s, single: s.cfg.RunBatch <= 1}
	batch.report = func(j batchJob, err error) error {
		switch {
		case errors.Is(err, ErrAlreadyBilled):
			res.Skipped++
		case err != nil:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			res.Failed++
			if len(errs) < 10 {
				errs = append(errs, fmt.Errorf("organisation %d: %w", j.orgID, err))
			}
			if isFatal(err) {
				return err
			}
		default:
			res.Invoices++
			res.Lines += j.lines
		}
		return nil
	}

	// The run is a pipeline of two goroutines: this one writes batches, each in its
	// transaction, while the producer (runFeed) reads and prepares the next — the
	// feed, what is billed, the customers, the documents and their seals' JSON — on
	// the other core. What a batch's write changes is never read to prepare another:
	// each customer is in exactly one batch (the feed groups a customer's
	// subscriptions, across pages, into one job), and what depends on other writers —
	// numbers, account credit, the receivables — is read in the writing transaction,
	// as before. The channel holds one batch, so at most three are in memory.
	pctx, stop := context.WithCancel(ctx)
	ch := make(chan prepBatch, 1)
	done := make(chan struct{})
	var perr error
	var panicked any
	feed := runFeed{s: s, pol: pol, sched: sched, today: today, horizon: horizon, charges: charges, usage: usage,
		withCredit: withCredit, max: s.cfg.RunBatch, out: ch, due: paymentMemo{}}
	go func() {
		defer close(done)
		defer close(ch)
		defer func() {
			if p := recover(); p != nil {
				panicked = p
			}
		}()
		perr = feed.run(pctx)
	}()
	defer func() {
		stop()
		<-done
	}()
	for b := range ch {
		res.Customers += b.customers
		for _, f := range b.failed {
			if err := batch.report(f, f.err); err != nil {
				return res, err
			}
		}
		if err := batch.flush(ctx, b.jobs); err != nil {
			return res, err
		}
	}
	<-done
	if panicked != nil {
		panic(panicked)
	}
	if perr != nil {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		return res, perr
	}
	if len(errs) > 0 {
		return res, fmt.Errorf("billing run: %d customers failed: %w", res.Failed, errors.Join(errs...))
	}
	return res, nil
}

// prepBatch is what the producer of a billing run hands the writer: the customers it
// looked at, those whose invoice could not be prepared (err set), and the jobs of one
// transaction.
type prepBatch struct {
	customers int
	failed    []batchJob
	jobs      []batchJob
}

// runFeed is the producer of a billing run (RunBilling): it reads the subscriptions
// by customer and prepares each customer's invoice, in batches of up to max customers
// (and at most maxBatchAge), and sends them to out. Only its goroutine uses its
// fields.
type runFeed struct {
	s          *Service
	pol        *terms.Policy
	sched      *schedules
	today      terms.Date
	horizon    terms.Date
	charges    map[int64][]contracts.PendingCharge
	usage      map[int64][]UsageLine
	withCredit map[int64]bool
	max        int
	out        chan<- prepBatch

	due paymentMemo // the run's payment dates (one issue date, two kinds of customer)

	cur   prepBatch
	begun time.Time
}

// send hands the current batch to the writer, unless ctx ends first.
func (f *runFeed) send(ctx context.Context) error {
	b := f.cur
	f.cur = prepBatch{}
	if b.customers == 0 && len(b.failed) == 0 && len(b.jobs) == 0 {
		return nil
	}
	select {
	case f.out <- b:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// add puts a prepared job (or a failure) into the current batch, and sends the batch
// when it is full or old.
func (f *runFeed) add(ctx context.Context, j batchJob) error {
	if len(f.cur.jobs)+len(f.cur.failed) == 0 {
		f.begun = time.Now()
	}
	if j.err != nil {
		f.cur.failed = append(f.cur.failed, j)
		if isFatal(j.err) {
			// The writer stops on it; nothing after it is worth preparing.
			if err := f.send(ctx); err != nil {
				return err
			}
			return j.err
		}
	} else {
		f.cur.jobs = append(f.cur.jobs, j)
	}
	if len(f.cur.jobs)+len(f.cur.failed) >= max(f.max, 1) || time.Since(f.begun) > maxBatchAge {
		return f.send(ctx)
	}
	return nil
}

// handle prepares the invoice of one customer's subscriptions and other open items.
func (f *runFeed) handle(ctx context.Context, orgID int64, subs []contracts.Subscription, billed billedInfo) error {
	s := f.s
	f.cur.customers++
	items, err := s.dueItems(f.pol, f.sched, subs, billed, f.horizon)
	if err != nil {
		return f.add(ctx, batchJob{orgID: orgID, err: err})
	}
	ch := f.charges[orgID]
	delete(f.charges, orgID)
	ul := f.usage[orgID]
	delete(f.usage, orgID)
	if len(items) == 0 && len(ch) == 0 && len(ul) == 0 {
		return nil
	}
	job, err := s.customerJob(ctx, f.pol, f.sched, f.today, orgID, items, ch, f.withCredit[orgID])
	if err == nil {
		err = s.addUsageLines(f.pol, f.sched, f.today, &job, ul)
	}
	if err == nil {
		job.pre, err = prepare(&job.d, s.provider, f.due)
	}
	if err != nil {
		return f.add(ctx, batchJob{orgID: orgID, err: err})
	}
	return f.add(ctx, job)
}

// run reads the feed to its end and sends every customer's job.
func (f *runFeed) run(ctx context.Context) error {
	s := f.s
	var key contracts.FeedKey
	var carryOrg int64
	var carry []contracts.Subscription
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		page, err := contracts.BillableSubscriptions(ctx, s.db, s.pack.Name, key, feedPage)
		if err != nil {
			return err
		}
		if len(page) > 0 {
			key = contracts.FeedKey{OrgID: page[len(page)-1].OrgID, SubID: page[len(page)-1].ID}
		}
		subs := page
		if len(carry) > 0 {
			subs = append(carry, page...)
		}
		billed, err := s.billedState(ctx, subs)
		if err != nil {
			return err
		}
		// Group by organisation; the last group may continue on the next page.
		start := 0
		for i := 1; i <= len(subs); i++ {
			if i < len(subs) && subs[i].OrgID == subs[start].OrgID {
				continue
			}
			if i == len(subs) && len(page) == feedPage {
				break
			}
			if err := f.handle(ctx, subs[start].OrgID, subs[start:i], billed); err != nil {
				return err
			}
			start = i
		}
		carry = append([]contracts.Subscription(nil), subs[start:]...)
		if len(carry) > 0 {
			carryOrg = carry[0].OrgID
		}
		if len(page) < feedPage {
			break
		}
		if len(carry) > 100*feedPage {
			return fmt.Errorf("billing: organisation %d has more than %d subscriptions", carryOrg, 100*feedPage)
		}
	}
	// Customers with only a pending charge or usage line.
	for orgID := range f.charges {
		if err := f.handle(ctx, orgID, nil, billedInfo{}); err != nil {
			return err
		}
	}
	for orgID := range f.usage {
		if err := f.handle(ctx, orgID, nil, billedInfo{}); err != nil {
			return err
		}
	}
	return f.send(ctx)
}

// openUsageLines reads the usage charges not yet invoiced, per organisation.
func (s *Service) openUsageLines(ctx context.Context) (map[int64][]UsageLine, error) {
	if s.usage == nil {
		return nil, nil
	}
	all, err := s.usage.OpenUsageLines(ctx, s.db)
	if err != nil {
		return nil, err
	}
	m := map[int64][]UsageLine{}
	for _, u := range all {
		m[u.OrgID] = append(m[u.OrgID], u)
	}
	return m, nil
}

// addUsageLines puts usage charges on a customer's invoice, each a line of its own
// whose computation (cp.av.5.11, cp.av.9.4) joins the invoice's explanation.
func (s *Service) addUsageLines(pol *terms.Policy, sched *schedules, today terms.Date, job *batchJob, ul []UsageLine) error {
	if len(ul) == 0 {
		return nil
	}
	d := &job.d
	r, err := sched.rate(d.vat, terms.VATStandard, today)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, st := range d.ex {
		seen[stepKey(st)] = true
	}
	for _, u := range ul {
		d.lines = append(d.lines, Line{Source: SourceUsage, SourceID: u.ID, Description: u.Description, Quantity: 1, Unit: "C62",
			UnitPrice: u.Amount, VATCategory: terms.VATStandard, VATRate: r})
		d.keys = append(d.keys, billedKey{SourceUsage, u.ID, ""})
		job.usage = append(job.usage, u.ID)
		for _, st := range u.Explanation {
			if k := stepKey(st); !seen[k] {
				seen[k] = true
				d.ex = append(d.ex, st)
			}
		}
	}
	job.lines = len(d.lines)
	return nil
}

// isFatal: errors that will fail every customer alike stop the run.
func isFatal(err error) bool {
	return errors.Is(err, ErrProviderIncomplete) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

func (s *Service) orgsWithCredit(ctx context.Context) (map[int64]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT org_id FROM account_credit GROUP BY org_id HAVING SUM(amount) > 0`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		m[id] = true
	}
	return m, rows.Err()
}

func (s *Service) openCharges(ctx context.Context) (map[int64][]contracts.PendingCharge, error) {
	all, err := contracts.OpenPendingCharges(ctx, s.db, 0)
	if err != nil {
		return nil, err
	}
	m := map[int64][]contracts.PendingCharge{}
	for _, c := range all {
		m[c.OrgID] = append(m[c.OrgID], c)
	}
	return m, nil
}

// billedInfo is what the run needs of billed_items for a page of subscriptions.
type billedInfo struct {
	last   map[int64]terms.Date // start of the last billed period
	setup  map[int64]bool
	oneoff map[int64]bool
}

// billedState reads which of the subscriptions' items are billed.
//
// Each subscription is looked up on its own in billed_items' primary key (source,
// source_id, period_start): the last billed period by a backward walk, setup and
// one-off by one probe each, so a page costs the same however many items earlier runs
// billed. A list of ids in one IN (...) leaves the choice to the planner, and
// PostgreSQL, costing 500 index descents above one pass over a table of 100,000
// items, read every item of the source per page: the run grew with the square of its
// size (issue 16). Correlated scalar subqueries are executed per row on both engines;
// the plan test holds them to the index (TestBilledStateProbesTheKey).
//
// The ids are written into the SQL as literals: billed_items grows throughout the
// run, and a generic plan made while it was small must not be cached for it. They
// are int64 values formatted by strconv, so nothing can be injected.
func (s *Service) billedState(ctx context.Context, subs []contracts.Subscription) (billedInfo, error) {
	out := billedInfo{last: map[int64]terms.Date{}, setup: map[int64]bool{}, oneoff: map[int64]bool{}}
	// Setup fees and one-off lines are looked up only for the subscriptions that have
	// them: most have neither, and on SQLite every subquery per row counts.
	var plain, extras []int64
	for _, sub := range subs {
		if sub.SetupFee > 0 || sub.Billing == catalog.OneOff {
			extras = append(extras, sub.ID)
		} else {
			plain = append(plain, sub.ID)
		}
	}
	for _, list := range []struct {
		ids    []int64
		extras bool
	}{{plain, false}, {extras, true}} {
		if err := s.readBilledState(ctx, list.ids, list.extras, &out); err != nil {
			return out, err
		}
	}
	return out, nil
}

func (s *Service) readBilledState(ctx context.Context, all []int64, extras bool, out *billedInfo) error {
	for i := 0; i < len(all); i += billedStateChunk {
		ids := all[i:min(i+billedStateChunk, len(all))]
		rows, err := s.db.QueryContext(ctx, billedStateQuery(ids, extras))
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var period sql.NullString
			var setup, oneoff sql.NullInt64
			if err := rows.Scan(&id, &period, &setup, &oneoff); err != nil {
				rows.Close()
				return err
			}
			if period.Valid {
				d, err := terms.ParseDate(period.String)
				if err != nil {
					rows.Close()
					return err
				}
				out.last[id] = d
			}
			if setup.Valid {
				out.setup[id] = true
			}
			if oneoff.Valid {
				out.oneoff[id] = true
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// billedStateChunk is the subscriptions of one billedState query: a whole feed page.
const billedStateChunk = feedPage

// billedStateQuery answers, per subscription id, the start of its last billed period
// and, with extras, whether its setup fee and one-off line are billed (NULL when not,
// and always NULL without extras).
func billedStateQuery(ids []int64, extras bool) string {
	var sb strings.Builder
	sb.WriteString(`WITH subs (id) AS (VALUES `)
	for j, id := range ids {
		if j > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('(')
		sb.WriteString(strconv.FormatInt(id, 10))
		sb.WriteByte(')')
	}
	sb.WriteString(`)
		SELECT subs.id,
			(SELECT MAX(b.period_start) FROM billed_items b WHERE b.source = 'period' AND b.source_id = subs.id),`)
	if extras {
		sb.WriteString(`
			(SELECT 1 FROM billed_items b WHERE b.source = 'setup' AND b.source_id = subs.id LIMIT 1),
			(SELECT 1 FROM billed_items b WHERE b.source = 'oneoff' AND b.source_id = subs.id LIMIT 1)`)
	} else {
		sb.WriteString(` CAST(NULL AS BIGINT), CAST(NULL AS BIGINT)`)
	}
	sb.WriteString(`
		FROM subs`)
	return sb.String()
}

// dueItem is a line the run will bill, with its key.
type dueItem struct {
	line Line
	key  billedKey
	ex   terms.Explanation // the terms' steps behind the line's period and amount
}

func describe(sub contracts.Subscription) string {
	if sub.Domain != "" {
		return sub.Name + " (" + sub.Domain + ")"
	}
	return sub.Name
}

// schedules remembers, for one run, the billing period the terms give each price
// period (terms.Policy.BillingPeriods): the rule's outcome and explanation depend on
// the price period only, the dates on each subscription's start. It remembers the
// VAT rates of the run's lines too (vatDecision.rate, which asks the terms): they
// depend on the scheme, country, category and day only, and asking the terms for
// every line was a tenth of the run's Go CPU besides SQLite (issue 16).
type schedules struct {
	pol   *terms.Policy
	m     map[terms.Period]schedule
	rates map[rateKey]terms.Rate
}

type rateKey struct {
	scheme, country, category string
	on                        terms.Date
}

// rate is dec.rate(pol, category, on), asked once per key in a run.
func (c *schedules) rate(dec vatDecision, category string, on terms.Date) (terms.Rate, error) {
	k := rateKey{dec.scheme, dec.country, category, on}
	if r, ok := c.rates[k]; ok {
		return r, nil
	}
	r, err := dec.rate(c.pol, category, on)
	if err != nil {
		return 0, err
	}
	c.rates[k] = r
	return r, nil
}

type schedule struct {
	b  terms.BillingSchedule
	ex terms.Explanation
}

func newSchedules(pol *terms.Policy) *schedules {
	return &schedules{pol: pol, m: map[terms.Period]schedule{}, rates: map[rateKey]terms.Rate{}}
}

func (c *schedules) of(sub contracts.Subscription) (terms.BillingSchedule, terms.Explanation, error) {
	sc, ok := c.m[sub.Period]
	if !ok {
		b, ex, err := c.pol.BillingPeriods(sub.StartOn, sub.Period)
		if err != nil {
			return terms.BillingSchedule{}, nil, fmt.Errorf("subscription %d: %w", sub.ID, err)
		}
		sc = schedule{b: b, ex: ex}
		c.m[sub.Period] = sc
	}
	b := sc.b
	b.Start = sub.StartOn
	return b, sc.ex, nil
}

// dueItems lists what is due for a customer's subscriptions up to horizon: the billing
// periods the terms give each subscription (terms.Policy.BillingPeriods), a period cut
// short by the subscription's end prorated by the terms (terms.Policy.Prorate), each
// item with the steps of its explanation.
func (s *Service) dueItems(pol *terms.Policy, sched *schedules, subs []contracts.Subscription, info billedInfo, horizon terms.Date) ([]dueItem, error) {
	var out []dueItem
	qty := func(sub contracts.Subscription) int64 { return int64(max(sub.Quantity, 1)) }
	for _, sub := range subs {
		if sub.StartOn.IsZero() || sub.StartOn.After(horizon) {
			continue
		}
		switch sub.Billing {
		case catalog.Subscription:
			bp, bex, err := sched.of(sub)
			if err != nil {
				return nil, err
			}
			unit := "C62"
			switch bp.Months() {
			case 1:
				unit = "MON"
			case 12:
				unit = "ANN"
			}
			k0 := 0
			if last, ok := info.last[sub.ID]; ok {
				k0 = bp.Index(last) + 1
			}
			first := true
			for k := k0; k < k0+maxCatchUp; k++ {
				ps, next := bp.Period(k)
				if ps.After(horizon) || (!sub.EndsOn.IsZero() && !ps.Before(sub.EndsOn)) {
					break
				}
				price := sub.Price
				end := next
				ex := bex
				if !sub.EndsOn.IsZero() && sub.EndsOn.Before(next) {
					end = sub.EndsOn
					pr, pex, err := pol.Prorate(terms.ProrationInput{Amount: sub.Price, PeriodStart: ps, PeriodEnd: next, From: ps, Until: end})
					if err != nil {
						return nil, fmt.Errorf("subscription %d: %w", sub.ID, err)
					}
					price, ex = pr.Amount, append(slices.Clip(bex), pex...)
				}
				if first && k == 0 && sub.SetupFee > 0 && !info.setup[sub.ID] {
					out = append(out, dueItem{line: Line{Source: SourceSetup, SourceID: sub.ID, Description: "Setup: " + describe(sub),
						Quantity: qty(sub), Unit: "C62", UnitPrice: sub.SetupFee, VATCategory: sub.VATCategory},
						key: billedKey{SourceSetup, sub.ID, ""}})
				}
				first = false
				out = append(out, dueItem{line: Line{Source: SourcePeriod, SourceID: sub.ID, Description: describe(sub),
					PeriodStart: ps, PeriodEnd: end.AddDays(-1), Quantity: qty(sub), Unit: unit, UnitPrice: price, VATCategory: sub.VATCategory},
					key: billedKey{SourcePeriod, sub.ID, ps.String()}, ex: ex})
			}
		case catalog.OneOff:
			// 5online's fixed-price projects are invoiced in two parts (fo.av.16.1) by
			// IssueProjectInvoice, not by the run.
			if pol.Terms.Payment.DepositPercent > 0 || info.oneoff[sub.ID] {
				continue
			}
			out = append(out, dueItem{line: Line{Source: SourceOneOff, SourceID: sub.ID, Description: describe(sub),
				PeriodStart: sub.StartOn, PeriodEnd: sub.StartOn, Quantity: qty(sub), Unit: "C62", UnitPrice: sub.Price + sub.SetupFee,
				VATCategory: sub.VATCategory}, key: billedKey{SourceOneOff, sub.ID, ""}})
		}
	}
	return out, nil
}

// customerJob prepares the issue of one invoice for a customer's due items and pending
// charges; the batch runs it in a transaction.
func (s *Service) customerJob(ctx context.Context, pol *terms.Policy, sched *schedules, today terms.Date, orgID int64, items []dueItem, charges []contracts.PendingCharge, credit bool) (batchJob, error) {
	if s.customers == nil {
		return batchJob{}, errors.New("billing: no customer directory configured")
	}
	org, err := s.customers.GetOrganisation(ctx, s.job, orgID)
	if err != nil {
		return batchJob{}, err
	}
	party, kind, lang := customerParty(org)
	dec := decideVAT(pol, party, kind)
	d := draft{docType: DocInvoice, orgID: orgID, customer: party, kind: kind, lang: lang, pol: pol, vat: dec, issueDate: today, applyCredit: credit}
	for _, it := range items {
		l := it.line
		if l.VATCategory == "" {
			l.VATCategory = terms.VATStandard
		}
		if l.VATRate, err = sched.rate(dec, l.VATCategory, today); err != nil {
			return batchJob{}, err
		}
		d.lines = append(d.lines, l)
		d.keys = append(d.keys, it.key)
	}
	for _, c := range charges {
		r, err := sched.rate(dec, terms.VATStandard, today)
		if err != nil {
			return batchJob{}, err
		}
		d.lines = append(d.lines, Line{Source: SourcePendingCharge, SourceID: c.ID, Description: c.Description, Quantity: 1, Unit: "C62",
			UnitPrice: c.Amount, VATCategory: terms.VATStandard, VATRate: r})
		d.keys = append(d.keys, billedKey{SourcePendingCharge, c.ID, ""})
	}
	d.ex = terms.Explanation{{Clause: strings.Join(pol.Terms.Payment.Clauses, ", "),
		Says:   "Continuing services are invoiced per period in advance.",
		Inputs: []terms.Input{{Name: "run_date", Value: today.String()}, {Name: "lines", Value: fmt.Sprint(len(d.lines))}}, Value: today.String(),
		Key: "billing.run", Args: terms.StepArgs(map[string]any{"run_date": today})}}
	// The steps behind the lines, each once: one billing period step per price
	// period, and a proration step per period cut short.
	seen := map[string]bool{}
	for _, it := range items {
		for _, st := range it.ex {
			if k := stepKey(st); !seen[k] {
				seen[k] = true
				d.ex = append(d.ex, st)
			}
		}
	}
	return batchJob{orgID: orgID, lines: len(d.lines), d: d, charges: charges}, nil
}

// stepKey identifies an explanation step by its content.
func stepKey(st terms.Step) string {
	var b strings.Builder
	b.WriteString(st.Clause + "\x00" + st.Says + "\x00" + st.Value)
	for _, in := range st.Inputs {
		b.WriteString("\x00" + in.Name + "=" + in.Value)
	}
	return b.String()
}

// issueJobs issues the jobs' invoices in q's transaction (issueAll: one statement per
// table for the whole batch) and marks their pending charges invoiced.
func (s *Service) issueJobs(ctx context.Context, q store.Querier, jobs []batchJob) error {
	ds := make([]draft, len(jobs))
	pre := make([]prepared, len(jobs))
	for i, j := range jobs {
		if err := s.fail("run:before-issue"); err != nil {
			return err
		}
		ds[i], pre[i] = j.d, j.pre
	}
	if _, err := s.issuePrepared(ctx, q, s.now(), ds, pre); err != nil {
		return err
	}
	for _, j := range jobs {
		for _, c := range j.charges {
			if err := contracts.MarkPendingChargeInvoiced(ctx, q, c.ID); err != nil {
				return err
			}
		}
		for _, id := range j.usage {
			if err := s.usage.MarkUsageLineInvoiced(ctx, q, id); err != nil {
				return err
			}
		}
		if err := s.fail("run:before-commit"); err != nil {
			return err
		}
	}
	return nil
}

// runBatch writes the run's batches of customers (runFeed: up to RunBatch customers,
// at most maxBatchAge), each in one transaction. When any customer of a batch fails,
// the batch is rolled back and its customers are issued again one transaction each,
// so a failing customer costs only itself. Every invariant of one transaction per
// customer holds — a customer's invoice, number, billed items and audit entry commit
// together or not at all, numbers stay gapless, a crash loses only uncommitted work
// that the next run bills again — at a fraction of the commits (on SQLite each commit
// appends every page it touched to the WAL) and of the statements: the batch's
// invoices are issued together (issueJobs, issueAll), with one number reservation for
// the batch, which stays gapless because the batch commits or rolls back as a whole
// and the fallback reserves again per customer. RunBatch <= 1 is one transaction per
// customer.
type runBatch struct {
	s      *Service
	single bool // one transaction per customer: a failed batch is its customer's failure
	report func(j batchJob, err error) error
}

type batchJob struct {
	orgID   int64
	lines   int
	d       draft
	pre     prepared // d's document, prepared by the feed
	charges []contracts.PendingCharge
	usage   []int64 // usage lines on the invoice
	err     error   // the job could not be prepared
}

// run issues the jobs in one transaction.
func (b *runBatch) run(ctx context.Context, jobs ...batchJob) error {
	return b.s.inTx(ctx, func(q store.Querier) error { return b.s.issueJobs(ctx, q, jobs) })
}

const maxBatchAge = 500 * time.Millisecond

func (b *runBatch) flush(ctx context.Context, jobs []batchJob) error {
	if len(jobs) == 0 {
		return nil
	}
	err := b.run(ctx, jobs...)
	if err == nil {
		for _, j := range jobs {
			if rerr := b.report(j, nil); rerr != nil {
				return rerr
			}
		}
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if b.single {
		return b.report(jobs[0], err)
	}
	for _, j := range jobs {
		if rerr := b.report(j, b.run(ctx, j)); rerr != nil {
			return rerr
		}
	}
	return nil
}
