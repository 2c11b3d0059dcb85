-- Access review campaigns (docs/review.md). A campaign freezes the population of one complete run (members, active
-- robot tokens, pending invitations); reviewers' decisions are read back from the filled-in sheet; a sign-off closes
-- it. Every row belongs to a ledger entry (entry_id; history/ledger.sql lists these tables in ledger_canonical), so
-- `ptolemy-audit verify` notices an edited or deleted row. Users query the views of review/review.sql.

-- One row per campaign, recorded by its review.started entry.
CREATE TABLE review_campaign_log (
  entry_id        INTEGER NOT NULL,
  campaign_id     VARCHAR NOT NULL,
  source          VARCHAR NOT NULL,
  workspace_id    VARCHAR NOT NULL,
  run_id          INTEGER NOT NULL,      -- the frozen run
  period          VARCHAR,               -- the review period it was started for (2026-Q1), if any
  started_at      TIMESTAMPTZ NOT NULL,
  due_on          DATE,
  reviewers       VARCHAR[] NOT NULL,
  population_hash VARCHAR NOT NULL,      -- sha256 of every item's key and facts hash, in sheet order
  items           INTEGER NOT NULL
);

-- The frozen population: one row per item, as the sheet shows it (recorded by the campaign's review.started entry).
CREATE TABLE review_item_log (
  entry_id           INTEGER NOT NULL,
  campaign_id        VARCHAR NOT NULL,
  item_key           VARCHAR NOT NULL,   -- member:<membership id>, robot:<membership id>, token:<id>, invitation:<id>
  position           INTEGER NOT NULL,   -- the sheet's order
  item_type          VARCHAR NOT NULL,   -- member | robot | token | invitation
  privileged         BOOLEAN NOT NULL,
  membership_id      VARCHAR,
  user_id            VARCHAR,
  robot_id           VARCHAR,
  token_id           VARCHAR,
  invitation_id      VARCHAR,
  name               VARCHAR,
  email              VARCHAR,
  role               VARCHAR,
  joined_at          TIMESTAMPTZ,
  last_activity_at   TIMESTAMPTZ,
  last_activity_note VARCHAR,            -- 'never used' or 'not reported' where there is no date
  findings           VARCHAR,            -- rule ids, comma-separated, as of the frozen run
  invited_by         VARCHAR,            -- a name
  facts_hash         VARCHAR NOT NULL    -- the short hash of the facts the sheet shows (review/Facts.ts)
);

-- One row per imported file that recorded decisions (its review.decisions entry).
CREATE TABLE review_import_log (
  entry_id    INTEGER NOT NULL,
  campaign_id VARCHAR NOT NULL,
  file_name   VARCHAR NOT NULL,
  file_sha256 VARCHAR NOT NULL,
  file_format VARCHAR NOT NULL,          -- xlsx | csv
  rows_read   INTEGER NOT NULL,          -- rows with an item key
  decisions   INTEGER NOT NULL,          -- decisions recorded (new or revised)
  unchanged   INTEGER NOT NULL,          -- decisions the campaign already held as they are
  rejected    INTEGER NOT NULL           -- rows refused, each named on import
);

-- Every decision ever recorded; a later one for the same item revises it (review_outcomes has the current one).
CREATE TABLE review_decision_log (
  entry_id    INTEGER NOT NULL,
  campaign_id VARCHAR NOT NULL,
  item_key    VARCHAR NOT NULL,
  decision    VARCHAR NOT NULL,          -- keep | remove | change_role
  new_role    VARCHAR,
  reviewer    VARCHAR NOT NULL,
  reviewed_on DATE NOT NULL,
  comment     VARCHAR,
  self_review BOOLEAN NOT NULL,
  file_row    INTEGER                    -- the row of the file it was read from
);

-- The sign-off (its review.closed entry).
CREATE TABLE review_signoff_log (
  entry_id             INTEGER NOT NULL,
  campaign_id          VARCHAR NOT NULL,
  signed_by            VARCHAR NOT NULL,
  signed_at            TIMESTAMPTZ NOT NULL,
  accepted_undecided   VARCHAR,          -- the reason given with --accept-undecided
  items                INTEGER NOT NULL,
  decided              INTEGER NOT NULL,
  undecided_privileged INTEGER NOT NULL,
  outcomes_hash        VARCHAR NOT NULL  -- sha256 of the outcomes signed off (review_outcomes_hash)
);
