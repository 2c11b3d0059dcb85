/** The runs of the history: one run's row and coverage, a workspace's runs, the workspaces stored. */
import { Effect, Option, Schema } from "effect"
import { type DatabaseService, param, type StoreError } from "../store/Database.js"
import { findAll, findFirst, Num, Text } from "./Query.js"

export const RunRow = Schema.Struct({
  run_id: Schema.Number,
  source: Schema.String,
  workspace_id: Schema.String,
  workspace_slug: Text,
  workspace_name: Text,
  started_at: Schema.String,
  finished_at: Schema.String,
  status: Schema.String,
  api_calls: Num,
  rate_limit_remaining: Num,
  tool_version: Text,
  content_hash: Text,
  previous_hash: Text
})
export type RunRow = typeof RunRow.Type

export const CoverageRow = Schema.Struct({
  collection: Schema.String,
  status: Schema.String,
  rows: Num,
  detail: Text
})
export type CoverageRow = typeof CoverageRow.Type

/** A workspace as the history knows it: the names it was stored under, for matching what a user types. */
export const StoredWorkspace = Schema.Struct({
  source: Schema.String,
  workspace_id: Schema.String,
  label: Schema.String,
  slugs: Schema.Array(Text),
  names: Schema.Array(Text)
})
export type StoredWorkspace = typeof StoredWorkspace.Type

/** A run of a workspace that stored data (complete or incomplete), for naming points in time. */
export const RunRef = Schema.Struct({ run_id: Schema.Number, started_at: Schema.String })
export type RunRef = typeof RunRef.Type

/** A stored run with data; none if it does not exist or failed. */
export const runWithData = (db: DatabaseService, runId: number): Effect.Effect<Option.Option<RunRow>, StoreError> =>
  Effect.map(
    findFirst(
      db,
      RunRow,
      "runs",
      "SELECT * EXCLUDE (coverage, error) FROM runs WHERE run_id = $1 AND status <> 'failed'",
      [
        param.int(runId)
      ]
    ),
    Option.fromNullable
  )

/** The workspace's previous run that stored data, before `run`. */
export const previousRunId = (db: DatabaseService, run: RunRow): Effect.Effect<Option.Option<number>, StoreError> =>
  Effect.map(
    findFirst(
      db,
      Schema.Struct({ id: Num }),
      "runs",
      `SELECT max(run_id) AS id FROM runs WHERE source = $1 AND workspace_id = $2 AND run_id < $3 AND status <> 'failed'`,
      [param.text(run.source), param.text(run.workspace_id), param.int(run.run_id)]
    ),
    (found) => Option.fromNullable(found?.id)
  )

export const coverageOf = (db: DatabaseService, runId: number) =>
  findAll(
    db,
    CoverageRow,
    "coverage",
    "SELECT collection, status, rows, detail FROM coverage WHERE run_id = $1 ORDER BY collection",
    [
      param.int(runId)
    ]
  )

/** Every workspace with a stored run, with each slug and name it had. */
export const storedWorkspaces = (db: DatabaseService) =>
  findAll(
    db,
    StoredWorkspace,
    "workspaces",
    `SELECT source, workspace_id, any_value(coalesce(workspace_slug, workspace_name, workspace_id)) AS label,
            list(DISTINCT workspace_slug) AS slugs, list(DISTINCT workspace_name) AS names
     FROM runs WHERE workspace_id IS NOT NULL GROUP BY ALL ORDER BY label`
  )

/** A workspace's runs that stored data, oldest first. */
export const runsOfWorkspace = (db: DatabaseService, source: string, workspaceId: string) =>
  findAll(
    db,
    RunRef,
    "runs",
    `SELECT run_id, started_at FROM runs
     WHERE source = $1 AND workspace_id = $2 AND status <> 'failed' ORDER BY run_id`,
    [param.text(source), param.text(workspaceId)]
  )

/** What one run added to the history: its changes and its (new) unsuppressed findings. */
export const runTally = (db: DatabaseService, runId: number) =>
  Effect.map(
    findFirst(
      db,
      Schema.Struct({ changes: Schema.Number, findings: Schema.Number, new_findings: Schema.Number }),
      "run tallies",
      `SELECT (SELECT count(*) FROM changes_in($1::INTEGER, $1::INTEGER))::INTEGER AS changes,
              (SELECT count(*) FROM findings WHERE run_id = $1 AND NOT suppressed)::INTEGER AS findings,
              (SELECT count(*) FROM findings WHERE run_id = $1 AND is_new AND NOT suppressed)::INTEGER AS new_findings`,
      [param.int(runId)]
    ),
    (tally) => tally ?? { changes: 0, findings: 0, new_findings: 0 }
  )

/** The whole history in one line: how many runs, how many complete, the last run id. */
export const historyTally = (db: DatabaseService) =>
  Effect.map(
    findFirst(
      db,
      Schema.Struct({ runs: Schema.Number, complete: Schema.Number, last: Num }),
      "runs",
      `SELECT count(*)::INTEGER AS runs, count(*) FILTER (WHERE status = 'complete')::INTEGER AS complete, max(run_id) AS last FROM runs`
    ),
    (tally) => tally ?? { runs: 0, complete: 0, last: null }
  )
