-- The receivables report and the dashboard's receivables read the open invoices per
-- customer: a page of customers walks this index by (status, org_id) from its keyset,
-- in the order of the GROUP BY, and the totals walk the open invoices only, never the
-- paid ones; it covers what both read of invoice_state (issue 16).
CREATE INDEX invoice_state_open_org ON invoice_state (status, org_id, invoice_id, open_amount);
