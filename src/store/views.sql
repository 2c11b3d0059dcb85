-- The stable views users and scripts query (documented in docs/sql.md). Each entity view has one row per entity
-- per run that read its collection completely, so "as of run X" is `WHERE run_id = X`. Recreated whenever the tool
-- opens the database for writing; they hold no data of their own.

-- Runs that read `coll` completely: the only runs in which an entity view has rows for that collection.
CREATE OR REPLACE MACRO covered_runs(coll) AS TABLE
  SELECT r.run_id, r.source, r.workspace_id, r.started_at
  FROM run_log r
  JOIN run_collections c ON c.run_id = r.run_id AND c.collection = coll AND c.status = 'complete'
  WHERE r.status <> 'failed';

-- The raw JSON of an entity as the API sent it: the stable part of a version plus the volatile keys of the
-- observation valid at the same run (a `"key":value` fragment), spliced back in.
CREATE OR REPLACE MACRO raw_with(raw, fragment) AS
  CASE
    WHEN fragment IS NULL OR fragment = '' THEN raw::JSON
    WHEN raw = '{}' THEN ('{' || fragment || '}')::JSON
    ELSE (substr(raw, 1, length(raw) - 1) || ',' || fragment || '}')::JSON
  END;

-- Who counts as an admin of a workspace: the admin role, or access inherited from an organisation owner or admin
-- role (TransactionLink). Every report, finding and query that counts admins uses this one definition.
CREATE OR REPLACE MACRO is_admin(role, access, org_role) AS
  coalesce(role = 'admin', false) OR coalesce(access = 'inherited' AND org_role IN ('owner', 'admin'), false);

CREATE OR REPLACE VIEW runs AS
SELECT
  r.run_id, r.source, r.workspace_id, r.workspace_slug, r.workspace_name, r.started_at, r.finished_at, r.status,
  (SELECT map_from_entries(list({'k': c.collection, 'v': c.status} ORDER BY c.collection))
     FROM run_collections c WHERE c.run_id = r.run_id) AS coverage,
  r.api_calls, r.rate_limit_remaining, r.tool_version, r.content_hash, r.previous_hash, r.error
FROM run_log r;

CREATE OR REPLACE VIEW coverage AS
SELECT c.run_id, r.source, r.workspace_id, c.collection, c.status, c.rows, c.detail
FROM run_collections c JOIN run_log r USING (run_id);

CREATE OR REPLACE VIEW workspaces AS
SELECT r.run_id, r.source, r.workspace_id, v.id, v.name, v.slug, v.created_at, o.updated_at,
       raw_with(v.raw, o.raw_fragment) AS raw
FROM covered_runs('workspace') r
JOIN workspace_versions v
  ON v.source = r.source AND v.workspace_id = r.workspace_id
 AND r.run_id >= v.valid_from AND r.run_id < coalesce(v.valid_to, 2147483647)
LEFT JOIN workspace_observations o
  ON o.source = v.source AND o.workspace_id = v.workspace_id AND o.id = v.id
 AND r.run_id >= o.valid_from AND r.run_id < coalesce(o.valid_to, 2147483647);

CREATE OR REPLACE VIEW members AS
SELECT r.run_id, r.source, r.workspace_id, v.id, v.user_id, v.user_type, v.role, v.display_name, v.email,
       v.created_at, v.updated_at, v.access, v.org_role, v.user_status, o.last_login_at,
       raw_with(v.raw, o.raw_fragment) AS raw
FROM covered_runs('members') r
JOIN member_versions v
  ON v.source = r.source AND v.workspace_id = r.workspace_id
 AND r.run_id >= v.valid_from AND r.run_id < coalesce(v.valid_to, 2147483647)
LEFT JOIN member_observations o
  ON o.source = v.source AND o.workspace_id = v.workspace_id AND o.id = v.id
 AND r.run_id >= o.valid_from AND r.run_id < coalesce(o.valid_to, 2147483647);

CREATE OR REPLACE VIEW robots AS
SELECT r.run_id, r.source, r.workspace_id, v.id, v.membership_id, v.display_name, v.description, v.role,
       v.created_at, v.raw::JSON AS raw
FROM covered_runs('robots') r
JOIN robot_versions v
  ON v.source = r.source AND v.workspace_id = r.workspace_id
 AND r.run_id >= v.valid_from AND r.run_id < coalesce(v.valid_to, 2147483647);

CREATE OR REPLACE VIEW robot_tokens AS
SELECT r.run_id, r.source, r.workspace_id, v.id, v.robot_id, v.name, v.token_suffix, v.status, v.created_at,
       v.expires_at, v.revoked_at, o.last_used_at, v.last_used_reported,
       raw_with(v.raw, o.raw_fragment) AS raw
FROM covered_runs('robot_tokens') r
JOIN robot_token_versions v
  ON v.source = r.source AND v.workspace_id = r.workspace_id
 AND r.run_id >= v.valid_from AND r.run_id < coalesce(v.valid_to, 2147483647)
LEFT JOIN robot_token_observations o
  ON o.source = v.source AND o.workspace_id = v.workspace_id AND o.id = v.id
 AND r.run_id >= o.valid_from AND r.run_id < coalesce(o.valid_to, 2147483647);

CREATE OR REPLACE VIEW invitations AS
SELECT r.run_id, r.source, r.workspace_id, v.id, v.email, v.role, v.status, v.invited_by, v.created_at,
       v.expires_at, v.accepted_at, v.revoked_at, v.raw::JSON AS raw
FROM covered_runs('invitations') r
JOIN invitation_versions v
  ON v.source = r.source AND v.workspace_id = r.workspace_id
 AND r.run_id >= v.valid_from AND r.run_id < coalesce(v.valid_to, 2147483647);

CREATE OR REPLACE VIEW webhooks AS
SELECT r.run_id, r.source, r.workspace_id, v.id, v.url, v.label, v.active, v.created_at, v.event_types,
       v.raw::JSON AS raw
FROM covered_runs('webhooks') r
JOIN webhook_versions v
  ON v.source = r.source AND v.workspace_id = r.workspace_id
 AND r.run_id >= v.valid_from AND r.run_id < coalesce(v.valid_to, 2147483647);

CREATE OR REPLACE VIEW plan_usage AS
SELECT r.run_id, r.source, r.workspace_id, v.id AS dimension, v.used, v."limit",
       CASE WHEN v."limit" > 0 THEN v.used / v."limit" END AS utilisation,
       v.plan, v.overage_enabled, v.billing_period_start, v.billing_period_end, v.raw::JSON AS raw
FROM covered_runs('plan_usage') r
JOIN plan_usage_versions v
  ON v.source = r.source AND v.workspace_id = r.workspace_id
 AND r.run_id >= v.valid_from AND r.run_id < coalesce(v.valid_to, 2147483647);

CREATE OR REPLACE VIEW events AS
SELECT e.first_run_id AS run_id, e.source, e.workspace_id, e.id, e.event_type, e.resource_type, e.resource_id,
       e.actor_id, e.actor_type, e.actor_display_name, e.created_at, e.raw -> 'data' AS data, e.raw
FROM event_log e;
