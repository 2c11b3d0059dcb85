-- The people directory (docs/roster.md): the roster each run read and its people (views `rosters` and `people`),
-- who each member is in it, and the rules that compare the two (`people_findings`, called by evaluate_findings in
-- findings.sql). Matching compares addresses by email_key (analyses/foundations.sql): case-insensitive, trimmed,
-- with the configured domain aliases. By hand:
--   SET VARIABLE domain_aliases = MAP {'example.io': 'example.com'};      -- optional
--   SET VARIABLE external_people = ['*@agency.example'];                   -- optional: allowed people outside it
--   SET VARIABLE robot_owners = MAP {'ci-bot': 'ops@example.com'};          -- optional: robot name or id -> owner
--   SELECT * FROM people_findings(42);

-- The roster file each run read: one row per run that read one.
CREATE OR REPLACE VIEW rosters AS
SELECT r.run_id, r.source, r.workspace_id, v.file_name, v.sha256, v.format, v."rows"
FROM covered_runs('roster') r
JOIN roster_versions v
  ON v.source = r.source AND v.workspace_id = r.workspace_id
 AND r.run_id >= v.valid_from AND r.run_id < coalesce(v.valid_to, 2147483647);

-- Every person of the directory as of each run that read its roster completely.
CREATE OR REPLACE VIEW people AS
SELECT r.run_id, r.source, r.workspace_id, v.id, v.email, v.name, v.status, v.status_raw,
       TRY_CAST(v.terminated_on AS DATE) AS terminated_on, v.manager, v.department, v.aliases, v.raw::JSON AS raw
FROM covered_runs('people') r
JOIN people_versions v
  ON v.source = r.source AND v.workspace_id = r.workspace_id
 AND r.run_id >= v.valid_from AND r.run_id < coalesce(v.valid_to, 2147483647);

-- Who has left: terminated, suspended or deprovisioned in the directory.
CREATE OR REPLACE MACRO is_leaver(status) AS coalesce(status IN ('terminated', 'suspended', 'deprovisioned'), false);

-- The run from which the directory has said, without a break up to `at_run`, that a person left (for exports that
-- give no date, such as Entra ID's and Google's: the date they left is then "first seen so").
CREATE OR REPLACE MACRO leaving_seen_run(src, ws, pid, at_run) AS (
  SELECT min(v.valid_from) FROM people_versions v
  WHERE v.source = src AND v.workspace_id = ws AND v.id = pid AND v.valid_from <= at_run AND is_leaver(v.status)
    AND v.valid_from > coalesce((
      SELECT max(a.valid_from) FROM people_versions a
      WHERE a.source = src AND a.workspace_id = ws AND a.id = pid AND a.valid_from <= at_run AND NOT is_leaver(a.status)), 0)
);

-- The people of a run, each with whether they left and since when (`left_on_inferred`: the directory gave no date).
CREATE OR REPLACE MACRO people_as_of(target_run) AS TABLE
SELECT p.*, is_leaver(p.status) AS leaver,
       CASE WHEN is_leaver(p.status) THEN coalesce(p.terminated_on,
         (SELECT l.started_at FROM run_log l WHERE l.run_id = leaving_seen_run(p.source, p.workspace_id, p.id, p.run_id))::DATE) END
         AS left_on,
       is_leaver(p.status) AND p.terminated_on IS NULL AS left_on_inferred
FROM people p
WHERE p.run_id = target_run;

-- Every address each person of a run is known by (their email and aliases), as matching keys.
CREATE OR REPLACE MACRO person_keys(target_run) AS TABLE
SELECT DISTINCT person_id, person_key FROM (
  SELECT p.id AS person_id, unnest([email_key(p.email)] || [email_key(a) FOR a IN p.aliases]) AS person_key
  FROM people p WHERE p.run_id = target_run
)
WHERE person_key IS NOT NULL;

-- Every human member of a run with the directory rows their address matches (none, one, or several: ambiguous);
-- nobody when the run read no roster completely (and then no work is done: the join starts from that).
CREATE OR REPLACE MACRO member_people(target_run) AS TABLE
SELECT m.id AS member_id, m.user_id, m.email, m.display_name, m.role, m.access,
       coalesce(list(DISTINCT k.person_id ORDER BY k.person_id) FILTER (WHERE k.person_id IS NOT NULL), []::VARCHAR[])
         AS person_ids
FROM (SELECT * FROM run_collections WHERE run_id = target_run AND collection = 'people' AND status = 'complete') read
JOIN members m ON m.run_id = read.run_id
LEFT JOIN person_keys(target_run) k ON k.person_key = email_key(m.email)
WHERE coalesce(m.user_type, 'human') <> 'robot'
GROUP BY ALL;

-- An address outside the directory that may have access: SET VARIABLE external_people = ['*@agency.example'].
CREATE OR REPLACE MACRO external_allowed(email) AS
  coalesce(list_bool_or([lower(trim(email, ' ')) GLOB p FOR p IN coalesce(getvariable('external_people'), []::VARCHAR[])]), false);

-- Who owns each robot of a run: the config file's owners (robot id, then name), else whoever created it according
-- to the event log (their address as last stored, even if they have left the workspace since), else nobody.
CREATE OR REPLACE MACRO robot_owners(target_run) AS TABLE
WITH
run AS (SELECT run_id, source, workspace_id FROM run_log WHERE run_id = target_run),
configured AS (SELECT coalesce(getvariable('robot_owners'), MAP {}::MAP(VARCHAR, VARCHAR)) AS owners),
created AS (
  SELECT e.resource_id, e.actor_id, e.created_at
  FROM event_log e JOIN run r ON e.source = r.source AND e.workspace_id = r.workspace_id AND e.first_run_id <= r.run_id
  WHERE e.event_type IN ('membership.created', 'robot.created') AND coalesce(e.actor_type, 'human') = 'human'
),
creator AS (
  SELECT v.id, v.user_id, arg_max(v.email, v.valid_from) AS email
  FROM member_versions v JOIN run r ON v.source = r.source AND v.workspace_id = r.workspace_id
  WHERE v.valid_from <= r.run_id AND v.email IS NOT NULL
  GROUP BY v.id, v.user_id
),
found AS (
  SELECT b.id AS robot_id, b.display_name AS robot_name, c.owners[b.id] AS by_id, c.owners[b.display_name] AS by_name,
         k.email AS creator_email, e.created_at
  FROM robots b
  CROSS JOIN configured c
  LEFT JOIN created e ON e.resource_id IN (b.membership_id, b.id)
  LEFT JOIN creator k ON e.actor_id IN (k.user_id, k.id)
  WHERE b.run_id = target_run
  QUALIFY row_number() OVER (PARTITION BY b.id ORDER BY k.email IS NULL, e.created_at) = 1
)
SELECT robot_id, robot_name,
       trim(coalesce(by_id, by_name, creator_email), ' ') AS owner_email,
       CASE WHEN coalesce(by_id, by_name) IS NOT NULL THEN 'config'
            WHEN creator_email IS NOT NULL THEN 'event log' END AS owner_from,
       created_at
FROM found;

-- How a leaver left, for a finding's detail: "terminated in the directory since 2026-03-10 (12 days ago)".
CREATE OR REPLACE MACRO left_text(status, left_on, inferred, as_of) AS
  status || ' in the directory ' ||
  CASE WHEN inferred THEN 'as first seen on ' ELSE 'since ' END || strftime(left_on, '%Y-%m-%d') || ' (' ||
  date_diff('day', left_on, as_of::DATE) || CASE WHEN date_diff('day', left_on, as_of::DATE) = 1 THEN ' day' ELSE ' days' END ||
  ' ago' || CASE WHEN inferred THEN '; the export gives no date' ELSE '' END || ')';

-- The rules of the people directory as of one run: rule_id, severity, collection, entity_type, entity_id,
-- entity_name, detail (as evaluate_findings' hits). They judge only a run that read its roster completely: a roster
-- that is a gap raises no phantom leavers or unknowns, and its findings are carried from the last run that read one.
-- A run that could not read its members (or robots) repeats those rules' findings of the previous run, since a
-- finding here closes with the roster, not with the members.
CREATE OR REPLACE MACRO people_findings(target_run) AS TABLE
WITH
-- No row (and so no work below) unless the run read its roster completely.
run AS (
  SELECT l.run_id, l.source, l.workspace_id, l.started_at AS as_of FROM run_log l
  JOIN run_collections c ON c.run_id = l.run_id AND c.collection = 'people' AND c.status = 'complete'
  WHERE l.run_id = target_run
),
gate AS (
  SELECT EXISTS (SELECT 1 FROM run) AS roster,
         coalesce(bool_or(collection = 'members'), false) AS members,
         coalesce(bool_or(collection = 'robots'), false) AS robots,
         coalesce(bool_or(collection = 'robot_tokens'), false) AS tokens
  FROM run_collections WHERE run_id = (SELECT run_id FROM run) AND status = 'complete'
),
person AS (SELECT * FROM people_as_of(target_run)),
keys AS (SELECT * FROM person_keys(target_run)),
matched AS (
  SELECT m.*, len(m.person_ids) AS matches, p.status, p.leaver, p.left_on, p.left_on_inferred
  FROM member_people(target_run) m
  LEFT JOIN person p ON len(m.person_ids) = 1 AND p.id = m.person_ids[1]
),
member_hits AS (
  SELECT 'access.leaver' AS rule_id, 'high' AS severity, 'people' AS collection, 'member' AS entity_type,
         m.member_id AS entity_id, coalesce(m.email, m.display_name) AS entity_name,
         left_text(m.status, m.left_on, m.left_on_inferred, r.as_of) || ' and still holds ' ||
           coalesce(m.access, 'direct') || ' ' || coalesce(m.role, '?') || ' access' AS detail
  FROM matched m CROSS JOIN run r
  WHERE m.leaver AND date_diff('day', m.left_on, r.as_of::DATE) >= threshold('leaver_grace_days')

  UNION ALL
  SELECT 'access.unknown_person', 'medium', 'people', 'member', m.member_id, coalesce(m.email, m.display_name),
         CASE WHEN m.email IS NULL THEN 'has no address to look up in the directory'
              WHEN email_key(m.email) IS NULL THEN 'has a malformed address, which no directory row can match'
              ELSE 'is in no row of the directory and matches no allowed external pattern' END ||
           ' (' || coalesce(m.role, '?') || ' access)'
  FROM matched m CROSS JOIN run r
  WHERE m.matches = 0 AND NOT external_allowed(m.email)

  UNION ALL
  SELECT 'access.ambiguous_person', 'medium', 'people', 'member', m.member_id, coalesce(m.email, m.display_name),
         'matches ' || m.matches || ' rows of the directory: ' ||
           (SELECT string_agg(coalesce(p.email, p.id) || ' (' || p.status || ')', ', ' ORDER BY p.id)
            FROM person p WHERE list_contains(m.person_ids, p.id)) ||
           '; not judged until the directory has one row for this address'
  FROM matched m CROSS JOIN run r
  WHERE m.matches > 1
),
owner AS (
  SELECT o.*, (SELECT list(DISTINCT k.person_id) FROM keys k WHERE k.person_key = email_key(o.owner_email)) AS person_ids
  FROM run r CROSS JOIN robot_owners(target_run) o
),
active_tokens AS (
  SELECT t.robot_id, count(*) AS n, string_agg('…' || coalesce(t.token_suffix, '????'), ', ' ORDER BY t.token_suffix) AS suffixes
  FROM robot_tokens t WHERE t.run_id = target_run AND t.status = 'active'
  GROUP BY t.robot_id
),
robot_hits AS (
  SELECT 'robot.no_owner' AS rule_id, 'medium' AS severity, 'people' AS collection, 'robot' AS entity_type,
         o.robot_id AS entity_id, o.robot_name AS entity_name,
         'no owner: none in the config file''s owners, and the event log does not say who created it' AS detail
  FROM owner o CROSS JOIN run r
  WHERE o.owner_email IS NULL

  UNION ALL
  SELECT 'robot.owner_left', 'high', 'people', 'robot', o.robot_id, o.robot_name,
         'owner ' || o.owner_email || ' (' || CASE o.owner_from WHEN 'config' THEN 'from the config file'
                                                              ELSE 'created it, per the event log' END || ') is ' ||
           left_text(p.status, p.left_on, p.left_on_inferred, r.as_of) || '; ' ||
           CASE WHEN NOT (SELECT tokens FROM gate) THEN 'its tokens could not be read in this run'
                WHEN t.n IS NULL THEN 'it has no active token'
                ELSE t.n || ' active token' || CASE WHEN t.n = 1 THEN '' ELSE 's' END || ': ' || t.suffixes END
  FROM owner o
  CROSS JOIN run r
  JOIN person p ON len(o.person_ids) = 1 AND p.id = o.person_ids[1]
  LEFT JOIN active_tokens t ON t.robot_id = o.robot_id
  WHERE p.leaver
),
previous AS (
  SELECT f.rule_id, f.severity, f.collection, f.entity_type, f.entity_id, f.entity_name, f.detail
  FROM finding_versions f CROSS JOIN run r
  CROSS JOIN (SELECT max(l.run_id) AS run_id FROM run_log l, run r
              WHERE l.source = r.source AND l.workspace_id = r.workspace_id AND l.run_id < r.run_id AND l.status <> 'failed') p
  WHERE f.source = r.source AND f.workspace_id = r.workspace_id
    AND f.valid_from <= p.run_id AND coalesce(f.valid_to, 2147483647) > p.run_id
)
SELECT * FROM member_hits WHERE (SELECT roster AND members FROM gate)
UNION ALL
SELECT * FROM previous WHERE rule_id IN ('access.leaver', 'access.unknown_person', 'access.ambiguous_person')
  AND (SELECT roster AND NOT members FROM gate)
UNION ALL
SELECT * FROM robot_hits WHERE (SELECT roster AND robots FROM gate)
UNION ALL
SELECT * FROM previous WHERE rule_id IN ('robot.no_owner', 'robot.owner_left') AND (SELECT roster AND NOT robots FROM gate);

-- Time to removal over a window of a workspace's runs (from_run, to_run], as `report --period` shows it: every
-- leaver whose membership was removed in the window, with the days from leaving (the directory's termination date,
-- else the first run that saw them gone) to removal (when the event log says it happened, else the run that saw
-- it), and every leaver who still had access at the window's end (removed = false, days so far). A removal counts
-- when the directory of that run (or the last one before it that read its roster) says the person had left by then.
-- `within_target`: removed within target_days (by hand: threshold('removal_target_days'), 1 by default).
CREATE OR REPLACE MACRO time_to_removal(src, ws, from_run, to_run, target_days) AS TABLE
WITH
roster_runs AS (
  SELECT l.run_id FROM run_log l
  JOIN run_collections c ON c.run_id = l.run_id AND c.collection = 'people' AND c.status = 'complete'
  WHERE l.source = src AND l.workspace_id = ws AND l.status <> 'failed'
),
removed AS (
  SELECT c.run_id, c.entity_id AS member_id, v.email, v.display_name,
         coalesce(c.changed_at, c.detected_at) AS removed_at,
         (SELECT max(rr.run_id) FROM roster_runs rr WHERE rr.run_id <= c.run_id) AS roster_run
  FROM changes_in(from_run + 1, to_run) c
  JOIN member_versions v ON v.source = c.source AND v.workspace_id = c.workspace_id AND v.id = c.entity_id AND v.valid_to = c.run_id
  WHERE c.source = src AND c.workspace_id = ws AND c.change_type = 'member_removed'
    AND c.run_id > from_run AND c.run_id <= to_run
),
removed_person AS (
  SELECT d.*, pv.id AS person_id, pv.status, TRY_CAST(pv.terminated_on AS DATE) AS terminated_on,
         count(*) OVER (PARTITION BY d.run_id, d.member_id) AS matches
  FROM removed d
  JOIN people_versions pv
    ON pv.source = src AND pv.workspace_id = ws
   AND pv.valid_from <= d.roster_run AND coalesce(pv.valid_to, 2147483647) > d.roster_run
   AND list_contains([email_key(pv.email)] || [email_key(a) FOR a IN pv.aliases], email_key(d.email))
),
removals AS (
  SELECT d.member_id, d.email, d.display_name,
         coalesce(d.terminated_on, (SELECT l.started_at FROM run_log l
                                    WHERE l.run_id = leaving_seen_run(src, ws, d.person_id, d.roster_run))::DATE) AS left_on,
         d.terminated_on IS NULL AS left_on_inferred, d.removed_at, true AS removed
  FROM removed_person d
  WHERE d.matches = 1 AND is_leaver(d.status)
),
end_run AS (
  SELECT max(l.run_id) AS run_id FROM run_log l
  JOIN run_collections c ON c.run_id = l.run_id AND c.collection = 'members' AND c.status = 'complete'
  WHERE l.source = src AND l.workspace_id = ws AND l.status <> 'failed' AND l.run_id <= to_run
    AND l.run_id IN (SELECT run_id FROM roster_runs)
),
still_there AS (
  SELECT m.member_id, m.email, m.display_name, p.left_on, p.left_on_inferred, NULL::TIMESTAMPTZ AS removed_at,
         false AS removed
  FROM member_people((SELECT run_id FROM end_run)) m
  JOIN people_as_of((SELECT run_id FROM end_run)) p ON len(m.person_ids) = 1 AND p.id = m.person_ids[1]
  WHERE p.leaver
),
window_end AS (SELECT started_at::DATE AS on_date FROM run_log WHERE run_id = to_run)
SELECT x.member_id, x.email, x.display_name, x.left_on, x.left_on_inferred, x.removed_at, x.removed,
       date_diff('day', x.left_on, coalesce(x.removed_at::DATE, (SELECT on_date FROM window_end))) AS days,
       x.removed AND date_diff('day', x.left_on, x.removed_at::DATE) <= target_days AS within_target
FROM (SELECT * FROM removals WHERE left_on <= removed_at::DATE UNION ALL SELECT * FROM still_there) x;
