-- Staff notes on a customer: dated remarks by staff ("called about the invoice,
-- promised to pay Friday"). Staff-only: no customer-facing page or API reads this table,
-- and the audit entry of a note does not name the organisation as its owner, so it does
-- not appear in the customer's own activity feed either.
CREATE TABLE staff_notes (
	id {{pk}},
	org_id BIGINT NOT NULL REFERENCES organisations (id),
	author_id BIGINT NOT NULL REFERENCES users (id),
	body TEXT NOT NULL,
	created_at {{ts}} NOT NULL
);
CREATE INDEX staff_notes_org ON staff_notes (org_id, id);
