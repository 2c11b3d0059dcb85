/**
 * What changed over a window of a workspace's runs: itemised (every change between consecutive runs inside it) and
 * netted (its end state against its start state, so that a member added and removed inside it nets to nothing).
 */
import { Schema } from "effect"
import { type DatabaseService, param } from "../store/Database.js"
import { findAll, Text } from "./Query.js"

/** A row of the `changes` view, every column in its order. */
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
  event_id: Text
})
export type ChangeRow = typeof ChangeRow.Type

/** A row of `window_changes(...)`, every column in its order. */
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
}

const windowParams = (w: Window) => [param.text(w.source), param.text(w.workspaceId), param.int(w.fromRunId), param.int(w.toRunId)]

/** Every change between consecutive runs in (from, to]. */
export const itemisedChanges = (db: DatabaseService, window: Window) =>
  findAll(
    db,
    ChangeRow,
    "changes",
    `SELECT * FROM changes WHERE source = $1 AND workspace_id = $2 AND run_id > $3 AND run_id <= $4
     ORDER BY run_id, change_type, entity_name, entity_id`,
    windowParams(window)
  )

/** The state at `to` against the state at `from`, classified by the same rules as the itemised changes. */
export const netChanges = (db: DatabaseService, window: Window) =>
  findAll(
    db,
    NetChangeRow,
    "changes",
    `SELECT * FROM window_changes($1, $2, $3::INTEGER, $4::INTEGER) ORDER BY change_type, entity_name, entity_id`,
    windowParams(window)
  )
