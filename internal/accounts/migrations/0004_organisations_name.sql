-- The customer list's order (LOWER(legal_name), id), walked by keyset
-- (ListOrganisationsAfter): no sort of every customer for one page (issue 16).
CREATE INDEX organisations_name ON organisations (LOWER(legal_name), id);
