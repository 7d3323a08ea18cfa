-- The VAT report's totals per day of issue, scheme, country, code and rate, kept in
-- the transaction that issues the documents (addVATDays): the report of a year reads
-- at most 366 days' few rows instead of every document's VAT breakdown (issue 16).
-- Credit notes count negative. base and vat in cents, rate in hundredths of a percent
-- (terms.Money, terms.Rate). The documents' own breakdowns stay the record: VATReport
-- sums what they say (VAT rounded per document and rate, DESIGN.md principle 7), and
-- TestVATDaysMatchTheDocuments holds the two equal.
CREATE TABLE vat_days (
	issue_date TEXT NOT NULL,
	scheme TEXT NOT NULL,
	country TEXT NOT NULL,
	code TEXT NOT NULL,
	rate BIGINT NOT NULL,
	base BIGINT NOT NULL,
	vat BIGINT NOT NULL,
	PRIMARY KEY (issue_date, scheme, country, code, rate)
);
-- The documents issued before this migration. Money is a JSON string with two
-- decimals ("-12.34"), a rate a JSON number ("21", "10.15").
--@ sqlite
INSERT INTO vat_days (issue_date, scheme, country, code, rate, base, vat)
SELECT i.issue_date, i.vat_scheme, i.vat_country, json_extract(j.value, '$.code'),
	CAST(ROUND(json_extract(j.value, '$.rate') * 100) AS INTEGER),
	SUM(CASE WHEN i.doc_type = 'credit_note' THEN -1 ELSE 1 END * CAST(REPLACE(json_extract(j.value, '$.base'), '.', '') AS INTEGER)),
	SUM(CASE WHEN i.doc_type = 'credit_note' THEN -1 ELSE 1 END * CAST(REPLACE(json_extract(j.value, '$.vat'), '.', '') AS INTEGER))
FROM invoices i, json_each(i.vat_json) j
WHERE json_type(i.vat_json) = 'array'
GROUP BY 1, 2, 3, 4, 5;
--@ postgres
INSERT INTO vat_days (issue_date, scheme, country, code, rate, base, vat)
SELECT i.issue_date, i.vat_scheme, i.vat_country, j.value->>'code',
	ROUND((j.value->>'rate')::numeric * 100)::bigint,
	SUM(CASE WHEN i.doc_type = 'credit_note' THEN -1 ELSE 1 END * REPLACE(j.value->>'base', '.', '')::bigint),
	SUM(CASE WHEN i.doc_type = 'credit_note' THEN -1 ELSE 1 END * REPLACE(j.value->>'vat', '.', '')::bigint)
FROM invoices i, jsonb_array_elements(CASE WHEN jsonb_typeof(i.vat_json::jsonb) = 'array' THEN i.vat_json::jsonb ELSE '[]'::jsonb END) j
GROUP BY 1, 2, 3, 4, 5;
