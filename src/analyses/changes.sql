-- What changed: the `changes` view (docs/sql.md) and the building blocks `ptolemy-audit diff` uses.
--
-- A change is found by pairing an entity's state in two runs that both read its collection completely: its state
-- before (o_*) and after (n_*). For consecutive runs the pairs come straight from the versions (a version ending at
-- run R meets the version of the same entity starting at R); for any window, `diff` pairs the states at its two
-- ends. Either way, the same macros below decide which typed changes a pair makes, so the two always agree.
-- Fields that move on every run (last_used_at, usage.used, last login) are not versioned, so they never make a change.

-- Runs that read a collection completely, each with the previous such run of the same workspace.
CREATE OR REPLACE VIEW covered_run_pairs AS
SELECT c.collection, r.source, r.workspace_id, r.run_id, r.started_at,
       lag(r.run_id) OVER w AS previous_run_id,
       lag(r.started_at) OVER w AS previous_started_at
FROM run_log r
JOIN run_collections c ON c.run_id = r.run_id AND c.status = 'complete'
WHERE r.status <> 'failed'
WINDOW w AS (PARTITION BY c.collection, r.source, r.workspace_id ORDER BY r.run_id);

-- ---------------------------------------------------------------------------------------------------------------
-- The classifiers: (had it, has it, old fields, new fields) -> a list of {change_type, old_value, new_value}.

CREATE OR REPLACE MACRO member_change_list(had, has, o_role, n_role) AS
  CASE
    WHEN NOT had AND has THEN [{'change_type': 'member_added', 'old_value': NULL::VARCHAR, 'new_value': n_role}]
    WHEN had AND NOT has THEN [{'change_type': 'member_removed', 'old_value': o_role, 'new_value': NULL::VARCHAR}]
    WHEN had AND has AND o_role IS DISTINCT FROM n_role
      THEN [{'change_type': 'role_changed', 'old_value': o_role, 'new_value': n_role}]
    ELSE []
  END;

CREATE OR REPLACE MACRO robot_change_list(had, has, o_role, n_role) AS
  CASE
    WHEN NOT had AND has THEN [{'change_type': 'robot_added', 'old_value': NULL::VARCHAR, 'new_value': n_role}]
    WHEN had AND NOT has THEN [{'change_type': 'robot_removed', 'old_value': o_role, 'new_value': NULL::VARCHAR}]
    ELSE []
  END;

-- A token seen for the first time already revoked or expired was created and ended between the two runs: both.
-- A token that disappears while active (its robot was deleted) no longer grants access: revoked.
CREATE OR REPLACE MACRO token_change_list(had, has, o_status, n_status) AS
  CASE
    WHEN NOT had AND has THEN
      [{'change_type': 'token_created', 'old_value': NULL::VARCHAR, 'new_value': n_status}] ||
      CASE n_status
        WHEN 'revoked' THEN [{'change_type': 'token_revoked', 'old_value': NULL::VARCHAR, 'new_value': 'revoked'}]
        WHEN 'expired' THEN [{'change_type': 'token_expired', 'old_value': NULL::VARCHAR, 'new_value': 'expired'}]
        ELSE []
      END
    WHEN had AND NOT has AND o_status = 'active'
      THEN [{'change_type': 'token_revoked', 'old_value': o_status, 'new_value': 'removed'}]
    WHEN had AND has AND o_status IS DISTINCT FROM n_status AND n_status IN ('revoked', 'expired')
      THEN [{'change_type': 'token_' || n_status, 'old_value': o_status, 'new_value': n_status}]
    ELSE []
  END;

-- An invitation first seen already accepted, revoked or expired was sent and settled between the two runs: both.
-- A pending invitation that disappears can no longer be used: revoked.
CREATE OR REPLACE MACRO invitation_change_list(had, has, o_status, n_status) AS
  CASE
    WHEN NOT had AND has THEN
      [{'change_type': 'invitation_sent', 'old_value': NULL::VARCHAR, 'new_value': 'pending'}] ||
      CASE WHEN n_status IN ('accepted', 'revoked', 'expired')
        THEN [{'change_type': 'invitation_' || n_status, 'old_value': 'pending', 'new_value': n_status}]
        ELSE []
      END
    WHEN had AND NOT has AND o_status = 'pending'
      THEN [{'change_type': 'invitation_revoked', 'old_value': o_status, 'new_value': 'removed'}]
    WHEN had AND has AND o_status IS DISTINCT FROM n_status AND n_status IN ('accepted', 'revoked', 'expired')
      THEN [{'change_type': 'invitation_' || n_status, 'old_value': o_status, 'new_value': n_status}]
    ELSE []
  END;

CREATE OR REPLACE MACRO webhook_change_list(had, has, o_url, n_url, o_fields, n_fields) AS
  CASE
    WHEN NOT had AND has THEN [{'change_type': 'webhook_added', 'old_value': NULL::VARCHAR, 'new_value': n_url}]
    WHEN had AND NOT has THEN [{'change_type': 'webhook_removed', 'old_value': o_url, 'new_value': NULL::VARCHAR}]
    WHEN had AND has AND o_fields IS DISTINCT FROM n_fields
      THEN [{'change_type': 'webhook_changed', 'old_value': o_fields, 'new_value': n_fields}]
    ELSE []
  END;

-- One plan_usage row per dimension: the limit is the dimension's own; the plan and its overage setting are shared,
-- so plan_changed is reported once per run, on the api_calls dimension's row (see the plan_changed filter below).
CREATE OR REPLACE MACRO plan_change_list(had, has, o_plan, n_plan, o_limit, n_limit) AS
  CASE WHEN had AND has AND o_plan IS DISTINCT FROM n_plan
    THEN [{'change_type': 'plan_changed', 'old_value': o_plan, 'new_value': n_plan}] ELSE [] END ||
  CASE WHEN had AND has AND o_limit IS DISTINCT FROM n_limit
    THEN [{'change_type': 'limit_changed', 'old_value': o_limit::VARCHAR, 'new_value': n_limit::VARCHAR}] ELSE [] END;

-- A webhook's compared fields, as JSON text (old_value / new_value of webhook_changed).
CREATE OR REPLACE MACRO webhook_fields(url, label, active, event_types) AS
  to_json({'url': url, 'label': label, 'active': active, 'event_types': event_types})::VARCHAR;

-- A plan's shared settings, as text (old_value / new_value of plan_changed).
CREATE OR REPLACE MACRO plan_text(plan, overage_enabled) AS
  coalesce(plan, '?') || CASE WHEN overage_enabled THEN ' (overage on)' ELSE '' END;

-- ---------------------------------------------------------------------------------------------------------------
-- Pairs of consecutive states, straight from the versions: (run_id, entity) with o_* before and n_* after, for the
-- runs first_run..last_run. A pair of run R is a version ending at R and/or one starting at R, so reading only the
-- versions that end or start in the range finds every pair of its runs, and a run's pairs cost what that run
-- changed, not what the whole history holds.

CREATE OR REPLACE MACRO change_pairs_in(first_run, last_run) AS TABLE
WITH
members AS (
  SELECT 'member' AS entity_type, 'members' AS collection,
         coalesce(n.valid_from, o.valid_to) AS run_id, coalesce(n.source, o.source) AS source,
         coalesce(n.workspace_id, o.workspace_id) AS workspace_id, coalesce(n.id, o.id) AS entity_id,
         coalesce(n.user_id, o.user_id) AS related_id,
         coalesce(n.email, o.email, n.display_name, o.display_name) AS entity_name,
         member_change_list(o.id IS NOT NULL, n.id IS NOT NULL, o.role, n.role) AS found
  FROM (SELECT * FROM member_versions WHERE valid_to BETWEEN first_run AND last_run) o
  FULL JOIN (SELECT * FROM member_versions WHERE valid_from BETWEEN first_run AND last_run) n
    ON n.source = o.source AND n.workspace_id = o.workspace_id AND n.id = o.id AND n.valid_from = o.valid_to
),
robots AS (
  SELECT 'robot', 'robots', coalesce(n.valid_from, o.valid_to), coalesce(n.source, o.source),
         coalesce(n.workspace_id, o.workspace_id), coalesce(n.id, o.id), coalesce(n.membership_id, o.membership_id),
         coalesce(n.display_name, o.display_name),
         robot_change_list(o.id IS NOT NULL, n.id IS NOT NULL, o.role, n.role)
  FROM (SELECT * FROM robot_versions WHERE valid_to BETWEEN first_run AND last_run) o
  FULL JOIN (SELECT * FROM robot_versions WHERE valid_from BETWEEN first_run AND last_run) n
    ON n.source = o.source AND n.workspace_id = o.workspace_id AND n.id = o.id AND n.valid_from = o.valid_to
),
tokens AS (
  SELECT 'robot_token', 'robot_tokens', coalesce(n.valid_from, o.valid_to), coalesce(n.source, o.source),
         coalesce(n.workspace_id, o.workspace_id), coalesce(n.id, o.id), coalesce(n.robot_id, o.robot_id),
         '…' || coalesce(n.token_suffix, o.token_suffix, '????'),
         token_change_list(o.id IS NOT NULL, n.id IS NOT NULL, o.status, n.status)
  FROM (SELECT * FROM robot_token_versions WHERE valid_to BETWEEN first_run AND last_run) o
  FULL JOIN (SELECT * FROM robot_token_versions WHERE valid_from BETWEEN first_run AND last_run) n
    ON n.source = o.source AND n.workspace_id = o.workspace_id AND n.id = o.id AND n.valid_from = o.valid_to
),
invitations AS (
  SELECT 'invitation', 'invitations', coalesce(n.valid_from, o.valid_to), coalesce(n.source, o.source),
         coalesce(n.workspace_id, o.workspace_id), coalesce(n.id, o.id), NULL, coalesce(n.email, o.email),
         invitation_change_list(o.id IS NOT NULL, n.id IS NOT NULL, o.status, n.status)
  FROM (SELECT * FROM invitation_versions WHERE valid_to BETWEEN first_run AND last_run) o
  FULL JOIN (SELECT * FROM invitation_versions WHERE valid_from BETWEEN first_run AND last_run) n
    ON n.source = o.source AND n.workspace_id = o.workspace_id AND n.id = o.id AND n.valid_from = o.valid_to
),
webhooks AS (
  SELECT 'webhook', 'webhooks', coalesce(n.valid_from, o.valid_to), coalesce(n.source, o.source),
         coalesce(n.workspace_id, o.workspace_id), coalesce(n.id, o.id), NULL, coalesce(n.url, o.url),
         webhook_change_list(o.id IS NOT NULL, n.id IS NOT NULL, o.url, n.url,
           webhook_fields(o.url, o.label, o.active, o.event_types), webhook_fields(n.url, n.label, n.active, n.event_types))
  FROM (SELECT * FROM webhook_versions WHERE valid_to BETWEEN first_run AND last_run) o
  FULL JOIN (SELECT * FROM webhook_versions WHERE valid_from BETWEEN first_run AND last_run) n
    ON n.source = o.source AND n.workspace_id = o.workspace_id AND n.id = o.id AND n.valid_from = o.valid_to
),
plans AS (
  SELECT 'plan', 'plan_usage', coalesce(n.valid_from, o.valid_to), coalesce(n.source, o.source),
         coalesce(n.workspace_id, o.workspace_id), coalesce(n.id, o.id), NULL, coalesce(n.id, o.id),
         plan_change_list(o.id IS NOT NULL, n.id IS NOT NULL, plan_text(o.plan, o.overage_enabled),
           plan_text(n.plan, n.overage_enabled), o."limit", n."limit")
  FROM (SELECT * FROM plan_usage_versions WHERE valid_to BETWEEN first_run AND last_run) o
  FULL JOIN (SELECT * FROM plan_usage_versions WHERE valid_from BETWEEN first_run AND last_run) n
    ON n.source = o.source AND n.workspace_id = o.workspace_id AND n.id = o.id AND n.valid_from = o.valid_to
)
SELECT * FROM members UNION ALL SELECT * FROM robots UNION ALL SELECT * FROM tokens
UNION ALL SELECT * FROM invitations UNION ALL SELECT * FROM webhooks UNION ALL SELECT * FROM plans;

-- Which access events can tell who made a change.
CREATE OR REPLACE VIEW change_event_types AS
SELECT * FROM (VALUES
  ('member_added', 'membership.created'), ('member_added', 'invitation.accepted'),
  ('member_removed', 'membership.deleted'), ('role_changed', 'membership.updated'),
  ('robot_added', 'membership.created'), ('robot_added', 'robot.created'),
  ('robot_removed', 'membership.deleted'), ('robot_removed', 'robot.deleted'),
  ('token_created', 'robot_token.created'), ('token_revoked', 'robot_token.revoked'),
  ('invitation_sent', 'invitation.created'), ('invitation_accepted', 'invitation.accepted'),
  ('invitation_revoked', 'invitation.revoked'), ('invitation_expired', 'invitation.expired'),
  ('webhook_added', 'webhook.created'), ('webhook_changed', 'webhook.updated'), ('webhook_removed', 'webhook.deleted')
) AS t(change_type, event_type);

-- ---------------------------------------------------------------------------------------------------------------
-- Every typed change between consecutive runs that read the collection completely, for the runs
-- first_run..last_run (a run's changes: changes_in(R, R)). A run's first complete read of a collection is its
-- baseline and makes no changes. The view `changes` is all of them; the job and the reports ask for their runs
-- only, so that their cost stays that of the runs asked for as the history grows.

CREATE OR REPLACE MACRO changes_in(first_run, last_run) AS TABLE
WITH found AS (
  SELECT p.run_id, c.previous_run_id, p.source, p.workspace_id, c.started_at AS detected_at,
         c.previous_started_at, p.entity_type, p.entity_id, p.related_id, p.entity_name,
         f.change.change_type AS change_type, f.change.old_value AS old_value, f.change.new_value AS new_value
  FROM change_pairs_in(first_run, last_run) p
  JOIN covered_run_pairs c
    ON c.collection = p.collection AND c.source = p.source AND c.workspace_id = p.workspace_id AND c.run_id = p.run_id
  CROSS JOIN LATERAL (SELECT unnest(p.found) AS change) f
  WHERE c.previous_run_id IS NOT NULL
    AND (f.change.change_type <> 'plan_changed' OR p.entity_id = 'api_calls')
),
actors AS (
  SELECT f.run_id, f.change_type, f.entity_id,
         arg_max(e.id, e.created_at) AS event_id,
         arg_max(e.actor_id, e.created_at) AS actor_id,
         arg_max(e.actor_type, e.created_at) AS actor_type,
         arg_max(e.actor_display_name, e.created_at) AS actor_display_name,
         max(e.created_at) AS changed_at
  FROM found f
  JOIN change_event_types t ON t.change_type = f.change_type
  JOIN event_log e
    ON e.source = f.source AND e.workspace_id = f.workspace_id AND e.event_type = t.event_type
   AND e.resource_id IN (f.entity_id, f.related_id)
   AND e.created_at > f.previous_started_at AND e.created_at <= f.detected_at
  GROUP BY ALL
)
SELECT f.run_id, f.previous_run_id, f.source, f.workspace_id, f.detected_at, f.change_type, f.entity_type,
       f.entity_id, f.entity_name, f.old_value, f.new_value,
       a.actor_id, a.actor_type, a.actor_display_name, a.changed_at, a.event_id
FROM found f
LEFT JOIN actors a USING (run_id, change_type, entity_id);

CREATE OR REPLACE VIEW changes AS SELECT * FROM changes_in(0, 2147483647);

-- ---------------------------------------------------------------------------------------------------------------
-- The net effect between two runs of a workspace (`ptolemy-audit diff`): each entity's state as of run_a against
-- its state as of run_b, through the same classifiers. An entity added and removed inside the window nets out.
-- Each collection is compared as of the last run up to run_a (run_b) that read it completely. An entity whose
-- version is the same at both ends (same valid_from) did not change and is skipped.

CREATE OR REPLACE MACRO state_run(coll, src, ws, at_run) AS (
  SELECT max(run_id) FROM covered_run_pairs
  WHERE collection = coll AND source = src AND workspace_id = ws AND run_id <= at_run
);

CREATE OR REPLACE MACRO window_changes(src, ws, run_a, run_b) AS TABLE
WITH
ma AS (SELECT * FROM member_versions WHERE source = src AND workspace_id = ws
         AND valid_from <= state_run('members', src, ws, run_a) AND coalesce(valid_to, 2147483647) > state_run('members', src, ws, run_a)),
mb AS (SELECT * FROM member_versions WHERE source = src AND workspace_id = ws
         AND valid_from <= state_run('members', src, ws, run_b) AND coalesce(valid_to, 2147483647) > state_run('members', src, ws, run_b)),
ra AS (SELECT * FROM robot_versions WHERE source = src AND workspace_id = ws
         AND valid_from <= state_run('robots', src, ws, run_a) AND coalesce(valid_to, 2147483647) > state_run('robots', src, ws, run_a)),
rb AS (SELECT * FROM robot_versions WHERE source = src AND workspace_id = ws
         AND valid_from <= state_run('robots', src, ws, run_b) AND coalesce(valid_to, 2147483647) > state_run('robots', src, ws, run_b)),
ta AS (SELECT * FROM robot_token_versions WHERE source = src AND workspace_id = ws
         AND valid_from <= state_run('robot_tokens', src, ws, run_a) AND coalesce(valid_to, 2147483647) > state_run('robot_tokens', src, ws, run_a)),
tb AS (SELECT * FROM robot_token_versions WHERE source = src AND workspace_id = ws
         AND valid_from <= state_run('robot_tokens', src, ws, run_b) AND coalesce(valid_to, 2147483647) > state_run('robot_tokens', src, ws, run_b)),
ia AS (SELECT * FROM invitation_versions WHERE source = src AND workspace_id = ws
         AND valid_from <= state_run('invitations', src, ws, run_a) AND coalesce(valid_to, 2147483647) > state_run('invitations', src, ws, run_a)),
ib AS (SELECT * FROM invitation_versions WHERE source = src AND workspace_id = ws
         AND valid_from <= state_run('invitations', src, ws, run_b) AND coalesce(valid_to, 2147483647) > state_run('invitations', src, ws, run_b)),
wa AS (SELECT * FROM webhook_versions WHERE source = src AND workspace_id = ws
         AND valid_from <= state_run('webhooks', src, ws, run_a) AND coalesce(valid_to, 2147483647) > state_run('webhooks', src, ws, run_a)),
wb AS (SELECT * FROM webhook_versions WHERE source = src AND workspace_id = ws
         AND valid_from <= state_run('webhooks', src, ws, run_b) AND coalesce(valid_to, 2147483647) > state_run('webhooks', src, ws, run_b)),
pa AS (SELECT * FROM plan_usage_versions WHERE source = src AND workspace_id = ws
         AND valid_from <= state_run('plan_usage', src, ws, run_a) AND coalesce(valid_to, 2147483647) > state_run('plan_usage', src, ws, run_a)),
pb AS (SELECT * FROM plan_usage_versions WHERE source = src AND workspace_id = ws
         AND valid_from <= state_run('plan_usage', src, ws, run_b) AND coalesce(valid_to, 2147483647) > state_run('plan_usage', src, ws, run_b)),
pairs AS (
  SELECT 'member' AS entity_type, coalesce(n.id, o.id) AS entity_id,
         coalesce(n.email, o.email, n.display_name, o.display_name) AS entity_name,
         member_change_list(o.id IS NOT NULL, n.id IS NOT NULL, o.role, n.role) AS found
  FROM ma o FULL JOIN mb n ON n.id = o.id WHERE o.valid_from IS DISTINCT FROM n.valid_from
  UNION ALL
  SELECT 'robot', coalesce(n.id, o.id), coalesce(n.display_name, o.display_name),
         robot_change_list(o.id IS NOT NULL, n.id IS NOT NULL, o.role, n.role)
  FROM ra o FULL JOIN rb n ON n.id = o.id WHERE o.valid_from IS DISTINCT FROM n.valid_from
  UNION ALL
  SELECT 'robot_token', coalesce(n.id, o.id), '…' || coalesce(n.token_suffix, o.token_suffix, '????'),
         token_change_list(o.id IS NOT NULL, n.id IS NOT NULL, o.status, n.status)
  FROM ta o FULL JOIN tb n ON n.id = o.id WHERE o.valid_from IS DISTINCT FROM n.valid_from
  UNION ALL
  SELECT 'invitation', coalesce(n.id, o.id), coalesce(n.email, o.email),
         invitation_change_list(o.id IS NOT NULL, n.id IS NOT NULL, o.status, n.status)
  FROM ia o FULL JOIN ib n ON n.id = o.id WHERE o.valid_from IS DISTINCT FROM n.valid_from
  UNION ALL
  SELECT 'webhook', coalesce(n.id, o.id), coalesce(n.url, o.url),
         webhook_change_list(o.id IS NOT NULL, n.id IS NOT NULL, o.url, n.url,
           webhook_fields(o.url, o.label, o.active, o.event_types), webhook_fields(n.url, n.label, n.active, n.event_types))
  FROM wa o FULL JOIN wb n ON n.id = o.id WHERE o.valid_from IS DISTINCT FROM n.valid_from
  UNION ALL
  SELECT 'plan', coalesce(n.id, o.id), coalesce(n.id, o.id),
         list_filter(
           plan_change_list(o.id IS NOT NULL, n.id IS NOT NULL, plan_text(o.plan, o.overage_enabled),
             plan_text(n.plan, n.overage_enabled), o."limit", n."limit"),
           c -> c.change_type <> 'plan_changed' OR coalesce(n.id, o.id) = 'api_calls')
  FROM pa o FULL JOIN pb n ON n.id = o.id WHERE o.valid_from IS DISTINCT FROM n.valid_from
)
SELECT src AS source, ws AS workspace_id, run_a AS from_run_id, run_b AS to_run_id, p.entity_type, p.entity_id,
       p.entity_name, f.change.change_type AS change_type, f.change.old_value AS old_value,
       f.change.new_value AS new_value
FROM pairs p CROSS JOIN LATERAL (SELECT unnest(p.found) AS change) f;
