/**
 * The completeness of a period's evidence, from the stored runs alone: every run of the workspace in the period (a
 * failed one too) with its coverage and content hash, the population each counted reconciled against the plan's
 * seat count, the collections that could not be read, and the days on which no run read the workspace.
 */
import { Schema } from "effect"
import { findAll, Num, Text } from "../read/Query.js"
import { type DatabaseService, param } from "../store/Database.js"

/** One run of the period: its status, its coverage, what it counted and the plan's seats at that run. */
export const PeriodRun = Schema.Struct({
  run_id: Schema.Number,
  started_at: Schema.String,
  finished_at: Schema.String,
  status: Schema.String,
  error: Text,
  tool_version: Text,
  content_hash: Text,
  previous_hash: Text,
  api_calls: Num,
  /** Collections read completely, and those that were gaps (`members: forbidden`). */
  complete: Schema.Array(Schema.String),
  /** Collections this source does not have (TransactionLink: robots, tokens, webhooks, plan, events). */
  not_applicable: Schema.Array(Schema.String),
  gaps: Schema.Array(Schema.Struct({ collection: Schema.String, status: Schema.String, detail: Text })),
  /** Null where the run did not read the members completely. */
  members: Num,
  humans: Num,
  robots: Num,
  /** The plan's `seats` meter at the run (humans only use seats), null where the plan was not read or has none. */
  seats_used: Num,
  seats_limit: Num
})
export type PeriodRun = typeof PeriodRun.Type

/** Every run of the workspace from run `$3` to run `$4` (both included), oldest first. */
export const periodRuns = (
  db: DatabaseService,
  source: string,
  workspaceId: string,
  fromRunId: number,
  toRunId: number
) =>
  findAll(
    db,
    PeriodRun,
    "runs of the period",
    `WITH r AS (
       SELECT * FROM run_log WHERE source = $1 AND workspace_id = $2 AND run_id BETWEEN $3 AND $4
     ),
     c AS (
       SELECT run_id,
              coalesce(list(collection ORDER BY collection) FILTER (WHERE status = 'complete'), []) AS complete,
              coalesce(list(collection ORDER BY collection) FILTER (WHERE status = 'not_applicable'), []) AS not_applicable,
              coalesce(list({'collection': collection, 'status': status, 'detail': detail} ORDER BY collection)
                FILTER (WHERE status IN ('forbidden', 'failed')), []) AS gaps
       FROM run_collections WHERE run_id IN (SELECT run_id FROM r) GROUP BY run_id
     ),
     m AS (
       SELECT run_id, count(*)::INTEGER AS members,
              count(*) FILTER (WHERE coalesce(user_type, 'human') <> 'robot')::INTEGER AS humans,
              count(*) FILTER (WHERE user_type = 'robot')::INTEGER AS robots
       FROM members WHERE source = $1 AND workspace_id = $2 AND run_id BETWEEN $3 AND $4 GROUP BY run_id
     ),
     s AS (
       SELECT run_id, used AS seats_used, "limit" AS seats_limit
       FROM plan_usage WHERE source = $1 AND workspace_id = $2 AND run_id BETWEEN $3 AND $4 AND dimension = 'seats'
     )
     SELECT r.run_id, r.started_at, r.finished_at, r.status, r.error, r.tool_version, r.content_hash, r.previous_hash,
            r.api_calls, coalesce(c.complete, []) AS complete, coalesce(c.not_applicable, []) AS not_applicable,
            coalesce(c.gaps, []) AS gaps,
            m.members, m.humans, m.robots, s.seats_used::DOUBLE AS seats_used, s.seats_limit::DOUBLE AS seats_limit
     FROM r LEFT JOIN c USING (run_id) LEFT JOIN m USING (run_id) LEFT JOIN s USING (run_id)
     ORDER BY r.run_id`,
    [param.text(source), param.text(workspaceId), param.int(fromRunId), param.int(toRunId)]
  )

/** How a run's count of people stands against the plan's seats. */
export const seatReconciliation = (run: PeriodRun): string =>
  run.humans === null
    ? "members not read"
    : run.not_applicable.includes("plan_usage")
    ? "no plan in this source"
    : run.seats_used === null
    ? "no seat count in the plan"
    : run.seats_used === run.humans
    ? "matches"
    : `differs by ${run.seats_used - run.humans} (plan ${run.seats_used}, counted ${run.humans})`

/** A stretch of days of the period on which no run read the workspace (none stored, or every one failed). */
export interface MissingDays {
  readonly from: string
  readonly to: string
  readonly days: number
}

const DAY = 86400_000
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10)

/**
 * The days in [start, end] (YYYY-MM-DD, both included) with no run that stored data, as stretches. A period that
 * ends in the future counts up to `until` (the last run's day), not beyond.
 */
export const missingDays = (
  runs: ReadonlyArray<PeriodRun>,
  start: string,
  end: string,
  until: string
): ReadonlyArray<MissingDays> => {
  const covered = new Set(runs.filter((r) => r.status !== "failed").map((r) => r.started_at.slice(0, 10)))
  const last = Math.min(Date.parse(`${end}T00:00:00Z`), Date.parse(`${until.slice(0, 10)}T00:00:00Z`))
  const stretches: Array<MissingDays> = []
  let from: number | null = null
  let to = 0
  const close = () => {
    if (from !== null) stretches.push({ from: dayOf(from), to: dayOf(to), days: Math.round((to - from) / DAY) + 1 })
    from = null
  }
  for (let at = Date.parse(`${start}T00:00:00Z`); at <= last; at += DAY) {
    if (covered.has(dayOf(at))) {
      close()
    } else {
      from ??= at
      to = at
    }
  }
  close()
  return stretches
}
