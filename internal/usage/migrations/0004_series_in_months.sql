-- usage_months rebuilt for ingest at scale (issue 15):
-- * The last sample of a series is kept on its latest month's row instead of in a
--   table of its own: the batch that adds a month's figures writes its baseline in the
--   same row, one write per series instead of two. A month's row holds the last sample
--   of that month; the series' baseline is the row of its latest month.
-- * On SQLite the table is clustered by its key (WITHOUT ROWID): every batch reads and
--   upserts thousands of rows by (service, metric, month), one b-tree instead of a key
--   index and a row table.
-- * The month index leaves the amount out: a batch changes thousands of amounts, and
--   an index holding them moved an entry for each; reads by month need the month only.
CREATE TABLE usage_months_next (
	service_id BIGINT NOT NULL,
	metric TEXT NOT NULL,
	month TEXT NOT NULL,
	amount BIGINT NOT NULL,
	samples BIGINT NOT NULL,
	resets BIGINT NOT NULL DEFAULT 0,
	last_value BIGINT,
	last_at {{ts}},
	updated_at {{ts}} NOT NULL,
	PRIMARY KEY (service_id, metric, month)
--@ sqlite
) WITHOUT ROWID;
--@ postgres
);
--@ both
INSERT INTO usage_months_next (service_id, metric, month, amount, samples, resets, updated_at)
	SELECT service_id, metric, month, amount, samples, resets, updated_at FROM usage_months;
UPDATE usage_months_next SET
	last_value = (SELECT s.last_value FROM usage_series s WHERE s.service_id = usage_months_next.service_id AND s.metric = usage_months_next.metric),
	last_at = (SELECT s.last_at FROM usage_series s WHERE s.service_id = usage_months_next.service_id AND s.metric = usage_months_next.metric)
WHERE month = (SELECT MAX(m2.month) FROM usage_months_next m2 WHERE m2.service_id = usage_months_next.service_id AND m2.metric = usage_months_next.metric);
DROP TABLE usage_months;
DROP TABLE usage_series;
ALTER TABLE usage_months_next RENAME TO usage_months;
CREATE INDEX usage_months_month ON usage_months (month);
