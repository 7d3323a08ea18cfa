-- The staff's invoice list filtered by document type (credit notes) or by series,
-- newest first by keyset: each filter is a range of its index in the list's order
-- (issue 16).
CREATE INDEX invoices_doc_type ON invoices (doc_type, id);
CREATE INDEX invoices_series ON invoices (series, id);
