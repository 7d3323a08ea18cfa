package contracts

// The read side for lists: contracts and quotes across organisations (staff) or of one
// organisation (a customer: always its own), terms versions, price increases, force
// majeure and refusals. Each list is one SQL statement, the same text on SQLite and
// PostgreSQL.

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/terms"
)

// Page is one page of a list: at most Limit items (default DefaultLimit, at most
// MaxLimit) after skipping Offset items.
type Page struct {
	Limit  int
	Offset int
}

// Limits of a Page.
const (
	DefaultLimit = 25
	MaxLimit     = 500
)

func (p Page) norm() Page {
	if p.Limit <= 0 {
		p.Limit = DefaultLimit
	}
	p.Limit = min(p.Limit, MaxLimit)
	p.Offset = max(p.Offset, 0)
	return p
}

// ContractFilter selects contracts.
type ContractFilter struct {
	// OrgID: only this organisation's. Staff may leave it 0 for every organisation; a
	// customer always lists its own, and another organisation's id is not found.
	OrgID  int64
	Status string // "" or ContractActive, ContractEnded, ContractWithdrawn
}

// QuoteFilter selects quotes.
type QuoteFilter struct {
	OrgID  int64  // as ContractFilter.OrgID
	Status string // "" or a quote status; customers never see drafts
}

// listOrg applies the tenant rule to a list's organisation filter: staff (with a role)
// may list every organisation (0) or name one; a customer lists its own, and naming
// another organisation is not found.
func listOrg(by accounts.Principal, orgID int64) (int64, error) {
	if orgID == 0 {
		orgID = by.Own().ID
	}
	if err := by.Check(accounts.ContractRead, accounts.OrgID(orgID)); err != nil {
		return 0, err
	}
	return orgID, nil
}

func checkStatus(status string, allowed ...string) error {
	if status != "" && !slices.Contains(allowed, status) {
		return accounts.FieldErrors{"status": i18n.T("contracts.choose_one_of", strings.Join(allowed, ", "))}
	}
	return nil
}

// qualify prefixes each column of a column list with alias ("c.id, c.pack, …"); a
// COALESCE(col, …) has its first argument prefixed.
func qualify(alias, cols string) string {
	parts := strings.Split(cols, ",")
	out := make([]string, 0, len(parts))
	for i := 0; i < len(parts); i++ {
		p := strings.TrimSpace(parts[i])
		if rest, ok := strings.CutPrefix(p, "COALESCE("); ok {
			// Its other arguments were split off: keep them with it.
			for !strings.Contains(rest, ")") && i+1 < len(parts) {
				i++
				rest += "," + parts[i]
			}
			out = append(out, "COALESCE("+alias+"."+rest)
			continue
		}
		out = append(out, alias+"."+p)
	}
	return strings.Join(out, ", ")
}

var (
	contractColsC = qualify("c", contractCols)
	subColsS      = qualify("s", subCols)
	quoteColsQ    = qualify("q", quoteCols)
	lineColsL     = qualify("l", lineCols)
)

// ListContracts returns contracts with their subscriptions, newest first, and how many
// match the filter in all. Staff see every organisation's (filter by OrgID and
// Status); a customer only its own.
func (s *Service) ListContracts(ctx context.Context, by accounts.Principal, f ContractFilter, p Page) ([]Contract, int, error) {
	orgID, err := listOrg(by, f.OrgID)
	if err != nil {
		return nil, 0, err
	}
	if err := checkStatus(f.Status, ContractActive, ContractEnded, ContractWithdrawn); err != nil {
		return nil, 0, err
	}
	p = p.norm()
	// The page of contracts is chosen (and counted, before LIMIT) in the subquery;
	// every contract has at least one subscription, concluded in the same transaction.
	rows, err := s.db.QueryContext(ctx, contractsPageQuery(orgID), orgID, f.Status, p.Limit, p.Offset)
	if err != nil {
		return nil, 0, err
	}
	out, total, err := scanContractRows(rows)
	if err != nil {
		return nil, 0, err
	}
	if len(out) == 0 && p.Offset > 0 {
		// Past the last page: the rows carry no total.
		err = s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM contracts `+contractsWhere(orgID), orgID, f.Status).Scan(&total)
	}
	return out, total, err
}

// scanContractRows reads the rows of a contracts page query: a contract's columns,
// the total and a subscription's columns, a contract's subscriptions in a row.
func scanContractRows(rows *sql.Rows) ([]Contract, int, error) {
	defer rows.Close()
	var out []Contract
	total := 0
	for rows.Next() {
		var cr contractRow
		var sr subRow
		if err := rows.Scan(slices.Concat(cr.dests(), []any{&total}, sr.dests())...); err != nil {
			return nil, 0, err
		}
		sub, err := sr.subscription()
		if err != nil {
			return nil, 0, err
		}
		if n := len(out); n == 0 || out[n-1].ID != cr.c.ID {
			out = append(out, cr.contract())
		}
		out[len(out)-1].Subscriptions = append(out[len(out)-1].Subscriptions, sub)
	}
	return out, total, rows.Err()
}

// ListContractsBefore is the contract list by keyset: up to limit contracts (at most
// MaxLimit) with an id below before (0: from the newest), newest first, without a
// count. The page is read along the primary key, contracts_status or contracts_org,
// so it costs the same at any depth and however many contracts there are, where
// OFFSET reads every row before the page and COUNT(*) every row that matches
// (issue 16).
func (s *Service) ListContractsBefore(ctx context.Context, by accounts.Principal, f ContractFilter, before int64, limit int) ([]Contract, error) {
	orgID, err := listOrg(by, f.OrgID)
	if err != nil {
		return nil, err
	}
	if err := checkStatus(f.Status, ContractActive, ContractEnded, ContractWithdrawn); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, contractsBeforeQuery(orgID, f.Status), orgID, f.Status, beforeKey(before), Page{Limit: limit}.norm().Limit)
	if err != nil {
		return nil, err
	}
	out, _, err := scanContractRows(rows)
	return out, err
}

// beforeKey is a keyset cursor "below before", the first page being below every id:
// the query is then the same range on the index for every page.
func beforeKey(before int64) int64 {
	if before <= 0 {
		return math.MaxInt64
	}
	return before
}

// statusWhere is the status condition of a list query whose $2 is the status ("":
// any), chosen here as orgWhere is, so that a status reads its (status, id) index.
func statusWhere(status string) string {
	if status == "" {
		return `CAST($2 AS TEXT) = ''`
	}
	return `status = $2`
}

// contractsBeforeQuery selects $4 contracts below id $3, newest first, with their
// subscriptions; the total column is 0.
func contractsBeforeQuery(orgID int64, status string) string {
	return `SELECT ` + contractColsC + `, 0, ` + subColsS + `
		FROM (SELECT id FROM contracts WHERE ` + orgWhere(orgID) + ` AND ` + statusWhere(status) + ` AND id < $3
			ORDER BY id DESC LIMIT $4) p
		JOIN contracts c ON c.id = p.id
		JOIN subscriptions s ON s.contract_id = c.id
		ORDER BY c.id DESC, s.position`
}

// quotesBeforeQuery selects $5 quotes below id $4, newest first, with their lines;
// the total column is 0.
func quotesBeforeQuery(orgID int64, status string) string {
	return `SELECT ` + quoteColsQ + `, 0, ` + lineColsL + `
		FROM (SELECT id FROM quotes WHERE ` + orgWhere(orgID) + ` AND ` + statusWhere(status) + ` AND (status <> 'draft' OR $3) AND id < $4
			ORDER BY id DESC LIMIT $5) p
		JOIN quotes q ON q.id = p.id
		JOIN quote_lines l ON l.quote_id = q.id
		ORDER BY q.id DESC, l.position`
}

// ListQuotesBefore is the quote list by keyset, as ListContractsBefore (issue 16).
func (s *Service) ListQuotesBefore(ctx context.Context, by accounts.Principal, f QuoteFilter, before int64, limit int) ([]Quote, error) {
	orgID, err := listOrg(by, f.OrgID)
	if err != nil {
		return nil, err
	}
	if err := checkStatus(f.Status, QuoteDraft, QuoteSent, QuoteAccepted, QuoteDeclined); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, quotesBeforeQuery(orgID, f.Status), orgID, f.Status, by.IsStaff(), beforeKey(before), Page{Limit: limit}.norm().Limit)
	if err != nil {
		return nil, err
	}
	out, _, err := scanQuoteRows(rows)
	return out, err
}

// orgWhere is the organisation condition of a list query whose $1 is the organisation
// (0: every organisation). It is chosen here rather than written as
// "(CAST($1 AS BIGINT) = 0 OR org_id = $1)": SQLite plans a statement once for every
// value of $1 and cannot use the (org_id, id) index for that OR, so a customer's own
// list scanned every customer's rows (issue 16). "CAST($1 AS BIGINT) = 0" keeps $1
// in the text of the all-organisations query, so both take the same arguments.
func orgWhere(orgID int64) string {
	if orgID == 0 {
		return `CAST($1 AS BIGINT) = 0`
	}
	return `org_id = $1`
}

func contractsWhere(orgID int64) string {
	return `WHERE ` + orgWhere(orgID) + ` AND (CAST($2 AS TEXT) = '' OR status = $2)`
}

// contractsPageQuery selects a page of contracts ($3 rows from $4) and the number
// that match in all, newest first.
func contractsPageQuery(orgID int64) string {
	return `SELECT ` + contractColsC + `, p.total, ` + subColsS + `
		FROM (SELECT id, COUNT(*) OVER () AS total FROM contracts ` + contractsWhere(orgID) + `
			ORDER BY id DESC LIMIT $3 OFFSET $4) p
		JOIN contracts c ON c.id = p.id
		JOIN subscriptions s ON s.contract_id = c.id
		ORDER BY c.id DESC, s.position`
}

func quotesWhere(orgID int64) string {
	return `WHERE ` + orgWhere(orgID) + ` AND (CAST($2 AS TEXT) = '' OR status = $2) AND (status <> 'draft' OR $3)`
}

// quotesPageQuery selects a page of quotes ($4 rows from $5) and the number that
// match in all, newest first.
func quotesPageQuery(orgID int64) string {
	return `SELECT ` + quoteColsQ + `, p.total, ` + lineColsL + `
		FROM (SELECT id, COUNT(*) OVER () AS total FROM quotes ` + quotesWhere(orgID) + ` ORDER BY id DESC LIMIT $4 OFFSET $5) p
		JOIN quotes q ON q.id = p.id
		JOIN quote_lines l ON l.quote_id = q.id
		ORDER BY q.id DESC, l.position`
}

// ListQuotes returns quotes with their lines, newest first, and how many match the
// filter in all. Staff see every organisation's, drafts included; a customer the
// quotes sent to its own organisation.
func (s *Service) ListQuotes(ctx context.Context, by accounts.Principal, f QuoteFilter, p Page) ([]Quote, int, error) {
	orgID, err := listOrg(by, f.OrgID)
	if err != nil {
		return nil, 0, err
	}
	if err := checkStatus(f.Status, QuoteDraft, QuoteSent, QuoteAccepted, QuoteDeclined); err != nil {
		return nil, 0, err
	}
	p = p.norm()
	// Every quote has at least one line, saved in the same transaction.
	rows, err := s.db.QueryContext(ctx, quotesPageQuery(orgID), orgID, f.Status, by.IsStaff(), p.Limit, p.Offset)
	if err != nil {
		return nil, 0, err
	}
	out, total, err := scanQuoteRows(rows)
	if err != nil {
		return nil, 0, err
	}
	if len(out) == 0 && p.Offset > 0 {
		err = s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM quotes `+quotesWhere(orgID), orgID, f.Status, by.IsStaff()).Scan(&total)
	}
	return out, total, err
}

// scanQuoteRows reads the rows of a quotes page query: a quote's columns, the total
// and a line's columns, a quote's lines in a row.
func scanQuoteRows(rows *sql.Rows) ([]Quote, int, error) {
	defer rows.Close()
	var out []Quote
	total := 0
	for rows.Next() {
		var qr quoteRow
		var lr lineRow
		if err := rows.Scan(slices.Concat(qr.dests(), []any{&total}, lr.dests())...); err != nil {
			return nil, 0, err
		}
		l, err := lr.line()
		if err != nil {
			return nil, 0, err
		}
		if n := len(out); n == 0 || out[n-1].ID != qr.q.ID {
			qt, err := qr.quote()
			if err != nil {
				return nil, 0, err
			}
			out = append(out, qt)
		}
		out[len(out)-1].Lines = append(out[len(out)-1].Lines, l)
	}
	return out, total, rows.Err()
}

// ListTermsVersions returns the versions of the terms published under this pack,
// newest first. They are public: every customer was told of them, so any signed-in
// user may list them.
func (s *Service) ListTermsVersions(ctx context.Context, by accounts.Principal) ([]TermsVersion, error) {
	if err := by.Check(accounts.ContractRead, by.Own()); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, pack, version, summary, announced_on, effective_on, objection_by, termination_as_of, explanation
		FROM terms_versions WHERE pack = $1 ORDER BY id DESC`, s.pack.Name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TermsVersion
	for rows.Next() {
		var tv TermsVersion
		var ex string
		if err := rows.Scan(&tv.ID, &tv.Pack, &tv.Version, &tv.Summary, &tv.AnnouncedOn, &tv.EffectiveOn, &tv.ObjectionBy,
			&tv.TerminationAsOf, &ex); err != nil {
			return nil, err
		}
		var err error
		if tv.Explanation, err = parseEx(fmt.Sprintf("terms version %d", tv.ID), ex); err != nil {
			return nil, err
		}
		out = append(out, tv)
	}
	return out, rows.Err()
}

// PriceIncreaseFilter selects price increases.
type PriceIncreaseFilter struct {
	PlanID   int64 // only this plan's
	Upcoming bool  // only those that apply today or later
}

// ListPriceIncreases returns the price increases scheduled under this pack, newest
// first, without their items (Subscriptions and Allowed count them), and how many
// match in all. Staff only: an increase spans customers.
func (s *Service) ListPriceIncreases(ctx context.Context, by accounts.Principal, f PriceIncreaseFilter, p Page) ([]PriceIncrease, int, error) {
	if err := by.Check(accounts.ContractRead, accounts.Provider); err != nil {
		return nil, 0, err
	}
	p = p.norm()
	from := ""
	if f.Upcoming {
		from = s.today().String()
	}
	const where = `WHERE pack = $1 AND (CAST($2 AS BIGINT) = 0 OR plan_id = $2) AND (CAST($3 AS TEXT) = '' OR effective_on >= $3)`
	rows, err := s.db.QueryContext(ctx, `SELECT id, plan_id, old_price, new_price, increase_bp, announced_on, effective_on, note, explanation,
		(SELECT COUNT(*) FROM price_increase_items i WHERE i.price_increase_id = pr.id),
		(SELECT COUNT(*) FROM price_increase_items i WHERE i.price_increase_id = pr.id AND i.allowed),
		COUNT(*) OVER ()
		FROM price_increases pr `+where+` ORDER BY id DESC LIMIT $4 OFFSET $5`, s.pack.Name, f.PlanID, from, p.Limit, p.Offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []PriceIncrease
	total := 0
	for rows.Next() {
		var pi PriceIncrease
		var bp int64
		var ex string
		if err := rows.Scan(&pi.ID, &pi.PlanID, &pi.OldPrice, &pi.NewPrice, &bp, &pi.AnnouncedOn, &pi.EffectiveOn, &pi.Note, &ex,
			&pi.Subscriptions, &pi.Allowed, &total); err != nil {
			return nil, 0, err
		}
		var err error
		pi.Increase = terms.Rate(bp)
		if pi.Explanation, err = parseEx(fmt.Sprintf("price increase %d", pi.ID), ex); err != nil {
			return nil, 0, err
		}
		out = append(out, pi)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if len(out) == 0 && p.Offset > 0 {
		err = s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM price_increases `+where, s.pack.Name, f.PlanID, from).Scan(&total)
	}
	return out, total, err
}

// ListForceMajeure returns the periods of force majeure recorded under this pack,
// newest first; one still open has no EndedOn. Staff only.
func (s *Service) ListForceMajeure(ctx context.Context, by accounts.Principal) ([]ForceMajeure, error) {
	if err := by.Check(accounts.ContractRead, accounts.Provider); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, description, started_on, ended_on, rights_from, explanation
		FROM force_majeure WHERE pack = $1 ORDER BY id DESC`, s.pack.Name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ForceMajeure
	for rows.Next() {
		var fm ForceMajeure
		var ex string
		if err := rows.Scan(&fm.ID, &fm.Description, &fm.StartedOn, &fm.EndedOn, &fm.RightsFrom, &ex); err != nil {
			return nil, err
		}
		var err error
		if fm.Explanation, err = parseEx(fmt.Sprintf("force majeure %d", fm.ID), ex); err != nil {
			return nil, err
		}
		out = append(out, fm)
	}
	return out, rows.Err()
}

// IsRefused reports whether the provider refuses the organisation as a customer
// (cp.av.2.6). Staff may ask about any organisation, a customer about its own;
// another organisation's id is not found.
func (s *Service) IsRefused(ctx context.Context, by accounts.Principal, orgID int64) (bool, error) {
	if err := by.Check(accounts.ContractRead, accounts.OrgID(orgID)); err != nil {
		return false, err
	}
	return s.refused(ctx, s.db, orgID)
}

// ListCurrentSubscriptions returns up to limit (at most MaxLimit) of the organisation's
// subscriptions that have not ended: newest contract first, each contract's lines in
// their order. It reads the organisation's subscriptions along subscriptions_org and
// no contract, for a page that shows the services and not the contracts (issue 16).
func (s *Service) ListCurrentSubscriptions(ctx context.Context, by accounts.Principal, orgID int64, limit int) ([]Subscription, error) {
	orgID, err := listOrg(by, orgID)
	if err != nil {
		return nil, err
	}
	return listSubs(ctx, s.db, currentSubsWhere, orgID, SubEnded, Page{Limit: limit}.norm().Limit)
}

const currentSubsWhere = `WHERE org_id = $1 AND status <> $2 ORDER BY contract_id DESC, position LIMIT $3`
