// Package jobs runs hostpact's periodic jobs — the billing run, the mail sender,
// renewals, dunning — on one instance or on several sharing a PostgreSQL database.
//
// # Why a lease table and not River
//
// The foundation considered River (riversqlite, riverpgxv5) and chose a small lease
// table instead:
//
//   - The same SQL runs on both engines. A job is claimed by one UPDATE … RETURNING on
//     job_leases, which SQLite and PostgreSQL execute alike, so the scheduler is tested
//     on both by the same store test suite (DESIGN.md, principle 6), without a second
//     driver, its own migrations and its own notion of time.
//   - The domain jobs are idempotent by their own keys (an invoice per contract and
//     period, a reminder per invoice and stage, a mail per dedupe key), so the
//     scheduler need not be a durable queue with per-item retries: it only has to start
//     each job periodically and never twice at the same moment. If a job crashes half
//     way, the next run finishes the work and repeats none of it (principle 5).
//   - Time is the injected Clock (principle 4). Due dates, leases and the now a job
//     receives all come from it, so RunDue with a clock.Fake drives a provider's year in
//     seconds, with no second notion of time inside a queue library to keep in step.
//
// # Several instances
//
// A job runs only on the instance whose UPDATE moved the job's locked_until into the
// future; that statement checks that no lease is held and that next_run_at has come, so
// exactly one of any number of instances wins (PostgreSQL serialises the competing
// UPDATEs on the row lock and re-checks the condition for the loser; SQLite has one
// writer). While the job runs, a heartbeat extends the lease. An instance that dies
// stops renewing, its lease expires, and another instance takes the job over.
// An instance that was merely paused past its lease notices on its next heartbeat and
// cancels its job's context; its late bookkeeping is fenced off by locked_by and
// last_started_at, so it cannot overwrite the new holder's state.
package jobs
