-- Findings and quota trends (docs/sql.md, docs/findings.md).
--
-- Every rule is a SELECT over the entity views as of one run, so a reader can run it by hand on an audit database:
--   SET VARIABLE token_unused_days = 30;   -- optional: each threshold has its documented default (docs/findings.md)
--   SELECT * FROM evaluate_findings(42);
-- ptolemy-audit evaluates them at the end of each run and stores the result in `finding_versions` (see the
-- `findings` view), with suppressions from the config file applied.

-- threshold(name) and the email macros (email_address, email_key) are in foundations.sql, installed before this.

-- A threshold as text for a finding's detail: 45, not 45.0.
CREATE OR REPLACE MACRO num_text(x) AS
  CASE WHEN x = floor(x) THEN CAST(x AS BIGINT)::VARCHAR ELSE CAST(x AS VARCHAR) END;

CREATE OR REPLACE MACRO severity_rank(severity) AS
  CASE severity WHEN 'info' THEN 0 WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 WHEN 'critical' THEN 4 END;

-- The domain of an email address, lower case; NULL when it is not a well-formed address (email_address): the domain
-- of 'a@evil.example@acme.com' or 'evil.example＠acme.com' is not acme.com, it cannot be told at all.
CREATE OR REPLACE MACRO email_domain(email) AS email_address(email).domain;

-- Allowed email domains: SET VARIABLE allowed_domains = ['acme.com', ...]; none set = the rule is off.
-- A subdomain of an allowed domain is allowed too. No address at all (a robot) has nothing to judge; a malformed
-- address is never allowed.
CREATE OR REPLACE MACRO domain_allowed(email) AS
  email IS NULL OR getvariable('allowed_domains') IS NULL OR len(getvariable('allowed_domains')) = 0
  OR coalesce(list_bool_or([email_domain(email) = lower(d) OR ends_with(email_domain(email), '.' || lower(d))
                            FOR d IN getvariable('allowed_domains')::VARCHAR[]]), false);

-- Quota fits: for every run that read the plan, each dimension's least-squares growth per day over the runs of the
-- last `quota_window_days` (default 30) up to that run; api_calls only within the billing period (it resets).
-- No projection for a flat or falling series, an unlimited dimension, or fewer than two points.
CREATE OR REPLACE VIEW quota_fits AS
WITH points AS (
  SELECT u.run_id, u.source, u.workspace_id, u.dimension, u.used, u."limit", u.billing_period_start,
         u.billing_period_end, r.started_at
  FROM plan_usage u JOIN run_log r USING (run_id)
),
fits AS (
  SELECT cur.run_id, cur.source, cur.workspace_id, cur.dimension, cur.started_at AS as_of,
         cur.used, cur."limit", cur.billing_period_start, cur.billing_period_end,
         -- Two points at different times at least: regr_slope of one point (or of one instant) is NaN, not a slope.
         CASE WHEN count(DISTINCT p.started_at) >= 2 THEN regr_slope(p.used, epoch(p.started_at) / 86400.0) END
           AS growth_per_day,
         count(p.run_id) AS points
  FROM points cur
  JOIN points p
    ON p.source = cur.source AND p.workspace_id = cur.workspace_id AND p.dimension = cur.dimension
   AND p.run_id <= cur.run_id
   AND p.started_at > cur.started_at - to_days(CAST(threshold('quota_window_days') AS INTEGER))
   AND (cur.dimension <> 'api_calls' OR p.billing_period_start IS NOT DISTINCT FROM cur.billing_period_start)
  GROUP BY ALL
)
SELECT run_id, source, workspace_id, dimension, as_of, used, "limit",
       CASE WHEN "limit" > 0 THEN used / "limit" END AS utilisation,
       growth_per_day, points,
       CASE
         WHEN "limit" IS NULL THEN NULL
         WHEN used >= "limit" THEN as_of
         -- A limit more than a century away at this pace is never reached (and would overflow a timestamp).
         WHEN points >= 2 AND growth_per_day > 0 AND ("limit" - used) / growth_per_day < 36500
           -- api_calls resets with the billing period: a limit reached only after the reset is never reached.
           AND (dimension <> 'api_calls' OR billing_period_end IS NULL
                OR as_of + to_microseconds(TRY_CAST((("limit" - used) / growth_per_day) * 86400e6 AS BIGINT)) < billing_period_end)
           THEN as_of + to_microseconds(TRY_CAST((("limit" - used) / growth_per_day) * 86400e6 AS BIGINT))
       END AS projected_exhaustion_at
FROM fits;

-- The latest fit of each workspace's dimensions: when the quota runs out at the current pace.
CREATE OR REPLACE VIEW quota_trend AS
SELECT source, workspace_id, dimension, run_id, as_of, used, "limit", utilisation, growth_per_day,
       projected_exhaustion_at
FROM quota_fits
QUALIFY run_id = max(run_id) OVER (PARTITION BY source, workspace_id);

-- The workspace's own rules (tokens, members, invitations, webhooks, quotas, coverage) as of one run. Columns:
-- rule_id, severity, collection, entity_type, entity_id, entity_name, detail.
CREATE OR REPLACE MACRO workspace_findings(target_run) AS TABLE
WITH
run AS (SELECT run_id, source, workspace_id, started_at AS as_of FROM run_log WHERE run_id = target_run),
tokens AS (
  SELECT t.*, r.as_of, b.display_name AS robot_name
  FROM robot_tokens t JOIN run r USING (run_id)
  LEFT JOIN robots b ON b.run_id = t.run_id AND b.id = t.robot_id
  WHERE t.status = 'active'
),
token_label AS (
  SELECT *, coalesce(robot_name, robot_id) || ' …' || coalesce(token_suffix, '????') AS label FROM tokens
),
hits AS (
  SELECT 'token.no_expiry' AS rule_id, 'high' AS severity, 'robot_tokens' AS collection, 'robot_token' AS entity_type,
         id AS entity_id, label AS entity_name, 'never expires' AS detail
  FROM token_label WHERE expires_at IS NULL

  UNION ALL
  SELECT 'token.unused', 'medium', 'robot_tokens', 'robot_token', id, label,
         CASE WHEN last_used_reported
           THEN 'last used ' || strftime(last_used_at, '%Y-%m-%d') || ' (unused for over ' ||
                num_text(threshold('token_unused_days')) || ' days)'
           ELSE 'the API does not report last use; judged by age: created ' || strftime(created_at, '%Y-%m-%d') ||
                ' (over ' || num_text(threshold('token_unused_days')) || ' days ago)'
         END
  FROM token_label
  WHERE (last_used_reported AND last_used_at < as_of - to_days(CAST(threshold('token_unused_days') AS INTEGER)))
     OR (NOT last_used_reported AND created_at < as_of - to_days(CAST(threshold('token_unused_days') AS INTEGER)))

  UNION ALL
  SELECT 'token.never_used', 'medium', 'robot_tokens', 'robot_token', id, label,
         'never used since it was created ' || strftime(created_at, '%Y-%m-%d')
  FROM token_label
  WHERE last_used_reported AND last_used_at IS NULL
    AND created_at < as_of - to_days(CAST(threshold('token_never_used_days') AS INTEGER))

  UNION ALL
  SELECT 'token.long_lived', 'medium', 'robot_tokens', 'robot_token', id, label,
         'lifetime of ' || date_diff('day', created_at, expires_at) || ' days (created ' ||
         strftime(created_at, '%Y-%m-%d') || ', expires ' || strftime(expires_at, '%Y-%m-%d') || ')'
  FROM token_label
  WHERE expires_at > created_at + to_days(CAST(threshold('token_max_lifetime_days') AS INTEGER))

  UNION ALL
  SELECT 'token.old', 'low', 'robot_tokens', 'robot_token', id, label,
         'created ' || strftime(created_at, '%Y-%m-%d') || ' (older than ' || num_text(threshold('token_rotate_days')) ||
         ' days: rotate it)'
  FROM token_label WHERE created_at < as_of - to_days(CAST(threshold('token_rotate_days') AS INTEGER))

  UNION ALL
  SELECT 'token.expiring', 'low', 'robot_tokens', 'robot_token', id, label,
         'expires ' || strftime(expires_at, '%Y-%m-%d %H:%M') || ' UTC: the integration will stop working'
  FROM token_label
  WHERE expires_at > as_of AND expires_at <= as_of + to_days(CAST(threshold('token_expiring_days') AS INTEGER))

  UNION ALL
  SELECT 'robot.rotation_unfinished', 'low', 'robot_tokens', 'robot', robot_id, any_value(robot_name),
         count(*) || ' active tokens since ' || strftime(max(created_at), '%Y-%m-%d') || ': revoke the old one'
  FROM tokens
  GROUP BY robot_id, as_of
  HAVING count(*) > 1
     AND max(created_at) < as_of - to_days(CAST(threshold('rotation_overlap_days') AS INTEGER))

  UNION ALL
  SELECT 'robot.idle', 'low', 'robot_tokens', 'robot', b.id, b.display_name, 'no active token'
  FROM robots b JOIN run r USING (run_id)
  WHERE EXISTS (SELECT 1 FROM run_collections c
                WHERE c.run_id = r.run_id AND c.collection = 'robot_tokens' AND c.status = 'complete')
    AND NOT EXISTS (SELECT 1 FROM tokens t WHERE t.robot_id = b.id)

  UNION ALL
  SELECT 'invitation.expiring', 'info', 'invitations', 'invitation', i.id, i.email,
         'expires ' || strftime(i.expires_at, '%Y-%m-%d %H:%M') || ' UTC, not yet accepted'
  FROM invitations i JOIN run r USING (run_id)
  WHERE i.status = 'pending' AND i.expires_at > r.as_of
    AND i.expires_at <= r.as_of + to_hours(CAST(threshold('invitation_expiring_hours') AS INTEGER))

  UNION ALL
  SELECT 'invitation.expired', 'low', 'invitations', 'invitation', i.id, i.email,
         'expired ' || coalesce(strftime(i.expires_at, '%Y-%m-%d'), '?') || ' without being accepted'
  FROM invitations i JOIN run r USING (run_id)
  WHERE i.status = 'expired' OR (i.status = 'pending' AND i.expires_at <= r.as_of)

  UNION ALL
  SELECT 'invitation.privileged', 'medium', 'invitations', 'invitation', i.id, i.email,
         'pending invitation grants ' || i.role
  FROM invitations i JOIN run r USING (run_id)
  WHERE i.status = 'pending' AND i.role = 'admin' AND (i.expires_at IS NULL OR i.expires_at > r.as_of)

  UNION ALL
  SELECT 'access.external_domain', 'medium', 'members', 'member', m.id, coalesce(m.email, m.display_name),
         coalesce(m.role, '?') || ' with an address outside the allowed domains (' ||
         coalesce(email_domain(m.email), 'not a well-formed address') || ')'
  FROM members m JOIN run r USING (run_id)
  WHERE coalesce(m.user_type, 'human') <> 'robot' AND NOT domain_allowed(m.email)

  UNION ALL
  SELECT 'access.external_domain', 'medium', 'invitations', 'invitation', i.id, i.email,
         'pending ' || coalesce(i.role, '?') || ' invitation to an address outside the allowed domains (' ||
         coalesce(email_domain(i.email), 'not a well-formed address') || ')'
  FROM invitations i JOIN run r USING (run_id)
  WHERE i.status = 'pending' AND NOT domain_allowed(i.email)

  UNION ALL
  SELECT 'access.malformed_email', 'medium', 'members', 'member', m.id, coalesce(m.email, m.display_name),
         coalesce(m.role, '?') || ' whose address is not a well-formed email address: no domain rule can judge it'
  FROM members m JOIN run r USING (run_id)
  WHERE coalesce(m.user_type, 'human') <> 'robot' AND m.email IS NOT NULL AND NOT email_wellformed(m.email)

  UNION ALL
  SELECT 'access.malformed_email', 'medium', 'invitations', 'invitation', i.id, i.email,
         'pending ' || coalesce(i.role, '?') || ' invitation to an address that is not a well-formed email address'
  FROM invitations i JOIN run r USING (run_id)
  WHERE i.status = 'pending' AND i.email IS NOT NULL AND NOT email_wellformed(i.email)

  UNION ALL
  SELECT 'access.duplicate_person', 'medium', 'members', 'person', k.person_key, min(lower(trim(k.email, ' '))),
         count(*) || ' memberships for one person (addresses differing only in case or by domain alias): ' ||
         string_agg(k.email || ' (' || coalesce(k.role, '?') || ')', ', ' ORDER BY k.email, k.id)
  FROM (SELECT m.id, m.email, m.role, email_key(m.email) AS person_key
        FROM members m JOIN run r USING (run_id) WHERE coalesce(m.user_type, 'human') <> 'robot') k
  WHERE k.person_key IS NOT NULL
  GROUP BY k.person_key
  HAVING count(*) > 1

  UNION ALL
  SELECT 'access.admin_count', 'low', 'members', 'workspace', r.workspace_id,
         coalesce(any_value((SELECT coalesce(w.name, w.slug) FROM workspaces w WHERE w.run_id = r.run_id LIMIT 1)), r.workspace_id),
         count(*) || ' admins (at most ' || num_text(threshold('max_admins')) || ' expected)'
  FROM members m JOIN run r USING (run_id)
  WHERE is_admin(m.role, m.access, m.org_role)
  GROUP BY r.workspace_id
  HAVING count(*) > threshold('max_admins')

  -- An admin grant since the previous run: someone joined as an admin, or a member's role became admin. It fires in
  -- the run that saw the grant, so it is new exactly once (a review then confirms or reverts it).
  UNION ALL
  SELECT 'access.admin_granted', 'medium', 'members', 'member', c.entity_id, c.entity_name,
         CASE WHEN c.change_type = 'member_added' THEN 'joined as admin' ELSE 'role changed from ' || coalesce(c.old_value, '?') || ' to admin' END ||
         CASE WHEN c.actor_display_name IS NOT NULL
           THEN ' by ' || c.actor_display_name || ' at ' || strftime(c.changed_at, '%Y-%m-%d %H:%M') || ' UTC'
           ELSE ' (the access log does not say by whom)'
         END
  FROM changes_in(target_run, target_run) c JOIN run r USING (run_id)
  WHERE c.entity_type = 'member' AND c.change_type IN ('member_added', 'role_changed')
    AND is_admin(c.new_value, NULL, NULL) AND NOT is_admin(c.old_value, NULL, NULL)

  UNION ALL
  SELECT 'access.terminated_member', 'high', 'members', 'member', m.id, coalesce(m.email, m.display_name),
         'the user is terminated but still holds ' || coalesce(m.access, 'direct') || ' ' || coalesce(m.role, '?') ||
         ' access'
  FROM members m JOIN run r USING (run_id)
  WHERE m.user_status = 'terminated'

  UNION ALL
  SELECT 'access.inherited_admin', 'medium', 'members', 'member', m.id, coalesce(m.email, m.display_name),
         'inherits ' || coalesce(m.role, 'admin') || ' access from the organisation role ' || coalesce(m.org_role, '?') ||
         ' (not listed among the workspace''s direct members)'
  FROM members m JOIN run r USING (run_id)
  WHERE m.access = 'inherited'

  UNION ALL
  SELECT 'quota.utilisation', CASE WHEN q.utilisation >= 1 THEN 'high' ELSE 'medium' END, 'plan_usage', 'quota',
         q.dimension, q.dimension,
         q.dimension || ': ' || q.used || ' of ' || q."limit" || ' used (' || round(100 * q.utilisation)::INTEGER || '%)'
  FROM quota_fits q JOIN run r USING (run_id)
  WHERE q.utilisation >= threshold('quota_utilisation_ratio')

  UNION ALL
  SELECT 'quota.forecast',
         CASE WHEN q.projected_exhaustion_at <= r.as_of + to_days(CAST(threshold('quota_forecast_high_days') AS INTEGER))
           THEN 'high' ELSE 'medium' END,
         'plan_usage', 'quota', q.dimension, q.dimension,
         q.dimension || ' reaches its limit of ' || q."limit" || ' around ' ||
         strftime(q.projected_exhaustion_at, '%Y-%m-%d') || ' at the current pace'
  FROM quota_fits q JOIN run r USING (run_id)
  WHERE q.used < q."limit" AND q.projected_exhaustion_at IS NOT NULL
    AND q.projected_exhaustion_at <= r.as_of + to_days(CAST(threshold('quota_forecast_days') AS INTEGER))

  UNION ALL
  SELECT 'webhook.insecure_url', 'high', 'webhooks', 'webhook', w.id, w.url,
         'delivers events over plain HTTP' || CASE WHEN w.active THEN '' ELSE ' (inactive)' END
  FROM webhooks w JOIN run r USING (run_id)
  WHERE NOT starts_with(lower(w.url), 'https://')

  UNION ALL
  SELECT 'coverage.gap', 'high', c.collection, 'collection', c.collection, c.collection,
         c.collection || ' could not be read (' || c.status || '): ' || coalesce(c.detail, 'no detail')
  FROM run_collections c JOIN run r USING (run_id)
  WHERE c.status IN ('forbidden', 'failed')
)
SELECT * FROM hits;

-- Every rule as of one run: the workspace's own and those of features, each its own file (installed before this
-- one). Columns: run_id, source, workspace_id, then those of workspace_findings. (The job evaluates only the
-- families a run can fire, Findings.ts; the answer is the same.)
CREATE OR REPLACE MACRO evaluate_findings(target_run) AS TABLE
SELECT r.run_id, r.source, r.workspace_id, h.*
FROM (
  SELECT * FROM workspace_findings(target_run)
  UNION ALL SELECT * FROM review_findings(target_run)
  UNION ALL SELECT * FROM people_findings(target_run)
  UNION ALL SELECT * FROM remediation_findings(target_run)
) h
CROSS JOIN (SELECT run_id, source, workspace_id FROM run_log WHERE run_id = target_run) r;

-- The stored findings, one row per finding per run (failed runs have none). A finding is new in the run that first
-- saw it; suppressed findings stay visible with suppressed = true.
CREATE OR REPLACE VIEW findings AS
SELECT r.run_id, r.source, r.workspace_id, f.rule_id, f.severity, f.entity_type, f.entity_id, f.entity_name,
       f.detail, f.first_seen_run_id, f.first_seen_at, f.first_seen_run_id = r.run_id AS is_new,
       f.suppressed, f.suppression_reason, f.suppression_expires_at, f.collection
FROM run_log r
JOIN finding_versions f
  ON f.source = r.source AND f.workspace_id = r.workspace_id
 AND r.run_id >= f.valid_from AND r.run_id < coalesce(f.valid_to, 2147483647)
WHERE r.status <> 'failed';
