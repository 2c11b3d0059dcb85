/**
 * The remediation actions of a period (issue 14's `remediation_actions` view), read only where the database has
 * that view: a database without remediation says "none in this period". The view's columns as planned: plan_id,
 * action_id, kind, workspace_id, target_label, reason, method, path, outcome, applied_at, verification
 * (`verified`, `reverted` or `pending`). The whole query is `remediationActions` below, to align with the view when
 * it lands; a column the view lacks reads as empty.
 */
import { Effect, Schema } from "effect"
import { type DatabaseService, param, type StoreError } from "../store/Database.js"
import { findFirst } from "../read/Query.js"

export interface RemediationAction {
  readonly plan_id: string | null
  readonly action_id: string | null
  readonly kind: string | null
  readonly target_label: string | null
  readonly reason: string | null
  readonly method: string | null
  readonly path: string | null
  readonly outcome: string | null
  readonly applied_at: string | null
  readonly verification: string | null
}

const COLUMNS = ["plan_id", "action_id", "kind", "target_label", "reason", "method", "path", "outcome", "applied_at", "verification"] as const

const hasView = (db: DatabaseService, name: string) =>
  Effect.map(
    findFirst(db, Schema.Struct({ n: Schema.Number }), "views", "SELECT count(*)::INTEGER AS n FROM duckdb_views() WHERE view_name = $1", [
      param.text(name)
    ]),
    (row) => (row?.n ?? 0) > 0
  )

const text = (value: unknown): string | null =>
  value === null || value === undefined ? null : value instanceof Date ? value.toISOString() : String(value)

/**
 * The workspace's remediation actions applied in [start, end] (ISO instants), or still pending; null where the
 * database has no remediation at all (no `remediation_actions` view).
 */
export const remediationActions = (
  db: DatabaseService,
  workspaceId: string,
  start: string,
  end: string
): Effect.Effect<ReadonlyArray<RemediationAction> | null, StoreError> =>
  Effect.gen(function*() {
    if (!(yield* hasView(db, "remediation_actions"))) return null
    const rows = yield* db.query(
      `SELECT * FROM remediation_actions
       WHERE workspace_id = $1
         AND (applied_at IS NULL OR (applied_at::TIMESTAMPTZ >= $2::TIMESTAMPTZ AND applied_at::TIMESTAMPTZ <= $3::TIMESTAMPTZ))
       ORDER BY applied_at NULLS LAST, plan_id, action_id`,
      [param.text(workspaceId), param.timestamp(start), param.timestamp(end)]
    )
    return rows.map((row) => Object.fromEntries(COLUMNS.map((c) => [c, text(row[c])])) as unknown as RemediationAction)
  })
