/**
 * The people directory as the reports read it: the roster a run read, its people, and time to removal over a
 * review window (how many days each leaver kept access, and the share removed within the target).
 */
import { Effect, Schema } from "effect"
import { type DatabaseService, param } from "../store/Database.js"
import type { Window } from "./Changes.js"
import { Bool, findAll, findFirst, Num, Text } from "./Query.js"

export const RosterRow = Schema.Struct({
  file_name: Text,
  sha256: Text,
  format: Text,
  rows: Num
})
export type RosterRow = typeof RosterRow.Type

/** The roster file a run read, if it read one. */
export const rosterOfRun = (db: DatabaseService, runId: number) =>
  findFirst(db, RosterRow, "roster", `SELECT file_name, sha256, format, "rows" FROM rosters WHERE run_id = $1`, [
    param.int(runId)
  ])

/** Whether any run of a window's workspace from its start to its end (both included) read a people directory. */
export const rosterReadInWindow = (db: DatabaseService, window: Window) =>
  Effect.map(
    findFirst(
      db,
      Schema.Struct({ n: Schema.Number }),
      "roster",
      `SELECT count(*)::INTEGER AS n FROM run_log l
       JOIN run_collections c ON c.run_id = l.run_id AND c.collection = 'people' AND c.status = 'complete'
       WHERE l.source = $1 AND l.workspace_id = $2 AND l.status <> 'failed' AND l.run_id BETWEEN $3 AND $4`,
      [
        param.text(window.source),
        param.text(window.workspaceId),
        param.int(window.fromRunId),
        param.int(window.toRunId)
      ]
    ),
    (row) => (row?.n ?? 0) > 0
  )

export const PersonRow = Schema.Struct({
  id: Schema.String,
  email: Text,
  name: Text,
  status: Schema.String,
  status_raw: Text,
  terminated_on: Text,
  manager: Text,
  department: Text,
  aliases: Schema.Array(Schema.String)
})
export type PersonRow = typeof PersonRow.Type

/** The people of a run's roster, by id. */
export const peopleOfRun = (db: DatabaseService, runId: number) =>
  findAll(
    db,
    PersonRow,
    "people",
    `SELECT id, email, name, status, status_raw, strftime(terminated_on, '%Y-%m-%d') AS terminated_on, manager, department,
            aliases
     FROM people WHERE run_id = $1 ORDER BY id`,
    [param.int(runId)]
  )

/** A leaver of a review window: removed in it (after `days`), or still holding access at its end (`days` so far). */
export const RemovalRow = Schema.Struct({
  member_id: Schema.String,
  email: Text,
  display_name: Text,
  /** YYYY-MM-DD: the directory's termination date, else the first run that saw the person gone. */
  left_on: Schema.String,
  /** The export gave no date: `left_on` is when the directory was first seen saying so. */
  left_on_inferred: Schema.Boolean,
  removed_at: Text,
  removed: Schema.Boolean,
  days: Schema.Number,
  within_target: Bool
})
export type RemovalRow = typeof RemovalRow.Type

export interface TimeToRemoval {
  readonly rows: ReadonlyArray<RemovalRow>
  readonly targetDays: number
  readonly leavers: number
  readonly removed: number
  readonly withinTarget: number
  /** Removed within the target, of every leaver of the window (those never removed count against it); null for none. */
  readonly share: number | null
}

/**
 * Time to removal over (from, to] of a window, judged against a target in days (the `removal_target_days` threshold,
 * `defaultThresholds.removal_target_days` unless configured).
 */
export const timeToRemoval = (db: DatabaseService, window: Window, targetDays: number) =>
  Effect.map(
    findAll(
      db,
      RemovalRow,
      "time to removal",
      `SELECT member_id, email, display_name, strftime(left_on, '%Y-%m-%d') AS left_on, left_on_inferred, removed_at,
              removed, days, within_target
       FROM time_to_removal($1, $2, $3::INTEGER, $4::INTEGER, $5::DOUBLE)
       ORDER BY removed DESC, days, email, member_id`,
      [
        param.text(window.source),
        param.text(window.workspaceId),
        param.int(window.fromRunId),
        param.int(window.toRunId),
        param.double(targetDays)
      ]
    ),
    (rows): TimeToRemoval => {
      const withinTarget = rows.filter((r) => r.within_target === true).length
      return {
        rows,
        targetDays,
        leavers: rows.length,
        removed: rows.filter((r) => r.removed).length,
        withinTarget,
        share: rows.length === 0 ? null : withinTarget / rows.length
      }
    }
  )
