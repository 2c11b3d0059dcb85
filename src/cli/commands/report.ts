/**
 * `ptolemy-audit report`: rebuild the reports from stored data alone (no API calls), for one run or for a review
 * window: `--since RUN|DATE` up to `--run`, or a whole `--period` such as 2026-Q3 (the state at its end, every change
 * during it, and the findings at its end).
 */
import { join } from "node:path"
import { Console, Effect, Option } from "effect"
import { writeReports, type ReportScope } from "../../reports/Reports.js"
import { Database } from "../../store/Database.js"
import { runFailed, usageError } from "../ExitCode.js"
import { parsePeriod, resolveRun, resolveWorkspace } from "../Resolve.js"
import { readableStore, workspaceFolder } from "./common.js"

export interface ReportInput {
  readonly db: string
  readonly reports: string
  readonly run: string
  readonly since: Option.Option<string>
  readonly period: Option.Option<string>
  readonly workspace: Option.Option<string>
}

export const report = (input: ReportInput) =>
  Effect.gen(function*() {
    if (Option.isSome(input.period) && Option.isSome(input.since)) {
      return yield* Effect.fail(usageError("Use either --period or --since, not both."))
    }
    const db = yield* Database
    const workspace = yield* resolveWorkspace(db, input.workspace)
    let scope: ReportScope
    let folder: string
    if (Option.isSome(input.period)) {
      const period = yield* parsePeriod(input.period.value)
      const to = yield* resolveRun(db, workspace, period.end, "end")
      // The state at the period's start is the last run before it; a period that starts before the history does
      // is counted from its first run.
      const from = yield* resolveRun(db, workspace, period.start, "start").pipe(
        Effect.orElse(() => resolveRun(db, workspace, "1", "start").pipe(Effect.orElse(() => Effect.succeed(to))))
      )
      scope = { kind: "window", fromRunId: Math.min(from.run_id, to.run_id), toRunId: to.run_id, label: period.label }
      folder = period.label
    } else if (Option.isSome(input.since)) {
      const from = yield* resolveRun(db, workspace, input.since.value, "start")
      const to = yield* resolveRun(db, workspace, input.run, "end")
      if (to.run_id < from.run_id) return yield* Effect.fail(usageError(`--run ${to.run_id} is before --since (run ${from.run_id}).`))
      scope = { kind: "window", fromRunId: from.run_id, toRunId: to.run_id, label: `runs ${from.run_id} to ${to.run_id}` }
      folder = `since-run-${from.run_id}-to-run-${to.run_id}`
    } else {
      const run = yield* resolveRun(db, workspace, input.run, "end")
      scope = { kind: "run", runId: run.run_id }
      folder = `run-${run.run_id}`
    }
    const files = yield* writeReports(
      scope,
      join(input.reports, workspaceFolder({ slug: null, name: workspace.label, id: workspace.workspace_id }), folder)
    )
    yield* Console.log([files.markdown, files.workbook, files.json].join("\n"))
  }).pipe(
    Effect.provide(readableStore(input.db)),
    Effect.catchTag("StoreError", (error) => Effect.fail(runFailed(error.message))),
    Effect.catchTag("ReportError", (error) => Effect.fail(runFailed(error.message)))
  )
