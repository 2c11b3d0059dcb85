-- Access review campaigns (docs/review.md, docs/sql.md): the population a campaign freezes, the campaign views, and
-- the review rules `evaluate_findings` calls (review_findings). The tables are in store/migrations/003_review.sql.
-- Installed after changes.sql (review_carried_out reads `changes`) and before findings.sql (which calls
-- review_findings).

-- The population of one run, as a campaign freezes it: every member (human and robot), every active robot token
-- and every pending invitation that has not expired, with the facts a reviewer decides on. Privileged items
-- (admins, tokens of admin robots, invitations granting admin) come first; `position` is the sheet's order.
CREATE OR REPLACE MACRO review_population(target_run) AS TABLE
WITH
frozen AS (SELECT run_id, source, workspace_id, started_at AS as_of FROM run_log WHERE run_id = target_run),
-- The run's unsuppressed findings (as the findings view has them; that view is defined after this file).
flagged AS (
  SELECT v.entity_type, v.entity_id, array_to_string(list_sort(list_distinct(list(v.rule_id))), ', ') AS findings
  FROM finding_versions v JOIN frozen f
    ON v.source = f.source AND v.workspace_id = f.workspace_id
   AND f.run_id >= v.valid_from AND f.run_id < coalesce(v.valid_to, 2147483647)
  WHERE NOT v.suppressed AND v.entity_id IS NOT NULL
  GROUP BY ALL
),
-- A membership id as a name: as of the run, else as the history last knew it (an inviter who has since left).
known_members AS (
  SELECT v.id, coalesce(v.display_name, v.email, v.id) AS name
  FROM member_versions v JOIN frozen f ON v.source = f.source AND v.workspace_id = f.workspace_id
  WHERE v.valid_from <= target_run
  QUALIFY row_number() OVER (PARTITION BY v.id ORDER BY v.valid_from DESC) = 1
),
log AS (
  SELECT e.* FROM events e JOIN frozen f ON e.source = f.source AND e.workspace_id = f.workspace_id
  WHERE e.created_at <= f.as_of
),
last_action AS (SELECT actor_id, max(created_at) AS at FROM log GROUP BY actor_id),
added_by AS (
  SELECT resource_id, arg_max(actor_display_name, created_at) AS name FROM log
  WHERE event_type IN ('membership.created', 'robot_token.created', 'invitation.created')
  GROUP BY resource_id
),
accepted AS (
  SELECT lower(email) AS email, arg_max(invited_by, accepted_at) AS invited_by
  FROM invitations WHERE run_id = target_run AND status = 'accepted' AND email IS NOT NULL
  GROUP BY ALL
),
token_use AS (SELECT robot_id, max(last_used_at) AS last_used_at FROM robot_tokens WHERE run_id = target_run GROUP BY robot_id),
items AS (
  SELECT CASE WHEN m.user_type = 'robot' THEN 'robot' ELSE 'member' END AS item_type,
         CASE WHEN m.user_type = 'robot' THEN 'robot:' ELSE 'member:' END || m.id AS item_key,
         is_admin(m.role, m.access, m.org_role) AS privileged,
         m.id AS membership_id, m.user_id,
         CASE WHEN m.user_type = 'robot' THEN m.user_id END AS robot_id,
         NULL::VARCHAR AS token_id, NULL::VARCHAR AS invitation_id,
         m.display_name AS name, m.email, m.role, m.created_at AS joined_at,
         CASE WHEN m.user_type = 'robot' THEN u.last_used_at ELSE coalesce(m.last_login_at, a.at) END AS last_activity_at,
         NULL::VARCHAR AS last_activity_note,
         coalesce(fm.findings, fu.findings) AS findings,
         coalesce(k.name, ab.name) AS invited_by
  FROM members m
  LEFT JOIN token_use u ON m.user_type = 'robot' AND u.robot_id = m.user_id
  LEFT JOIN last_action a ON a.actor_id = m.user_id
  LEFT JOIN flagged fm ON fm.entity_type = 'member' AND fm.entity_id = m.id
  LEFT JOIN flagged fu ON fu.entity_type = 'robot' AND fu.entity_id = m.user_id
  LEFT JOIN accepted ac ON ac.email = lower(m.email)
  LEFT JOIN known_members k ON k.id = ac.invited_by
  LEFT JOIN added_by ab ON ab.resource_id = m.id
  WHERE m.run_id = target_run

  UNION ALL
  SELECT 'token', 'token:' || t.id,
         coalesce(is_admin(rm.role, rm.access, rm.org_role), false) OR coalesce(b.role = 'admin', false),
         rm.id, t.robot_id, t.robot_id, t.id, NULL,
         coalesce(b.display_name, rm.display_name, t.robot_id) || ' …' || coalesce(t.token_suffix, '????') ||
           CASE WHEN t.name IS NULL OR t.name = '' THEN '' ELSE ' (' || t.name || ')' END,
         NULL, coalesce(rm.role, b.role), t.created_at, t.last_used_at,
         CASE WHEN NOT t.last_used_reported THEN 'not reported' WHEN t.last_used_at IS NULL THEN 'never used' END,
         ft.findings, ab.name
  FROM robot_tokens t
  LEFT JOIN robots b ON b.run_id = t.run_id AND b.id = t.robot_id
  LEFT JOIN members rm ON rm.run_id = t.run_id AND rm.user_id = t.robot_id
  LEFT JOIN flagged ft ON ft.entity_type = 'robot_token' AND ft.entity_id = t.id
  LEFT JOIN added_by ab ON ab.resource_id = t.id
  WHERE t.run_id = target_run AND t.status = 'active'

  UNION ALL
  SELECT 'invitation', 'invitation:' || i.id, is_admin(i.role, NULL, NULL),
         NULL, NULL, NULL, NULL, i.id,
         NULL, i.email, i.role, i.created_at, NULL, NULL,
         fi.findings, coalesce(k.name, ab.name)
  FROM invitations i
  JOIN frozen f ON true
  LEFT JOIN flagged fi ON fi.entity_type = 'invitation' AND fi.entity_id = i.id
  LEFT JOIN known_members k ON k.id = i.invited_by
  LEFT JOIN added_by ab ON ab.resource_id = i.id
  WHERE i.run_id = target_run AND i.status = 'pending' AND (i.expires_at IS NULL OR i.expires_at > f.as_of)
)
SELECT *,
       (row_number() OVER (
          ORDER BY NOT privileged,
                   CASE item_type WHEN 'member' THEN 0 WHEN 'robot' THEN 1 WHEN 'token' THEN 2 ELSE 3 END,
                   lower(coalesce(email, name, '')), item_key))::INTEGER AS position
FROM items;

-- ---------------------------------------------------------------------------------------------------------------
-- The views (docs/sql.md).

CREATE OR REPLACE VIEW review_items AS
SELECT i.campaign_id, c.source, c.workspace_id, c.run_id, i.item_key, i.position, i.item_type, i.privileged,
       i.membership_id, i.user_id, i.robot_id, i.token_id, i.invitation_id,
       coalesce(i.name, i.email, i.item_key) AS label, i.name, i.email, i.role, i.joined_at, i.last_activity_at,
       i.last_activity_note, i.findings, i.invited_by, i.facts_hash
FROM review_item_log i JOIN review_campaign_log c USING (campaign_id);

-- Every decision ever recorded, with the file it came from; `is_current` marks each item's latest.
CREATE OR REPLACE VIEW review_decisions AS
SELECT d.campaign_id, c.source, c.workspace_id, d.item_key, d.decision, d.new_role, d.reviewer, d.reviewed_on,
       d.comment, d.self_review, l.recorded_at, d.entry_id, f.file_name, f.file_sha256, f.file_format, d.file_row,
       row_number() OVER (PARTITION BY d.campaign_id, d.item_key ORDER BY d.entry_id DESC) = 1 AS is_current
FROM review_decision_log d
JOIN review_campaign_log c ON c.campaign_id = d.campaign_id
JOIN ledger_log l ON l.entry_id = d.entry_id
LEFT JOIN review_import_log f ON f.entry_id = d.entry_id;

-- Each item's current decision (NULL while undecided): what a remediation plan is made from.
CREATE OR REPLACE VIEW review_outcomes AS
SELECT i.campaign_id, c.source, c.workspace_id, c.run_id, i.item_key, i.item_type, i.privileged,
       i.membership_id, i.user_id, i.robot_id, i.token_id, i.invitation_id,
       coalesce(i.name, i.email, i.item_key) AS label, i.email, i.role,
       d.decision, d.new_role, d.reviewer, d.reviewed_on, d.comment, coalesce(d.self_review, false) AS self_review,
       d.recorded_at AS decided_at, d.entry_id AS decision_entry_id, d.file_sha256,
       s.campaign_id IS NOT NULL AS signed_off
FROM review_item_log i
JOIN review_campaign_log c ON c.campaign_id = i.campaign_id
LEFT JOIN review_decisions d ON d.campaign_id = i.campaign_id AND d.item_key = i.item_key AND d.is_current
LEFT JOIN review_signoff_log s ON s.campaign_id = i.campaign_id;

-- The outcomes of a campaign as one hash (what a sign-off signs): each item's key and current decision, in order.
CREATE OR REPLACE MACRO review_outcomes_hash(target_campaign) AS (
  SELECT sha256(coalesce(string_agg(concat_ws('|', o.item_key, coalesce(o.decision, 'undecided'), o.new_role,
                                              o.reviewer, o.reviewed_on::VARCHAR, o.comment, o.decision_entry_id::VARCHAR),
                                    chr(10) ORDER BY o.item_key), ''))
  FROM review_outcomes o WHERE o.campaign_id = target_campaign
);

CREATE OR REPLACE VIEW review_campaigns AS
WITH tally AS (
  SELECT campaign_id,
         count(*) FILTER (WHERE privileged) AS privileged_items,
         count(decision) AS decided,
         count(*) FILTER (WHERE decision = 'keep') AS keep,
         count(*) FILTER (WHERE decision = 'remove') AS remove,
         count(*) FILTER (WHERE decision = 'change_role') AS change_role,
         count(*) FILTER (WHERE self_review) AS self_reviews,
         count(*) FILTER (WHERE privileged AND decision IS NULL) AS undecided_privileged
  FROM review_outcomes GROUP BY campaign_id
)
SELECT c.campaign_id, c.source, c.workspace_id, r.workspace_slug, r.workspace_name, c.run_id,
       r.started_at AS run_started_at, c.period, c.started_at, c.due_on, c.reviewers, c.population_hash,
       c.items, coalesce(t.privileged_items, 0) AS privileged_items, coalesce(t.decided, 0) AS decided,
       c.items - coalesce(t.decided, 0) AS undecided,
       coalesce(t.keep, 0) AS keep, coalesce(t.remove, 0) AS remove, coalesce(t.change_role, 0) AS change_role,
       coalesce(t.self_reviews, 0) AS self_reviews, coalesce(t.undecided_privileged, 0) AS undecided_privileged,
       CASE WHEN s.campaign_id IS NULL THEN 'open' ELSE 'closed' END AS status,
       s.campaign_id IS NULL AND c.due_on < current_date AND c.items > coalesce(t.decided, 0) AS overdue,
       s.signed_by, s.signed_at, s.accepted_undecided, s.outcomes_hash, c.entry_id
FROM review_campaign_log c
LEFT JOIN tally t USING (campaign_id)
LEFT JOIN review_signoff_log s USING (campaign_id)
LEFT JOIN run_log r ON r.run_id = c.run_id;

-- Remove and Change role decisions with the change that carried each out: the first matching change after the
-- frozen run (member_removed / robot_removed, token_revoked / token_expired, invitation_revoked /
-- invitation_expired, role_changed to the new role). `status` is pending until one is seen.
CREATE OR REPLACE VIEW review_carried_out AS
SELECT o.campaign_id, o.source, o.workspace_id, o.run_id, o.item_key, o.item_type, o.label, o.decision, o.new_role,
       o.decision_entry_id,
       CASE WHEN ch.run_id IS NULL THEN 'pending' ELSE 'carried_out' END AS status,
       ch.run_id AS change_run_id, ch.change_type, ch.detected_at, ch.actor_display_name, ch.changed_at, ch.event_id
FROM review_outcomes o
LEFT JOIN changes ch
  ON ch.source = o.source AND ch.workspace_id = o.workspace_id AND ch.run_id > o.run_id
 AND (
   (o.decision = 'remove' AND o.item_type IN ('member', 'robot') AND ch.entity_type = 'member'
      AND ch.entity_id = o.membership_id AND ch.change_type = 'member_removed')
   OR (o.decision = 'remove' AND o.item_type = 'robot' AND ch.entity_type = 'robot' AND ch.entity_id = o.robot_id
      AND ch.change_type = 'robot_removed')
   OR (o.decision = 'remove' AND o.item_type = 'token' AND ch.entity_type = 'robot_token'
      AND ch.entity_id = o.token_id AND ch.change_type IN ('token_revoked', 'token_expired'))
   OR (o.decision = 'remove' AND o.item_type = 'invitation' AND ch.entity_type = 'invitation'
      AND ch.entity_id = o.invitation_id AND ch.change_type IN ('invitation_revoked', 'invitation_expired'))
   OR (o.decision = 'change_role' AND ch.entity_type = 'member' AND ch.entity_id = o.membership_id
      AND ch.change_type = 'role_changed' AND lower(ch.new_value) = lower(o.new_role))
 )
WHERE o.decision IN ('remove', 'change_role')
QUALIFY row_number() OVER (PARTITION BY o.campaign_id, o.item_key ORDER BY ch.run_id NULLS LAST, ch.change_type) = 1;

-- ---------------------------------------------------------------------------------------------------------------
-- The review rules, as of one run (columns as evaluate_findings' hits). A run counts only what the history held
-- when it was stored: ledger entries anchored to an earlier run of its workspace, so that the rules give the same
-- answer when run again by hand later.
--   review.overdue         a campaign not signed off, past its due date (as of the run), with undecided items
--   review.remove_pending  a Remove decision whose member, robot, active token or pending invitation the run still
--                          holds (closes when it is gone)
CREATE OR REPLACE MACRO review_findings(target_run) AS TABLE
WITH
subject AS (SELECT run_id, source, workspace_id, started_at AS as_of FROM run_log WHERE run_id = target_run),
known AS (
  SELECT l.entry_id FROM ledger_log l JOIN subject s ON l.source = s.source AND l.workspace_id = s.workspace_id
  WHERE coalesce(l.anchor_run_id, 0) < s.run_id
),
campaigns AS (
  SELECT c.* FROM review_campaign_log c JOIN known USING (entry_id) JOIN subject s ON c.run_id < s.run_id
),
current_decisions AS (
  SELECT d.campaign_id, d.item_key, arg_max(d.decision, d.entry_id) AS decision, arg_max(d.reviewer, d.entry_id) AS reviewer,
         arg_max(d.reviewed_on, d.entry_id) AS reviewed_on
  FROM review_decision_log d JOIN known USING (entry_id)
  GROUP BY ALL
),
signed AS (SELECT s.campaign_id FROM review_signoff_log s JOIN known USING (entry_id)),
overdue AS (
  SELECT c.campaign_id, any_value(c.due_on) AS due_on, count(*) AS items, count(d.decision) AS decided,
         count(*) FILTER (WHERE i.privileged AND d.decision IS NULL) AS undecided_privileged
  FROM campaigns c
  JOIN review_item_log i ON i.campaign_id = c.campaign_id
  LEFT JOIN current_decisions d ON d.campaign_id = i.campaign_id AND d.item_key = i.item_key
  JOIN subject s ON true
  WHERE c.campaign_id NOT IN (SELECT campaign_id FROM signed)
    AND c.due_on IS NOT NULL AND timezone('UTC', s.as_of)::DATE > c.due_on
  GROUP BY c.campaign_id
  HAVING count(d.decision) < count(*)
),
removals AS (
  SELECT i.*, d.reviewer, d.reviewed_on,
         'Remove decided in review campaign ' || i.campaign_id || ' (' || d.reviewer || ', ' ||
           strftime(d.reviewed_on, '%Y-%m-%d') || ')' AS decided
  FROM current_decisions d
  JOIN campaigns c ON c.campaign_id = d.campaign_id
  JOIN review_item_log i ON i.campaign_id = d.campaign_id AND i.item_key = d.item_key
  WHERE d.decision = 'remove'
),
hits AS (
  SELECT 'review.overdue' AS rule_id, 'medium' AS severity, 'workspace' AS collection, 'review_campaign' AS entity_type,
         campaign_id AS entity_id, 'review campaign ' || campaign_id AS entity_name,
         'due ' || strftime(due_on, '%Y-%m-%d') || ': ' || (items - decided) || ' of ' || items || ' items undecided' ||
           CASE WHEN undecided_privileged > 0 THEN ' (' || undecided_privileged || ' privileged)' ELSE '' END AS detail,
         campaign_id AS campaign
  FROM overdue

  UNION ALL
  SELECT 'review.remove_pending', 'medium', 'members', 'member', m.id, coalesce(m.email, m.display_name),
         x.decided || '; still a ' || CASE WHEN m.user_type = 'robot' THEN 'robot' ELSE 'member' END || ' (' ||
           coalesce(m.role, '?') || ')',
         x.campaign_id
  FROM removals x JOIN members m ON m.run_id = target_run AND m.id = x.membership_id
  WHERE x.item_type IN ('member', 'robot')

  UNION ALL
  SELECT 'review.remove_pending', 'medium', 'robot_tokens', 'robot_token', t.id, x.name,
         x.decided || '; the token is still active', x.campaign_id
  FROM removals x JOIN robot_tokens t ON t.run_id = target_run AND t.id = x.token_id AND t.status = 'active'
  WHERE x.item_type = 'token'

  UNION ALL
  SELECT 'review.remove_pending', 'medium', 'invitations', 'invitation', v.id, v.email,
         x.decided || '; the invitation is still pending', x.campaign_id
  FROM removals x JOIN invitations v ON v.run_id = target_run AND v.id = x.invitation_id AND v.status = 'pending'
  WHERE x.item_type = 'invitation'
)
-- An entity two campaigns decided to remove is one finding, about the latest campaign.
SELECT rule_id, severity, collection, entity_type, entity_id, entity_name, detail
FROM hits
QUALIFY row_number() OVER (PARTITION BY rule_id, entity_type, entity_id ORDER BY TRY_CAST(campaign AS INTEGER) DESC) = 1;
