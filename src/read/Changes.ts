/**
 * What changed over a window of a workspace's runs: itemised (every change between consecutive runs inside it) and
 * netted (its end state against its start state, one net effect per entity, so that a member added and removed
 * inside it nets to nothing). Tokens are named by their robot as well as their suffix.
 */
import { Schema } from "effect"
import { type DatabaseService, param } from "../store/Database.js"
import { findAll, Text } from "./Query.js"

/** A row of the `changes` view, every column in its order (a token's `entity_name` carries its robot's name), and one more. */
export const ChangeRow = Schema.Struct({
  run_id: Schema.Number,
  previous_run_id: Schema.Number,
  source: Schema.String,
  workspace_id: Schema.String,
  detected_at: Schema.String,
  change_type: Schema.String,
  entity_type: Schema.String,
  entity_id: Schema.String,
  entity_name: Text,
  old_value: Text,
  new_value: Text,
  actor_id: Text,
  actor_type: Text,
  actor_display_name: Text,
  changed_at: Text,
  event_id: Text,
  /** A robot's membership: its `member_added`/`member_removed` repeat the robot's own `robot_added`/`robot_removed`. */
  robot_membership: Schema.Boolean
})
export type ChangeRow = typeof ChangeRow.Type

/** A row of `window_changes(...)`, every column in its order, netted to one effect per entity. */
export const NetChangeRow = Schema.Struct({
  source: Schema.String,
  workspace_id: Schema.String,
  from_run_id: Schema.Number,
  to_run_id: Schema.Number,
  entity_type: Schema.String,
  entity_id: Schema.String,
  entity_name: Text,
  change_type: Schema.String,
  old_value: Text,
  new_value: Text
})
export type NetChangeRow = typeof NetChangeRow.Type

export interface Window {
  readonly source: string
  readonly workspaceId: string
  /** The run the window starts from (its state is the baseline; its own changes are not in the window). */
  readonly fromRunId: number
  readonly toRunId: number
  /**
   * A table holding the window's changes, filled once by a report that reads them many times (WindowTables.ts); none:
   * the `changes` view, derived from the versions at each query.
   */
  readonly changesTable?: string
  /** A table holding every row of the window's people query (People.ts), filled once the same way. */
  readonly peopleTable?: string
}

/**
 * Where the window's changes are read from: its table, or the `changes` view. Not `changes_in`: these queries also
 * serve the read-only commands, which see the views a database was last written with, and a database written by an
 * earlier version has no `changes_in` until its next run.
 */
export const changesOf = (w: Window): string => w.changesTable ?? "changes"

export const windowParams = (
  w: Window
) => [param.text(w.source), param.text(w.workspaceId), param.int(w.fromRunId), param.int(w.toRunId)]

/** `robot …suffix` for each token of the workspace ($1, $2), from its latest version and its robot's. */
const tokenLabels = `token_labels AS (
  SELECT t.id, coalesce(r.display_name || ' ', '') || '…' || coalesce(t.token_suffix, '????') AS label
  FROM (SELECT id, arg_max(robot_id, valid_from) AS robot_id, arg_max(token_suffix, valid_from) AS token_suffix
        FROM robot_token_versions WHERE source = $1 AND workspace_id = $2 GROUP BY id) t
  LEFT JOIN (SELECT id, arg_max(display_name, valid_from) AS display_name
             FROM robot_versions WHERE source = $1 AND workspace_id = $2 GROUP BY id) r ON r.id = t.robot_id
)`

/** Every change between consecutive runs in (from, to]. */
export const itemisedChanges = (db: DatabaseService, window: Window) =>
  findAll(
    db,
    ChangeRow,
    "changes",
    `WITH ${tokenLabels}
     SELECT c.* REPLACE (coalesce(l.label, c.entity_name) AS entity_name),
            c.entity_type = 'member' AND c.entity_id IN (
              SELECT membership_id FROM robot_versions WHERE source = $1 AND workspace_id = $2 AND membership_id IS NOT NULL
            ) AS robot_membership
     FROM ${changesOf(window)} c LEFT JOIN token_labels l ON c.entity_type = 'robot_token' AND l.id = c.entity_id
     WHERE c.source = $1 AND c.workspace_id = $2 AND c.run_id > $3 AND c.run_id <= $4
     ORDER BY c.run_id, c.change_type, entity_name, c.entity_id`,
    windowParams(window)
  )

/**
 * The state at `to` against the state at `from`, classified by the same rules as the itemised changes, with one net
 * effect per entity: an invitation sent and accepted inside the window is one `invitation_accepted` from nothing
 * (old value null), a token created and expired one `token_expired`; a robot's membership is not counted again
 * beside the robot (`robot_removed`, not also `member_removed`).
 */
export const netChanges = (db: DatabaseService, window: Window) =>
  findAll(
    db,
    NetChangeRow,
    "changes",
    `WITH ${tokenLabels},
     net AS (
       SELECT *, count(*) OVER (PARTITION BY entity_type, entity_id) AS steps
       FROM window_changes($1, $2, $3::INTEGER, $4::INTEGER)
     ),
     robot_memberships AS (
       SELECT DISTINCT membership_id FROM robot_versions
       WHERE source = $1 AND workspace_id = $2 AND id IN (SELECT entity_id FROM net WHERE entity_type = 'robot')
     )
     SELECT n.source, n.workspace_id, n.from_run_id, n.to_run_id, n.entity_type, n.entity_id,
            coalesce(l.label, n.entity_name) AS entity_name, n.change_type,
            CASE WHEN n.steps > 1 AND n.entity_type IN ('invitation', 'robot_token') THEN NULL ELSE n.old_value END AS old_value,
            n.new_value
     FROM net n LEFT JOIN token_labels l ON n.entity_type = 'robot_token' AND l.id = n.entity_id
     WHERE NOT (n.steps > 1 AND n.change_type IN ('invitation_sent', 'token_created'))
       AND NOT (n.entity_type = 'member' AND n.change_type IN ('member_added', 'member_removed')
                AND n.entity_id IN (SELECT membership_id FROM robot_memberships))
     ORDER BY n.change_type, entity_name, n.entity_id`,
    windowParams(window)
  )

/** A webhook's compared fields, as `webhook_fields` (changes.sql) writes them. */
const parseFields = (text: string | null): Record<string, unknown> | null => {
  if (text === null) return null
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null
  } catch {
    return null
  }
}

const fieldText = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value ?? null))

/**
 * A change's before and after for people to read: a `*_changed` change shows only the fields that differ
 * (`active: true` → `active: false`), not the whole record.
 */
export const readableValues = (change: {
  readonly change_type: string
  readonly old_value: string | null
  readonly new_value: string | null
}): { readonly before: string | null; readonly after: string | null } => {
  if (change.change_type !== "webhook_changed") return { before: change.old_value, after: change.new_value }
  const [before, after] = [parseFields(change.old_value), parseFields(change.new_value)]
  if (before === null || after === null) return { before: change.old_value, after: change.new_value }
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) =>
    fieldText(before[k]) !== fieldText(after[k])
  )
  return {
    before: keys.map((k) => `${k}: ${fieldText(before[k])}`).join("; "),
    after: keys.map((k) => `${k}: ${fieldText(after[k])}`).join("; ")
  }
}
