-- Remediation (docs/remediation.md, docs/sql.md): the plans, their actions with what apply did and what the runs
-- after it show, and the remediation rules `evaluate_findings` calls (remediation_findings). The tables are in
-- store/migrations/005_remediation.sql. Installed after the store's views and before findings.sql.

-- Whether a run shows an action's effect: the member gone (a human also by email, since a member re-added upstream
-- comes back as a new membership), the role the one decided, the token no longer active, the invitation or
-- enrollment no longer pending.
CREATE OR REPLACE MACRO remediation_holds(h_kind, h_target, h_email, h_role, h_run) AS
  CASE h_kind
    WHEN 'remove_member' THEN NOT EXISTS (
      SELECT 1 FROM members m WHERE m.run_id = h_run
        AND (m.id = h_target OR (h_email IS NOT NULL AND lower(m.email) = lower(h_email))))
    WHEN 'remove_workspace_member' THEN NOT EXISTS (
      SELECT 1 FROM members m WHERE m.run_id = h_run AND m.id = h_target AND coalesce(m.access, 'direct') = 'direct')
    WHEN 'change_role' THEN NOT EXISTS (
      SELECT 1 FROM members m WHERE m.run_id = h_run AND m.id = h_target AND lower(m.role) <> lower(h_role))
    WHEN 'set_workspace_role' THEN NOT EXISTS (
      SELECT 1 FROM members m WHERE m.run_id = h_run AND m.id = h_target AND lower(m.role) <> lower(h_role))
    WHEN 'revoke_token' THEN NOT EXISTS (
      SELECT 1 FROM robot_tokens t WHERE t.run_id = h_run AND t.id = h_target AND t.status = 'active')
    ELSE NOT EXISTS (
      SELECT 1 FROM invitations i WHERE i.run_id = h_run AND i.id = h_target AND i.status = 'pending')
  END;

-- Each planned action's effect in every run of its workspace after the plan's run.
CREATE OR REPLACE VIEW remediation_effects AS
SELECT a.plan_id, a.action_id, r.run_id, r.status AS run_status,
       remediation_holds(a.kind, a.target_id, a.email, a.new_role, r.run_id) AS holds
FROM remediation_action_log a
JOIN remediation_plan_log p ON p.plan_id = a.plan_id
JOIN run_log r ON r.source = p.source AND r.workspace_id = p.workspace_id AND r.run_id > p.run_id AND r.status <> 'failed';

-- Every step apply recorded, with the run the history stood at when it was recorded (its ledger anchor).
CREATE OR REPLACE VIEW remediation_calls AS
SELECT c.plan_id, c.action_id, c.apply_id, c.recorded_at, c.phase, c.method, c.path, c.status, c.outcome, c.detail,
       c.entry_id, l.anchor_run_id, l.source, l.workspace_id
FROM remediation_call_log c JOIN ledger_log l ON l.entry_id = c.entry_id;

CREATE OR REPLACE VIEW remediation_actions AS
WITH
latest AS (
  SELECT plan_id, action_id, arg_max(outcome, entry_id) AS outcome, arg_max(status, entry_id) AS http_status,
         arg_max(detail, entry_id) AS detail, arg_max(recorded_at, entry_id) AS attempted_at,
         arg_max(anchor_run_id, entry_id) AS applied_after_run_id, count(*) AS outcomes
  FROM remediation_calls WHERE phase = 'outcome' GROUP BY ALL
),
sent AS (
  SELECT plan_id, action_id, count(*) AS calls, max(recorded_at) AS last_call_at
  FROM remediation_calls WHERE phase = 'sending' GROUP BY ALL
),
-- The complete runs after the apply: the first that shows the effect, and the latest.
checks AS (
  SELECT e.plan_id, e.action_id,
         min(e.run_id) FILTER (WHERE e.holds) AS verified_run_id,
         max(e.run_id) AS checked_run_id,
         arg_max(e.holds, e.run_id) AS holds_now
  FROM remediation_effects e
  JOIN latest l ON l.plan_id = e.plan_id AND l.action_id = e.action_id
  WHERE e.run_status = 'complete' AND e.run_id > coalesce(l.applied_after_run_id, 0)
  GROUP BY ALL
)
SELECT a.plan_id, a.action_id, a.position, p.source, p.workspace_id, a.kind, a.target_type, a.target_id,
       a.target_ids, a.label, a.email, a.new_role, a.reason_type, a.reason, a.campaign_id, a.item_key, a.rule_id,
       a.method, a.path, a.body, a.precondition,
       coalesce(l.outcome, CASE WHEN s.calls > 0 THEN 'interrupted' ELSE 'planned' END) AS outcome,
       l.http_status, l.detail, l.attempted_at, coalesce(s.calls, 0) AS calls, l.applied_after_run_id,
       CASE WHEN l.outcome NOT IN ('done', 'already_done') OR l.outcome IS NULL THEN NULL
            WHEN c.checked_run_id IS NULL THEN 'pending'
            WHEN c.holds_now THEN 'verified'
            ELSE 'reverted' END AS verification,
       c.verified_run_id, c.checked_run_id
FROM remediation_action_log a
JOIN remediation_plan_log p ON p.plan_id = a.plan_id
LEFT JOIN latest l ON l.plan_id = a.plan_id AND l.action_id = a.action_id
LEFT JOIN sent s ON s.plan_id = a.plan_id AND s.action_id = a.action_id
LEFT JOIN checks c ON c.plan_id = a.plan_id AND c.action_id = a.action_id;

CREATE OR REPLACE VIEW remediation_plans AS
WITH tally AS (
  SELECT plan_id,
         count(*) FILTER (WHERE outcome = 'planned') AS not_applied,
         count(*) FILTER (WHERE outcome = 'done') AS done,
         count(*) FILTER (WHERE outcome = 'already_done') AS already_done,
         count(*) FILTER (WHERE outcome = 'drifted') AS drifted,
         count(*) FILTER (WHERE outcome = 'refused') AS refused,
         count(*) FILTER (WHERE outcome IN ('failed', 'interrupted')) AS failed,
         count(*) FILTER (WHERE verification = 'verified') AS verified,
         count(*) FILTER (WHERE verification = 'reverted') AS reverted,
         count(*) FILTER (WHERE verification = 'pending') AS pending,
         sum(calls)::INTEGER AS calls
  FROM remediation_actions GROUP BY plan_id
)
SELECT p.plan_id, p.plan_hash, p.format_version, p.created_at, p.source, p.workspace_id, r.workspace_slug,
       r.workspace_name, p.run_id, p.campaign_id, p.policy, p.actions, p.excluded,
       coalesce(t.not_applied, 0) AS not_applied, coalesce(t.done, 0) AS done,
       coalesce(t.already_done, 0) AS already_done, coalesce(t.drifted, 0) AS drifted,
       coalesce(t.refused, 0) AS refused, coalesce(t.failed, 0) AS failed, coalesce(t.verified, 0) AS verified,
       coalesce(t.reverted, 0) AS reverted, coalesce(t.pending, 0) AS pending, coalesce(t.calls, 0) AS calls,
       p.entry_id
FROM remediation_plan_log p
LEFT JOIN tally t USING (plan_id)
LEFT JOIN run_log r ON r.run_id = p.run_id;

CREATE OR REPLACE VIEW remediation_excluded AS
SELECT x.plan_id, p.source, p.workspace_id, x.kind, x.target_id, x.label, x.reason, x.why
FROM remediation_excluded_log x JOIN remediation_plan_log p USING (plan_id);

-- ---------------------------------------------------------------------------------------------------------------
-- The remediation rules, as of one run (columns as evaluate_findings' hits). As for the review rules, a run counts
-- only the apply steps recorded before it (ledger entries anchored to an earlier run of its workspace).
--   remediation.failed    an action whose latest outcome is failed (or a call whose answer never came)
--   remediation.reverted  an applied action whose effect this run no longer shows (the member or token is back)
CREATE OR REPLACE MACRO remediation_findings(target_run) AS TABLE
WITH
subject AS (SELECT run_id, source, workspace_id FROM run_log WHERE run_id = target_run),
known AS (
  SELECT c.* FROM remediation_calls c JOIN subject s ON c.source = s.source AND c.workspace_id = s.workspace_id
  WHERE coalesce(c.anchor_run_id, 0) < s.run_id
),
latest AS (
  SELECT plan_id, action_id,
         arg_max(CASE WHEN phase = 'outcome' THEN outcome ELSE 'interrupted' END, entry_id) AS outcome,
         arg_max(detail, entry_id) AS detail
  FROM known GROUP BY ALL
),
actions AS (
  SELECT a.*, l.outcome, l.detail
  FROM remediation_action_log a JOIN latest l ON l.plan_id = a.plan_id AND l.action_id = a.action_id
),
collection AS (
  SELECT *, CASE target_type WHEN 'robot_token' THEN 'robot_tokens' WHEN 'invitation' THEN 'invitations' ELSE 'members' END AS coll,
         CASE target_type WHEN 'robot' THEN 'member' ELSE target_type END AS etype
  FROM actions
)
SELECT 'remediation.failed' AS rule_id, 'medium' AS severity, coll AS collection, etype AS entity_type,
       target_id AS entity_id, label AS entity_name,
       'plan ' || plan_id || ' action ' || action_id || ' (' || kind || ') ' ||
         CASE outcome WHEN 'interrupted' THEN 'was interrupted before its answer was recorded' ELSE 'failed' END ||
         coalesce(': ' || detail, '') AS detail
FROM collection WHERE outcome IN ('failed', 'interrupted')

UNION ALL
SELECT 'remediation.reverted', 'high', x.coll, x.etype, x.target_id, x.label,
       'plan ' || x.plan_id || ' action ' || x.action_id || ' (' || x.kind || ') was carried out, but this run shows it undone'
FROM collection x
JOIN remediation_plan_log p ON p.plan_id = x.plan_id AND p.run_id < target_run
WHERE x.outcome IN ('done', 'already_done') AND NOT remediation_holds(x.kind, x.target_id, x.email, x.new_role, target_run);
