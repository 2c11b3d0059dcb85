-- The ledger: records that are not runs (review campaigns, decisions, sign-offs, remediation plans and the calls
-- they made) each belong to one entry, sealed into a hash chain per workspace like the runs (history/ledger.sql).
-- Each entry also names the run the history stood at when it was recorded (anchor_run_id) and that run's hash, so an
-- entry vouches for the history it saw; `ptolemy-audit verify` recomputes both chains.

CREATE TABLE ledger_log (
  entry_id      INTEGER NOT NULL,          -- increases across the database
  source        VARCHAR NOT NULL,
  workspace_id  VARCHAR NOT NULL,
  kind          VARCHAR NOT NULL,          -- e.g. review.started, review.decisions, review.closed, remediation.planned
  subject_id    VARCHAR,                   -- the campaign or plan the entry is about
  recorded_at   TIMESTAMPTZ NOT NULL,
  anchor_run_id INTEGER,                   -- the workspace's latest run when the entry was recorded
  anchor_hash   VARCHAR,                   -- that run's content hash
  content_hash  VARCHAR,
  previous_hash VARCHAR
);
