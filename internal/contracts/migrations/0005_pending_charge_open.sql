-- The billing run and a customer's pages read the open charges, by organisation
-- (issue 16: no list query scans a whole table).
CREATE INDEX pending_charge_open ON pending_charge (status, org_id, id);
