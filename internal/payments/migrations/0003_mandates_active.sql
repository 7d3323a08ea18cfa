-- The direct-debit page walks the customers with an active mandate, by customer (each
-- one's newest mandate first), and reads their open invoices (billing's
-- invoice_state_open_org), instead of the newest thousand open invoices and a mandate
-- query for each of their customers (issue 16).
CREATE INDEX mandates_active ON mandates (status, org_id, id DESC);
