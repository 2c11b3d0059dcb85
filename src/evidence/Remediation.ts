/**
 * The remediation actions of a period (the `remediation_actions` view, docs/remediation.md), read only where the
 * database has that view (one written by an older version has not): then it says "none in this period". An action
 * belongs to the period when it was applied within it, or when its plan carries out a review campaign of the period
 * (a quarter's review is carried out after the quarter, and its evidence is the campaign's remediation).
 */
import { Effect, Schema } from "effect"
import { findFirst } from "../read/Query.js"
import { type DatabaseService, param, type StoreError } from "../store/Database.js"

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

const COLUMNS = [
  "plan_id",
  "action_id",
  "kind",
  "target_label",
  "reason",
  "method",
  "path",
  "outcome",
  "applied_at",
  "verification"
] as const

const hasView = (db: DatabaseService, name: string) =>
  Effect.map(
    findFirst(
      db,
      Schema.Struct({ n: Schema.Number }),
      "views",
      "SELECT count(*)::INTEGER AS n FROM duckdb_views() WHERE view_name = $1",
      [
        param.text(name)
      ]
    ),
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
  end: string,
  campaignIds: ReadonlyArray<string>
): Effect.Effect<ReadonlyArray<RemediationAction> | null, StoreError> =>
  Effect.gen(function*() {
    if (!(yield* hasView(db, "remediation_actions"))) return null
    const rows = yield* db.query(
      `SELECT plan_id, action_id, kind, label AS target_label, reason, method, path, outcome,
              attempted_at AS applied_at, verification
       FROM remediation_actions
       WHERE workspace_id = $1
         AND ((attempted_at >= $2::TIMESTAMPTZ AND attempted_at <= $3::TIMESTAMPTZ)
              OR list_contains(from_json($4::VARCHAR, '["VARCHAR"]'), campaign_id))
       ORDER BY attempted_at NULLS LAST, plan_id, position`,
      [param.text(workspaceId), param.timestamp(start), param.timestamp(end), param.text(JSON.stringify(campaignIds))]
    )
    return rows.map((row) => Object.fromEntries(COLUMNS.map((c) => [c, text(row[c])])) as unknown as RemediationAction)
  })
