-- The customer a reseller's admin user acts for in a portal session (acting.go); 0 when
-- it acts for its own organisation. A number, not a reference: the relation is checked
-- again on every request, and a session outliving its customer simply stops acting.
ALTER TABLE sessions ADD COLUMN acting_org_id BIGINT NOT NULL DEFAULT 0;
