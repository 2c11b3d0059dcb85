/**
 * `ptolemy-audit findings`: the findings of the latest stored run of each workspace (or of one workspace), most
 * severe first. Suppressed findings are left out unless asked for.
 */
import { Console, Effect, Option } from "effect"
import { severityRank, type Severity } from "../../analyses/Severity.js"
import { Database, param } from "../../store/Database.js"
import { runFailed } from "../ExitCode.js"
import { render } from "../Output.js"
import { readableStore } from "./common.js"

export interface FindingsInput {
  readonly db: string
  readonly json: boolean
  readonly workspace: Option.Option<string>
  readonly severity: Option.Option<Severity>
  readonly includeSuppressed: boolean
}

const columns = [
  "severity",
  "rule_id",
  "entity_type",
  "entity_name",
  "detail",
  "first_seen_at",
  "is_new",
  "suppressed",
  "workspace",
  "run_id"
]

export const findings = (input: FindingsInput) =>
  Effect.gen(function*() {
    const db = yield* Database
    const rows = yield* db.query(
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
        param.text(Option.getOrNull(input.workspace)),
        param.bool(input.includeSuppressed),
        param.int(Option.match(input.severity, { onNone: () => 0, onSome: severityRank }))
      ]
    )
    yield* Console.log(
      input.json ? JSON.stringify(rows, null, 2) : render("table", { columns, rows }).replace(/\n$/, "")
    )
  }).pipe(
    Effect.provide(readableStore(input.db)),
    Effect.catchTag("StoreError", (error) => Effect.fail(runFailed(error.message)))
  )
