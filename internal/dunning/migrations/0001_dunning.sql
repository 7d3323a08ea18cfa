-- Dunning: one row per step an unpaid invoice goes through. UNIQUE (invoice_id, step)
-- makes each step happen once, however often and on however many instances the job
-- runs. No foreign keys to billing's or contracts' tables: the invoice is known by id.
CREATE TABLE dunning_steps (
	id {{pk}},
	invoice_id BIGINT NOT NULL,
	org_id BIGINT NOT NULL,
	pack TEXT NOT NULL,
	step TEXT NOT NULL,
	-- the day the terms (or the provider's dunning policy) make the step due, and the
	-- day it was taken
	due_on TEXT NOT NULL,
	performed_on TEXT NOT NULL,
	-- the invoice's open amount when the step was taken
	open_amount BIGINT NOT NULL,
	-- the amount the step states or charges: collection costs (reminder, default),
	-- interest plus costs (claim, charge)
	amount BIGINT NOT NULL DEFAULT 0,
	-- the next date the step announces: pay-by (reminder), suspension (default),
	-- termination (suspend), interest claimed up to (claim)
	next_on TEXT,
	charge_invoice_id BIGINT,
	explanation TEXT NOT NULL,
	created_at {{ts}} NOT NULL,
	UNIQUE (invoice_id, step)
);
CREATE INDEX dunning_steps_org ON dunning_steps (org_id, invoice_id);
CREATE INDEX dunning_steps_step ON dunning_steps (step, invoice_id);
CREATE INDEX dunning_steps_charge ON dunning_steps (charge_invoice_id);
