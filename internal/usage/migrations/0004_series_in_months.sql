-- The last sample of a series is kept on its latest month's row instead of in a table
-- of its own (issue 15): the batch that adds a month's figures writes its baseline in
-- the same row, one write per series instead of two. A month's row holds the last
-- sample of that month; the series' baseline is the row of its latest month.
ALTER TABLE usage_months ADD COLUMN last_value BIGINT;
ALTER TABLE usage_months ADD COLUMN last_at {{ts}};
UPDATE usage_months SET
	last_value = (SELECT s.last_value FROM usage_series s WHERE s.service_id = usage_months.service_id AND s.metric = usage_months.metric),
	last_at = (SELECT s.last_at FROM usage_series s WHERE s.service_id = usage_months.service_id AND s.metric = usage_months.metric)
WHERE month = (SELECT MAX(m2.month) FROM usage_months m2 WHERE m2.service_id = usage_months.service_id AND m2.metric = usage_months.metric);
DROP TABLE usage_series;
