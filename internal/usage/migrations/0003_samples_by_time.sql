-- Samples are indexed by the time they were measured instead of by series (issue 15).
-- A delivery is one moment of every service: a per-series index made each batch touch
-- one index page per series (thousands, rewritten to the log at every commit), while a
-- time index grows at its end. The per-series reads left are the rare recount after a
-- late sample, which walks the time index from the month it falls in.
DROP INDEX usage_samples_series;
CREATE INDEX usage_samples_time ON usage_samples (measured_at);
