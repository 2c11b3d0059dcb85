/** The stored findings: a run's, the latest of each workspace, and those that gate a scheduled run. */
import { Effect, Option, Schema } from "effect"
import { atLeast, type Severity, severityRank } from "../analyses/Severity.js"
import { type DatabaseService, param } from "../store/Database.js"
import { findAll, Text } from "./Query.js"

export const FindingRow = Schema.Struct({
  rule_id: Schema.String,
  severity: Schema.String,
  entity_type: Text,
  entity_id: Text,
  entity_name: Text,
  detail: Text,
  first_seen_run_id: Schema.Number,
  first_seen_at: Schema.String,
  is_new: Schema.Boolean,
  suppressed: Schema.Boolean,
  suppression_reason: Text,
  suppression_expires_at: Text
})
export type FindingRow = typeof FindingRow.Type

/** A run's findings, unsuppressed first, most severe first. */
export const findingsOfRun = (db: DatabaseService, runId: number) =>
  findAll(
    db,
    FindingRow,
    "findings",
    `SELECT rule_id, severity, entity_type, entity_id, entity_name, detail, first_seen_run_id, first_seen_at, is_new,
            suppressed, suppression_reason, suppression_expires_at
     FROM findings WHERE run_id = $1
     ORDER BY suppressed, severity_rank(severity) DESC, rule_id, entity_name, entity_id`,
    [param.int(runId)]
  )

export const LatestFinding = Schema.Struct({
  ...FindingRow.fields,
  workspace: Schema.String,
  workspace_id: Schema.String,
  source: Schema.String,
  run_id: Schema.Number
})
export type LatestFinding = typeof LatestFinding.Type

/** The findings of the latest stored run of each workspace (or of one, by id, slug or name). */
export const latestFindings = (
  db: DatabaseService,
  filter: {
    readonly workspace: Option.Option<string>
    readonly atLeast: Option.Option<Severity>
    readonly includeSuppressed: boolean
  }
) =>
  findAll(
    db,
    LatestFinding,
    "findings",
    `WITH latest AS (
       SELECT source, workspace_id, max(run_id) AS run_id FROM runs WHERE status <> 'failed' GROUP BY ALL
     )
     SELECT f.severity, f.rule_id, f.entity_type, f.entity_id, f.entity_name, f.detail, f.first_seen_run_id,
            f.first_seen_at, f.is_new, f.suppressed, f.suppression_reason, f.suppression_expires_at,
            coalesce(r.workspace_slug, r.workspace_name, r.workspace_id) AS workspace, f.workspace_id, f.source, f.run_id
     FROM findings f JOIN latest USING (run_id) JOIN runs r USING (run_id)
     WHERE ($1 IS NULL OR r.workspace_id = $1 OR r.workspace_slug = $1 OR r.workspace_name = $1)
       AND ($2 OR NOT f.suppressed)
       AND severity_rank(f.severity) >= $3
     ORDER BY severity_rank(f.severity) DESC, f.rule_id, f.entity_name, f.entity_id`,
    [
      param.text(Option.getOrNull(filter.workspace)),
      param.bool(filter.includeSuppressed),
      param.int(Option.match(filter.atLeast, { onNone: () => 0, onSome: severityRank }))
    ]
  )

export const GateFinding = Schema.Struct({
  run_id: Schema.Number,
  workspace_id: Schema.String,
  rule_id: Schema.String,
  severity: Schema.String,
  entity_id: Schema.String,
  entity_name: Text,
  detail: Text,
  is_new: Schema.Boolean
})
export type GateFinding = typeof GateFinding.Type

/**
 * Gating a scheduled run on its findings: the unsuppressed findings of the runs just stored at or above the
 * `--fail-on` severity (optionally only those new since the previous run).
 */
export const gatingFindings = (
  db: DatabaseService,
  runIds: ReadonlyArray<number>,
  threshold: Severity,
  newOnly: boolean
) =>
  runIds.length === 0
    ? Effect.succeed([])
    : Effect.map(
      findAll(
        db,
        GateFinding,
        "findings",
        `SELECT run_id, workspace_id, rule_id, severity, entity_id, entity_name, detail, is_new
         FROM findings WHERE NOT suppressed AND list_contains($1::INTEGER[], run_id)
         ORDER BY severity_rank(severity) DESC, rule_id, entity_name`,
        [param.text(`[${runIds.join(",")}]`)]
      ),
      (rows) => rows.filter((f) => atLeast(f.severity, threshold) && (!newOnly || f.is_new))
    )
