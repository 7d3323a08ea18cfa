-- A reseller's customer list in its order (LOWER(legal_name), id), walked by keyset:
-- a page costs the same however many customers the reseller or the provider has
-- (issue 16). It leads with reseller_id, so it serves what organisations_reseller did.
CREATE INDEX organisations_reseller_name ON organisations (reseller_id, LOWER(legal_name), id);
DROP INDEX organisations_reseller;
