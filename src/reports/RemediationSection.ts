/**
 * What a period report says about remediation: every action of the plans made from the period's runs, what apply
 * did and what the runs after it show (remediation/remediation.sql). Empty for a single run, and for a database
 * written before remediation existed.
 */
import { Effect, Schema } from "effect"
import { findAll, Num, Text } from "../read/Query.js"
import { type DatabaseService, param, type StoreError } from "../store/Database.js"
import { blocks, table } from "./markdown/Blocks.js"

export const RemediationRow = Schema.Struct({
  plan_id: Schema.String,
  action_id: Schema.String,
  kind: Schema.String,
  label: Schema.String,
  reason: Schema.String,
  method: Schema.String,
  path: Schema.String,
  outcome: Schema.String,
  http_status: Num,
  attempted_at: Text,
  verification: Text,
  verified_run_id: Num
})
export type RemediationRow = typeof RemediationRow.Type

export const periodRemediation = (
  db: DatabaseService,
  window: {
    readonly source: string
    readonly workspaceId: string
    readonly fromRunId: number
    readonly toRunId: number
  }
): Effect.Effect<ReadonlyArray<RemediationRow>, StoreError> =>
  Effect.gen(function*() {
    const views = yield* db.query(
      "SELECT count(*)::INTEGER AS n FROM duckdb_views() WHERE view_name = 'remediation_actions'"
    )
    if (Number(views[0]?.["n"] ?? 0) === 0) return []
    return yield* findAll(
      db,
      RemediationRow,
      "remediation actions",
      `SELECT a.plan_id, a.action_id, a.kind, a.label, a.reason, a.method, a.path, a.outcome, a.http_status,
              a.attempted_at::VARCHAR AS attempted_at, a.verification, a.verified_run_id
       FROM remediation_actions a JOIN remediation_plans p USING (plan_id)
       WHERE a.source = $1 AND a.workspace_id = $2 AND p.run_id BETWEEN $3 AND $4
       ORDER BY p.created_at, a.plan_id, a.position`,
      [
        param.text(window.source),
        param.text(window.workspaceId),
        param.int(window.fromRunId),
        param.int(window.toRunId)
      ]
    )
  })

const MAX_ROWS = 100

/** The Markdown section, or null when the period had no remediation. */
export const remediationMarkdown = (rows: ReadonlyArray<RemediationRow>): string | null =>
  rows.length === 0 ? null : blocks(
    "## Remediation of the period",
    table(
      ["plan", "action", "target", "why", "call", "outcome", "verification"],
      rows.slice(0, MAX_ROWS).map((a) => [
        a.plan_id,
        `${a.action_id} ${a.kind}`,
        a.label,
        a.reason,
        `${a.method} ${a.path}`,
        `${a.outcome}${a.http_status === null ? "" : ` (${a.http_status})`}${
          a.attempted_at ? ` ${a.attempted_at.slice(0, 10)}` : ""
        }`,
        a.verification === "verified" ? `verified (run ${a.verified_run_id})` : a.verification ?? ""
      ])
    ),
    rows.length > MAX_ROWS ? `_${rows.length - MAX_ROWS} more are in the remediation_actions view._` : null
  )
