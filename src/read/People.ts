/**
 * Who had access at both ends of a window, and one status per person: existing, joined, left, role changed (or
 * joined and left, for someone who came and went inside it). Each end is the state of the last run at or before it
 * that read the members completely (`state_run`, changes.sql). Who made a change and when come from the access log
 * through the `changes` view; "invited by" from the invitation the person accepted, as a name.
 */
import { Effect, Schema } from "effect"
import type { DatabaseService } from "../store/Database.js"
import { changesOf, type Window, windowParams } from "./Changes.js"
import { findAll, streamAll, Text } from "./Query.js"

export const PersonStatus = Schema.Literal("existing", "joined", "left", "role changed", "joined and left")
export type PersonStatus = typeof PersonStatus.Type

/** A membership over a window: its state at each end, its status, and who changed it and when. */
export const PersonRow = Schema.Struct({
  id: Schema.String,
  user_id: Text,
  user_type: Text,
  display_name: Text,
  email: Text,
  role_at_start: Text,
  role_at_end: Text,
  admin_at_start: Schema.Boolean,
  admin_at_end: Schema.Boolean,
  status: PersonStatus,
  /** When and by whom the status came about: the join, the removal, or the last role change. */
  joined_at: Text,
  joined_by: Text,
  /** The person's own act: they accepted an invitation (who granted the access is `invited_by`). */
  joined_by_self: Schema.Boolean,
  left_at: Text,
  left_by: Text,
  role_changed_at: Text,
  role_changed_by: Text,
  invited_by: Text,
  created_at: Text,
  access: Text,
  org_role: Text,
  user_status: Text,
  last_login_at: Text
})
export type PersonRow = typeof PersonRow.Type

/**
 * The query over a window ($1 source, $2 workspace, $3 from run, $4 to run): one row per membership present at
 * either end or added inside the window. `filter` is a WHERE clause over the result, `order` its ORDER BY. Read from
 * the window's people table where a report filled one (`peopleTableSql`), with the parameters to bind (none for it).
 */
const peopleQuery = (window: Window, filter: string, order: string) =>
  window.peopleTable === undefined
    ? { sql: `${everyPersonSql(window, filter)}\n ORDER BY ${order}`, params: windowParams(window) }
    : { sql: `SELECT * FROM ${window.peopleTable} WHERE ${filter} ORDER BY ${order}`, params: [] }

/** Every row of the window's people query, to fill a table a report reads three times ($1..$4 as `windowParams`). */
export const peopleTableSql = (window: Window) => everyPersonSql(window, "true")

const everyPersonSql = (window: Window, filter: string) => `
WITH
s AS (SELECT * FROM members WHERE run_id = state_run('members', $1, $2, $3)),
e AS (SELECT * FROM members WHERE run_id = state_run('members', $1, $2, $4)),
ch AS (
  SELECT * FROM ${changesOf(window)}
  WHERE source = $1 AND workspace_id = $2 AND run_id > $3 AND run_id <= $4 AND entity_type = 'member'
    AND change_type IN ('member_added', 'member_removed', 'role_changed')
),
moves AS (
  SELECT entity_id AS id,
         max(coalesce(changed_at, detected_at)) FILTER (WHERE change_type = 'member_added') AS joined_at,
         arg_max(actor_display_name, run_id) FILTER (WHERE change_type = 'member_added') AS joined_by,
         arg_max(actor_id, run_id) FILTER (WHERE change_type = 'member_added') AS joined_by_id,
         max(coalesce(changed_at, detected_at)) FILTER (WHERE change_type = 'member_removed') AS left_at,
         arg_max(actor_display_name, run_id) FILTER (WHERE change_type = 'member_removed') AS left_by,
         max(coalesce(changed_at, detected_at)) FILTER (WHERE change_type = 'role_changed') AS role_changed_at,
         arg_max(actor_display_name, run_id) FILTER (WHERE change_type = 'role_changed') AS role_changed_by
  FROM ch GROUP BY entity_id
),
-- Someone who came and went inside the window is in neither end: their last version up to its end names them.
passing AS (
  SELECT id, arg_max(user_id, valid_from) AS user_id, arg_max(user_type, valid_from) AS user_type,
         arg_max(display_name, valid_from) AS display_name, arg_max(email, valid_from) AS email,
         arg_max(role, valid_from) AS role, arg_max(created_at, valid_from) AS created_at
  FROM member_versions
  WHERE source = $1 AND workspace_id = $2 AND valid_from <= $4
    AND id IN (SELECT id FROM moves) AND id NOT IN (SELECT id FROM s) AND id NOT IN (SELECT id FROM e)
  GROUP BY id
),
names AS (
  SELECT id, arg_max(coalesce(display_name, email), valid_from) AS name
  FROM member_versions WHERE source = $1 AND workspace_id = $2 GROUP BY id
),
accepted AS (
  SELECT lower(email) AS email, arg_max(invited_by, valid_from) AS invited_by
  FROM invitation_versions
  WHERE source = $1 AND workspace_id = $2 AND status = 'accepted' AND valid_from <= $4 AND email IS NOT NULL
  GROUP BY 1
),
people AS (
  SELECT coalesce(e.id, s.id, p.id) AS id,
         coalesce(e.user_id, s.user_id, p.user_id) AS user_id,
         coalesce(e.user_type, s.user_type, p.user_type) AS user_type,
         coalesce(e.display_name, s.display_name, p.display_name) AS display_name,
         coalesce(e.email, s.email, p.email) AS email,
         s.role AS role_at_start,
         coalesce(e.role, CASE WHEN s.id IS NULL THEN p.role END) AS role_at_end,
         s.id IS NOT NULL AND is_admin(s.role, s.access, s.org_role) AS admin_at_start,
         e.id IS NOT NULL AND is_admin(e.role, e.access, e.org_role) AS admin_at_end,
         CASE
           WHEN s.id IS NOT NULL AND e.id IS NOT NULL
             THEN CASE WHEN s.role IS DISTINCT FROM e.role THEN 'role changed' ELSE 'existing' END
           WHEN e.id IS NOT NULL THEN 'joined'
           WHEN s.id IS NOT NULL THEN 'left'
           ELSE 'joined and left'
         END AS status,
         m.joined_at, m.joined_by,
         m.joined_by_id IS NOT NULL AND m.joined_by_id = coalesce(e.user_id, s.user_id, p.user_id) AS joined_by_self,
         m.left_at, m.left_by, m.role_changed_at, m.role_changed_by,
         coalesce(n.name, a.invited_by) AS invited_by,
         coalesce(e.created_at, s.created_at, p.created_at) AS created_at,
         coalesce(e.access, s.access) AS access, coalesce(e.org_role, s.org_role) AS org_role,
         coalesce(e.user_status, s.user_status) AS user_status, e.last_login_at
  FROM s FULL JOIN e ON e.id = s.id
  FULL JOIN passing p ON p.id = coalesce(e.id, s.id)
  LEFT JOIN moves m ON m.id = coalesce(e.id, s.id, p.id)
  LEFT JOIN accepted a ON a.email = lower(coalesce(e.email, s.email, p.email))
  LEFT JOIN names n ON n.id = a.invited_by
)
SELECT * FROM people WHERE ${filter}`

const statusOrder =
  `CASE status WHEN 'joined' THEN 0 WHEN 'left' THEN 1 WHEN 'role changed' THEN 2 WHEN 'joined and left' THEN 3 ELSE 4 END`

/** Joiners, movers and leavers: everyone whose access differs between the window's ends, or who came and went. */
export const peopleChanges = (db: DatabaseService, window: Window) => {
  const { params, sql } = peopleQuery(
    window,
    "status <> 'existing'",
    `${statusOrder}, coalesce(joined_at, left_at, role_changed_at), coalesce(email, display_name), id`
  )
  return findAll(db, PersonRow, "people", sql, params)
}

/** Everyone with access at the window's start or end (the two populations side by side), streamed in chunks. */
export const population = (db: DatabaseService, window: Window) => {
  const { params, sql } = peopleQuery(
    window,
    "status <> 'joined and left'",
    "user_type, coalesce(role_at_end, role_at_start), coalesce(email, display_name), id"
  )
  return streamAll(db, PersonRow, "people", sql, params)
}

/** The window's end population only, in the Access review's order, streamed in chunks. */
export const endPopulation = (db: DatabaseService, window: Window) => {
  const { params, sql } = peopleQuery(
    window,
    "status IN ('existing', 'joined', 'role changed')",
    "user_type, role_at_end, coalesce(email, display_name), id"
  )
  return streamAll(db, PersonRow, "people", sql, params)
}

export const PopulationCounts = Schema.Struct({
  members: Schema.Number,
  humans: Schema.Number,
  robots: Schema.Number,
  admins: Schema.Number
})
export type PopulationCounts = typeof PopulationCounts.Type

const countsAt = (at: "$3" | "$4") => `
  SELECT count(*)::INTEGER AS members,
         count(*) FILTER (WHERE coalesce(user_type, 'human') <> 'robot')::INTEGER AS humans,
         count(*) FILTER (WHERE user_type = 'robot')::INTEGER AS robots,
         count(*) FILTER (WHERE coalesce(user_type, 'human') <> 'robot' AND is_admin(role, access, org_role))::INTEGER AS admins
  FROM members WHERE run_id = state_run('members', $1, $2, ${at})`

/** How many members, humans, robots and human admins there were at the window's start and at its end. */
export const populationCounts = (db: DatabaseService, window: Window) =>
  Effect.map(
    findAll(
      db,
      Schema.Struct({ at: Schema.Literal("start", "end"), ...PopulationCounts.fields }),
      "member counts",
      `SELECT 'start' AS at, * FROM (${countsAt("$3")}) UNION ALL SELECT 'end' AS at, * FROM (${countsAt("$4")})`,
      windowParams(window)
    ),
    (rows) => {
      const pick = (at: "start" | "end"): PopulationCounts => {
        const { at: _, ...counts } = rows.find((r) => r.at === at) ??
          { at, members: 0, humans: 0, robots: 0, admins: 0 }
        return counts
      }
      return { start: pick("start"), end: pick("end") }
    }
  )
