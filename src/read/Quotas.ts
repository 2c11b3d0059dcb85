/** Plan usage against its limits: each dimension's latest fit as of a run, and the usage history up to it. */
import { Schema } from "effect"
import { type DatabaseService, param } from "../store/Database.js"
import { findAll, Num, Text } from "./Query.js"

export const QuotaRow = Schema.Struct({
  dimension: Schema.String,
  used: Num,
  limit: Num,
  utilisation: Num,
  growth_per_day: Num,
  projected_exhaustion_at: Text,
  plan: Text
})
export type QuotaRow = typeof QuotaRow.Type

export const QuotaPoint = Schema.Struct({
  run_id: Schema.Number,
  started_at: Schema.String,
  dimension: Schema.String,
  used: Num,
  limit: Num
})
export type QuotaPoint = typeof QuotaPoint.Type

export const quotasOfRun = (db: DatabaseService, runId: number) =>
  findAll(
    db,
    QuotaRow,
    "quotas",
    `SELECT q.dimension, q.used, q."limit" AS "limit", q.utilisation, q.growth_per_day,
            q.projected_exhaustion_at, u.plan
     FROM quota_fits q JOIN plan_usage u USING (run_id, dimension)
     WHERE q.run_id = $1 ORDER BY q.dimension`,
    [param.int(runId)]
  )

/** Every stored reading of a workspace's plan usage in [from, to]. */
export const quotaHistory = (
  db: DatabaseService,
  source: string,
  workspaceId: string,
  fromRunId: number,
  toRunId: number
) =>
  findAll(
    db,
    QuotaPoint,
    "plan usage",
    `SELECT u.run_id, r.started_at, u.dimension, u.used, u."limit" AS "limit"
     FROM plan_usage u JOIN runs r USING (run_id)
     WHERE u.source = $1 AND u.workspace_id = $2 AND u.run_id >= $3 AND u.run_id <= $4
     ORDER BY u.run_id, u.dimension`,
    [param.text(source), param.text(workspaceId), param.int(fromRunId), param.int(toRunId)]
  )
