-- The monthly aggregates are folded from the samples by a job (issue 15): deliveries
-- only insert samples, and usage.fold adds every sample above the watermark (the
-- samples' id) to usage_months in large chunks, so a series' baseline is read and its
-- month row written once per chunk instead of once per delivery. The watermark moves
-- in the transaction that writes the months it covers. The samples stored before this
-- migration are already in usage_months.
CREATE TABLE usage_fold (
	name TEXT PRIMARY KEY,
	last_id BIGINT NOT NULL
);
INSERT INTO usage_fold (name, last_id) SELECT 'months', COALESCE(MAX(id), 0) FROM usage_samples;
