-- Remediation (docs/remediation.md): plans made from review outcomes and policy rules, the actions they hold, the
-- actions left out and why, and every call `remediate apply` made, each recorded (and committed) as it happens.
-- Every row belongs to a ledger entry (entry_id; history/ledger.sql lists these tables in ledger_canonical), so
-- `ptolemy-audit verify` notices an edited or deleted row. Users query the views of remediation/remediation.sql.

-- One row per plan, recorded by its remediation.planned entry.
CREATE TABLE remediation_plan_log (
  entry_id       INTEGER NOT NULL,
  plan_id        VARCHAR NOT NULL,       -- the first 16 hex digits of plan_hash
  plan_hash      VARCHAR NOT NULL,       -- sha256 of the plan's canonical content (remediation/PlanFile.ts)
  format_version INTEGER NOT NULL,       -- the plan file's version (docs/remediation-plan.schema.json)
  created_at     TIMESTAMPTZ NOT NULL,
  source         VARCHAR NOT NULL,
  workspace_id   VARCHAR NOT NULL,
  run_id         INTEGER NOT NULL,       -- the run the preconditions are taken from
  campaign_id    VARCHAR,                -- the review campaign its review actions come from, if any
  policy         VARCHAR,                -- the policy rules, as JSON, if any
  actions        INTEGER NOT NULL,
  excluded       INTEGER NOT NULL,
  plan_json      VARCHAR NOT NULL        -- the whole plan file
);

-- One row per planned action.
CREATE TABLE remediation_action_log (
  entry_id      INTEGER NOT NULL,
  plan_id       VARCHAR NOT NULL,
  action_id     VARCHAR NOT NULL,        -- a1, a2, … within the plan
  position      INTEGER NOT NULL,
  kind          VARCHAR NOT NULL,        -- remove_member | change_role | revoke_token | revoke_invitation |
                                         -- remove_workspace_member | set_workspace_role | cancel_enrollment
  target_type   VARCHAR NOT NULL,        -- member | robot | robot_token | invitation
  target_id     VARCHAR NOT NULL,        -- the id its entity has in the views (membership, token, invitation id)
  target_ids    VARCHAR NOT NULL,        -- every id of the target, as JSON
  label         VARCHAR NOT NULL,        -- a human label (name, email, robot …suffix)
  email         VARCHAR,
  new_role      VARCHAR,
  reason_type   VARCHAR NOT NULL,        -- review | policy
  reason        VARCHAR NOT NULL,        -- the decision with reviewer and date, or the finding and rule
  campaign_id   VARCHAR,
  item_key      VARCHAR,
  rule_id       VARCHAR,
  method        VARCHAR NOT NULL,
  path          VARCHAR NOT NULL,        -- relative to the API's base URL
  body          VARCHAR,                 -- JSON
  precondition  VARCHAR NOT NULL         -- JSON: the target's state as of the plan's run
);

-- The actions a plan left out, and why (the last admin, a role id that cannot be resolved, already done, …).
CREATE TABLE remediation_excluded_log (
  entry_id  INTEGER NOT NULL,
  plan_id   VARCHAR NOT NULL,
  kind      VARCHAR,
  target_id VARCHAR,
  label     VARCHAR,
  reason    VARCHAR NOT NULL,            -- why it was wanted
  why       VARCHAR NOT NULL             -- why it was left out
);

-- What apply did, one row per step, each its own remediation.call entry committed at once: `sending` before a
-- write is sent (so a crash between the call and its answer still leaves its record), `outcome` after it (or
-- without a call: drifted, already_done, refused).
CREATE TABLE remediation_call_log (
  entry_id     INTEGER NOT NULL,
  plan_id      VARCHAR NOT NULL,
  action_id    VARCHAR NOT NULL,
  apply_id     VARCHAR NOT NULL,         -- one per `remediate apply` invocation
  recorded_at  TIMESTAMPTZ NOT NULL,
  phase        VARCHAR NOT NULL,         -- sending | outcome
  method       VARCHAR,
  path         VARCHAR,
  status       INTEGER,                  -- the HTTP status of the write, when one answered
  outcome      VARCHAR,                  -- done | already_done | drifted | refused | failed (outcome rows)
  detail       VARCHAR                   -- what was seen or the error
);
