-- The staff's invoice search by number or reference prefix is a range of an index
-- (invoiceSearchQuery, issue 16). SQLite: the UNIQUE indexes of number and reference
-- already order by bytes (BINARY), which is what a prefix range needs. PostgreSQL: the
-- UNIQUE indexes are in the database's collation, where a linguistic one (en_US)
-- does not keep a prefix's strings together, so the two columns get an index in the
-- "C" collation (byte order) as well.
--@ postgres
CREATE INDEX invoices_number_c ON invoices ((number COLLATE "C"));
CREATE INDEX invoices_reference_c ON invoices ((reference COLLATE "C"));
