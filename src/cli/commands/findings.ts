/**
 * `ptolemy-audit findings`: the findings of the latest stored run of each workspace (or of one workspace), most
 * severe first. Suppressed findings are left out unless asked for.
 */
import { Console, Effect, Option } from "effect"
import type { Severity } from "../../analyses/Severity.js"
import { latestFindings } from "../../read/Findings.js"
import { Database } from "../../store/Database.js"
import { runFailed } from "../ExitCode.js"
import { jsonText, render } from "../Output.js"
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
    const rows = yield* latestFindings(db, {
      workspace: input.workspace,
      atLeast: input.severity,
      includeSuppressed: input.includeSuppressed
    })
    yield* Console.log(
      input.json ? jsonText(rows) : render("table", { columns, rows }).replace(/\n$/, "")
    )
  }).pipe(
    Effect.provide(readableStore(input.db)),
    Effect.catchTag("StoreError", (error) => Effect.fail(runFailed(error.message)))
  )
