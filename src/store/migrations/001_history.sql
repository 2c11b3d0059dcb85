-- The stored history. Users query the views (views.sql); these tables are how the history is kept.
--
-- Storage grows with change, not with runs: an entity is stored once per distinct state, as a version valid from
-- the run that first saw it (valid_from) until the run that first saw it changed or gone (valid_to, exclusive;
-- NULL while current). Fields that change on every run (a token's last_used_at, a user's last login) live in a
-- narrow *_observations table of their own, versioned the same way, so that they do not copy the whole entity.
-- run ids increase across the whole database, so "run X" and "valid_from <= X < valid_to" is all a view needs.
-- Two states are the same when every column is (raw JSON included): no hash is stored, and comparing only happens
-- between rows of the same entity.

CREATE TABLE run_log (
  run_id               INTEGER NOT NULL,
  source               VARCHAR NOT NULL,
  workspace_id         VARCHAR,           -- NULL when the run failed before the workspace was known
  workspace_slug       VARCHAR,
  workspace_name       VARCHAR,
  workspace_selector   VARCHAR,           -- what the run was asked to audit (a UUID, a slug, or "*")
  started_at           TIMESTAMPTZ NOT NULL,
  finished_at          TIMESTAMPTZ NOT NULL,
  status               VARCHAR NOT NULL,  -- complete | incomplete | failed
  error                VARCHAR,           -- why a run failed
  api_calls            INTEGER,
  rate_limit_remaining BIGINT,
  tool_version         VARCHAR,
  content_hash         VARCHAR,
  previous_hash        VARCHAR
);

CREATE TABLE run_collections (
  run_id     INTEGER NOT NULL,
  collection VARCHAR NOT NULL,
  status     VARCHAR NOT NULL,              -- complete | forbidden | failed | not_applicable
  rows       INTEGER,                       -- rows read (complete collections only)
  detail     VARCHAR                        -- why a collection is a gap
);

CREATE TABLE workspace_versions (
  source VARCHAR NOT NULL, workspace_id VARCHAR NOT NULL, id VARCHAR NOT NULL,
  valid_from INTEGER NOT NULL, valid_to INTEGER,
  name VARCHAR, slug VARCHAR, created_at TIMESTAMPTZ,
  raw VARCHAR                               -- the entity's JSON (the views expose it as JSON)
);
CREATE TABLE workspace_observations (
  source VARCHAR NOT NULL, workspace_id VARCHAR NOT NULL, id VARCHAR NOT NULL,
  valid_from INTEGER NOT NULL, valid_to INTEGER,
  updated_at TIMESTAMPTZ,
  raw_fragment VARCHAR                      -- the volatile keys of the raw JSON, without braces
);

CREATE TABLE member_versions (
  source VARCHAR NOT NULL, workspace_id VARCHAR NOT NULL, id VARCHAR NOT NULL,
  valid_from INTEGER NOT NULL, valid_to INTEGER,
  user_id VARCHAR, user_type VARCHAR, role VARCHAR, display_name VARCHAR, email VARCHAR,
  created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ, access VARCHAR, org_role VARCHAR, user_status VARCHAR,
  raw VARCHAR                               -- the entity's JSON (the views expose it as JSON)
);
CREATE TABLE member_observations (
  source VARCHAR NOT NULL, workspace_id VARCHAR NOT NULL, id VARCHAR NOT NULL,
  valid_from INTEGER NOT NULL, valid_to INTEGER,
  last_login_at TIMESTAMPTZ,
  raw_fragment VARCHAR
);

CREATE TABLE robot_versions (
  source VARCHAR NOT NULL, workspace_id VARCHAR NOT NULL, id VARCHAR NOT NULL,
  valid_from INTEGER NOT NULL, valid_to INTEGER,
  membership_id VARCHAR, display_name VARCHAR, description VARCHAR, role VARCHAR, created_at TIMESTAMPTZ,
  raw VARCHAR                               -- the entity's JSON (the views expose it as JSON)
);

CREATE TABLE robot_token_versions (
  source VARCHAR NOT NULL, workspace_id VARCHAR NOT NULL, id VARCHAR NOT NULL,
  valid_from INTEGER NOT NULL, valid_to INTEGER,
  robot_id VARCHAR, name VARCHAR, token_suffix VARCHAR, status VARCHAR,
  created_at TIMESTAMPTZ, expires_at TIMESTAMPTZ, revoked_at TIMESTAMPTZ, last_used_reported BOOLEAN,
  raw VARCHAR                               -- the entity's JSON (the views expose it as JSON)
);
CREATE TABLE robot_token_observations (
  source VARCHAR NOT NULL, workspace_id VARCHAR NOT NULL, id VARCHAR NOT NULL,
  valid_from INTEGER NOT NULL, valid_to INTEGER,
  last_used_at TIMESTAMPTZ,
  raw_fragment VARCHAR
);

CREATE TABLE invitation_versions (
  source VARCHAR NOT NULL, workspace_id VARCHAR NOT NULL, id VARCHAR NOT NULL,
  valid_from INTEGER NOT NULL, valid_to INTEGER,
  email VARCHAR, role VARCHAR, status VARCHAR, invited_by VARCHAR,
  created_at TIMESTAMPTZ, expires_at TIMESTAMPTZ, accepted_at TIMESTAMPTZ, revoked_at TIMESTAMPTZ,
  raw VARCHAR                               -- the entity's JSON (the views expose it as JSON)
);

CREATE TABLE webhook_versions (
  source VARCHAR NOT NULL, workspace_id VARCHAR NOT NULL, id VARCHAR NOT NULL,
  valid_from INTEGER NOT NULL, valid_to INTEGER,
  url VARCHAR, label VARCHAR, active BOOLEAN, created_at TIMESTAMPTZ, event_types VARCHAR[],
  raw VARCHAR                               -- the entity's JSON (the views expose it as JSON)
);

-- One row per plan dimension; `used` moves every day, but there are only four dimensions.
CREATE TABLE plan_usage_versions (
  source VARCHAR NOT NULL, workspace_id VARCHAR NOT NULL, id VARCHAR NOT NULL,
  valid_from INTEGER NOT NULL, valid_to INTEGER,
  plan VARCHAR, overage_enabled BOOLEAN, billing_period_start TIMESTAMPTZ, billing_period_end TIMESTAMPTZ,
  used BIGINT, "limit" BIGINT,
  raw VARCHAR                               -- the entity's JSON (the views expose it as JSON)
);

-- Access events, kept for good (upstream retention drops them after 90 or 365 days), each stored once.
CREATE TABLE event_log (
  source VARCHAR NOT NULL, workspace_id VARCHAR NOT NULL, id VARCHAR NOT NULL,
  first_run_id INTEGER NOT NULL,
  event_type VARCHAR, resource_type VARCHAR, resource_id VARCHAR,
  actor_id VARCHAR, actor_type VARCHAR, actor_display_name VARCHAR, created_at TIMESTAMPTZ,
  raw JSON
);

-- Findings, versioned like entities: a finding (a rule hitting an entity) is one row while it keeps firing with the
-- same severity and detail; first_seen_* carries the run that first saw it across its versions.
CREATE TABLE finding_versions (
  source VARCHAR NOT NULL, workspace_id VARCHAR NOT NULL, id VARCHAR NOT NULL,
  valid_from INTEGER NOT NULL, valid_to INTEGER, row_hash VARCHAR NOT NULL,
  rule_id VARCHAR NOT NULL, severity VARCHAR NOT NULL,
  collection VARCHAR NOT NULL,                -- the collection the entity comes from (gaps carry its findings)
  entity_type VARCHAR, entity_id VARCHAR, entity_name VARCHAR, detail VARCHAR,
  suppressed BOOLEAN NOT NULL, suppression_reason VARCHAR, suppression_expires_at TIMESTAMPTZ,
  first_seen_run_id INTEGER NOT NULL, first_seen_at TIMESTAMPTZ NOT NULL
);
