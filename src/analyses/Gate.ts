/**
 * Gating a scheduled run on its findings: which unsuppressed findings of the runs just stored are at or above the
 * `--fail-on` severity (optionally only those new since the previous run).
 */
import { Effect } from "effect"
import type { DatabaseService, StoreError } from "../store/Database.js"
import { param } from "../store/Database.js"
import { atLeast, type Severity } from "./Severity.js"

export interface GateFinding {
  readonly run_id: number
  readonly workspace_id: string
  readonly rule_id: string
  readonly severity: string
  readonly entity_id: string
  readonly entity_name: string | null
  readonly detail: string | null
  readonly is_new: boolean
}

export const gatingFindings = (
  db: DatabaseService,
  runIds: ReadonlyArray<number>,
  threshold: Severity,
  newOnly: boolean
): Effect.Effect<ReadonlyArray<GateFinding>, StoreError> =>
  runIds.length === 0
    ? Effect.succeed([])
    : Effect.map(
      db.query(
        `SELECT run_id, workspace_id, rule_id, severity, entity_id, entity_name, detail, is_new
         FROM findings WHERE NOT suppressed AND list_contains($1::INTEGER[], run_id)
         ORDER BY severity_rank(severity) DESC, rule_id, entity_name`,
        [param.text(`[${runIds.join(",")}]`)]
      ),
      (rows) =>
        (rows as unknown as ReadonlyArray<GateFinding>).filter((f) =>
          atLeast(f.severity, threshold) && (!newOnly || f.is_new)
        )
    )
