/**
 * Privileged access over a window: the admins (people and robots, by `is_admin`, views.sql) at its start and end,
 * the tokens of admin robots at both ends, and every admin grant and revocation inside it with who and when.
 */
import { Schema } from "effect"
import type { DatabaseService } from "../store/Database.js"
import { changesOf, type Window, windowParams } from "./Changes.js"
import { Bool, findAll, Text } from "./Query.js"

/** A membership that was an admin at the window's start, at its end, or both. */
export const AdminRow = Schema.Struct({
  id: Schema.String,
  user_type: Text,
  display_name: Text,
  email: Text,
  role_at_start: Text,
  role_at_end: Text,
  access: Text,
  org_role: Text,
  admin_at_start: Schema.Boolean,
  admin_at_end: Schema.Boolean,
  created_at: Text
})
export type AdminRow = typeof AdminRow.Type

const ends = `
s AS (SELECT * FROM members WHERE run_id = state_run('members', $1, $2, $3)),
e AS (SELECT * FROM members WHERE run_id = state_run('members', $1, $2, $4))`

export const adminsOverWindow = (db: DatabaseService, window: Window) =>
  findAll(
    db,
    AdminRow,
    "admins",
    `WITH ${ends}
     SELECT coalesce(e.id, s.id) AS id, coalesce(e.user_type, s.user_type) AS user_type,
            coalesce(e.display_name, s.display_name) AS display_name, coalesce(e.email, s.email) AS email,
            s.role AS role_at_start, e.role AS role_at_end, coalesce(e.access, s.access) AS access,
            coalesce(e.org_role, s.org_role) AS org_role,
            s.id IS NOT NULL AND is_admin(s.role, s.access, s.org_role) AS admin_at_start,
            e.id IS NOT NULL AND is_admin(e.role, e.access, e.org_role) AS admin_at_end,
            coalesce(e.created_at, s.created_at) AS created_at
     FROM s FULL JOIN e ON e.id = s.id
     WHERE (s.id IS NOT NULL AND is_admin(s.role, s.access, s.org_role)) OR (e.id IS NOT NULL AND is_admin(e.role, e.access, e.org_role))
     ORDER BY coalesce(e.user_type, s.user_type), coalesce(e.display_name, s.display_name, e.email, s.email), 1`,
    windowParams(window)
  )

/** A token of a robot that was an admin at either end (a robot without tokens has one row with null token columns). */
export const AdminTokenRow = Schema.Struct({
  robot_id: Schema.String,
  robot_name: Text,
  membership_id: Text,
  token_id: Text,
  name: Text,
  token_suffix: Text,
  status_at_start: Text,
  status_at_end: Text,
  created_at: Text,
  expires_at: Text,
  last_used_at: Text,
  last_used_reported: Bool
})
export type AdminTokenRow = typeof AdminTokenRow.Type

export const adminRobotTokens = (db: DatabaseService, window: Window) =>
  findAll(
    db,
    AdminTokenRow,
    "admin robots' tokens",
    `WITH ${ends},
     admin_memberships AS (
       SELECT id FROM s WHERE user_type = 'robot' AND is_admin(role, access, org_role)
       UNION SELECT id FROM e WHERE user_type = 'robot' AND is_admin(role, access, org_role)
     ),
     admin_robots AS (
       SELECT id, arg_max(display_name, valid_from) AS robot_name, arg_max(membership_id, valid_from) AS membership_id
       FROM robot_versions WHERE source = $1 AND workspace_id = $2 AND valid_from <= $4
       GROUP BY id HAVING arg_max(membership_id, valid_from) IN (SELECT id FROM admin_memberships)
     ),
     ts AS (SELECT * FROM robot_tokens WHERE run_id = state_run('robot_tokens', $1, $2, $3)),
     te AS (SELECT * FROM robot_tokens WHERE run_id = state_run('robot_tokens', $1, $2, $4)),
     tokens AS (
       SELECT coalesce(te.robot_id, ts.robot_id) AS robot_id, coalesce(te.id, ts.id) AS token_id,
              coalesce(te.name, ts.name) AS name, coalesce(te.token_suffix, ts.token_suffix) AS token_suffix,
              ts.status AS status_at_start, te.status AS status_at_end,
              coalesce(te.created_at, ts.created_at) AS created_at, coalesce(te.expires_at, ts.expires_at) AS expires_at,
              te.last_used_at, coalesce(te.last_used_reported, ts.last_used_reported) AS last_used_reported
       FROM ts FULL JOIN te ON te.id = ts.id
     )
     SELECT r.id AS robot_id, r.robot_name, r.membership_id, t.token_id, t.name, t.token_suffix, t.status_at_start,
            t.status_at_end, t.created_at, t.expires_at, t.last_used_at, t.last_used_reported
     FROM admin_robots r LEFT JOIN tokens t ON t.robot_id = r.id
     ORDER BY r.robot_name, r.id, t.status_at_end = 'active' DESC, t.created_at DESC, t.token_id`,
    windowParams(window)
  )

/** An admin grant or revocation between two consecutive runs that read the members completely. */
export const AdminChangeRow = Schema.Struct({
  run_id: Schema.Number,
  detected_at: Schema.String,
  kind: Schema.Literal("granted", "revoked"),
  id: Schema.String,
  user_type: Text,
  display_name: Text,
  email: Text,
  old_role: Text,
  new_role: Text,
  /** The membership was created or deleted (not only its role changed). */
  added: Schema.Boolean,
  removed: Schema.Boolean,
  actor_display_name: Text,
  changed_at: Text
})
export type AdminChangeRow = typeof AdminChangeRow.Type

/** Every admin grant and revocation in (from, to], oldest first, with who and when from the access log. */
export const adminChanges = (db: DatabaseService, window: Window) =>
  findAll(
    db,
    AdminChangeRow,
    "admin changes",
    `WITH pairs AS (
       SELECT coalesce(n.valid_from, o.valid_to) AS run_id, coalesce(n.id, o.id) AS id,
              coalesce(n.user_type, o.user_type) AS user_type, coalesce(n.display_name, o.display_name) AS display_name,
              coalesce(n.email, o.email) AS email, o.role AS old_role, n.role AS new_role,
              o.id IS NOT NULL AND is_admin(o.role, o.access, o.org_role) AS was_admin,
              n.id IS NOT NULL AND is_admin(n.role, n.access, n.org_role) AS is_admin_now,
              o.id IS NULL AS added, n.id IS NULL AS removed
       FROM (SELECT * FROM member_versions WHERE source = $1 AND workspace_id = $2 AND valid_to IS NOT NULL) o
       FULL JOIN (SELECT * FROM member_versions WHERE source = $1 AND workspace_id = $2) n
         ON n.id = o.id AND n.valid_from = o.valid_to
     )
     SELECT p.run_id, c.started_at AS detected_at, CASE WHEN p.is_admin_now THEN 'granted' ELSE 'revoked' END AS kind,
            p.id, p.user_type, p.display_name, p.email, p.old_role, p.new_role, p.added, p.removed,
            ch.actor_display_name, ch.changed_at
     FROM pairs p
     JOIN covered_run_pairs c
       ON c.collection = 'members' AND c.source = $1 AND c.workspace_id = $2 AND c.run_id = p.run_id
      AND c.previous_run_id IS NOT NULL
     LEFT JOIN ${changesOf(window)} ch
       ON ch.source = $1 AND ch.workspace_id = $2 AND ch.run_id = p.run_id AND ch.entity_type = 'member' AND ch.entity_id = p.id
     WHERE p.run_id > $3 AND p.run_id <= $4 AND p.was_admin <> p.is_admin_now
     ORDER BY coalesce(ch.changed_at, c.started_at), p.id`,
    windowParams(window)
  )
