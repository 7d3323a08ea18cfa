-- One row per named periodic job. The row is the job's lease: an instance runs a job
-- only after one UPDATE has moved locked_until into the future for it, so across any
-- number of instances sharing the database a job runs at most once at a time. An instance
-- that dies leaves a lease that simply expires; another one then takes the job over.
CREATE TABLE job_leases (
	name TEXT PRIMARY KEY,
	locked_by TEXT,
	locked_until {{ts}},
	last_started_at {{ts}},
	last_finished_at {{ts}},
	last_error TEXT NOT NULL DEFAULT '',
	next_run_at {{ts}} NOT NULL
);
