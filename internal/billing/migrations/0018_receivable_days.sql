-- What is owed, per due day, kept in the transaction that changes an invoice's open
-- amount or status (issue: insertStates, every change after it: saveState), so that
-- the dashboard and the receivables report's total row add up at most a few thousand
-- day rows instead of every open invoice (issue 16). open_amount and open_count are
-- the invoices with status 'open' and something left to pay, by due date; debtors
-- counts each customer with something open once, on the due day of their oldest open
-- invoice: the customers with something overdue on a day are the debtors of the days
-- before it. A day with nothing left is deleted. receivableTotalsExact is the check
-- (TestReceivableDaysMatchTheInvoices).
CREATE TABLE receivable_days (
	due_on TEXT NOT NULL PRIMARY KEY,
	open_amount BIGINT NOT NULL,
	open_count BIGINT NOT NULL,
	debtors BIGINT NOT NULL
);
INSERT INTO receivable_days (due_on, open_amount, open_count, debtors)
SELECT due_on, SUM(amount), SUM(n), SUM(debtors) FROM (
	SELECT i.due_date AS due_on, s.open_amount AS amount, 1 AS n, 0 AS debtors
		FROM invoice_state s JOIN invoices i ON i.id = s.invoice_id WHERE s.status = 'open' AND s.open_amount > 0
	UNION ALL
	SELECT MIN(i.due_date), 0, 0, 1
		FROM invoice_state s JOIN invoices i ON i.id = s.invoice_id WHERE s.status = 'open' AND s.open_amount > 0 GROUP BY s.org_id
) x GROUP BY due_on;
-- The revenue report's totals per day of issue and kind of document, kept in the
-- issuing transaction (addRevenueDays, beside addVATDays): a year's report reads at
-- most 366 days' two rows instead of every document of the year (issue 16). Documents
-- never change their amounts once issued.
CREATE TABLE revenue_days (
	issue_date TEXT NOT NULL,
	doc_type TEXT NOT NULL,
	documents BIGINT NOT NULL,
	total_excl BIGINT NOT NULL,
	vat BIGINT NOT NULL,
	total_incl BIGINT NOT NULL,
	PRIMARY KEY (issue_date, doc_type)
);
INSERT INTO revenue_days (issue_date, doc_type, documents, total_excl, vat, total_incl)
SELECT issue_date, doc_type, COUNT(*), SUM(total_excl), SUM(vat), SUM(total_incl) FROM invoices GROUP BY issue_date, doc_type;
